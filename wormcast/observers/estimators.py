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

Intervals (stated level, default 90%):
- :func:`infected_given_rate` (r known): exact binomial inversion of (2) in N (the N whose binomial tails
  at n both exceed (1 - level) / 2), the Clopper-Pearson construction turned around;
- :func:`scan_rate` (4): Wald interval from the zero-truncated Poisson Fisher information,
  Var(mu_hat) = mu (1 - e^-mu)^2 / (n (1 - e^-mu - mu e^-mu));
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
ASSUMPTIONS: every host scans at one rate over the whole window (heterogeneous rates bias mu_hat toward
the rates of the hosts seen most); the window is short against churn (unique addresses = hosts).
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


def _ztp_mu(mean_packets: float) -> float:
    """MLE of mu for zero-truncated Poisson data with sample mean ``mean_packets`` (> 1)."""
    if mean_packets <= 1.0:
        return 0.0
    f = lambda mu: mu / -math.expm1(-mu) - mean_packets  # noqa: E731
    return optimize.brentq(f, 1e-12, mean_packets + 1.0)


def _ztp_var(mu: float, n: int) -> float:
    if mu <= 0:
        return math.inf
    em = math.exp(-mu)
    denom = n * (1 - em - mu * em)
    return mu * (1 - em) ** 2 / denom if denom > 0 else math.inf


def scan_rate(packets, duration: float, fraction: float, level: float = 0.9) -> tuple[Estimate, float, float]:
    """Equation (4) from the packets of each seen source; returns (estimate, mu_hat, Var(mu_hat))."""
    x = np.asarray(packets, dtype=float)
    x = x[x > 0]
    if x.size == 0:
        raise ValueError("no source seen")
    mu = _ztp_mu(float(x.mean()))
    var = _ztp_var(mu, x.size)
    z = stats.norm.ppf(0.5 + level / 2)
    scale = fraction * duration
    sd = math.sqrt(var) if math.isfinite(var) else math.inf
    est = Estimate(mu / scale, max(mu - z * sd, 0.0) / scale, (mu + z * sd) / scale, level,
                   "zero-truncated Poisson MLE, Wald interval")
    return est, mu, var


def estimate(packets, duration: float, fraction: float, level: float = 0.9) -> TelescopeEstimates:
    """All of (1)-(4) from the per-source packet counts of the sources a telescope saw in a window."""
    x = np.asarray(packets, dtype=float)
    x = x[x > 0]
    n = int(x.size)
    rate, mu, var_mu = scan_rate(x, duration, fraction, level)
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
