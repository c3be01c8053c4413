"""The two-factor model against an independent solve_ivp solution of Zou, Gong and Towsley's equations."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from wormcast.analytic.two_factor import TwoFactor


def _independent(N, K, gamma, muN, eta, I0, t_h):
    def rhs(_t, y):
        S, I, R, Q = y
        beta = K / N * (1 - I / N) ** eta
        dQ = muN / N * S * (I + R)
        return [-beta * S * I - dQ, beta * S * I - gamma * I, gamma * I, dQ]

    return solve_ivp(rhs, (0, t_h[-1]), [N - I0, I0, 0, 0], t_eval=t_h, method="LSODA", rtol=1e-10,
                     atol=1e-6).y


def test_two_factor_matches_independent_ode_and_paper_shape():
    m = TwoFactor()  # the paper's example: N = 1e6, beta0 N = 0.8, gamma = 0.05, mu N = 0.06, eta = 3
    t_h = np.linspace(0, 100, 401)
    S, I, R, Q = _independent(1e6, 0.8, 0.05, 0.06, 3.0, 1.0, t_h)
    c = m.curve(t_h * 3600)
    assert np.max(np.abs(c.infected - I)) / 1e6 < 1e-4
    assert np.max(np.abs(c.ever_infected - (I + R))) / 1e6 < 1e-4
    # Zou et al. 2002: I(t) peaks near 4e5 some 25-30 hours in (their two-factor figure)
    assert 3.5e5 < c.infected.max() < 4.5e5 and 20 < t_h[np.argmax(c.infected)] < 35
    # negative control: without congestion (eta = 0) the peak is clearly higher
    _, I0eta, _, _ = _independent(1e6, 0.8, 0.05, 0.06, 0.0, 1.0, t_h)
    assert I0eta.max() > 1.2 * c.infected.max()


def test_two_factor_rejects_negative_rates():
    with pytest.raises(ValueError, match="gamma"):
        TwoFactor(gamma=-0.1)
