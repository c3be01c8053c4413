"""Slammer scanning: every copy walks its own cycle of a flawed LCG, sequentially from its seed.

The increment b of Slammer's generator depends on the host's sqlsort.dll (wormcast/worms/slammer.py), so
the generator is not full-period: the state space splits into cycles (residue classes of the state), and a
copy scans only the addresses of the cycle its GetTickCount() seed falls into, in a fixed order, repeating
an address only after a full cycle. Per step each copy advances a Poisson number of positions and reaches
exactly the hosts of its cycle whose positions it crosses (the shared-sequence idea, per cycle and per copy),
so the step is exact in distribution; the only approximation is the engine's (new copies start next step).

A global backbone cap (BackboneCap) thins delivery: every sent probe still advances the generator, and each
one reaches its target with probability R_eff/R for the sent aggregate R at the start of the step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..worms.slammer import BackboneCap, CycleIndex, SlammerGenerator, address_to_state
from .base import CopyScanner, TargetSpace
from .base import ranges as _ranges

_RANK_SHIFT = 33  # composite sort key rank << 33 | position (positions < 2^32)


@dataclass(frozen=True)
class SlammerParams:
    """Generator increments b (one per sqlsort.dll version), the share of hosts with each, the state width,
    the backbone cap, and how host addresses map to states: the byte swap for k = 32 (state_offset None),
    or ``address - state_offset`` for a small test space of 2^k addresses."""

    increments: tuple[int, ...]
    shares: tuple[float, ...]
    k: int = 32
    cap: BackboneCap | None = None
    state_offset: int | None = None

    def states(self, addresses: np.ndarray) -> np.ndarray:
        if self.state_offset is None:
            if self.k != 32:
                raise ValueError("the byte-swap mapping needs k = 32; give state_offset for a small space")
            return address_to_state(addresses)
        s = np.asarray(addresses, dtype=np.int64) - self.state_offset
        if s.size and (s.min() < 0 or s.max() >= (1 << self.k)):
            raise ValueError("host addresses outside the 2^k test space")
        return s


class SlammerScanner(CopyScanner):
    """Per-copy walks along LCG cycles; see the module docstring."""

    def __init__(self, world, worm, rates, streams, params: SlammerParams):
        # Not registered yet (issue 10): built directly by its tests with the worm's config; every reached host
        # is offered to the caller, which checks the states itself.
        super().__init__(worm.scanning, TargetSpace.of(worm, world), world, rates, streams,
                         lambda ids: np.ones(ids.size, dtype=bool))
        self.params = params
        shares = np.asarray(params.shares, dtype=float)
        self.host_b = streams["slammer-dll"].choice(len(params.increments), size=world.n, p=shares / shares.sum())
        states = params.states(world.addresses[self.targetable])
        self.gens = [SlammerGenerator(b, params.k) for b in params.increments]
        self.index = [CycleIndex(g, states, self.targetable) for g in self.gens]
        self._comp = []
        for ix in self.index:
            rank = np.repeat(np.arange(ix.cycles.size, dtype=np.int64), ix.cycle_end - ix.cycle_start)
            self._comp.append((rank << _RANK_SHIFT) | ix.pos_sorted)
        n = world.n
        self.cid = np.zeros(n, dtype=np.int64)
        self.length = np.ones(n, dtype=np.int64)
        self.p0 = np.zeros(n, dtype=np.int64)
        self.progress = np.zeros(n, dtype=np.int64)

    def start(self, ids: np.ndarray) -> None:
        """A new infection seeds its generator from GetTickCount() (uniform over 2^k: ASSUMPTION)."""
        super().start(ids)
        if not ids.size:
            return
        seeds = self.streams["slammer-seed"].integers(0, 1 << self.params.k, ids.size, dtype=np.int64)
        for j, g in enumerate(self.gens):
            m = self.host_b[ids] == j
            if m.any():
                cid, length, pos = g.copy_start(seeds[m])
                sel = ids[m]
                self.cid[sel], self.length[sel], self.p0[sel] = cid, length, pos
        self.progress[ids] = 0

    def delivered_fraction(self) -> float:
        cap = self.params.cap
        return 1.0 if cap is None else cap.delivered_fraction(self.total_rate)

    def _reached(self, j: int, ids: np.ndarray, adv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Hosts reached by copies ``ids`` (all with increment j) advancing ``adv`` positions, and their owners."""
        ix, comp = self.index[j], self._comp[j]
        lo, hi = ix.slices(self.cid[ids])
        has = hi > lo
        ids, adv, lo, hi = ids[has], adv[has], lo[has], hi[has]
        if not ids.size:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        L = self.length[ids]
        rank = np.searchsorted(ix.cycles, self.cid[ids]).astype(np.int64) << _RANK_SHIFT
        a = (self.p0[ids] + self.progress[ids]) % L  # last position probed; the window is (a, a + adv]
        laps = adv // L
        rem = adv - laps * L
        b = a + rem
        found, owners = [], []
        if laps.any():  # whole cycles: every host of the cycle once per lap
            n_each = (hi - lo) * laps
            found.append(ix.ids_sorted[_ranges(np.repeat(lo, laps), np.repeat(hi, laps))])
            owners.append(np.repeat(ids, n_each))
        s = np.searchsorted(comp, rank | a, side="right")
        e = np.searchsorted(comp, rank | np.minimum(b, L - 1), side="right")
        found.append(ix.ids_sorted[_ranges(s, e)])
        owners.append(np.repeat(ids, e - s))
        wrap = b >= L
        if wrap.any():
            ew = np.searchsorted(comp, rank[wrap] | (b[wrap] - L[wrap]), side="right")
            found.append(ix.ids_sorted[_ranges(lo[wrap], ew)])
            owners.append(np.repeat(ids[wrap], ew - lo[wrap]))
        return np.concatenate(found), np.concatenate(owners)

    def step(self, dt: float) -> tuple[int, int, np.ndarray]:
        if self.copies.size == 0:
            return 0, 0, np.empty(0, dtype=np.int64)
        s = self.streams
        ids = self.copies
        theta = self.delivered_fraction()
        adv = s["probes"].poisson(self.rates[ids] * dt).astype(np.int64)
        found, owners = [], []
        for j in range(len(self.gens)):
            m = self.host_b[ids] == j
            if m.any():
                f, o = self._reached(j, ids[m], adv[m])
                found.append(f)
                owners.append(o)
        self.progress[ids] += adv
        targets = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
        owner = np.concatenate(owners) if owners else np.empty(0, dtype=np.int64)
        if theta < 1.0 and targets.size:
            keep = s["delivery"].random(targets.size) < theta
            targets, owner = targets[keep], owner[keep]
        reached = int(targets.size)
        if self.filtered and targets.size:
            klass = self.klass[owner]
            keep = np.ones(targets.size, dtype=bool)
            for c, mask in enumerate(self.deliver):
                if mask is not None:
                    mine = klass == c
                    keep[mine] = mask[targets[mine]]
            targets = targets[keep]
        return int(adv.sum()), reached, targets
