"""Threshold detector: new sources per interval above the background level.

The first ``training`` updates (ASSUMPTION: worm-free) give the background mean lambda_0 of new sources
per interval. Treating the count as Poisson (a telescope's arrivals: "Network telescopes", CAIDA 2004),
the alarm is raised at the first update where the count exceeded lambda_0 + z sqrt(lambda_0) for
``consecutive`` updates in a row. Defaults z = 4, 3 in a row: a false-alarm probability per interval of
about (P(Poisson(lambda_0) > lambda_0 + 4 sqrt(lambda_0)))^3 under pure Poisson background.
This is the "threshold-based detection" Zou et al. (CCS 2003) contrast with trend detection.
"""

from __future__ import annotations

import math

from .alarm import Alarm
from .baseline import Baseline


class ThresholdDetector:
    name = "threshold"

    def __init__(self, training: int = 120, z: float = 4.0, consecutive: int = 3):
        self.training, self.z, self.consecutive = training, z, consecutive
        self.baseline = Baseline(training)
        self.level = None
        self._run = 0
        self.alarm_time: float | None = None

    def update(self, t: float, value: float) -> Alarm | None:
        if self.baseline.learn(value):
            return None
        if self.level is None:
            lam = self.baseline.mean
            self.level = lam + self.z * math.sqrt(max(lam, 1.0))
        self._run = self._run + 1 if value > self.level else 0
        if self.alarm_time is None and self._run >= self.consecutive:
            self.alarm_time = t
            return Alarm(t, self.name, float(value), f"{self.consecutive} intervals above {self.level:.1f}")
        return None
