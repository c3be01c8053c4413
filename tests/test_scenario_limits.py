"""Values that once passed validation and then crashed, hung or misled: each is refused up front with one
line naming the key (exit 2, nothing written), and random values of every type never get past validation
into a crash (a property test)."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wormcast.cli import main
from wormcast.config.loading import from_dict, load_raw
from wormcast.config.overrides import apply_overrides
from wormcast.core.loop import Simulation
from wormcast.errors import WormcastError

ORG = 'orgs=[{name="farm", blocks=["64.4.0.0/18"], servers=100}]'

BAD = [  # (--set overrides on codered-v2, words the one-line message must contain)
    (["interval=inf"], "interval"),
    (["step=0.000001s"], "step"),
    (["end=2101-07-19T00:00:00Z"], "end"),
    (["end=2091-07-19T10:00:00Z"], "steps"),
    (["start=9999-12-31T20:00:00Z", "end=9999-12-31T23:00:00Z"], "start"),
    (["worm.scan_rate.mean=inf"], "worm.scan_rate.mean"),
    (["worm.scan_rate.mean=1e308"], "worm.scan_rate.mean"),
    (["worm.scan_rate.cv=1e308"], "worm.scan_rate.cv"),
    (["worm.scan_rate.cv=inf"], "worm.scan_rate.cv"),
    (["worm.flood_rate=inf"], "worm.flood_rate"),
    (['worm.exclude=["0.0.0.0/0"]'], "exclude"),
    (["worm.lifetime=nan"], "worm.lifetime"),
    (['defences.containment={strategy="content", coverage=0.5, reaction_time="nan"}'], "reaction_time"),
    ([ORG.replace('servers=100', 'servers=100, audit={interval=\"1e-9s\"}')], "audit"),
    ([ORG.replace('servers=100', 'servers=100, audit={interval="nan"}')], "audit"),
    ([ORG.replace('servers=100', 'servers=100, users={count=1e15, logins_per_day=1e308}')], "users"),
    ([ORG.replace('servers=100', 'servers=100, users={count=1000000, logins_per_day=5000}')], "logins"),
    (['orgs=[{name="all", blocks=["0.0.0.0/0"], servers=100}]'], "active_slash8"),
    ([ORG, 'worm.exclude=["64.0.0.0/8"]'], "excluded"),
    (["worm.signature=nosuchrule"], "signature"),
    (["step=1d", "interval=1d", "end=2001-07-19T14:00:00Z"], "step"),
    (["step=11s", "interval=11s"], "step"),
    (["population.vulnerable=4294967296"], "limit"),
]


@pytest.mark.parametrize("overrides,words", BAD, ids=[" ".join(o) for o, _ in BAD])
def test_bad_value_is_refused_in_one_line(tmp_path, capsys, overrides, words):
    out = tmp_path / "o"
    args = ["run", "codered-v2", "--out", str(out)]
    for o in overrides:
        args += ["--set", o]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err, err
    assert not out.exists()


def test_deeply_nested_toml_is_one_line(tmp_path, capsys):
    f = tmp_path / "deep.toml"
    f.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert main(["run", str(f), "--out", str(tmp_path / "o")]) == 2
    assert "nested too deeply" in capsys.readouterr().err


def test_csv_with_too_many_hosts_is_refused_before_allocating(tmp_path, capsys):
    (tmp_path / "pop.csv").write_text("0.0.0.0/1,2147483648\n")
    f = tmp_path / "s.toml"
    f.write_text('name = "big"\nstart = 2001-07-19T10:00:00Z\nend = 2001-07-19T11:00:00Z\n'
                 'population = {csv = "pop.csv"}\n[worm]\nname = "w"\nscan_rate = {mean = 5}\n')
    assert main(["run", str(f), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "pop.csv" in err and "limit" in err


def test_organisation_filling_a_slash8_no_longer_hangs():
    """An organisation filling whole /8s used to make the generator redraw forever; its /8s are now left out."""
    data, origin, base = load_raw("codered-v2")
    data = apply_overrides(data, ["population.vulnerable=2000", "end=2001-07-19T10:10:00Z",
                                  'orgs=[{name="big", blocks=["24.0.0.0/6"], servers=50}]'])
    res = Simulation(from_dict(data, origin, base), 1).run()
    assert res.summary["vulnerable"] == 2050


# ---------------------------------------------------------------- property test

BASE = ["population.vulnerable=300", "end=2001-07-19T11:00:00Z", "step=60s", "interval=10min",
        "seeding.initial_infected=3", "worm.scan_rate.mean=200"]
KEYS = ["start", "end", "step", "interval", "population.vulnerable", "population.active_slash8",
        "population.slash8_tail", "population.slash16_occupancy", "population.slash16_sigma", "worm.scanning",
        "worm.exclude", "worm.skip_self", "worm.scan_rate.mean", "worm.scan_rate.cv", "worm.scan_rate.distribution",
        "worm.infection_success", "worm.calendar", "worm.wrong_clock_fraction", "worm.lifetime", "worm.backdoor",
        "worm.flood_target", "worm.flood_rate", "worm.initial_infected", "worm.release", "worm.signature",
        "hosts.reboot_rate_per_hour", "hosts.patch", "seeding.initial_infected", "defences.throttle",
        "defences.containment"]
VALUES = st.one_of(
    st.integers(-10**20, 10**20).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["inf", "nan", "-inf", "1e308", "0", "-1", '"10s"', '"1d"', '"0s"', "true", '""',
                     '"uniform"', '"localized"', '"0.0.0.0/0"', '["0.0.0.0/0"]', "[]", "{}",
                     "2001-07-19T10:30:00Z", "9999-12-31T23:59:59Z", '{mean = 1e9}', '{share = 1, max_rate = 0}']),
    st.text(max_size=12).map(json.dumps))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(KEYS), value=VALUES)
def test_any_value_of_any_type_is_refused_or_runs(key, value):
    data, origin, base = load_raw("codered-v2")
    try:
        data = apply_overrides(data, BASE + [f"{key}={value}"])
        scenario = from_dict(data, origin, base)
    except WormcastError as exc:
        assert "\n" not in str(exc)
        return
    try:
        res = Simulation(scenario, 0).run()
    except WormcastError as exc:  # found while building the world (a CSV, the generator's room)
        assert "\n" not in str(exc)
        return
    json.dumps(res.summary, allow_nan=False)  # valid JSON: no inf or nan slipped through


def test_a_fifo_or_device_as_scenario_or_csv_is_refused(tmp_path, capsys):
    import os

    fifo = tmp_path / "scenario.toml"
    os.mkfifo(fifo)
    assert main(["run", str(fifo), "--out", str(tmp_path / "o")]) == 2
    assert "FIFO" in capsys.readouterr().err
    f = tmp_path / "s.toml"
    f.write_text('name = "z"\nstart = 2001-07-19T10:00:00Z\nend = 2001-07-19T11:00:00Z\n'
                 'population = {csv = "/dev/zero"}\n[worm]\nname = "w"\nscan_rate = {mean = 5}\n')
    assert main(["run", str(f), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "/dev/zero" in err and "character device" in err and len(err.strip().splitlines()) == 1
