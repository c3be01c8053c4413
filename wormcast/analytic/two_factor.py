"""The two-factor worm model: Zou, Gong and Towsley, "Code Red Worm Propagation Modeling and Analysis",
ACM CCS 2002, the section on the two-factor worm model (its equation numbers were not checked against the
full text here; the equations are as the project's background notes and the audit's fit use them).

    dS/dt = -beta(t) S I - dQ/dt,   dR/dt = gamma I,   dQ/dt = mu S J,   dI/dt = beta(t) S I - dR/dt,

with J = I + R (ever infected) and beta(t) = beta0 (1 - I/N)^eta: removal of infected hosts (R, at rate
gamma) and patching of susceptible ones (Q, proportional to the infected ones J: human countermeasures),
plus congestion slowing the scan (eta). The paper's example: N = 1e6, I0 = 1, eta = 3, gamma = 0.05,
mu = 0.06/N, beta0 = 0.8/N, with time in hours (its figures' unit, which :class:`TwoFactor` adopts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import AnalyticModel, Curve, _check_times, param


def two_factor(t, N: float, beta0: float, gamma: float, mu: float, eta: float = 3.0,
               I0: float = 1.0) -> dict[str, np.ndarray]:
    """Solve the two-factor model from S = N - I0, I = I0 at t = 0; rates are per unit of ``t``.

    Returns S, I, R, Q, J at ``t`` (>= 0 and sorted).
    """
    from scipy.integrate import odeint

    t = np.asarray(t, dtype=float)

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


@dataclass(frozen=True)
class TwoFactor(AnalyticModel):
    """The two-factor model with per-hour rates: K = beta0 N (the logistic rate it starts with), gamma (removal
    of infected hosts) and mu N (patching, per infected share). Defaults are the paper's example."""

    name = "two-factor"
    summary = "two-factor model: removal, patching and congestion (Zou, Gong & Towsley, CCS 2002)"
    default_until = 100 * 3600.0

    vulnerable: float = param(1e6, "hosts", "vulnerable hosts N", kind="count")
    K: float = param(0.8, "1/hour", "initial infection rate beta0 N")
    gamma: float = param(0.05, "1/hour", "removal rate of infected hosts")
    mu_N: float = param(0.06, "1/hour", "patching rate mu N of susceptible hosts per ever-infected share J/N")
    eta: float = param(3.0, "", "congestion exponent of beta(t) = beta0 (1 - I/N)^eta")
    initial_infected: float = param(1.0, "hosts", "hosts infected at t = 0", kind="count")

    def __post_init__(self):
        self._check_common()
        for n in ("K", "gamma", "mu_N", "eta"):
            self._require(np.isfinite(getattr(self, n)) and getattr(self, n) >= 0, n, "must be 0 or more")

    def solve(self, times) -> dict[str, np.ndarray]:
        """S, I, R, Q, J (hosts) at ``times`` seconds."""
        t = _check_times(times)
        order = np.argsort(t, kind="stable")
        N = self.vulnerable
        sol = two_factor(t[order] / 3600.0, N, self.K / N, self.gamma, self.mu_N / N, self.eta, self.initial_infected)
        out = {}
        for k, v in sol.items():
            out[k] = np.empty_like(v)
            out[k][order] = v
        return out

    def curve(self, times) -> Curve:
        t = _check_times(times)
        sol = self.solve(t)
        return Curve(self.name, t, sol["I"], sol["J"], self.vulnerable)

    def figures(self) -> dict[str, float]:
        t = np.linspace(0.0, self.default_until, 2001)
        i = self.solve(t)["I"]
        return {"peak_infected": float(i.max()), "peak_hours": float(t[np.argmax(i)] / 3600.0)}
