"""One run of one calibration trial, as a unit of work for any backend (``runs/backends.py``): the scenario
with the trial's values, one of the common seeds, and what the observer watches. Only the predicted
series come back (a few hundred numbers), never the run's columns or hosts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# Imported here, not in run_trial: forked pool workers then run the engine the parent loaded.
from ...core.loop import Simulation
from ...observers.predict import Watched, predict_run


@dataclass(frozen=True)
class TrialRun:
    index: int  # position of the seed in the common seed list
    seed: int
    scenario: Any  # a validated Scenario with the trial's values
    watched: Watched
    bins: np.ndarray  # (n, 2): [first step, end step) of each observed interval


def run_trial(task: TrialRun) -> dict:
    """``{index, status, prediction}`` (a :class:`~wormcast.observers.predict.RunPrediction`); a run that
    raises comes back as an error status."""
    from ..ensemble.task import error_status

    try:
        sim = Simulation(task.scenario, task.seed)
        result = sim.run()
        pred = predict_run(result, sim.world.addresses, task.watched, task.bins)
        return {"index": task.index, "status": "ok", "prediction": pred}
    except Exception as exc:  # recorded with the trial; MemoryError included
        return {"index": task.index, "status": error_status(exc), "prediction": None}
