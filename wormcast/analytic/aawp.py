"""The Analytical Active Worm Propagation (AAWP) model: discrete time, random scanning, patching and death.

Chen, Gao and Kwiat, "Modeling the Spread of Active Worms", IEEE INFOCOM 2003, the AAWP model section
(§III in our reading). With N vulnerable hosts, T addresses, s scans per host per time tick, n_i hosts
infected at tick i (n_0 = h, a hit-list), a patching rate p (an unpatched host, infected or not, is patched
in a tick with probability p) and a death rate d (an infected host is cleaned without being patched, so it
can be infected again):

    n_{i+1} = (1 - d - p) n_i + [(1 - p)^i N - n_i] [1 - (1 - 1/T)^{s n_i}]

(the paper's recursion with patching and death; without them, n_{i+1} = n_i + [N - n_i][1 - (1 - 1/T)^{s n_i}]).
The bracket is the chance that a given host receives at least one of the s n_i scans of the tick; hosts
infected during a tick scan from the next one, which is also how the engine steps (core/loop.py). The full
text was not retrievable from this workspace to check the paper's equation numbers; the recursion is the one
the paper states in its §III model. Ours, not the paper's: an infection ``success`` probability (a scan
infects with probability success / T per host) and the ever-infected count e_i, from the never-infected
susceptible hosts u_i:  e_{i+1} = e_i + u_i q_i,  u_{i+1} = u_i (1 - p - q_i),  q_i = 1 - (1 - success/T)^{s n_i}
(with p = d = 0, e_i = n_i). Rates are given per hour and turned into per-tick probabilities
1 - exp(-rate * tick); as the tick shrinks without patching or death the recursion tends to random constant
spread (:mod:`wormcast.analytic.rcs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import SPACE, AnalyticModel, Curve, _check_times, param
from .rcs import rcs_growth_rate


@dataclass(frozen=True)
class AAWP(AnalyticModel):
    name = "aawp"
    summary = "AAWP: discrete-time random scanning with patching and death (Chen, Gao & Kwiat, INFOCOM 2003)"
    default_until = 24 * 3600.0

    vulnerable: float = param(370000.0, "hosts", "vulnerable hosts N inside the target space", kind="count")
    scan_rate: float = param(7.8, "probes/s", "mean probes per second per infected host")
    addresses: float = param(float(SPACE), "addresses", "size T of the target space")
    initial_infected: float = param(1.0, "hosts", "hosts infected at tick 0 (the paper's hit-list h)", kind="count")
    patch_rate: float = param(0.0, "1/hour", "patch hazard p of every unpatched host")
    reboot_rate: float = param(0.0, "1/hour", "death hazard d: an infected host is cleaned, stays vulnerable")
    step: float = param(1.0, "s", "length of a time tick", kind="duration")
    success: float = param(1.0, "probability", "chance that a probe reaching a susceptible host infects it")

    def __post_init__(self):
        self._check_common()
        self._require(np.isfinite(self.step) and self.step > 0, "step", "must be a positive duration")
        self._require(self.p + self.d < 1, "step", "too long: patching and death take every host in one tick")

    @property
    def p(self) -> float:
        """Patching probability per tick."""
        return float(-np.expm1(-self.patch_rate * self.step / 3600.0))

    @property
    def d(self) -> float:
        """Death probability per tick."""
        return float(-np.expm1(-self.reboot_rate * self.step / 3600.0))

    def ticks(self, n_ticks: int) -> tuple[np.ndarray, np.ndarray]:
        """(n_i, e_i) for i = 0 .. n_ticks: infected and ever infected at the start of each tick."""
        N, p, d = self.vulnerable, self.p, self.d
        s = self.scan_rate * self.step
        log_miss = np.log1p(-self.success / self.addresses)  # log(1 - success/T), exact for large T
        n = np.empty(n_ticks + 1)
        e = np.empty(n_ticks + 1)
        n[0] = e[0] = self.initial_infected
        u = N - self.initial_infected
        unpatched = N
        for i in range(n_ticks):
            q = -np.expm1(s * n[i] * log_miss)  # 1 - (1 - success/T)^{s n_i}
            n[i + 1] = (1.0 - d - p) * n[i] + max(unpatched - n[i], 0.0) * q
            e[i + 1] = e[i] + u * q
            u *= max(1.0 - p - q, 0.0)
            unpatched *= 1.0 - p  # (1 - p)^{i+1} N
        return n, e

    def curve(self, times) -> Curve:
        """The recursion's values at ``times`` seconds, linear between ticks."""
        t = _check_times(times)
        last = int(np.ceil(t.max() / self.step)) if t.size else 0
        if last > 10_000_000:
            raise ValueError(f"step = {self.step:g} s: {last} ticks to reach {t.max():g} s; use a longer step")
        n, e = self.ticks(last)
        grid = np.arange(last + 1) * self.step
        return Curve(self.name, t, np.interp(t, grid, n), np.interp(t, grid, e), self.vulnerable)

    def figures(self) -> dict[str, float]:
        K = rcs_growth_rate(self.scan_rate, self.vulnerable, self.addresses) * self.success
        return {"K_per_hour": K, "p_per_tick": self.p, "d_per_tick": self.d}
