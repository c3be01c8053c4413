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
from .base import ProbeBatch, ProbeRule, Scanner, ScannerConfig, rank_within
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
        rank = rank_within(src)
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
class SequentialScanner(Scanner):
    """Each copy walks its walk from a start given by its start rule, sending probes as a Poisson process.

    Event-driven within the loop's steps: a copy keeps the probes it has sent (``u``, at time ``t_at``), the
    probe number of the next host ahead on its walk and when it gets there (the gap's Gamma time). A step
    touches only the copies whose next host falls inside it: from that instant the copy sends Poisson(rate x
    the rest of the step) more probes, every host on those addresses is reached (two ``searchsorted`` ranges),
    and the next host ahead is scheduled from the step's end (memoryless). Exact in continuous time; the cost
    grows with the copies that reach a host, not with all copies. A copy stopped inside a gap keeps the probes
    it had sent by then (Binomial: given the gap's end time, the earlier probes are uniform order statistics).
    The step's probe count is a Poisson draw at the summed rate (its distribution, not the walks' own count).

    A new infection (:meth:`on_infected`) is a new copy with a new start (and variant); :meth:`start` and
    :meth:`stop` resume and pause it where it stands. Stops and starts happen at step boundaries (the loop's
    order). Delivery classes are honoured per copy. Every reached host is returned; the loop checks which of
    them the worm can infect (already-infected ones are dropped here, the loop checks again).
    """

    Config = SequentialConfig
    Rule = SequentialRule
    streams_used = ("probes", "gaps", "start", "variant", "host-variant")

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
        self.lead_lo, self.lead_len, self.first = (np.zeros(n, dtype=np.int64) for _ in range(3))
        self.u = np.zeros(n, dtype=np.int64)  # probes sent since the copy's start, as of t_at
        self.t_at = np.zeros(n)
        self.next_u = np.zeros(n, dtype=np.int64)  # probe number that reaches the next host ahead
        self.next_host = np.full(n, -1, dtype=np.int64)
        self.t_next = np.full(n, np.inf)  # when that probe is sent (inf: not scanning, or no host ahead)
        self.has_start = np.zeros(n, dtype=bool)
        self.variant = np.full(n, -1, dtype=np.int64)
        self.now = 0.0  # the loop's clock: the end of the last step

    # ------------------------------------------------------------ the walk in probe numbers

    def _ahead(self, ids: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probe number, host) of the first host after probe ``u`` of each copy (number inf-like: -1 host)."""
        lead_lo, lead_len, L = self.lead_lo[ids], self.lead_len[ids], self.walk.length
        j = np.full(ids.size, np.iinfo(np.int64).max, dtype=np.int64)
        host = np.full(ids.size, -1, dtype=np.int64)
        in_lead = u < lead_len
        if in_lead.any():
            k = np.flatnonzero(in_lead)
            i = np.searchsorted(self.tgt_addr, lead_lo[k] + u[k])
            ok = i < self.tgt_addr.size
            ok[ok] = self.tgt_addr[i[ok]] < lead_lo[k[ok]] + lead_len[k[ok]]
            j[k[ok]] = self.tgt_addr[i[ok]] - lead_lo[k[ok]] + 1
            host[k[ok]] = self.targetable[i[ok]]
        rest = host < 0
        if rest.any() and self.cyc_pos.size:
            k = np.flatnonzero(rest)
            c0 = np.maximum(u[k], lead_len[k]) - lead_len[k]
            a = (self.first[ids[k]] + c0) % L
            i = np.searchsorted(self.cyc_pos, a)
            wrap = i == self.cyc_pos.size
            i[wrap] = 0
            dist = self.cyc_pos[i] - a + np.where(wrap, L, 0)
            j[k] = lead_len[k] + c0 + dist + 1
            host[k] = self.cyc_host[i]
        return j, host

    def _hits(self, ids: np.ndarray, u: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(hosts, owners) reached by probes u+1 .. u+n of copies ``ids``."""
        lead_lo, lead_len, L = self.lead_lo[ids], self.lead_len[ids], self.walk.length
        found, owners = [], []
        k = np.flatnonzero(u < lead_len)  # copies still in their lead-in
        if k.size:
            lo_i = np.searchsorted(self.tgt_addr, lead_lo[k] + u[k])
            hi_i = np.searchsorted(self.tgt_addr, lead_lo[k] + np.minimum(u[k] + n[k], lead_len[k]))
            found.append(self.targetable[_ranges(lo_i, hi_i)])
            owners.append(np.repeat(ids[k], hi_i - lo_i))
        c0 = np.maximum(u, lead_len) - lead_len
        m = np.maximum(u + n, lead_len) - lead_len - c0
        laps = m // L
        if laps.any():
            found.append(np.tile(self.cyc_host, int(laps.sum())))
            owners.append(np.repeat(ids, laps * self.cyc_host.size))
        a = (self.first[ids] + c0) % L
        b = a + m - laps * L
        lo_i, hi_i = np.searchsorted(self.cyc_pos, a), np.searchsorted(self.cyc_pos, np.minimum(b, L))
        found.append(self.cyc_host[_ranges(lo_i, hi_i)])
        owners.append(np.repeat(ids, hi_i - lo_i))
        wrap = b > L
        if wrap.any():
            hi_w = np.searchsorted(self.cyc_pos, b[wrap] - L)
            found.append(self.cyc_host[_ranges(np.zeros(hi_w.size, dtype=np.int64), hi_w)])
            owners.append(np.repeat(ids[wrap], hi_w))
        return np.concatenate(found), np.concatenate(owners)

    def _schedule(self, ids: np.ndarray, t: float) -> None:
        """Copies ``ids`` stand at probe ``u`` at time t: find the next host ahead and when they reach it."""
        self.t_at[ids] = t
        j, host = self._ahead(ids, self.u[ids])
        self.next_u[ids], self.next_host[ids] = j, host
        ok = host >= 0
        t_next = np.full(ids.size, np.inf)
        if ok.any():
            gap = (j[ok] - self.u[ids[ok]]).astype(float)
            t_next[ok] = t + self.streams["gaps"].gamma(gap, 1.0 / self.rates[ids[ok]])
        self.t_next[ids] = t_next

    # ------------------------------------------------------------ the loop's calls

    def restart(self, ids: np.ndarray) -> None:
        """New copies on ``ids``: a fresh start (and variant) for each."""
        if ids.size == 0:
            return
        starts = np.asarray(self.start_rule(self.world.addresses[ids], self.streams["start"]), dtype=np.int64)
        self.lead_lo[ids], self.lead_len[ids], self.first[ids] = self.walk.entry(starts)
        self.u[ids] = 0
        self.t_next[ids] = np.inf
        self.has_start[ids] = True
        if self.variants is not None:
            p = np.asarray(self.variants.probabilities)
            self.variant[ids] = self.streams["variant"].choice(p.size, size=ids.size, p=p)

    def on_infected(self, ids: np.ndarray) -> None:
        self.restart(ids)

    def start(self, ids: np.ndarray) -> None:
        if ids.size:
            self.restart(ids[~self.has_start[ids]])
            self._schedule(ids, self.now)
        super().start(ids)

    def stop(self, ids: np.ndarray) -> None:
        if ids.size:
            going = ids[np.isfinite(self.t_next[ids])]
            if going.size:  # probes sent inside the gap by now: the first gap-1 arrivals are uniform before t_next
                t0, t1 = self.t_at[going], self.t_next[going]
                frac = np.clip((self.now - t0) / np.maximum(t1 - t0, 1e-300), 0.0, 1.0)
                gap = self.next_u[going] - self.u[going]
                self.u[going] += self.streams["gaps"].binomial(gap - 1, frac)
            self.t_at[ids] = self.now
            self.t_next[ids] = np.inf
        super().stop(ids)

    def step(self, dt: float, worm: int) -> ProbeBatch:
        t1 = self.now + dt
        self.now = t1
        if self.n_scanning == 0:
            return ProbeBatch(worm, 0, 0, np.empty(0, dtype=np.int64))
        probes = int(self.streams["probes"].poisson(self.total_rate * dt))
        ids = np.flatnonzero(self.t_next < t1)  # scanning copies whose next host falls in this step
        if ids.size == 0:
            return ProbeBatch(worm, probes, 0, np.empty(0, dtype=np.int64))
        more = self.streams["probes"].poisson(self.rates[ids] * (t1 - self.t_next[ids])).astype(np.int64)
        hosts, owners = self._hits(ids, self.next_u[ids], more)
        targets = np.concatenate([self.next_host[ids], hosts])
        owners = np.concatenate([ids, owners])
        self.u[ids] = self.next_u[ids] + more
        self._schedule(ids, t1)
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
        targets = targets[keep]
        return ProbeBatch(worm, max(probes, reached), reached, targets[self.infectable(targets)])
