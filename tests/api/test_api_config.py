"""Scenarios from the API: overrides as a dict, a list or one string; durations need a unit; messages name
the API's parameters (the CLI keeps its flags); Scenario.to_toml round-trips every preset."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

import wormcast
from wormcast.api import resolve
from wormcast.cli import main
from wormcast.config.schema import Scenario
from wormcast.errors import WormcastError


def _message(fn) -> str:
    with pytest.raises(WormcastError) as info:
        fn()
    text = str(info.value)
    assert "\n" not in text
    return text


def test_overrides_as_dict_list_or_one_string_agree():
    as_dict = resolve("codered-v2", {"worm.scan_rate.mean": 10, "population.vulnerable": 1000})
    as_list = resolve("codered-v2", ["worm.scan_rate.mean=10", "population.vulnerable=1000"])
    assert as_dict == as_list
    assert as_dict.worms[0].scan_rate.mean == 10 and as_dict.population.vulnerable == 1000
    one = resolve("codered-v2", "worm.scan_rate.mean=10")  # one setting, not ten characters
    assert one.worms[0].scan_rate.mean == 10 and one != resolve("codered-v2")
    base = wormcast.load_scenario("codered-v2")
    assert resolve(base, {"worm.scan_rate.mean": 10, "population.vulnerable": 1000}) == as_dict


def test_override_values_from_python_keep_their_type():
    sc = resolve("codered-v2", {"worm.lifetime": timedelta(hours=12), "worm.exclude": ["10.0.0.0/8"],
                                "worm.skip_self": True, "end": "2001-07-19T12:00:00Z"})
    w = sc.worms[0]
    assert w.lifetime == 43200 and w.exclude == ["10.0.0.0/8"] and w.skip_self is True


@pytest.mark.parametrize("overrides, words", [
    ("scan_rate", "overrides: 'scan_rate': expected key=value"),
    (["worm.scan_rate.mean=10", 7], "overrides: 7 is not a 'key=value' string"),
    ({1: 2}, "overrides: key 1 is not text"),
    (42, "overrides: expected a dict or a list of 'key=value' strings, not int"),
    ({"worm.scan_rate.mean": "fast"}, "overrides['worm.scan_rate.mean']: Input should be a valid number"),
    ({"worm.nosuch": 1}, "overrides['worm.nosuch']: unknown key"),
])
def test_bad_overrides_are_one_line_naming_the_parameter(overrides, words):
    text = _message(lambda: wormcast.simulate("codered-v2", overrides=overrides))
    assert text.startswith(words) and "--set" not in text


@pytest.mark.parametrize("overrides, key", [({"worm.lifetime": 12}, "worm.lifetime"), ({"step": 10}, "step"),
                                            (["interval=300"], "interval"), ({"worm.lifetime": 12.5}, "worm.lifetime")])
def test_a_duration_without_a_unit_is_refused_naming_the_key(overrides, key):
    text = _message(lambda: wormcast.simulate("codered-v2", overrides=overrides))
    assert text.startswith(f"overrides[{key!r}]: ") and "has no unit" in text and '"' in text


def test_a_duration_with_a_unit_still_reads():
    assert resolve("codered-v2", {"worm.lifetime": "12h", "step": "10s"}).worms[0].lifetime == 43200
    assert wormcast.load_scenario("codered-v2", {"worm.lifetime": "1.5d"}).worms[0].lifetime == 1.5 * 86400
    text = _message(lambda: wormcast.load_scenario("codered-v2", {"worm.lifetime": "12"}))  # text without a unit
    assert text.startswith("overrides['worm.lifetime']: '12' is not a duration")


def test_cli_and_toml_refuse_bare_durations_in_one_line(tmp_path, capsys):
    assert main(["run", "codered-v2", "--set", "worm.lifetime=12", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("wormcast: --set worm.lifetime=12: worm.lifetime: 12 has no unit")
    assert len(err.splitlines()) == 1 and not (tmp_path / "o").exists()
    text = wormcast.load_scenario("codered-v2").to_toml().replace('step = "10s"', "step = 10")
    (tmp_path / "s.toml").write_text(text)
    assert main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"wormcast: {tmp_path / 's.toml'}: step: 10 has no unit") and len(err.splitlines()) == 1


def test_api_errors_name_parameters_the_cli_names_flags(tmp_path, capsys):
    assert _message(lambda: wormcast.simulate("codered-v2", seed=-1)) == "seed=-1: must be a non-negative integer"
    assert main(["run", "codered-v2", "--seed", "-1", "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.startswith("wormcast: --seed -1: must be a non-negative integer")
    assert _message(lambda: wormcast.simulate_many("codered-v2", runs=0)).startswith("runs=0: ")
    assert main(["run", "codered-v2", "--runs", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--runs 0: must be at least 1" in capsys.readouterr().err


def test_to_toml_round_trips_every_preset(tmp_path):
    for name in wormcast.preset_names():
        sc = wormcast.load_scenario(name)
        text = sc.to_toml()
        assert Scenario.from_toml(text, base_dir=sc.base_dir) == sc, name
        path = tmp_path / f"{name}.toml"
        path.write_text(text)
        back = wormcast.load_scenario(str(path))
        assert back.model_dump(exclude={"base_dir"}) == sc.model_dump(exclude={"base_dir"}), name


def test_to_toml_writes_units_and_a_change_shows():
    sc = resolve("codered-hotmail", {"worm.0.lifetime": "90min"})
    text = sc.to_toml()
    assert 'step = "30s"' in text and 'interval = "10min"' in text and 'lifetime = "90min"' in text
    assert 'delay = "6h"' in text and '"3d"' in text  # an audit's delay and compared intervals
    other = resolve(sc, {"orgs.0.audit.delay": "7h"})
    assert Scenario.from_toml(other.to_toml(), base_dir=sc.base_dir) != sc  # negative control


def test_presets_show_resolved_prints_to_toml_that_loads_back(tmp_path):
    p = subprocess.run([sys.executable, "-m", "wormcast", "presets", "show", "codered-ii", "--resolved"],
                       capture_output=True, text=True, check=True)
    sc = wormcast.load_scenario("codered-ii")
    assert p.stdout == sc.to_toml()
    shipped = subprocess.run([sys.executable, "-m", "wormcast", "presets", "show", "codered-ii"],
                             capture_output=True, text=True, check=True).stdout
    assert "#" in shipped and shipped != p.stdout  # without --resolved: the file, provenance comments and all


def test_zero_needs_no_unit():
    sc = resolve("codered-hotmail", {"orgs.0.audit.interval": 0})
    assert sc.orgs[0].audit.interval == 0
    text = _message(lambda: wormcast.load_scenario("codered-hotmail", {"orgs.0.audit.interval": 6}))
    assert text.startswith("overrides['orgs.0.audit.interval']: 6 has no unit")
