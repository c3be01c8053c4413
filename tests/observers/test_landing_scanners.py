"""Where localized (Code Red II) and shared-sequence (Code Red I v1) probes land, against the per-probe
picture: the worm's own target rule (the reference's ProbeRule) and the sequence every copy walks.
Fixed seeds; each check states its tolerance and has a negative control of the size that matters."""

import numpy as np
import pytest
from scipy import stats
from smallworld import BASE, small_scenario, small_world

from wormcast.core.loop import Simulation
from wormcast.plugins import Component, ComponentConfig
from wormcast.scanners.base import TargetSpace
from wormcast.scanners.localized import LocalizedRule
from wormcast.scanners.sequence_landing import SequenceLanding
from wormcast.scanners.shared_sequence import SharedSequenceRule
from wormcast.world.addresses import in_ranges

BLOCK = [(BASE, BASE + (1 << 14))]  # 16.0.0.0/18: one of the four /18s holding the clustered test hosts
LEVELS = [{"prefix": 0, "probability": 0.2}, {"prefix": 16, "probability": 0.4}, {"prefix": 24, "probability": 0.4}]


class Watcher(Component):
    """Counts, per source, the probes landing in BLOCK."""

    Config = ComponentConfig
    every = 1

    def watch(self):
        from wormcast.scanners.base import WatchBlock

        return [WatchBlock(BLOCK, self.every)]

    def setup(self, ctx):
        self.by_source = np.zeros(ctx.hosts.n, dtype=np.int64)
        self.per_step = []

    def on_probes(self, batch):
        for landing in batch.landed:
            np.add.at(self.by_source, landing.sources, landing.counts)
            self.per_step.append((landing.sources.copy(), landing.counts.copy()))


class WindowedWatcher(Watcher):
    """The same, with the sources named once per 6 steps (a WatchBlock window)."""

    every = 6


def _observed(scanning, seed=5, watcher="Watcher", **kw):
    sc = small_scenario(scanning=scanning, **kw)
    sc = sc.model_copy(update={"observers": [ComponentConfig(kind=f"test_landing_scanners:{watcher}")]})
    world = small_world(clustered=True)
    sim = Simulation(sc, seed, world=world)
    res = sim.run()
    return sim, res, sim.component(f"test_landing_scanners:{watcher}")


def _rule_landing(sim, levels, n=20000, seed=0):
    """Per source: the share of its probes landing in BLOCK, by the worm's own per-probe rule (Monte Carlo
    over one source per /24: the rule treats every address of a /24 alike but for the skipped self)."""
    world, worm = sim.world, sim.scenario.worms[0]
    space = TargetSpace.of(worm, world)
    targets = np.flatnonzero(~in_ranges(np.arange(BASE, BASE + (1 << 18)), space.excluded)) + BASE
    rule = LocalizedRule(worm.scanning, space, targets, world.addresses, np.random.default_rng(seed))
    slash24 = world.addresses >> 8
    q = np.zeros(world.n)
    for b in np.unique(slash24):
        src = np.flatnonzero(slash24 == b)[0]
        t = rule.targets_for(np.full(n, src))
        q[slash24 == b] = in_ranges(t, BLOCK).mean()
    return q, slash24, n


def _z(observed, exposure, q, cluster, n):
    """Poisson count against its expectation, the Monte Carlo error of the rule's shares included."""
    expected = (q * exposure).sum()
    var_mc = sum((exposure[cluster == c].sum()) ** 2 * q[cluster == c][0] * (1 - q[cluster == c][0]) / n
                 for c in np.unique(cluster))
    return (observed - expected) / np.sqrt(max(expected, 1.0) + var_mc), expected


@pytest.mark.parametrize("watcher", ["Watcher", "WindowedWatcher"])
def test_localized_landing_matches_the_worms_own_rule(watcher):
    sim, res, w = _observed({"kind": "localized", "local_preference": LEVELS}, end="2001-07-19T01:00:00Z",
                            scan_rate={"distribution": "constant", "mean": 0.5}, watcher=watcher)
    plain = Simulation(small_scenario(scanning={"kind": "localized", "local_preference": LEVELS},
                                      end="2001-07-19T01:00:00Z", scan_rate={"distribution": "constant", "mean": 0.5}),
                       5, world=small_world(clustered=True)).run()
    for key in plain.series.data:  # watching never changes the outbreak
        assert np.array_equal(plain.series.data[key], res.series.data[key]), key
    q, cluster, n = _rule_landing(sim, LEVELS)
    end = sim.n_steps * sim.dt
    exposure = 0.5 * np.nan_to_num(end - sim.hosts.first_infected_at, nan=0.0)  # probes sent (rate x time)
    inside = in_ranges(sim.world.addresses, BLOCK)
    for g in (inside, ~inside):  # sources inside the block land there mostly (0.51); the others less (0.11)
        z, exp = _z(w.by_source[g].sum(), exposure[g], q[g], cluster[g], n)
        assert exp > 200 and abs(z) < 4, (w.by_source[g].sum(), exp)
    # negative control: the level-0 probes spread over all of IPv4 instead of the non-excluded space (a
    # landing law that forgets exclusions) would be told apart on the sources outside the block
    wrong = q.copy()
    wrong[~inside] -= 0.2 * ((1 << 14) / (1 << 18) - (1 << 14) / 2 ** 32)
    z, _ = _z(w.by_source[~inside].sum(), exposure[~inside], wrong[~inside], cluster[~inside], n)
    assert abs(z) > 4


def _sequence_counts(seed, n_probes, block):
    """F(n): watched addresses among the first n positions of the engine's sequence, for one seed."""
    sc = small_scenario(scanning="shared-sequence")
    sim = Simulation(sc, seed, world=small_world())
    s = sim.worms[0].scanner
    land = SequenceLanding(s.length, s.pos_sorted, s.pos_host, sim.world.addresses, s.space.excluded, [block],
                           np.random.default_rng(seed))
    return land.below(0, np.asarray(n_probes, dtype=np.int64))


def test_shared_sequence_landing_has_the_law_of_the_worms_sequence():
    """Across seeds, the watched addresses among a copy's first n probes follow the reference's law
    (a uniform permutation: hypergeometric), with the block's hosts placed by the engine's own draw."""
    n = np.array([1000, 30000, 200000])
    block = [(BASE + (1 << 16), BASE + (1 << 16) + 5000)]  # 5,000 addresses, a few of them vulnerable hosts
    eng = np.array([_sequence_counts(1000 + k, n, block) for k in range(120)])
    sc = small_scenario(scanning="shared-sequence")
    world = small_world()
    space = TargetSpace.of(sc.worms[0], world)
    targets = np.flatnonzero(~in_ranges(np.arange(BASE, BASE + (1 << 18)), space.excluded)) + BASE
    ref = []
    for k in range(120):
        rule = SharedSequenceRule(sc.worms[0].scanning, space, targets, world.addresses, np.random.default_rng(k))
        ref.append([int(in_ranges(rule.seq[:m], block).sum()) for m in n])
    ref = np.array(ref)
    for j, m in enumerate(n):
        law = stats.hypergeom(targets.size, 5000, int(m))
        assert stats.ks_2samp(eng[:, j], ref[:, j]).pvalue > 1e-3
        assert abs(eng[:, j].mean() - law.mean()) < 4 * law.std() / np.sqrt(len(eng)), (m, eng[:, j].mean())
        assert abs(eng[:, j].std() / law.std() - 1) < 0.3
    # negative control: a block 20% larger would be rejected at the largest n
    wrong = stats.hypergeom(targets.size, 6000, int(n[-1]))
    assert abs(eng[:, -1].mean() - wrong.mean()) > 4 * wrong.std() / np.sqrt(len(eng))


def test_every_copy_crosses_the_same_watched_addresses():
    """In a run, each copy's landed probes so far are the watched addresses among its positions so far, laps
    of the whole sequence included; two copies that walked the same stretch saw the same ones. Independent
    per-copy thinning (the negative control) breaks this."""
    block = [(BASE + (1 << 16), BASE + (1 << 16) + 5000)]

    class Small(Watcher):
        def watch(self):
            return [block]

    import sys

    sys.modules[__name__].Small = Small
    sc = small_scenario(scanning="shared-sequence", scan_rate={"distribution": "constant", "mean": 20.0},
                        end="2001-07-19T05:00:00Z", infection_success=0.3)
    sc = sc.model_copy(update={"observers": [ComponentConfig(kind="test_landing_scanners:Small")]})
    sim = Simulation(sc, 7, world=small_world())
    res = sim.run()
    w = sim.component("test_landing_scanners:Small")
    s = sim.worms[0].scanner
    infected = np.flatnonzero(np.isfinite(sim.hosts.first_infected_at))
    progress = s.progress[infected]
    assert progress.max() > s.length  # some copies went round the sequence
    expected = s.landing.crossed(0, np.zeros(infected.size, dtype=np.int64), progress)
    assert np.array_equal(w.by_source[infected], expected)
    assert res.summary["probes_total"] == int(s.progress.sum())
    # negative control: binomial thinning of each copy's probes, independently, at the block's share
    rng = np.random.default_rng(0)
    thinned = rng.binomial(progress, s.landing.totals[0] / s.length)
    assert not np.array_equal(thinned, expected)
    # the same stretch walked again (a copy re-infected, a later copy) crosses the same addresses; thinned
    # copies at the same progress differ
    assert np.array_equal(s.landing.crossed(0, np.zeros(infected.size, dtype=np.int64), progress), expected)
    assert not np.array_equal(rng.binomial(progress, s.landing.totals[0] / s.length), thinned)


class WindowWatcher(Component):
    """Watches 44.0.0.0/8 as a WatchBlock of 6 steps: sources once per window."""

    Config = ComponentConfig

    def watch(self):
        from wormcast.scanners.base import WatchBlock

        return [WatchBlock([(44 << 24, 45 << 24)], every=6)]

    def setup(self, ctx):
        self.windows, self.step, self.probes = [], 0, 0

    def begin_step(self, step, t):
        self.step = step

    def on_probes(self, batch):
        for landing in batch.landed:
            self.probes += landing.probes
            if landing.sources.size:
                assert (self.step + 1) % 6 == 0  # named on the window's last step only
                self.windows.append((self.step // 6, landing.sources, landing.counts))


def test_uniform_sources_named_once_per_window_keep_each_hosts_share():
    """A host that starts scanning inside a window gets the share of the steps it scanned there, not the
    whole window's (negative control: the whole window's share is rejected)."""
    import wormcast

    sc = wormcast.load_scenario("codered-v2", [
        "population.vulnerable=20000", "worm.scan_rate.mean=120", "end=2001-07-19T14:00:00Z",
        "seeding.initial_infected=5", "hosts.reboot_rate_per_hour=0", "hosts.patch=[]",
        'observers=[{kind = "test_landing_scanners:WindowWatcher"}]'])
    sim = Simulation(sc, 4)
    res = sim.run()
    w = sim.component("test_landing_scanners:WindowWatcher")
    assert sum(int(c.sum()) for _, _, c in w.windows) == w.probes  # every landed probe is named once
    dt, rates = sim.dt, sim.worms[0].rates
    start = np.round(sim.hosts.first_infected_at / dt)  # the step from which each host scans
    share = (1 << 24) / 2 ** 32
    hosts = np.flatnonzero(np.isfinite(start) & (start % 6 != 0) & (start < sim.n_steps - 6))
    k = (start[hosts] // 6).astype(np.int64)  # the window each of them started inside
    got = np.zeros(sim.world.n, dtype=np.int64)
    first_window = np.full(sim.world.n, -1, dtype=np.int64)
    first_window[hosts] = k
    for window, src, counts in w.windows:
        mine = first_window[src] == window
        got[src[mine]] += counts[mine]
    steps = 6 * k + 6 - start[hosts]
    obs = got[hosts].sum()
    exp = (rates[hosts] * dt * share * steps).sum()
    wrong = (rates[hosts] * dt * share * 6).sum()
    assert exp > 1000 and abs(obs - exp) < 4 * np.sqrt(exp), (obs, exp)
    assert abs(obs - wrong) > 4 * np.sqrt(wrong)
    assert res.summary["ever_infected"] > 1000
