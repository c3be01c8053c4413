"""Hit-list scanning: random constant spread started from a hit-list of h hosts.

Staniford, Paxson and Weaver, "How to 0wn the Internet in Your Spare Time", USENIX Security 2002, §4 (hit-list
scanning): the worm's author collects a list of h (10,000-50,000) likely vulnerable hosts beforehand; the
first copies infect the list, then the worm scans at random. The list removes the slow start of the
logistic: from a(0) = h/N, a(t) = 1 / (1 + (N/h - 1) e^{-Kt}), K = r N / Omega, and the time to a fraction q
is ln[(q/(1-q)) (N/h - 1)] / K. With ``list_rate`` > 0 the list phase itself is modelled: the copies work
through the list at list_rate probes per second each (every probe a hit, the list split among them), so the
infected grow as e^{list_rate t} until h at t_h = ln(h) / list_rate, and random scanning takes over from
there; list_rate = 0 (the default) means the list is infected at t = 0, as the paper's "first few seconds".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import SPACE, AnalyticModel, Curve, _check_times, param
from .rcs import RCS


@dataclass(frozen=True)
class HitList(AnalyticModel):
    name = "hitlist"
    summary = "hit-list scanning: RCS started from h hosts (Staniford, Paxson & Weaver 2002)"
    default_until = 3600.0

    vulnerable: float = param(300000.0, "hosts", "vulnerable hosts N inside the target space", kind="count")
    scan_rate: float = param(100.0, "probes/s", "mean probes per second per infected host")
    addresses: float = param(float(SPACE), "addresses", "size Omega of the target space")
    hitlist: float = param(10000.0, "hosts", "hosts on the hit-list (h), infected first", kind="count")
    list_rate: float = param(0.0, "probes/s",
                             "probes per second per copy on the list (0: the list is infected at t = 0)")
    success: float = param(1.0, "probability", "chance that a probe reaching a susceptible host infects it")

    def __post_init__(self):
        self._check_common()
        self._require(1 <= self.hitlist <= self.vulnerable, "hitlist", "must be at least 1 and at most vulnerable")
        self._require(np.isfinite(self.list_rate) and self.list_rate >= 0, "list_rate", "must be 0 or more")

    @property
    def list_seconds(self) -> float:
        """t_h: how long the copies take to infect the list."""
        return float(np.log(self.hitlist) / self.list_rate) if self.list_rate > 0 else 0.0

    @property
    def random_phase(self) -> RCS:
        """The random-scanning phase, from the h hosts of the list (its clock starts at t_h)."""
        return RCS(self.vulnerable, self.scan_rate, self.addresses, self.hitlist, self.success)

    def time_to(self, fraction: float) -> float:
        """Seconds until ``fraction`` of the vulnerable hosts are infected (fraction above h/N)."""
        return self.list_seconds + self.random_phase.time_to(fraction)

    def curve(self, times) -> Curve:
        t = _check_times(times)
        th = self.list_seconds
        late = t >= th
        i = np.empty_like(t)
        i[late] = self.random_phase.curve(t[late] - th).infected
        i[~late] = np.exp(self.list_rate * t[~late])
        return Curve(self.name, t, i, i.copy(), self.vulnerable)

    def figures(self) -> dict[str, float]:
        return {"K_per_hour": self.random_phase.K_per_hour, "list_seconds": self.list_seconds,
                "minutes_to_99pct": self.time_to(0.99) / 60.0}
