"""Full-scale smoke run of the Slammer scanner with the draft preset values (figures for docs/worms/slammer.md)."""
import sys, time, math
sys.path[:0] = ['tests', 'tests/worms']
import numpy as np
from smallworld import small_scenario
from outbreak_loop import run_aggregate
from wormcast.core.streams import Streams
from wormcast.world.population import World
from wormcast.scanners.slammer import SlammerParams, SlammerScanner
from wormcast.worms.slammer import BackboneCap, LinkClass, draw_link_rates, increment

V = 75_000
EBX = (0x77E80000, 0x77F8313C, 0x42AE1018)
classes = [LinkClass("256k", 256e3, 0.30 * (1 - 0.1145)), LinkClass("T1", 1.544e6, 0.35 * (1 - 0.1145)),
           LinkClass("10M", 10e6, 0.35 * (1 - 0.1145)), LinkClass("100M", 100e6, 0.1145)]
worm = small_scenario(exclude=[]).worms[0]
for seed in range(int(sys.argv[1]) if len(sys.argv) > 1 else 3):
    rng = np.random.default_rng(seed)
    world = World(np.sort(rng.choice(1 << 32, V, replace=False).astype(np.int64)))
    rates = draw_link_rates(classes, V, np.random.default_rng(100 + seed))
    params = SlammerParams(increments=tuple(increment(e) for e in EBX), shares=(1/3, 1/3, 1/3),
                           cap=BackboneCap(5.6e7, 2.0))
    t0 = time.time()
    sc = SlammerScanner(world, worm, rates, Streams(seed), params)
    thetas = []
    orig = sc.step
    def step(dt):
        thetas.append((sc.total_rate, sc.delivered_fraction() * sc.total_rate))
        return orig(dt)
    sc.step = step
    out = run_aggregate(sc, V, np.array([0]), 1.0, 900.0)
    first = out["first"]
    ever = np.array([np.sum(first <= t) for t in range(1, 901)])
    d = np.array(thetas)[:, 1]
    i100, i1000 = np.searchsorted(ever, 100), np.searchsorted(ever, 1000)
    dbl = (i1000 - i100) / math.log2(10)
    print(f"seed {seed}: build+run {time.time()-t0:.0f}s; final {ever[-1]}; t90% {np.searchsorted(ever, 0.9*ever[-1])} s; "
          f"doubling 100->1000 {dbl:.1f} s; peak delivered {d.max()/1e6:.1f} M/s at {np.argmax(d > 0.95 * d.max())} s "
          f"(95% of peak); mean rate {rates.mean():.0f}")
