"""``wormcast calibrate``: bad input (one line, exit 2, nothing written), reproducible calibration.json, the
report (escaped, no scripts), the prediction module against a run's own landed probes."""

import json
import sys

import numpy as np
import pytest
from closedloop import TELESCOPE, observed_run, telescope_frame, telescope_observer, toy, toy_data

from wormcast.cli import main


@pytest.fixture(scope="module")
def observed(tmp_path_factory):
    d = tmp_path_factory.mktemp("cal")
    sim, result = observed_run(7)
    frame = telescope_frame(result)
    frame.to_csv(d / "tel.csv", index=False)
    scenario = d / "toy.toml"
    data = toy_data(rate=3500.0)
    w = data["worm"]
    scenario.write_text(
        f'name = "toy"\nstart = {data["start"]}\nend = {data["end"]}\nstep = "{data["step"]}"\n'
        f'interval = "{data["interval"]}"\n[population]\nvulnerable = {data["population"]["vulnerable"]}\n'
        f'[seeding]\ninitial_infected = {data["seeding"]["initial_infected"]}\n'
        f'[worm]\nname = "{w["name"]}"\nsignature = "codered1"\nscanning = "uniform"\n'
        f'scan_rate = {{ distribution = "constant", mean = {w["scan_rate"]["mean"]} }}\n')
    return d, scenario, sim, result, frame


def run_cli(capsys, *argv):
    code = main(["calibrate", *map(str, argv)])
    return code, capsys.readouterr()


def test_prediction_matches_the_runs_own_telescope(observed):
    """(P1) and (P2) from the run's columns against what the uniform scanner's watch stream delivered to
    the same run's telescope: packets within 0.5% in total (Binomial thinning of ~10^8 probes), and new
    sources equal (p ~ 1 here: every host is seen in its first step)."""
    from wormcast.observers.predict import Watched, predict_run
    from wormcast.world.addresses import parse_cidr

    _, _, sim, result, frame = observed
    bins = np.column_stack([np.arange(40) * 3, np.arange(40) * 3 + 3])
    pred = predict_run(result, sim.world.addresses, Watched((parse_cidr(TELESCOPE),)), bins).series(bins)
    assert abs(pred["packets"].sum() / frame.packets.sum() - 1) < 0.005
    z = (frame.packets.to_numpy() - pred["packets"]) / np.sqrt(pred["packets"])
    assert np.abs(z).max() < 5  # every interval within Poisson noise of the prediction
    assert np.abs(pred["new_sources"] - frame.new_sources.to_numpy()).max() < 1.0
    assert np.abs(pred["active_sources"] - frame.active_sources.to_numpy()).max() < 1.0
    wrong = predict_run(result, sim.world.addresses, Watched((parse_cidr("44.0.0.0/9"),)), bins).series(bins)
    assert abs(wrong["packets"].sum() / frame.packets.sum() - 0.5) < 0.01  # half the block: half the packets


@pytest.mark.parametrize("argv, words", [
    (["--fit", "worm.nonsense"], "--fit worm.nonsense: the scenario has no such value"),
    (["--fit", "worm.name"], "is not a number"),
    (["--fit", "worm.scan_rate.mean", "--bounds", "worm.scan_rate.mean=1:inf"], "must be finite"),
    (["--fit", "worm.scan_rate.mean", "--bounds", "worm.scan_rate.mean=-5:10"], "-5 is not allowed"),
    (["--fit", "worm.scan_rate.mean", "--bounds", "population.vulnerable=1:10"], "not one of the fitted keys"),
    (["--fit", "worm.scan_rate.mean", "--seeds", "0"], "--seeds 0"),
    (["--fit", "worm.scan_rate.mean", "--series", "unique_sources"], "unique_sources is cumulative"),
    (["--fit", "worm.scan_rate.mean", "--series", "nonsense"], "the observations hold packets, new_sources, "
                                                               "active_sources"),
])
def test_bad_options_one_line_exit_2(observed, capsys, tmp_path, argv, words):
    d, scenario, *_ = observed
    code, cap = run_cli(capsys, scenario, "--observed", d / "tel.csv", "--out", tmp_path / "out", *argv)
    assert code == 2 and words in cap.err and cap.err.count("\n") == 1 and "Traceback" not in cap.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content, words", [
    ("", "empty file"),
    ("time,packets,unique_sources,new_sources\n", "no rows"),
    ("\x00\x01garbage\xff", "cannot read"),
    ("time,packets\n2001-07-19T00:00:00Z,5\n2001-07-19T00:01:00Z,6\n", "no column unique_sources, new_sources"),
    ("time,packets,unique_sources,new_sources\n2001-07-19T00:00:00Z,1,1,1\n2001-07-19T00:01:00Z,-3,1,1\n",
     "row 3: packets = -3"),
    ("time,packets,unique_sources,new_sources\n2001-07-19T00:01:00Z,1,1,1\n2001-07-19T00:00:00Z,3,1,1\n",
     "not in increasing order"),
    ("time,packets,unique_sources,new_sources\n2001-07-20T05:00:00Z,1,1,1\n2001-07-20T05:01:00Z,3,1,1\n",
     "no interval lies within the scenario's window"),
    ("time,packets,unique_sources,new_sources\n2001-07-19T00:00:00Z,1,5,1\n2001-07-19T00:01:00Z,3,2,1\n",
     "row 3: unique_sources falls; it is the cumulative count"),
    ('{"files": []}', "without timeline rows"),
    ('{"timeline": ', "not valid JSON"),
])
def test_bad_observed_files(observed, capsys, tmp_path, content, words):
    _, scenario, *_ = observed
    bad = tmp_path / "obs.txt"
    bad.write_bytes(content.encode("latin-1"))
    code, cap = run_cli(capsys, scenario, "--observed", bad, "--fit", "worm.scan_rate.mean", "--out", tmp_path / "o")
    assert code == 2 and words in cap.err and cap.err.count("\n") == 1, cap.err
    assert not (tmp_path / "o").exists()


def test_never_replaces_a_users_directory(observed, capsys, tmp_path):
    d, scenario, *_ = observed
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    code, cap = run_cli(capsys, scenario, "--observed", d / "tel.csv", "--fit", "worm.scan_rate.mean", "--out", mine)
    assert code == 2 and (mine / "notes.txt").read_text() == "keep"


@pytest.mark.slow
def test_cli_reproducible_and_report(observed, capsys, tmp_path):
    """Same inputs and seeds: byte-identical calibration.json (local pool, twice); the fit of one key
    lands near the truth (4,000) from a start of 3,500; the report embeds the curve, escapes, has no script."""
    d, scenario, *_ = observed
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        code, cap = run_cli(capsys, scenario, "--observed", d / "tel.csv", "--fit", "worm.scan_rate.mean",
                            "--seeds", "2", "--workers", "2", "--out", out)
        assert code == 0, cap.err
        outs.append((out / "calibration.json").read_bytes())
    assert outs[0] == outs[1]
    doc = json.loads(outs[0])
    fitted = doc["fitted"]["worm.scan_rate.mean"]
    assert fitted["low"] <= fitted["value"] <= fitted["high"] and abs(fitted["value"] / 4000 - 1) < 0.1
    assert doc["goodness_of_fit"]["dof"] == 39 and len(doc["series"]["time"]) == 40
    assert doc["trials"] and all(set(t) == {"params", "deviance"} for t in doc["trials"])
    html = (tmp_path / "a" / "report.html").read_text()
    assert "data:image/png;base64," in html and "<script" not in html and "worm.scan_rate.mean" in html


def test_report_escapes_the_observed_path(observed, tmp_path):
    """The observed file's name is the user's text: escaped in the report."""
    from wormcast.runs.calibrate.output import render

    class Fake:
        pass

    d, *_ = observed
    doc = {"scenario": "<b>s</b>", "level": 0.9, "observed": {"path": "<script>x</script>.csv", "kind": "telescope",
           "signature": None, "fitted_series": ["new_sources"], "intervals": 1, "interval_seconds": 60.0,
           "first": "t"}, "fitted": {"k<i>": {"value": 1.0, "low": 0.5, "high": 2.0, "bounds": [0.1, 9]}},
           "goodness_of_fit": {"deviance": 1.0, "dof": 1, "p_value": 0.5, "dispersion": {"new_sources": 1.0}},
           "n_trials": 1, "runs": 1, "seeds": [1]}
    cal = Fake()
    cal.fitted_series_ = ["new_sources"]
    cal.observed_ = type("O", (), {"starts": np.array([0.0, 60.0]), "series": {"new_sources": np.array([1, 2])}})()
    cal.prediction_ = {"new_sources": np.array([1.0, 2.0])}
    html = render(cal, doc)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html and "k&lt;i&gt;" in html


def test_python_api_returns_fitted_object(observed):
    import wormcast

    d, *_ = observed
    sys_path_ok = "closedloop" in sys.modules
    cal = wormcast.calibrate(toy(rate=3500.0), d / "tel.csv", ["worm.scan_rate.mean"], seeds=1, workers=1)
    assert sys_path_ok
    # one run per trial, and the process variance's 15 more paths (1 more when the fit's trial ran earlier)
    assert cal.n_runs_ - len(cal.trials_) in (15, 16) and cal.to_dict()["fitted"]["worm.scan_rate.mean"]["value"] > 0


def test_keys_release_offset_and_integers():
    """worm.release is fitted as seconds after the start and written back as a time; integer keys are
    rounded per trial; offset needs no scenario value; bounds outside the schema are refused."""
    from wormcast.api import resolve
    from wormcast.errors import WormcastError
    from wormcast.runs.calibrate.params import fit_keys

    sc = toy()
    rel, hosts, off = fit_keys(sc, ["worm.release", "population.vulnerable", "offset"],
                               {"worm.release": (0.0, 600.0)})
    assert (rel.low, rel.high, rel.start) == (0.0, 600.0, 0.0) and (off.low, off.high) == (-240.0, 240.0)
    moved = resolve(sc, [rel.override(300.0, sc)])
    assert (moved.worms[0].release - sc.start).total_seconds() == 300.0
    assert hosts.integer and hosts.applied(5000.4) == 5000.0 and hosts.override(5000.6, sc).endswith("=5001")
    with pytest.raises(WormcastError, match="seeding.initial_infected"):
        fit_keys(sc, ["seeding.initial_infected"], {"seeding.initial_infected": (-10.0, 5.0)})


def test_persistent_local_pool_is_kept_between_maps():
    from wormcast.runs.backends import LocalBackend

    with LocalBackend(2, persistent=True) as be:
        assert sorted(x for _, x in be.map_unordered(abs, [-1, -2, -3])) == [1, 2, 3]
        pids = be.worker_pids()
        assert sorted(x for _, x in be.map_unordered(abs, [-4])) == [4] and be.worker_pids() == pids != []
    assert be.worker_pids() == []


def test_first_seen_averages_over_the_hosts_rates():
    """Lognormal rates (cv 1.5) and a /22 watched (a host is seen minutes after it starts): (P2) over the
    rate law matches the hosts the watch stream delivered (within 3% over 3 seeds: ~8,000 sources); the
    mean rate alone overstates them by a third (the slow hosts are seen late, or not before the end)."""
    from wormcast.config.loading import from_dict
    from wormcast.core.loop import Simulation
    from wormcast.observers.predict import Watched, first_seen, predict_run, scanning_arrivals
    from wormcast.world.addresses import parse_cidr

    d = toy_data(observers=[telescope_observer("44.0.0.0/22")])
    d["worm"]["scan_rate"] = {"distribution": "lognormal", "mean": 4000.0, "cv": 1.5}
    sc = from_dict(d, "lognormal toy")
    bins = np.column_stack([np.arange(40) * 3, np.arange(40) * 3 + 3])
    watched = Watched((parse_cidr("44.0.0.0/22"),))
    seen = mixture = single = 0.0
    for seed in range(3):
        sim = Simulation(sc, seed)
        res = sim.run()
        seen += telescope_frame(res).new_sources.sum()
        mixture += predict_run(res, sim.world.addresses, watched, bins).series(bins)["new_sources"].sum()
        cols = res.columns(sc.step)
        q = 1024 / 2**32
        single += first_seen(scanning_arrivals(cols["ever_infected"], cols["new_infections"]),
                             -np.expm1(-4000.0 * q * sc.step)).sum()
    assert abs(mixture / seen - 1) < 0.03 and single / seen > 1.2, (seen, mixture, single)


def test_aligned_mean_keeps_a_runs_shape():
    """Two runs of one logistic curve, one 300 s later (the random early phase of a one-copy outbreak):
    their plain mean is smeared (its peak 1.5x lower), the aligned mean is the curve itself at the runs'
    mean crossing time (to 1e-9 of the peak); shifting past the run's end holds its last rate."""
    from wormcast.observers.predict import RunPrediction, aligned_mean_prediction, mean_prediction

    dt, n, hosts = 10.0, 600, 10_000
    t = (np.arange(n) + 1) * dt

    def run(t_mid):
        ever = hosts / (1 + np.exp(-(t - t_mid) / 60.0))
        new = np.diff(ever, prepend=0.0)
        return RunPrediction(dt, {"new_sources": new, "packets": 2 * new}, np.zeros(3), ever, hosts)

    a, b, mid = run(2850.0), run(3150.0), run(3000.0)
    assert a.crossing(0.5) == pytest.approx(2850.0, abs=1e-6)
    plain = mean_prediction([a, b]).steps["new_sources"]
    aligned, shifts = aligned_mean_prediction([a, b], 0.5)
    assert shifts == pytest.approx([-150.0, 150.0])
    peak = mid.steps["new_sources"].max()
    assert np.abs(aligned.steps["new_sources"] - mid.steps["new_sources"]).max() < 1e-9 * peak
    assert plain.max() < peak / 1.5  # the smeared mean that alignment avoids
    rising = run(5_800.0)  # still growing at the run's end: its last rate is far from 0
    late, own = rising.shifted(200.0).steps["packets"], rising.steps["packets"]
    assert own[-1] > 0.1 * own.max()
    assert np.allclose(late[:-20], own[20:]) and np.allclose(late[-20:], own[-1])  # 200 s = 20 steps
    assert run(20_000.0).crossing(0.5) is None  # never half infected within the run


def test_align_needs_the_offset(observed, capsys, tmp_path):
    d, scenario, *_ = observed
    code, cap = run_cli(capsys, scenario, "--observed", d / "tel.csv", "--fit", "worm.scan_rate.mean",
                        "--align", "0.1", "--out", tmp_path / "o")
    assert code == 2 and "--align 0.1: needs --fit offset" in cap.err and "Traceback" not in cap.err
    code, cap = run_cli(capsys, scenario, "--observed", d / "tel.csv", "--fit", "worm.scan_rate.mean,offset",
                        "--align", "1.5", "--out", tmp_path / "o")
    assert code == 2 and "--align 1.5" in cap.err


def test_reads_the_telescope_parquet_wormcast_writes(observed, tmp_path):
    """The observer's own telescope-<name>.parquet, as written: its per-interval sources are the fitted
    ``active_sources``, its cumulative ``unique_sources`` only checked (a per-interval series read under that
    name would be fitted against the wrong prediction)."""
    from wormcast.runs.calibrate.observed import read_observed

    _, _, sim, result, frame = observed
    out = result.observers["caida"]
    (name, write), = [(n, w) for n, w in out.files.items() if n == "telescope-caida.parquet"]
    write(tmp_path / name)
    obs = read_observed(tmp_path / name, None)
    assert obs.kind == "telescope" and sorted(obs.series) == ["active_sources", "new_sources", "packets"]
    np.testing.assert_array_equal(obs.series["active_sources"], frame.active_sources.to_numpy())
    np.testing.assert_array_equal(np.cumsum(obs.series["new_sources"]), frame.unique_sources.to_numpy())
