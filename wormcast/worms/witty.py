"""Witty (19 Mar 2004): its target generator, the addresses it can reach, packet facts, and its death rule.

Sources (docs/worms/witty.md):
[KPW05] Kumar, Paxson & Weaver, "Exploiting Underlying Structure for Detailed Reconstruction of an
        Internet-scale Event", IMC 2005: the generator X' = 214013 X + 2531011 (mod 2^32) (their Eqn 1); each
        rand() call yields the top 16 bits of the new state; the worm's loop (their pseudocode, section 3):
        srand(GetTickCount()); 20,000 times { dst IP = rand()[0..15] || rand()[0..15]; dst port = rand()[0..15];
        size = 768 + rand()[0..8]; send from port 4000 }; then open physical disk rand()[13..15] and, if it
        opened, write 65,536 bytes at a block from rand()[0..14] and go back to srand; else go back to the
        sending loop without re-seeding. "About 10% of vulnerable hosts were never infected" because Witty
        cannot generate about 10% of the addresses (section "Why Witty fails to scan the entire address space").
[SM04]  Shannon & Moore, "The Spread of the Witty Worm", IEEE S&P 2(4), 2004: about 12,000 hosts; packets of
        796 to 1307 bytes from source port 4000; a hit-list start (about 110 hosts at a US military base in
        the first seconds, per worms.md); each write overwrites 64 KB of a random disk until the machine dies.

Reachable set, derived (docs/worms/witty.md, "Reachability"): an address is (hi(X) << h) | hi(f(X)) for a
state X, hi = the top h bits (h = 16). Write X = H 2^(s-h) + l (s = 32 state bits). Then
f(X) = 2^(s-h) (a H + c_hi) + (c_lo + a l)  (mod 2^s), c_hi = c >> (s-h), c_lo = c mod 2^(s-h), so
hi(f(X)) = (a H + c_hi + ((c_lo + a l) >> (s-h))) mod 2^h. The low half is a fixed set S, depending only on l,
rotated by rho(H) = (a H + c_hi) mod 2^h: every /16 (every H) reaches the same number of addresses, and one
table of 2^h counts describes the whole reachable set. Split by the phase r = X mod 4 = l mod 4 of the state
that gives the high half: with four calls per packet the phase is fixed within a round (a = 1, so
X_{n+4} = X_n + 4c = X_n mod 4), and moves by (4 P + 1) c = 3 (mod 4) from one round to the next when the
disk did not open (P = 20,000 packets, plus one call for the disk number).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .lcg import MS_MULTIPLIER

MS_INCREMENT = 2531011          # [KPW05, Eqn 1]
SOURCE_PORT = 4000              # [SM04]
PACKETS_PER_ROUND = 20_000      # [KPW05 pseudocode; SM04]
CALLS_PER_PACKET = 4            # IP high half, IP low half, port, size [KPW05 pseudocode]
PAYLOAD_MIN, PAYLOAD_SPAN = 768, 512   # size = 768 + rand()[0..8] [KPW05]; 796..1307 bytes with headers [SM04]
DISK_CHOICES = 8                # disk number = rand()[13..15], three bits [KPW05]
WRITE_BYTES = 65_536            # [KPW05; SM04: 64 KB]
PHASES = 4


@dataclass(frozen=True)
class WittyGenerator:
    """The generator on ``state_bits``-bit states, addresses of 2 * ``half_bits`` bits (32 / 16 for the real
    worm; a smaller analogue with the same construction for tests)."""

    state_bits: int = 32
    half_bits: int = 16
    a: int = MS_MULTIPLIER
    c: int = MS_INCREMENT
    calls_per_packet: int = CALLS_PER_PACKET

    def __post_init__(self):
        if self.state_bits - self.half_bits < 2 or self.a % 4 != 1:
            raise ValueError("the phase analysis needs state_bits - half_bits >= 2 and a = 1 (mod 4)")

    @property
    def shift(self) -> int:
        return self.state_bits - self.half_bits

    def next_state(self, x: np.ndarray) -> np.ndarray:
        m = np.uint64((1 << self.state_bits) - 1)
        return (np.uint64(self.a) * np.asarray(x, dtype=np.uint64) + np.uint64(self.c % (1 << self.state_bits))) & m

    def address(self, x: np.ndarray) -> np.ndarray:
        """The address built from state x (high half) and the next state (low half) [KPW05]."""
        x = np.asarray(x, dtype=np.uint64)
        sh = np.uint64(self.shift)
        return (((x >> sh) << np.uint64(self.half_bits)) | (self.next_state(x) >> sh)).astype(np.int64)

    @staticmethod
    def phase(x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=np.int64) & 3).astype(np.int64)

    def round_phase_shift(self, packets_per_round: int) -> int:
        """Phase change across a round without re-seeding: (calls per round) * c mod 4."""
        return ((self.calls_per_packet * packets_per_round + 1) * self.c) % 4

    @cached_property
    def low_counts(self) -> np.ndarray:
        """M[r, u]: states with low part l = r (mod 4) whose next state's high half is rho + u: shape (4, 2^h).

        Computed on first use from the 2^(s-h) low parts (65,536 for the real worm) and cached."""
        lo = np.arange(1 << self.shift, dtype=np.uint64)
        c_lo = np.uint64(self.c % (1 << self.shift))
        u = (((c_lo + np.uint64(self.a) * lo) >> np.uint64(self.shift)) & np.uint64((1 << self.half_bits) - 1))
        out = np.zeros((PHASES, 1 << self.half_bits), dtype=np.int64)
        for r in range(PHASES):
            out[r] = np.bincount(u[r::PHASES].astype(np.int64), minlength=1 << self.half_bits)
        return out

    def rotation(self, high: np.ndarray) -> np.ndarray:
        h = np.asarray(high, dtype=np.int64)
        c_hi = (self.c % (1 << self.state_bits)) >> self.shift
        return (self.a * h + c_hi) & ((1 << self.half_bits) - 1)

    def multiplicity(self, addresses: np.ndarray) -> np.ndarray:
        """(n, 4): how many states of each phase generate each address (0: unreachable in that phase)."""
        addr = np.asarray(addresses, dtype=np.int64)
        hb = self.half_bits
        high, low = addr >> hb, addr & ((1 << hb) - 1)
        u = (low - self.rotation(high)) & ((1 << hb) - 1)
        return self.low_counts[:, u].T

    def reachable(self, addresses: np.ndarray) -> np.ndarray:
        return self.multiplicity(addresses).sum(axis=1) > 0

    @property
    def states_per_phase(self) -> int:
        return 1 << (self.state_bits - 2)

    @property
    def unreachable_share(self) -> float:
        """Share of all addresses no state generates (about 10% for the real worm [KPW05])."""
        return float(np.mean(self.low_counts.sum(axis=0) == 0))

    def phase_reach_share(self, r: int) -> float:
        """Share of all addresses reachable by states of phase r."""
        return float(np.mean(self.low_counts[r] > 0))


@dataclass(frozen=True)
class DiskDeath:
    """After each round the worm picks one of 8 disk numbers; if that disk exists it writes 64 KB to it and
    re-seeds [KPW05]. A write crashes the machine with probability ``crash_per_write``: no published figure,
    so an ASSUMPTION to be CALIBRATED against the decline of active infectees [SM04]. Disks per host: shares
    of 1, 2, ... physical disks (ASSUMPTION), numbered from 0 so a host with n disks writes with p = n/8."""

    crash_per_write: float
    disk_shares: tuple[float, ...] = (1.0,)
    choices: int = DISK_CHOICES

    def write_probability(self, n_disks: np.ndarray) -> np.ndarray:
        return np.minimum(np.asarray(n_disks, dtype=float), self.choices) / self.choices

    def draw_disks(self, n: int, rng: np.random.Generator) -> np.ndarray:
        p = np.asarray(self.disk_shares, dtype=float)
        return 1 + rng.choice(p.size, size=n, p=p / p.sum())

    def death_round_pmf(self, n_disks: int, rounds: np.ndarray) -> np.ndarray:
        """P(the machine dies at the end of round k), k = 1, 2, ...: geometric in p = (n/8) q."""
        p = float(self.write_probability(np.array([n_disks]))[0]) * self.crash_per_write
        k = np.asarray(rounds, dtype=float)
        return p * (1 - p) ** (k - 1)

    def death_time_mean(self, n_disks: int, rate: float, packets_per_round: int = PACKETS_PER_ROUND) -> float:
        """Mean seconds from infection to death for a host sending ``rate`` packets per second."""
        p = float(self.write_probability(np.array([n_disks]))[0]) * self.crash_per_write
        return np.inf if p == 0 else packets_per_round / rate / p
