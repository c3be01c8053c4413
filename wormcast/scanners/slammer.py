"""Slammer scanning: every copy walks its own cycle of a flawed LCG, sequentially from its seed.

The increment b of Slammer's generator depends on the host's sqlsort.dll (wormcast/worms/slammer.py), so
the generator is not full-period: the state space splits into cycles (residue classes of the state), and a
copy scans only the addresses of the cycle its GetTickCount() seed falls into, in a fixed order, repeating
an address only after a full cycle. Per step each copy advances a Poisson number of positions and reaches
exactly the hosts of its cycle whose positions it crosses (the shared-sequence idea, per cycle and per copy),
so the step is exact in distribution; the only approximation is the engine's (new copies start next step).

Speed: most copies reach no host in a step (a 2^30-state cycle holds a few thousand hosts), so a copy on a
long cycle is event-driven: the number of probes to its next host on the cycle is known (the gap in
positions), and the time it takes is Gamma(gap, 1/rate) (its probes are a Poisson process), so only the
copies whose next host falls inside the step do any work. Copies on short cycles (at most SHORT_CYCLE
states), which can lap their cycle many times a step, advance by a Poisson count per step over windows of
positions instead. Both are exact; the step's probe count is Poisson(summed rate x dt), drawn apart from
which hosts are reached (each is exact on its own; the run's outbreak depends only on the hosts reached).

Per-host rates come from the worm's ``scan_rate`` (``distribution = "links"``: access-link speeds filled with
404-byte frames) and the global backbone limit from ``worm.backbone_cap`` (core/backbone.py): both are
engine features, not this scanner's. Scenario: ``scanning = {kind = "slammer", ebx = [...], ebx_shares = [...]}``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from typing import Optional

from pydantic import Field, model_validator

from ..core.backbone import BackboneCap
from ..core.registry import SCANNERS
from ..worms.lcg import MS_MULTIPLIER, AffineLCG
from ..worms.slammer import INCREMENT_XOR, CycleIndex, SlammerGenerator, address_to_state, state_to_address
from .base import EMPTY, NextHostCopies, ProbeBatch, ProbeRule, ScannerConfig, rank_within
from .base import ranges as _ranges

_RANK_SHIFT = 33  # composite sort key rank << 33 | position (positions < 2^32)
SHORT_CYCLE = 1 << 22  # copies on cycles this short advance per step (they may lap them); longer: per event


@dataclass(frozen=True)
class SlammerParams:
    """Generator increments b (one per sqlsort.dll version), the share of hosts with each, the state width,
    the backbone cap (the per-probe reference's; the engine takes it from the worm), and how host addresses
    map to states: the byte swap for k = 32 (state_offset None), or ``address - state_offset`` for a small
    test space of 2^k addresses."""

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

    def addresses(self, states: np.ndarray) -> np.ndarray:
        """The target address of each state (the inverse of :meth:`states`)."""
        s = np.asarray(states, dtype=np.int64)
        return state_to_address(s) if self.state_offset is None else s + self.state_offset


class SlammerConfig(ScannerConfig):
    """``ebx``: the sqlsort.dll import-table word of each DLL version (b = EBX xor increment_xor), with the
    share of hosts running each; ``state_bits`` and ``state_offset`` shrink the generator to a 2^k test space
    starting at ``state_offset`` (the real worm: 32 bits, addresses = byte-swapped states)."""

    kind: str = "slammer"
    ebx: list[int] = Field(min_length=1, description="EBX per sqlsort.dll version")
    ebx_shares: list[float] = Field(default_factory=list, description="share of hosts per version (default equal)")
    increment_xor: int = Field(INCREMENT_XOR, ge=0, lt=1 << 32, description="b = EBX xor this [HELKERN]")
    state_bits: int = Field(32, ge=4, le=32)
    state_offset: Optional[int] = Field(None, ge=0, lt=1 << 32, description="small test spaces: address - offset")

    @model_validator(mode="after")
    def _check(self) -> "SlammerConfig":
        if any(not 0 <= e < (1 << 32) for e in self.ebx):
            raise ValueError("scanning.ebx: every value must be a 32-bit word")
        if self.ebx_shares and (len(self.ebx_shares) != len(self.ebx) or min(self.ebx_shares) < 0
                                or sum(self.ebx_shares) <= 0):
            raise ValueError("scanning.ebx_shares: one non-negative share per ebx value, not all zero")
        if self.state_offset is None and self.state_bits != 32:
            raise ValueError("scanning.state_bits below 32 needs scanning.state_offset (a small test space)")
        if self.state_offset is not None and self.state_offset + (1 << self.state_bits) > (1 << 32):
            raise ValueError("scanning.state_offset: the 2^state_bits test space runs past the last address")
        return self

    def params(self) -> SlammerParams:
        m = (1 << self.state_bits) - 1
        shares = self.ebx_shares or [1.0] * len(self.ebx)
        return SlammerParams(tuple((e ^ self.increment_xor) & m for e in self.ebx), tuple(shares), self.state_bits,
                             None, self.state_offset)


class SlammerRule(ProbeRule):
    """The reference's copies: each host's DLL version drawn by share, each copy's seed uniform over 2^k at
    infection, and its n-th probe the n-th state of x -> a x + b from the seed (no cycle analysis)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.params = self.config.params()
        shares = np.asarray(self.params.shares, dtype=float)
        self.host_b = self.rng.choice(shares.size, size=self.addresses.size, p=shares / shares.sum())
        k = self.params.k
        self.lcgs = [AffineLCG(MS_MULTIPLIER, b % (1 << k), k) for b in self.params.increments]
        self.seed = np.zeros(self.addresses.size, dtype=np.uint64)
        self.progress = np.zeros(self.addresses.size, dtype=np.int64)

    def targets_for(self, src: np.ndarray) -> np.ndarray:
        rank = rank_within(src)
        steps = self.progress[src] + rank + 1  # the worm updates its state, then sends to it [HELKERN]
        out = np.empty(src.size, dtype=np.int64)
        for j, g in enumerate(self.lcgs):
            m = self.host_b[src] == j
            if m.any():
                out[m] = g.jump(self.seed[src[m]], steps[m]).astype(np.int64)
        return self.params.addresses(out)

    def sent(self, src: np.ndarray) -> None:
        np.add.at(self.progress, src, 1)

    def infected(self, host: int) -> None:
        self.seed[host] = np.uint64(self.rng.integers(0, 1 << self.params.k))
        self.progress[host] = 0


@SCANNERS.register("slammer")
class SlammerScanner(NextHostCopies):
    """Per-copy walks along LCG cycles; see the module docstring."""

    Config = SlammerConfig
    Rule = SlammerRule
    streams_used = ("probes", "slammer-dll", "slammer-seed")

    def __init__(self, *args):
        super().__init__(*args)
        world, streams = self.world, self.streams
        self.params = params = self.config.params()
        shares = np.asarray(params.shares, dtype=float)
        self.host_b = streams["slammer-dll"].choice(len(params.increments), size=world.n, p=shares / shares.sum())
        states = params.states(world.addresses[self.targetable])
        self.gens = [SlammerGenerator(b, params.k) for b in params.increments]
        self.index = [CycleIndex(g, states, self.targetable) for g in self.gens]
        self._comp, self._succ, self._gap = [], [], []
        for ix in self.index:
            runs = ix.cycle_end - ix.cycle_start
            rank = np.repeat(np.arange(ix.cycles.size, dtype=np.int64), runs)
            self._comp.append((rank << _RANK_SHIFT) | ix.pos_sorted)
            # the next host along the same cycle (the first after the last), and the positions to it
            succ = np.arange(1, ix.ids_sorted.size + 1, dtype=np.int64)
            succ[ix.cycle_end - 1] = ix.cycle_start
            e = np.floor(np.log2(ix.cycles.astype(float))).astype(np.int64)  # cycle id = 2^e + residue
            length = np.repeat(np.left_shift(np.int64(1), params.k - e), runs)
            gap = (ix.pos_sorted[succ] - ix.pos_sorted) % length
            gap[gap == 0] = length[gap == 0]  # the only host of its cycle: a whole lap
            self._succ.append(succ)
            self._gap.append(gap)
        n = world.n
        self.cid = np.zeros(n, dtype=np.int64)
        self.length = np.ones(n, dtype=np.int64)
        self.p0 = np.zeros(n, dtype=np.int64)
        self.progress = np.zeros(n, dtype=np.int64)  # short-cycle copies: positions advanced since the seed
        self.nxt = np.zeros(n, dtype=np.int64)  # long-cycle copies: index (in its generator's order) of the next host
        self.t_next = np.full(n, np.inf)  # ... and when the copy reaches it (inf: none, or not scanning)
        self.t_left = np.full(n, np.inf)  # ... and, while it is not scanning, how long it still needs
        self.short = np.zeros(n, dtype=bool)
        self.t = 0.0  # the scanner's clock: the start of the next step

    def on_infected(self, ids: np.ndarray) -> None:
        """A new infection seeds its generator from GetTickCount() (uniform over 2^k: ASSUMPTION)."""
        if not ids.size:
            return
        seeds = self.streams["slammer-seed"].integers(0, 1 << self.params.k, ids.size, dtype=np.int64)
        for j, g in enumerate(self.gens):
            m = self.host_b[ids] == j
            if m.any():
                cid, length, pos = g.copy_start(seeds[m])
                sel = ids[m]
                self.cid[sel], self.length[sel], self.p0[sel] = cid, length, pos
                long = length > SHORT_CYCLE
                self._first_event(j, sel[long], pos[long])
        self.progress[ids] = 0
        self.short[ids] = self.length[ids] <= SHORT_CYCLE

    def _first_event(self, j: int, ids: np.ndarray, p0: np.ndarray) -> None:
        """Long-cycle copies seeded at positions ``p0``: their first host on the cycle, and the scanning time
        they need to reach it (inf: no host on the cycle)."""
        self.t_left[ids] = np.inf
        ix, comp = self.index[j], self._comp[j]
        lo, hi = ix.slices(self.cid[ids])
        live = (hi > lo) & (self.rates[ids] > 0)  # a copy on a cycle without hosts never reaches one
        ids, p0, lo, hi = ids[live], p0[live], lo[live], hi[live]
        if not ids.size:
            return
        rank = np.searchsorted(ix.cycles, self.cid[ids]).astype(np.int64) << _RANK_SHIFT
        k = np.searchsorted(comp, rank | p0, side="right")  # the first host after the seed's position...
        wrap = k >= hi
        k[wrap] = lo[wrap]  # ... or, past the cycle's last one, its first
        gap = ix.pos_sorted[k] - p0 + np.where(wrap, self.length[ids], 0)
        self.nxt[ids] = k
        self.t_left[ids] = self._gamma(gap, self.rates[ids])

    def _gamma(self, gap: np.ndarray, rate: np.ndarray) -> np.ndarray:
        """Time to send ``gap`` more probes at ``rate`` per second (a Poisson process)."""
        return self.streams["probes"].gamma(gap.astype(float), 1.0 / rate)

    def _events(self, j: int, ids: np.ndarray, t_end: float) -> tuple[np.ndarray, np.ndarray]:
        """Hosts reached before ``t_end`` by long-cycle copies ``ids`` of generator j, and their owners."""
        hosts, succ, gaps = self.index[j].ids_sorted, self._succ[j], self._gap[j]
        found, owners = [], []
        while ids.size:
            k = self.nxt[ids]
            found.append(hosts[k])
            owners.append(ids)
            self.nxt[ids] = succ[k]
            t = self.t_next[ids] + self._gamma(gaps[k], self.rates[ids])
            self.t_next[ids] = t
            ids = ids[t < t_end]
        if not found:
            return EMPTY, EMPTY
        return np.concatenate(found), np.concatenate(owners)

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

    @classmethod
    def example_config(cls) -> dict:
        """The 2^18 test space of 16.0.0.0/14 as an 18-bit generator, two DLL versions with 4 | b (valuations
        2 and 3): cycles of 2^16 down to 1, so some copies dead-end and some hosts stay out of reach."""
        return {"kind": cls.kind, "ebx": [0x213C, 0x19E8], "ebx_shares": [0.6, 0.4], "increment_xor": 0,
                "state_bits": 18, "state_offset": 16 << 24}

    def step(self, dt: float, worm: int) -> ProbeBatch:
        t_end = self.t + dt
        self.t = t_end
        if self.copies.size == 0:
            return ProbeBatch(worm, 0, 0, EMPTY)
        short = np.flatnonzero(self.short & self._is_copy)
        adv = self.streams["probes"].poisson(self.rates[short] * dt).astype(np.int64)
        long_rate = max(0.0, self.total_rate - float(self.rates[short].sum()))
        probes = int(adv.sum()) + int(self.streams["probes"].poisson(long_rate * dt))
        due = np.flatnonzero(self.t_next < t_end)  # inf for hosts that are not copies
        found, owners = [], []
        for j in range(len(self.gens)):
            m = self.host_b[short] == j
            if m.any():
                f, o = self._reached(j, short[m], adv[m])
                found.append(f)
                owners.append(o)
            d = due[self.host_b[due] == j]
            if d.size:
                f, o = self._events(j, d, t_end)
                found.append(f)
                owners.append(o)
        self.progress[short] += adv
        targets = np.concatenate(found) if found else EMPTY
        reached = int(targets.size)
        if self.filtered and targets.size:
            targets = self._delivered_by_owner(targets, np.concatenate(owners))
        return ProbeBatch(worm, probes, reached, targets)
