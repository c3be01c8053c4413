"""Percentile summaries shared by ensembles and sweeps: which summary values are figures, and how a set of
runs is reduced (p5, p25, p50, p75, p95, mean; runs without a value, e.g. never half infected, are left out
and counted in ``n``)."""

from __future__ import annotations

from typing import Iterable

import numpy as np

from ...observers.outbreak import OutbreakSeries

PERCENTILES = (5, 25, 50, 75, 95)
STATS = tuple(f"p{p}" for p in PERCENTILES) + ("mean",)

# The numeric values every run's summary has, as the outbreak observer declares them; scenario-dependent
# figures (organisations, throttling, plugins) are found in the summaries themselves.
FIGURES = OutbreakSeries.FIGURES


NOT_FIGURES = ("seed", "wall_seconds")


def flatten(summary: dict, prefix: str = "") -> dict:
    """Nested summary values (``orgs``) as dotted keys: ``orgs.<name>.max_infected_servers``."""
    out = {}
    for key, value in summary.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def figure_names(summaries) -> list[str]:
    """The figures of these (flattened) summaries: the engine's base figures, then any other numeric values
    (a scenario's organisations, throttling) in the order first seen."""
    summaries = list(summaries)
    names = [f for f in FIGURES if any(f in s for s in summaries)]
    for s in summaries:
        for k, v in s.items():
            if k not in names and k not in NOT_FIGURES and is_number(v):
                names.append(k)
    return names


def known_figure(name: str) -> bool:
    """Worth accepting before any run: a base figure, or one a scenario can add (organisations, throttle)."""
    return name in FIGURES or name.startswith("orgs.") or name == "throttled_hosts"


def describe(values: Iterable) -> dict:
    """{p5, p25, p50, p75, p95, mean, n} of the non-missing values (all None when there are none)."""
    arr = np.array([v for v in values if v is not None], dtype=float)
    out: dict = {}
    if arr.size:
        for name, q in zip(STATS, np.percentile(arr, PERCENTILES)):
            out[name] = float(q)
        out["mean"] = float(arr.mean())
    else:
        out = dict.fromkeys(STATS)
    out["n"] = int(arr.size)
    return out


def bands(stack: np.ndarray) -> dict[str, np.ndarray]:
    """Per-time percentiles of a (runs, times) array: {'p5': ..., ..., 'mean': ...}."""
    qs = np.percentile(stack, PERCENTILES, axis=0)
    out = {name: qs[i] for i, name in enumerate(STATS[:-1])}
    out["mean"] = stack.mean(axis=0)
    return out


class PeakAligned:
    """A flow over runs with every run shifted so that its peaks coincide: ``peaks`` (each run's highest
    value per interval), ``median`` (the median over runs at each offset from the peak, where at least half
    the runs have a value) and ``at`` (the interval index where it is drawn: the runs' median peak)."""

    def __init__(self, series: np.ndarray):
        runs, n = series.shape
        self.peaks = series.max(axis=1) if n else np.zeros(runs)
        where = series.argmax(axis=1) if n else np.zeros(runs, dtype=int)
        self.at = int(np.median(where)) if runs else 0
        shifted = np.full((runs, 2 * n - 1 if n else 0), np.nan)
        for r in range(runs):  # offset o = index - peak index, stored at o + n - 1
            shifted[r, n - 1 - where[r]: 2 * n - 1 - where[r]] = series[r]
        enough = np.sum(~np.isnan(shifted), axis=0) * 2 >= max(runs, 1)
        med = np.full(shifted.shape[1], np.nan)
        if enough.any():
            med[enough] = np.nanmedian(shifted[:, enough], axis=0)
        # Back onto the plot's intervals: index i of the plot is offset i - at.
        idx = np.arange(n) - self.at + n - 1
        self.median = med[idx] if n else med
