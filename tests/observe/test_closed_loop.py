"""The closed loop: simulate with known truth -> observe (the scenario's own observers: a telescope on
44.0.0.0/8; the `server` observer on an organisation's /22 of front-ends, whose log the run writes and
wormcast audit reads) -> calibrate scan rate and vulnerable population (with the offset as nuisance) ->
compare with the truth.

Toy (tests/closedloop.py): truth r = 4,000 probes/s, N = 5,000 hosts; the calibrations start from
r = 3,000, N = 6,500, and use 4 common seeds (derived from root 0), distinct from the observed run's seed.
Tolerance stated: each fitted value within 5% of the truth, and its 90% interval covers the truth (server
loop: observed seed 1, fixed in advance). Coverage over observed seeds 202-207: see its test.
Negative control: observations from r = 5,000, N = 4,000 give intervals that exclude the first truth.
Measured (this file's seeds): see docs/calibration.md "Closed loop".
"""

import json

import pandas as pd
import pytest
from closedloop import SERVERS, TRUTH, observed_run, server_observer, telescope_frame, telescope_observer, toy

from wormcast.runs.calibrate import calibrate

KEYS = ["worm.scan_rate.mean", "population.vulnerable", "offset"]
START = {"rate": 3000.0, "hosts": 6500}  # the scenario calibrated: not the truth
TOLERANCE = 0.05


def check_recovered(cal, truth):
    for key, value in truth.items():
        p = cal.fitted_[key]
        assert abs(cal.best_[key] / value - 1) < TOLERANCE, (key, cal.best_[key], value)
        assert p.low <= value <= p.high, (key, p.low, p.high, value)


@pytest.mark.slow
def test_telescope_loop_recovers_truth(tmp_path):
    """The scenario's own telescope observer ([[observers]] kind = "telescope") writes
    telescope-caida.parquet with the run; calibrate reads that file."""
    from wormcast.api import simulate

    run = simulate(toy(observers=[telescope_observer()]), seed=101)
    run.write(tmp_path / "run")
    path = tmp_path / "run" / "telescope-caida.parquet"
    frame = pd.read_parquet(path)
    assert 4900 <= frame.new_sources.sum() <= 5000  # nearly every host infected and seen by the end
    cal = calibrate(toy(**START), path, KEYS, seeds=4, workers=2)
    check_recovered(cal, TRUTH)
    assert cal.p_value_ > 1e-3  # the model fits: deviance within chi2(dof) after the seeds' noise
    out = cal.write(tmp_path / "cal")
    doc = json.loads((out / "calibration.json").read_text())
    assert set(doc["fitted"]) == set(KEYS) and doc["n_trials"] == len(doc["trials"]) > 20
    # each trial's 4 runs, and the process variance's 12 more paths (4 more when the fit's trial ran earlier)
    assert doc["runs"] - 4 * doc["n_trials"] in (12, 16), (doc["runs"], doc["n_trials"])
    assert all(v["process_sd"] > 0 and v["low"] <= v["counting_interval"][0] for v in doc["fitted"].values())


def server_calibration(tmp_path, seed):
    """The server loop for observed seed ``seed``: the run's `server` observer writes server-farm.log,
    wormcast audit reads it, calibrate fits audit.json's timeline (the organisation in the calibrated
    scenario too). Returns (calibration, the observer's summary)."""
    from wormcast.api import simulate
    from wormcast.cli import main

    run = simulate(toy(org=True, observers=[server_observer("farm")]), seed=seed)
    run.write(tmp_path / "run")
    log = tmp_path / "run" / "server-farm.log"
    assert main(["audit", str(log), "--bin-seconds", "60", "--out", str(tmp_path / "audit"), "--jobs", "1"]) == 0
    cal = calibrate(toy(org=True, **START), tmp_path / "audit" / "audit.json", KEYS, seeds=4, workers=2,
                    monitored=SERVERS)
    return cal, run.summary["observers"]["farm"]


@pytest.mark.slow
def test_server_loop_through_the_audit(tmp_path):
    """The scenario's `server` observer (kind = "server", org = its 1,024 vulnerable front-ends) writes
    server-farm.log with the run; wormcast audit reads it; calibrated from audit.json's timeline (new
    sources per minute) with the same organisation in the calibrated scenario. Observed seed 1 (the seed
    after the calibration's root 0), fixed before its outcome was seen."""
    cal, seen = server_calibration(tmp_path, 1)
    assert seen["front_ends"] == 1024 and seen["worm_probes"] > 5000
    assert set(seen["statuses"]) == {"200"}  # vulnerable or infected IIS front-ends all answer 200
    assert cal.observed_.signature == "codered1"
    assert cal.observed_.series["packets"].sum() == seen["worm_requests"]
    check_recovered(cal, TRUTH)
    assert all(cal.process_sd_[k] > 0 for k in KEYS)


COVERAGE_SEEDS = range(202, 208)  # fixed before the process variance was built (docs/calibration.md)


@pytest.mark.slow
def test_interval_coverage_with_the_paths_own_variance(tmp_path):
    """Coverage over 6 observed seeds (202-207) on the telescope loop (the server loop's 6 calibrations
    take over 90 s here; its figures are in docs/calibration.md "Closed loop"). Asserted: the interval
    widened by the observed path's own variance (runs/calibrate/process.py) contains the counting-noise
    interval (``counting_intervals_``, what calibrate gave before) and covers the truths at least as often
    (measured: r 4/6 against 3/6, N 3/6 against 3/6), and still excludes a scan rate 12% off either way in
    every seed. Issue 11's target, r and N covered in at least 5 of 6 each (a true 90% interval does so with
    probability 0.89), is not reached: the test reports it as an expected failure until it is."""
    r, n = TRUTH["worm.scan_rate.mean"], TRUTH["population.vulnerable"]
    new, old = {"r": 0, "n": 0}, {"r": 0, "n": 0}
    for seed in COVERAGE_SEEDS:
        _, result = observed_run(seed)
        path = tmp_path / f"tel-{seed}.csv"
        telescope_frame(result).to_csv(path, index=False)
        cal = calibrate(toy(**START), path, KEYS, seeds=4, workers=2)
        for name, key, truth in (("r", "worm.scan_rate.mean", r), ("n", "population.vulnerable", n)):
            p, (lo, hi) = cal.fitted_[key], cal.counting_intervals_[key]
            assert p.low <= lo and hi <= p.high, (seed, key, p, lo, hi)  # widened, never narrowed
            new[name] += p.low <= truth <= p.high
            old[name] += lo <= truth <= hi
        pr = cal.fitted_["worm.scan_rate.mean"]
        assert pr.low > 0.88 * r and pr.high < 1.12 * r, (seed, pr)
    if not (new["r"] >= 5 and new["n"] >= 5):
        pytest.xfail(f"issue 11 open: covered r {new['r']}/6, N {new['n']}/6 (counting noise only: "
                     f"{old['r']}/6, {old['n']}/6)")


@pytest.mark.slow
def test_negative_control_excludes_first_truth(tmp_path):
    """Observations from another truth (r 25% higher, N 20% lower): the 90% intervals exclude the first
    truth; the fit lands within the tolerance of its own truth."""
    _, result = observed_run(303, rate=5000.0, hosts=4000)
    path = tmp_path / "tel.csv"
    telescope_frame(result).to_csv(path, index=False)
    cal = calibrate(toy(**START), path, KEYS, seeds=4, workers=2)
    for key, value in TRUTH.items():
        p = cal.fitted_[key]
        assert not p.low <= value <= p.high, (key, p.low, p.high)
    other = {"worm.scan_rate.mean": 5000.0, "population.vulnerable": 4000}
    assert all(abs(cal.best_[k] / v - 1) < TOLERANCE for k, v in other.items()), cal.best_


@pytest.mark.slow
def test_one_copy_outbreak_recovered_with_aligned_seeds(tmp_path):
    """One initial copy (codered-v2-like, shrunk: the toy from one copy, lognormal rates cv 0.5, 60 min
    observed on the /8). Calibrated with 8 common seeds aligned on 10% infected (``align=0.1``), the
    calibrated copy running 40 min past the observations, offset within +-30 min. Tolerance stated:
    N within 3% and r within 7% (measured on observed seeds 1 / 2 / 3: r 3,982 / 4,119 / 3,774, N 4,994 /
    4,927 / 5,036; the intervals, +-2.5% for r, cover both truths for seed 1 only: not asserted).
    Negative control: the same fit unaligned (4 seeds) puts N more than 5% off (measured 7-27%) with a
    p-value under 1e-3 (the smeared mean fits no path)."""
    from closedloop import one_copy

    from wormcast.api import simulate

    run = simulate(one_copy(observers=[telescope_observer()]), seed=1)
    path = tmp_path / "tel.csv"
    telescope_frame(run).to_csv(path, index=False)
    start = one_copy(rate=3000.0, hosts=6500, end="01:40")
    bounds = {"offset": (-1800.0, 1800.0)}
    cal = calibrate(start, path, KEYS, seeds=8, workers=2, align=0.1, bounds=bounds)
    assert abs(cal.best_["population.vulnerable"] / TRUTH["population.vulnerable"] - 1) < 0.03, cal.best_
    assert abs(cal.best_["worm.scan_rate.mean"] / TRUTH["worm.scan_rate.mean"] - 1) < 0.07, cal.best_
    plain = calibrate(start, path, KEYS, seeds=4, workers=2, bounds=bounds)
    assert abs(plain.best_["population.vulnerable"] / TRUTH["population.vulnerable"] - 1) > 0.05, plain.best_
    assert plain.p_value_ < 1e-3
