"""Ensembles: derived seeds, simulate_many against independent single runs, `wormcast run --runs K`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from wormcast.api import resolve, simulate
from wormcast.cli import main
from wormcast.errors import WormcastError
from wormcast.runs.ensemble import simulate_many
from wormcast.runs.ensemble.seeds import run_seed
from wormcast.runs.ensemble.stats import FIGURES, PERCENTILES, STATS

# Two simulated hours of a fast worm among 50,000 hosts: ~0.1 s a run, and runs differ visibly.
SHORT = ["end=2001-07-19T12:00:00Z", "population.vulnerable=50000", "seeding.initial_infected=20",
         "worm.scan_rate.mean=100", "step=30s"]
SET = [a for o in SHORT for a in ("--set", o)]


def test_run_seed_depends_only_on_root_point_and_run():
    # Pinned: SeedSequence output is stable across NumPy versions, so recorded seeds stay reproducible.
    assert run_seed(0, 0, 0) == 1317536309490288386
    assert run_seed(7, 2, 3) == 8340754979647278024
    seeds = {run_seed(5, p, r) for p in range(4) for r in range(50)}
    assert len(seeds) == 200 and all(0 <= s < 2**63 for s in seeds)
    assert run_seed(5, 1, 2) != run_seed(6, 1, 2) != run_seed(5, 2, 1)


def test_figures_are_the_numeric_summary_values():
    summary = simulate(resolve("codered-v2", SHORT), seed=1).summary
    numeric = {k for k, v in summary.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    assert numeric - {"seed", "wall_seconds"} <= set(FIGURES)
    assert set(FIGURES) <= set(summary)


def test_simulate_many_equals_independent_runs_and_reduces_them():
    sc = resolve("codered-v2", SHORT)
    ens = simulate_many(sc, runs=4, seed=11, workers=2)
    singles = [simulate(sc, seed=run_seed(11, 0, i)) for i in range(4)]
    assert ens.runs["seed"].tolist() == [r.summary["seed"] for r in singles]
    for fig in ("ever_infected", "peak_infected", "probes_total", "time_to_half_infected_h"):
        expected = [r.summary[fig] for r in singles]
        assert ens.runs[fig].astype(float).tolist() == pytest.approx(expected, nan_ok=True)
        vals = np.array([v for v in expected if v is not None], dtype=float)
        got = ens.ensemble[fig]
        assert [got[s] for s in STATS[:-1]] == pytest.approx(np.percentile(vals, PERCENTILES).tolist())
        assert got["mean"] == pytest.approx(vals.mean()) and got["n"] == vals.size
    # The runs really differ (otherwise the bands would prove nothing).
    assert ens.runs["ever_infected"].nunique() == 4
    # Bands are per-time percentiles of the runs' own interval columns.
    infected = np.stack([r.columns()["infected"] for r in singles])
    assert ens.bands["infected_p50"].to_numpy() == pytest.approx(np.median(infected, axis=0))
    assert ens.bands["infected_p95"].to_numpy() == pytest.approx(np.percentile(infected, 95, axis=0))
    assert ens.bands["new_infections_mean"].to_numpy() == pytest.approx(
        np.mean([r.columns()["new_infections"] for r in singles], axis=0))
    assert len(ens.bands) == len(singles[0].columns()["t_seconds"])
    # The worker count changes nothing but the wall time.
    one = simulate_many(sc, runs=4, seed=11, workers=1)
    pd.testing.assert_frame_equal(one.runs.drop(columns="wall_seconds"), ens.runs.drop(columns="wall_seconds"))


def test_run_runs_writes_ensemble_files(tmp_path, capsys):
    out = tmp_path / "ens"
    assert main(["run", "codered-v2", "--runs", "3", "--seed", "4", "--out", str(out), "--interval", "2min",
                 *SET]) == 0
    assert "3 runs from root seed 4" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["runs"] == 3 and summary["seed"] == 4
    assert set(summary["ensemble"]) == set(FIGURES)
    for d in summary["ensemble"].values():
        assert set(d) == {*STATS, "n"}
    e = summary["ensemble"]["ever_infected"]
    assert e["p5"] <= e["p25"] <= e["p50"] <= e["p75"] <= e["p95"]
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["run"].tolist() == [0, 1, 2]
    assert runs["seed"].tolist() == [run_seed(4, 0, i) for i in range(3)]
    assert {"ever_infected", "peak_infected_time", "wall_seconds"} <= set(runs.columns)
    ts = pd.read_csv(out / "timeseries.csv")
    pq = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts.columns) == list(pq.columns) and ts.columns[0] == "time"
    assert len(ts) == 60 and ts["time"].iloc[1] == "2001-07-19T10:02:00Z"
    for col in ("infected", "ever_infected", "new_infections"):
        q = [ts[f"{col}_{s}"].to_numpy() for s in ("p5", "p25", "p50", "p75", "p95")]
        assert all((a <= b + 1e-9).all() for a, b in zip(q, q[1:]))
    assert ts["ever_infected_p50"].iloc[-1] == pytest.approx(np.median(runs["ever_infected"]), rel=0.02)
    html = (out / "report.html").read_text()
    assert "<img" in html and "5-95%" in html and "<script" not in html
    assert "Only 3 runs: with fewer than 20 runs the 5-95% band" in html  # bands from few runs are flagged
    assert "ever_infected_fraction" not in html and "share of the vulnerable hosts ever infected" in html
    assert (out / "outbreak.png").stat().st_size > 1000
    live = (out / "interactive.html").read_text()
    assert 'href="interactive.html"' in html and 'href="report.html"' in live
    assert "ever infected: 5-95% of runs" in live and "peak-aligned median" in live


def test_failing_runs_stop_an_ensemble_and_write_nothing(tmp_path, capsys):
    toml = tmp_path / "bad.toml"
    toml.write_text(
        'name = "bad"\nstart = 2001-07-19T10:00:00Z\nend = 2001-07-19T11:00:00Z\n'
        '[population]\ncsv = "missing.csv"\n'
        '[worm]\nname = "w"\n[worm.scan_rate]\nmean = 5.0\n')
    out = tmp_path / "out"
    assert main(["run", str(toml), "--runs", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing.csv" in err[0] and ("run 0" in err[0] or "run 1" in err[0])
    assert not out.exists()


@pytest.mark.parametrize("kwargs, message", [  # the API names its parameters, not the CLI's flags
    ({"runs": 0}, "runs=0: "),
    ({"seed": -1}, "seed=-1: "),
    ({"interval": "45s"}, "interval='45s': "),
    ({"workers": 0}, "workers=0: "),
    ({"backend": "spark"}, "backend='spark': "),
])
def test_simulate_many_bad_input(kwargs, message):
    with pytest.raises(WormcastError, match=message) as info:
        simulate_many("codered-v2", **{"runs": 2, "overrides": SHORT, **kwargs})
    assert "--" not in str(info.value)


def test_huge_ensembles_are_refused_at_once(tmp_path, capsys):
    import time

    from wormcast.runs import limits

    out = tmp_path / "ens"
    t0 = time.monotonic()
    assert main(["run", "codered-v2", "--runs", "1000000000", "--out", str(out), *SET]) == 2
    assert f"--runs 1000000000: at most {limits.MAX_RUNS:,} runs per point" in capsys.readouterr().err
    # Allowed per point, but a million runs' interval columns (120 intervals here) would not fit in memory.
    assert main(["run", "codered-v2", "--runs", "1000000", "--out", str(out), *SET]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "an ensemble keeps 120 intervals x 13 columns" in err
    assert "at most 344,148 runs at this --interval" in err
    assert time.monotonic() - t0 < 5 and not out.exists()
    # Negative control: the same check passes a count that fits.
    limits.check_ensemble_memory(344_148, 120)
    with pytest.raises(WormcastError):
        limits.check_ensemble_memory(344_149, 120)


def test_grid_and_set_values_are_read_by_one_parser():
    from wormcast.config import overrides
    from wormcast.runs.sweep import grid

    assert grid.parse_value is overrides.parse_value
    assert overrides.parse_value(" 2.5 ") == 2.5 and overrides.parse_value("word") == "word"
    assert overrides.parse_value("[1, 2]") == [1, 2]
