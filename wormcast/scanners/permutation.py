"""Permutation scanning (Staniford, Paxson & Weaver 2002): all copies walk one shared pseudo-random permutation
of the target space; a copy that probes an infected host jumps to a fresh random point.

The permutation puts the vulnerable hosts at uniform distinct positions (as for a shared sequence), so only
those positions are drawn. A copy walks one position per probe, and its probes are a Poisson process, so the
time it takes to reach the next host along the permutation (``gap`` positions on) is Gamma(gap, 1/rate):
the scanner is event-driven, and only copies that reach a host within the step do any work. A copy that
reaches a host running a copy at the step's start (its own included) jumps to a uniform position; otherwise
it walks on to the next host. Infected means running a copy at the step's start (hosts infected during a
step start at the next one, as elsewhere). Exact for the step; the step's probe count is Poisson(summed rate
x dt), drawn apart from which hosts are reached (each exact on its own; the outbreak depends only on the
hosts reached). Work grows with hosts reached and jumps, not with probes or copies.

Scenario: ``scanning = {kind = "permutation", seeded_start = "after-self", infected_start = "random"}``;
copies infected at release or from the hit-list (``seeding.hitlist``) are the seeded ones.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

import numpy as np

from ..core.registry import SCANNERS
from .base import EMPTY, NextHostCopies, ProbeBatch, ProbeRule, ScannerConfig
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


class PermutationConfig(ScannerConfig):
    kind: str = "permutation"
    seeded_start: Literal["after-self", "random"] = "after-self"  # copies from release or the hit-list
    infected_start: Literal["after-self", "random"] = "random"  # copies infected by scanning


def walk_rounds(pointer: np.ndarray, budget: np.ndarray, infected: np.ndarray, length: int,
                rng: np.random.Generator):
    """The walks of copies at ``pointer`` (next position to probe; updated in place) with ``budget`` probes
    each, over a fixed sorted array of ``infected`` positions, round by round: each round yields (walkers,
    start positions, positions walked, which walkers end on an infected position, their new uniform
    positions). A probe on an infected position is followed by a jump (:func:`next_pointer`)."""
    m = infected.size
    rem, idx = budget.copy(), np.flatnonzero(budget > 0)
    while idx.size:
        pp, rr = pointer[idx], rem[idx]
        if m:
            j = np.searchsorted(infected, pp)  # first infected position at or after the pointer
            nxt = np.where(j < m, infected[np.minimum(j, m - 1)], infected[0] + length)
            jump = nxt - pp < rr
            walk = np.where(jump, nxt - pp + 1, rr)
        else:
            jump, walk = np.zeros(idx.size, dtype=bool), rr
        new = rng.integers(0, length, int(jump.sum()))
        yield idx, pp, walk, jump, new
        pointer[idx] = (pp + walk) % length
        pointer[idx[jump]] = new
        rem[idx] = rr - walk
        idx = idx[jump & (rr - walk > 0)]


class PermutationRule(ProbeRule):
    """The reference's copies walk one explicit random permutation of every target address, one probe at a
    time: after a probe on a host running a copy (its own included) a copy jumps to a uniform position.
    Copies start at a uniform position (the example's setting for seeded and scanned-in copies alike)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.perm = self.rng.permutation(self.targets)
        where = np.full(int(self.targets.max()) - int(self.targets.min()) + 1, -1, dtype=np.int64)
        where[self.perm - self.targets.min()] = np.arange(self.perm.size)
        self.host_pos = where[self.addresses - self.targets.min()]
        self.pointer = np.zeros(self.addresses.size, dtype=np.int64)
        self.running = np.empty(0, dtype=np.int64)  # sorted positions of the infected hosts
        self._next = EMPTY

    def targets_for(self, src: np.ndarray) -> np.ndarray:
        order = np.argsort(src, kind="stable")
        u, counts = np.unique(src, return_counts=True)
        L = self.perm.size
        who, pos, after = [], [], []
        for idx, start, walk, jump, new in walk_rounds(self.pointer[u].copy(), counts, self.running, L, self.rng):
            at = _ranges(start, start + walk) % L
            nx = (at + 1) % L
            nx[(np.cumsum(walk) - 1)[jump]] = new
            who.append(np.repeat(idx, walk))
            pos.append(at)
            after.append(nx)
        w = np.concatenate(who)
        by_walker = np.argsort(w, kind="stable")  # rounds in order, so each walker's probes stay in order
        out = np.empty(src.size, dtype=np.int64)
        out[order] = self.perm[np.concatenate(pos)[by_walker]]  # sorted sources' probes, walker by walker
        nxt = np.empty(src.size, dtype=np.int64)
        nxt[order] = np.concatenate(after)[by_walker]
        self._next = nxt
        return out

    def sent(self, src: np.ndarray) -> None:
        """The first ``src.size`` probes of the last batch went out: each copy's pointer follows its last one."""
        nxt = self._next[:src.size]
        last = src.size - 1 - np.unique(src[::-1], return_index=True)[1]
        self.pointer[src[last]] = nxt[last]

    def infected(self, host: int) -> None:
        self.pointer[host] = int(self.rng.integers(0, self.perm.size))
        self.running = np.sort(np.r_[self.running, self.host_pos[host]])


@SCANNERS.register("permutation")
class PermutationScanner(NextHostCopies):
    """Shared-permutation scanning with jumps on infected hosts. Delivery classes are not supported (a filtered
    probe to an infected host would also hide it from the copy; not modelled)."""

    Config = PermutationConfig
    Rule = PermutationRule
    streams_used = ("probes", "permutation", "jumps")

    def __init__(self, *args):
        super().__init__(*args)
        world = self.world
        self.length = L = self.target_addresses
        pos = self.streams["permutation"].choice(L, size=self.targetable.size, replace=False).astype(np.int64)
        self.host_pos = np.full(world.n, -1, dtype=np.int64)
        self.host_pos[self.targetable] = pos
        order = np.argsort(pos)
        self.pos_sorted, self.pos_host = pos[order], self.targetable[order]
        M = pos.size
        self.succ_gap = np.diff(np.r_[self.pos_sorted, self.pos_sorted[:1] + L]) if M else EMPTY  # to the next host
        self.nxt = np.zeros(world.n, dtype=np.int64)  # index (in position order) of the next host a copy reaches
        self.t_next = np.full(world.n, np.inf)  # when it reaches it (inf: not scanning)
        self.t_left = np.full(world.n, np.inf)  # scanning time it still needs to reach it
        self.t = 0.0  # the scanner's clock: the start of the next step
        self.has_start = np.zeros(world.n, dtype=bool)
        self.just_seeded = np.zeros(world.n, dtype=bool)
        self.start_point = StartPoint(self.config.infected_start)
        self.seeded_start = StartPoint(self.config.seeded_start)
        self.jumps = 0

    @classmethod
    def example_config(cls) -> dict:
        return {"kind": cls.kind, "seeded_start": "random", "infected_start": "random"}

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
        self.t_left[ids] = self._aim(ids, np.where(after, (own + 1) % self.length, rnd))
        self.has_start[ids] = True

    def _aim(self, ids: np.ndarray, pointer: np.ndarray) -> np.ndarray:
        """Copies whose next probe goes to position ``pointer``: their next host, and the scanning time to it."""
        M = self.pos_sorted.size
        if M == 0:
            return np.full(ids.size, np.inf)
        k = np.searchsorted(self.pos_sorted, pointer)  # a host at the pointer itself is the next probe's
        wrap = k == M
        k[wrap] = 0
        self.nxt[ids] = k
        return self._gamma(self.pos_sorted[k] - pointer + 1 + np.where(wrap, self.length, 0), self.rates[ids])

    def _gamma(self, gap: np.ndarray, rate: np.ndarray) -> np.ndarray:
        """Time to send ``gap`` more probes at ``rate`` per second (a Poisson process); inf at rate 0."""
        out = np.full(gap.size, np.inf)
        ok = rate > 0
        out[ok] = self.streams["probes"].gamma(gap[ok].astype(float), 1.0 / rate[ok])
        return out

    def seeded(self, ids: np.ndarray) -> None:
        """Copies from release or the hit-list start at ``seeded_start`` (the paper: after their own point)."""
        self.restart(ids, self.seeded_start)
        self.just_seeded[ids] = True

    def on_infected(self, ids: np.ndarray) -> None:
        """A new infection is a fresh copy: a seeded one keeps the start :meth:`seeded` gave it just before,
        the others get the scanner's default start point when they start."""
        self.has_start[ids[~self.just_seeded[ids]]] = False
        self.just_seeded[ids] = False

    def start(self, ids: np.ndarray) -> None:
        """Copies (re)start: a new one from its start point; each reaches its next host ``t_left`` after now
        (a paused copy's probes resume)."""
        if ids.size:
            self.restart(ids[~self.has_start[ids]])
        super().start(ids)

    def step(self, dt: float, worm: int) -> ProbeBatch:
        t_end = self.t + dt
        self.t = t_end
        if self.copies.size == 0:
            return ProbeBatch(worm, 0, 0, EMPTY)
        probes = int(self.streams["probes"].poisson(self.total_rate * dt))
        due = np.flatnonzero(self.t_next < t_end)  # inf for hosts that are not scanning
        found = []
        while due.size:
            k = self.nxt[due]
            hosts = self.pos_host[k]
            found.append(hosts)
            jump = self._is_copy[hosts]  # running a copy since the step's start (the copy's own host too)
            walk = due[~jump]
            gap = np.empty(due.size)
            self.nxt[walk] = (k[~jump] + 1) % self.pos_sorted.size
            gap[~jump] = self._gamma(self.succ_gap[k[~jump]], self.rates[walk])
            jumpers = due[jump]
            self.jumps += int(jumpers.size)
            gap[jump] = self._aim(jumpers, self.streams["jumps"].integers(0, self.length, jumpers.size))
            self.t_next[due] += gap
            due = due[self.t_next[due] < t_end]
        targets = np.concatenate(found) if found else EMPTY
        return ProbeBatch(worm, probes, int(targets.size), targets)
