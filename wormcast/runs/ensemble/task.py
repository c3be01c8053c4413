"""One run as a unit of work for any backend: what goes to a worker, and what comes back.

Only the summary (and, for ensembles, the per-interval columns) comes back; per-host state never leaves the
worker. A run that raises is returned as an error status, so it cannot stop the other runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

# Imported here, not in run_task: forked pool workers then run the engine the parent loaded, even if the
# installed files change during a long sweep.
from ...core.loop import Simulation


@dataclass(frozen=True)
class Task:
    point: int
    run: int
    seed: int
    scenario: Any  # a validated Scenario
    columns: bool = False  # send back the interval columns (ensembles need them, sweeps do not)
    interval: Optional[float] = None


def error_status(exc: BaseException) -> str:
    """'error: ...' on one line."""
    text = " ".join(str(exc).split())
    name = type(exc).__name__
    return f"error: {text}" if name == "WormcastError" and text else f"error: {name}: {text}".rstrip(": ")


def run_task(task: Task) -> dict:
    """Run one outbreak on a worker; return ``{point, run, seed, status, summary, columns}``."""
    out = {"point": task.point, "run": task.run, "seed": task.seed, "status": "ok", "summary": None,
           "columns": None}
    try:
        result = Simulation(task.scenario, task.seed).run()
        out["summary"] = dict(result.summary)
        if task.columns:
            out["columns"] = result.columns(task.interval)
    except Exception as exc:  # recorded with the run; MemoryError included
        out["status"] = error_status(exc)
        out["summary"] = out["columns"] = None
    return out
