"""AAWP (Chen, Gao and Kwiat 2003): the recursion itself, its limit (random constant spread) as the tick
shrinks, and its continuous-time limit with patching and death."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from wormcast.analytic.aawp import AAWP
from wormcast.analytic.rcs import RCS

FAST = dict(vulnerable=20000, scan_rate=2000.0, addresses=2**32, initial_infected=5)  # K = 33.5/h


def test_recursion_is_the_papers_two_ticks_by_hand():
    m = AAWP(vulnerable=1000, scan_rate=50.0, addresses=2**20, initial_infected=10, patch_rate=36.0,
             reboot_rate=72.0, step=10.0)
    p, d = 1 - np.exp(-36.0 * 10 / 3600), 1 - np.exp(-72.0 * 10 / 3600)  # per-tick probabilities
    s, T, N = 50.0 * 10, 2.0**20, 1000.0
    n0 = 10.0
    n1 = (1 - d - p) * n0 + (N - n0) * (1 - (1 - 1 / T) ** (s * n0))
    n2 = (1 - d - p) * n1 + ((1 - p) * N - n1) * (1 - (1 - 1 / T) ** (s * n1))
    n, _ = m.ticks(2)
    assert n == pytest.approx([n0, n1, n2], rel=1e-12)
    # ever infected: e1 = n0 + (N - n0) q0; e2 = e1 + u1 q1, u1 = (N - n0)(1 - p - q0)
    q0, q1 = 1 - (1 - 1 / T) ** (s * n0), 1 - (1 - 1 / T) ** (s * n1)
    _, e = m.ticks(2)
    u1 = (N - n0) * (1 - p - q0)
    assert e == pytest.approx([n0, n0 + (N - n0) * q0, n0 + (N - n0) * q0 + u1 * q1], rel=1e-12)


def test_aawp_tends_to_rcs_as_the_tick_shrinks():
    t = np.linspace(0, 1800, 181)
    rcs = RCS(**FAST).curve(t).fraction
    err = {dt: np.max(np.abs(AAWP(**FAST, step=dt).curve(t).fraction - rcs)) for dt in (10.0, 1.0, 0.1)}
    # A tick grows n by 1 + K dt instead of e^{K dt}: the rate is K (1 - K dt / 2), so the curve lags by
    # (K dt / 2) ln(N / I0) / K and the largest error, at the midpoint (slope K / 4), is about
    # (K dt / 2) ln(N / I0) / 4 = 0.0095 at dt = 1 s here (K = 0.0093/s, ln(N / I0) = 8.3).
    assert 0.006 < err[1.0] < 0.012
    assert err[0.1] < 0.0012
    assert 80 < err[10.0] / err[0.1] < 120  # first order in the tick


def test_aawp_with_patching_and_death_tends_to_its_ode():
    patch, reboot = 2.0, 4.0  # per hour
    m = AAWP(**FAST, patch_rate=patch, reboot_rate=reboot, step=0.5)
    N, beta, p, d = 20000.0, 2000.0 / 2**32, patch / 3600, reboot / 3600

    def rhs(t, y):
        n, e, u = y
        return [beta * n * (N * np.exp(-p * t) - n) - (d + p) * n, beta * n * u, -beta * n * u - p * u]

    t = np.linspace(0, 3600, 121)
    ode = solve_ivp(rhs, (0, 3600), [5.0, 5.0, N - 5.0], t_eval=t, rtol=1e-10, atol=1e-8).y
    c = m.curve(t)
    assert np.max(np.abs(c.infected - ode[0])) / N < 0.003
    assert np.max(np.abs(c.ever_infected - ode[1])) / N < 0.003
    # negative control: without the death term the curve is visibly different
    plain = AAWP(**FAST, patch_rate=patch, step=0.5).curve(t)
    assert np.max(np.abs(plain.infected - ode[0])) / N > 0.03


def test_ever_infected_bounds():
    c = AAWP(**FAST, patch_rate=1.0, reboot_rate=3.0, step=5.0).curve(np.linspace(0, 7200, 100))
    assert np.all(c.ever_infected >= c.infected - 1e-9) and np.all(np.diff(c.ever_infected) >= -1e-9)
    assert c.ever_infected.max() <= 20000
    c0 = AAWP(**FAST, step=5.0).curve(np.linspace(0, 7200, 100))
    assert np.allclose(c0.ever_infected, c0.infected)


def test_aawp_rejects_a_tick_that_patches_everything():
    with pytest.raises(ValueError, match="step"):
        AAWP(patch_rate=1e6, step=3600.0)
