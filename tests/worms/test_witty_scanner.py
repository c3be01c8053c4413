"""The aggregate Witty scanner against the per-probe reference in a small analogue of its generator.

Analogue: 14-bit states, 7-bit halves (addresses of 14 bits, offset into 16.0.0.0/14), the real a and c.
It has the real construction: four phases fixed within a round, a phase shift of 3 between rounds, and here
also multiplicities up to 3 (the real worm's are 0 or 1), so the weighting is exercised. Rounds of 50
packets, 1-3 disks, crash probability 0.3 per write: copies die within the run (the infected count rises
and falls). KS tests (p > 0.001) on ever infected at 1/3, 2/3 and the end, time to half of the final size,
the number dead at the end and the number still scanning at 1/3. Negative controls: uniform scanning over all addresses (the reachability
structure ignored) on final size, and a doubled crash probability on the number still scanning.
"""

import numpy as np
import pytest
from outbreak_loop import build, run_aggregate, time_to_fraction
from scipy.stats import ks_2samp
from smallworld import BASE, small_scenario

from wormcast.core.streams import Streams
from wormcast.scanners.witty import WittyParams
from wormcast.scanners.witty_reference import run_witty_reference
from wormcast.worms.witty import DiskDeath, WittyGenerator
from wormcast.world.population import World

SEEDS = 60
ALPHA = 1e-3
T_END, DT = 3000.0, 5.0
GEN = WittyGenerator(state_bits=14, half_bits=7)
PARAMS = WittyParams(death=DiskDeath(0.3, (0.5, 0.3, 0.2)), generator=GEN, packets_per_round=50,
                     address_offset=BASE)


def small_space_world(n=100, seed=12345):
    rng = np.random.default_rng(seed)
    return World(np.sort(BASE + rng.choice(1 << 14, n, replace=False)).astype(np.int64))


def _rates(n, seed):
    return np.array([0.5, 2.0])[np.random.default_rng(900 + seed).integers(0, 2, n)]


def _initial(n, seed, world):
    # a hit-list start, as Witty's: reachable hosts only, so every run can take off
    ok = np.flatnonzero(GEN.reachable(world.addresses - BASE))
    return np.random.default_rng(700 + seed).choice(ok, 4, replace=False)


def _summ(first, dead_count, alive_third):
    fin = np.sum(np.isfinite(first))
    return [np.sum(first <= T_END / 3), np.sum(first <= 2 * T_END / 3), fin,
            min(time_to_fraction(first[np.isfinite(first)], 0.5), 2 * T_END), dead_count, alive_third]


def _aggregate(world, worm, seed, params=PARAMS, uniform=False):
    d = params.death
    sc = build({"kind": "witty", "crash_per_write": d.crash_per_write, "disk_shares": list(d.disk_shares),
                "packets_per_round": params.packets_per_round, "state_bits": params.generator.state_bits,
                "half_bits": params.generator.half_bits, "address_offset": params.address_offset},
               world, worm, _rates(world.n, seed), Streams(30_000 + seed))
    if uniform:  # control: every host reachable in every phase, at the uniform hit rate
        sc.phase_hosts = [np.arange(world.n)] * 4
        sc.phase_cum = [np.arange(1, world.n + 1)] * 4
        sc.p_hit = np.full(4, world.n / (1 << 14))
    out = run_aggregate(sc, world.n, _initial(world.n, seed, world), DT, T_END)
    return _summ(out["first"], out["dead"], out["alive"][int(round(T_END / 3 / DT)) - 1])


def _reference(world, seed):
    r = run_witty_reference(world.addresses, _rates(world.n, seed), PARAMS, _initial(world.n, seed, world), T_END,
                            np.random.default_rng(seed))
    third = T_END / 3
    alive = int(np.sum(r.first_infected_at <= third) - np.sum(r.died_at <= third))
    return _summ(r.first_infected_at, int(np.sum(np.isfinite(r.died_at))), alive)


@pytest.mark.slow
def test_witty_scanner_matches_per_probe_reference():
    world = small_space_world()
    worm = small_scenario().worms[0]
    ref = np.array([_reference(world, s) for s in range(SEEDS)])
    agg = np.array([_aggregate(world, worm, s) for s in range(SEEDS)])
    names = ["ever@1/3", "ever@2/3", "final", "t_half", "dead", "alive@1/3"]
    report = {k: ks_2samp(ref[:, i], agg[:, i]).pvalue for i, k in enumerate(names)}
    assert min(report.values()) > ALPHA, report
    assert ref[:, 2].mean() > 20 and ref[:, 4].mean() > 10  # it spread, and the disk writes killed hosts
    assert ref[:, 2].max() <= GEN.reachable(world.addresses - BASE).sum()  # never beyond the reachable set
    uni = np.array([_aggregate(world, worm, s, uniform=True) for s in range(SEEDS)])
    assert ks_2samp(ref[:, 2], uni[:, 2]).pvalue < ALPHA
    deadly = WittyParams(death=DiskDeath(0.6, (0.5, 0.3, 0.2)), generator=GEN, packets_per_round=50,
                         address_offset=BASE)
    more = np.array([_aggregate(world, worm, s, params=deadly) for s in range(SEEDS)])
    assert ks_2samp(ref[:, 5], more[:, 5]).pvalue < ALPHA  # hosts still scanning at 1/3
