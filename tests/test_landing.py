"""Probes that say where they land: an observer watching an address block gets, per step, the probes that
landed there and their sources, drawn exactly and from a stream of their own."""

import numpy as np
import pytest

import wormcast
from wormcast.core.loop import Simulation
from wormcast.errors import WormcastError
from wormcast.plugins import EMPTY, Component, ComponentConfig, ProbeBatch, Scanner
from wormcast.world.addresses import in_ranges, parse_cidr

FAST = ["population.vulnerable=20000", "worm.scan_rate.mean=120", "end=2001-07-19T13:00:00Z",
        "seeding.initial_infected=5"]


class Telescope(Component):
    """A test observer over one block, counting what lands there."""

    Config = ComponentConfig
    block = "44.0.0.0/8"

    def watch(self):
        return [[parse_cidr(self.block)]]

    def setup(self, ctx):
        self.packets, self.by_source = 0, {}

    def on_probes(self, batch):
        for landing in batch.landed:
            assert landing.block in self.watch_index
            assert landing.counts.sum() == landing.probes
            self.packets += landing.probes
            for s, c in zip(landing.sources.tolist(), landing.counts.tolist()):
                self.by_source[s] = self.by_source.get(s, 0) + c


def test_landed_probes_follow_the_block_share_and_leave_the_outbreak_unchanged():
    sc = wormcast.load_scenario("codered-v2", FAST + ['observers=[{kind = "test_landing:Telescope"}]'])
    sim = Simulation(sc, 3)  # the observer named by its dotted path, as a plugin would be
    res = sim.run()
    tel = sim.component("test_landing:Telescope")
    plain = Simulation(wormcast.load_scenario("codered-v2", FAST), 3).run()
    for key in plain.series.data:  # watching draws from its own stream: the outbreak is the same
        assert np.array_equal(plain.series.data[key], res.series.data[key]), key
    lo, hi = parse_cidr(Telescope.block)
    inside = int(in_ranges(sim.world.addresses, [(lo, hi)]).sum())
    share = (hi - lo - inside) / (2 ** 32 - sim.world.n)
    probes = res.summary["probes_total"]
    expected = probes * share
    assert abs(tel.packets - expected) < 4 * np.sqrt(expected), (tel.packets, expected)
    # negative control: a block twice the size would be told apart at this tolerance
    assert abs(tel.packets - 2 * expected) > 4 * np.sqrt(2 * expected)
    # every source is an infected host; the busiest sources are among the earliest infected
    first = sim.hosts.first_infected_at[list(tel.by_source)]
    assert np.all(np.isfinite(first))


class Blind(Scanner):
    """A scanner that has no landing law (the base class's watch)."""

    def step(self, dt, worm):
        return ProbeBatch(worm, 0, 0, EMPTY)


def test_a_scanner_that_cannot_say_where_probes_land_refuses_in_one_line():
    sc = wormcast.load_scenario("codered-v2", ["population.vulnerable=2000", 'worm.scanning = {kind = "test_landing:Blind"}',
                                               'observers=[{kind = "test_landing:Telescope"}]'])
    with pytest.raises(WormcastError, match="cannot yet say where its probes land"):
        Simulation(sc, 1)
