"""Shared-sequence scanning: every copy walks one fixed pseudo-random sequence (Code Red I v1)."""

from __future__ import annotations

import numpy as np

from ..core.registry import SCANNERS
from .base import EMPTY, CopyScanner, Landing, ProbeBatch, ProbeRule, ScannerConfig, ranges


class SharedSequenceConfig(ScannerConfig):
    kind: str = "shared-sequence"


class SharedSequenceRule(ProbeRule):
    """The reference's copies: one random permutation of the targets, each copy at its own position."""

    def __init__(self, *args):
        super().__init__(*args)
        self.seq = self.rng.permutation(self.targets)
        self.progress = np.zeros(self.addresses.size, dtype=np.int64)

    def targets_for(self, src: np.ndarray) -> np.ndarray:
        order = np.argsort(src, kind="stable")
        s_sorted = src[order]
        starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
        rank = np.arange(src.size) - np.repeat(starts, np.diff(np.r_[starts, src.size]))
        r = np.empty(src.size, dtype=np.int64)
        r[order] = rank
        return self.seq[(self.progress[src] + r) % self.seq.size]

    def sent(self, src: np.ndarray) -> None:
        np.add.at(self.progress, src, 1)

    def infected(self, host: int) -> None:
        self.progress[host] = 0


@SCANNERS.register("shared-sequence")
class SharedSequenceScanner(CopyScanner):
    """Code Red I v1: every copy walks one fixed pseudo-random sequence of the target space from its start.

    A full-period generator visits each address once per cycle, so a vulnerable host sits at a uniform,
    distinct position of the sequence. A copy that has sent n probes has probed positions [0, n); per step
    each copy advances by a Poisson count and hits the hosts whose positions it crosses.
    """

    Config = SharedSequenceConfig
    Rule = SharedSequenceRule
    streams_used = ("probes", "sequence", "watch")
    landing = None  # where the watched blocks sit in the sequence (set by watch())

    @classmethod
    def growth_rate(cls, worm, vulnerable: int, target_addresses: int) -> None:
        return None  # copies re-probe the addresses the first one probed: growth is linear, no K for the step rule

    def __init__(self, *args):
        super().__init__(*args)
        length = self.target_addresses
        pos = self.streams["sequence"].choice(length, size=self.targetable.size, replace=False)
        order = np.argsort(pos)
        self.length = length
        self.pos_sorted = pos[order].astype(np.int64)
        self.pos_host = self.targetable[order]
        self.progress = np.zeros(self.world.n, dtype=np.int64)

    def watch(self, blocks: list[list[tuple[int, int]]]) -> None:
        """Watched addresses get positions in the sequence, exactly and lazily (scanners/sequence_landing.py):
        a copy's probes land in a block when it crosses one of them, the same ones for every copy."""
        from .sequence_landing import SequenceLanding

        self.landing = SequenceLanding(self.length, self.pos_sorted, self.pos_host, self.world.addresses,
                                       self.space.excluded, blocks, self.streams["watch"])

    def _landings(self, ids: np.ndarray, lo: np.ndarray, adv: np.ndarray) -> list[Landing]:
        out = []
        for b in range(len(self.landing.totals)):
            counts = self.landing.crossed(b, lo, adv)
            keep = counts > 0
            out.append(Landing(b, int(counts.sum()), ids[keep], counts[keep]))
        return out

    def on_infected(self, ids: np.ndarray) -> None:
        """A new infection starts its copy at the head of the sequence."""
        self.progress[ids] = 0

    def step(self, dt: float, worm: int) -> ProbeBatch:
        if self.copies.size == 0:
            return ProbeBatch(worm, 0, 0, EMPTY)
        s = self.streams
        ids = self.copies
        adv = s["probes"].poisson(self.rates[ids] * dt).astype(np.int64)
        lo = self.progress[ids]
        self.progress[ids] = lo + adv
        found = []
        laps = adv // self.length
        if laps.any():  # a copy went round the whole sequence: every host got that many probes from it
            found.append(np.tile(self.pos_host, int(laps.sum())))
        rem = adv - laps * self.length
        a = lo % self.length
        b = a + rem
        wrap = b > self.length
        ends = np.minimum(b, self.length)
        lo_i, hi_i = np.searchsorted(self.pos_sorted, a), np.searchsorted(self.pos_sorted, ends)
        found.append(self.pos_host[ranges(lo_i, hi_i)])
        owners = [np.repeat(ids, hi_i - lo_i)] if self.filtered else []
        if wrap.any():
            hi_w = np.searchsorted(self.pos_sorted, b[wrap] - self.length)
            found.append(self.pos_host[ranges(np.zeros(int(wrap.sum()), dtype=np.int64), hi_w)])
            if self.filtered:
                owners.append(np.repeat(ids[wrap], hi_w))
        if laps.any() and self.filtered:
            owners.insert(0, np.repeat(ids, laps * self.pos_host.size))
        targets = np.concatenate(found)
        reached = int(targets.size)
        if self.filtered:
            targets = self._delivered_by_owner(targets, np.concatenate(owners))
        return ProbeBatch(worm, int(adv.sum()), reached, targets,
                          self._landings(ids, lo, adv) if self.landing is not None else [])
