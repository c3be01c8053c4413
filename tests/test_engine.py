"""Behaviour of the engine that follows from the worms' rules, checked on small fast runs."""

import numpy as np
import pytest

from wormcast.analytic.rcs import rcs_fraction, rcs_growth_rate, rcs_midpoint
from wormcast.api import simulate
from wormcast.config.loading import load_scenario
from wormcast.core.loop import DORMANT, SCANNING, SUSCEPTIBLE, Simulation

SMALL_V2 = ["population.vulnerable=20000", "worm.scan_rate.mean=120", "end=2001-07-19T16:00:00Z",
            "seeding.initial_infected=5"]


def test_same_seed_same_series_different_seed_differs():
    a = simulate("codered-v2", seed=4, overrides=SMALL_V2)
    b = simulate("codered-v2", seed=4, overrides=SMALL_V2)
    c = simulate("codered-v2", seed=5, overrides=SMALL_V2)
    for key in a.series.data:
        assert np.array_equal(a.series.data[key], b.series.data[key]), key
    assert not np.array_equal(a.series.data["new_infections"], c.series.data["new_infections"])


def test_states_always_add_up():
    r = simulate("codered-v2", seed=1, overrides=SMALL_V2 + ["hosts.reboot_rate_per_hour=0.5"])
    d = r.series.data
    total = d["susceptible"] + d["scanning"] + d["dormant"] + d["patched"]
    assert np.all(total == 20000)
    assert np.all(np.diff(d["ever_infected"]) >= 0)
    assert d["cleared"].sum() > 0 and d["new_patched"].sum() > 0


def test_uniform_engine_follows_the_rcs_logistic():
    """Large N, many seeds: the mean infected fraction tracks a(t) = logistic(K(t - T)) (EoN-style pairing)."""
    over = ["population.vulnerable=100000", "worm.scan_rate.distribution='constant'", "worm.scan_rate.mean=60",
            "seeding.initial_infected=100", "hosts.reboot_rate_per_hour=0", "hosts.patch=[]",
            "end=2001-07-19T16:00:00Z", "step=5s"]
    sc = load_scenario("codered-v2", over)
    runs = [Simulation(sc, seed).run() for seed in range(4)]
    frac = np.mean([r.series.data["ever_infected"] for r in runs], axis=0) / 100000
    t_h = (np.arange(frac.size) + 1) * sc.step / 3600
    K = rcs_growth_rate(60, 100000, 2**32)
    T = rcs_midpoint(K, 100 / 100000)
    model = rcs_fraction(t_h, K, T)
    assert np.max(np.abs(frac - model)) < 0.03
    # and the shape is sharp: a 10% error in K would be seen
    assert np.max(np.abs(frac - rcs_fraction(t_h, 0.9 * K, rcs_midpoint(0.9 * K, 1e-3)))) > 0.05


def test_codered_calendar_floods_on_day_20_and_wrong_clocks_keep_scanning():
    over = ["population.vulnerable=20000", "worm.scan_rate.mean=200", "start=2001-07-19T12:00:00Z",
            "end=2001-07-21T00:00:00Z", "worm.wrong_clock_fraction=0.1", "seeding.initial_infected=20",
            "hosts.reboot_rate_per_hour=0", "hosts.patch=[]"]
    sim = Simulation(load_scenario("codered-v2", over), 3)
    r = sim.run()
    df = r.to_df()
    before = df[df.index < "2001-07-20T00:00:00Z"]
    after = df[df.index >= "2001-07-20T00:00:00Z"]
    assert before.dormant.max() == 0 and before.flood_packets.sum() == 0
    # after midnight the correct-clock hosts flood; only wrong-clock hosts scan
    infected = after.infected.iloc[-1]
    assert after.scanning.iloc[-1] == pytest.approx(0.1 * infected, rel=0.15)
    assert after.dormant.iloc[-1] == infected - after.scanning.iloc[-1]
    rate = sim.scenario.worms[0].flood_rate
    assert after.flood_packets.iloc[-1] == pytest.approx(after.dormant.iloc[-1] * rate * 60)
    assert np.all(sim.hosts.state[sim.worms[0].wrong_clock & sim.hosts.ever_infected] != DORMANT)


def test_codered_resumes_on_the_first_of_the_month():
    over = ["population.vulnerable=5000", "worm.scan_rate.mean=300", "start=2001-07-31T20:00:00Z",
            "end=2001-08-01T04:00:00Z", "seeding.initial_infected=50", "worm.wrong_clock_fraction=0",
            "hosts.reboot_rate_per_hour=0", "hosts.patch=[]"]
    r = simulate("codered-v2", seed=2, overrides=over)
    df = r.to_df()
    sleeping = df[df.index < "2001-08-01T00:00:00Z"]
    awake = df[df.index >= "2001-08-01T00:00:00Z"]
    assert sleeping.probes.sum() == 0 and sleeping.ever_infected.iloc[-1] == 50
    assert awake.probes.sum() > 0 and awake.ever_infected.iloc[-1] > 50


def test_codered_ii_leaves_backdoors_after_its_lifetime():
    over = ["population.vulnerable=20000", "end=2001-08-04T12:00:00Z", "worm.lifetime=2h", "seeding.initial_infected=20",
            "hosts.patch=[]", "hosts.reboot_rate_per_hour=0"]
    sim = Simulation(load_scenario("codered-ii", over), 1)
    r = sim.run()
    assert r.summary["backdoored_at_end"] == r.summary["ever_infected"] > 1000
    assert r.series.data["cleared"].sum() > 0
    # cleared hosts are susceptible again (unpatched) and keep the backdoor
    idle_with_backdoor = (sim.hosts.state == SUSCEPTIBLE) & sim.hosts.backdoor
    assert idle_with_backdoor.any()
    # the per-block susceptible counts the localized scanner keeps match the states
    scanner = sim.worms[0].scanner
    for host_block, lv in zip(scanner.block_of, scanner.block_levels):
        recount = np.bincount(host_block[sim.hosts.state == SUSCEPTIBLE] - lv.offset, minlength=lv.n_blocks)
        assert np.array_equal(recount, lv.infectable)


def test_patching_removes_hosts_from_the_outbreak():
    over = SMALL_V2 + ["hosts.patch=[{from=2001-07-19T10:00:00Z, rate_per_hour=0.5}]"]
    sim = Simulation(load_scenario("codered-v2", over), 2)
    r = sim.run()
    expected = 20000 * (1 - np.exp(-0.5 * 6))
    assert r.summary["patched_at_end"] == pytest.approx(expected, rel=0.03)
    # patched hosts stop scanning: the scanner's book-keeping agrees with the states
    scanner = sim.worms[0].scanner
    assert scanner.n_scanning == np.count_nonzero(sim.hosts.state == SCANNING) == r.summary["infected_at_end"]
    assert scanner.total_rate == pytest.approx(sim.worms[0].rates[sim.hosts.state == SCANNING].sum())


def test_shared_sequence_grows_linearly():
    """Code Red I v1: with p = 1 and no reboots, only the leading copy finds new hosts: growth is linear,
    about r * N / 2^32 hosts per second."""
    over = ["population.vulnerable=200000", "worm.scan_rate.distribution='constant'", "worm.scan_rate.mean=50",
            "end=2001-07-14T00:00:00Z", "hosts.reboot_rate_per_hour=0", "worm.wrong_clock_fraction=0"]
    r = simulate("codered-v1", seed=1, overrides=over)
    ever = r.series.data["ever_infected"]
    rate = 50 * 200000 / 2**32 * 60  # per minute step
    halves = ever[ever.size // 2] - 1, ever[-1] - ever[ever.size // 2]
    n = ever.size / 2
    for grown in halves:
        assert grown == pytest.approx(rate * n, rel=0.1)


def test_throttling_slows_the_outbreak_as_the_capped_rate_predicts():
    """All hosts throttled to r/2 is the same outbreak as scanning at r/2 (the RCS growth rate halves)."""
    base = ["population.vulnerable=50000", "worm.scan_rate.distribution='constant'", "worm.scan_rate.mean=80",
            "seeding.initial_infected=50", "end=2001-07-19T16:00:00Z"]
    throttled = simulate("codered-v2", seed=1, overrides=base + ["defences.throttle={share=1.0, max_rate=40}"])
    slow = simulate("codered-v2", seed=1, overrides=base[:2] + ["worm.scan_rate.mean=40"] + base[3:])
    free = simulate("codered-v2", seed=1, overrides=base)
    assert throttled.summary["throttled_hosts"] == 50000
    t_thr, t_slow, t_free = (r.summary["time_to_half_infected_h"] for r in (throttled, slow, free))
    assert t_thr == pytest.approx(t_slow, rel=0.05)
    assert t_thr > 1.6 * t_free
    # nobody throttled: no change at all
    none = simulate("codered-v2", seed=1, overrides=base + ["defences.throttle={share=0.0, max_rate=1}"])
    assert np.array_equal(none.series.data["ever_infected"], free.series.data["ever_infected"])
