"""Witty scanning: per round of 20,000 packets, targets uniform over the states of one phase; death by disk writes.

Within a round a copy's high-half states all share one phase r = X mod 4 (wormcast/worms/witty.py), so each
packet goes to address A with probability m_r(A) / 2^30, m_r the number of phase-r states that generate A
(0 or 1 for the real worm: each phase reaches a quarter of the space, all phases together about 90%). Per
step, packets are summed per phase; hits on the targetable hosts are Binomial(P_r, W_r / 2^30) with
W_r = sum of m_r over them, each landing on host h with probability m_r(h) / W_r. This is exact in
distribution up to sampling states with replacement (a copy sends 20,000 of 2^30 states per round).

At each round boundary the copy picks a disk: with probability n_disks/8 it writes, re-seeds (new uniform
phase) and dies with probability crash_per_write; otherwise the phase moves by 3 (mod 4). A dead copy
sends nothing more and is reported in the step's ``ProbeBatch.ended``: the loop kills its host (DEAD).

Scenario: ``scanning = {kind = "witty", crash_per_write = 0.1, disk_shares = [0.7, 0.2, 0.1]}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from pydantic import Field, model_validator

from ..core.registry import SCANNERS
from ..worms.lcg import AffineLCG
from ..worms.witty import DISK_CHOICES, MS_INCREMENT, PACKETS_PER_ROUND, PHASES, DiskDeath, WittyGenerator
from .base import EMPTY, CopyScanner, ProbeBatch, ProbeRule, ScannerConfig


@dataclass(frozen=True)
class WittyParams:
    """Generator (the real one or a small analogue), round length, death rule, and the address offset of a
    small test space (None: host addresses are the generator's addresses)."""

    death: DiskDeath
    generator: WittyGenerator = field(default_factory=WittyGenerator)
    packets_per_round: int = PACKETS_PER_ROUND
    address_offset: int | None = None

    def generator_addresses(self, addresses: np.ndarray, inverse: bool = False) -> np.ndarray:
        """Host addresses as the generator's (``inverse``: the generator's as host addresses)."""
        a = np.asarray(addresses, dtype=np.int64)
        return a if self.address_offset is None else (a + self.address_offset if inverse else a - self.address_offset)


class WittyConfig(ScannerConfig):
    """The generator (the real one: 32-bit states, 16-bit halves; smaller analogues map their addresses
    from ``address_offset``), the round length and the disk-write death rule (worms/witty.py)."""

    kind: str = "witty"
    crash_per_write: float = Field(ge=0, le=1, description="chance that a disk write kills the host")
    disk_shares: list[float] = Field(default_factory=lambda: [1.0], min_length=1, max_length=DISK_CHOICES,
                                     description="shares of hosts with 1, 2, ... physical disks")
    packets_per_round: int = Field(PACKETS_PER_ROUND, gt=0, le=10**9)
    increment: int = Field(MS_INCREMENT, ge=0, lt=1 << 32)
    state_bits: int = Field(32, ge=4, le=32)
    half_bits: int = Field(16, ge=1, le=16)
    address_offset: Optional[int] = Field(None, ge=0, lt=1 << 32, description="small analogues: address - offset")

    @model_validator(mode="after")
    def _check(self) -> "WittyConfig":
        if self.state_bits - self.half_bits < 2:
            raise ValueError("scanning.state_bits must exceed scanning.half_bits by at least 2")
        if min(self.disk_shares) < 0 or sum(self.disk_shares) <= 0:
            raise ValueError("scanning.disk_shares: non-negative shares, not all zero")
        if (self.address_offset is None) != (self.half_bits == 16):
            raise ValueError("scanning.address_offset goes with a small analogue (half_bits below 16), and only there")
        return self

    def params(self) -> WittyParams:
        return WittyParams(DiskDeath(self.crash_per_write, tuple(self.disk_shares)),
                           WittyGenerator(self.state_bits, self.half_bits, c=self.increment),
                           self.packets_per_round, self.address_offset)


class WittyRule(ProbeRule):
    """The reference's copies make the worm's rand() calls in order [KPW05]: per packet the address from two
    calls (top halves), then port and size; after each round the disk number (the top three bits of a call),
    and when that disk exists the block call and a re-seed uniform over the states. No phases, no tables.
    Crashes are the engine's KILL, which the reference does not model: the rule needs crash_per_write = 0
    (tests/worms/test_witty_scanner.py compares deaths with a reference of its own)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.params = par = self.config.params()
        if par.death.crash_per_write > 0:
            raise ValueError("the per-probe Witty rule models no crashes (crash_per_write must be 0)")
        g = par.generator
        self.lcg = AffineLCG(g.a, g.c % (1 << g.state_bits), g.state_bits)
        self.n_disks = par.death.draw_disks(self.addresses.size, self.rng)
        self.x = np.zeros(self.addresses.size, dtype=np.uint64)
        self.left = np.zeros(self.addresses.size, dtype=np.int64)
        self._after = (EMPTY, EMPTY)

    def targets_for(self, src: np.ndarray) -> np.ndarray:
        g, P = self.params.generator, self.params.packets_per_round
        sh, hb = np.uint64(g.shift), g.half_bits
        order = np.argsort(src, kind="stable")
        u, counts = np.unique(src, return_counts=True)
        x, left, rem = self.x[u].copy(), self.left[u].copy(), counts.copy()
        who, addr, x_after, left_after = [], [], [], []
        idx = np.flatnonzero(rem > 0)
        while idx.size:  # one round of each walker at a time
            take = np.minimum(rem[idx], left[idx])
            w = np.repeat(idx, take)
            k = np.arange(w.size) - np.repeat(np.cumsum(take) - take, take)
            before = self.lcg.jump(x[w], 4 * k)  # the state before the packet's four calls
            x1 = self.lcg.jump(before, np.ones_like(k))
            x2 = self.lcg.jump(x1, np.ones_like(k))
            addr.append((((x1 >> sh) << np.uint64(hb)) | (x2 >> sh)).astype(np.int64))
            xa = self.lcg.jump(before, np.full(k.size, 4))
            la = np.repeat(left[idx], take) - k - 1
            x[idx] = self.lcg.jump(x[idx], 4 * take)
            left[idx] -= take
            rem[idx] -= take
            done = idx[left[idx] == 0]
            if done.size:  # the round's end: disk number, and a write re-seeds
                x[done] = self.lcg.jump(x[done], np.ones(done.size, dtype=np.int64))
                disk = ((x[done] >> sh) >> np.uint64(hb - 3 if hb >= 3 else 0)).astype(np.int64) & 7
                write = done[disk < self.n_disks[done]]
                x[write] = self.rng.integers(0, 1 << g.state_bits, write.size).astype(np.uint64)
                left[done] = P
                last = la == 0
                xa[last] = x[w[last]]
                la[last] = P
            who.append(w)
            x_after.append(xa)
            left_after.append(la)
            idx = idx[rem[idx] > 0]
        by_walker = np.argsort(np.concatenate(who), kind="stable")
        out = np.empty(src.size, dtype=np.int64)
        out[order] = self.params.generator_addresses(np.concatenate(addr)[by_walker], inverse=True)
        xs, ls = np.empty(src.size, dtype=np.uint64), np.empty(src.size, dtype=np.int64)
        xs[order], ls[order] = np.concatenate(x_after)[by_walker], np.concatenate(left_after)[by_walker]
        self._after = (xs, ls)
        return out

    def sent(self, src: np.ndarray) -> None:
        last = src.size - 1 - np.unique(src[::-1], return_index=True)[1]
        self.x[src[last]] = self._after[0][last]
        self.left[src[last]] = self._after[1][last]

    def infected(self, host: int) -> None:
        self.x[host] = np.uint64(self.rng.integers(0, 1 << self.params.generator.state_bits))
        self.left[host] = self.params.packets_per_round


@SCANNERS.register("witty")
class WittyScanner(CopyScanner):
    """Phase-restricted uniform scanning with the disk-write life cycle; see the module docstring."""

    Config = WittyConfig
    Rule = WittyRule
    streams_used = ("probes", "hits", "targets", "witty-disks", "witty-seed", "witty-disk", "witty-crash")

    def __init__(self, *args):
        super().__init__(*args)
        world, streams = self.world, self.streams
        self.params = params = self.config.params()
        g = params.generator
        mult = g.multiplicity(params.generator_addresses(world.addresses[self.targetable]))  # (targetable, 4)
        self.phase_hosts, self.phase_cum = [], []
        for r in range(PHASES):
            keep = mult[:, r] > 0
            self.phase_hosts.append(self.targetable[keep])
            self.phase_cum.append(np.cumsum(mult[keep, r]))
        self.p_hit = np.array([c[-1] if c.size else 0 for c in self.phase_cum], dtype=float) / g.states_per_phase
        self.n_disks = params.death.draw_disks(world.n, streams["witty-disks"])
        self.p_write = params.death.write_probability(self.n_disks)
        self.shift = g.round_phase_shift(params.packets_per_round)
        self.phase = np.zeros(world.n, dtype=np.int64)
        self.left = np.zeros(world.n, dtype=np.int64)
        self.rounds = np.zeros(world.n, dtype=np.int64)
        self.died: list[np.ndarray] = []

    def _classes_changed(self) -> None:
        if self.filtered:
            raise NotImplementedError("delivery classes (containment filters) are not supported by WittyScanner yet")

    def on_infected(self, ids: np.ndarray) -> None:
        """A new infection seeds from GetTickCount(): its first phase is uniform (ASSUMPTION)."""
        if ids.size:
            self.phase[ids] = self.streams["witty-seed"].integers(0, PHASES, ids.size)
            self.left[ids] = self.params.packets_per_round
            self.rounds[ids] = 0

    @classmethod
    def example_config(cls) -> dict:
        """An analogue on the 2^18 test space of 16.0.0.0/14: 20-bit states, 9-bit halves, rounds of 50 packets,
        one to three disks (writes re-seed), no crashes (the reference does not model them)."""
        return {"kind": cls.kind, "crash_per_write": 0.0, "disk_shares": [0.5, 0.3, 0.2], "packets_per_round": 50,
                "state_bits": 20, "half_bits": 9, "address_offset": 16 << 24}

    def _send(self, ids: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Spread n packets of each copy over its rounds; returns packets per phase, updates the life cycle."""
        s = self.streams
        per_phase = np.zeros(PHASES, dtype=np.int64)
        P = self.params.packets_per_round
        while ids.size:
            take = np.minimum(n, self.left[ids])
            per_phase += np.bincount(self.phase[ids], weights=take, minlength=PHASES).astype(np.int64)
            n = n - take
            self.left[ids] -= take
            done = self.left[ids] == 0
            if done.any():
                d = ids[done]
                self.rounds[d] += 1
                write = s["witty-disk"].random(d.size) < self.p_write[d]
                crash = write & (s["witty-crash"].random(d.size) < self.params.death.crash_per_write)
                w = d[write & ~crash]
                self.phase[w] = s["witty-seed"].integers(0, PHASES, w.size)
                nw = d[~write]
                self.phase[nw] = (self.phase[nw] + self.shift) % PHASES
                self.left[d] = P
                if crash.any():
                    dead = d[crash]
                    self.died.append(dead)
                    self.left[dead] = 0
                    n[np.isin(ids, dead)] = 0
            more = n > 0
            ids, n = ids[more], n[more]
        return per_phase

    def step(self, dt: float, worm: int) -> ProbeBatch:
        if self.copies.size == 0:
            return ProbeBatch(worm, 0, 0, EMPTY)
        s = self.streams
        ids = self.copies
        n = s["probes"].poisson(self.rates[ids] * dt).astype(np.int64)
        per_phase = self._send(ids, n)
        found = []
        hits = 0
        for r in range(PHASES):
            if per_phase[r] == 0 or self.p_hit[r] == 0:
                continue
            h = int(s["hits"].binomial(per_phase[r], min(1.0, self.p_hit[r])))
            if h:
                cum = self.phase_cum[r]
                pick = np.searchsorted(cum, s["targets"].random(h) * cum[-1], side="right")
                found.append(self.phase_hosts[r][np.minimum(pick, cum.size - 1)])
                hits += h
        targets = np.concatenate(found) if found else EMPTY
        ended = np.concatenate(self.died) if self.died else EMPTY
        self.died = []
        return ProbeBatch(worm, int(per_phase.sum()), hits, targets, ended=ended)
