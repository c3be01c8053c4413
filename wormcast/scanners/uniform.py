"""Uniform scanning: every probe goes to a uniform address of the target space (Code Red I v2)."""

from __future__ import annotations

import numpy as np

from ..core.registry import SCANNERS
from ..world.addresses import in_ranges, overlap
from .base import EMPTY, Landing, ProbeBatch, ProbeRule, Scanner, ScannerConfig, SourceWindows


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
        self.windows: SourceWindows | None = None

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
        # WatchBlocks named once per window (base.WatchBlock); per step under delivery filters
        self.every = [1 if self.filtered else getattr(b, "every", 1) for b in blocks]
        self.window_probes = [0] * len(blocks)
        self.windows = SourceWindows(self.world.n, self.every) if max(self.every) > 1 else None

    def start(self, ids: np.ndarray) -> None:
        super().start(ids)
        self._watching(ids, True)

    def stop(self, ids: np.ndarray) -> None:
        super().stop(ids)
        self._watching(ids, False)

    def _watching(self, ids: np.ndarray, scanning: bool) -> None:
        """Keep the watched sources (and their attribution windows) in step with who scans."""
        if self.scanning is None:
            return
        self.scanning[ids] = scanning
        if self.windows is not None:
            (self.windows.started if scanning else self.windows.stopped)(ids)

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
        out = []
        for b, n in enumerate(landed):
            if self.every[b] > 1:  # named at the end of the window
                self.window_probes[b] += n
        if not any(n for b, n in enumerate(landed) if self.every[b] == 1):  # no sources to split this step
            return [Landing(b, n) for b, n in enumerate(landed)]
        sources = np.flatnonzero(self.scanning)
        if self.filtered:
            sources = sources[self.klass[sources] == c]
        weights = self.rates[sources] / self.rates[sources].sum() if sources.size else None
        for b, n in enumerate(landed):
            if self.every[b] > 1 or not n or not sources.size:
                out.append(Landing(b, n))
                continue
            counts = rng.multinomial(n, weights)
            keep = counts > 0
            out.append(Landing(b, n, sources[keep], counts[keep]))
        return out

    def _close_windows(self, landed: list[Landing]) -> list[Landing]:
        """On a window's last step: the window's landed probes split over the hosts that scanned in it, with
        weights rate x steps scanned (base.WatchBlock)."""
        by_block = {lnd.block: lnd for lnd in landed}
        for e in self.windows.closing():
            sources, steps = self.windows.close(e, self.scanning)
            weights = self.rates[sources] * steps
            total = float(weights.sum())
            for b in (b for b, every in enumerate(self.every) if every == e):
                lnd = by_block.setdefault(b, Landing(b, 0))
                n, self.window_probes[b] = self.window_probes[b], 0
                if n and total > 0:
                    counts = self.streams["watch"].multinomial(n, weights / total)
                    keep = counts > 0
                    lnd.sources, lnd.counts = sources[keep], counts[keep]
        return sorted(by_block.values(), key=lambda lnd: lnd.block)

    def step(self, dt: float, worm: int) -> ProbeBatch:
        if not self.watched and not self.filtered:  # (one class, no landings: the plain case, every step)
            if self.total_rate <= 0:
                return ProbeBatch(worm, 0, 0, EMPTY)
            return ProbeBatch(worm, *self._uniform_hits(0, self.total_rate * dt, self.p_hit))
        probes = hits = 0
        found, landed = [], []
        for c, rate in self._class_rates():
            p, h, targets = self._uniform_hits(c, rate * dt, self.p_hit)
            probes, hits = probes + p, hits + h
            found.append(targets)
            if self.watched:  # before delivery filters: a telescope sees every probe sent its way
                landed += self._landings(c, p - h, targets)
        if self.windows is not None:
            landed = self._close_windows(landed)
            self.windows.advance()
        if not found:
            return ProbeBatch(worm, 0, 0, EMPTY, landed)
        return ProbeBatch(worm, probes, hits, found[0] if len(found) == 1 else np.concatenate(found), landed)

