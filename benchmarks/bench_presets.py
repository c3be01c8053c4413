"""The whole command ``wormcast run PRESET --out DIR`` per preset: wall time and CPU time (user + system of the
child, from getrusage), median over repeats, presets interleaved so machine load hits them alike.

    python benchmarks/bench_presets.py [PRESET ...] [--repeat 3]

Without names: every preset that ``wormcast presets`` lists. The issue's goal: at most 5 s per new preset.
On a shared machine wall time is noisy; CPU time is the steadier figure.
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
from pathlib import Path


def presets() -> list[str]:
    out = subprocess.run([sys.executable, "-m", "wormcast", "presets", "--json"], capture_output=True, text=True,
                         check=True).stdout
    import json

    return [row["name"] for row in json.loads(out)]


def run_once(name: str, out: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one whole ``wormcast run``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "wormcast", "run", name, "--out", str(out)], capture_output=True,
                       text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit(f"wormcast run {name} failed ({p.returncode}): {p.stderr.strip()[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", metavar="PRESET", help="presets to time (default: all listed)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per preset (median reported)")
    args = ap.parse_args(argv)
    names = args.names or presets()
    times: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(max(1, args.repeat)):
            for n in names:
                times[n].append(run_once(n, Path(tmp) / f"{n}-{r}"))
    print(f"{'preset':<18} {'wall median s':>14} {'cpu median s':>13}   (repeat {args.repeat}, {os.cpu_count()} cpus)")
    for n in names:
        print(f"{n:<18} {statistics.median(w for w, _ in times[n]):>14.2f} "
              f"{statistics.median(c for _, c in times[n]):>13.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
