"""SIS with churn (reboot and re-infect): the equilibrium's closed form is the ODE's long-run value, the
closed-form curve is the ODE's solution, and below threshold the worm dies out."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from wormcast.analytic.sis import SIS

MIRAI = dict(vulnerable=600000, scan_rate=1.0, addresses=2**32, initial_infected=100, reboot_rate=0.05)


def _ode(m, t_end, y0, t_eval=None):
    beta, rho, mu, lam = m.scan_rate * m.success / m.addresses, m.reboot_rate / 3600, m.departure_rate / 3600, \
        m.arrival_rate / 3600

    def rhs(_t, y):
        S, I = y
        return [lam - beta * S * I + rho * I - mu * S, beta * S * I - (rho + mu) * I]

    return solve_ivp(rhs, (0, t_end), y0, t_eval=t_eval, method="LSODA", rtol=1e-10, atol=1e-6)


def test_endemic_equilibrium_is_the_odes_long_run_value_with_churn():
    m = SIS(**MIRAI, arrival_rate=500.0, departure_rate=0.001)  # V* = 500,000 devices
    S_star, I_star = m.equilibrium()
    assert m.devices_long_run == pytest.approx(5e5)
    sol = _ode(m, 2e8, [6e5 - 100, 100])
    assert sol.y[1, -1] == pytest.approx(I_star, rel=1e-5)
    assert sol.y[0, -1] == pytest.approx(S_star, rel=1e-5)
    # the model's own curve (an ODE path here, V(0) != V*) settles there too
    assert m.curve([2e8]).infected[0] == pytest.approx(I_star, rel=1e-5)
    # negative control: a 10% error in the reboot rate moves the equilibrium by more than the tolerance
    other = SIS(**{**MIRAI, "reboot_rate": 0.055}, arrival_rate=500.0, departure_rate=0.001).equilibrium()[1]
    assert abs(other - I_star) / I_star > 1e-3


def test_closed_form_curve_is_the_ode_solution_without_churn():
    m = SIS(**MIRAI)
    t = np.linspace(0, 3 * 86400, 145)
    ode = _ode(m, t[-1], [6e5 - 100, 100], t)
    c = m.curve(t)
    assert np.max(np.abs(c.infected - ode.y[1])) / 6e5 < 1e-6
    assert c.infected[-1] == pytest.approx(m.equilibrium()[1], rel=1e-3)
    # ever infected: bounded by the devices, above the infected, and reaching nearly all of them
    assert np.all(c.ever_infected >= c.infected - 1e-6) and c.ever_infected[-1] > 0.99 * 6e5


def test_below_threshold_the_worm_dies_out():
    m = SIS(**{**MIRAI, "scan_rate": 0.01})  # R0 = beta N / rho < 1
    assert m.R0 < 1 and m.equilibrium() == (6e5, 0.0)
    c = m.curve([0.0, 86400.0, 10 * 86400.0])
    assert c.infected[0] == 100 and c.infected[2] < c.infected[1] < 100


def test_arrivals_need_departures():
    with pytest.raises(ValueError, match="departure_rate"):
        SIS(arrival_rate=10.0)
