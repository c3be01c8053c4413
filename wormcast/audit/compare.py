"""Observed probe arrivals against a simulated outbreak's prediction for the monitored addresses.

A uniform random scanner that sends ``probes`` in an interval puts ``probes / target_addresses``
expected probes on each address, so ``monitored`` addresses expect ``monitored * probes /
target_addresses``. Over the window where the simulation and the logs overlap, the observed count
is tested against that Poisson mean (two-sided exact test) and the observed arrival times against
the predicted intensity (one-sample Kolmogorov-Smirnov test on its cumulative share).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..util.timeutil import iso_epoch

ALPHA = 0.05


def expected_curve(sim: pd.DataFrame, target_addresses: int, monitored: int) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative expected arrivals on the monitored addresses at each row boundary.

    Returns (edges in epoch seconds, cumulative expectation at each edge); the rows are taken as
    consecutive intervals, each ending where the next begins (the last as long as the one before).
    """
    if target_addresses <= 0 or monitored <= 0:
        raise ValueError("target_addresses and monitored must be positive")
    t = epoch_seconds(sim["time"])
    if len(t) < 2:
        raise ValueError("the simulation needs at least two time steps")
    order = np.argsort(t, kind="stable")
    t = t[order]
    probes = sim["probes"].to_numpy(dtype=float)[order]
    edges = np.append(t, t[-1] + (t[-1] - t[-2]))
    cum = np.concatenate(([0.0], np.cumsum(probes * monitored / target_addresses)))
    return edges, cum


def compare_arrivals(sim: pd.DataFrame, target_addresses: int, monitored: int, observed_times,
                     window: tuple[float, float] | None = None, total: int | None = None) -> dict:
    """Goodness of fit of observed arrival times (epoch seconds) to the simulated expectation.

    ``window`` is the span the logs cover (epoch seconds); the test uses its overlap with the
    simulation. ``total``: how many arrivals ``observed_times`` stands for, when it is a uniform
    random sample of them (the audit keeps at most RESERVOIR times per signature): the count in the
    window is then estimated as ``total`` times the sample's share in it (``observed_exact`` false)
    and the KS test runs on the sample. Returns a JSON-ready dict with expected and observed counts,
    the tests and a verdict.
    """
    edges, cum = expected_curve(sim, target_addresses, monitored)
    lo, hi = edges[0], edges[-1]
    if window is not None:
        lo, hi = max(lo, window[0]), min(hi, window[1])
    out = {"monitored": int(monitored), "target_addresses": int(target_addresses),
           "window_start": _iso(lo), "window_end": _iso(hi)}
    if hi <= lo:
        out.update(expected=0.0, observed=0, verdict="the simulation and the logs do not overlap in time")
        return out
    F = lambda x: np.interp(x, edges, cum)  # noqa: E731
    expected = float(F(hi) - F(lo))
    obs = np.asarray(observed_times, dtype=float)
    kept = int(len(obs))
    sampled = bool(total is not None and kept and total > kept)
    scale = total / kept if sampled else 1.0
    obs = np.sort(obs[(obs >= lo) & (obs <= hi)])
    n = int(round(len(obs) * scale))
    out.update(expected=expected, observed=n, ratio=(n / expected) if expected > 0 else None,
               observed_exact=not sampled)
    if sampled:
        out["sample_size"] = kept
    if expected <= 0:
        out["verdict"] = "the simulation predicts no probes in the window" + ("" if n == 0 else f", yet {n} arrived")
        return out
    out["cumulative"] = cumulative_points(F, lo, hi, obs, scale)
    lower = stats.poisson.cdf(n, expected)
    upper = stats.poisson.sf(n - 1, expected)
    out["poisson_p"] = float(min(1.0, 2 * min(lower, upper)))
    if n >= 1:
        cdf = lambda x: (F(x) - F(lo)) / expected  # noqa: E731
        ks = stats.kstest(obs, cdf)
        out["ks_statistic"], out["ks_p"] = float(ks.statistic), float(ks.pvalue)
    out["verdict"] = _verdict(out)
    return out


CURVE_POINTS = 101


def cumulative_points(F, lo: float, hi: float, observed: np.ndarray, scale: float = 1.0) -> list[list]:
    """[time (ISO), predicted, observed] cumulative probes since ``lo`` at :data:`CURVE_POINTS` instants of
    the window: what the report plots (observed scaled by ``scale`` when the times are a sample)."""
    at = np.linspace(lo, hi, CURVE_POINTS)
    seen = np.searchsorted(np.sort(observed), at, side="right") * scale
    return [[_iso(t), float(F(t) - F(lo)), float(k)] for t, k in zip(at, seen)]


def _verdict(r: dict) -> str:
    count = (f"{r['observed']} probes observed against {r['expected']:.1f} expected "
             f"(ratio {r['ratio']:.2f}; Poisson p = {r['poisson_p']:.3g})")
    if r["poisson_p"] < ALPHA:
        count += ": the count is not consistent with the scenario at the 5% level"
    else:
        count += ": the count is consistent with the scenario"
    if "ks_p" in r:
        shape = (f"; arrival times vs predicted intensity: KS D = {r['ks_statistic']:.2f}, p = {r['ks_p']:.3g} "
                 + ("(timing differs)" if r["ks_p"] < ALPHA else "(timing consistent)"))
    else:
        shape = "; no arrivals to test the timing"
    return count + shape


def epoch_seconds(times) -> np.ndarray:
    """Datetimes (any resolution, tz-aware or UTC-naive) as float seconds since the epoch."""
    ts = pd.to_datetime(pd.Series(times), utc=True)
    return ((ts - pd.Timestamp(0, tz="UTC")).dt.total_seconds()).to_numpy(dtype=float)


def _iso(t: float) -> str:
    return iso_epoch(t)


def signature_for(scenario: str, summary: dict) -> list[str]:
    """Which rules' probes a scenario predicts: its summary's ``signatures`` if given, else by name."""
    sig = summary.get("signatures") or summary.get("signature")
    if sig:
        return [sig] if isinstance(sig, str) else list(sig)
    name = f"{scenario} {summary.get('name', '')} {summary.get('worm', '')}".lower().replace("_", "-")
    if "nimda" in name:
        return ["nimda"]
    if any(k in name for k in ("codered2", "codered-ii", "code-red-ii", "codered-2", "crii")):
        return ["codered2", "root-exe"]
    if "codered" in name or "code-red" in name:
        return ["codered1"]
    raise ValueError(f"cannot tell which signature scenario {scenario!r} predicts")


def run_compare(scenario: str, monitored: int, detector, window: tuple[float, float], seed: int = 1) -> dict:
    """Simulate ``scenario`` with the engine and compare it with the audit's matched requests
    (``detector``: a :class:`~wormcast.audit.detect.Detector` after the audit)."""
    from .. import simulate  # the engine is loaded only when a comparison is asked for

    res = simulate(scenario, seed=seed)
    summary = dict(res.summary)
    sigs = signature_for(scenario, summary)
    times, total = detector.arrivals(sigs)
    out = compare_arrivals(res.to_df().reset_index(), int(summary["target_addresses"]), monitored, times, window, total)
    out.update(scenario=scenario, seed=seed, signatures=sigs)
    return out
