"""Witty scanning: per round of 20,000 packets, targets uniform over the states of one phase; death by disk writes.

Within a round a copy's high-half states all share one phase r = X mod 4 (wormcast/worms/witty.py), so each
packet goes to address A with probability m_r(A) / 2^30, m_r the number of phase-r states that generate A
(0 or 1 for the real worm: each phase reaches a quarter of the space, all phases together about 90%). Per
step, packets are summed per phase; hits on the targetable hosts are Binomial(P_r, W_r / 2^30) with
W_r = sum of m_r over them, each landing on host h with probability m_r(h) / W_r. This is exact in
distribution up to sampling states with replacement (a copy sends 20,000 of 2^30 states per round).

At each round boundary the copy picks a disk: with probability n_disks/8 it writes, re-seeds (new uniform
phase) and dies with probability crash_per_write; otherwise the phase moves by 3 (mod 4). Deaths are
collected in ``died`` for the engine to stop and remove (pop_deaths); packets after a death are not sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..worms.witty import PACKETS_PER_ROUND, PHASES, DiskDeath, WittyGenerator
from .base import CopyScanner, TargetSpace


@dataclass(frozen=True)
class WittyParams:
    """Generator (the real one or a small analogue), round length, death rule, and the address offset of a
    small test space (None: host addresses are the generator's addresses)."""

    death: DiskDeath
    generator: WittyGenerator = field(default_factory=WittyGenerator)
    packets_per_round: int = PACKETS_PER_ROUND
    address_offset: int | None = None

    def generator_addresses(self, addresses: np.ndarray) -> np.ndarray:
        a = np.asarray(addresses, dtype=np.int64)
        return a if self.address_offset is None else a - self.address_offset


class WittyScanner(CopyScanner):
    """Phase-restricted uniform scanning with the disk-write life cycle; see the module docstring."""

    def __init__(self, world, worm, rates, streams, params: WittyParams):
        # Not registered yet (issue 10): built directly by its tests with the worm's config; every reached host
        # is offered to the caller, which checks the states itself.
        super().__init__(worm.scanning, TargetSpace.of(worm, world), world, rates, streams,
                         lambda ids: np.ones(ids.size, dtype=bool))
        self.params = params
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

    def start(self, ids: np.ndarray) -> None:
        """A new infection seeds from GetTickCount(): its first phase is uniform (ASSUMPTION)."""
        super().start(ids)
        if ids.size:
            self.phase[ids] = self.streams["witty-seed"].integers(0, PHASES, ids.size)
            self.left[ids] = self.params.packets_per_round
            self.rounds[ids] = 0

    def pop_deaths(self) -> np.ndarray:
        """Hosts whose disk writes killed them since the last call (still to be stopped by the caller)."""
        out = np.concatenate(self.died) if self.died else np.empty(0, dtype=np.int64)
        self.died = []
        return out

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

    def step(self, dt: float) -> tuple[int, int, np.ndarray]:
        if self.copies.size == 0:
            return 0, 0, np.empty(0, dtype=np.int64)
        s = self.streams
        ids = self.copies
        if self.died:  # copies that died but were not stopped yet send nothing
            ids = np.setdiff1d(ids, np.concatenate(self.died), assume_unique=True)
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
        targets = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
        return int(per_phase.sum()), hits, targets
