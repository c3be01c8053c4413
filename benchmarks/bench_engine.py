"""Engine benchmark: the codered-v2 preset (370,000 hosts, 2^32 addresses, 10:00 to 00:00 UTC, per-host state).

Prints medians of: the simulation core (Simulation.run, one core), building the world, the whole
`wormcast run codered-v2` command, its peak memory, and simulated probes per wall second.
Targets (issue 2): core <= 1 s, command <= 5 s, peak memory <= 500 MB. The issue-10 core goals (codered-v2
within 2.5x of the count-only reference, codered-ii <= 2 s, codered-hotmail <= 8 s), in process time and
interleaved against another checkout: benchmarks/bench_core.py.

    .venv/bin/python benchmarks/bench_engine.py [--repeat 5] [--scenario codered-v2]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--scenario", default="codered-v2")
    args = ap.parse_args()

    from wormcast.config.loading import load_scenario
    from wormcast.core.loop import Simulation

    sc = load_scenario(args.scenario)
    core, build, probes = [], [], []
    for seed in range(args.repeat):
        t0 = time.perf_counter()
        sim = Simulation(sc, seed)
        t1 = time.perf_counter()
        r = sim.run()
        t2 = time.perf_counter()
        build.append(t1 - t0)
        core.append(t2 - t1)
        probes.append(r.summary["probes_total"])
    cmd, rss = [], []
    for seed in range(max(3, args.repeat // 2)):
        with tempfile.TemporaryDirectory() as tmp:
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "wormcast", "run", args.scenario, "--seed", str(seed),
                            "--out", os.path.join(tmp, "o")], check=True, capture_output=True)
            cmd.append(time.perf_counter() - t0)
            rss.append(max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024)
    med = statistics.median
    print(f"scenario: {args.scenario}, {r.summary['vulnerable']:,} hosts, {sim.n_steps} steps of {sc.step:g} s")
    print(f"simulation core: median {med(core):.3f} s (min {min(core):.3f}, max {max(core):.3f}, n={len(core)})"
          "   target <= 1 s")
    print(f"world build:     median {med(build):.3f} s")
    print(f"whole command:   median {med(cmd):.2f} s (n={len(cmd)})   target <= 5 s")
    print(f"peak memory:     {max(rss):.0f} MB (max RSS of the command)   target <= 500 MB")
    print(f"throughput:      {med(p / c for p, c in zip(probes, core)):.3g} simulated probes per wall second "
          f"({med(probes):.3g} probes per run)")


if __name__ == "__main__":
    main()
