"""Hit-list seeding (Staniford, Paxson & Weaver, "How to 0wn the Internet in Your Spare Time", USENIX Security
2002 [P]): the worm starts with a list of h likely-vulnerable addresses gathered beforehand (10,000-50,000 in
the paper) and infects them before it scans at all; a flash worm's list is complete.

How fast the list is worked through is a modelling choice (the paper gives no single figure), so it is a
mode: AT_START, every entry infected at release (the limit of a fast list phase; used for the flash preset);
CONSTANT_RATE, entry k at k / rate seconds; DOUBLING, the paper's partitioned list, where each new copy takes
half of its parent's remaining list, so the infected count doubles every 1 / rate seconds: entry k (k = 0 the
first copy) at ceil(log2(k + 1)) / rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

PAPER_SIZES = (10_000, 50_000)  # the hit-list sizes the paper discusses


class HitListMode(Enum):
    AT_START = "at-start"
    CONSTANT_RATE = "constant-rate"
    DOUBLING = "doubling"


@dataclass(frozen=True)
class HitList:
    """``entries`` vulnerable hosts infected by the list phase; ``rate`` per second (unused for AT_START)."""

    entries: int
    mode: HitListMode = HitListMode.AT_START
    rate: float = 0.0

    def __post_init__(self):
        if self.entries < 1:
            raise ValueError("a hit-list needs at least one entry")
        if self.mode is not HitListMode.AT_START and self.rate <= 0:
            raise ValueError(f"hit-list mode {self.mode.value} needs a positive rate")

    def times(self) -> np.ndarray:
        """Infection time (seconds after release) of list entry k, k = 0 .. entries - 1 (entry 0: the first copy)."""
        k = np.arange(self.entries, dtype=np.int64)
        if self.mode is HitListMode.AT_START:
            return np.zeros(self.entries)
        if self.mode is HitListMode.CONSTANT_RATE:
            return k / self.rate
        gen = np.zeros(self.entries)
        gen[1:] = np.ceil(np.log2(k[1:] + 1) - 1e-12)
        return gen / self.rate

    def duration(self) -> float:
        return float(self.times()[-1])

    def seed(self, candidates: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(host ids, infection times): the list is ``entries`` distinct hosts drawn from ``candidates`` (the
        vulnerable hosts the attacker found), in a random order."""
        if self.entries > candidates.size:
            raise ValueError(f"hit-list of {self.entries} entries but only {candidates.size} candidate hosts")
        return rng.choice(candidates, size=self.entries, replace=False), self.times()
