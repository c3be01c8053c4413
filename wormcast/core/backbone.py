"""A global limit on a worm's delivered probes: backbone links saturate when the aggregate scan rate is high.

Slammer's growth slowed after about 3 minutes as links saturated (Moore et al., "Inside the Slammer Worm",
IEEE S&P 2003; docs/worms/slammer.md). Model: a sent aggregate rate R delivers R_eff = R / (1 + (R/C)^n)^(1/n)
(C the capacity, n the sharpness; n = inf is the hard ceiling min(R, C)). Every sent probe still advances its
copy's generator and is delivered independently with probability theta = R_eff / R, R taken at the start of
the step (the scanner's summed rate): thinning keeps each step's draws exact. Any scanner can sit behind a
cap (``worm.backbone_cap``); the loop thins its batch (``RunningWorm.scan``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BackboneCap:
    """Delivered aggregate rate R_eff = R / (1 + (R/C)^n)^(1/n) for a sent aggregate R."""

    capacity: float
    sharpness: float = 2.0

    def delivered_fraction(self, sent_rate: float) -> float:
        if sent_rate <= 0 or not np.isfinite(self.capacity):
            return 1.0
        x = sent_rate / self.capacity
        if np.isinf(self.sharpness):
            return min(1.0, 1.0 / x)
        return float((1.0 + x ** self.sharpness) ** (-1.0 / self.sharpness))


def thin(batch, theta: float, rng: np.random.Generator):
    """``batch`` (a ProbeBatch) as delivered when each probe gets through with probability ``theta``: reached
    hosts kept independently, the hits lost with them, the other probes Binomial(misses, theta)."""
    if theta >= 1.0:
        return batch
    keep = rng.random(batch.reached.size) < theta
    lost = int(batch.reached.size - np.count_nonzero(keep))
    hits = max(0, batch.vulnerable_hits - lost)
    misses = int(rng.binomial(max(0, batch.probes - batch.vulnerable_hits), theta))
    batch.reached = batch.reached[keep]
    batch.vulnerable_hits = hits
    batch.probes = misses + hits
    return batch
