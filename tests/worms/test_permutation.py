"""Permutation scanning (Staniford, Paxson & Weaver 2002) and hit-list seeding.

The aggregate scanner against a per-probe reference that walks an explicit permutation of a 2^16 space:
two-sample KS tests over 60 seeds on the number ever infected at 1/3, 2/3 and the end and on the time to
half infected, each at p > 0.001 (family-wise false alarm < 0.5% over 4 tests). Negative controls: a scanner
25% faster, and one whose scanned-in copies start after their own point instead of at a random one, must
both be told apart.
"""

import numpy as np
import pytest
from probe_reference import (ks_report, make_worm, outside, permutation_reference, run_aggregate, samples,
                             target_list)

from outbreak_loop import build

from wormcast.core.streams import Streams
from wormcast.scanners.permutation import StartPoint, next_pointer
from wormcast.world.population import World
from wormcast.worms.hitlist import HitList, HitListMode

SPACE = "16.0.0.0/16"
N, SEEDS, RUNS, T, DT, RATE = 100, 2, 60, 5000.0, 5.0, 1.0
ALPHA = 1e-3


def _world():
    targets = target_list(SPACE)
    addrs = np.sort(np.random.default_rng(7).choice(targets, N, replace=False))
    return World(addrs), targets


def _aggregate(world, rate=RATE, infected_start=StartPoint.RANDOM):
    worm = make_worm(outside(SPACE), rate)
    firsts = []
    for seed in range(RUNS):
        seeds = np.random.default_rng(seed).choice(N, SEEDS, replace=False)
        sc = build({"kind": "permutation", "infected_start": infected_start.value}, world, worm, np.full(N, rate),
                   Streams(1000 + seed))
        firsts.append(run_aggregate(sc, N, seeds, DT, T, seed_restart={"start_point": StartPoint.AFTER_SELF}))
    return samples(firsts, T)


def _reference(world, targets):
    firsts = []
    for seed in range(RUNS):
        seeds = np.random.default_rng(seed).choice(N, SEEDS, replace=False)
        firsts.append(permutation_reference(targets, world.addresses, np.full(N, RATE), seeds, T,
                                            np.random.default_rng(5000 + seed)))
    return samples(firsts, T)


@pytest.mark.slow
def test_permutation_scanner_matches_per_probe_reference():
    world, targets = _world()
    ref = _reference(world, targets)
    agg = _aggregate(world)
    report = ks_report(ref, agg)
    assert min(report.values()) > ALPHA, report
    assert np.mean(ref["ever@end"]) > 0.8 * N  # the outbreak happened: not two empty runs compared
    assert np.mean(ref["ever@1/3"]) < 0.5 * N  # and was still growing at 1/3: the curve shape is tested
    fast = ks_report(ref, _aggregate(world, rate=1.25 * RATE))
    assert fast["t_half"] < ALPHA, fast
    wrong_start = ks_report(ref, _aggregate(world, infected_start=StartPoint.AFTER_SELF))
    assert min(wrong_start.values()) < ALPHA, wrong_start


def test_copy_jumps_after_probing_an_infected_host():
    """Two copies, one right behind the other on the permutation: the trailing one reaches the leader's
    position within its first probes, and must jump; walking on instead would probe the leader's successors."""
    world, _ = _world()
    worm = make_worm(outside(SPACE), 1000.0)
    sc = build({"kind": "permutation"}, world, worm, np.full(N, 1000.0), Streams(3))
    order = np.argsort(sc.host_pos)
    lead, trail = int(order[50]), int(order[49])
    gap = int(sc.host_pos[lead] - sc.host_pos[trail])
    sc.rates[:] = 0.0
    sc.rates[trail] = gap + 300.0  # a Poisson budget below the gap is a 7-sigma event
    sc.rates[lead] = 1e-9
    sc.restart(np.array([lead, trail]), StartPoint.AFTER_SELF)
    sc.start(np.array([lead, trail]))
    hits = sc.step(1.0, 0).reached
    assert sc.jumps >= 1
    assert hits.tolist()[0] == lead  # the first host it reaches is the leader (none lies between them)


def test_next_pointer_rule():
    rng = np.random.default_rng(0)
    assert next_pointer(10, False, 100, rng) == 11
    assert next_pointer(99, False, 100, rng) == 0
    jumps = [next_pointer(10, True, 100, rng) for _ in range(2000)]
    assert 0 <= min(jumps) and max(jumps) < 100 and len(set(jumps)) > 90  # a uniform point, not p + 1


def test_hitlist_schedules():
    assert np.all(HitList(10).times() == 0.0)
    assert np.allclose(HitList(4, HitListMode.CONSTANT_RATE, 2.0).times(), [0, 0.5, 1.0, 1.5])
    # doubling: 1 copy at t=0, 2 by 1/rate, 4 by 2/rate, 8 by 3/rate
    t = HitList(8, HitListMode.DOUBLING, 1.0).times()
    assert t.tolist() == [0, 1, 2, 2, 3, 3, 3, 3]
    big = HitList(50_000, HitListMode.DOUBLING, 1.0)
    assert big.duration() == 16  # ceil(log2(50,000)) generations
    ids, times = big.seed(np.arange(300_000), np.random.default_rng(1))
    assert np.unique(ids).size == 50_000 and times.size == 50_000
    with pytest.raises(ValueError):
        HitList(10, HitListMode.DOUBLING)
    with pytest.raises(ValueError):
        HitList(10).seed(np.arange(5), np.random.default_rng(0))
