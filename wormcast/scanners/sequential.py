"""Sequential scanning: each copy walks addresses upward from its own start (Blaster).

A walk is a cycle of positions (the order in which a copy visits addresses) plus, for a start that lies off
the cycle, a lead-in stretch of consecutive addresses that the copy probes before it joins the cycle. A copy
that has sent n probes since its start has probed a known prefix of its walk, so with the hosts' cycle
positions sorted, the hosts one step reaches are two ``searchsorted`` ranges per copy: exact for the step,
work growing with the hosts reached. See docs/worms/blaster.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
from pydantic import Field, model_validator

from ..core.registry import SCANNERS
from ..world.addresses import SPACE
from .base import CopyScanner, ProbeBatch, ProbeRule, ScannerConfig
from .base import ranges as _ranges


class Walk(Protocol):
    """The order of a sequential walk. ``length``: positions in the cycle."""

    length: int

    def positions(self, addresses: np.ndarray) -> np.ndarray:
        """Cycle position of each address; -1 for an address the cycle never visits."""

    def address_at(self, pos: np.ndarray) -> np.ndarray:
        """The address at each cycle position (the inverse of :meth:`positions` on the cycle)."""

    def entry(self, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For copies whose address counter starts at ``starts`` (the first probe goes to the next address):
        (lead_lo, lead_len, first_pos): the copy first probes the ``lead_len`` consecutive addresses from
        ``lead_lo`` (off the cycle), then cycle positions ``first_pos``, ``first_pos + 1``, ... (mod length)."""

    def next_targets(self, start: int, current: int, n: int) -> np.ndarray:
        """Per-probe rule, for the brute-force reference: the next ``n`` addresses a copy whose counter began at
        ``start`` and now stands at ``current`` probes, computed address by address (not from positions)."""


class ContiguousWalk:
    """Every address outside the excluded ranges, in increasing order, wrapping after the last one."""

    def __init__(self, excluded: list[tuple[int, int]]):
        allowed, lo = [], 0
        for a, b in list(excluded) + [(SPACE, SPACE)]:
            if a > lo:
                allowed.append((lo, a))
            lo = max(lo, b)
        self.lo = np.array([a for a, _ in allowed], dtype=np.int64)
        self.hi = np.array([b for _, b in allowed], dtype=np.int64)
        sizes = self.hi - self.lo
        self.before = np.cumsum(sizes) - sizes  # cycle positions before each allowed range
        self.length = int(sizes.sum())

    def positions(self, addresses: np.ndarray) -> np.ndarray:
        a = np.asarray(addresses, dtype=np.int64)
        k = np.searchsorted(self.lo, a, side="right") - 1
        ok = (k >= 0) & (a < self.hi[np.maximum(k, 0)])
        return np.where(ok, self.before[np.maximum(k, 0)] + a - self.lo[np.maximum(k, 0)], -1)

    def address_at(self, pos: np.ndarray) -> np.ndarray:
        pos = np.asarray(pos, dtype=np.int64) % self.length
        k = np.searchsorted(self.before, pos, side="right") - 1
        return self.lo[k] + pos - self.before[k]

    def entry(self, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s = np.asarray(starts, dtype=np.int64)
        k = np.searchsorted(self.lo, s, side="right") - 1  # the allowed range at or below s
        kk = np.maximum(k, 0)
        inside = (k >= 0) & (s < self.hi[kk])
        first = np.where(inside, self.before[kk] + s - self.lo[kk] + 1,  # the address after s
                         np.where(k >= 0, self.before[kk] + (self.hi[kk] - self.lo[kk]), 0))  # next range
        zero = np.zeros(s.size, dtype=np.int64)
        return zero, zero.copy(), first % self.length

    def next_targets(self, start: int, current: int, n: int) -> np.ndarray:
        out, a = [], int(current)
        while len(out) < n:
            a = (a + 1) % SPACE
            k = int(np.searchsorted(self.lo, a, side="right")) - 1
            if k >= 0 and a < self.hi[k]:
                out.append(a)
            else:  # jump to the next allowed range
                nxt = k + 1 if k + 1 < self.lo.size else 0
                a = int(self.lo[nxt]) - 1
        return np.array(out, dtype=np.int64)


class StartRule(Protocol):
    """Where a new copy's address counter starts (its first probe goes to the walk's next address)."""

    def __call__(self, sources: np.ndarray, rng: np.random.Generator) -> np.ndarray: ...


@dataclass(frozen=True)
class RandomStart:
    """A start drawn uniformly over the walk's cycle (independent of the source's own address)."""

    walk: ContiguousWalk

    def __call__(self, sources: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.walk.address_at(rng.integers(0, self.walk.length, sources.size))


@dataclass(frozen=True)
class Variants:
    """A per-copy choice that decides which hosts a copy can infect (Blaster: the exploit offset, Windows XP
    with probability 0.8, Windows 2000 with 0.2). ``host_variant[h]``: the variant host h needs (-1: any).
    A reached host whose variant differs from its copy's is reached but not infected."""

    probabilities: tuple[float, ...]
    host_variant: np.ndarray


class SequentialConfig(ScannerConfig):
    """``walk``: ``blaster`` (Blaster's counter, no exclusion: it probes every address its counter reaches) or
    ``contiguous`` (every address outside the worm's excluded ranges, upwards). A copy's counter starts, with
    probability ``local_probability``, at its own A.B, C minus a uniform 0..local_back-1 when C > local_back,
    D = 0; otherwise at random (Blaster's walk: A 1..254, B and C 0..253, D = 0; a contiguous walk: uniform
    over its cycle). ``offset_probabilities``: a per-copy choice among exploit variants (Blaster: Windows XP
    0.8, Windows 2000 0.2); ``host_variant_share``: the share of vulnerable hosts each variant infects, drawn
    per host once; a copy reaches hosts of another variant without infecting them. Both empty: no variants."""

    kind: str = "sequential"
    walk: Literal["blaster", "contiguous"] = "blaster"
    local_probability: float = Field(0.4, ge=0, le=1)
    local_back: int = Field(20, ge=1, le=255)
    offset_probabilities: list[float] = Field(default_factory=list)
    host_variant_share: list[float] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> "SequentialConfig":
        if len(self.offset_probabilities) != len(self.host_variant_share):
            raise ValueError("offset_probabilities and host_variant_share must list the same variants")
        for name in ("offset_probabilities", "host_variant_share"):
            values = getattr(self, name)
            if values and (min(values) < 0 or abs(sum(values) - 1.0) > 1e-9):
                raise ValueError(f"{name} must be non-negative and sum to 1")
        return self


def _walk(config: SequentialConfig, excluded: list[tuple[int, int]]):
    if config.walk == "blaster":
        from ..worms.blaster import BlasterWalk

        return BlasterWalk()
    return ContiguousWalk(excluded)


def _start_rule(config: SequentialConfig, walk) -> StartRule:
    from ..worms.blaster import BlasterStart

    return BlasterStart(config.local_probability, config.local_back,
                        None if config.walk == "blaster" else RandomStart(walk))


class SequentialRule(ProbeRule):
    """The reference's copies: each keeps its counter's start and the probes it has sent since; its j-th probe
    goes to the j-th address of its lead-in, then to the walk's cycle addresses in order (the walk's address
    order itself is checked against the literal counter in tests/worms/test_blaster.py)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.walk = _walk(self.config, self.space.excluded)
        self.start_rule = _start_rule(self.config, self.walk)
        n = self.addresses.size
        self.lead_lo, self.lead_len, self.first = (np.zeros(n, dtype=np.int64) for _ in range(3))
        self.done = np.zeros(n, dtype=np.int64)

    def targets_for(self, src: np.ndarray) -> np.ndarray:
        order = np.argsort(src, kind="stable")
        s_sorted = src[order]
        starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
        rank = np.empty(src.size, dtype=np.int64)
        rank[order] = np.arange(src.size) - np.repeat(starts, np.diff(np.r_[starts, src.size]))
        j = self.done[src] + rank
        lead = j < self.lead_len[src]
        out = self.walk.address_at(self.first[src] + j - self.lead_len[src])
        return np.where(lead, self.lead_lo[src] + j, out)

    def sent(self, src: np.ndarray) -> None:
        np.add.at(self.done, src, 1)

    def infected(self, host: int) -> None:
        start = self.start_rule(self.addresses[[host]], self.rng)
        lo, n, first = self.walk.entry(start)
        self.lead_lo[host], self.lead_len[host], self.first[host] = int(lo[0]), int(n[0]), int(first[0])
        self.done[host] = 0


@SCANNERS.register("sequential")
class SequentialScanner(CopyScanner):
    """Each copy walks its walk from a start given by its start rule; per step it advances by a Poisson count.

    A new infection (:meth:`on_infected`) is a new copy with a new start (and variant); :meth:`start` and
    :meth:`stop` resume and pause it where it stands. Delivery classes are honoured per copy (a probe is
    delivered when its copy's class may deliver there). Every reached host is returned; the loop checks which
    of them the worm can infect.
    """

    Config = SequentialConfig
    Rule = SequentialRule
    streams_used = ("probes", "start", "variant", "host-variant")

    @classmethod
    def example_config(cls) -> dict:
        return {"kind": cls.kind, "walk": "contiguous", "local_probability": 0.4}

    def __init__(self, *args):
        super().__init__(*args)
        config, world = self.config, self.world
        self.walk = walk = _walk(config, self.space.excluded)
        self.start_rule = _start_rule(config, walk)
        self.variants = None
        if config.offset_probabilities:
            share = np.asarray(config.host_variant_share)
            host_variant = np.full(world.n, -1, dtype=np.int64)
            host_variant[self.targetable] = self.streams["host-variant"].choice(share.size, self.targetable.size,
                                                                                p=share)
            self.variants = Variants(tuple(config.offset_probabilities), host_variant)
        tgt_addr = world.addresses[self.targetable]
        pos = walk.positions(tgt_addr)
        on = pos >= 0
        order = np.argsort(pos[on], kind="stable")
        self.cyc_pos = pos[on][order]
        self.cyc_host = self.targetable[on][order]
        self.tgt_addr = tgt_addr  # sorted, since host ids follow sorted addresses
        n = world.n
        self.lead_lo = np.zeros(n, dtype=np.int64)
        self.lead_len = np.zeros(n, dtype=np.int64)
        self.cyc = np.zeros(n, dtype=np.int64)
        self.has_start = np.zeros(n, dtype=bool)
        self.variant = np.full(n, -1, dtype=np.int64)

    def restart(self, ids: np.ndarray) -> None:
        """New copies on ``ids``: a fresh start (and variant) for each."""
        if ids.size == 0:
            return
        starts = np.asarray(self.start_rule(self.world.addresses[ids], self.streams["start"]), dtype=np.int64)
        self.lead_lo[ids], self.lead_len[ids], self.cyc[ids] = self.walk.entry(starts)
        self.has_start[ids] = True
        if self.variants is not None:
            p = np.asarray(self.variants.probabilities)
            self.variant[ids] = self.streams["variant"].choice(p.size, size=ids.size, p=p)

    def on_infected(self, ids: np.ndarray) -> None:
        self.restart(ids)

    def start(self, ids: np.ndarray) -> None:
        if ids.size:
            self.restart(ids[~self.has_start[ids]])
        super().start(ids)

    def _cycle_hits(self, ids: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(hosts, owners) for copies ``ids`` walking ``n`` cycle positions from their counters."""
        L = self.walk.length
        found, owners = [], []
        laps = n // L
        if laps.any():
            found.append(np.tile(self.cyc_host, int(laps.sum())))
            owners.append(np.repeat(ids, laps * self.cyc_host.size))
        a = self.cyc[ids] % L
        b = a + n - laps * L
        lo_i, hi_i = np.searchsorted(self.cyc_pos, a), np.searchsorted(self.cyc_pos, np.minimum(b, L))
        found.append(self.cyc_host[_ranges(lo_i, hi_i)])
        owners.append(np.repeat(ids, hi_i - lo_i))
        wrap = b > L
        if wrap.any():
            hi_w = np.searchsorted(self.cyc_pos, b[wrap] - L)
            found.append(self.cyc_host[_ranges(np.zeros(hi_w.size, dtype=np.int64), hi_w)])
            owners.append(np.repeat(ids[wrap], hi_w))
        self.cyc[ids] = b % L
        return np.concatenate(found), np.concatenate(owners)

    def step(self, dt: float, worm: int) -> ProbeBatch:
        if self.copies.size == 0:
            return ProbeBatch(worm, 0, 0, np.empty(0, dtype=np.int64))
        ids = self.copies
        adv = self.streams["probes"].poisson(self.rates[ids] * dt).astype(np.int64)
        n1 = np.minimum(adv, self.lead_len[ids])
        lo = self.lead_lo[ids]
        lo_i, hi_i = np.searchsorted(self.tgt_addr, lo), np.searchsorted(self.tgt_addr, lo + n1)
        lead_hosts = self.targetable[_ranges(lo_i, hi_i)]
        lead_owners = np.repeat(ids, hi_i - lo_i)
        self.lead_lo[ids] = lo + n1
        self.lead_len[ids] -= n1
        cyc_hosts, cyc_owners = self._cycle_hits(ids, adv - n1)
        targets = np.concatenate([lead_hosts, cyc_hosts])
        owners = np.concatenate([lead_owners, cyc_owners])
        reached = int(targets.size)
        keep = np.ones(targets.size, dtype=bool)
        if self.filtered:
            klass = self.klass[owners]
            for c, mask in enumerate(self.deliver):
                if mask is not None:
                    mine = klass == c
                    keep[mine] = mask[targets[mine]]
        if self.variants is not None:
            need = self.variants.host_variant[targets]
            keep &= (need < 0) | (need == self.variant[owners])
        return ProbeBatch(worm, int(adv.sum()), reached, targets[keep])
