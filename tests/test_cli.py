"""The command line as a user meets it: outputs, reproducibility, and one-line errors with exit status 2."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

FAST = ["--set", "population.vulnerable=20000", "--set", "worm.scan_rate.mean=120",
        "--set", "end=2001-07-19T14:00:00Z", "--set", "seeding.initial_infected=5"]


def wormcast(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "wormcast", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_presets_lists_one_line_each():
    p = wormcast("presets")
    assert p.returncode == 0
    lines = p.stdout.strip().splitlines()
    names = [ln.split()[0] for ln in lines]
    assert names == sorted(set(names))  # one line each, in order
    assert {"blaster", "codered-hotmail", "codered-ii", "codered-v1", "codered-v2", "nimda"} <= set(names)


def test_run_writes_every_output(tmp_path):
    out = tmp_path / "run"
    p = wormcast("run", "codered-v2", "--seed", "3", "--out", str(out), *FAST)
    assert p.returncode == 0, p.stderr
    assert "vulnerable hosts were infected" in p.stdout
    assert "\r" not in p.stderr  # no progress bar when not on a terminal
    summary = json.loads((out / "summary.json").read_text())
    for key in ["scenario", "seed", "start", "end", "vulnerable", "ever_infected", "peak_infected",
                "peak_infected_time", "peak_new_infections_per_min", "time_to_half_infected_h", "probes_total",
                "wall_seconds", "version"]:
        assert key in summary
    assert summary["seed"] == 3 and summary["start"] == "2001-07-19T10:00:00Z"
    csv = pd.read_csv(out / "timeseries.csv")
    pq = pd.read_parquet(out / "timeseries.parquet")
    assert len(csv) == 240 and list(csv.columns) == list(pq.columns)
    for col in ["time", "susceptible", "infected", "ever_infected", "patched", "new_infections", "probes"]:
        assert col in csv.columns
    assert csv.time.iloc[0] == "2001-07-19T10:00:00Z" and csv.time.iloc[1] == "2001-07-19T10:01:00Z"
    assert csv.new_infections.sum() >= summary["ever_infected"] - 5
    assert csv.probes.sum() == summary["probes_total"]
    assert (out / "outbreak.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "<script" not in html.lower()
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]  # no staging leftovers


def test_same_seed_byte_identical_timeseries_other_seed_differs(tmp_path):
    for name, seed in [("a", "7"), ("b", "7"), ("c", "8")]:
        assert wormcast("run", "codered-v2", "--seed", seed, "--out", str(tmp_path / name), *FAST).returncode == 0
    for f in ["timeseries.csv", "timeseries.parquet"]:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
        assert (tmp_path / "a" / f).read_bytes() != (tmp_path / "c" / f).read_bytes()


def test_interval_option(tmp_path):
    p = wormcast("run", "codered-v2", "--interval", "15min", "--out", str(tmp_path / "o"), *FAST)
    assert p.returncode == 0, p.stderr
    df = pd.read_csv(tmp_path / "o" / "timeseries.csv")
    assert len(df) == 16 and df.time.iloc[1] == "2001-07-19T10:15:00Z"


@pytest.mark.parametrize("args, fragment", [
    (["run", "no-such-preset"], "unknown scenario 'no-such-preset'"),
    (["run", "codered-v2", "--set", "worm.speed=3"], "worm.speed: unknown key"),
    (["run", "codered-v2", "--set", "worm.scan_rate.mean=-2"], "worm.scan_rate.mean"),
    (["run", "codered-v2", "--set", "population.vulnerable=9999999999"], "above the limit of 20,000,000 hosts"),
    (["run", "codered-v2", "--set", "worm.exclude=['300.0.0.0/8']"], "not a valid IPv4 CIDR"),
    (["run", "codered-v2", "--set", "end=2001-07-18T00:00:00Z"], "must be after start"),
    (["run", "codered-v2", "--interval", "7s"], "--interval 7s"),
    (["run", "codered-v2", "--set", "novalue"], "expected key=value"),
])
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, args, fragment):
    out = tmp_path / "out"
    p = wormcast(*args, "--out", str(out))
    assert p.returncode == 2
    assert fragment in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    assert not out.exists()


def test_malformed_toml_file(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text("name = 'x'\nstart = 2001-07-19T10:00:00Z\nend = \n")
    p = wormcast("run", str(f), "--out", str(tmp_path / "o"))
    assert p.returncode == 2 and "malformed TOML" in p.stderr and "Traceback" not in p.stderr


def test_unwritable_out_keeps_what_was_there(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    p = wormcast("run", "codered-v2", "--out", str(blocker / "sub"), *FAST)
    assert p.returncode == 2 and "--out" in p.stderr and "Traceback" not in p.stderr
    p = wormcast("run", "codered-v2", "--out", str(blocker), *FAST)
    assert p.returncode == 2 and "not a directory" in p.stderr
    assert blocker.read_text() == "keep me"


def test_rerun_replaces_previous_outputs_whole(tmp_path):
    out = tmp_path / "o"
    assert wormcast("run", "codered-v2", "--seed", "1", "--out", str(out), *FAST).returncode == 0
    assert wormcast("run", "codered-v2", "--seed", "2", "--out", str(out), *FAST).returncode == 0
    assert json.loads((out / "summary.json").read_text())["seed"] == 2


def test_scenario_file_with_csv_population(tmp_path):
    (tmp_path / "pop.csv").write_text("prefix,count\n20.0.0.0/12,3000\n30.1.0.0/16,2000\n")
    text = Path(__file__).resolve().parents[1].joinpath("wormcast/config/presets/codered-v2.toml").read_text()
    text = text.replace("vulnerable = 370000", 'csv = "pop.csv"')
    for key in ("active_slash8", "slash8_tail", "slash16_occupancy", "slash16_sigma"):
        text = "\n".join(ln for ln in text.splitlines() if not ln.startswith(key))
    (tmp_path / "mine.toml").write_text(text.replace('name = "codered-v2"', 'name = "mine"'))
    p = wormcast("run", "mine.toml", "--set", "worm.scan_rate.mean=3000", "--set", "end=2001-07-19T12:00:00Z",
                 cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    summary = json.loads((tmp_path / "out" / "mine" / "summary.json").read_text())
    assert summary["vulnerable"] == 5000 and summary["ever_infected"] > 100


def test_progress_bar_only_on_a_terminal(tmp_path):
    """On a pseudo-terminal the run shows a progress bar on stderr (the pipe case is checked above)."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # child: stdout and stderr are the terminal
        os.execv(sys.executable, [sys.executable, "-m", "wormcast", "run", "codered-v2", "--out",
                                  str(tmp_path / "o"), *FAST])
    chunks = []
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    text = b"".join(chunks).decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0
    assert "simulating" in text and "%" in text
