"""Uniform scanning: every probe to a uniform address of the target space (Code Red I v2)."""

from __future__ import annotations

import numpy as np

from .base import Scanner


class UniformScanner(Scanner):
    """Every probe goes to a uniform address of the target space (Code Red I v2)."""

    def __init__(self, *args):
        super().__init__(*args)
        denom = self.target_addresses - (1 if self.worm.skip_self else 0)
        self.p_hit = self.targetable.size / denom

    def step(self, dt: float) -> tuple[int, int, np.ndarray]:
        s = self.streams
        probes = hits = 0
        found = []
        for c, rate in self._class_rates():
            p = int(s["probes"].poisson(rate * dt))
            h = int(s["hits"].binomial(p, self.p_hit)) if p else 0
            probes, hits = probes + p, hits + h
            found.append(self._delivered(c, self.targetable[s["targets"].integers(0, self.targetable.size, h)]))
        if not found:
            return 0, 0, np.empty(0, dtype=np.int64)
        return probes, hits, found[0] if len(found) == 1 else np.concatenate(found)
