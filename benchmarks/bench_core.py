"""Simulation-core speed of a preset, interleaved A/B against another checkout, in process time.

Times ``Simulation(load_scenario(SCENARIO), seed).run()`` (the world built beforehand, not counted) in a
fresh child process per repetition, with CPU time (``time.process_time``: steadier than wall time on a
shared machine). With ``--against DIR`` (a checkout of another commit, e.g. made with
``git archive main | tar -x -C /tmp/base``) the repetitions alternate between this tree and DIR, so both
see the same machine load. For codered-v2 it also times the count-only reference loop
(``../shared/bench/refsim.py``, one 14-hour day in 1 s steps, no per-host state) in the same rotation and
prints the ratio of the medians. Goals (issue 10): codered-v2 core within 2.5x refsim, codered-ii core
<= 2 s, codered-hotmail's main run (without its audit-interval comparison runs) <= 8 s.

    python benchmarks/bench_core.py [--scenario codered-v2] [--repeat 5] [--seed 1] [--against /tmp/base]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFSIM = ROOT.parent / "shared" / "bench" / "refsim.py"
GOALS = {"codered-v2": "within 2.5x refsim", "codered-ii": "<= 2 s", "codered-hotmail": "<= 8 s"}

CHILD = """
import os, sys, time
from wormcast.config.loading import load_scenario
from wormcast.core.loop import Simulation
sim = Simulation(load_scenario(sys.argv[1]), int(sys.argv[2]))
t = time.process_time(); sim.run(); print(time.process_time() - t)
"""

REF = """
import runpy, sys, time
mod = runpy.run_path(sys.argv[1])
t = time.process_time(); mod["run"](seed=1); print(time.process_time() - t)
"""


def _child(code: str, args: list[str], tree: Path | None) -> float:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, check=True, capture_output=True, text=True,
                         cwd=tree or ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="codered-v2")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--against", type=Path, default=None, help="another checkout to compare with (A/B)")
    args = ap.parse_args()
    ref = args.scenario == "codered-v2" and REFSIM.exists()
    this, other, refs = [], [], []
    for _ in range(args.repeat):
        this.append(_child(CHILD, [args.scenario, str(args.seed)], ROOT))
        if args.against is not None:
            other.append(_child(CHILD, [args.scenario, str(args.seed)], args.against))
        if ref:
            refs.append(_child(REF, [str(REFSIM)], None))
    med = statistics.median
    print(f"{args.scenario} simulation core (seed {args.seed}), process time, n={args.repeat}; goal: "
          f"{GOALS.get(args.scenario, '-')}")
    print(f"  this tree:  median {med(this):.3f} s (min {min(this):.3f}, max {max(this):.3f})")
    if other:
        print(f"  {args.against}: median {med(other):.3f} s (min {min(other):.3f}, max {max(other):.3f});"
              f" speed-up {med(other) / med(this):.2f}x")
    if refs:
        print(f"  refsim.py:  median {med(refs):.3f} s; this tree / refsim = {med(this) / med(refs):.2f}x"
              + (f", {args.against} / refsim = {med(other) / med(refs):.2f}x" if other else ""))


if __name__ == "__main__":
    main()
