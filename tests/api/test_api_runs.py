"""Ensembles and sweeps from the API: per-run trajectories on request, the long table, spaghetti and
peak-aligned plots, to_df's time index, reprs; wormcast.sweep and Sweep."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

import wormcast
from wormcast.errors import WormcastError
from wormcast.runs.ensemble.trajectories import Trajectories

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SMALL = {"end": "2001-07-19T12:00:00Z", "population.vulnerable": 20000, "seeding.initial_infected": 20,
         "worm.scan_rate.mean": 100, "step": "30s"}


@pytest.fixture(scope="module")
def kept():
    return wormcast.simulate_many("codered-v2", runs=5, seed=2, overrides=SMALL, interval="5min", workers=2,
                                  keep_runs=True)


def test_default_ensemble_keeps_only_bands_and_says_how_to_keep_runs(tmp_path):
    ens = wormcast.simulate_many("codered-v2", runs=2, overrides=SMALL, workers=1)
    assert ens.trajectories is None
    with pytest.raises(WormcastError, match=r"keep_runs=True"):
        ens.to_long()
    with pytest.raises(WormcastError, match=r"keep_runs=True"):
        ens.plot("spaghetti")
    df = ens.to_df()
    assert isinstance(df.index, pd.DatetimeIndex) and df.index.name == "time" and str(df.index.tz) == "UTC"
    assert "infected_p50" in df.columns and "time" not in df.columns
    ens.write(tmp_path / "d")
    assert (tmp_path / "d" / "runs.parquet").exists() and not (tmp_path / "d" / "runs_timeseries.parquet").exists()


def test_long_table_holds_every_run_and_gives_back_the_bands(kept):
    long = kept.to_long()
    assert list(long.columns) == ["time", "run", "figure", "value"]
    n_t, names = len(kept.bands), kept.trajectories.names
    assert len(long) == 5 * n_t * len(names) and set(long["run"]) == set(range(5))
    assert str(long["time"].dtype) == "datetime64[us, UTC]" or str(long["time"].dtype).endswith(", UTC]")
    pd.testing.assert_frame_equal(kept.to_df(tidy=True), long)
    infected = long[long["figure"] == "infected"].pivot(index="time", columns="run", values="value")
    assert np.allclose(infected.median(axis=1).to_numpy(), kept.bands["infected_p50"].to_numpy())
    assert np.allclose(infected.to_numpy(), kept.run_df("infected").to_numpy())
    # each run is the single run of its seed
    one = wormcast.simulate("codered-v2", seed=kept.trajectories.seeds[3], overrides=SMALL)
    assert np.array_equal(infected[3].to_numpy(), one.to_df("5min")["infected"].to_numpy())


def test_write_adds_the_long_table_when_runs_are_kept(kept, tmp_path):
    kept.write(tmp_path / "e")
    back = pd.read_parquet(tmp_path / "e" / "runs_timeseries.parquet")
    long = kept.to_long()
    assert str(back["time"].dtype) == "datetime64[us, UTC]" and list(back.columns) == list(long.columns)
    assert (back["time"] == long["time"]).all() and np.array_equal(back["value"], long["value"])
    assert list(back["figure"].astype(str)) == list(long["figure"].astype(str))
    assert (tmp_path / "e" / "timeseries.csv").exists()


def test_plots_of_an_ensemble_are_figures_left_out_of_pyplot(kept):
    plt.close("all")
    for kind in ("bands", "spaghetti", "aligned"):
        fig = kept.plot(kind)
        assert isinstance(fig, matplotlib.figure.Figure) and fig.axes, kind
    assert plt.get_fignums() == []
    spaghetti = kept.plot("spaghetti", column="ever_infected")
    assert len(spaghetti.axes[0].get_lines()) >= 5 + 1  # one per run and the median
    with pytest.raises(WormcastError, match="kind='pie'"):
        kept.plot("pie")


def test_alignment_puts_every_peak_at_zero_and_keeps_its_height():
    # Three runs of the same curve peaking at different times: the pointwise median is lower and wider
    # than any run (the double hump the issue saw); aligned on their peaks, they coincide.
    t = np.arange(40)
    shape = lambda at: 100.0 * np.exp(-0.5 * ((t - at) / 2.0) ** 2)  # noqa: E731
    curves = np.stack([shape(10), shape(20), shape(30)])
    stack = curves[:, :, None]
    tr = Trajectories(stack, ["new_infections"], pd.date_range("2001-07-19", periods=40, freq="min", tz="UTC"),
                      [0, 1, 2])
    offsets, aligned = tr.aligned("new_infections")
    zero = list(offsets).index(0)
    assert np.allclose(aligned[:, zero], 100.0)
    both = ~np.isnan(aligned).any(axis=0)  # offsets where every run has a value
    assert both.sum() >= 20 and np.allclose(aligned[:, both], aligned[0, both])
    assert np.median(curves, axis=0).max() < 60  # negative control: the pointwise median hides the peak
    flat = Trajectories(np.zeros((2, 40, 1)), ["new_infections"], tr.times, [0, 1])
    assert flat.aligned("new_infections")[1].shape[0] == 0  # runs without a peak are left out


def test_ensemble_repr_and_html(kept):
    text = repr(kept)
    assert text.startswith("<wormcast Ensemble>") and "5 from root seed 2" in text
    assert "median" in text and "only 5 runs" in text and "kept" in text
    html = kept._repr_html_()
    assert "<table>" in html and "median" in html and "&#x27;" in html  # "every run's": escaped


def test_ensemble_progress_and_interval_forms(capsys):
    calls = []
    wormcast.simulate_many("codered-v2", runs=2, overrides=SMALL, workers=1, interval=600,
                           progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 2), (2, 2)]
    wormcast.simulate_many("codered-v2", runs=2, overrides=SMALL, workers=1, progress=True)
    assert "ensemble" in capsys.readouterr().err


def test_sweep_from_python(tmp_path):
    out = tmp_path / "sw"
    sw = wormcast.sweep("codered-v2", {"worm.scan_rate.mean": [50, 100]}, runs=2, seed=1, out=out,
                        overrides=SMALL, workers=1)
    assert isinstance(sw, wormcast.Sweep) and sw.keys == ["worm.scan_rate.mean"]
    assert list(sw.aggregate["worm.scan_rate.mean"]) == [50, 100] and len(sw.results) == 4
    assert (out / "aggregate.csv").exists() and (out / "results.parquet").exists()
    agg = sw.to_df()
    assert agg["ever_infected_p50"].iloc[1] > agg["ever_infected_p50"].iloc[0]  # a faster worm spreads further
    again = wormcast.Sweep.load(out)
    pd.testing.assert_frame_equal(again.aggregate, sw.aggregate)
    text = repr(sw)
    assert text.startswith("<wormcast Sweep>") and "2 x 2 from root seed 1" in text and "ok/runs" in text
    html = sw._repr_html_()
    assert "<table>" in html and "<pre>" in html and "ok/runs" in html.split("<pre>")[1]
    msg = str(pytest.raises(WormcastError, wormcast.sweep, "codered-v2", {"worm.scan_rate.mean": [5]},
                            runs=0, out=tmp_path / "x").value)
    assert msg.startswith("runs=0: ") and "--" not in msg
    msg = str(pytest.raises(WormcastError, wormcast.sweep, "codered-v2", {"worm.lifetime": [5, "5h"]},
                            out=tmp_path / "z").value)
    assert msg.startswith("grid point worm.lifetime=5: grid['worm.lifetime']: 5 has no unit") and "--" not in msg
    assert not (tmp_path / "z").exists()
    with pytest.raises(WormcastError, match=r"grid\['worm.scan_rate.mean'\]: expected a list"):
        wormcast.sweep("codered-v2", {"worm.scan_rate.mean": 5}, out=tmp_path / "y")
