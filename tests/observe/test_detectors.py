"""Early-warning detectors: no false alarm on background alone over a week; an alarm before 5% of the
vulnerable hosts are infected for a Code Red-like logistic outbreak seen by a /8 telescope.

Outbreak (background.md section 4; worms.md): N = 360,000 vulnerable hosts, logistic growth with
K = 1.8 per hour (Staniford et al.'s Code Red fit), 10 hosts infected at release, release 10 hours into
the record; hosts scan at 5 probes/s, so a /8 telescope first sees each host after an exponential delay
of mean 256 / 5 s = 51 s (worms.md "Observers"). One-minute intervals. Background: the default
:class:`BackgroundRadiation` (2,000 new scanner sources an hour, ASSUMPTION), seen through the same
:class:`TelescopeCounter`.
"""

import functools

import numpy as np
import pytest

from wormcast.observers.background import BackgroundRadiation
from wormcast.observers.detectors.kalman import KalmanDetector
from wormcast.observers.detectors.threshold import ThresholdDetector
from wormcast.observers.detectors.trend import CusumDetector, IncreasingRunDetector
from wormcast.observers.telescope_counts import TelescopeCounter

N, K, I0 = 360_000, 1.8 / 3600, 10
RELEASE, DT = 10 * 3600.0, 60.0
SEEN_RATE = 5.0 / 256


def infected(t):
    """Logistic I(t) (background.md section 4), 0 before release."""
    tau = np.maximum(np.asarray(t, dtype=float) - RELEASE, 0.0)
    a0 = I0 / N
    return np.where(np.asarray(t) >= RELEASE, N * a0 * np.exp(K * tau) / (1 - a0 + a0 * np.exp(K * tau)), 0.0)


@functools.lru_cache(maxsize=None)
def new_sources(seed, steps, worm=True, background=BackgroundRadiation()):
    """Per-interval new unique sources of a /8 telescope: background plus each infected host at its first
    probe (infection times from the logistic curve with Poisson counts per interval, then Exp delays)."""
    rng = np.random.default_rng(seed)
    bg = background.stream(np.random.default_rng([seed, 1]))
    edges = np.arange(steps + 1) * DT
    worm_new = np.zeros(steps, dtype=np.int64)
    if worm:
        n_inf = rng.poisson(np.diff(infected(edges)))
        t_inf = np.repeat(edges[:-1], n_inf) + rng.random(n_inf.sum()) * DT
        t_seen = t_inf + rng.exponential(1 / SEEN_RATE, t_inf.size)
        worm_new = np.histogram(t_seen, bins=edges)[0]
    counter = TelescopeCounter()
    out = np.zeros(steps, dtype=np.int64)
    for i in range(steps):
        ids, cnt = bg.step(edges[i], DT)
        out[i] = counter.observe(edges[i], edges[i + 1], ids, cnt).new_hosts + worm_new[i]
    return edges[1:], out


DETECTORS = {
    "kalman": KalmanDetector, "threshold": ThresholdDetector, "cusum": CusumDetector,
    "increasing-run": IncreasingRunDetector,
}


def run(detector, times, values):
    for t, v in zip(times, values):
        detector.update(t, v)
    return detector.alarm_time


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DETECTORS))
def test_no_false_alarm_on_background_for_a_week(name):
    """Background only, 7 days of one-minute intervals (10,080), 3 seeds: no alarm."""
    for seed in range(3):
        t, y = new_sources(seed, 7 * 24 * 60, worm=False)
        assert run(DETECTORS[name](), t, y) is None, (name, seed)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DETECTORS))
def test_alarm_before_five_percent_infected(name):
    """Outbreak plus background, 5 seeds: an alarm, after release, with I(alarm) < 5% of N."""
    for seed in range(5):
        t, y = new_sources(100 + seed, 24 * 60)
        at = run(DETECTORS[name](), t, y)
        assert at is not None and at > RELEASE, (name, seed, at)
        assert infected(at) / N < 0.05, (name, seed, infected(at) / N)


@pytest.mark.slow
def test_negative_controls():
    """The two tests catch detectors that are wrong by amounts that matter: a threshold at 1 s.d. (not 4)
    false-alarms on background within a week; a Kalman filter demanding a rate of 0.1 per minute (three
    times Code Red's 0.03) stays silent until far beyond 5% infected."""
    t, y = new_sources(0, 7 * 24 * 60, worm=False)
    assert run(ThresholdDetector(z=1.0, consecutive=1), t, y) is not None
    t, y = new_sources(100, 24 * 60)
    at = run(KalmanDetector(min_rate=0.1), t, y)
    assert at is None or infected(at) / N > 0.05
