"""What one run produced: its declared per-step columns, its summary, tables at any interval, and what its
named observers saw (``observers``)."""

from __future__ import annotations

import numpy as np

from ..util.timeutil import steps_per
from .series import StepSeries


class Result:
    """``summary`` is a plain dict (what summary.json holds); ``to_df()`` the time series at an interval."""

    def __init__(self, scenario, seed: int, series: StepSeries, summary: dict, observers: dict | None = None):
        self.scenario, self.seed, self.series, self.summary = scenario, seed, series, summary
        self.observers = observers or {}  # name -> ObserverOutput (results/observed.py): tables, files, figures

    def columns(self, interval: float | None = None) -> dict[str, np.ndarray]:
        """Column arrays at ``interval`` seconds (default: the scenario's): stocks at the end of each
        interval, flows summed over it. The last interval may be shorter."""
        dt = self.scenario.step
        interval = self.scenario.interval if interval is None else interval
        k = steps_per(interval, dt)
        if k is None:
            raise ValueError(f"interval {interval:g}s is not a multiple of the step {dt:g}s")
        n = self.series.n_steps
        starts = np.arange(0, n, k)
        ends = np.minimum(starts + k, n) - 1
        out: dict[str, np.ndarray] = {"t_seconds": starts * dt}
        for col in self.series.columns:
            out[col.name] = col.at_interval(starts, ends)
        return out

    def to_df(self, interval: float | None = None):
        import pandas as pd

        cols = self.columns(interval)
        t = cols.pop("t_seconds")
        times = pd.Timestamp(self.scenario.start) + pd.to_timedelta(t, unit="s")
        return pd.DataFrame({"time": times, **cols})
