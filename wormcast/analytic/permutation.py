"""Permutation scanning (with an optional hit-list): a mean-field model of self-coordinated scanning.

Staniford, Paxson and Weaver, "How to 0wn the Internet in Your Spare Time", USENIX Security 2002, §4
(permutation scanning): all copies share one pseudo-random permutation of the address space; a copy infected
from the hit-list starts scanning just after its own point in the permutation, a copy infected by
permutation scanning starts at a random point, and a copy that finds an already infected host jumps to a
new random point. The paper studies it only by simulation (its Figs. 6-8); the model below is ours.

Model (ours). c: the claimed share of the permutation (addresses some copy has scanned), I: infected
hosts, F: copies scanning unclaimed addresses ("fresh"); the other I - F copies are in claimed territory.
Claimed territory is a union of intervals, each with one fresh copy at its right end (a fresh landing opens
one; a copy running into the next interval merges two and leaves), so the unclaimed space is F gaps of mean
length (1 - c) Omega / F, taken as exponential. With K = r N / Omega (per second) and h the hit-list:

    dc/dt = r F / Omega
    dI/dt = r F (N - h) / Omega                          (every host in unclaimed space is new)
    dF/dt = (1 - c) dI/dt                                 new copies landing in unclaimed space
            - (K / N) F^2 / (1 - c)                       fresh copies reaching the next interval
            + K (1 - c) (I - F)                           copies in claimed space hit an infected host
                                                          (after 1/K on average) and land fresh
    c(0) = 0, I(0) = F(0) = h.

Early on every probe is fresh: I grows as h e^{Kt}, like random constant spread; the difference is the
end, where random scanning wastes probes on addresses already scanned and permutation scanning does not.
Against the paper's figures (tests/analytic/test_permutation.py): 10 scans/s over 300,000 hosts gives
K = 2.51/h (the paper's fit of its simulation: K = 2.6, T = 5.52 h; the paper does not say which secondary
scan that run used); a 10,000-host hit-list with permutation scanning at 100 scans/s reaches 99% in 13.7 and
99.99% of the space in 16.9 minutes (the paper: "roughly 15 minutes", Figs. 7-8), where random scanning from
the same list needs 30 minutes and perfect coordination (no probe ever repeated) 8. Not modelled: the
dormancy of the paper's Warhol worm (copies that stop after finding infected hosts), the time to infect a
host, and infection success below 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import SPACE, AnalyticModel, Curve, _check_times, param
from .rcs import rcs_growth_rate


@dataclass(frozen=True)
class Permutation(AnalyticModel):
    name = "permutation"
    summary = "permutation scanning from a hit-list: a mean-field model of self-coordinated scanning (ours)"
    default_until = 3600.0

    vulnerable: float = param(300000.0, "hosts", "vulnerable hosts N inside the target space", kind="count")
    scan_rate: float = param(100.0, "probes/s", "probes per second per infected host")
    addresses: float = param(float(SPACE), "addresses", "size Omega of the target space (the permutation)")
    hitlist: float = param(10000.0, "hosts", "hosts infected at t = 0 (1: no hit-list)", kind="count")

    def __post_init__(self):
        self._check_common()
        self._require(1 <= self.hitlist <= self.vulnerable, "hitlist", "must be at least 1 and at most vulnerable")

    @property
    def K_per_hour(self) -> float:
        """The early growth rate (per hour), the same as random constant spread's."""
        return rcs_growth_rate(self.scan_rate, self.vulnerable, self.addresses)

    def rhs(self, _t, y):
        c, i, f = y
        N, h, r, omega = self.vulnerable, self.hitlist, self.scan_rate, self.addresses
        K = r * N / omega
        free = max(1.0 - c, 1e-12)
        f = min(max(f, 0.0), i)
        found = r * f * (N - h) / omega
        return [r * f / omega, found, free * found - K * f * f / (N * free) + K * free * (i - f)]

    def solve(self, horizon_s: float):
        """solve_ivp's dense solution of (c, I, F) up to ``horizon_s``, stopped when the space is claimed."""
        from scipy.integrate import solve_ivp

        def claimed(_t, y):
            return y[0] - (1.0 - 1e-9)

        claimed.terminal = True
        h = self.hitlist
        return solve_ivp(self.rhs, (0.0, max(float(horizon_s), 1e-9)), [0.0, h, h], method="LSODA",
                         events=claimed, dense_output=True, rtol=1e-9, atol=1e-9)

    def curve(self, times) -> Curve:
        t = _check_times(times)
        sol = self.solve(t.max() if t.size else 0.0)
        i = np.full(t.shape, float(self.vulnerable))
        inside = t <= sol.t[-1]
        i[inside] = np.minimum(sol.sol(t[inside])[1], self.vulnerable)
        return Curve(self.name, t, i, i.copy(), self.vulnerable)

    def time_to(self, fraction: float, horizon_s: float = 30 * 86400.0) -> float:
        """Seconds until ``fraction`` of the vulnerable hosts are infected."""
        target = fraction * self.vulnerable
        if target <= self.hitlist:
            return 0.0
        sol = self.solve(horizon_s)
        grid = np.linspace(0.0, sol.t[-1], 200001)
        i = sol.sol(grid)[1]
        k = int(np.argmax(i >= target))
        if i[k] < target:
            return float("inf")
        return float(np.interp(target, i[k - 1:k + 1], grid[k - 1:k + 1]))

    def coordinated_bound(self, times) -> np.ndarray:
        """Infected hosts if no probe ever repeated an address (perfect coordination, a lower bound on the
        time): h e^{K' t} with K' = r (N - h) / Omega, capped at N."""
        t = _check_times(times)
        k = self.scan_rate * (self.vulnerable - self.hitlist) / self.addresses
        return np.minimum(self.hitlist * np.exp(k * t), self.vulnerable)

    def figures(self) -> dict[str, float]:
        return {"K_per_hour": self.K_per_hour, "minutes_to_99pct": self.time_to(0.99) / 60.0}
