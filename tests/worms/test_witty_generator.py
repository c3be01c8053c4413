"""Witty's reachable-set description (one rotated table) against direct enumeration of states."""

import numpy as np
import pytest

from wormcast.worms.witty import DiskDeath, WittyGenerator


def enumerate_reach(g: WittyGenerator, highs=None):
    """Brute force: every state (or every state with the given high halves) -> its address and phase."""
    if highs is None:
        xs = np.arange(1 << g.state_bits, dtype=np.uint64)
    else:
        lo = np.arange(1 << g.shift, dtype=np.uint64)
        xs = ((np.asarray(highs, dtype=np.uint64)[:, None] << np.uint64(g.shift)) | lo[None, :]).ravel()
    return g.address(xs), g.phase(xs)


@pytest.mark.parametrize("bits", [(14, 7), (18, 9), (20, 10), (16, 7)])
def test_small_analogues_fully_enumerated(bits):
    g = WittyGenerator(*bits)
    addr, ph = enumerate_reach(g)
    space = 1 << (2 * g.half_bits)
    truth = np.zeros((space, 4), dtype=np.int64)
    np.add.at(truth, (addr, ph), 1)
    assert np.array_equal(g.multiplicity(np.arange(space)), truth)
    assert g.unreachable_share == pytest.approx(np.mean(truth.sum(axis=1) == 0))


def test_real_generator_sampled_states_and_whole_slash16s():
    g = WittyGenerator()
    rng = np.random.default_rng(2004)
    xs = rng.integers(0, 1 << 32, 2_000_000, dtype=np.int64).astype(np.uint64)
    m = g.multiplicity(g.address(xs))
    assert np.all(m[np.arange(xs.size), g.phase(xs)] >= 1)
    # every state of 12 random /16s (high halves) enumerated: exactly the described set, with multiplicities
    highs = rng.choice(1 << 16, 12, replace=False)
    addr, ph = enumerate_reach(g, highs)
    truth = {}
    for a_, p_ in zip(addr.tolist(), ph.tolist()):
        truth[(a_, p_)] = truth.get((a_, p_), 0) + 1
    cand = ((highs[:, None].astype(np.int64) << 16) | np.arange(1 << 16)[None, :]).ravel()
    mm = g.multiplicity(cand)
    got = {(int(a_), p_): int(mm[i, p_]) for i, a_ in enumerate(cand) for p_ in np.flatnonzero(mm[i])}
    assert got == truth


def test_real_generator_figures():
    g = WittyGenerator()
    # about 10% of the space is unreachable [KPW05]; each phase reaches exactly a quarter, without repeats
    assert 0.095 < g.unreachable_share < 0.105
    assert all(g.phase_reach_share(r) == 0.25 for r in range(4))
    assert g.low_counts.max() == 1
    assert g.round_phase_shift(20_000) == 3
    # negative control: the table is computed from the generator, not a constant (another c changes it)
    assert not np.array_equal(WittyGenerator(c=2531013).low_counts, g.low_counts)


def test_phase_is_constant_within_a_round_and_shifts_by_three():
    g = WittyGenerator()
    x = np.uint64(123456789)
    phases = []
    for _ in range(3 * 4 * 5 + 1):  # five packets, four calls each, then the disk call
        x = g.next_state(np.array([x]))[0]
        phases.append(int(x) & 3)
    hi_calls = phases[0:20:4]
    assert len(set(hi_calls)) == 1
    # after 20 calls + 1 disk call, the next high-half call is 21 calls on: phase + 21 * 3 = phase + 3 (mod 4)
    assert phases[21] == (hi_calls[0] + 3 * 21) % 4 == (hi_calls[0] + g.round_phase_shift(5)) % 4


def test_death_distribution():
    d = DiskDeath(crash_per_write=0.5)
    k = np.arange(1, 2000)
    pmf = d.death_round_pmf(1, k)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-6)
    assert (pmf * k).sum() == pytest.approx(16.0, rel=1e-4)  # 1 / ((1/8) * 0.5)
    assert d.death_time_mean(1, 1000.0) == pytest.approx(20.0 * 16)
