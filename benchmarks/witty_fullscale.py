"""Full-scale run of the Witty scanner with the draft preset values (figures for docs/worms/witty.md).

Usage: python benchmarks/witty_fullscale.py MEAN_RATE [SEEDS [VULNERABLE]]
"""
import sys
sys.path[:0] = ['tests', 'tests/worms']
import numpy as np
from smallworld import small_scenario
from outbreak_loop import run_aggregate
from wormcast.core.streams import Streams
from wormcast.world.population import World
from wormcast.scanners.witty import WittyParams, WittyScanner
from wormcast.worms.witty import DiskDeath

V, MEAN, CV = int(sys.argv[3]) if len(sys.argv) > 3 else 14_500, float(sys.argv[1]), 1.5
worm = small_scenario(exclude=[]).worms[0]
params = WittyParams(death=DiskDeath(0.1, (0.7, 0.2, 0.1)))
for seed in range(int(sys.argv[2]) if len(sys.argv) > 2 else 2):
    rng = np.random.default_rng(seed)
    world = World(np.sort(rng.choice(1 << 32, V, replace=False).astype(np.int64)))
    s2 = np.log(1 + CV ** 2)
    rates = rng.lognormal(np.log(MEAN) - s2 / 2, np.sqrt(s2), V)
    sc = WittyScanner(world, worm, rates, Streams(seed), params)
    reachable = np.unique(np.concatenate(sc.phase_hosts))
    reach = int(reachable.size)
    out = run_aggregate(sc, V, rng.choice(reachable, 110, replace=False), 1.0,
                        7200.0, removed=lambda s: s.pop_deaths())
    ever = np.array([np.sum(out["first"] <= t) for t in range(60, 7201, 60)])
    alive = out["alive"][59::60]
    print(f"seed {seed}: reachable {reach} of {V} ({1 - reach / V:.3f} unreachable); ever at 75 min {ever[74]}; "
          f"final {ever[-1]}; active peak {alive.max()} at {60 * (1 + np.argmax(alive))} s, at 2 h {alive[-1]}")
