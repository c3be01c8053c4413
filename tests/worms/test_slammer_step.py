"""Step mechanics of the Slammer scanner: laps, windows against the generator, cap thinning, delivery filters."""

import numpy as np
from smallworld import BASE, small_scenario

from wormcast.core.streams import Streams
from wormcast.scanners.slammer import SlammerParams, SlammerScanner
from wormcast.worms.slammer import BackboneCap, SlammerGenerator
from wormcast.world.population import World

K = 14
WORLD = World(np.sort(BASE + np.random.default_rng(1).choice(1 << K, 300, replace=False)).astype(np.int64))
WORM = small_scenario().worms[0]


def _scanner(rate, cap=None, b=0x213C):
    params = SlammerParams(increments=(b,), shares=(1.0,), k=K, cap=cap, state_offset=BASE)
    return SlammerScanner(WORLD, WORM, np.full(WORLD.n, float(rate)), Streams(5), params)


def test_step_reaches_exactly_the_hosts_the_generator_walks_over():
    sc = _scanner(rate=700.0)
    sc.start(np.array([0]))
    # recover the copy's seed: the state at its position p0 on its cycle
    g = SlammerGenerator(0x213C, K)
    modulus, residue = g.lcg.cycle_members(int(sc.cid[0]))
    base = np.array([residue], dtype=np.uint64)
    seed_state = int(g.lcg.jump(base, np.array([sc.p0[0]]))[0])
    table = {int(a - BASE): i for i, a in enumerate(WORLD.addresses)}
    sent = 0
    for _ in range(20):  # 20 steps of ~700 probes: several laps of cycles up to 2^12
        probes, reached, targets = sc.step(1.0)
        walk = g.targets(seed_state, sent + probes)[sent:]
        expect = sorted(table[int(s)] for s in walk if int(s) in table)
        assert sorted(targets.tolist()) == expect
        sent += probes
    assert sent > 2 * int(sc.length[0])  # the copy lapped its cycle (at most 2^12 long) within the test


def test_cap_thins_delivery_by_the_stated_fraction():
    cap = BackboneCap(capacity=100.0, sharpness=2.0)
    sc = _scanner(rate=1000.0, cap=cap)
    ids = np.arange(WORLD.n)
    sc.start(ids)
    theta = sc.delivered_fraction()
    assert abs(theta - 1 / np.sqrt(1 + (300_000 / 100.0) ** 2)) < 1e-12
    free = _scanner(rate=1000.0)
    free.start(ids)
    got = sum(sc.step(0.5)[1] for _ in range(40))
    full = sum(free.step(0.5)[1] for _ in range(40))
    # thinning by theta ~ 3.3e-4 of ~full hits: the count is Binomial(full, theta) within 5 sd
    assert abs(got - full * theta) < 5 * np.sqrt(full * theta) + 1
    assert got < full  # negative control: without the cap many more


def test_delivery_filter_applies_per_owning_copy():
    sc = _scanner(rate=2000.0)
    klass = np.zeros(WORLD.n, dtype=np.int64)
    klass[: WORLD.n // 2] = 1  # class 1 may deliver only to the upper half of the hosts
    mask = np.zeros(WORLD.n, dtype=bool)
    mask[WORLD.n // 2:] = True
    sc.set_delivery(klass, [None, mask])
    sc.start(np.array([0, 1, 2]))  # all of class 1
    targets = np.concatenate([sc.step(1.0)[2] for _ in range(10)])
    assert targets.size > 0 and np.all(targets >= WORLD.n // 2)
