"""The output files as other tools read them (docs/outputs.md): Parquet times are UTC timestamps
(``timestamp[us, tz=UTC]``), CSV times ISO 8601 text; pandas and DuckDB read every file."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wormcast.cli import main
from wormcast.reporting.output import is_time_name, write_parquet

SHORT = ["end=2001-07-19T12:00:00Z", "population.vulnerable=50000", "seeding.initial_infected=20",
         "worm.scan_rate.mean=100", "step=30s"]
SET = [a for o in SHORT for a in ("--set", o)]
FARM = 'orgs=[{name="farm", blocks=["64.4.0.0/18"], servers=400, vulnerable_fraction=0.5}]'
UTC_US = pa.timestamp("us", tz="UTC")
SUMMARY_TIMES = ("start", "end", "peak_infected_time", "orgs.farm.first_infection_time")


@pytest.fixture(scope="module")
def outs(tmp_path_factory):
    root = tmp_path_factory.mktemp("outs")
    assert main(["run", "codered-v2", "--seed", "1", "--out", str(root / "run"), *SET, "--set", FARM]) == 0
    assert main(["run", "codered-v2", "--runs", "3", "--seed", "1", "--out", str(root / "ens"), "--workers", "2",
                 *SET, "--set", FARM]) == 0
    assert main(["sweep", "codered-v2", "--grid", "worm.scan_rate.mean=80,100", "--runs", "2", "--out",
                 str(root / "sw"), "--workers", "2", *SET, "--set", FARM]) == 0
    return root


def test_every_time_in_parquet_is_a_utc_timestamp(outs):
    files = {"run/timeseries.parquet": ("time",), "ens/timeseries.parquet": ("time",),
             "ens/runs.parquet": SUMMARY_TIMES, "sw/results.parquet": SUMMARY_TIMES}
    for name, times in files.items():
        schema = pq.read_schema(outs / name)
        for col in times:
            assert schema.field(col).type == UTC_US, (name, col, schema.field(col).type)
        # Negative control: no other column is a time, and no column of text holds instants.
        others = [f for f in schema if f.name not in times]
        assert not [f.name for f in others if pa.types.is_timestamp(f.type)]
        df = pd.read_parquet(outs / name)
        for f in others:
            if pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
                vals = df[f.name].dropna().astype(str)
                assert not vals.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").any(), (name, f.name)


def test_parquet_times_equal_the_csv_and_summary_text(outs):
    for d in ("run", "ens"):
        csv = pd.read_csv(outs / d / "timeseries.csv")
        pqt = pd.read_parquet(outs / d / "timeseries.parquet")
        assert list(csv.columns) == list(pqt.columns)
        assert csv["time"].iloc[0] == "2001-07-19T10:00:00Z"  # CSV keeps ISO 8601 text
        assert pqt["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").tolist() == csv["time"].tolist()
        pd.testing.assert_frame_equal(pqt.drop(columns="time"), csv.drop(columns="time"), check_dtype=False)
    summary = json.loads((outs / "run" / "summary.json").read_text())
    assert summary["start"] == "2001-07-19T10:00:00Z"  # JSON keeps text
    runs = pd.read_parquet(outs / "ens" / "runs.parquet")
    assert (runs["start"] == pd.Timestamp("2001-07-19T10:00:00Z")).all()
    res = pd.read_parquet(outs / "sw" / "results.parquet")
    assert (res["end"] == pd.Timestamp("2001-07-19T12:00:00Z")).all()
    assert res["peak_infected_time"].between(res["start"], res["end"]).all()
    agg = pd.read_csv(outs / "sw" / "aggregate.csv")
    assert list(agg.columns[:8]) == ["worm.scan_rate.mean", "point", "runs", "done", "ok", "failed", "status",
                                     "first_error"]


def test_write_parquet_converts_only_instants(tmp_path):
    df = pd.DataFrame({"start": ["2001-07-19T10:00:00Z", None], "orgs.a.first_infection_time": [None, None],
                       "end": ["not a time", "x"], "name": ["2001-07-19T10:00:00Z", "b"], "n": [1, 2]})
    write_parquet(df, tmp_path / "t.parquet")
    schema = pq.read_schema(tmp_path / "t.parquet")
    assert schema.field("start").type == UTC_US and schema.field("orgs.a.first_infection_time").type == UTC_US
    assert pa.types.is_string(schema.field("end").type) or pa.types.is_large_string(schema.field("end").type)
    assert not pa.types.is_timestamp(schema.field("name").type)  # a time-like value under another name stays
    assert is_time_name("orgs.x.first_infection_time") and is_time_name("end") and not is_time_name("ending")


def test_duckdb_reads_the_parquet_files(outs):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is not installed (pip install duckdb) - optional")
    con = duckdb.connect()
    got = con.execute(
        f"""SELECT "worm.scan_rate.mean" AS rate, count(*) AS n,
                   min(peak_infected_time) >= min(start) AS after_start,
                   typeof(any_value(peak_infected_time)) AS t
            FROM read_parquet('{outs / "sw" / "results.parquet"}') WHERE status = 'ok' GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    assert got == [(80.0, 2, True, "TIMESTAMP WITH TIME ZONE"), (100.0, 2, True, "TIMESTAMP WITH TIME ZONE")]
    (first,) = con.execute(f"SELECT min(time) AT TIME ZONE 'UTC' FROM '{outs / 'run' / 'timeseries.parquet'}'"
                           ).fetchone()
    assert str(first) == "2001-07-19 10:00:00"
    (n,) = con.execute(f"SELECT count(*) FROM '{outs / 'ens' / 'runs.parquet'}'").fetchone()
    assert n == 3
    (ok,) = con.execute(f"SELECT sum(ok) FROM read_csv_auto('{outs / 'sw' / 'aggregate.csv'}')").fetchone()
    assert ok == 4
