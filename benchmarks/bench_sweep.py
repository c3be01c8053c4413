"""How fast many runs go: K runs of a scenario on the local pool with 1 and 2 workers, and on a Dask
LocalCluster with 2 workers. Prints wall times (median of --repeat), the speed-up of 2 workers over 1
(target >= 1.8x) and the overhead of the Dask LocalCluster against the local pool (target <= 20%).

Wall time counts from starting the pool or cluster to the last summary back, as a user waits for it.

    python benchmarks/bench_sweep.py [--runs 100] [--repeat 1] [--scenario codered-v2] [--set k=v ...]

``--startup`` instead measures how a large sweep starts: for 1,000 and 1,000,000 runs of one point (the
most allowed), the time until the first run is back and the client's memory growth after 20 runs
(targets: first run within 5 s, and the same memory for both counts within 20 MB, since tasks are streamed).
"""

from __future__ import annotations

import argparse
import statistics
import time


def timed(backend_factory, tasks) -> float:
    from wormcast.runs.ensemble.task import run_task

    t0 = time.perf_counter()
    with backend_factory() as be:
        bad = [res["status"] for _, res in be.map_unordered(run_task, tasks) if res["status"] != "ok"]
        lost = len(be.lost)
    wall = time.perf_counter() - t0
    if bad or lost:
        raise SystemExit(f"{len(bad)} runs failed and {lost} were lost of {len(tasks)}: "
                         f"{bad[0] if bad else be.lost[0][1]}")
    return wall


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:  # Linux
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:")) / 1024


def startup(sc, workers: int = 2) -> None:
    from wormcast.runs.backends import LocalBackend
    from wormcast.runs.ensemble.task import run_task
    from wormcast.runs.sweep.grid import Point
    from wormcast.runs.sweep.runner import _tasks

    print(f"start of a large sweep, local pool of {workers} workers:")
    growth = {}
    for runs in (1_000, 1_000_000):
        base = _rss_mb()
        t0 = time.perf_counter()
        with LocalBackend(workers) as be:
            it = be.map_unordered(run_task, _tasks([Point(0, ())], [sc], runs, 0, set()))
            next(it)
            first = time.perf_counter() - t0
            for _ in range(19):
                next(it)
            growth[runs] = _rss_mb() - base
            it.close()
        print(f"  {runs:>9,} runs: first run back after {first:5.2f} s; client memory +{growth[runs]:.1f} MB "
              "after 20 runs")
    print(f"  memory difference, 1,000,000 vs 1,000 runs: {growth[1_000_000] - growth[1_000]:+.1f} MB "
          "(target: within 20 MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--scenario", default="codered-v2")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster")
    ap.add_argument("--startup", action="store_true", help="measure how a 1,000,000-run sweep starts")
    args = ap.parse_args()

    from wormcast.api import resolve
    from wormcast.runs.backends import LocalBackend
    from wormcast.runs.ensemble.seeds import run_seed
    from wormcast.runs.ensemble.task import Task

    sc = resolve(args.scenario, args.set)
    if args.startup:
        return startup(sc)
    tasks = [Task(0, i, run_seed(0, 0, i), sc) for i in range(args.runs)]
    setups = {"local, 1 worker": lambda: LocalBackend(1), "local, 2 workers": lambda: LocalBackend(2)}
    if not args.no_dask:
        from wormcast.runs.backends import DaskBackend  # needs the [dask] extra

        setups["dask LocalCluster, 2 workers"] = lambda: DaskBackend(workers=2)
    times: dict[str, list[float]] = {k: [] for k in setups}
    names = list(setups)
    for rep in range(args.repeat):  # rotate the order so a neighbour's load spike does not hit one setup only
        for name in names[rep % len(names):] + names[:rep % len(names)]:
            times[name].append(timed(setups[name], tasks))
    print(f"{args.runs} runs of {args.scenario} ({' '.join(args.set) or 'as shipped'}), "
          f"median of {args.repeat} repeat(s):")
    med = {k: statistics.median(v) for k, v in times.items()}
    for name, t in med.items():
        print(f"  {name:<30} {t:8.2f} s wall  ({args.runs / t:.2f} runs/s)")
    print(f"  speed-up, 2 workers over 1:     {med['local, 1 worker'] / med['local, 2 workers']:.2f}x (target >= 1.8x)")
    if not args.no_dask:
        overhead = med["dask LocalCluster, 2 workers"] / med["local, 2 workers"] - 1
        print(f"  Dask LocalCluster overhead:     {100 * overhead:+.1f}% against the local pool (target <= 20%)")


if __name__ == "__main__":
    main()
