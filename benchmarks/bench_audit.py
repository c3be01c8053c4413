"""Audit throughput on a generated combined log, beside grep on the same file in the same run.

    python benchmarks/bench_audit.py [--size-mb 1024] [--repeat 3] [--keep PATH]

Prints medians: audit MB/s (every line counted and shape-checked, every marker line fully
parsed and classified), grep -c -E MB/s, their ratio, and the audit's peak RSS. The file is
written to a temporary directory and deleted afterwards unless --keep names a path.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GREP = ["grep", "-c", "-E", r"default\.ida|root\.exe|cmd\.exe"]
CHILD = r"""
import json, resource, sys, time
from wormcast.audit.run import run_audit
t = time.perf_counter()
a = run_audit([sys.argv[1]])
dt = time.perf_counter() - t
f = a.files[0]
print(json.dumps({"seconds": dt, "lines": f.lines, "malformed": f.malformed_lines,
                  "matched": sum(s.requests for s in a.detector.sources.values()),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--worm-share", type=float, default=0.004,
                    help="share of generated events that are worm requests (0.004: about 1%% of lines, Nimda scans being 16 lines)")
    ap.add_argument("--keep", help="write the log here and keep it")
    args = ap.parse_args()

    sys.path.insert(0, str(ROOT))
    from wormcast.audit.synth import write_combined

    tmpdir = None
    if args.keep:
        path = Path(args.keep)
    else:
        tmpdir = tempfile.mkdtemp(prefix="wormcast-bench-")
        path = Path(tmpdir) / "access.log"
    try:
        t = time.perf_counter()
        size = write_combined(path, args.size_mb * 1024 * 1024, seed=1, worm_share=args.worm_share)
        print(f"generated {size / 1e6:.0f} MB in {time.perf_counter() - t:.0f} s: {path}")
        mb = size / 1e6
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        grep_s, audit_runs = [], []
        subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
        for _ in range(args.repeat):
            t = time.perf_counter()
            g = subprocess.run(GREP + [str(path)], capture_output=True, text=True, check=False)
            grep_s.append(time.perf_counter() - t)
            r = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, env=env, check=True)
            audit_runs.append(json.loads(r.stdout))
        a_s = statistics.median(r["seconds"] for r in audit_runs)
        g_s = statistics.median(grep_s)
        last = audit_runs[-1]
        print(f"file: {mb:.0f} MB, {last['lines']} lines, {last['matched']} worm requests matched "
              f"(grep counts {g.stdout.strip()} lines), {last['malformed']} malformed")
        print(f"audit: {mb / a_s:.0f} MB/s (median of {args.repeat}: {a_s:.2f} s)")
        print(f"grep:  {mb / g_s:.0f} MB/s (median of {args.repeat}: {g_s:.2f} s)")
        print(f"ratio audit/grep: {g_s / a_s:.2f} (target >= 0.33)")
        print(f"audit peak RSS: {max(r['peak_rss_mb'] for r in audit_runs):.0f} MB (target < 200 MB)")
    finally:
        if tmpdir:
            path.unlink(missing_ok=True)
            os.rmdir(tmpdir)


if __name__ == "__main__":
    main()
