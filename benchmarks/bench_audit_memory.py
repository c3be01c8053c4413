"""Peak memory of `wormcast audit` on a multi-GB (unpacked) compressed log, and its throughput.

    python benchmarks/bench_audit_memory.py [--size-mb 2700] [--sources 1000000] [--repeat 1]
                                            [--bin-seconds 1] [--jobs auto]

Writes a highly compressible .gz (:func:`wormcast.audit.synth.write_gzip_log`: identical Code Red
lines, the first dated 1990 and the last 2099, two lines dated 0001 and 9999, then ``--sources``
lines from as many distinct addresses), runs the whole CLI on it (reading, timeline, audit.json,
sources.csv, report.html) in a child process, and prints medians: unpacked MB/s, and the peak RSS
of the audit process and its workers together (sampled every 20 ms from /proc, and the parent's
VmHWM high-water mark, which cannot miss a short peak). Target: < 200 MB whatever the size or span.
The defaults reproduce the case of issue 9 (2.7 GB unpacked, ~10 MB .gz) plus a million sources.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_audit import _run_audit  # noqa: E402  (the same sampling of the process tree's RSS)

CHILD = r"""
import argparse, contextlib, io, json, resource, sys, time
from wormcast.audit.cli import register
p = argparse.ArgumentParser(prog="wormcast"); register(p.add_subparsers())
args = p.parse_args(["audit", *sys.argv[1:]])
t = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):  # the summary: only the figures below are printed
    rc = args.func(args)
# VmHWM starts afresh at exec (ru_maxrss would also count the forked parent before exec).
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0].split()[1]
print(json.dumps({"rc": rc, "seconds": time.perf_counter() - t, "self_rss_mb": int(hwm) / 1024,
                  "child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=2700, help="unpacked size in MB (default 2700)")
    ap.add_argument("--sources", type=int, default=1_000_000, help="lines from distinct addresses (default 1e6)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--bin-seconds", default="1", help="--bin-seconds for the audit (default 1: the worst case)")
    ap.add_argument("--jobs", default="auto")
    args = ap.parse_args()

    from wormcast.audit.synth import write_gzip_log

    with tempfile.TemporaryDirectory(prefix="wormcast-bench-mem-") as tmp:
        log = Path(tmp) / "huge.log.gz"
        t = time.perf_counter()
        size = write_gzip_log(log, args.size_mb * 1_000_000, distinct_sources=args.sources)
        print(f"generated {size / 1e6:.0f} MB unpacked ({log.stat().st_size / 1e6:.1f} MB .gz) "
              f"in {time.perf_counter() - t:.0f} s")
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        runs = []
        for k in range(args.repeat):
            argv = [str(log), "--out", str(Path(tmp) / f"o{k}"), "--bin-seconds", args.bin_seconds]
            if args.jobs != "auto":
                argv += ["--jobs", args.jobs]
            runs.append(_run_audit([sys.executable, "-c", CHILD, *argv], env))
        doc = json.loads((Path(tmp) / "o0" / "audit.json").read_text())
        f, cr = doc["files"][0], doc["signatures"]["codered1"]
        json_mb = (Path(tmp) / "o0" / "audit.json").stat().st_size / 1e6
        print(f"file: {f['lines']} lines, {f['malformed_lines']} malformed; codered1 {cr['requests']} requests, "
              f"{doc['sources_total']} sources kept (complete: {doc['sources_complete']}); timeline bins "
              f"{doc['timeline']['bin_seconds']} s for {doc['timeline']['bin_seconds_requested']} s asked, "
              f"{len(doc['timeline']['rows'])} rows; audit.json {json_mb:.1f} MB")
        secs = statistics.median(r["seconds"] for r in runs)
        times = " ".join(f"{r['seconds']:.1f}" for r in runs)
        print(f"runs (s): {times}")
        print(f"audit: {size / 1e6 / secs:.0f} MB/s unpacked (median of {len(runs)}: {secs:.1f} s)")
        tree = statistics.median(r["tree_rss_mb"] for r in runs)
        own = statistics.median(r["self_rss_mb"] for r in runs)
        print(f"audit peak RSS: {tree:.0f} MB process tree sampled every 20 ms; parent high-water mark (VmHWM) {own:.0f} MB "
              f"(target < 200 MB)")


if __name__ == "__main__":
    main()
