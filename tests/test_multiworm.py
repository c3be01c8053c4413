"""Several worms competing for the same hosts (Code Red v2 and Code Red II in August 2001)."""

import copy

import numpy as np
from scipy.stats import ks_2samp

from wormcast.config.loading import from_dict, load_raw
from wormcast.config.overrides import apply_overrides
from wormcast.core.loop import DORMANT, Simulation

SMALL = ["population.vulnerable=5000", "worm.scan_rate.distribution='constant'", "worm.scan_rate.mean=1500",
         "end=2001-07-19T16:00:00Z", "hosts.reboot_rate_per_hour=0", "hosts.patch=[]"]


def two_copies(initial_each: int):
    data, _, _ = load_raw("codered-v2")
    data = apply_overrides(data, SMALL)
    a = copy.deepcopy(data["worm"])
    b = copy.deepcopy(a)
    a.update(name="A", initial_infected=initial_each)
    b.update(name="B", initial_infected=initial_each)
    data["worm"] = [a, b]
    return from_dict(data, "two copies")


def test_two_identical_worms_spread_like_one_with_their_seeds_combined():
    """Competing copies of one uniform worm are one outbreak with twice the seeds: the distributions of the
    time to half infected and of the number ever infected after 1 h agree (KS, 40 seeds, p > 0.001)."""
    pair = two_copies(2)
    data, _, _ = load_raw("codered-v2")
    single = from_dict(apply_overrides(data, SMALL + ["seeding.initial_infected=4"]), "single")
    a, b = [], []
    for seed in range(40):
        rp = Simulation(pair, seed).run()
        rs = Simulation(single, 1000 + seed).run()
        a.append((rp.summary["time_to_half_infected_h"], rp.series.data["ever_infected"][359]))
        b.append((rs.summary["time_to_half_infected_h"], rs.series.data["ever_infected"][359]))
        assert rp.summary["worms"]["A"]["infected_at_end"] + rp.summary["worms"]["B"]["infected_at_end"] == \
            rp.summary["infected_at_end"]
    a, b = np.array(a), np.array(b)
    for i in range(2):
        assert ks_2samp(a[:, i], b[:, i]).pvalue > 1e-3


def test_code_red_v2_and_ii_share_the_hosts():
    data, _, _ = load_raw("codered-v2")
    v2 = apply_overrides(copy.deepcopy(data), ["worm.scan_rate.mean=5", "worm.initial_infected=20"])["worm"]
    crii_data, _, _ = load_raw("codered-ii")
    crii = apply_overrides(crii_data, ["worm.release=2001-08-04T00:00:00Z", "worm.initial_infected=20",
                                       "worm.displaces=['Code Red I v2']"])["worm"]
    data.update(start="2001-08-01T00:00:00Z", end="2001-08-05T00:00:00Z", step="30s", interval="10min",
                worm=[v2, crii])
    data = apply_overrides(data, ["population.vulnerable=20000", "hosts.reboot_rate_per_hour=0.02"])
    sim = Simulation(from_dict(data, "august"), 4)
    r = sim.run()
    df = r.to_df()
    before = df[df.index < "2001-08-04T00:00:00Z"]
    assert before.infected_code_red_ii.max() == 0 and before.probes_code_red_ii.sum() == 0
    assert before.infected_code_red_i_v2.iloc[-1] > 1000
    assert df.infected_code_red_ii.iloc[-1] > 100 and r.summary["backdoored_at_end"] >= df.infected_code_red_ii.iloc[-1]
    # only Code Red II installs backdoors; Code Red v2 hosts never have one unless II got them first
    v2_hosts = sim.hosts.worm == 0
    assert not np.any(sim.hosts.backdoor[v2_hosts & ~sim.hosts.ever_infected]) and np.all(sim.hosts.backdoor[sim.hosts.worm == 1])
    assert np.all(sim.hosts.state[sim.hosts.worm == 1] != DORMANT)  # Code Red II has no calendar
    assert (df.infected_code_red_i_v2 + df.infected_code_red_ii == df.infected).all()
    assert r.summary["signatures"] == ["codered1", "codered2"]
    # Code Red II takes over hosts running v2; the per-block counts its scanner keeps stay exact
    st = sim.worms[1]
    open_now = st.scanner.targetable[st.infectable(st.scanner.targetable)]
    for host_block, lv in zip(st.scanner.block_of, st.scanner.block_levels):
        recount = np.bincount(host_block[open_now] - lv.offset, minlength=lv.n_blocks)
        assert np.array_equal(recount, lv.infectable)


def test_a_displacing_worm_takes_over_running_copies():
    """With v2 saturating the hosts first, Code Red II spreads only if it can take over v2's hosts."""
    data, _, _ = load_raw("codered-v2")
    v2 = apply_overrides(copy.deepcopy(data), ["worm.scan_rate.mean=400", "worm.initial_infected=20"])["worm"]
    crii_data, _, _ = load_raw("codered-ii")
    reached = {}
    for displaces in ("[]", "['Code Red I v2']"):
        crii = apply_overrides(copy.deepcopy(crii_data), ["worm.release=2001-08-02T00:00:00Z",
                                                          "worm.initial_infected=20", f"worm.displaces={displaces}"])
        data2 = dict(copy.deepcopy(data), start="2001-08-01T00:00:00Z", end="2001-08-03T00:00:00Z", step="30s",
                     interval="10min", worm=[v2, crii["worm"]])
        data2 = apply_overrides(data2, ["population.vulnerable=20000", "hosts.reboot_rate_per_hour=0"])
        r = Simulation(from_dict(data2, "takeover"), 1).run()
        reached[displaces] = r.summary["backdoored_at_end"]
    assert reached["[]"] <= 20 and reached["['Code Red I v2']"] > 5000
