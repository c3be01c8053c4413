"""Trend detectors on new sources per interval: a Poisson CUSUM and a run of increasing intervals.

Poisson CUSUM (Page 1954; the Poisson form of Lucas, "Counted data CUSUMs", Technometrics 1985): for a
shift of the background mean lambda_0 (learned over the first ``training`` updates, ASSUMPTION: worm-free)
to lambda_1 = (1 + ``shift``) lambda_0, the log-likelihood-ratio increment of a count x is
x log(lambda_1 / lambda_0) - (lambda_1 - lambda_0); S_t = max(0, S_{t-1} + increment); alarm when
S_t > ``h``. Defaults shift 0.5, h 15 (an in-control run length of order e^h intervals).

Run of increases (:class:`IncreasingRunDetector`): counts summed over blocks of ``block`` intervals; alarm
after ``k`` consecutive block sums each larger than the one before and the last above lambda_0 * block
+ z sqrt(lambda_0 * block). Under i.i.d. background a run of k increases has probability about 1/(k+1)!
per block, and the level condition cuts it further.
"""

from __future__ import annotations

import math

from .alarm import Alarm
from .baseline import Baseline


class CusumDetector:
    name = "cusum"

    def __init__(self, training: int = 120, shift: float = 0.5, h: float = 15.0):
        self.training, self.shift, self.h = training, shift, h
        self.baseline = Baseline(training)
        self.S = 0.0
        self.alarm_time: float | None = None

    def update(self, t: float, value: float) -> Alarm | None:
        if self.baseline.learn(value):
            return None
        l0 = max(self.baseline.mean, 1e-9)
        l1 = l0 * (1 + self.shift)
        self.S = max(0.0, self.S + value * math.log(l1 / l0) - (l1 - l0))
        if self.alarm_time is None and self.S > self.h:
            self.alarm_time = t
            return Alarm(t, self.name, self.S, f"Poisson CUSUM above {self.h}")
        return None


class IncreasingRunDetector:
    name = "increasing-run"

    def __init__(self, training: int = 120, block: int = 5, k: int = 5, z: float = 3.0):
        self.training, self.block, self.k, self.z = training, block, k, z
        self.baseline = Baseline(training)
        self._acc, self._in_block = 0.0, 0
        self._prev = None
        self._run = 0
        self.alarm_time: float | None = None

    def update(self, t: float, value: float) -> Alarm | None:
        if self.baseline.learn(value):
            return None
        self._acc += value
        self._in_block += 1
        if self._in_block < self.block:
            return None
        total, self._acc, self._in_block = self._acc, 0.0, 0
        self._run = self._run + 1 if self._prev is not None and total > self._prev else 0
        self._prev = total
        mean = self.baseline.mean * self.block
        if (self.alarm_time is None and self._run >= self.k
                and total > mean + self.z * math.sqrt(max(mean, 1.0))):
            self.alarm_time = t
            return Alarm(t, self.name, total, f"{self.k} increasing blocks of {self.block}")
        return None
