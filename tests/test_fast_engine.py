"""Engine features the fast worms need, each in general form: hit-list seeding (seeding.hitlist), hosts killed by
their worm (KILL -> DEAD, reported by a scanner's ProbeBatch.ended), link-speed scan rates and the backbone cap."""

import numpy as np
import pytest
from smallworld import small_scenario, small_world

from wormcast.config.loading import from_dict
from wormcast.core.loop import Simulation
from wormcast.core.states import DEAD, DORMANT, SCANNING
from wormcast.errors import WormcastError

SLOW = {"distribution": "constant", "mean": 1e-7}  # copies that (almost surely) never reach anyone


def test_hitlist_schedule_infects_its_entries_at_their_steps():
    """constant-rate: entry k at k/rate seconds, infected at the step holding it (the next boundary)."""
    sc = small_scenario(scan_rate=SLOW, seeding={"hitlist": {"entries": 20, "mode": "constant-rate", "rate": 0.5}})
    r = Simulation(sc, 0, world=small_world()).run()
    ever = r.series.data["ever_infected"]
    t_start = np.arange(ever.size) * sc.step  # stocks at the end of step s: entries due by (s + 1) dt, at steps
    want = np.minimum(20, np.floor(t_start / 2.0) + 1)  # entry k at ceil(2k / 5) steps, so by step s: floor(s*5/2)+1
    assert np.array_equal(ever, want.astype(ever.dtype))
    # negative control: without the list only the initial copies
    plain = Simulation(small_scenario(scan_rate=SLOW), 0, world=small_world()).run()
    assert plain.series.data["ever_infected"][-1] == 2


def test_complete_hitlist_and_bad_sizes():
    sc = small_scenario(scan_rate=SLOW, seeding={"hitlist": {"entries": "all", "mode": "doubling", "rate": 1.0}})
    r = Simulation(sc, 1, world=small_world()).run()
    ever = r.series.data["ever_infected"]
    # generations 1-5 (t = 1..5 s) are due at the step starting at 5 s, 6-8 at 10 s (2^8 > 200)
    assert ever[0] == 1 and ever[1] == 32 and ever[2] == 200
    with pytest.raises(WormcastError, match="seeding.hitlist.entries .* exceeds population.vulnerable"):
        small_scenario(seeding={"hitlist": {"entries": 500}})
    with pytest.raises(WormcastError, match="needs a positive rate"):
        small_scenario(seeding={"hitlist": {"entries": 5, "mode": "doubling"}})


def test_witty_copies_that_crash_are_killed_and_stay_dead():
    """Every round ends in a write (8 disks) that crashes (probability 1): each copy dies after its first
    round of 20,000 packets (1,000 s), its host DEAD for good; the infected count rises and falls to zero."""
    scanning = {"kind": "witty", "crash_per_write": 1.0, "disk_shares": [0, 0, 0, 0, 0, 0, 0, 1],
                "packets_per_round": 20_000, "state_bits": 20, "half_bits": 9, "address_offset": 16 << 24}
    sc = small_scenario(scanning=scanning, scan_rate={"distribution": "constant", "mean": 20.0})
    sim = Simulation(sc, 0, world=small_world())
    r = sim.run()
    inf, ever = r.series.data["infected"], r.series.data["ever_infected"]
    assert inf.max() > 2 and inf[-1] == 0 and ever[-1] > 2
    state = sim.hosts.state
    assert np.count_nonzero(state == DEAD) == ever[-1]  # every host it ever reached died, none re-infected
    assert not np.any((state == SCANNING) | (state == DORMANT))
    # negative control: without crashes nobody dies
    calm = Simulation(small_scenario(scanning={**scanning, "crash_per_write": 0.0},
                                     scan_rate={"distribution": "constant", "mean": 20.0}), 0, world=small_world())
    calm.run()
    assert not np.any(calm.hosts.state == DEAD)


def test_link_rates_and_their_errors():
    links = [{"bits_per_second": 8000.0, "share": 0.25}, {"bits_per_second": 80000.0, "share": 0.75}]
    sc = small_scenario(scan_rate={"distribution": "links", "frame_bytes": 100, "links": links})
    rate = sc.worms[0].scan_rate
    assert rate.mean == pytest.approx(0.25 * 10 + 0.75 * 100)
    draws = rate.draw(20_000, np.random.default_rng(0))
    assert set(np.unique(draws)) == {10.0, 100.0}
    assert abs(np.mean(draws == 10.0) - 0.25) < 5 * np.sqrt(0.25 * 0.75 / 20_000)
    with pytest.raises(WormcastError, match="derived from scan_rate.links"):
        small_scenario(scan_rate={"distribution": "links", "frame_bytes": 100, "links": links, "mean": 3.0})
    with pytest.raises(WormcastError, match="needs scan_rate.links and scan_rate.frame_bytes"):
        small_scenario(scan_rate={"distribution": "links", "links": links})


def test_backbone_cap_thins_delivered_probes():
    """Late in the run every host scans (R = 200/s): delivered probes per step ~ Poisson-thinned R theta dt with
    theta = (1 + (R/C)^n)^(-1/n); within 5 sd over 200 steps. Negative control: no cap, R dt."""
    cap = {"capacity": 50.0, "sharpness": 4.0}
    kw = dict(scan_rate={"distribution": "constant", "mean": 1.0}, seeding={"initial_infected": 200},
              end="2001-07-19T00:20:00Z")
    got = Simulation(small_scenario(backbone_cap=cap, **kw), 0, world=small_world()).run().series.data["probes"]
    theta = (1 + (200 / 50.0) ** 4) ** -0.25
    mean = 200 * theta * 5.0
    assert abs(got[-200:].mean() - mean) < 5 * np.sqrt(mean / 200)
    free = Simulation(small_scenario(**kw), 0, world=small_world()).run().series.data["probes"]
    assert abs(free[-200:].mean() - 1000.0) < 5 * np.sqrt(1000.0 / 200)
    with pytest.raises(WormcastError, match="backbone_cap.capacity"):
        small_scenario(backbone_cap={"capacity": -1.0})


def test_bad_scanner_settings_are_one_line():
    with pytest.raises(WormcastError, match="ebx_shares"):
        small_scenario(scanning={"kind": "slammer", "ebx": [1, 2], "ebx_shares": [1.0]})
    with pytest.raises(WormcastError, match="state_offset"):
        small_scenario(scanning={"kind": "slammer", "ebx": [4], "state_bits": 14})
    with pytest.raises(WormcastError, match="half_bits"):
        small_scenario(scanning={"kind": "witty", "crash_per_write": 0.1, "state_bits": 10, "half_bits": 9,
                                 "address_offset": 0})
    assert from_dict  # (imported for the loader the scenarios above go through)
