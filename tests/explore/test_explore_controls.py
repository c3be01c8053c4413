"""The explorer's controls: read from each preset, checked before any override is made."""

import math

import pytest

from wormcast.config.loading import load_scenario, preset_names
from wormcast.errors import WormcastError
from wormcast.explore.controls import controls_for, overrides_for


def _by_key(preset):
    return {c.key: c for c in controls_for(preset)}


def test_every_preset_offers_controls_whose_defaults_load():
    for name in preset_names():
        controls = controls_for(name)
        assert controls, name
        defaults = {c.key: c.default for c in controls}
        load_scenario(name, overrides_for(controls, defaults))  # the preset's own values are valid


def test_codered_v2_controls_and_an_override_that_takes_effect():
    c = _by_key("codered-v2")
    assert {"worm.scan_rate.mean", "population.vulnerable", "hosts.patch.0.rate_per_hour",
            "worm.scanning"} <= set(c)
    assert c["worm.scan_rate.mean"].default == 7.8 and c["population.vulnerable"].default == 370000
    sc = load_scenario("codered-v2", overrides_for(list(c.values()), {"worm.scan_rate.mean": 3.5,
                                                                       "population.vulnerable": 100000,
                                                                       "worm.scanning": "localized"}))
    w = sc.worms[0]
    assert (w.scan_rate.mean, sc.population.vulnerable) == (3.5, 100000)
    assert w.scanning.kind == "localized"


def test_the_hotmail_organisation_gets_audit_and_login_policy_controls():
    c = _by_key("codered-hotmail")
    assert c["orgs.0.audit.interval"].default == "24h" and "0s" in c["orgs.0.audit.interval"].choices
    assert c["orgs.0.users.policies"].choices == ("round_robin", "random", "sticky")
    assert {"worm.0.scan_rate.mean", "worm.1.scan_rate.mean"} <= set(c)
    sc = load_scenario("codered-hotmail", overrides_for(list(c.values()), {"orgs.0.audit.interval": "6h"}))
    assert sc.orgs[0].audit.interval == 6 * 3600


@pytest.mark.parametrize("values, words", [
    ({"worm.scan_rate.mean": 1e9}, "outside"),
    ({"worm.scan_rate.mean": math.nan}, "outside"),
    ({"worm.scan_rate.mean": "7"}, "expected a number"),
    ({"worm.scan_rate.mean": True}, "expected a number"),
    ({"population.vulnerable": -5}, "outside"),
    ({"worm.scanning": "telepathy"}, "not one of"),
    ({"worm.exclude": ["0.0.0.0/0"]}, "unknown control"),
])
def test_values_outside_the_controls_are_refused_in_one_line(values, words):
    with pytest.raises(WormcastError) as exc:
        overrides_for(controls_for("codered-v2"), values)
    assert words in str(exc.value) and "\n" not in str(exc.value)
