"""The per-run time series an ensemble keeps when asked (``simulate_many(..., keep_runs=True)``): every run's
interval columns, as a (runs x intervals x columns) array, with the tables and alignments drawn from it.

By default an ensemble keeps only its percentile bands; this array is what it reduced them from.
"""

from __future__ import annotations

import numpy as np


class Trajectories:
    """``stack[run, interval, column]``; ``times`` the intervals' starts (UTC), ``names`` the columns,
    ``seeds`` each run's seed."""

    def __init__(self, stack: np.ndarray, names: list[str], times, seeds: list[int]):
        self.stack, self.names, self.times, self.seeds = stack, list(names), times, list(seeds)

    def column(self, name: str) -> np.ndarray:
        """(runs x intervals) values of one column."""
        if name not in self.names:
            raise KeyError(f"{name!r} is not a column of these runs (columns: {', '.join(self.names)})")
        return self.stack[:, :, self.names.index(name)]

    def wide(self, name: str):
        """One column of every run: a DataFrame indexed by ``time``, one column per run (0..K-1)."""
        import pandas as pd

        return pd.DataFrame(self.column(name).T, index=self.times, columns=pd.RangeIndex(len(self.seeds), name="run"))

    def long(self):
        """The tidy table: one row per (time, run, figure) with its ``value``; ``figure`` is a column name
        (``infected``, ``new_infections``, ...), as a categorical."""
        import pandas as pd

        runs, n_t, n_c = self.stack.shape
        return pd.DataFrame({
            "time": self.times.take(np.tile(np.repeat(np.arange(n_t), n_c), runs)),  # keeps the UTC dtype
            "run": np.repeat(np.arange(runs, dtype=np.int64), n_t * n_c),
            "figure": pd.Categorical.from_codes(np.tile(np.arange(n_c), runs * n_t), categories=self.names),
            "value": self.stack.reshape(-1).astype(float),
        })

    def aligned(self, name: str, on: str = "new_infections") -> tuple[np.ndarray, np.ndarray]:
        """Each run's ``name`` shifted so that the peak of its ``on`` column is at offset 0: (offsets in
        intervals, runs x offsets array, NaN where a run has no value). A run whose ``on`` is never above 0
        is left out (it has no peak)."""
        values, peaks = self.column(name), self.column(on)
        keep = peaks.max(axis=1) > 0
        values, at = values[keep], peaks[keep].argmax(axis=1)
        n = values.shape[1]
        if not len(at):
            return np.arange(0), np.empty((0, 0))
        lo, hi = -int(at.max()), n - 1 - int(at.min())
        offsets = np.arange(lo, hi + 1)
        out = np.full((len(at), len(offsets)), np.nan)
        for i, p in enumerate(at):
            out[i, (-lo - p):(-lo - p + n)] = values[i]
        return offsets, out
