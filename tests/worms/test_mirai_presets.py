"""The Mirai presets: tagged values, the source's exclusion list, the SIS twin against the simulated mean with
many devices, and the published figures (Antonakakis et al., USENIX Security 2017) within stated tolerances.

mirai-scale itself (10 million devices) is a benchmark (benchmarks/bench_mirai_scale.py), not a test: here it
runs scaled down by F = 20 (devices / F, scan rate x F: the same mean-field dynamics, every count / F).
"""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from test_preset_tags import untagged

import wormcast
from wormcast.analytic.measured import measured_for
from wormcast.analytic.sis import SIS
from wormcast.analytic.twin import twin_for
from wormcast.config.loading import from_dict
from wormcast.core.loop import Simulation
from wormcast.core.streams import Streams
from wormcast.scanners.mirai import mean_contact_success
from wormcast.world.addresses import in_ranges
from wormcast.world.population import build_world, target_ranges
from wormcast.worms import mirai

PRESETS = Path(wormcast.__file__).parent / "config" / "presets"
BOOTSTRAP, PEAK = 65_000, mirai.PEAK_INFECTED
LOW, HIGH = mirai.STEADY_STATE


@pytest.mark.parametrize("name", ["mirai", "mirai-scale"])
def test_preset_values_are_tagged_and_exclude_what_the_source_excludes(name):
    lines = (PRESETS / f"{name}.toml").read_text().splitlines()
    assert untagged("\n".join(lines)) == []  # tests/worms/test_preset_tags.py's check
    sc = wormcast.load_scenario(name)
    assert sc.worms[0].exclude == mirai.excluded_cidrs()
    assert sc.worms[0].scanning.kind == "mirai" and [d.kind for d in sc.dynamics] == ["churn"]
    assert isinstance(twin_for(sc), SIS) and measured_for(sc)


def _twin_scenario(**scanning):
    cfg = {"kind": "mirai", "listening": [0.0, 0.0, 1.0], **scanning}
    data = {"name": "mirai-twin", "start": "2016-08-01T00:00:00Z", "end": "2016-08-03T00:00:00Z", "step": "60s",
            "interval": "10min", "seeding": {"initial_infected": 200},
            "population": {"vulnerable": 20000, "active_slash8": 150, "slash8_tail": 3.0},
            "worm": {"name": "Mirai", "exclude": mirai.excluded_cidrs(), "scanning": cfg,
                     "scan_rate": {"distribution": "constant", "mean": 200.0}},
            "hosts": {"reboot_rate_per_hour": 0.1},
            "dynamics": [{"kind": "churn", "off_rate_per_hour": 0.1, "on_rate_per_hour": 0.2}]}
    return from_dict(data, "twin test")


def test_sis_twin_follows_the_simulated_mean():
    """Every device on the same pair (root/xc3511) and both ports: the mean-field SIS with churn is exact
    for N -> infinity. 20,000 devices (13,000 online), 200 first bots (their branching-process jitter
    shifts the rise by about 1/sqrt(200) of its e-folding time), 3 seeds: the mean infected stays within
    3% of the online devices of the twin at every 10 min (measured: 0.8%), and the endemic level within 1%
    (measured: 0.002%). Negative control: a twin scanning 10% slower breaks both (12%, 2.2%). With the
    table's weighted pairs (unequal chances) the endemic level lies below the twin's (Jensen: the
    high-chance devices saturate): by 18% here (R0 = 2.6), 12% in the `mirai` preset (R0 = 7.8); the test
    asks for 3-30%."""
    one_pair = [1.0] + [0.0] * 60
    sc = _twin_scenario(credentials=one_pair)
    world = build_world(sc.population, Streams(0)["population"], None, [])
    online = 2 / 3
    n_t = int(np.sum(~in_ranges(world.addresses, target_ranges(sc.worms[0].exclude))))
    twin = twin_for(sc)
    assert abs(twin.vulnerable / online - n_t) < 0.06 * n_t  # twin_for's N is the expectation over worlds
    twin = dataclasses.replace(twin, vulnerable=n_t * online, offline=n_t * (1 - online))  # this world's
    grid = np.arange(1, 2 * 24 * 6 + 1) * 600.0
    idx = (grid / 60).astype(int) - 1
    sims = np.mean([Simulation(sc, s, world=world).run().series.data["infected"][idx] for s in range(3)], axis=0)
    V = twin.devices_long_run
    late = slice(grid.size // 2, None)

    def gaps(model):
        curve = model.curve(grid).infected
        return np.max(np.abs(sims - curve)) / V, abs(sims[late].mean() / curve[late].mean() - 1)

    worst, endemic = gaps(twin)
    assert worst < 0.03 and endemic < 0.01, (worst, endemic)
    slow_worst, slow_endemic = gaps(dataclasses.replace(twin, scan_rate=0.9 * twin.scan_rate))
    assert slow_worst > 0.03 and slow_endemic > 0.01, (slow_worst, slow_endemic)
    hetero = _twin_scenario(listening=[0.85, 0.05, 0.10], loader_success=0.9)
    h_twin = dataclasses.replace(twin_for(hetero), vulnerable=n_t * online, offline=n_t * (1 - online))
    assert h_twin.success == mean_contact_success(hetero.worms[0].scanning)
    h_sim = Simulation(hetero, 0, world=world).run().series.data["infected"][idx]
    ratio = h_sim[late].mean() / h_twin.curve(grid).infected[late].mean()
    assert 0.7 < ratio < 0.97, ratio


@pytest.mark.slow
def test_mirai_bootstrap_and_plateau():
    """Bootstrap: nearly 65,000 devices after 20 h and a doubling time of 76 min [P, via Wired]. From 10
    first bots the count at 20 h varies by about 30% between seeds (a branching process); the median of 4
    seeds must lie within 25% of 65,000, and their median doubling time (1,000 to 16,000 infected) within
    25% of 76 min (with 10 first bots the two figures cannot both hold exactly: 65,000 at 20 h puts the
    doubling near 90 min). Plateau: the steady state of 200,000-300,000 [P]; the last 6 h of one two-day
    run must lie inside that band (its noise is ~0.3% of the level)."""
    short = wormcast.load_scenario("mirai", ["end=2016-08-01T21:00:00Z"])
    i20, doubling = [], []
    for seed in range(4):
        inf = Simulation(short, seed).run().series.data["infected"]
        i20.append(inf[int(20 * 3600 / short.step) - 1])
        doubling.append((np.argmax(inf >= 16000) - np.argmax(inf >= 1000)) * short.step / 4 / 60)
    assert abs(np.median(i20) / BOOTSTRAP - 1) < 0.25, i20
    assert abs(np.median(doubling) / 76 - 1) < 0.25, doubling
    full = wormcast.load_scenario("mirai")
    inf = Simulation(full, 0).run().series.data["infected"]
    last = inf[-int(6 * 3600 / full.step):]
    assert LOW <= last.min() and last.max() <= HIGH, (last.min(), last.max())


F = 20


@pytest.mark.slow
def test_mirai_scale_peak_and_steady_state_scaled_down():
    """mirai-scale / 20 (500,000 devices, 185 probes/s, a 60 s step: K dt / 2 = 0.4%): the peak of about
    600,000 [P] within 20% (the published figure is 'about'; seeds move the scaled peak by about 5%, a
    world's share of devices in never-scanned /8s by a few % more), and every value of days 3-7 inside the
    published 200,000-300,000 band, both / 20."""
    sc = wormcast.load_scenario("mirai-scale", [f"population.vulnerable={10_000_000 // F}",
                                                f"worm.scan_rate.mean={9.25 * F}", "step=60s"])
    inf = Simulation(sc, 0).run().series.data["infected"]
    assert abs(inf.max() * F / PEAK - 1) < 0.2, inf.max() * F
    days = inf[int(3 * 86400 / sc.step):] * F
    assert LOW <= days.min() and days.max() <= HIGH, (days.min(), days.max())
