"""Analytic epidemic models that pair with the stochastic engine (and serve the audit's fits).

Times are in hours unless a docstring says otherwise.
"""

from __future__ import annotations

import numpy as np


def rcs_growth_rate(scan_rate_per_s: float, vulnerable: int, target_addresses: int) -> float:
    """Random constant spread K = r N / Omega, per hour (Staniford, Paxson and Weaver 2002)."""
    return float(scan_rate_per_s) * 3600.0 * vulnerable / target_addresses


def rcs_fraction(t_hours, K: float, T: float):
    """Infected fraction a(t) = e^{K(t-T)} / (1 + e^{K(t-T)}) of the RCS logistic model."""
    x = K * (np.asarray(t_hours, dtype=float) - T)
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def rcs_midpoint(K: float, initial_fraction: float) -> float:
    """The time T (hours) at which the logistic started at ``initial_fraction`` reaches one half."""
    return float(np.log((1.0 - initial_fraction) / initial_fraction) / K)


def two_factor(t_hours, N: float, beta0: float, gamma: float, mu: float, eta: float = 3.0,
               I0: float = 1.0) -> dict[str, np.ndarray]:
    """Zou, Gong and Towsley's two-factor worm model (CCS 2002), solved from S = N - I0 at t = 0.

    dS/dt = -beta(t) S I - dQ/dt,  dR/dt = gamma I,  dQ/dt = mu S J,  dI/dt = beta(t) S I - dR/dt,
    with J = I + R and beta(t) = beta0 (1 - I/N)^eta: removal of infected hosts (R) and
    patching of susceptible ones (Q), plus congestion slowing the scan. Returns S, I, R, Q, J at
    ``t_hours`` (which must be >= 0 and sorted); the paper's example is N = 1e6, I0 = 1, eta = 3,
    gamma = 0.05, mu = 0.06/N, beta0 = 0.8/N.
    """
    from scipy.integrate import odeint

    t = np.asarray(t_hours, dtype=float)

    def rhs(y, _t):
        s, i, r, q = y
        i_pos = min(max(i, 0.0), N)
        beta = beta0 * (1.0 - i_pos / N) ** eta
        dq = mu * s * (i + r)
        infect = beta * s * i
        return [-infect - dq, infect - gamma * i, gamma * i, dq]

    grid = np.concatenate(([0.0], t)) if (t.size == 0 or t[0] > 0) else t
    sol = odeint(rhs, [N - I0, I0, 0.0, 0.0], grid, rtol=1e-7, atol=1e-10 * N, mxstep=5000)
    if grid is not t:
        sol = sol[1:]
    S, I, R, Q = sol.T
    return {"S": S, "I": I, "R": R, "Q": Q, "J": I + R}
