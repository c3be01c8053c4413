"""The localized scanner's incremental book-keeping against a recount from scratch.

The scanner keeps, for all its /k levels side by side, per-block scan rates (per delivery class), infectable
counts and the chances derived from them, and per-chunk infectable counts from which it picks "the (r+1)-th
infectable host of block b". After a random sequence of starts, stops and infectability changes (hosts outside
the target space included, the uniform level between two /k levels, two delivery classes), every structure
must equal its recount, and every pick the brute-force answer. The outbreak-level law is tested against the
per-probe reference (tests/test_engine_vs_reference.py); this pins down the exact state it relies on.
"""

import numpy as np
import pytest
from probe_reference import make_worm, outside

from wormcast.core.streams import Streams
from wormcast.scanners.base import TargetSpace
from wormcast.scanners import localized
from wormcast.scanners.localized import LocalizedScanner
from wormcast.world.addresses import parse_cidr
from wormcast.world.population import World

LEVELS = [(16, 0.5), (0, 0.25), (8, 0.25)]  # the uniform level between the /k ones


def _world(rng, foreign: bool) -> World:
    blocks = ["16.1.0.0/16", "16.2.0.0/16", "16.9.0.0/16", "16.200.0.0/16"] + (["17.5.0.0/16"] if foreign else [])
    sizes = rng.integers(5, 120, len(blocks))
    addrs = np.concatenate([parse_cidr(b)[0] + rng.choice(1 << 16, k, replace=False) for b, k in zip(blocks, sizes)])
    return World(np.sort(addrs.astype(np.int64)))


def _scanner(world, rng):
    worm = make_worm(outside("16.0.0.0/8"), 1.0, scanning="localized", skip_self=True,
                     local_preference=[{"prefix": k, "probability": p} for k, p in LEVELS])
    rates = rng.lognormal(0.0, 0.7, world.n)
    return LocalizedScanner(worm.scanning, TargetSpace.of(worm, world), world, rates, Streams(3),
                            lambda ids: np.ones(ids.size, dtype=bool)), rates


def _check(sc, rates, scanning, open_, klass, n_classes):
    tgt = np.zeros(sc.world.n, dtype=bool)
    tgt[sc.targetable] = True
    for j, lv in enumerate(sc.block_levels):
        blocks = sc.block_of[j] - lv.offset
        assert np.array_equal(np.bincount(blocks[open_ & tgt], minlength=lv.n_blocks), lv.infectable)
        for c in range(n_classes):
            mine = scanning & (klass == c)
            want = np.bincount(blocks[mine], weights=rates[mine], minlength=lv.n_blocks)
            np.testing.assert_allclose(lv.block_rate[c], want, rtol=1e-9, atol=1e-9)
            assert np.all(lv.block_rate[c][want == 0] == 0.0)  # no residue where no scanner is left
        width = np.bincount(blocks[tgt], minlength=lv.n_blocks)
        first = np.zeros(lv.n_blocks, dtype=np.int64)
        first[blocks] = sc.world.addresses
        d = np.where(first >> 24 == 16, 2.0 ** (32 - lv.prefix) - 1, 1.0)  # less the source; 17/8 is excluded
        np.testing.assert_allclose(lv.sus_d, lv.infectable / d, rtol=1e-12)
        np.testing.assert_allclose(lv.other_d, np.maximum(width - 1 - lv.infectable, 0) / d, rtol=1e-12)
    # picks: the (r+1)-th infectable host of the block, in address order, for every level at once
    sc._upto = None  # (a list of the infectable hosts, once built, is kept in step: not reset)
    blocks, ranks, want = [], [], []
    for j, lv in enumerate(sc.block_levels):
        of = sc.block_of[j]
        for b in range(lv.n_blocks):
            members = sc.targetable[of[sc.targetable] == lv.offset + b]
            members = members[open_[members]]
            for r in range(members.size):
                blocks.append(lv.offset + b)
                ranks.append(r)
                want.append(members[r])
    if blocks:
        got = sc._pick(np.array(blocks), np.array(ranks))
        assert np.array_equal(got, np.array(want))


# picks through the chunk counts, through the list of open hosts, or both in turn (the list dropped, built again)
@pytest.mark.parametrize("few_open", [0, 40, 1 << 20])
@pytest.mark.parametrize("foreign", [False, True])
def test_book_keeping_matches_a_recount(foreign, few_open, monkeypatch):
    monkeypatch.setattr(localized, "FEW_OPEN", few_open)
    rng = np.random.default_rng(11 + foreign)
    world = _world(rng, foreign)
    sc, rates = _scanner(world, rng)
    n = world.n
    assert sc.all_targets == (not foreign)
    klass = rng.integers(0, 2, n)
    sc.set_delivery(klass, [None, rng.random(n) < 0.5])
    scanning = np.zeros(n, dtype=bool)
    open_ = np.ones(n, dtype=bool)
    for it in range(60):
        op = rng.integers(4)
        if op == 0:  # infection: open hosts stop being infectable and start scanning
            ids = rng.choice(np.flatnonzero(open_), min(int(rng.integers(1, 30)), open_.sum()), replace=False)
            sc.start(ids)
            sc.infectable_changed(ids, -1)
            scanning[ids], open_[ids] = True, False
        elif op == 1 and scanning.any():  # lifetime or reboot: they stop and are infectable again
            ids = rng.choice(np.flatnonzero(scanning), min(int(rng.integers(1, 30)), scanning.sum()), replace=False)
            sc.stop(ids)
            sc.infectable_changed(ids, +1)
            scanning[ids], open_[ids] = False, True
        elif op == 2 and scanning.any():  # patch: they stop and stay closed
            ids = rng.choice(np.flatnonzero(scanning), min(int(rng.integers(1, 10)), scanning.sum()), replace=False)
            sc.stop(ids)
            scanning[ids] = False
        elif open_.any():  # patch of idle hosts
            ids = rng.choice(np.flatnonzero(open_), min(int(rng.integers(1, 10)), open_.sum()), replace=False)
            sc.infectable_changed(ids, -1)
            open_[ids] = False
        sc.infectable_changed(ids[:0], -1)  # empty batches change nothing
        if it % 10 == 9 or (few_open == 40 and it % 3 == 2):
            _check(sc, rates, scanning, open_, klass, 2)
    listed = sc._open_pos is not None
    ids = np.flatnonzero(scanning)  # all cleared, and every closed host infectable again: many at once
    sc.stop(ids)
    scanning[ids] = False
    ids = np.flatnonzero(~open_)
    sc.infectable_changed(ids, +1)
    open_[ids] = True
    if few_open == 40:  # the list of open hosts was kept, then dropped for the chunk counts (recounted)
        assert listed and sc._open_pos is None
    _check(sc, rates, scanning, open_, klass, 2)
    assert sc.n_scanning == 0 and not sc.block_rate.any()
