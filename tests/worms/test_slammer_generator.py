"""Slammer's generator facts at full width: cycle membership and scan order against direct iteration."""

import ipaddress

import numpy as np
import pytest

from wormcast.worms.slammer import (INCREMENT_XOR, INTENDED_INCREMENT, CycleIndex, SlammerGenerator,
                                    address_to_state, increment, packets_per_second, state_to_address)

EBX = [0x77E80000, 0x77F8313C, 0x42AE1018]  # illustrative import-table words (ASSUMPTION, see the preset)


def test_intended_increment_is_the_ms_crt_one():
    assert INTENDED_INCREMENT == 2531011
    assert increment(0xFFFFFFFF) == 2531011
    assert increment(0) == INCREMENT_XOR


def test_byte_order_first_octet_is_the_low_byte():
    addr = int(ipaddress.IPv4Address("1.2.3.4"))
    assert address_to_state(np.array([addr]))[0] == 0x04030201
    assert state_to_address(address_to_state(np.array([addr])))[0] == addr
    # so a cycle {x = r (mod 2^e)} with e <= 8 is a set of whole /8s: changing the last three octets of an
    # address on it keeps it on the same cycle
    g = SlammerGenerator(increment(EBX[0]))
    rng = np.random.default_rng(2)
    s = rng.integers(0, 1 << 32, 1000, dtype=np.int64).astype(np.uint64)
    s = s[g.lcg.valuation(s) <= 8]
    moved = (s & np.uint64(0xFF)) | (rng.integers(0, 1 << 24, s.size, dtype=np.int64).astype(np.uint64) << np.uint64(8))
    assert np.array_equal(g.lcg.cycle_id(s), g.lcg.cycle_id(moved))
    # negative control: changing the first octet (the low byte) does move some of them off their cycle
    flipped = s ^ np.uint64(1)
    assert np.any(g.lcg.cycle_id(s) != g.lcg.cycle_id(flipped))


@pytest.mark.parametrize("ebx", EBX)
def test_copies_stay_on_their_cycle_and_walk_it_in_order(ebx):
    g = SlammerGenerator(increment(ebx))
    rng = np.random.default_rng(ebx & 0xFFFF)
    seeds = rng.integers(0, 1 << 32, 64, dtype=np.int64)
    cid, length, p0 = g.copy_start(seeds)
    for i, seed in enumerate(seeds[:16]):
        t = g.targets(int(seed), 5000)  # the worm's own per-probe rule, iterated
        lc = g.lcg
        assert np.all(lc.cycle_id(t.astype(np.uint64)) == cid[i])
        assert np.array_equal((lc.position(t.astype(np.uint64)) - p0[i]) % length[i], np.arange(1, 5001) % length[i])
    # far along: 10^9 + 7 probes on, still the same cycle and the predicted position
    far = g.lcg.jump(seeds.astype(np.uint64), np.full(seeds.size, 10 ** 9 + 7))
    assert np.array_equal(g.lcg.cycle_id(far), cid)
    assert np.array_equal(g.lcg.position(far), (p0 + 10 ** 9 + 7) % length)


def test_short_cycles_close_exactly_after_their_length():
    """Seeds on short cycles return to themselves after exactly L probes and not before."""
    g = SlammerGenerator(increment(EBX[0]))
    lc = g.lcg
    rng = np.random.default_rng(11)
    xs = rng.integers(0, 1 << 32, 2_000_000, dtype=np.int64).astype(np.uint64)
    L = lc.cycle_length(xs)
    short = xs[(L >= 2) & (L <= 1 << 14)][:20]
    assert short.size >= 5
    for x in short:
        t = g.targets(int(x), int(lc.cycle_length(np.array([x]))[0]))
        assert t[-1] == x and np.all(t[:-1] != x) and np.unique(t).size == t.size


def test_host_membership_predicts_who_a_copy_can_hit():
    """Hosts on another cycle never appear among a copy's targets; hosts on its cycle appear at their position."""
    g = SlammerGenerator(increment(EBX[1]), k=20)  # small enough to walk whole cycles
    rng = np.random.default_rng(5)
    hosts = rng.choice(1 << 20, 3000, replace=False)
    ix = CycleIndex(g, hosts)
    seed = int(rng.integers(0, 1 << 20))
    cid, L, p0 = (int(v[0]) for v in g.copy_start(np.array([seed])))
    walk = g.targets(seed, L)
    on = set(hosts[ix.hosts_on(cid)].tolist())
    assert on == set(walk.tolist()) & set(hosts.tolist())
    order = [int(h) for h in walk if int(h) in on]
    expect = hosts[ix.hosts_on(cid)]
    # sorted by position from the class base; the copy meets them from its own start, wrapping once
    pos = g.lcg.position(expect.astype(np.uint64))
    rel = (pos - p0 - 1) % L
    assert order == expect[np.argsort(rel)].tolist()


def test_link_rate_arithmetic():
    assert abs(packets_per_second(100e6) - 30_941) < 1
