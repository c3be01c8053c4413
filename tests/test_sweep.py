"""Sweeps: grids, the durable store (resume, kills, failures), the final files and bad input."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wormcast.cli import main
from wormcast.errors import WormcastError
from wormcast.runs.backends import LocalBackend
from wormcast.runs.ensemble.seeds import run_seed
from wormcast.runs.sweep.grid import parse_grid, split_values

SHORT = ["end=2001-07-19T12:00:00Z", "population.vulnerable=50000", "worm.scan_rate.mean=100", "step=30s"]
SET = [a for o in SHORT for a in ("--set", o)]
GRID = ["--grid", "seeding.initial_infected=5,20"]
ROOT = Path(__file__).resolve().parents[1]


def sweep(out, *extra, runs="3"):
    return main(["sweep", "codered-v2", *GRID, "--runs", runs, "--seed", "9", "--out", str(out), *SET, *extra])


def no_results(tmp_path):
    return not any(tmp_path.rglob("results.parquet"))


def test_grid_is_the_full_factorial_in_order():
    keys, points = parse_grid(["a.b=1,2", "c=x,'y,z',[1, 2]"])
    assert keys == ["a.b", "c"]
    assert [p.overrides() for p in points][:4] == [["a.b=1", "c=x"], ["a.b=1", "c='y,z'"], ["a.b=1", "c=[1, 2]"],
                                                   ["a.b=2", "c=x"]]
    assert [p.index for p in points] == list(range(6))
    assert split_values('{a = 1, b = "2,3"}, 4') == ['{a = 1, b = "2,3"}', "4"]


@pytest.mark.parametrize("grid, message", [
    ([], "at least one --grid"),
    (["seeding.initial_infected="], "empty value"),
    (["seeding.initial_infected=1,,2"], "empty value"),
    (["seeding.initial_infected"], "expected KEY=V1"),
    (["=1,2"], "empty key"),
    (["a=1", "a=2"], "given twice"),
    (["a=1,1"], "listed twice"),
])
def test_grid_parse_errors(grid, message):
    with pytest.raises(WormcastError, match=message):
        parse_grid(grid)


def test_sweep_writes_tables_and_resumes_to_the_same_files(tmp_path, capsys):
    out = tmp_path / "sw"
    assert sweep(out, "--workers", "2") == 0
    printed = capsys.readouterr().out
    assert "seeding.initial_infected" in printed and "3/3" in printed
    res = pd.read_parquet(out / "results.parquet")
    assert len(res) == 6 and list(res.columns[:5]) == ["seeding.initial_infected", "point", "run", "seed", "status"]
    assert res["seeding.initial_infected"].tolist() == [5, 5, 5, 20, 20, 20]
    assert res["seed"].tolist() == [run_seed(9, p, r) for p in range(2) for r in range(3)]
    assert (res["status"] == "ok").all() and {"ever_infected", "wall_seconds", "version"} <= set(res.columns)
    agg = pd.read_csv(out / "aggregate.csv")
    assert agg["seeding.initial_infected"].tolist() == [5, 20] and agg["ok"].tolist() == [3, 3]
    for p in (0, 1):
        vals = res.loc[res["point"] == p, "ever_infected"].to_numpy(float)
        assert agg.loc[p, "ever_infected_p50"] == pytest.approx(np.median(vals))
        assert agg.loc[p, "ever_infected_p5"] == pytest.approx(np.percentile(vals, 5))
    # Fixed seeds: twenty first copies spread much further in two hours than five do.
    assert agg.loc[1, "ever_infected_p5"] > agg.loc[0, "ever_infected_p95"]
    html = (out / "report.html").read_text()
    assert html.count("<img") == 3 and "seeding.initial_infected" in html
    assert "Only 3 runs: with fewer than 20 runs" in html  # 3 runs per point: the bands are flagged
    assert "share of the vulnerable hosts ever infected" in html
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["runs"] == 3 and manifest["seed"] == 9 and len(manifest["points"]) == 2

    # Lose two runs and the final files, as a kill would; the re-run redoes only those two.
    before_res, before_agg = res, (out / "aggregate.csv").read_bytes()
    files = sorted((out / "runs").glob("*.json"))
    assert len(files) == 6
    kept = {f: f.stat().st_mtime_ns for f in files[1:5]}
    for f in (files[0], files[5], out / "results.parquet", out / "aggregate.csv", out / "report.html"):
        f.unlink()
    assert sweep(out) == 0
    assert "Resumed: 4 of 6 runs" in capsys.readouterr().out
    assert {f: f.stat().st_mtime_ns for f in kept} == kept
    after = pd.read_parquet(out / "results.parquet")
    cols = [c for c in after.columns if c != "wall_seconds"]
    pd.testing.assert_frame_equal(after[cols], before_res[cols])
    assert (out / "aggregate.csv").read_bytes() == before_agg

    # A finished sweep re-run does no work and changes nothing.
    assert sweep(out) == 0
    assert "Resumed: 6 of 6 runs" in capsys.readouterr().out
    assert (out / "aggregate.csv").read_bytes() == before_agg

    # `wormcast results DIR` prints the aggregate table.
    assert main(["results", str(out)]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].startswith("seeding.initial_infected") and len(table.splitlines()) == 3
    assert main(["results", str(out), "--csv"]) == 0
    assert capsys.readouterr().out.startswith("seeding.initial_infected,point,runs,done,ok,failed")


def test_points_file_form(tmp_path, capsys):
    pts = tmp_path / "points.csv"
    pts.write_text("seeding.initial_infected,worm.scan_rate.mean\n5,100\n20,80.5\n")
    out = tmp_path / "sw"
    assert main(["sweep", "codered-v2", "--points", str(pts), "--runs", "2", "--out", str(out), "--workers", "1",
                 *SET]) == 0
    res = pd.read_parquet(out / "results.parquet")
    assert res["worm.scan_rate.mean"].tolist() == [100.0, 100.0, 80.5, 80.5]
    assert res["seeding.initial_infected"].tolist() == [5, 5, 20, 20]
    assert res.loc[res["point"] == 1, "vulnerable"].tolist() == [50000, 50000]


def test_failed_runs_are_recorded_and_do_not_stop_the_others(tmp_path, capsys):
    (tmp_path / "hosts.csv").write_text("20.0.0.0/16,300\n30.0.0.0/24,200\n")
    toml = tmp_path / "small.toml"
    toml.write_text(
        'name = "small"\nstart = 2001-07-19T10:00:00Z\nend = 2001-07-19T10:30:00Z\n'
        '[population]\ncsv = "hosts.csv"\n'
        '[worm]\nname = "w"\n[worm.scan_rate]\nmean = 5.0\n')
    out = tmp_path / "sw"
    code = main(["sweep", str(toml), "--grid", "population.csv=hosts.csv,missing.csv", "--runs", "2",
                 "--out", str(out), "--workers", "2"])
    assert code == 1
    assert "2 of 4 runs failed" in capsys.readouterr().err
    res = pd.read_parquet(out / "results.parquet")
    assert res["status"].tolist()[:2] == ["ok", "ok"]
    assert all(s.startswith("error: ") and "missing.csv" in s for s in res["status"][2:])
    assert res["vulnerable"].tolist()[:2] == [500, 500] and res["vulnerable"].isna().tolist()[2:] == [True, True]
    agg = pd.read_csv(out / "aggregate.csv")
    assert agg["failed"].tolist() == [0, 2] and agg["ok"].tolist() == [2, 0]


@pytest.mark.parametrize("args, message", [
    (["--grid", "worm.nope=1,2"], "worm.nope: unknown key"),
    (["--grid", "population.vulnerable=abc,10"], "population.vulnerable=abc"),
    (["--grid", "seeding.initial_infected="], "empty value"),
    ([], "at least one --grid"),
    (GRID + ["--figure", "nonsense"], "--figure nonsense"),
    (GRID + ["--backend", "local", "--scheduler", "tcp://127.0.0.1:8786"], "--scheduler"),
    (GRID + ["--workers", "0"], "--workers 0"),
    (GRID + ["--runs", "0"], "--runs 0"),
    (GRID + ["--seed", "-3"], "--seed -3"),
    (GRID + ["--points", "x.csv"], "either --grid"),
    (["--points", "/nonexistent/points.csv"], "cannot read"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, capsys, args, message):
    out = tmp_path / "sw"
    assert main(["sweep", "codered-v2", "--out", str(out), *SET, *args]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err
    assert not out.exists()


def test_a_directory_with_another_sweep_is_refused(tmp_path, capsys):
    out = tmp_path / "sw"
    assert sweep(out, "--workers", "1", runs="1") == 0
    snapshot = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    for other in (["--runs", "2"], ["--seed", "10"], ["--set", "worm.scan_rate.mean=90"]):
        assert main(["sweep", "codered-v2", *GRID, "--runs", "1", "--seed", "9", "--out", str(out), *SET,
                     *other]) == 2
        err = capsys.readouterr().err
        assert "holds a different sweep" in err and len(err.strip().splitlines()) == 1
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == snapshot
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    assert sweep(stranger, runs="1") == 2
    assert "no sweep.json" in capsys.readouterr().err
    assert [p.name for p in stranger.iterdir()] == ["notes.txt"]


def test_killed_client_leaves_whole_files_and_resumes(tmp_path, capsys):
    out, whole = tmp_path / "sw", tmp_path / "whole"
    args = ["sweep", "codered-v2", "--grid", "seeding.initial_infected=5,20,40", "--runs", "8", "--seed", "9", *SET]
    cmd = [sys.executable, "-m", "wormcast", *args, "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list((out / "runs").glob("*.json"))) < 3:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    saved = list((out / "runs").glob("*.json"))
    assert 3 <= len(saved) < 24, "the sweep should have been killed part-way"
    for f in saved:
        assert json.loads(f.read_text())["status"] == "ok"
    assert not (out / "results.parquet").exists()
    assert main(["results", str(out)]) == 0
    assert "Partial:" in capsys.readouterr().err
    assert main([*args, "--out", str(out), "--workers", "2"]) == 0
    assert main([*args, "--out", str(whole), "--workers", "2"]) == 0
    a, b = pd.read_parquet(out / "results.parquet"), pd.read_parquet(whole / "results.parquet")
    assert len(a) == 24
    pd.testing.assert_frame_equal(a.drop(columns="wall_seconds"), b.drop(columns="wall_seconds"))


# --- the local pool survives dead workers --------------------------------------------------------------


def _die_once(item):
    """Kill this worker process the first time item 3 is seen (a marker file remembers)."""
    marker, value = item
    if value == 3 and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return value * 10


def _always_die(value):
    if value == 0:
        os._exit(1)
    return value * 10


def test_local_pool_reruns_the_runs_of_a_dead_worker(tmp_path):
    marker = str(tmp_path / "died")
    with LocalBackend(workers=2) as be:
        got = dict(be.map_unordered(_die_once, [(marker, v) for v in range(6)]))
    assert os.path.exists(marker)
    assert {k[1]: v for k, v in got.items()} == {v: v * 10 for v in range(6)} and be.lost == []


def test_local_pool_gives_up_on_a_run_that_always_kills_its_worker():
    with LocalBackend(workers=2, max_restarts=2) as be:
        got = dict(be.map_unordered(_always_die, range(6)))
    lost = [item for item, _ in be.lost]
    assert 0 in lost and 0 not in got
    assert sorted([*got, *lost]) == list(range(6)) and all(got[k] == k * 10 for k in got)


def test_organisation_figures_are_flattened_into_the_tables(tmp_path, capsys):
    farm = 'orgs=[{name="farm", blocks=["64.4.0.0/18"], servers=400, vulnerable_fraction=0.5}]'
    out = tmp_path / "sw"
    assert main(["sweep", "codered-v2", *GRID, "--runs", "2", "--out", str(out), "--workers", "2", *SET,
                 "--set", farm, "--figure", "orgs.farm.max_infected_servers"]) == 0
    assert "orgs.farm.max_infected_servers p50" in capsys.readouterr().out
    res = pd.read_parquet(out / "results.parquet")
    assert (res["orgs.farm.vulnerable_servers"] == 200).all()
    hit = res["orgs.farm.first_infection_time"].dropna()
    assert str(res["orgs.farm.first_infection_time"].dtype) == "datetime64[us, UTC]"
    assert len(hit) and all(pd.Timestamp("2001-07-19T10:00Z") <= t <= pd.Timestamp("2001-07-19T12:00Z") for t in hit)
    agg = pd.read_csv(out / "aggregate.csv")
    for p in (0, 1):
        vals = res.loc[res["point"] == p, "orgs.farm.max_infected_servers"].to_numpy(float)
        assert agg.loc[p, "orgs.farm.max_infected_servers_p50"] == pytest.approx(np.median(vals))
    assert "orgs.farm.max_infected_servers" in (out / "report.html").read_text()


# --- a point whose runs all fail -----------------------------------------------------------------------


RATES = ["--grid", "worm.scan_rate.mean=1,100,1000"]  # numeric, 1000x apart: the plots use a log x axis


def _fail_at_rate(monkeypatch, rate: float):
    """Every run at scan rate ``rate`` raises inside the worker (the local pool forks after this patch)."""
    import wormcast.runs.ensemble.task as task_mod

    real = task_mod.Simulation

    def simulation(scenario, seed):
        if scenario.worms[0].scan_rate.mean == rate:
            raise RuntimeError(f"no run at rate {rate:g}")
        return real(scenario, seed)

    monkeypatch.setattr(task_mod, "Simulation", simulation)


def test_a_point_whose_runs_all_fail_is_reported_and_the_report_written(tmp_path, capsys, monkeypatch):
    _fail_at_rate(monkeypatch, 100.0)
    out = tmp_path / "sw"
    common = ["sweep", "codered-v2", *RATES, "--runs", "2", "--seed", "9", "--workers", "2", *SET]
    args = [*common, "--out", str(out)]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and len(captured.err.strip().splitlines()) == 1
    assert "2 of 6 runs failed" in captured.err
    table = captured.out.splitlines()
    assert any(line.startswith("100") and "0/2 ALL FAILED" in line for line in table)
    assert any(line.startswith("Failed: point 1 (worm.scan_rate.mean=100") and "no run at rate 100" in line
               for line in table)
    res = pd.read_parquet(out / "results.parquet")
    assert res.loc[res["point"] == 1, "status"].str.contains("no run at rate 100").all()
    assert (res.loc[res["point"] != 1, "status"] == "ok").all()
    agg = pd.read_csv(out / "aggregate.csv")
    assert agg["status"].tolist() == ["ok", "all failed", "ok"]
    assert agg["ok"].tolist() == [2, 0, 2] and agg["failed"].tolist() == [0, 2, 0]
    assert agg.loc[1, "ever_infected_p50"] != agg.loc[1, "ever_infected_p50"]  # NaN: no figure for it
    assert agg.loc[[0, 2], "ever_infected_p50"].notna().all()
    html = (out / "report.html").read_text()
    assert "Failed points" in html and "no run at rate 100" in html and html.count("<img") == 3
    assert "all failed" in html and "not drawn" in html
    # Re-running (the failed runs are tried again and fail again) writes the same report instead of crashing.
    before = (out / "aggregate.csv").read_bytes()
    assert main(args) == 1
    assert (out / "aggregate.csv").read_bytes() == before
    # Negative control: without the failure every point is ok and nothing is listed as failed.
    monkeypatch.undo()
    ok_out = tmp_path / "ok"
    assert main([*common, "--out", str(ok_out)]) == 0
    assert pd.read_csv(ok_out / "aggregate.csv")["status"].tolist() == ["ok"] * 3
    assert "Failed points" not in (ok_out / "report.html").read_text()


def test_plots_leave_out_points_without_a_value_or_off_the_axis():
    """inf (a value no axis can place) and an all-failed point once crashed the log-scaled plot."""
    import matplotlib.pyplot as plt

    from wormcast.runs.sweep.report import figure_plot, plottable

    stats = ("p5", "p25", "p50", "p75", "p95")
    agg = pd.DataFrame({"worm.scan_rate.mean": [1.0, 100.0, float("inf"), 1000.0],
                        **{f"f_{s}": [0.1, float("nan"), 0.5, 0.9] for s in stats}})
    assert plottable(agg, ["worm.scan_rate.mean"], "f")["worm.scan_rate.mean"].tolist() == [1.0, 1000.0]
    fig = figure_plot(agg, ["worm.scan_rate.mean"], "f")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert list(ax.lines[0].get_xdata()) == [1.0, 1000.0]
    plt.close(fig)
    none = agg.assign(f_p50=float("nan"))
    fig = figure_plot(none, ["worm.scan_rate.mean"], "f")  # nothing to draw: a note, not a crash
    assert "no point has a value" in fig.axes[0].texts[0].get_text()
    plt.close(fig)


# --- a full disk ---------------------------------------------------------------------------------------


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _snapshot(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_full_disk_writing_run_files_is_one_line_and_keeps_the_runs_saved(tmp_path, capsys, monkeypatch):
    out = tmp_path / "sw"
    assert sweep(out, "--workers", "1", runs="2") == 0
    (out / "runs" / "p000001-r000001.json").unlink()
    for name in ("results.parquet", "aggregate.csv", "report.html"):
        (out / name).unlink()
    before = _snapshot(out)
    capsys.readouterr()
    import wormcast.util.atomic as atomic

    monkeypatch.setattr(atomic.Path, "write_text", _no_space)
    assert sweep(out, "--workers", "1", runs="2") == 2
    err = capsys.readouterr().err
    assert err.strip() == (f"wormcast: --out {out}: no space left on the device while writing p000001-r000001.json; "
                           "what was there before is kept")
    assert _snapshot(out) == before  # the three runs saved before are intact; no temporary file is left
    monkeypatch.undo()
    assert sweep(out, "--workers", "1", runs="2") == 0


@pytest.mark.parametrize("target, patch", [
    ("results.parquet", "to_parquet"),
    ("aggregate.csv", "to_csv"),
    ("report.html", "write_text"),
])
def test_full_disk_writing_the_final_files_keeps_the_previous_ones(tmp_path, capsys, monkeypatch, target, patch):
    out = tmp_path / "sw"
    assert sweep(out, "--workers", "1", runs="2") == 0
    (out / "runs" / "p000000-r000000.json").unlink()  # one run to redo, then the final files are rebuilt
    finals = {n: (out / n).read_bytes() for n in ("results.parquet", "aggregate.csv", "report.html")}
    capsys.readouterr()
    if patch == "write_text":  # report.html is the one final file written as text by the sweep itself
        real = Path.write_text

        def write_text(self, *a, **k):
            if self.name.startswith(".report.html.tmp-"):
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(self, *a, **k)

        monkeypatch.setattr(Path, "write_text", write_text)
    else:
        monkeypatch.setattr(pd.DataFrame, patch, _no_space)
    assert sweep(out, "--workers", "1", runs="2") == 2
    err = capsys.readouterr().err
    assert err.strip() == (f"wormcast: --out {out}: no space left on the device while writing {target}; "
                           "what was there before is kept")
    assert {n: (out / n).read_bytes() for n in finals} == finals  # none of the three replaced
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]
    assert (out / "runs" / "p000000-r000000.json").exists()  # the run done before the failure is kept


# --- limits --------------------------------------------------------------------------------------------


def test_huge_grids_and_run_counts_are_refused_before_anything_is_made(tmp_path, capsys):
    from wormcast.runs import limits

    out = tmp_path / "sw"
    values = ",".join(str(i) for i in range(1, 1001))
    huge = ["--grid", f"seeding.initial_infected={values}", "--grid", f"population.vulnerable={values}"]
    t0 = time.monotonic()
    assert main(["sweep", "codered-v2", *huge, "--out", str(out), *SET]) == 2
    assert "1,000,000 points; a sweep has at most 10,000" in capsys.readouterr().err
    assert time.monotonic() - t0 < 5  # a million points were never made (this took minutes before)
    assert main(["sweep", "codered-v2", *GRID, "--runs", "1000000000", "--out", str(out), *SET]) == 2
    assert f"at most {limits.MAX_RUNS:,} runs per point" in capsys.readouterr().err
    assert main(["sweep", "codered-v2", *GRID, "--runs", "600000", "--out", str(out), *SET]) == 2
    assert "2 points x 600,000 runs = 1,200,000 runs; a sweep has at most 1,000,000" in capsys.readouterr().err
    pts = tmp_path / "points.csv"
    pts.write_text("seeding.initial_infected\n" + "\n".join(str(i) for i in range(1, limits.MAX_POINTS + 2)))
    assert main(["sweep", "codered-v2", "--points", str(pts), "--out", str(out), *SET]) == 2
    assert "more than 10,000 points" in capsys.readouterr().err
    assert not out.exists()
    # At the limit itself a grid is accepted (the negative control of the refusals above).
    keys, points = parse_grid([f"seeding.initial_infected={','.join(str(i) for i in range(1, 101))}",
                               f"population.vulnerable={','.join(str(i) for i in range(1000, 1100))}"])
    assert len(points) == limits.MAX_POINTS


def test_tasks_are_drawn_as_workers_free_up():
    """A million runs start at once: the pool draws a few items per worker, never the whole iterable."""
    drawn = []

    def items():
        for i in range(10**6):
            drawn.append(i)
            yield i

    with LocalBackend(workers=2) as be:
        it = be.map_unordered(_times_ten, items())
        first = [next(it) for _ in range(5)]
        it.close()
    assert all(v == k * 10 for k, v in first)
    assert len(drawn) <= 5 + be.window  # what came back, plus at most one window in flight
    assert be.window == 8


def _times_ten(v):
    return v * 10
