"""Cycle structure of an affine map x -> a*x + b (mod 2^k) with a = 1 (mod 4), derived 2-adically.

Why: Slammer's generator has an increment that depends on a DLL's import table (Moore et al., "Inside the
Slammer Worm", IEEE S&P 1(4) 2003; docs/worms/slammer.md), so it is not full-period; a copy scans only the
addresses of the cycle its seed falls into. This module says, for any b, which cycle a state is on, how long
that cycle is, and where on it a state sits, without iterating.

Derivation (docs/worms/slammer.md, section "Cycles"). Let S_n = 1 + a + ... + a^(n-1); then
f^n(x) - x = S_n * y(x) with y(x) = (a-1) x + b. For a = 1 (mod 4), v2(S_n) = v2(n) (lifting the exponent),
so the period of x is 2^(k - e(x)) with e(x) = min(k, v2(y(x))). Every y with y = y(x) (mod 2^(e+2)) has the
same valuation, hence:

* the cycle of x is the residue class {z : z = x (mod 2^e)}, of length 2^(k-e);
* the cycle is identified by (e, x mod 2^e), encoded here as the integer 2^e + (x mod 2^e);
* the position of x on its cycle, counted from the class's smallest member beta = x mod 2^e, is the n with
  a^n = 1 + (a-1) (x - beta) / y(beta)  (mod 2^(k+2)), a discrete logarithm in the cyclic group {1 mod 4}
  of order 2^(k-e) there, found bit by bit (Pohlig-Hellman for a 2-group).

For b odd (Hull-Dobell) e = 0: one cycle. For b = 2 (mod 4): e = 1, two cycles (even and odd states). For
4 | b: e = 2 + v2(x - c) with c = -b/(a-1) the 2-adic fixed point: two cycles of each length 2^(k-2-t),
t = 0..k-3, and four fixed points.

All functions take NumPy arrays (uint64 arithmetic wraps mod 2^64, which is exact mod 2^(k+2) for k <= 32).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MS_MULTIPLIER = 214013  # the Microsoft C runtime's LCG multiplier (Kumar, Paxson & Weaver, IMC 2005, Eqn 1)


def _v2(y: np.ndarray, cap: int) -> np.ndarray:
    """2-adic valuation of each y (uint64), capped at ``cap`` (v2(0) = cap)."""
    y = np.asarray(y, dtype=np.uint64)
    low = y & (~y + np.uint64(1))  # lowest set bit
    out = np.full(y.shape, cap, dtype=np.int64)
    nz = low != 0
    # low is a power of two: its exponent via float log2 is exact for powers of two below 2^64
    out[nz] = np.minimum(np.log2(low[nz].astype(np.float64)).astype(np.int64), cap)
    return out


@dataclass(frozen=True)
class AffineLCG:
    """x -> (a x + b) mod 2^k. ``a`` must be 1 mod 4 (true of 214013); ``k`` at most 32."""

    a: int
    b: int
    k: int = 32

    def __post_init__(self):
        if self.a % 4 != 1:
            raise ValueError("the cycle analysis needs a = 1 (mod 4)")
        if not 1 <= self.k <= 32:
            raise ValueError("k must be in 1..32")

    @property
    def mask(self) -> int:
        return (1 << self.k) - 1

    def step(self, x: np.ndarray, n: int = 1) -> np.ndarray:
        """n applications of the map (by iteration: for tests and the per-probe reference)."""
        x = np.asarray(x, dtype=np.uint64)
        a, b, m = np.uint64(self.a), np.uint64(self.b % (1 << self.k)), np.uint64(self.mask)
        for _ in range(n):
            x = (a * x + b) & m
        return x

    def jump(self, x: np.ndarray, n: np.ndarray) -> np.ndarray:
        """f^n(x) for per-element n >= 0, by repeated squaring of the affine map (O(log n))."""
        x = np.asarray(x, dtype=np.uint64).copy()
        n = np.asarray(n, dtype=np.int64)
        n = np.broadcast_to(n, x.shape).copy()
        m = np.uint64(self.mask)
        A, B = np.uint64(self.a), np.uint64(self.b % (1 << self.k))
        while np.any(n > 0):
            odd = (n & 1) == 1
            x[odd] = (A * x[odd] + B) & m
            B = (A * B + B) & m
            A = (A * A) & m
            n >>= 1
        return x

    def valuation(self, x: np.ndarray) -> np.ndarray:
        """e(x) = min(k, v2((a-1) x + b)): the cycle of x has length 2^(k - e)."""
        m2 = np.uint64((1 << (self.k + 2)) - 1)
        y = (np.uint64(self.a - 1) * np.asarray(x, dtype=np.uint64) + np.uint64(self.b % (1 << (self.k + 2)))) & m2
        return _v2(y, self.k)

    def cycle_length(self, x: np.ndarray) -> np.ndarray:
        return np.left_shift(np.int64(1), self.k - self.valuation(x))

    def cycle_id(self, x: np.ndarray) -> np.ndarray:
        """2^e + (x mod 2^e): equal for two states exactly when they lie on one cycle."""
        x = np.asarray(x, dtype=np.uint64)
        e = self.valuation(x).astype(np.uint64)
        one = np.uint64(1)
        return ((one << e) + (x & ((one << e) - one))).astype(np.int64)

    def cycle_members(self, cid: int) -> tuple[int, int]:
        """(modulus 2^e, residue): the cycle is {x in [0, 2^k) : x = residue (mod 2^e)}."""
        e = int(cid).bit_length() - 1
        return 1 << e, int(cid) - (1 << e)

    def position(self, x: np.ndarray) -> np.ndarray:
        """n with f^n(beta) = x, beta = x mod 2^e the cycle's smallest member; 0 <= n < cycle length."""
        x = np.asarray(x, dtype=np.uint64)
        k = self.k
        e = self.valuation(x)
        one = np.uint64(1)
        beta = x & ((one << e.astype(np.uint64)) - one)
        M = k + 2 - e  # work modulo 2^M, M >= 2
        mM = (one << M.astype(np.uint64)) - one
        y_beta = (np.uint64(self.a - 1) * beta + np.uint64(self.b % (1 << (k + 2)))) & np.uint64((1 << (k + 2)) - 1)
        odd = (y_beta >> e.astype(np.uint64)) & mM  # y(beta) / 2^e, odd (or anything when e = k: then n = 0)
        inv = _inverse_mod_2_64(odd | one)
        d = ((x - beta) & np.uint64(self.mask)) >> e.astype(np.uint64)
        q = (one + np.uint64(self.a - 1) * d * inv) & mM
        return _dlog(q, M, self.a)


def _inverse_mod_2_64(u: np.ndarray) -> np.ndarray:
    """Inverse of odd u modulo 2^64 (Newton iteration; each step doubles the correct bits)."""
    u = np.asarray(u, dtype=np.uint64)
    inv = u.copy()  # correct to 3 bits for odd u
    two = np.uint64(2)
    for _ in range(6):
        inv = inv * (two - u * inv)
    return inv


_POW_CACHE: dict[int, np.ndarray] = {}


def _inv_pow2_powers(a: int) -> np.ndarray:
    """a^(-2^j) mod 2^64 for j = 0..33 (cached: a few dozen numbers, computed on first use)."""
    got = _POW_CACHE.get(a)
    if got is None:
        g = pow(a, -1, 1 << 64)
        out = []
        for _ in range(34):
            out.append(g)
            g = (g * g) % (1 << 64)
        got = np.array(out, dtype=np.uint64)
        _POW_CACHE[a] = got
    return got


def _dlog(q: np.ndarray, M: np.ndarray, a: int) -> np.ndarray:
    """n in [0, 2^(M-2)) with a^n = q (mod 2^M), for q = 1 (mod 4); a = 5 (mod 8) generates that group.

    Bit j of n is fixed by q a^(-n) mod 2^(j+3), since a^(2^j) = 1 + 2^(j+2) (mod 2^(j+3)).
    """
    if a % 8 != 5:
        raise ValueError("the discrete logarithm needs a = 5 (mod 8), a generator of {1 mod 4}")
    q = np.asarray(q, dtype=np.uint64).copy()
    M = np.asarray(M, dtype=np.int64)
    n = np.zeros(q.shape, dtype=np.int64)
    pw = _inv_pow2_powers(a)
    one = np.uint64(1)
    for j in range(int(M.max(initial=2)) - 2):
        active = j < M - 2
        bit = active & (((q & np.uint64((1 << (j + 3)) - 1)) != one))
        n[bit] |= np.int64(1) << j
        q[bit] = q[bit] * pw[j]
    return n
