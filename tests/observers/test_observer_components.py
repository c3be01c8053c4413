"""Observers as scenario components: a telescope and monitored servers declared as [[observers]], their
tables, files and summary figures, the outbreak they leave unchanged, the logs the audit reads as real
ones, and detectors that stay quiet on background radiation alone."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest

import wormcast
from wormcast.audit.run import run_audit
from wormcast.core.loop import Simulation
from wormcast.errors import WormcastError
from wormcast.reporting.output import write_run

FAST = ["population.vulnerable=20000", "worm.scan_rate.mean=120", "end=2001-07-19T13:00:00Z",
        "seeding.initial_infected=5"]
TELESCOPE = ('{kind = "telescope", name = "caida", detectors = ["kalman", "threshold", "cusum", "increasing-run"], '
             'background = {}, churn = {rate_per_hour = 0.5}, training = 30}')


def _run(extra, seed=3):
    return Simulation(wormcast.load_scenario("codered-v2", FAST + extra), seed).run()


def test_a_telescope_records_series_sources_alarms_and_leaves_the_outbreak_unchanged(tmp_path):
    res = _run([f"observers=[{TELESCOPE}]"])
    plain = _run([])
    for key in plain.series.data:  # watching draws from streams of its own
        assert np.array_equal(plain.series.data[key], res.series.data[key]), key
    assert res.to_df().equals(plain.to_df())
    obs = res.observers["caida"]
    series, sources = obs["series"], obs["sources"]
    assert len(series) == len(res.to_df())  # one row per scenario interval
    assert series["new_sources"].cumsum().tolist() == series["unique_sources"].tolist()
    assert series["packets"].sum() == sources["packets"].sum()  # the two tables account for the same packets
    fig = res.summary["observers"]["caida"]
    assert fig["unique_sources_total"] == series["unique_sources"].iloc[-1] == sources["addresses"].sum()
    worm = sources[~sources["background"]]
    assert len(worm) == fig["worm_sources_total"] and worm["address"].notna().all()
    # churn: a worm source seen every minute from first to last sighting changes address at 0.5 an hour, so
    # its extra addresses are Poisson(0.5/h x (last_seen - first_seen - 1 min)) (it shows a new one only
    # when seen again); a rate twice as high would be told apart
    assert fig["unique_sources_total"] > fig["unique_hosts_total"]
    span_h = ((worm["last_seen"] - worm["first_seen"]).dt.total_seconds() - 60) / 3600
    extra, mean = int((worm["addresses"] - 1).sum()), 0.5 * span_h.sum()
    assert abs(extra - mean) < 4 * np.sqrt(mean) and abs(extra - 2 * mean) > 4 * np.sqrt(2 * mean), (extra, mean)
    assert (sources["first_seen"] < sources["last_seen"]).all()
    assert 0 < fig["worm_sources_total"] <= res.summary["ever_infected"]
    assert fig["packets_total"] > fig["worm_packets_total"] > 0  # background radiation is in
    detectors = {a["detector"] for a in fig["alarms"]}
    assert {"kalman", "cusum"} <= detectors
    for a in fig["alarms"]:  # early: before 5% of the hosts were infected, after the training (30 min)
        assert 0 < a["infected_fraction"] < 0.05 and a["time"] > "2001-07-19T10:30:00Z"
    est = fig["estimated_infected"]
    assert est["low"] <= est["value"] <= est["high"]
    # the files, named as documented, times as UTC timestamps
    write_run(res, tmp_path / "out")
    tel = pd.read_parquet(tmp_path / "out" / "telescope-caida.parquet")
    assert list(tel.columns[:4]) == ["time", "packets", "unique_sources", "new_sources"]
    assert str(tel["time"].dtype) == "datetime64[us, UTC]"
    src = pd.read_parquet(tmp_path / "out" / "telescope-caida-sources.parquet")
    assert list(src.columns[:4]) == ["address", "first_seen", "last_seen", "packets"]
    assert len(src) == len(sources)
    html = (tmp_path / "out" / "report.html").read_text()
    assert "Telescope caida" in html and "Alarm: kalman" in html


def test_background_radiation_alone_raises_no_alarm():
    """No worm copy at all (initial_infected 0): 12 hours of background radiation, four detectors."""
    sc = wormcast.load_scenario("codered-v2", ["population.vulnerable=2000", "seeding.initial_infected=0",
                                               "end=2001-07-19T22:00:00Z", f"observers=[{TELESCOPE}]"])
    res = Simulation(sc, 1).run()
    fig = res.summary["observers"]["caida"]
    assert fig["worm_packets_total"] == 0 and fig["packets_total"] > 100_000
    assert fig["alarms"] == []


def test_negative_control_a_threshold_at_one_sd_false_alarms_on_background():
    """The quiet background run above would catch a detector set too tight: this one alarms."""
    from wormcast.observers import telescope

    class Tight(telescope.ThresholdDetector):
        def __init__(self, training):
            super().__init__(training=training, z=1.0, consecutive=2)

    old = telescope.DETECTORS["threshold"]
    telescope.DETECTORS["threshold"] = Tight
    try:
        sc = wormcast.load_scenario("codered-v2", ["population.vulnerable=2000", "seeding.initial_infected=0",
                                                   "end=2001-07-19T22:00:00Z", f"observers=[{TELESCOPE}]"])
        fig = Simulation(sc, 1).run().summary["observers"]["caida"]
    finally:
        telescope.DETECTORS["threshold"] = old
    assert [a["detector"] for a in fig["alarms"]] == ["threshold"]


SERVERS = ['orgs=[{name = "farm", blocks = ["18.0.0.0/16"], servers = 50}]',
           'observers=[{kind = "server", name = "farm", org = "farm", format = "FMT"}, '
           '{kind = "server", name = "apache", address = "18.1.0.1", background_rate = 0.002}]']


@pytest.mark.parametrize("fmt", ["combined", "iis"])
def test_a_server_log_is_read_by_the_audit_like_a_real_one(tmp_path, fmt):
    extra = [SERVERS[0], SERVERS[1].replace("FMT", fmt), "end=2001-07-19T18:00:00Z"]
    res = _run(extra, seed=2)
    write_run(res, tmp_path / "out")
    log = res.observers["farm"]["log"]
    worm = log[log["worm"].notna()]
    share = 50 / (2 ** 32 - res.summary["vulnerable"])  # uniform scanning: 50 front-ends among the misses
    expected = res.summary["probes_total"] * share
    assert abs(len(worm) - expected) < 4 * np.sqrt(expected), (len(worm), expected)
    audit = run_audit([str(tmp_path / "out" / "server-farm.log")], fmt="auto", jobs=1)
    assert sum(f.malformed_lines for f in audit.files) == 0
    det = audit.detector
    t, _ = det.arrivals(["codered1"])
    assert len(t) == len(worm) == res.summary["observers"]["farm"]["worm_requests"]
    found = Counter()
    for row in det.source_rows():
        for part in row["signatures"].split(";"):
            sig, count = part.split(":")
            found[(row["address"], sig)] += int(count)
    assert found == Counter((s, "codered1") for s in worm["source"])
    # every source is an infected host of the run; the codes follow each front-end's state
    addresses = {str(a) for a in res.observers["farm"]["log"]["source"][log["worm"].notna()]}
    assert addresses <= set(res.observers["farm"]["log"]["source"])
    assert set(worm["status"]) <= {200, 404} and det.evidence_total == int((worm["status"] == 200).sum()) > 0
    # an address with no vulnerable host answers as Apache did: 400 for the .ida request
    apache = res.observers["apache"]["log"]
    assert set(apache[apache["worm"].notna()]["status"]) <= {400}


def test_observer_settings_errors_are_one_line():
    with pytest.raises(WormcastError, match="give address or org"):
        wormcast.load_scenario("codered-v2", ['observers=[{kind = "server", name = "x"}]'])
    with pytest.raises(WormcastError, match="two observers have the same name"):
        wormcast.load_scenario("codered-v2", ['observers=[{kind = "telescope", name = "x"}, '
                                              '{kind = "server", name = "x", address = "1.2.3.4"}]'])
    with pytest.raises(WormcastError, match="name"):
        wormcast.load_scenario("codered-v2", ['observers=[{kind = "telescope", name = "../x"}]'])
    with pytest.raises(WormcastError, match="not a valid IPv4 CIDR"):
        wormcast.load_scenario("codered-v2", ['observers=[{kind = "telescope", name = "t", blocks = ["44.0.0.1/8"]}]'])


def test_many_addresses_are_written_as_one_at_a_time():
    from wormcast.world.addresses import format_address, format_addresses

    rng = np.random.default_rng(0)
    a = np.concatenate([[0, 2 ** 32 - 1, 1 << 24, 255], rng.integers(0, 2 ** 32, 500)])
    assert format_addresses(a) == [format_address(int(x)) for x in a]
    assert format_addresses(a[:2]) != ["0.0.0.0", "255.255.255.254"]  # a wrong byte would show


def test_a_counter_with_a_dense_index_counts_exactly_as_the_sorted_one():
    from wormcast.observers.churn import AddressChurn
    from wormcast.observers.telescope_counts import TelescopeCounter

    rng = np.random.default_rng(5)
    counters = [TelescopeCounter(AddressChurn.uniform(2000, 0.3), np.random.default_rng(1), dense) for dense in (0, 1000)]
    for t in range(40):
        ids = np.concatenate([rng.choice(1000, 50, replace=False), 1000 + rng.choice(1000, 20, replace=False)])
        counts = rng.integers(0, 4, ids.size)
        rows = [c.observe(t, t + 1, ids, counts) for c in counters]
        assert rows[0] == rows[1]
    a, b = (c.sources() for c in counters)
    for field in ("ids", "first_seen", "last_seen", "packets", "addresses"):
        assert np.array_equal(getattr(a, field), getattr(b, field), equal_nan=True), field
