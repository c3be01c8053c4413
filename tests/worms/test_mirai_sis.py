"""Mirai in the whole engine with reboots and churn (SIS): against a per-probe reference, and the semantics.

The reference (probe_reference.mirai_sis_reference) draws every probe, plays every session try by try, and
runs reboots and each device's online/offline alternation in continuous time. The engine runs the
registered scanner with the Clearing and Churn components. KS over 30 seeds, p > 0.001 per statistic (five
statistics: family-wise false alarm below 0.5%). Negative controls: the engine with churn switched off, or
with reboots switched off, is told apart on the steady level (12 seeds suffice: the level moves by half).
"""

import numpy as np
import pytest
from probe_reference import ks_report, mirai_sis_reference, outside, target_list

from wormcast.config.loading import from_dict
from wormcast.core.loop import Simulation
from wormcast.core.states import OFFLINE, SCANNING
from wormcast.scanners.mirai import Devices, MiraiConfig
from wormcast.world.addresses import in_ranges, parse_cidr
from wormcast.world.population import World, target_ranges
from wormcast.worms import mirai

ALPHA = 1e-3
SPACE = "198.16.0.0/14"  # half of it (198.18/15) is never scanned
N, RATE, HOURS, DT = 100, 10.0, 8, 30
REBOOT, OFF, ON = 0.3, 0.3, 0.6  # per hour: bots live about 1.7 h; devices are online 2/3 of the time
SCANNING_CFG = {"kind": "mirai", "listening": [0.85, 0.05, 0.10], "loader_success": 0.9}


def _world() -> World:
    rng = np.random.default_rng(5)
    lo, hi = parse_cidr(SPACE)
    return World(np.sort(lo + rng.choice(hi - lo, N, replace=False)).astype(np.int64))


def scenario(churn=True, reboot=REBOOT, hours=HOURS, **extra):
    data = {"name": "mirai-sis", "start": "2016-08-01T00:00:00Z", "end": f"2016-08-01T{hours:02d}:00:00Z",
            "step": f"{DT}s", "interval": "10min", "population": {"vulnerable": N},
            "seeding": {"initial_infected": 3},
            "worm": {"name": "Mirai", "exclude": outside(SPACE) + mirai.excluded_cidrs(), "scanning": SCANNING_CFG,
                     "scan_rate": {"distribution": "constant", "mean": RATE}},
            "hosts": {"reboot_rate_per_hour": reboot},
            "dynamics": [{"kind": "churn", "off_rate_per_hour": OFF, "on_rate_per_hour": ON}] if churn else []}
    data.update(extra)
    return from_dict(data, "test scenario")


GRID = np.arange(1, HOURS * 6 + 1) * 600.0  # every 10 min


def stats(first: np.ndarray, infected: np.ndarray, reachable: int) -> dict:
    T = HOURS * 3600.0
    half = np.sort(first[np.isfinite(first)])
    k = int(np.ceil(reachable / 2))
    return {"ever@1/3": float(np.sum(first <= T / 3)), "ever@end": float(np.sum(first <= T)),
            "t_half": float(half[k - 1]) if half.size >= k else 2 * T,
            "level": float(infected[GRID.size // 2:].mean()), "infected@end": float(infected[-1])}


def engine_samples(sc, world, reachable, seeds):
    out = []
    for seed in seeds:
        sim = Simulation(sc, 5000 + seed, world=world)
        r = sim.run()
        idx = (GRID / DT).astype(int) - 1
        out.append(stats(sim.hosts.first_infected_at, r.series.data["infected"][idx], reachable))
    return {k: [o[k] for o in out] for k in out[0]}


@pytest.mark.slow
def test_engine_with_reboots_and_churn_matches_per_probe_reference():
    world = _world()
    sc = scenario()
    targets = target_list(SPACE, target_ranges(sc.worms[0].exclude))
    reachable = int(np.sum(~in_ranges(world.addresses, mirai.excluded_ranges())))
    cfg = MiraiConfig(**SCANNING_CFG)
    ref = []
    for seed in range(30):
        rng = np.random.default_rng(900 + seed)
        dev = Devices(cfg, N, rng)
        first, infected = mirai_sis_reference(targets, world.addresses, RATE, 3, HOURS * 3600.0, rng, dev.pair,
                                              dev.listening, REBOOT, OFF, ON, GRID, loader=0.9)
        ref.append(stats(first, infected, reachable))
    ref = {k: [o[k] for o in ref] for k in ref[0]}
    eng = engine_samples(sc, world, reachable, range(30))
    report = ks_report(ref, eng)
    assert min(report.values()) > ALPHA, report
    assert np.median(ref["level"]) > 8  # an endemic level, not an outbreak that died out
    for switched_off in (scenario(churn=False), scenario(reboot=0.0)):
        wrong = ks_report(ref, engine_samples(switched_off, world, reachable, range(12)))
        assert wrong["level"] < ALPHA, wrong


# ---------------------------------------------------------------- semantics, each fails when switched off

def _run(sc, seed=1):
    sim = Simulation(sc, seed, world=_world())
    return sim, sim.run()


def test_reboots_clear_bots_and_devices_are_reinfected():
    _, r = _run(scenario(churn=False))
    d = r.series.data
    assert d["cleared"].sum() > 20  # reboots cleared bots...
    assert d["new_infections"].sum() > d["ever_infected"][-1] + 20  # ...and the same devices were infected again
    _, off = _run(scenario(churn=False, reboot=0.0))  # switched off: every infection is a first one
    assert off.series.data["new_infections"].sum() == off.series.data["ever_infected"][-1] - 3  # 3 first bots
    assert off.series.data["cleared"].sum() == 0


def test_churn_takes_devices_away_and_clears_their_bots():
    sim, r = _run(scenario(reboot=0.0))
    d = r.series.data
    # the offline share follows the churn's long-run share OFF / (ON + OFF) = 1/3 (binomial over N devices,
    # averaged over the run: 4 standard errors of one instant bound the mean)
    share = d["offline"].mean() / N
    assert abs(share - OFF / (ON + OFF)) < 4 * np.sqrt(OFF / (ON + OFF) * ON / (ON + OFF) / N), share
    assert d["went_offline"].sum() > 100 and d["came_online"].sum() > 100
    # without reboots, only going offline ends a bot: re-infections after the devices came back
    assert d["new_infections"].sum() > d["ever_infected"][-1] + 10
    assert np.all(d["infected"] + d["offline"] + d["susceptible"] + d["patched"] == N)
    # offline devices do not scan: the scanner's own count is the hosts in the scanning state
    assert sim.worms[0].scanner.n_scanning == int(np.sum(sim.hosts.state == SCANNING))
    assert np.isclose(sim.worms[0].scanner.total_rate, RATE * np.sum(sim.hosts.state == SCANNING))
    _, off = _run(scenario(churn=False, reboot=0.0))  # switched off: nobody goes away, no bot is lost
    assert "offline" not in off.series.data
    assert off.series.data["new_infections"].sum() == off.series.data["ever_infected"][-1] - 3  # 3 first bots


def test_offline_devices_are_never_reached():
    """Devices online at the start never come back if on_rate is tiny: those away at t = 0 are never
    infected, the first bots are among the online ones."""
    sc = scenario(reboot=0.0, dynamics=[{"kind": "churn", "off_rate_per_hour": 1e-9, "on_rate_per_hour": 1e-9,
                                         "online_at_start": 0.5}])
    sim, r = _run(sc)
    away = sim.hosts.state == OFFLINE
    assert 30 < away.sum() < 70
    assert not sim.hosts.ever_infected[away].any()
    assert sim.hosts.ever_infected[~away].sum() > 10
