"""Memory does not grow with the input: bounded per-source, per-bin and per-event state."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wormcast.audit import detect
from wormcast.audit.detect import Detector, SourceTable
from wormcast.audit.rules import RuleSet
from wormcast.audit.synth import write_gzip_log
from wormcast.audit.timeline import Bins, timeline

ROOT = Path(__file__).resolve().parents[2]
RULES = RuleSet.load()
GROWTH_MB = 60  # what the audit itself may add to the process once its libraries are loaded
WHOLE_MB = 200  # issue 9's target for the whole process (benchmarks/bench_audit_memory.py on 2.7 GB)

# The peak is read from /proc/self/status VmHWM, which starts afresh at exec: getrusage's ru_maxrss
# survives exec, so a child forked from a large pytest process would report pytest's size. VmHWM also
# counts the shared libraries' file pages, and how many of those are resident depends on the page cache
# (on a freshly installed .venv, pandas alone mapped ~30 MB more than on an old one): the test bounds the
# audit's own growth above the loaded libraries, and the whole. The audit never loads pandas (~80 MB of
# code pages alone): its timeline is plain arrays (audit/timeline.Timeline).
CHILD = r"""
import argparse, contextlib, io, json, sys
import numpy, matplotlib.figure, scipy.optimize  # what the audit loads anyway: the baseline includes them
from wormcast.audit.cli import register
base = [line for line in open("/proc/self/status") if line.startswith("VmRSS:")][0].split()[1]
p = argparse.ArgumentParser(prog="wormcast"); register(p.add_subparsers())
args = p.parse_args(["audit", *sys.argv[1:]])
with contextlib.redirect_stdout(io.StringIO()):
    rc = args.func(args)
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0].split()[1]
print(json.dumps({"rc": rc, "peak_mb": int(hwm) / 1024, "base_mb": int(base) / 1024,
                  "pandas": "pandas" in sys.modules}))
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc for the peak RSS")
def test_multi_hundred_mb_gzip_in_bounded_memory(tmp_path):
    """300 MB unpacked (a 1.3 MB .gz): about 650,000 Code Red lines, dated from 1990 to 2099, plus
    20,000 distinct sources; the old code kept ~370 bytes per request (> 350 MB here)."""
    log = tmp_path / "huge.log.gz"
    size = write_gzip_log(log, 300_000_000, distinct_sources=20_000)
    assert size > 290_000_000 and log.stat().st_size < 5_000_000
    out = tmp_path / "o"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", CHILD, str(log), "--out", str(out), "--bin-seconds", "1"],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["rc"] == 0 and 40 < res["peak_mb"] < WHOLE_MB, res
    assert not res["pandas"], res  # pandas alone would add ~80 MB
    assert res["peak_mb"] - res["base_mb"] < GROWTH_MB, res  # the old code grew by > 350 MB here
    doc = json.loads((out / "audit.json").read_text())
    f = doc["files"][0]
    assert f["malformed_lines"] == 2 and f["lines"] > 650_000
    cr = doc["signatures"]["codered1"]
    assert cr["requests"] == f["lines"] - 2 and cr["sources"] == 20_000  # 10.0.0.1 is one of them
    tl = doc["timeline"]
    # 110 years in bins of 1 s: widened to 2**19 s (6 days) so that at most 10,000 bins remain.
    assert (tl["bin_seconds_requested"], tl["bin_seconds"]) == (1, 2 ** 19)
    assert len(tl["rows"]) <= 2 * 10_000
    assert (out / "audit.json").stat().st_size < 5_000_000


def test_source_table_cap_keeps_totals_exact():
    det = Detector(RULES, max_sources=10)
    v = RULES.classify("/cgi-bin/root.exe?/c+dir")
    for i in range(25):
        det.record("f", i + 1, 1e9 + i, f"10.0.0.{i}", 404, v, None, None)
    sig = det.signatures()["root-exe"]
    assert len(det.sources) == 10 and det.untracked_sources
    assert sig["requests"] == 25 and sig["sources"] == 10 and sig["untracked_requests"] == 15
    # Negative control: under the cap nothing is untracked.
    det = Detector(RULES, max_sources=100)
    for i in range(25):
        det.record("f", i + 1, 1e9 + i, f"10.0.0.{i}", 404, v, None, None)
    assert not det.untracked_sources and det.signatures()["root-exe"]["sources"] == 25


def test_per_source_cost_is_constant():
    """A source's storage does not grow with its requests: flat arrays, one entry per source."""
    tab = SourceTable(1000)
    for k in range(5000):
        tab.add("1.2.3.4", 1e9 + k, k % 2)
    assert len(tab) == 1 and len(tab.first) == 1 and tab.requests[0] == 5000
    assert tab.per_signature(0) == {0: (2500, 1e9), 1: (2500, 1e9 + 1)}


def test_bins_are_capped_and_order_free():
    events = [1e9, 1e9 + 5, 1e9 + 3600 * 24 * 365 * 50, 1e9 + 7200] * 3
    widths = set()
    for seed in range(5):
        random.Random(seed).shuffle(events)
        b = Bins(1, 1, max_bins=100)
        for t in events:
            b.add(0, t)
        assert b.hi - b.lo + 1 <= 100 and sum(b.counts[0].values()) == len(events)
        widths.add(b.width)
    span = 3600 * 24 * 365 * 50
    assert len(widths) == 1 and (w := widths.pop()) >= span / 100 and w / 2 < span / 99
    # Negative control: a short span keeps the requested width.
    b = Bins(1, 60, max_bins=100)
    for t in (1e9, 1e9 + 600):
        b.add(0, t)
    assert b.width == 60


def test_timeline_of_a_table_matches_bins():
    ev = pd.DataFrame({"time": pd.to_datetime([1e9, 1e9 + 10, 1e9 + 7300], unit="s", utc=True),
                       "signature": ["codered1", "codered1", "nimda"], "source": ["a", "b", "a"]})
    tl = timeline(ev, 3600)
    allsig = tl["all"]
    assert list(allsig.probes) == [2, 0, 1] and list(allsig.new_sources) == [2, 0, 0]


def test_reservoir_of_arrival_times(monkeypatch):
    """Up to RESERVOIR arrivals are kept exactly; beyond, a uniform sample, and compare says so."""
    from wormcast.audit.compare import compare_arrivals

    monkeypatch.setattr(detect, "RESERVOIR", 1000)
    det = Detector(RULES)
    v = RULES.classify("/cgi-bin/root.exe?/c+dir")
    rng = np.random.default_rng(1)
    times = np.sort(rng.uniform(1e9, 1e9 + 86400, 20_000))
    for i, t in enumerate(times):
        det.record("f", i, float(t), "1.1.1.1", 404, v, None, None)
    sample, total = det.arrivals(["root-exe"])
    assert total == 20_000 and len(sample) == 1000
    # A uniform sample: its share in the first half is 0.5 within 5 standard errors (0.016).
    assert abs((sample < 1e9 + 43200).mean() - 0.5) < 0.08
    sim = pd.DataFrame({"time": pd.to_datetime([1e9, 1e9 + 43200, 1e9 + 86400], unit="s", utc=True),
                        "probes": [20_000, 20_000, 0]})
    r = compare_arrivals(sim, 1, 1, sample, (1e9, 1e9 + 86400), total)
    assert r["observed_exact"] is False and r["sample_size"] == 1000
    assert abs(r["observed"] - 20_000) <= 1  # the window holds every arrival
    r = compare_arrivals(sim, 1, 1, times, (1e9, 1e9 + 86400))
    assert r["observed_exact"] is True and r["observed"] == 20_000
