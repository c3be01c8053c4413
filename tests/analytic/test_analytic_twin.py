"""Which analytic model twins which scenario, with which parameters, and the series it returns."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import wormcast
from wormcast.analytic.aawp import AAWP
from wormcast.analytic.localized import Localized
from wormcast.analytic.rcs import RCS
from wormcast.analytic.sis import SIS
from wormcast.analytic.twin import twin_for, twin_series
from wormcast.core.loop import Simulation
from wormcast.world.population import ELIGIBLE_SLASH8

UNIFORM = ["hosts.reboot_rate_per_hour=0", "hosts.patch=[]"]


def test_presets_twins():
    m = twin_for(wormcast.load_scenario("codered-v2"))
    assert m == AAWP(vulnerable=370000, scan_rate=7.8, addresses=2**32, initial_infected=1, patch_rate=0.0005,
                     reboot_rate=0.01, step=10.0, success=1.0)
    assert twin_for(wormcast.load_scenario("codered-v1")) is None  # one shared scan sequence
    assert twin_for(wormcast.load_scenario("codered-hotmail")) is None  # two worms, an organisation


def test_rules():
    assert isinstance(twin_for(wormcast.load_scenario("codered-v2", UNIFORM)), RCS)
    sis = twin_for(wormcast.load_scenario("codered-v2", ["hosts.patch=[]"]))
    assert isinstance(sis, SIS) and sis.reboot_rate == 0.01
    # a constant rate, or the lognormal's mean
    const = twin_for(wormcast.load_scenario("codered-v2", UNIFORM + ['worm.scan_rate.distribution="constant"']))
    assert const.scan_rate == 7.8
    assert twin_for(wormcast.load_scenario("codered-v2", UNIFORM + ["worm.infection_success=0.5"])).success == 0.5
    # a campaign that starts after the start has no constant-rate twin
    late = wormcast.load_scenario("codered-v2", ["hosts.patch.0.from=2001-07-19T12:00:00Z"])
    assert twin_for(late) is None
    # the calendar leaves the spreading phase at midnight: no twin past it
    assert twin_for(wormcast.load_scenario("codered-v2", ["end=2001-07-20T06:00:00Z"])) is None
    assert twin_for(wormcast.load_scenario("codered-v2", UNIFORM + ["worm.lifetime=\"2h\""])) is None


def test_excluded_ranges_shrink_the_space_and_the_expected_hosts():
    none_there = twin_for(wormcast.load_scenario("codered-v2", UNIFORM + ['worm.exclude=["10.0.0.0/8"]']))
    assert none_there.addresses == 2**32 - 2**24 and none_there.vulnerable == 370000  # 10/8 holds no hosts
    some = twin_for(wormcast.load_scenario("codered-v2", UNIFORM + ['worm.exclude=["11.0.0.0/8", "12.0.0.0/9"]']))
    assert some.addresses == 2**32 - 2**24 - 2**23
    assert some.vulnerable == pytest.approx(370000 * (1 - 1.5 / len(ELIGIBLE_SLASH8)))


def test_twin_series_columns_units_and_release():
    sc = wormcast.load_scenario("codered-v2", UNIFORM)
    t = np.arange(0, 14 * 3600 + 1, 3600.0)
    df = twin_series(sc, t)
    assert list(df.columns) == ["time", "infected", "ever_infected", "model"]
    assert df["time"].iloc[1] == pd.Timestamp("2001-07-19T11:00:00Z") and set(df["model"]) == {"rcs"}
    assert df["infected"].iloc[0] == pytest.approx(1) and df["infected"].iloc[-1] > 359000  # counts, not fractions
    released = wormcast.load_scenario("codered-v2", UNIFORM + ["worm.release=2001-07-19T11:00:00Z"])
    later = twin_series(released, t)
    assert later["infected"].iloc[0] == 0 and later["infected"].iloc[2] == pytest.approx(df["infected"].iloc[1])
    assert twin_series(wormcast.load_scenario("codered-v1"), t) is None


def test_localized_presets_twins():
    """codered-ii and nimda: the localized model with the presets' levels, removals and other vectors, on
    the world of the seed asked for; what it cannot represent has no twin."""
    cr2 = twin_for(wormcast.load_scenario("codered-ii"))
    assert isinstance(cr2, Localized) and cr2.levels == "0:0.125,8:0.5,16:0.375"
    assert (cr2.vulnerable, cr2.scan_rate, cr2.lifetime, cr2.patch_rate, cr2.reboot_rate, cr2.step, cr2.skip_self) \
        == (170000, 10.0, 86400.0, 0.002, 0.01, 20.0, 1)
    assert cr2.exclude == "127.0.0.0/8,224.0.0.0/8" and cr2.world.denominator[8].max() == 2**24 - 1
    assert cr2.world.denominator[0][0] == 2**32 - 2 * 2**24 - 1  # less the excluded /8s and the source
    nimda = twin_for(wormcast.load_scenario("nimda"))
    assert (nimda.exploit_share, nimda.extra_per_infected, nimda.extra_rate, nimda.reboot_rate, nimda.lifetime) \
        == (0.6, 0.5, 0.0, 0.0, 0.0)
    # the world is the run's own: another seed, other /16s
    other = twin_for(wormcast.load_scenario("codered-ii"), seed=1)
    assert other.world.groups != cr2.world.groups and other.world_seed == 1
    engine = Simulation(wormcast.load_scenario("codered-ii"), seed=1).world  # the engine's world of that seed
    assert np.array_equal(np.unique(engine.addresses >> 16, return_counts=True)[1], other.world.hosts)
    late = wormcast.load_scenario("codered-ii", ["hosts.patch.0.from=2001-08-04T06:00:00Z"])
    assert twin_for(late) is None  # a campaign that starts late
    examples = Path(__file__).resolve().parents[2] / "examples"
    assert twin_for(wormcast.load_scenario(examples / "nimda-after-codered-ii.toml")) is None  # two worms


def test_measured_figures_of_a_preset_and_the_twin_meets_them():
    from wormcast.analytic.measured import measured_for

    sc = wormcast.load_scenario("codered-v2")
    m, peak = measured_for(sc)
    assert m.column == "ever_infected" and m.relation == "at_least" and m.value == 359000
    assert (peak.column, peak.at, peak.relation, peak.value) == ("new_infections_per_min", None, "peak_at_least", 2000)
    at = (m.at - sc.start).total_seconds()
    assert twin_series(sc, [at])["ever_infected"].iloc[0] >= m.value  # the calibrated preset's twin agrees
    assert measured_for(wormcast.load_scenario("codered-v2", ["end=2001-07-19T20:00:00Z"])) == (peak,)  # no instant
    assert measured_for(wormcast.load_scenario("codered-ii")) == ()
