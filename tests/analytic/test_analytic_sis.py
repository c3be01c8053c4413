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


def test_devices_that_come_back():
    """Churn with return (devices leave at mu, come back at omega): V* = total omega / (omega + mu); from the
    stationary split the closed form is the ODE's path; from another split the ODE settles at the same
    equilibrium; ever infected counts devices away too and never exceeds the total. Negative control: the
    closed form with the departures forgotten (rho only) misses the ODE."""
    kw = dict(MIRAI, vulnerable=4e5, offline=2e5, return_rate=0.1, departure_rate=0.05)
    m = SIS(**kw)
    assert m.devices_long_run == pytest.approx(4e5)
    t = np.linspace(0, 4 * 86400, 97)
    c = m.curve(t)
    beta, rho, mu, om = m.beta, m.reboot_rate / 3600, 0.05 / 3600, 0.1 / 3600

    def rhs(_t, y):
        S, I, F = y
        return [-beta * S * I + rho * I - mu * S + om * F, beta * S * I - (rho + mu) * I, mu * (S + I) - om * F]

    ode = solve_ivp(rhs, (0, t[-1]), [4e5 - 100, 100, 2e5], t_eval=t, method="LSODA", rtol=1e-10, atol=1e-6).y
    assert np.max(np.abs(c.infected - ode[1])) < 1e-4 * 4e5
    assert np.all(c.ever_infected <= 6e5 + 1) and c.ever_infected[-1] > c.infected[-1]
    wrong = SIS(**{**kw, "departure_rate": 0.0, "return_rate": 0.0, "offline": 0.0}).logistic_infected(t)
    assert np.max(np.abs(wrong - ode[1])) > 1e-2 * 4e5
    away = SIS(**{**kw, "vulnerable": 5.5e5, "offline": 0.5e5}).curve([2e7]).infected[0]
    assert away == pytest.approx(m.equilibrium()[1], rel=1e-4)
    with pytest.raises(Exception):
        SIS(**kw, arrival_rate=10.0)
