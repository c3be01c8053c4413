"""Step mechanics of the registered Slammer scanner: per-step windows (short cycles) and per-event walks (long
cycles) against the generator itself, the backbone cap's thinning, delivery filters."""

import numpy as np
import pytest
from outbreak_loop import build
from smallworld import BASE, small_scenario

import wormcast.scanners.slammer as slammer
from wormcast.core.backbone import BackboneCap, thin
from wormcast.core.streams import Streams
from wormcast.worms.slammer import SlammerGenerator
from wormcast.world.population import World

K = 14
WORLD = World(np.sort(BASE + np.random.default_rng(1).choice(1 << K, 300, replace=False)).astype(np.int64))
WORM = small_scenario().worms[0]


def _scanner(rate, b=0x213C):
    cfg = {"kind": "slammer", "ebx": [b], "increment_xor": 0, "state_bits": K, "state_offset": BASE}
    return build(cfg, WORLD, WORM, np.full(WORLD.n, float(rate)), Streams(5))


def _infect(sc, ids):
    ids = np.asarray(ids, dtype=np.int64)
    sc.on_infected(ids)
    sc.start(ids)


def _seed_state(sc, g):
    """The copy's seed, recovered from its cycle and its position p0 on it."""
    _, residue = g.lcg.cycle_members(int(sc.cid[0]))
    return int(g.lcg.jump(np.array([residue], dtype=np.uint64), np.array([sc.p0[0]]))[0])


def test_step_reaches_exactly_the_hosts_the_generator_walks_over():
    """Short cycles: each step's window of positions, laps included, is the generator's next states."""
    sc = _scanner(rate=700.0)
    _infect(sc, [0])
    g = SlammerGenerator(0x213C, K)
    seed_state = _seed_state(sc, g)
    table = {int(a - BASE): i for i, a in enumerate(WORLD.addresses)}
    sent = 0
    for _ in range(20):  # 20 steps of ~700 probes: several laps of cycles up to 2^12
        batch = sc.step(1.0, 0)
        walk = g.targets(seed_state, sent + batch.probes)[sent:]
        expect = sorted(table[int(s)] for s in walk if int(s) in table)
        assert sorted(batch.reached.tolist()) == expect
        sent += batch.probes
    assert sent > 2 * int(sc.length[0])  # the copy lapped its cycle (at most 2^12 long) within the test


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_long_cycle_events_meet_the_hosts_in_the_generator_order(monkeypatch, seed):
    """Long cycles (event-driven: Gamma times to the next host): the hosts a copy reaches, over all steps, are
    exactly those of its generator walk, in order, laps included; and about rate x time probes' worth."""
    monkeypatch.setattr(slammer, "SHORT_CYCLE", 0)  # every cycle handled per event
    cfg = {"kind": "slammer", "ebx": [0x213C], "increment_xor": 0, "state_bits": K, "state_offset": BASE}
    sc = build(cfg, WORLD, WORM, np.full(WORLD.n, 700.0), Streams(seed))
    _infect(sc, [0])
    g = SlammerGenerator(0x213C, K)
    table = {int(a - BASE): i for i, a in enumerate(WORLD.addresses)}
    got = np.concatenate([sc.step(1.0, 0).reached for _ in range(20)])
    walk = [table[int(s)] for s in g.targets(_seed_state(sc, g), 40_000) if int(s) in table]
    assert got.size > 0 and got.tolist() == walk[:got.size]
    # 14,000 probes expected: the hosts met are those of 14,000 +- 5 sd positions of the walk
    per_host = 40_000 / len(walk)
    assert abs(got.size * per_host - 14_000) < 5 * np.sqrt(14_000) + 2 * per_host


def test_cap_thins_delivery_by_the_stated_fraction():
    cap = BackboneCap(capacity=100.0, sharpness=2.0)
    sc, free = _scanner(rate=1000.0), _scanner(rate=1000.0)
    ids = np.arange(WORLD.n)
    _infect(sc, ids)
    _infect(free, ids)
    theta = cap.delivered_fraction(sc.total_rate)
    assert abs(theta - 1 / np.sqrt(1 + (300_000 / 100.0) ** 2)) < 1e-12
    rng = np.random.default_rng(0)
    got = sum(thin(sc.step(0.5, 0), theta, rng).reached.size for _ in range(40))
    full = sum(free.step(0.5, 0).reached.size for _ in range(40))
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
    _infect(sc, [0, 1, 2])  # all of class 1
    targets = np.concatenate([sc.step(1.0, 0).reached for _ in range(10)])
    assert targets.size > 0 and np.all(targets >= WORLD.n // 2)
