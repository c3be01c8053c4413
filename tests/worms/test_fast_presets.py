"""The fast worms' presets against their published figures (docs/worms/slammer.md, witty.md, warhol-flash.md).

Ensembles are small (3 seeds) where a figure is a mean; tolerances are stated per test, each with why, and a
negative control shows the check would catch an error of the size that matters.
"""

import numpy as np
import pytest

from wormcast.config.loading import from_dict, load_raw
from wormcast.core.loop import Simulation

SEEDS = range(3)


def _runs(name, changes=None, seeds=SEEDS):
    """A preset with ``changes`` ({"dotted.key": value}, None removes the key) run over ``seeds``."""
    data, origin, base = load_raw(name)
    for key, value in (changes or {}).items():
        *path, last = key.split(".")
        node = data
        for p in path:
            node = node[p]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    scenario = from_dict(data, origin, base)
    return scenario, [Simulation(scenario, s).run().series.data for s in seeds]


def _t(scenario, ever, count):
    """Seconds until ``count`` hosts were ever infected (inf if never)."""
    hit = np.flatnonzero(ever >= count)
    return float((hit[0] + 1) * scenario.step) if hit.size else np.inf


@pytest.mark.slow
def test_slammer_doubling_peak_scan_rate_and_final_size():
    """[MPSSSW03]: doubling 8.5 s (+-1 s, the paper's own spread) early on, measured from 100 to 1,000 infected;
    more than 55 million delivered scans/s at the peak (and within 5% of it: the cap, not a runaway), 95% of
    that peak reached about 3 minutes in (ensemble mean within 120-300 s: one early copy moves the timing by
    tens of seconds); at least 75,000 infected; 90% of the hosts within 10 minutes."""
    sc, runs = _runs("slammer")
    doubling, peak, t95, final, t90 = [], [], [], [], []
    for d in runs:
        ev = d["ever_infected"]
        a, b = _t(sc, ev, 100), _t(sc, ev, 1000)
        doubling.append(np.log(2) * (b - a) / np.log(ev[int(b) - 1] / ev[int(a) - 1]))
        rate = d["probes"] / sc.step
        peak.append(rate.max())
        t95.append((np.argmax(rate >= 0.95 * rate.max()) + 1) * sc.step)
        final.append(ev[-1])
        t90.append(_t(sc, ev, 0.9 * sc.population.vulnerable))
    assert abs(np.mean(doubling) - 8.5) <= 1.0, doubling
    assert min(peak) > 55e6 and max(peak) < 55e6 * 1.05, peak
    assert 120 <= np.mean(t95) <= 300, t95
    assert min(final) >= 75_000, final
    assert max(t90) <= 600, t90
    # negative control: without the backbone cap the delivered peak is far above the published one
    sc2, free = _runs("slammer", {"worm.backbone_cap": None}, seeds=[0])
    assert free[0]["probes"].max() / sc2.step > 3 * 55e6


@pytest.mark.slow
def test_witty_final_size_and_decline():
    """[SM04, KPW05]: about 12,000 hosts within 75 minutes (ensemble mean within 10%: the published figure is
    given to two digits); the infected count rises, peaks and falls (at the end below 80% of its peak: the
    disk writes kill hosts). Negative control: without crashes the infected count does not fall."""
    sc, runs = _runs("witty")
    at75 = int(75 * 60 / sc.step) - 1
    ever = [d["ever_infected"][at75] for d in runs]
    assert abs(np.mean(ever) - 12_000) <= 1_200, ever
    for d in runs:
        inf = d["infected"]
        assert inf[-1] < 0.8 * inf.max() and np.argmax(inf) < inf.size - 1
        assert d["ever_infected"][-1] <= 0.9 * sc.population.vulnerable * 1.03  # ~10% can never be reached
    _, immortal = _runs("witty", {"worm.scanning.crash_per_write": 0.0}, seeds=[0])
    assert immortal[0]["infected"][-1] >= 0.99 * immortal[0]["infected"].max()


@pytest.mark.slow
def test_warhol_saturates_in_about_15_minutes_and_flash_far_faster():
    """[P] Fig. 7: hit-list plus permutation at 100 scans/s over 300,000 vulnerable infects nearly all in about
    15 minutes: 99% within 10-20 minutes (docs/worms/warhol-flash.md). Flash (complete list): all within 60 s
    ("tens of seconds"), over ten times faster. Negative control: the same worm at half the scan rate misses
    20 minutes."""
    sc, runs = _runs("warhol")
    t99 = [_t(sc, d["ever_infected"], 0.99 * 300_000) for d in runs]
    assert all(600 <= t <= 1200 for t in t99), t99
    scf, flash = _runs("flash")
    t_all = [_t(scf, d["ever_infected"], 300_000) for d in flash]
    assert max(t_all) <= 60 and max(t_all) * 10 < min(t99), t_all
    sc_h, half = _runs("warhol", {"worm.scan_rate.mean": 50.0}, seeds=[0])
    assert _t(sc_h, half[0]["ever_infected"], 0.99 * 300_000) > 1200
    # the analytic twin (permutation scanning from the 10,000 hosts of the list): the ensemble's times to 50, 90
    # and 99% within 5% of the twin's (the list phase, 14 s, and the one-step delay make the simulation ~2%
    # later); negative control: the twin of a worm 20% slower is outside that band
    from wormcast.analytic.twin import twin_for

    twin = twin_for(sc)
    slower = type(twin)(**{**twin.__dict__, "scan_rate": 80.0})
    for f in (0.5, 0.9, 0.99):
        sim = np.mean([_t(sc, d["ever_infected"], f * 300_000) for d in runs])
        assert abs(sim / twin.time_to(f) - 1) < 0.05, (f, sim, twin.time_to(f))
        assert abs(sim / slower.time_to(f) - 1) > 0.05


def _logistic_k(scenario, ever, n):
    """K per hour: the slope of logit(ever/N) against time over the growth phase, 1% to 50% infected (a
    logistic describes permutation scanning there; later its coordination makes it steeper than any logistic:
    5-95% gives 3.1)."""
    f = ever / n
    keep = (f > 0.01) & (f < 0.5)
    t = (np.flatnonzero(keep) + 1) * scenario.step / 3600.0
    return np.polyfit(t, np.log(f[keep] / (1 - f[keep])), 1)[0]


@pytest.mark.slow
def test_permutation_at_10_scans_per_second_fits_k_2_6():
    """[P] Fig. 6: permutation scanning at 10 scans/s over 300,000 vulnerable fits K = 2.6 per hour; within 15%
    (the paper reads its K off a fitted curve; our model predicts 2.51). Negative control: at 7.5 scans/s (25%
    slower) the fit falls outside the band."""
    base = {"seeding.hitlist": None, "seeding.initial_infected": 10, "end": "2002-08-01T09:00:00Z", "step": "30s",
            "interval": "1min"}
    sc, runs = _runs("warhol", {**base, "worm.scan_rate.mean": 10.0}, seeds=[0, 1])
    ks = [_logistic_k(sc, d["ever_infected"], 300_000) for d in runs]
    assert all(abs(k - 2.6) <= 0.15 * 2.6 for k in ks), ks
    sc2, slow = _runs("warhol", {**base, "worm.scan_rate.mean": 7.5}, seeds=[0])
    assert abs(_logistic_k(sc2, slow[0]["ever_infected"], 300_000) - 2.6) > 0.15 * 2.6
