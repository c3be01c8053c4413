"""Permutation scanning (Staniford, Paxson & Weaver 2002): all copies walk one shared pseudo-random permutation
of the target space; a copy that probes an infected host jumps to a fresh random point.

The permutation puts the vulnerable hosts at uniform distinct positions (as for a shared sequence), so only
those positions are drawn. Per step each copy has a Poisson budget of probes; it walks from its pointer up
to the first infected host's position within the budget (found by ``searchsorted`` over the sorted positions
of the infected hosts), jumps, and walks on with what is left, until the budget is spent. Infected means
running a copy at the step's start (hosts infected during a step start at the next one, as elsewhere), the
copy's own host included. Exact for the step; work grows with jumps and hosts reached, not with probes.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from .base import CopyScanner, TargetSpace
from .base import ranges as _ranges


class StartPoint(Enum):
    """Where a new copy starts walking. The paper: copies infected in the hit-list phase start just after
    their own point in the permutation (AFTER_SELF); copies infected by permutation scanning start at a
    random point (RANDOM)."""

    AFTER_SELF = "after-self"
    RANDOM = "random"


def next_pointer(pointer: int, hit_infected: bool, length: int, rng: np.random.Generator) -> int:
    """Per-probe rule, for the brute-force reference: a copy that probed position ``pointer`` moves to the next
    position, or to a uniform one if the probed host was infected."""
    return int(rng.integers(0, length)) if hit_infected else (pointer + 1) % length


class PermutationScanner(CopyScanner):
    """Shared-permutation scanning with jumps on infected hosts. Delivery classes are not supported (a filtered
    probe to an infected host would also hide it from the copy; not modelled)."""

    def __init__(self, world, worm, rates, streams, start_point: StartPoint = StartPoint.RANDOM):
        # Not registered yet (issue 10): built directly by its tests with the worm's config; every reached host
        # is offered to the caller, which checks the states itself.
        super().__init__(worm.scanning, TargetSpace.of(worm, world), world, rates, streams,
                         lambda ids: np.ones(ids.size, dtype=bool))
        self.length = L = self.target_addresses
        pos = self.streams["permutation"].choice(L, size=self.targetable.size, replace=False).astype(np.int64)
        self.host_pos = np.full(world.n, -1, dtype=np.int64)
        self.host_pos[self.targetable] = pos
        order = np.argsort(pos)
        self.pos_sorted, self.pos_host = pos[order], self.targetable[order]
        self.pointer = np.zeros(world.n, dtype=np.int64)
        self.has_start = np.zeros(world.n, dtype=bool)
        self.start_point = start_point
        self.jumps = 0

    def set_delivery(self, klass, deliver) -> None:
        if len(deliver) > 1:
            raise NotImplementedError("permutation scanning does not model delivery filters")
        super().set_delivery(klass, deliver)

    def restart(self, ids: np.ndarray, start_point: StartPoint | None = None) -> None:
        """New copies on ``ids``: each starts at ``start_point`` (default: the scanner's). Hit-list seeding
        should pass AFTER_SELF; a host off the permutation (excluded address) starts at a random point."""
        if ids.size == 0:
            return
        sp = self.start_point if start_point is None else start_point
        own = self.host_pos[ids]
        rnd = self.streams["jumps"].integers(0, self.length, ids.size)
        after = (own >= 0) & (sp is StartPoint.AFTER_SELF)
        self.pointer[ids] = np.where(after, (own + 1) % self.length, rnd)
        self.has_start[ids] = True

    def start(self, ids: np.ndarray) -> None:
        if ids.size:
            self.restart(ids[~self.has_start[ids]])
        super().start(ids)

    def _walked(self, a: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(hosts, index of the walker) for walkers at positions ``a`` taking ``n`` positions each (cyclic)."""
        L = self.length
        laps = n // L
        found, who = [], []
        if laps.any():
            found.append(np.tile(self.pos_host, int(laps.sum())))
            who.append(np.repeat(np.arange(a.size), laps * self.pos_host.size))
        b = a + n - laps * L
        lo, hi = np.searchsorted(self.pos_sorted, a), np.searchsorted(self.pos_sorted, np.minimum(b, L))
        found.append(self.pos_host[_ranges(lo, hi)])
        who.append(np.repeat(np.arange(a.size), hi - lo))
        wrap = b > L
        if wrap.any():
            hw = np.searchsorted(self.pos_sorted, b[wrap] - L)
            found.append(self.pos_host[_ranges(np.zeros(hw.size, dtype=np.int64), hw)])
            who.append(np.repeat(np.flatnonzero(wrap), hw))
        return np.concatenate(found), np.concatenate(who)

    def step(self, dt: float) -> tuple[int, int, np.ndarray]:
        if self.copies.size == 0:
            return 0, 0, np.empty(0, dtype=np.int64)
        L = self.length
        ids = self.copies
        budget = self.streams["probes"].poisson(self.rates[ids] * dt).astype(np.int64)
        infected = self.host_pos[ids]
        infected = np.sort(infected[infected >= 0])
        m = infected.size
        p = self.pointer[ids].copy()
        rem = budget.copy()
        idx = np.flatnonzero(rem > 0)
        found = []
        while idx.size:
            pp, rr = p[idx], rem[idx]
            if m:
                j = np.searchsorted(infected, pp)  # first infected position at or after the pointer
                nxt = np.where(j < m, infected[np.minimum(j, m - 1)], infected[0] + L)
                jump = nxt - pp < rr
                walk = np.where(jump, nxt - pp + 1, rr)
            else:
                jump = np.zeros(idx.size, dtype=bool)
                walk = rr
            hosts, _ = self._walked(pp, walk)
            found.append(hosts)
            n_jump = int(jump.sum())
            self.jumps += n_jump
            p[idx] = (pp + walk) % L
            p[idx[jump]] = self.streams["jumps"].integers(0, L, n_jump)
            rem[idx] = rr - walk
            idx = idx[jump & (rr - walk > 0)]
        self.pointer[ids] = p
        targets = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
        return int(budget.sum()), int(targets.size), targets
