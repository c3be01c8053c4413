"""Nimda: its target choice, its target set (Unicode-open OR Code Red II-backdoored), and its extra hazard.

The scanning itself is the existing localized scanner (tested against the per-probe reference in
tests/test_engine_vs_reference.py); here, a two-stage run shows Code Red II's backdoors feeding Nimda:
Code Red II spreads first and backdoors the hosts it infects; Nimda then reaches backdoored hosts that are
not Unicode-open, and none of them when the backdoor flag is ignored (the negative control).
"""

import numpy as np
import pytest
from probe_reference import make_worm, outside, run_aggregate

from wormcast.scanners.base import TargetSpace
from wormcast.scanners.localized import LocalPreference
from wormcast.core.streams import Streams
from wormcast.scanners.localized import LocalizedScanner
from wormcast.world.addresses import parse_cidr
from wormcast.world.population import World
from wormcast.worms import nimda
from wormcast.worms.nimda import ExtraHazard, HazardKind

SLASH8 = "16.0.0.0/8"


def test_facts():
    assert nimda.LOCAL_PREFERENCE == ((16, 0.5), (8, 0.25), (0, 0.25))
    assert sum(p for _, p in nimda.LOCAL_PREFERENCE) == 1.0
    levels = [LocalPreference(**d) for d in nimda.local_preference_table()]  # the schema accepts them
    assert [(lv.prefix, lv.probability) for lv in levels] == list(nimda.LOCAL_PREFERENCE)
    assert nimda.PORT == 80


def test_infectable_truth_table():
    # columns: open_state, patched, unicode_open, backdoor -> infectable
    rows = [(1, 0, 1, 0, 1), (1, 0, 0, 1, 1), (1, 0, 0, 0, 0), (0, 1, 1, 0, 0), (0, 1, 0, 1, 1),
            (0, 0, 1, 1, 0), (0, 1, 1, 1, 1)]
    a = np.array(rows, dtype=bool)
    assert np.array_equal(nimda.infectable(a[:, 0], a[:, 1], a[:, 2], a[:, 3]), a[:, 4])


def test_extra_hazard():
    h = ExtraHazard(HazardKind.CONSTANT, 0.36)  # 1e-4 per second
    assert abs(h.probability(10.0, 0, 100) - (1 - np.exp(-1e-3))) < 1e-15
    m = ExtraHazard(HazardKind.PER_INFECTED, 0.36)
    assert m.probability(10.0, 0, 100) == 0.0
    assert abs(m.probability(10.0, 50, 100) - (1 - np.exp(-5e-4))) < 1e-15
    rng = np.random.default_rng(2)
    cand = np.arange(200_000)
    k = ExtraHazard(HazardKind.CONSTANT, 36.0).draw(cand, 10.0, 0, 1, rng).size  # p = 1 - e^-0.1
    p = 1 - np.exp(-0.1)
    assert abs(k - p * cand.size) < 4 * np.sqrt(cand.size * p * (1 - p))
    assert abs(k - 0.1 * cand.size) > 4 * np.sqrt(cand.size * p * (1 - p))  # rate*dt instead of 1-e^-x is caught


def _world():
    rng = np.random.default_rng(5)
    blocks = ["16.1.0.0/16", "16.2.0.0/16", "16.9.0.0/16", "16.200.0.0/16"]
    addrs = np.concatenate([parse_cidr(b)[0] + rng.choice(1 << 16, 60, replace=False) for b in blocks])
    world = World(np.sort(addrs).astype(np.int64))
    crii_vulnerable = rng.random(world.n) < 0.6
    unicode_open = rng.random(world.n) < 0.4
    return world, crii_vulnerable, unicode_open


def _localized(world, levels, rate, seed):
    worm = make_worm(outside(SLASH8), rate, scanning="localized",
                     local_preference=[{"prefix": k, "probability": p} for k, p in levels])
    return LocalizedScanner(worm.scanning, TargetSpace.of(worm, world), world, np.full(world.n, rate),
                            Streams(seed), lambda ids: np.ones(ids.size, dtype=bool))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_code_red_ii_backdoors_feed_nimda(seed):
    world, crii_vuln, unicode_open = _world()
    n = world.n
    rng = np.random.default_rng(seed)
    crii_levels = ((0, 0.125), (8, 0.5), (16, 0.375))
    seeds = rng.choice(np.flatnonzero(crii_vuln), 2, replace=False)
    crii = run_aggregate(_localized(world, crii_levels, 20.0, 10 + seed), n, seeds, 10.0, 6 * 3600.0,
                         can_infect=crii_vuln)
    backdoor = np.isfinite(crii)  # every host Code Red II infected keeps root.exe
    only_backdoor = backdoor & ~unicode_open
    assert only_backdoor.sum() > 40  # Code Red II spread: there is something for Nimda to find

    def run_nimda(with_backdoors):
        allowed = nimda.infectable(np.ones(n, dtype=bool), np.zeros(n, dtype=bool), unicode_open,
                                   backdoor & with_backdoors)
        s = np.random.default_rng(100 + seed).choice(np.flatnonzero(unicode_open), 2, replace=False)
        first = run_aggregate(_localized(world, nimda.LOCAL_PREFERENCE, 20.0, 20 + seed), n, s, 10.0,
                              6 * 3600.0, can_infect=allowed)
        return np.isfinite(first)

    fed = run_nimda(True)
    assert not (fed & ~unicode_open & ~backdoor).any()  # never outside its target set
    assert fed[only_backdoor].mean() > 0.8  # it takes the backdoored hosts that the Unicode hole would not give
    control = run_nimda(False)
    assert not control[only_backdoor].any()
    assert fed.sum() >= control.sum() + 0.8 * only_backdoor.sum()
