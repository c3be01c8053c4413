"""Random constant spread (RCS): the logistic model of a uniform random scanner.

Staniford, Paxson and Weaver, "How to 0wn the Internet in Your Spare Time", USENIX Security 2002, §2: with
``a`` the infected fraction of the N vulnerable hosts, each scanning r probes per unit time over an address
space of Omega addresses, da/dt = K a (1 - a) with K = r N / Omega (the differential equation of §2 and its solution):
a(t) = e^{K(t-T)} / (1 + e^{K(t-T)}), T the time of the midpoint. A probe that reaches a susceptible host
infects it with probability ``success``, which multiplies K. The functions below take any time unit as
long as K is per that unit (the audit's fits use hours); the :class:`RCS` model takes seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import SPACE, AnalyticModel, Curve, _check_times, param


def rcs_growth_rate(scan_rate_per_s: float, vulnerable: float, target_addresses: float) -> float:
    """Random constant spread K = r N / Omega, per hour (Staniford, Paxson and Weaver 2002, §2)."""
    return float(scan_rate_per_s) * 3600.0 * float(vulnerable) / float(target_addresses)


def rcs_fraction(t, K: float, T: float):
    """Infected fraction a(t) = e^{K(t-T)} / (1 + e^{K(t-T)}) of the RCS logistic model (§2)."""
    x = K * (np.asarray(t, dtype=float) - T)
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def rcs_midpoint(K: float, initial_fraction: float) -> float:
    """The time T (in 1/K's unit) at which the logistic started at ``initial_fraction`` reaches one half."""
    return float(np.log((1.0 - initial_fraction) / initial_fraction) / K)


def rcs_time_to(fraction: float, K: float, initial_fraction: float) -> float:
    """When the logistic started at ``initial_fraction`` reaches ``fraction`` (in 1/K's unit)."""
    return rcs_midpoint(K, initial_fraction) - rcs_midpoint(K, fraction)


@dataclass(frozen=True)
class RCS(AnalyticModel):
    """Logistic growth of a uniform random scanner, from ``initial_infected`` hosts at t = 0. Nothing removes
    hosts, so ever infected equals infected."""

    name = "rcs"
    summary = "random constant spread: logistic, K = r N / Omega (Staniford, Paxson & Weaver 2002)"
    default_until = 24 * 3600.0

    vulnerable: float = param(370000.0, "hosts", "vulnerable hosts N inside the target space", kind="count")
    scan_rate: float = param(7.8, "probes/s", "mean probes per second per infected host")
    addresses: float = param(float(SPACE), "addresses", "size Omega of the target space")
    initial_infected: float = param(1.0, "hosts", "hosts infected at t = 0", kind="count")
    success: float = param(1.0, "probability", "chance that a probe reaching a susceptible host infects it")

    def __post_init__(self):
        self._check_common()

    @property
    def K_per_hour(self) -> float:
        return rcs_growth_rate(self.scan_rate, self.vulnerable, self.addresses) * self.success

    @property
    def initial_fraction(self) -> float:
        return self.initial_infected / self.vulnerable

    def fraction(self, times) -> np.ndarray:
        """Infected fraction at ``times`` seconds."""
        a0 = self.initial_fraction
        if a0 >= 1.0:
            return np.ones_like(_check_times(times))
        K = self.K_per_hour / 3600.0
        return rcs_fraction(_check_times(times), K, rcs_midpoint(K, a0))

    def time_to(self, fraction: float) -> float:
        """Seconds until ``fraction`` of the vulnerable hosts are infected."""
        return rcs_time_to(fraction, self.K_per_hour / 3600.0, self.initial_fraction)

    def curve(self, times) -> Curve:
        t = _check_times(times)
        i = self.vulnerable * self.fraction(t)
        return Curve(self.name, t, i, i.copy(), self.vulnerable)

    def figures(self) -> dict[str, float]:
        return {"K_per_hour": self.K_per_hour, "midpoint_hours": self.time_to(0.5) / 3600.0,
                "hours_to_99pct": self.time_to(0.99) / 3600.0}
