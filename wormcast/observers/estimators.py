"""Infected population and scan rate from a telescope, as Moore, Shannon & Brown (IMW 2002) and Moore,
Shannon, Voelker & Savage ("Network telescopes", CAIDA 2004) estimate them, with the telescope-size
correction.

Model (the papers' uniform-scanning argument; engine-notes.md "Per-host clocks"): a host scanning at ``r``
probes per unit time for ``t`` sends a Poisson(``mu``) number of probes into a telescope that receives a
fraction ``f`` of its probes, ``mu = r f t`` (``f = |T| / 2^32`` for a uniform scanner; in general
:func:`wormcast.observers.landing.landing_probability`). So

    (1)  P(seen) = q = 1 - exp(-r f t)                         ("Network telescopes", section 4)
    (2)  unique sources n ~ Binomial(N, q): n underestimates the infected population N; N_hat = n / q
    (3)  naive scan rate (the papers'): packets per seen source per unit time, divided by f
    (4)  corrected: a seen host's packet count is zero-truncated Poisson(mu); the MLE solves
         mean_packets = mu / (1 - exp(-mu)); r_hat = mu_hat / (f t). (3) overestimates r by 1/q.
    (4') the same with a source that scanned a share e_i of the window at mu e_i (below).

Intervals (stated level, default 90%):
- :func:`infected_given_rate` (r known): exact binomial inversion of (2) in N (the N whose binomial tails
  at n both exceed (1 - level) / 2), the Clopper-Pearson construction turned around;
- :func:`scan_rate` (4'): with each source's share e_i of the window it scanned (``exposure``, default 1),
  mu solves sum_i x_i = sum_i h(mu e_i), h(m) = m / (1 - e^-m) (the zero-truncated Poisson MLE; e_i = 1
  gives (4)); Wald interval from the sandwich variance sum_i psi_i^2 / (sum_i e_i h'(mu e_i))^2,
  psi_i = x_i - h(mu e_i). It holds when the hosts' rates vary (the counts are then overdispersed:
  Var x = mu + cv^2 mu^2, which the Fisher information mu (1 - e^-mu)^2 / (n (1 - e^-mu - mu e^-mu)),
  ``robust=False``, leaves out) and reduces to the information one for a single rate. Target: the mean
  rate of the law the hosts' rates are drawn from (sources independent of their rates), exactly when
  every host is seen (mu large, as a /8 over an hour for Code Red: mu ~ 110) or all rates are equal;
  with varying rates and small mu the unseen hosts are the slow ones and r_hat is biased upward;
- :func:`estimate` (r estimated too): delta method on log N_hat with both sources of error,
  Var(N_hat) = N (1 - q) / q + (n e^-mu / q^2)^2 Var(mu_hat).
Over time (:func:`infected_series`): with C_t the cumulative unique sources at the end of interval t and
p = 1 - exp(-r f dt) the chance that an infected, not yet seen host is seen within one interval,

    (5)  E[C_{t+1} - C_t] = p (I_t - C_t),  so  I_hat_t = C_t + (C_{t+1} - C_t) / p

(the bias correction of Zou, Gao, Gong & Towsley, CCS 2003, in this form; memoryless first-sighting
times at constant r make it exact but for one term). Hosts infected during the next interval (uniformly
in it) and seen within it add p' (I_{t+1} - I_t) to the increment, p' = 1 - p / (r f dt); so

    (5') I_hat_t = C_t + (C_{t+1} - C_t - p' G_t) / p,   G_t = I0_{t+1} - I0_t from the estimates I0 of (5),
         smoothed by a centred moving average of ``smooth`` intervals (a plug-in; the last keeps (5)).

Interval: the exact binomial inversion of the corrected increment with q = p, added to C_t (conditional
on C_t; the plug-in's own error is not included).
ASSUMPTIONS: each host scans at a constant rate while it scans; without ``exposure``, every seen source
scanned the whole window (a source infected or stopped within it biases r_hat low by its missing share);
q (and so N_hat) takes the one rate mu (with varying rates and q < 1, E[q_i] < q(mu): N_hat low); the
window is short against churn (unique addresses = hosts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    level: float
    method: str


@dataclass(frozen=True)
class TelescopeEstimates:
    """Unique sources seen (the papers' lower bound), the detection probability (1), infected hosts (2)
    and the scan rate, corrected (4) and naive (3)."""

    unique_sources: int
    detection_probability: Estimate
    infected: Estimate
    scan_rate: Estimate
    naive_scan_rate: float


def detection_probability(rate, fraction, duration):
    """Equation (1): probability that a host scanning at ``rate`` for ``duration`` is seen."""
    return -np.expm1(-np.asarray(rate, dtype=float) * fraction * duration)


def infected_given_rate(n_seen: int, q: float, level: float = 0.9) -> Estimate:
    """Equation (2) with ``q`` known: N_hat = n / q, exact binomial interval in N."""
    if not 0 < q <= 1:
        raise ValueError("detection probability must be in (0, 1]")
    a = (1 - level) / 2

    def lowest(pred, lo, hi):
        while lo < hi:  # smallest N in [lo, hi] with pred(N) true (pred monotone false -> true)
            mid = (lo + hi) // 2
            if pred(mid):
                hi = mid
            else:
                lo = mid + 1
        return lo

    cap = int(n_seen / q * 10 + 100)
    low = lowest(lambda N: stats.binom.sf(n_seen - 1, N, q) >= a, n_seen, cap)  # P(X >= n | N) >= a
    high = lowest(lambda N: stats.binom.cdf(n_seen, N, q) < a, n_seen, cap) - 1  # last N with P(X <= n) >= a
    return Estimate(n_seen / q, float(low), float(max(high, low)), level, "exact binomial inversion in N")


def _ztp_var(mu: float, n: int) -> float:
    """Var(mu_hat) from the Fisher information: right when every host scans at one rate."""
    if mu <= 0:
        return math.inf
    em = math.exp(-mu)
    denom = n * (1 - em - mu * em)
    return mu * (1 - em) ** 2 / denom if denom > 0 else math.inf


def _ztp_mean(m: np.ndarray) -> np.ndarray:
    """h(m) = m / (1 - e^-m), the mean of a zero-truncated Poisson(m) (1 at m = 0)."""
    m = np.asarray(m, dtype=float)
    return np.where(m > 1e-12, m / -np.expm1(-np.maximum(m, 1e-12)), 1.0 + m / 2)


def _ztp_mean_slope(m: np.ndarray) -> np.ndarray:
    """h'(m) = (1 - e^-m - m e^-m) / (1 - e^-m)^2."""
    m = np.maximum(np.asarray(m, dtype=float), 1e-12)
    q = -np.expm1(-m)
    return np.where(m > 1e-6, (q - m * np.exp(-m)) / q**2, 0.5)


def _ztp_mu_exposed(x: np.ndarray, e: np.ndarray) -> float:
    """Solve (4') sum_i x_i = sum_i h(mu e_i) for mu (the window's mu: sources scanning all of it). The
    sources that scanned the whole window (most, as a rule) enter as one term: each root-finding step then
    costs the partial sources only."""
    total = float(x.sum())
    if total <= float(np.sum(e > 0)):  # every source sent one packet: mu -> 0
        return 0.0
    whole = e == 1.0
    n_whole, part = int(np.count_nonzero(whole)), e[~whole]
    f = lambda mu: n_whole * float(_ztp_mean(mu)) + float(_ztp_mean(mu * part).sum()) - total  # noqa: E731
    hi = total / float(e.sum()) + 1.0
    while f(hi) < 0:
        hi *= 2
    return optimize.brentq(f, 1e-12, hi)


def scan_rate(packets, duration: float, fraction: float, level: float = 0.9, exposure=None,
              robust: bool = True) -> tuple[Estimate, float, float]:
    """Equation (4') from the packets of each seen source; returns (estimate, mu_hat, Var(mu_hat)).

    ``exposure``: each source's share of the window it scanned (default 1: all of it), which corrects for
    sources seen only partly (infected, rebooted or patched within the window). ``robust`` (default): the
    sandwich variance of the estimating equation, which holds when the hosts' rates vary; ``False``: the
    zero-truncated Poisson information, right only for one common rate (kept as the negative control)."""
    x = np.asarray(packets, dtype=float)
    e = np.ones(x.size) if exposure is None else np.asarray(exposure, dtype=float)
    if e.shape != x.shape:
        raise ValueError("exposure must give one share per source")
    if e.size and not (e.min() > 0 and e.max() <= 1):  # (NaN fails both)
        raise ValueError("exposure must be in (0, 1]")
    if x.size and not x.min() > 0:
        seen = x > 0
        x, e = x[seen], e[seen]
    if x.size == 0:
        raise ValueError("no source seen")
    mu = _ztp_mu_exposed(x, e)
    if not robust:
        var = _ztp_var(mu, x.size)
        method = "zero-truncated Poisson MLE, Wald interval (Fisher information: one common rate)"
    elif mu <= 0 or x.size < 2:
        var = math.inf
        method = "zero-truncated Poisson estimating equation, sandwich interval"
    else:
        part = np.flatnonzero(e != 1.0)  # (sources that scanned the whole window share h(mu), h'(mu))
        h = np.full(x.size, float(_ztp_mean(mu)))
        h[part] = _ztp_mean(mu * e[part])
        psi = x - h  # each source's score (up to the factor 1 / mu)
        slope = float((x.size - part.size) * _ztp_mean_slope(mu) + np.sum(e[part] * _ztp_mean_slope(mu * e[part])))
        var = float(np.square(psi, out=psi).sum()) * x.size / (x.size - 1) / slope**2
        method = "zero-truncated Poisson estimating equation, sandwich interval"
    z = stats.norm.ppf(0.5 + level / 2)
    scale = fraction * duration
    sd = math.sqrt(var) if math.isfinite(var) else math.inf
    est = Estimate(mu / scale, max(mu - z * sd, 0.0) / scale, (mu + z * sd) / scale, level, method)
    return est, mu, var


def estimate(packets, duration: float, fraction: float, level: float = 0.9, exposure=None,
             robust: bool = True) -> TelescopeEstimates:
    """All of (1)-(4) from the per-source packet counts of the sources a telescope saw in a window
    (``exposure``, ``robust``: as :func:`scan_rate`)."""
    x = np.asarray(packets, dtype=float)
    rate, mu, var_mu = scan_rate(x, duration, fraction, level, exposure, robust)
    if x.size and not x.min() > 0:
        x = x[x > 0]
    n = int(x.size)
    z = stats.norm.ppf(0.5 + level / 2)
    q = -math.expm1(-mu)
    if q <= 0:
        raise ValueError("every seen source sent one packet: the scan rate (and so q) is not identified")
    sd_mu = math.sqrt(var_mu)
    q_est = Estimate(q, -math.expm1(-max(mu - z * sd_mu, 1e-300)), -math.expm1(-(mu + z * sd_mu)), level,
                     "from the scan-rate interval")
    N = n / q
    var_N = N * (1 - q) / q + (n * math.exp(-mu) / q**2) ** 2 * var_mu
    rel = z * math.sqrt(var_N) / N
    infected = Estimate(N, max(float(n), N * math.exp(-rel)), N * math.exp(rel), level,
                        "n / q_hat, delta method on log N (binomial and scan-rate error)")
    naive = float(x.mean()) / (fraction * duration)
    return TelescopeEstimates(n, q_est, infected, rate, naive)


@dataclass(frozen=True)
class SeriesEstimate:
    """Per interval end: the estimate and its interval (``level``)."""

    value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    level: float
    method: str


def infected_series(unique_hosts, rate: float, fraction: float, dt: float, level: float = 0.9,
                    smooth: int = 9) -> SeriesEstimate:
    """Equation (5): infected hosts at the end of each interval but the last, from the cumulative unique
    sources ``unique_hosts`` (``TelescopeSeries.unique_hosts``) and a known (or estimated) scan rate."""
    C = np.asarray(unique_hosts, dtype=float)
    p = float(-math.expm1(-rate * fraction * dt))
    if not 0 < p <= 1:
        raise ValueError("rate * fraction * dt must be positive")
    d = np.diff(C)
    first = C[:-1] + d / p  # (5)
    lam_dt = rate * fraction * dt
    p_in = 1.0 - p / lam_dt  # seen within the interval of infection, infection uniform in it
    growth = np.zeros(d.size)
    raw = np.diff(first)  # I_{t+1} - I_t from (5), noisy: smoothed by a centred moving average
    w = min(smooth, raw.size) if raw.size else 0
    if w:
        kernel = np.ones(w) / w
        norm = np.convolve(np.ones(raw.size), kernel, mode="same")
        growth[:-1] = np.maximum(np.convolve(raw, kernel, mode="same") / norm, 0.0)
    dc = np.maximum(d - p_in * growth, 0.0)  # (5')
    val, lo, hi = C[:-1] + dc / p, np.empty(d.size), np.empty(d.size)
    for i, k in enumerate(dc):
        e = infected_given_rate(int(round(k)), p, level)
        lo[i], hi[i] = C[i] + e.low, C[i] + e.high
    return SeriesEstimate(val, lo, hi, level, "eq. (5'), exact binomial interval on the corrected increment")
