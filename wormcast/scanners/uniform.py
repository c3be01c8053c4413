"""Uniform scanning: every probe goes to a uniform address of the target space (Code Red I v2)."""

from __future__ import annotations

import numpy as np

from ..core.registry import SCANNERS
from .base import EMPTY, ProbeBatch, ProbeRule, Scanner, ScannerConfig


class UniformConfig(ScannerConfig):
    kind: str = "uniform"


class UniformRule(ProbeRule):
    def draw(self, src: np.ndarray) -> np.ndarray:
        return self.targets[self.rng.integers(0, self.targets.size, src.size)]


@SCANNERS.register("uniform")
class UniformScanner(Scanner):
    """Per step and delivery class: probes ~ Poisson(rate dt), hits ~ Binomial(probes, targetable/space),
    the hit hosts uniform among the targetable ones."""

    Config = UniformConfig
    Rule = UniformRule

    def __init__(self, *args):
        super().__init__(*args)
        self.p_hit = self.targetable.size / self.space.denominator

    def step(self, dt: float, worm: int) -> ProbeBatch:
        probes = hits = 0
        found = []
        for c, rate in self._class_rates():
            p, h, targets = self._uniform_hits(c, rate * dt, self.p_hit)
            probes, hits = probes + p, hits + h
            found.append(targets)
        if not found:
            return ProbeBatch(worm, 0, 0, EMPTY)
        return ProbeBatch(worm, probes, hits, found[0] if len(found) == 1 else np.concatenate(found))
