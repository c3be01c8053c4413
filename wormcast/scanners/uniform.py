"""Uniform scanning: every probe goes to a uniform address of the target space (Code Red I v2)."""

from __future__ import annotations

import numpy as np

from ..core.registry import SCANNERS
from ..world.addresses import in_ranges, overlap
from .base import EMPTY, Landing, ProbeBatch, ProbeRule, Scanner, ScannerConfig


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
    streams_used = ("probes", "hits", "targets", "watch")

    def __init__(self, *args):
        super().__init__(*args)
        self.p_hit = self.targetable.size / self.space.denominator
        self.watched: list[tuple[int, np.ndarray, np.ndarray]] = []  # (dark addresses, range lows, highs)
        self.scanning: np.ndarray | None = None

    def watch(self, blocks: list[list[tuple[int, int]]]) -> None:
        """Probes that miss every vulnerable host land uniformly on the space's other addresses, so a watched
        block's dark (host-free) addresses get Binomial(misses, dark / (space - vulnerable)); probes on its
        vulnerable hosts are among the step's reached hosts. Sources: multinomial by scan rate. Draws come
        from the ``watch`` stream only, so watching never changes the outbreak."""
        addrs = self.world.addresses[self.targetable]
        for ranges in blocks:
            lo = np.array([a for a, _ in ranges], dtype=np.int64)
            hi = np.array([b for _, b in ranges], dtype=np.int64)
            size = sum(overlap(int(a), int(b), self.space.excluded) for a, b in ranges)
            size = int(hi.sum() - lo.sum()) - size
            hosts = int(in_ranges(addrs, list(ranges)).sum())
            self.watched.append((size - hosts, lo, hi))
        self.scanning = np.zeros(self.world.n, dtype=bool)

    def start(self, ids: np.ndarray) -> None:
        super().start(ids)
        if self.scanning is not None:
            self.scanning[ids] = True

    def stop(self, ids: np.ndarray) -> None:
        super().stop(ids)
        if self.scanning is not None:
            self.scanning[ids] = False

    def _landings(self, c: int, misses: int, reached: np.ndarray) -> list[Landing]:
        rng = self.streams["watch"]
        others = self.space.denominator - self.targetable.size
        landed, left, room = [], misses, others
        reached_addr = self.world.addresses[reached]
        for dark, lo, hi in self.watched:
            k = int(rng.binomial(left, dark / room)) if left and room > 0 else 0  # disjoint blocks: in turn
            left, room = left - k, room - dark
            on_hosts = int(sum(np.count_nonzero((reached_addr >= a) & (reached_addr < z)) for a, z in zip(lo, hi)))
            landed.append(k + on_hosts)
        if not any(landed):  # most steps of a small block: no sources to split
            return [Landing(b, 0) for b in range(len(landed))]
        sources = np.flatnonzero(self.scanning)
        if self.filtered:
            sources = sources[self.klass[sources] == c]
        weights = self.rates[sources] / self.rates[sources].sum() if sources.size else None
        out = []
        for b, n in enumerate(landed):
            counts = rng.multinomial(n, weights) if n and sources.size else np.zeros(sources.size, dtype=np.int64)
            keep = counts > 0
            out.append(Landing(b, n, sources[keep], counts[keep]))
        return out

    def step(self, dt: float, worm: int) -> ProbeBatch:
        probes = hits = 0
        found, landed = [], []
        for c, rate in self._class_rates():
            p, h, targets = self._uniform_hits(c, rate * dt, self.p_hit)
            probes, hits = probes + p, hits + h
            found.append(targets)
            if self.watched:  # before delivery filters: a telescope sees every probe sent its way
                landed += self._landings(c, p - h, targets)
        if not found:
            return ProbeBatch(worm, 0, 0, EMPTY)
        return ProbeBatch(worm, probes, hits, found[0] if len(found) == 1 else np.concatenate(found), landed)
