"""Blaster (W32/Blaster, MSBlast), 11 August 2003: facts, its start-address rule, its walk and its flood calendar.

Sources: Robert Graham's annotated decompilation of msblast.exe (2003) [P], read for the rules below, and
Bailey, Cooke, Jahanian, Watson & Nazario, "The Blaster worm: then and now", IEEE Security & Privacy 3(4),
2005 [P]. What each rule does, and where the sources disagree, is in docs/worms/blaster.md. Nothing here
scans or sends anything: these are the address-order rules a simulated copy follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Callable, Optional

import numpy as np

PORT = 135                      # DCOM RPC, TCP (the decompiled source's MSRCP_PORT_135)
BATCH = 20                      # connection attempts per round (an array of 20 sockets)
SLEEP_S = 1.8                   # Sleep(1800) after each round of 20 connects
ATTEMPTS_PER_S = BATCH / SLEEP_S  # about 11 per second, an upper bound (exploit time not counted) [D]
LOCAL_PROBABILITY = 0.4         # "(rand() % 20) < 12" sets scan_local = FALSE: 12/20 random, 8/20 local
LOCAL_BACK = 20                 # own C octet minus rand() % 20 when C > 20
XP_PROBABILITY = 0.8            # "(rand() % 10) > 7" picks the Windows 2000 offset: 2/10; XP otherwise
FLOOD_TARGET = "windowsupdate.com"
FLOOD_PORT = 80
FLOOD_PACKETS_PER_S = 50.0      # Sleep(20) between SYN packets: at most 50 per second per host
INFECTED_AT_LEAST = 100_000     # Bailey et al. 2005 (estimates range far higher; see docs/worms/blaster.md)

RADIX = 255                     # the counter's octets B and C run 0..254 (255 is skipped), D runs 0..255
CYCLE_LENGTH = RADIX ** 3 * 256 - (RADIX - 1)  # A in 0..254, minus the skipped A.0.0.0 for A = 1..254


def octets(addresses: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    a = np.asarray(addresses, dtype=np.int64)
    return a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255


def increment(a: int, b: int, c: int, d: int) -> tuple[int, int, int, int]:
    """The counter's next address, octet by octet as the decompiled blaster_increment_ip_address() steps it:
    D runs to 255, C and B to 254 (an octet reaching 255 rolls over), and after A rolls over the loop steps D
    once more, so A.0.0.0 is skipped; after 254.254.254.255 comes 0.0.0.0."""
    while True:
        if d <= 254:
            return a, b, c, d + 1
        d, c = 0, c + 1
        if c <= 254:
            return a, b, c, d
        c, b = 0, b + 1
        if b <= 254:
            return a, b, c, d
        b, a = 0, a + 1
        if a <= 254:
            continue
        return 0, b, c, d


def _raw(a, b, c, d):
    return ((a * RADIX + b) * RADIX + c) * 256 + d


class BlasterWalk:
    """Blaster's address counter as a walk: the cycle of every address the counter visits from 0.0.0.0
    (octets A, B, C at most 254; A.0.0.0 skipped for A >= 1), and a lead-in for a counter that starts in a
    block the cycle skips (own B or C octet 255, a local start). No address is excluded: Blaster has no
    exclusion list (it probes multicast and reserved space too)."""

    length = CYCLE_LENGTH

    def positions(self, addresses: np.ndarray) -> np.ndarray:
        a, b, c, d = octets(addresses)
        off = (a == 255) | (b == 255) | (c == 255) | ((a >= 1) & (b == 0) & (c == 0) & (d == 0))
        return np.where(off, -1, _raw(a, b, c, d) - a)

    def address_at(self, pos: np.ndarray) -> np.ndarray:
        """The address at each cycle position: position = raw - A (A.0.0.0 skipped for A >= 1), so A is the
        digit with raw = position + A; the mixed-radix digits of raw are the octets."""
        p = np.asarray(pos, dtype=np.int64) % CYCLE_LENGTH
        per_a = RADIX * RADIX * 256
        a = (p + p // per_a) // per_a
        raw = p + a
        d, rest = raw % 256, raw // 256
        c, rest = rest % RADIX, rest // RADIX
        b, a = rest % RADIX, rest // RADIX
        return (a << 24) | (b << 16) | (c << 8) | d

    def entry(self, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s = np.asarray(starts, dtype=np.int64)
        a, b, c, d = octets(s)
        if np.any(a == 255):
            raise ValueError("a Blaster counter never starts in 255/8")
        lattice = (b <= 254) & (c <= 254)
        first_lattice = (_raw(a, b, c, d) - a + 1) % CYCLE_LENGTH
        # off the lattice: the rest of the /24 (C = 255) or of the /16 up to .254.255 (B = 255, C <= 254)
        block_end = np.where((b == 255) & (c <= 254), (s | 0xFFFF) - 255, (s | 0xFF) + 1)
        rejoin = (_raw(a, np.minimum(b, 254), 254, 255) - a + 1) % CYCLE_LENGTH
        lead_len = np.where(lattice, 0, block_end - s - 1)
        lead_lo = np.where(lattice, 0, s + 1)
        return lead_lo, lead_len, np.where(lattice, first_lattice, rejoin)

    @staticmethod
    def visits(start: int, addresses: np.ndarray) -> np.ndarray:
        """Per-probe rule, stated address by address rather than by positions: whether a counter that began at
        ``start`` probes each address (addresses above ``start``, before the counter wraps at 255/8): an address
        on the cycle, or one in the block the start lies in when that block is off the cycle (the rest of its
        /24 when C = 255; the rest of its /16 below .255.0 when B = 255)."""
        x = np.asarray(addresses, dtype=np.int64)
        _, sb, sc, _ = (int(v[0]) for v in octets(np.array([start])))
        a, b, c, d = octets(x)
        on_cycle = (a <= 254) & (b <= 254) & (c <= 254) & ~((a >= 1) & (b == 0) & (c == 0) & (d == 0))
        same24, same16 = (x >> 8) == (start >> 8), (x >> 16) == (start >> 16)
        lead = (same24 & (sc == 255)) | (same16 & (sb == 255) & (c <= 254))
        return (x > start) & (on_cycle | lead)

    def next_targets(self, start: int, current: int, n: int) -> np.ndarray:
        """The next ``n`` probes after ``current`` by :meth:`visits` (``current`` at or after ``start``; no wrap)."""
        out, lo = [], int(current) + 1
        while sum(len(x) for x in out) < n:
            x = np.arange(lo, min(lo + max(4 * n, 1 << 16), 255 << 24), dtype=np.int64)
            if x.size == 0:
                raise ValueError("this helper does not follow the counter past 254.255.255.255")
            out.append(x[self.visits(start, x)])
            lo = int(x[-1]) + 1
        return np.concatenate(out)[:n]


@dataclass(frozen=True)
class BlasterStart:
    """The counter's start: with probability 0.4 the host's own A.B, its C minus rand()%20 when C > 20, D = 0;
    otherwise A = rand()%254 + 1, B = rand()%254, C = rand()%254, D = 0 (uniform draws: rand()'s small bias
    is ignored). The first probe goes to the address after the start. ``random``: another rule for the random
    start (a walk over a smaller space draws it over that walk), None for Blaster's own."""

    local_probability: float = LOCAL_PROBABILITY
    back: int = LOCAL_BACK
    random: Optional[Callable[[np.ndarray, np.random.Generator], np.ndarray]] = None

    def __call__(self, sources: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        a, b, c, _ = octets(sources)
        n = a.size
        local = rng.random(n) < self.local_probability
        back = rng.integers(0, self.back, n)
        lc = np.where(c > self.back, c - back, c)
        if self.random is None:
            ra, rb, rc = rng.integers(1, 255, n), rng.integers(0, 254, n), rng.integers(0, 254, n)
            far = (ra << 24) | (rb << 16) | (rc << 8)
        else:
            far = np.asarray(self.random(sources, rng), dtype=np.int64)
        return np.where(local, (a << 24) | (b << 16) | (lc << 8), far)


class FloodCondition(Enum):
    """Which days a copy starts its SYN flood on, by the host's local date when the worm process starts.

    CODE: what the decompiled code tests, ``day > 15 && month > 8``: the 16th to the end of September to
    December (no flood in August 2003). COMMENT: what the decompiler's comment lists (and what the press
    reported), the 16th to the end of August to December."""

    CODE = "code"
    COMMENT = "comment"


def flood_on(local: date, condition: FloodCondition = FloodCondition.CODE) -> bool:
    """Whether a Blaster process started on local date ``local`` runs the flood thread (until it ends)."""
    first_month = 9 if condition is FloodCondition.CODE else 8
    return local.day > 15 and local.month >= first_month
