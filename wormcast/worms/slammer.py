"""Slammer / Sapphire (25 Jan 2003): the generator facts and the cycle bookkeeping a scanner needs.

Sources (docs/worms/slammer.md has the full list and the derivations):
[MPSSSW03] Moore, Paxson, Savage, Shannon, Staniford, Weaver, "Inside the Slammer Worm", IEEE Security &
           Privacy 1(4), 2003, and the earlier web report "The Spread of the Sapphire/Slammer Worm" (CAIDA, 2003).
[HELKERN]  The worm's disassembly as ported by W. Diamond ("W32.SQL-Slammer Pseudo-Random Number
           Generation", pbcrypto, after the disassembly at techie.hopto.org/sqlworm.html): the update is
           ``lea ecx,[eax+eax*2]; lea edx,[eax+ecx*4]; shl edx,4; add edx,eax; shl edx,8; sub edx,eax;
           lea eax,[eax+edx*4]; add eax,ebx`` (= 214013*eax + ebx), the result is stored back to the seed
           location [ebp-4Ch], which is the sin_addr of the sendto() target; the seed is GetTickCount().

Byte order: the state is a 32-bit little-endian DWORD stored in sin_addr (network byte order), so the first
octet of the dotted target is the state's LOW byte [HELKERN: the port prints octet(1) of the DWORD union
first]. Hence ``state = byteswap32(address)``: the generator's low bits, which carry the cycle structure,
select the first octet. A cycle {x = r (mod 2^e)} is therefore a set of /8s (e <= 8) or a fixed first
octet plus constraints on the second (8 < e <= 16), and so on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.backbone import BackboneCap  # noqa: F401  (the cap is an engine feature; kept importable here)
from .lcg import MS_MULTIPLIER, AffineLCG

PORT = 1434                      # UDP, the SQL Server Resolution Service [MPSSSW03]
PAYLOAD_BYTES = 376              # the whole worm in one UDP payload [MPSSSW03]
FRAME_BYTES = 404                # on the wire with UDP, IP and Ethernet headers [MPSSSW03 web report] (worms.md)
INCREMENT_XOR = 0xFFD9613C       # b = EBX xor 0xFFD9613C [HELKERN, MPSSSW03]
# 0xFFD9613C xor 0xFFFFFFFF = 0x00269EC3 = 2531011, the Microsoft C runtime increment [D]: with EBX all
# ones the generator would have been the full-period MS LCG; with EBX an import-table pointer it is not.
INTENDED_INCREMENT = INCREMENT_XOR ^ 0xFFFFFFFF


def byteswap32(v: np.ndarray) -> np.ndarray:
    """Reverse the four bytes of each 32-bit value (int64 or uint64 in, int64 out)."""
    v = np.asarray(v, dtype=np.int64)
    return (((v & 0xFF) << 24) | (((v >> 8) & 0xFF) << 16) | (((v >> 16) & 0xFF) << 8) | ((v >> 24) & 0xFF))


def address_to_state(addr: np.ndarray) -> np.ndarray:
    """The generator state whose value, stored little-endian in sin_addr, is this dotted address."""
    return byteswap32(addr)


state_to_address = address_to_state  # the byte swap is its own inverse


def increment(ebx: int) -> int:
    """The generator's b for a given EBX (the sqlsort.dll import-table word) [HELKERN]."""
    return (int(ebx) ^ INCREMENT_XOR) & 0xFFFFFFFF


def packets_per_second(link_bps: float) -> float:
    """A host that fills its link with 404-byte frames: 100 Mb/s gives about 31,000 per second [D]."""
    return link_bps / (FRAME_BYTES * 8)


@dataclass(frozen=True)
class LinkClass:
    """One access-link speed and the share of infected hosts behind it (see the preset for each value's tag)."""

    name: str
    bits_per_second: float
    share: float

    @property
    def rate(self) -> float:
        return packets_per_second(self.bits_per_second)


def draw_link_rates(classes: list[LinkClass], n: int, rng: np.random.Generator) -> np.ndarray:
    """Per-host scan rates (packets/s): each host's link class drawn independently by share."""
    shares = np.array([c.share for c in classes], dtype=float)
    which = rng.choice(len(classes), size=n, p=shares / shares.sum())
    return np.array([c.rate for c in classes])[which]


@dataclass(frozen=True)
class SlammerGenerator:
    """Slammer's generator for one increment b, on k-bit states (k = 32 for the real worm, smaller in tests).

    ``address_state`` maps host addresses to generator states: the byte swap for k = 32, an offset into a
    small test space otherwise."""

    b: int
    k: int = 32
    a: int = MS_MULTIPLIER

    @property
    def lcg(self) -> AffineLCG:
        return AffineLCG(self.a, self.b % (1 << self.k), self.k)

    def targets(self, state: int, n: int) -> np.ndarray:
        """The next n targets (as states) of a copy whose generator holds ``state``: the per-probe rule.
        The worm updates the state and then sends to it, so the first target is f(state) [HELKERN]."""
        out = np.empty(n, dtype=np.int64)
        x, a, b, m = int(state), self.a, self.b % (1 << self.k), (1 << self.k) - 1
        for i in range(n):
            x = (a * x + b) & m
            out[i] = x
        return out

    def copy_start(self, seeds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cycle id, cycle length, position of the seed) for each copy's seed state."""
        g = self.lcg
        seeds = np.asarray(seeds, dtype=np.uint64)
        return g.cycle_id(seeds), g.cycle_length(seeds), g.position(seeds)


@dataclass
class CycleIndex:
    """Hosts grouped by the cycle their state lies on and sorted by position along it, for one generator.

    A copy on cycle c can only ever reach the hosts of c; its n-th probe lands on position (p0 + n) mod L,
    so the hosts it reaches with probes n in (P, P + m] are a contiguous run (or two, across the wrap) of
    this sorted order, and a host is probed again only after a full cycle of L probes."""

    generator: SlammerGenerator
    host_states: np.ndarray
    host_ids: np.ndarray = field(default=None)

    def __post_init__(self):
        g = self.generator.lcg
        states = np.asarray(self.host_states, dtype=np.uint64)
        if self.host_ids is None:
            self.host_ids = np.arange(states.size, dtype=np.int64)
        cid = g.cycle_id(states)
        pos = g.position(states)
        order = np.lexsort((pos, cid))
        self.cid_sorted = cid[order]
        self.pos_sorted = pos[order].astype(np.int64)
        self.ids_sorted = np.asarray(self.host_ids, dtype=np.int64)[order]
        self.cycles, self.cycle_start = np.unique(self.cid_sorted, return_index=True)
        self.cycle_end = np.r_[self.cycle_start[1:], self.cid_sorted.size]

    def hosts_on(self, cid: int) -> np.ndarray:
        """Host ids on cycle ``cid``, in order of position."""
        i = np.searchsorted(self.cycles, cid)
        if i == self.cycles.size or self.cycles[i] != cid:
            return np.empty(0, dtype=np.int64)
        return self.ids_sorted[self.cycle_start[i]:self.cycle_end[i]]

    def slices(self, cids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """[lo, hi) of each cycle's hosts in the sorted arrays (empty where no host lies on it)."""
        cids = np.asarray(cids, dtype=np.int64)
        i = np.minimum(np.searchsorted(self.cycles, cids), max(self.cycles.size - 1, 0))
        found = (self.cycles.size > 0) & (self.cycles[i] == cids) if self.cycles.size else np.zeros(cids.size, bool)
        lo = np.where(found, self.cycle_start[i] if self.cycles.size else 0, 0)
        hi = np.where(found, self.cycle_end[i] if self.cycles.size else 0, 0)
        return lo.astype(np.int64), hi.astype(np.int64)
