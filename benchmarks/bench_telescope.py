"""Telescope overhead: the codered-v2 core (Simulation.run) with and without a /8 telescope on 44.0.0.0/8,
interleaved A/B runs with the same seeds, process time (one core), medians. Goal (issue 11): the telescope
costs at most 20% on top of the core.

    .venv/bin/python benchmarks/bench_telescope.py [--repeat 3] [--scenario codered-v2] [--set KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

TELESCOPE = 'observers=[{kind = "telescope", name = "caida", blocks = ["44.0.0.0/8"]}]'


def _core(scenario, seed: int) -> tuple[float, dict]:
    from wormcast.core.loop import Simulation

    sim = Simulation(scenario, seed)
    t0 = time.process_time()
    res = sim.run()
    return time.process_time() - t0, res.summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scenario", default="codered-v2")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()

    from wormcast.config.loading import load_scenario

    plain = load_scenario(args.scenario, args.set)
    watched = load_scenario(args.scenario, args.set + [TELESCOPE])
    a, b = [], []
    for seed in range(args.repeat):  # interleaved: A, B, A, B, ... so that load changes hit both alike
        ta, sa = _core(plain, seed)
        tb, sb = _core(watched, seed)
        assert sa["ever_infected"] == sb["ever_infected"], "the telescope changed the outbreak"
        a.append(ta)
        b.append(tb)
        print(f"  seed {seed}: core {ta:.3f} s, with telescope {tb:.3f} s ({tb / ta:.2f}x)", flush=True)
    med = statistics.median
    ratio = med(y / x for x, y in zip(a, b))
    print(f"scenario {args.scenario}: core median {med(a):.3f} s, with a /8 telescope {med(b):.3f} s "
          f"(process time, n={args.repeat})")
    print(f"overhead: median ratio {ratio:.2f} ({100 * (ratio - 1):.0f}%)   goal <= 20%")
    print(f"telescope saw {sb['observers']['caida']['packets_total']:,} packets from "
          f"{sb['observers']['caida']['unique_sources_total']:,} sources (last seed)")


if __name__ == "__main__":
    main()
