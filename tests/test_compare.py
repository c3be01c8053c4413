"""What-if comparisons: an ensemble per value with common random numbers, medians with intervals."""

import json
import subprocess
import sys

import numpy as np
import pytest

from wormcast.api import resolve
from wormcast.core.loop import Simulation
from wormcast.errors import WormcastError
from wormcast.runs.compare import CompareTask, compare, parse_compare, run_compare_task

SMALL = ["population.vulnerable=20000", "end=2001-07-19T15:00:00Z", "seeding.initial_infected=20",
         "step=30s"]


def test_parse_compare():
    assert parse_compare("worm.scan_rate.mean=4,8,16") == ("worm.scan_rate.mean", ["4", "8", "16"])
    assert parse_compare('orgs.0.audit.compare=["0s","6h"],[]') == ("orgs.0.audit.compare", ['["0s","6h"]', "[]"])
    for bad in ("worm.scan_rate.mean", "worm.scan_rate.mean=4", "=4,5", "k=4,4"):
        with pytest.raises(WormcastError):
            parse_compare(bad)


def test_one_world_per_seed_gives_what_separate_runs_give():
    scs = tuple(resolve("codered-v2", SMALL + [f"worm.scan_rate.mean={v}"]) for v in (60, 90))
    task = run_compare_task(CompareTask(0, 17, scs))
    alone = [Simulation(s, 17).run().summary for s in scs]
    strip = [{k: v for k, v in d.items() if k != "wall_seconds"} for d in task["summaries"]]
    assert task["status"] == "ok" and strip == [{k: v for k, v in d.items() if k != "wall_seconds"} for d in alone]


@pytest.mark.slow
def test_common_random_numbers_sharpen_the_difference():
    """Two close scan rates: with the same seeds for both, the run-by-run differences in the time to half
    infected spread far less than between independent runs (the negative control: shifted seeds)."""
    cmp = compare("codered-v2", "worm.scan_rate.mean", ["200", "220"], runs=8, seed=3, extra=SMALL, workers=1)
    assert len(set(cmp.seeds)) == 8
    t = cmp.figure("time_to_half_infected_h")
    assert not np.isnan(t).any()
    paired = t[1] - t[0]
    unpaired = t[1] - np.roll(t[0], 1)  # the same runs, paired with another seed's run
    assert np.std(paired) < 0.5 * np.std(unpaired), (paired, unpaired)
    assert np.median(paired) < 0  # a faster worm reaches half sooner, and CRN shows it in every pair
    assert (paired < 0).mean() >= 7 / 8
    d = cmp.difference("time_to_half_infected_h", 1)
    assert d.low <= d.median <= d.high < 0 and d.n == 8
    assert cmp.rough  # 8 runs: fewer than 20, said so


def test_cli_compare_writes_medians_with_intervals(tmp_path):
    out = tmp_path / "cmp"
    args = [sys.executable, "-m", "wormcast", "run", "codered-v2", "--compare", "worm.scan_rate.mean=60,120",
            "--runs", "3", "--out", str(out), "--workers", "1"] + [a for s in SMALL for a in ("--set", s)]
    p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    doc = json.loads((out / "compare.json").read_text())
    assert doc["values"] == ["60", "120"] and doc["runs"] == 3 and doc["common_random_numbers"] and doc["rough"]
    row = doc["table"][1]["ever_infected"]
    assert row["low"] <= row["median"] <= row["high"] and row["n"] == 3
    assert "ever_infected (difference)" in doc["table"][1]
    html = (out / "report.html").read_text()
    assert "Fewer than 20 runs per value" in html and "common random" in html and "data:image/png" in html
    assert (out / "compare.csv").read_text().startswith("value,figure,median,low,high,n")


@pytest.mark.parametrize("extra, words", [
    (["--compare", "worm.scan_rate.mean=4,8", "--runs", "1"], "at least 2 runs"),
    (["--compare", "worm.scan_rate.mean=4"], "at least two values"),
    (["--compare", "worm.scan_rate.mean=4,inf"], "scan_rate"),
])
def test_cli_compare_refuses_in_one_line(tmp_path, extra, words):
    p = subprocess.run([sys.executable, "-m", "wormcast", "run", "codered-v2", "--out", str(tmp_path / "o"), *extra],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and words in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert not (tmp_path / "o").exists()
