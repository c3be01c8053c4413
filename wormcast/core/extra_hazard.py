"""Infection by a worm's other vectors (e-mail, open shares, browsed pages): a per-host hazard, not scanning.

A worm may declare one (``[worm.extra_hazard]``): each host it can infect is infected by these vectors at
``rate_per_hour`` (CONSTANT), or at ``rate_per_hour * infected / hosts`` (PER_INFECTED: mass action, for
vectors that come from infected machines). Per step the chance is 1 - exp(-lambda dt), exact for a hazard
constant over the step; the loop adds the hosts drawn to the ones the worm's probes reached (stage 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np


class HazardKind(Enum):
    """CONSTANT: each infectable host is infected at ``rate`` per hour by other vectors whatever the outbreak's
    size; PER_INFECTED: at ``rate * infected / hosts`` per hour (mass action: e-mail and shares come from
    infected machines)."""

    CONSTANT = "constant"
    PER_INFECTED = "per-infected"


@dataclass(frozen=True)
class ExtraHazard:
    """A worm's non-scanning vectors as a per-host infection hazard."""

    kind: HazardKind
    rate_per_hour: float

    def probability(self, dt: float, infected: int, hosts: int) -> float:
        """Chance that one infectable host is infected by these vectors within a step of ``dt`` seconds."""
        lam = self.rate_per_hour / 3600.0
        if self.kind is HazardKind.PER_INFECTED:
            lam *= infected / max(hosts, 1)
        return float(-np.expm1(-lam * dt))

    def draw(self, candidates: np.ndarray, dt: float, infected: int, hosts: int,
             rng: np.random.Generator) -> np.ndarray:
        """The candidates (infectable host ids) these vectors infect in the step."""
        p = self.probability(dt, infected, hosts)
        return candidates[rng.random(candidates.size) < p] if p > 0 else candidates[:0]
