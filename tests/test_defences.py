"""Containment (Moore et al., Internet Quarantine 2003) and egress filtering, against what follows by hand."""

import numpy as np
import pytest

from wormcast.api import simulate
from wormcast.config.loading import load_scenario
from wormcast.core.loop import Simulation

V2 = ["population.vulnerable=20000", "worm.scan_rate.mean=150", "end=2001-07-19T16:00:00Z",
      "seeding.initial_infected=20"]


def containment(strategy: str, coverage: float, reaction: str, extra: str = "") -> str:
    return (f'defences.containment={{strategy="{strategy}", coverage={coverage}, reaction_time="{reaction}"'
            f'{extra}}}')


def test_zero_coverage_is_no_containment():
    free = simulate("codered-v2", seed=3, overrides=V2)
    for strategy in ("blacklist", "content"):
        r = simulate("codered-v2", seed=3, overrides=V2 + [containment(strategy, 0.0, "0s")])
        for key in free.series.data:
            assert np.array_equal(free.series.data[key], r.series.data[key]), (strategy, key)


@pytest.mark.parametrize("preset, over", [
    ("codered-v2", V2),
    ("codered-ii", ["population.vulnerable=20000", "end=2001-08-04T06:00:00Z", "seeding.initial_infected=20"]),
    ("codered-v1", ["population.vulnerable=20000", "worm.scan_rate.mean=5000", "end=2001-07-12T06:00:00Z",
                    "seeding.initial_infected=20"]),
])
def test_immediate_blacklisting_everywhere_stops_the_spread_at_the_seeds(preset, over):
    free = simulate(preset, seed=1, overrides=over)
    assert free.summary["ever_infected"] > 40  # without it the worm spreads
    r = simulate(preset, seed=1, overrides=over + [containment("blacklist", 1.0, "0s")])
    assert r.summary["ever_infected"] == 20
    assert r.summary["probes_total"] > 0  # the seeds still scan; nothing gets through


def test_content_filtering_everywhere_stops_new_infections_after_the_reaction_time():
    r = simulate("codered-v2", seed=2, overrides=V2 + [containment("content", 1.0, "2h")])
    new = r.series.data["new_infections"]
    on = int(2 * 3600 / r.scenario.step)
    assert new[:on].sum() > 0 and new[on:].sum() == 0


@pytest.mark.parametrize("preset, over", [
    ("codered-v2", V2 + ["seeding.initial_infected=50"]),
    ("codered-ii", ["population.vulnerable=20000", "end=2001-08-04T06:00:00Z", "seeding.initial_infected=50"]),
])
def test_content_filtering_on_part_of_the_space_shields_exactly_the_covered_hosts(preset, over):
    sim = Simulation(load_scenario(preset, over + [containment("content", 0.5, "0s")]), 4)
    sim.run()
    covered = sim.component("containment").covered
    seeds = np.isclose(sim.hosts.first_infected_at, 0.0)
    assert 0.05 < covered.mean() < 0.95
    assert not np.any(sim.hosts.ever_infected & covered & ~seeds)  # nothing gets into a covered host
    assert np.sum(sim.hosts.ever_infected & ~covered) > 1000  # the rest of the Internet is not protected


def test_slower_blacklisting_lets_more_hosts_fall():
    def mean_ever(reaction):
        extra = [] if reaction is None else [containment("blacklist", 0.6, reaction)]
        return np.mean([simulate("codered-v2", seed=s, overrides=V2 + extra).summary["ever_infected"]
                        for s in range(3)])

    fast, slow, none = mean_ever("5min"), mean_ever("1h"), mean_ever(None)
    assert fast < slow < none


def test_covered_organisations_and_blocks():
    org = 'orgs=[{name="farm", blocks=["64.4.0.0/16"], servers=3000}]'
    sim = Simulation(load_scenario("codered-v2", V2 + [org, containment(
        "content", 0.0, "0s", ', orgs=["farm"], blocks=["80.0.0.0/8"]')]), 1)
    sim.run()
    inside = (sim.world.org == 0) | ((sim.world.addresses >> 24) == 80)
    assert np.array_equal(sim.component("containment").covered, inside)
    assert not np.any(sim.hosts.ever_infected[sim.world.org == 0])


def test_egress_filtering_keeps_an_organisations_infections_inside():
    org = 'orgs=[{name="farm", blocks=["64.4.0.0/16"], servers=5000, egress_filtering=%s}]'
    outside = {}
    for egress in ("true", "false"):
        sc = load_scenario("codered-v2", ["population.vulnerable=20000", "worm.scan_rate.mean=3000",
                                          "end=2001-07-19T12:00:00Z", "seeding.initial_infected=0", org % egress])
        sim = Simulation(sc, 5)
        farm = np.flatnonzero(sim.world.org == 0)
        sim.infect(farm[:50], 0.0)
        sim.run()
        assert sim.hosts.ever_infected[farm].sum() > 1000  # it spreads inside the farm either way
        outside[egress] = int(sim.hosts.ever_infected[sim.world.org < 0].sum())
    assert outside["true"] == 0 and outside["false"] > 100


def test_bad_containment_is_refused():
    from wormcast.errors import WormcastError

    with pytest.raises(WormcastError, match="no organisation named 'nobody'"):
        load_scenario("codered-v2", [containment("content", 0.1, "1h", ', orgs=["nobody"]')])
    with pytest.raises(WormcastError, match="coverage"):
        load_scenario("codered-v2", [containment("content", 1.5, "1h")])
    with pytest.raises(WormcastError, match="strategy"):
        load_scenario("codered-v2", [containment("prayer", 0.5, "1h")])
