"""``wormcast model``: the list, a model's table, files, JSON, and one-line errors with exit status 2."""

import json

import pandas as pd
import pytest

from wormcast.analytic.registry import MODELS
from wormcast.cli import main


def test_list_one_line_per_model(capsys):
    for argv in (["model"], ["model", "--list"]):
        assert main(argv) == 0
        lines = capsys.readouterr().out.strip().splitlines()
        assert [ln.split()[0] for ln in lines] == list(MODELS)


def test_table_with_parameters_and_units(capsys):
    assert main(["model", "rcs", "--set", "scan_rate=10", "--set", "vulnerable=300000", "--until", "12h",
                 "--every", "1h"]) == 0
    out = capsys.readouterr().out
    assert "K_per_hour=2.51" in out
    rows = [ln for ln in out.splitlines() if ln.strip().startswith(("0:", "1", "2", "3", "4", "5", "6", "7", "8", "9"))]
    assert len(rows) == 13 and rows[-1].split()[0] == "12:00:00"
    assert main(["model", "aawp", "--help-params"]) == 0
    assert "1/hour" in capsys.readouterr().out


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_out_writes_the_curve(tmp_path, capsys, suffix):
    path = tmp_path / f"curve{suffix}"
    assert main(["model", "aawp", "--set", "step=1min", "--set", "patch_rate=0.01", "--until", "10h", "--out",
                 str(path)]) == 0
    df = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    assert list(df.columns) == ["t_seconds", "infected", "ever_infected", "model"] and len(df) == 1001
    assert df["t_seconds"].iloc[-1] == 36000 and (df["ever_infected"] >= df["infected"] - 1e-9).all()


def test_json(capsys):
    assert main(["model", "sis", "--json", "--until", "1d"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["model"] == "sis" and doc["figures"]["R0"] > 1 and len(doc["curve"]["infected"]) == 13


@pytest.mark.parametrize("argv, fragment", [
    (["model", "nope"], "unknown"),
    (["model", "rcs", "--set", "scan_rate=-1"], "scan_rate"),
    (["model", "rcs", "--set", "scan_rate=fast"], "scan_rate"),
    (["model", "rcs", "--set", "speed=1"], "no parameter 'speed'"),
    (["model", "rcs", "--set", "scan_rate"], "key=value"),
    (["model", "aawp", "--set", "step=soon"], "step"),
    (["model", "permutation", "--set", "hitlist=2.5"], "hitlist"),
    (["model", "rcs", "--until=-3h"], "--until"),
    (["model", "rcs", "--every", "0s"], "--every"),
    (["model", "rcs", "--out", "curve.txt"], ".csv or .parquet"),
])
def test_bad_input_one_line_exit_2(capsys, argv, fragment):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err
