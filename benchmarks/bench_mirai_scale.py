"""The mirai-scale preset (10 million vulnerable devices, 7 days, churn and reboots): core time and peak memory.

    python benchmarks/bench_mirai_scale.py [--repeat 1] [--seed 0] [--set KEY=VALUE ...]

Each repeat runs in a fresh process: the world is built, then the simulation core (``Simulation(...).run()``:
the setup of its components and every step) is timed in process CPU seconds and in wall seconds; the peak
RSS of the process (getrusage, world building included) is its peak memory. Prints the medians over the
repeats, and the run's peak and steady-state figures. Goals (issue 10): core at most 60 s, peak RSS at
most 4 GB. The machine may be shared: quote CPU seconds; keep --repeat at 1 or 2 there.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
import numpy as np
import wormcast
from wormcast.core.loop import Simulation
from wormcast.core.streams import Streams
from wormcast.world.population import build_world

sc = wormcast.load_scenario("mirai-scale", json.loads(sys.argv[2]))
seed = int(sys.argv[1])
t0 = time.process_time()
world = build_world(sc.population, Streams(seed)["population"], sc.base_dir, sc.orgs)
t1, w1 = time.process_time(), time.perf_counter()
r = Simulation(sc, seed, world=world).run()
t2, w2 = time.process_time(), time.perf_counter()
inf = r.series.data["infected"]
days = int(round(86400 / sc.step))
print(json.dumps({"world_cpu_s": t1 - t0, "core_cpu_s": t2 - t1, "core_wall_s": w2 - w1,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "peak_infected": r.summary["peak_infected"], "peak_time": r.summary["peak_infected_time"],
                  "steady_days_3_7": [int(inf[3 * days:].min()), int(inf[3 * days:].max())]}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    a = ap.parse_args()
    runs = []
    for i in range(a.repeat):
        out = subprocess.run([sys.executable, "-c", CHILD, str(a.seed + i), json.dumps(a.set)],
                             check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
        print(f"run {i + 1}: {runs[-1]}", flush=True)
    med = {k: statistics.median(r[k] for r in runs) for k in ("world_cpu_s", "core_cpu_s", "core_wall_s",
                                                              "peak_rss_mb")}
    print(f"mirai-scale, {a.repeat} run(s), medians: core {med['core_cpu_s']:.1f} s CPU "
          f"({med['core_wall_s']:.1f} s wall), world {med['world_cpu_s']:.1f} s CPU, "
          f"peak RSS {med['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
