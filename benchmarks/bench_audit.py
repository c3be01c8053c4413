"""Audit throughput on a generated combined log, beside grep on the same file in the same run.

    python benchmarks/bench_audit.py [--size-mb 1024] [--repeat 3] [--keep PATH] [--jobs N]

Prints medians: audit MB/s (every line counted and shape-checked, every marker line fully
parsed and classified; worker processes as the CLI uses them, or --jobs), grep -c -E MB/s, their
ratio, and the audit's peak memory: the total RSS of the audit process and its workers, sampled
every 20 ms from /proc, and an upper bound that cannot miss a short peak (the parent's peak RSS
plus, per worker, the largest worker's peak, from getrusage). The file is written to a
temporary directory and deleted afterwards unless --keep names a path.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GREP = ["grep", "-c", "-E", r"default\.ida|root\.exe|cmd\.exe"]
CHILD = r"""
import json, resource, sys, time
from wormcast.audit.run import run_audit
jobs = int(sys.argv[2]) if sys.argv[2] != "auto" else None
t = time.perf_counter()
a = run_audit([sys.argv[1]], jobs=jobs)
dt = time.perf_counter() - t
f = a.files[0]
print(json.dumps({"seconds": dt, "lines": f.lines, "malformed": f.malformed_lines,
                  "matched": sum(a.detector.requests),
                  "self_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def _tree_rss_kb(root: int) -> int:
    """Resident memory (VmRSS) of ``root`` and all its descendants, now, from /proc (Linux)."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:
            continue
        parent[int(d)] = int(fields["PPid"])
        rss[int(d)] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(c for c, pp in parent.items() if pp == p)
    return total


def _run_audit(cmd: list[str], env: dict) -> dict:
    """Run the audit child; sample its process tree's total RSS every 20 ms."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            stop.wait(0.02)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, _ = proc.communicate()
    stop.set()
    th.join()
    if proc.returncode:
        raise SystemExit(f"audit child failed with status {proc.returncode}")
    res = json.loads(out)
    res["tree_rss_mb"] = peak / 1024
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--worm-share", type=float, default=0.004,
                    help="share of generated events that are worm requests (0.004: about 1%% of lines, Nimda scans being 16 lines)")
    ap.add_argument("--keep", help="write the log here and keep it")
    ap.add_argument("--jobs", default="auto", help="audit worker processes (default: auto, as the CLI)")
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
            audit_runs.append(_run_audit([sys.executable, "-c", CHILD, str(path), args.jobs], env))
        from wormcast.audit.parallel import MIN_BYTES, default_jobs

        n_workers = (default_jobs() if args.jobs == "auto" else int(args.jobs)) if size >= MIN_BYTES else 1
        n_workers = n_workers if n_workers > 1 else 0
        a_runs = " ".join(f"{r['seconds']:.2f}" for r in audit_runs)
        g_runs = " ".join(f"{x:.2f}" for x in grep_s)
        print(f"runs (s): audit {a_runs}; grep {g_runs}")
        a_s = statistics.median(r["seconds"] for r in audit_runs)
        g_s = statistics.median(grep_s)
        last = audit_runs[-1]
        print(f"file: {mb:.0f} MB, {last['lines']} lines, {last['matched']} worm requests matched "
              f"(grep counts {g.stdout.strip()} lines), {last['malformed']} malformed")
        print(f"audit: {mb / a_s:.0f} MB/s (median of {args.repeat}: {a_s:.2f} s)")
        print(f"grep:  {mb / g_s:.0f} MB/s (median of {args.repeat}: {g_s:.2f} s)")
        print(f"ratio audit/grep: {g_s / a_s:.2f} (target >= 0.33)")
        tree = max(r["tree_rss_mb"] for r in audit_runs)
        bound = max(r["self_rss_mb"] + n_workers * r["child_rss_mb"] for r in audit_runs)
        print(f"audit peak RSS, parent + workers: {tree:.0f} MB sampled every 20 ms; upper bound {bound:.0f} MB "
              f"(parent peak + {n_workers} x largest worker peak) (target < 200 MB)")
    finally:
        if tmpdir:
            path.unlink(missing_ok=True)
            os.rmdir(tmpdir)


if __name__ == "__main__":
    main()
