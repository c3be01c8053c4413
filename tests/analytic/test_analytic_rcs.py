"""Random constant spread against an independent ODE solution, and its parameter checks."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from wormcast.analytic.rcs import RCS, rcs_growth_rate


def _logistic_ode(K_per_s, N, I0, t):
    sol = solve_ivp(lambda _t, y: [K_per_s * y[0] * (1 - y[0] / N)], (0, t[-1]), [I0], t_eval=t,
                    rtol=1e-10, atol=1e-8)
    return sol.y[0]


def test_rcs_curve_is_the_logistic_ode_solution():
    m = RCS(vulnerable=20000, scan_rate=2000.0, addresses=2**32, initial_infected=3, success=0.7)
    t = np.linspace(0, 3 * 3600, 301)
    K = 2000.0 * 20000 * 0.7 / 2**32  # r N success / Omega, per second
    assert m.K_per_hour == pytest.approx(K * 3600, rel=1e-12)
    ode = _logistic_ode(K, 20000, 3, t)
    c = m.curve(t)
    assert np.max(np.abs(c.infected - ode)) / 20000 < 1e-6
    assert np.array_equal(c.infected, c.ever_infected)
    # negative control: a K 1% off is seen at this precision
    off = _logistic_ode(K * 1.01, 20000, 3, t)
    assert np.max(np.abs(c.infected - off)) / 20000 > 1e-3


def test_rcs_figures_match_code_red_numbers():
    # Staniford et al. 2002: 10 scans/s over 300,000 hosts in 2^32 addresses -> K = 2.51/h (r N / Omega)
    assert rcs_growth_rate(10, 300000, 2**32) == pytest.approx(2.514, abs=1e-3)
    m = RCS(vulnerable=300000, scan_rate=10)
    assert m.time_to(0.5) / 3600 == pytest.approx(np.log(299999) / m.K_per_hour, rel=1e-9)
    assert m.curve([m.time_to(0.5)]).fraction[0] == pytest.approx(0.5, abs=1e-9)


@pytest.mark.parametrize("kwargs, name", [
    (dict(vulnerable=0), "vulnerable"), (dict(scan_rate=-1), "scan_rate"),
    (dict(initial_infected=0), "initial_infected"),
    (dict(success=1.5), "success"), (dict(addresses=0), "addresses"),
])
def test_rcs_rejects_bad_parameters_by_name(kwargs, name):
    with pytest.raises(ValueError, match=name):
        RCS(**kwargs)


def test_rcs_rejects_negative_times():
    with pytest.raises(ValueError, match="times"):
        RCS().curve([-1.0])
