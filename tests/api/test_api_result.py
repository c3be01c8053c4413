"""The notebook API of one run: repr/HTML, to_df's time index and intervals, plot, write, progress."""

from __future__ import annotations

import json
from datetime import timedelta

import matplotlib
import pandas as pd
import pytest

import wormcast
from wormcast.cli import main
from wormcast.errors import WormcastError

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Two simulated hours among 20,000 hosts with a fast worm: well under a second a run.
SMALL = {"end": "2001-07-19T12:00:00Z", "population.vulnerable": 20000, "seeding.initial_infected": 20,
         "worm.scan_rate.mean": 100, "step": "30s"}
SMALL_SET = [f"{k}={v}" for k, v in SMALL.items()]


@pytest.fixture(scope="module")
def result():
    return wormcast.simulate("codered-v2", seed=3, overrides=SMALL)


def test_repr_gives_scenario_seed_and_headline_figures(result):
    text = repr(result)
    assert text.startswith("<wormcast Result>") and len(text.splitlines()) <= 10
    assert "codered-v2" in text and "seed" in text and " 3" in text
    assert f"{result.summary['ever_infected']:,}" in text  # thousands separators
    assert f"{result.summary['peak_infected']:,}" in text


def test_repr_html_escapes_what_a_scenario_names():
    res = wormcast.simulate("codered-v2", seed=0, overrides={**SMALL, "name": "<script>alert(1)</script>"})
    html = res._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<table>" in html and "ever infected" in html


def test_to_df_is_indexed_by_utc_time(result):
    df = result.to_df()
    assert isinstance(df.index, pd.DatetimeIndex) and df.index.name == "time"
    assert str(df.index.tz) == "UTC" and "time" not in df.columns
    assert df.index[0] == pd.Timestamp("2001-07-19T10:00:00Z")
    assert (df.index[1] - df.index[0]) == pd.Timedelta(result.scenario.interval, unit="s")
    assert len(df) == 120  # two hours of minutes


def test_interval_as_text_seconds_or_timedelta(result):
    text, secs, delta = result.to_df("5min"), result.to_df(300), result.to_df(timedelta(minutes=5))
    pd.testing.assert_frame_equal(text, secs)
    pd.testing.assert_frame_equal(text, delta)
    assert len(text) == 24 and (text.index[1] - text.index[0]) == pd.Timedelta("5min")
    full = result.to_df()
    assert text["new_infections"].sum() == full["new_infections"].sum()  # flows are summed
    assert text["infected"].iloc[-1] == full["infected"].iloc[-1]  # stocks at the end of the interval
    assert text["infected"].iloc[0] == full["infected"].iloc[4]


@pytest.mark.parametrize("bad, words", [("45s", "interval='45s': must be a positive multiple of the step (30s)"),
                                        (45, "interval='45s': must be a positive multiple"),
                                        ("soon", "interval: 'soon' is not a duration")])
def test_bad_intervals_name_the_parameter(result, bad, words):
    with pytest.raises(WormcastError) as info:
        result.to_df(bad)
    assert words in str(info.value) and "--" not in str(info.value)


def test_plot_returns_a_figure_and_leaves_pyplot_empty(result, tmp_path):
    plt.close("all")
    fig = result.plot()
    assert isinstance(fig, matplotlib.figure.Figure) and plt.get_fignums() == []
    lines = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert "infected now" in lines and "ever infected" in lines
    assert len(fig.axes[0].get_lines()[0].get_ydata()) == 120
    fig.savefig(tmp_path / "f.png")
    assert (tmp_path / "f.png").stat().st_size > 1000
    assert len(result.plot("10min").axes[0].get_lines()[0].get_ydata()) == 12


def test_write_gives_what_the_cli_writes(result, tmp_path):
    cli_out, api_out = tmp_path / "cli", tmp_path / "api"
    args = ["run", "codered-v2", "--seed", "3", "--out", str(cli_out), "--quiet"]
    assert main(args + [a for o in SMALL_SET for a in ("--set", o)]) == 0
    assert result.write(api_out) == api_out
    assert sorted(p.name for p in api_out.iterdir() if not p.name.startswith(".")) == \
        sorted(p.name for p in cli_out.iterdir() if not p.name.startswith("."))
    assert (api_out / "timeseries.csv").read_bytes() == (cli_out / "timeseries.csv").read_bytes()
    a, c = (json.loads((d / "summary.json").read_text()) for d in (api_out, cli_out))
    a.pop("wall_seconds"), c.pop("wall_seconds")
    assert a == c
    pqt = pd.read_parquet(api_out / "timeseries.parquet")
    assert str(pqt["time"].dtype) == "datetime64[us, UTC]"
    result.write(api_out, interval="10min")  # a directory wormcast wrote may be replaced
    assert len(pd.read_csv(api_out / "timeseries.csv")) == 12


def test_write_keeps_the_safety_rules_and_names_the_parameter(result, tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(WormcastError) as info:
        result.write(target)
    msg = str(info.value)
    assert msg.startswith(f"out={str(target)!r}:") and "not written by wormcast" in msg and "--out" not in msg
    assert (target / "notes.txt").read_text() == "mine" and sorted(p.name for p in target.iterdir()) == ["notes.txt"]


def test_progress_true_draws_a_bar_false_and_none_draw_nothing(capsys):
    wormcast.simulate("codered-v2", overrides=SMALL, progress=True)
    err = capsys.readouterr().err
    assert "simulating" in err and "240/240" in err
    for quiet in (False, None):
        wormcast.simulate("codered-v2", overrides=SMALL, progress=quiet)
        assert capsys.readouterr().err == ""


def test_progress_callable_is_called_with_done_and_total(capsys):
    calls = []
    wormcast.simulate("codered-v2", overrides=SMALL, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (240, 240) and all(t == 240 for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert capsys.readouterr().err == ""
    with pytest.raises(WormcastError, match="progress='yes'"):
        wormcast.simulate("codered-v2", overrides=SMALL, progress="yes")


def test_plot_keeps_the_session_backend_and_its_open_figures(result):
    # A notebook has pyplot on its own backend with the user's figures open: plot() must change neither.
    # (Without keep_backend the report's figure function switches to Agg, which closes every open figure.)
    plt.close("all")
    before = matplotlib.get_backend()
    plt.switch_backend("svg")
    try:
        mine = plt.figure()
        fig = result.plot()
        assert matplotlib.get_backend().lower() == "svg" and plt.get_fignums() == [mine.number]
        assert isinstance(fig, matplotlib.figure.Figure) and fig.axes
        matplotlib.use("pdf")  # and matplotlib.use is itself again afterwards
        assert matplotlib.get_backend().lower() == "pdf"
    finally:
        plt.close("all")
        plt.switch_backend(before)
