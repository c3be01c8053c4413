"""The 2-adic cycle analysis of x -> 214013 x + b (mod 2^k) against brute force.

Small k: follow every orbit explicitly. k up to 20: a full check over all 2^k states that (i) the cycle id
is invariant under one step, (ii) the position advances by exactly 1 modulo the cycle length, (iii) within
each id the positions are a bijection onto 0..L-1 and the members are the stated residue class. Together
these say each id is one cycle of length L, so no state is left unchecked.
"""

import numpy as np
import pytest

from wormcast.worms.lcg import AffineLCG

A = 214013
# odd (full period), 2 mod 4, and 4 | b with valuations 2, 3, 5, plus b = 0 and Slammer's xor constant
INCREMENTS = [2531011, 0x2613E, 0xFFD9613C, 0x1D9E8, 0x3B5A0, 0]


def orbits(g: AffineLCG):
    seen = np.full(1 << g.k, -1, dtype=np.int64)
    out = []
    for x0 in range(1 << g.k):
        if seen[x0] >= 0:
            continue
        cyc, x = [x0], x0
        while True:
            x = (g.a * x + g.b) % (1 << g.k)
            if x == x0:
                break
            cyc.append(x)
        seen[cyc] = x0
        out.append(cyc)
    return out


@pytest.mark.parametrize("b", INCREMENTS)
@pytest.mark.parametrize("k", [3, 6, 10])
def test_cycles_match_explicit_orbits(b, k):
    g = AffineLCG(A, b % (1 << k), k)
    xs = np.arange(1 << k, dtype=np.uint64)
    cid, length, pos = g.cycle_id(xs), g.cycle_length(xs), g.position(xs)
    cycles = orbits(g)
    assert len(set(cid.tolist())) == len(cycles)
    for cyc in cycles:
        assert len(set(cid[cyc].tolist())) == 1
        assert np.all(length[cyc] == len(cyc))
        modulus, residue = g.cycle_members(int(cid[cyc[0]]))
        assert sorted(cyc) == list(range(residue, 1 << k, modulus))
        i0 = cyc.index(min(cyc))  # position 0 is the class's smallest member
        assert [int(pos[cyc[(i0 + i) % len(cyc)]]) for i in range(len(cyc))] == list(range(len(cyc)))


@pytest.mark.parametrize("b", INCREMENTS)
@pytest.mark.parametrize("k", [16, 20])
def test_cycle_structure_full_state_space(b, k):
    g = AffineLCG(A, b % (1 << k), k)
    xs = np.arange(1 << k, dtype=np.uint64)
    fx = g.step(xs)
    cid, length, pos = g.cycle_id(xs), g.cycle_length(xs), g.position(xs)
    assert np.array_equal(g.cycle_id(fx), cid)
    assert np.array_equal(g.position(fx), (pos + 1) % length)
    order = np.lexsort((pos, cid))
    c, p, L = cid[order], pos[order], length[order]
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    sizes = np.diff(np.r_[starts, c.size])
    assert np.array_equal(sizes, L[starts])  # each id has exactly L members ...
    rank = np.arange(c.size) - np.repeat(starts, sizes)
    assert np.array_equal(p, rank)  # ... at positions 0..L-1, each once
    # members are the residue class x = residue (mod 2^e) given by the id
    e = np.log2(c.astype(float)).astype(np.int64)
    assert np.array_equal(xs[order].astype(np.int64) % (1 << e), c - (1 << e))


@pytest.mark.parametrize("k", [12, 20, 32])
def test_cycle_census_for_b_divisible_by_four(k):
    """For 4 | b: two cycles of each length 2^(k-2-t), t = 0..k-3, and four fixed points (derivation)."""
    g = AffineLCG(A, 0xFFD9613C % (1 << k), k)
    rng = np.random.default_rng(3)
    xs = rng.integers(0, 1 << k, 200_000, dtype=np.int64).astype(np.uint64)
    e = g.valuation(xs)
    # a uniform state has e = 2 + t with probability 2^-(t+1): the cycle sizes are 2^(k-2-t) x 2
    counts = np.bincount(e, minlength=k + 1)
    assert counts[0] == counts[1] == 0
    share = counts[2:7] / xs.size
    assert np.allclose(share, [0.5, 0.25, 0.125, 0.0625, 0.03125], atol=0.005)
    if k <= 12:
        assert len(orbits(g)) == 2 * (k - 2) + 4
    # negative control: an odd increment gives one full cycle, so the census must differ
    assert np.all(AffineLCG(A, 2531011, k).valuation(xs[:1000]) == 0)


def test_jump_matches_iteration():
    g = AffineLCG(A, 0xFFD9613C, 32)
    x = np.array([12345, 2 ** 31 + 7, 0], dtype=np.uint64)
    assert np.array_equal(g.jump(x, np.array([1000, 1000, 1000])), g.step(x, 1000))
    assert np.array_equal(g.jump(x, np.array([0, 1, 2])), np.array([x[0], g.step(x[1:2])[0], g.step(x[2:3], 2)[0]]))
