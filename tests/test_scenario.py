import pytest

from wormcast.config.loading import load_scenario, preset_names
from wormcast.errors import WormcastError


def test_presets_load_and_are_documented():
    names = preset_names()
    assert {"codered-v1", "codered-v2", "codered-ii"} <= set(names)
    for name in names:
        sc = load_scenario(name)
        assert sc.name == name and sc.description


def test_codered_ii_follows_the_published_behaviour():
    sc = load_scenario("codered-ii")
    prefs = {p.prefix: p.probability for p in sc.worms[0].scanning.local_preference}
    assert prefs == {0: 0.125, 8: 0.5, 16: 0.375}
    assert sc.worms[0].exclude == ["127.0.0.0/8", "224.0.0.0/8"] and sc.worms[0].skip_self
    assert sc.worms[0].backdoor and sc.worms[0].lifetime == 86400


def test_overrides_change_values_and_are_validated():
    sc = load_scenario("codered-v2", ["worm.scan_rate.mean=3.5", "population.vulnerable=1000", "step=30s"])
    assert sc.worms[0].scan_rate.mean == 3.5 and sc.population.vulnerable == 1000 and sc.step == 30


@pytest.mark.parametrize("override, fragment", [
    (["worm.scan_rate.mean=-1"], "worm.scan_rate.mean"),
    (["worm.colour=red"], "worm.colour: unknown key"),
    (["population.vulnerable=5000000000"], "above the limit of 20,000,000 hosts"),
    (["worm.exclude=['10.0.0.1/8']"], "not a valid IPv4 CIDR"),
    (["end=2001-07-19T09:00:00Z"], "must be after start"),
    (["interval=25s"], "multiple of step"),
    (["hosts.reboot_rate_per_hour=-0.1"], "hosts.reboot_rate_per_hour"),
    (["step=fast"], "not a duration"),
])
def test_bad_values_give_one_clear_line(override, fragment):
    with pytest.raises(WormcastError) as exc:
        load_scenario("codered-v2", override)
    msg = str(exc.value)
    assert fragment in msg and "\n" not in msg


def test_unknown_preset_and_malformed_toml(tmp_path):
    with pytest.raises(WormcastError, match="unknown scenario 'nope'"):
        load_scenario("nope")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [unclosed\n")
    with pytest.raises(WormcastError, match="malformed TOML"):
        load_scenario(str(bad))
