"""Mirai: the source's exclusion list and credential table, the derived chance that a brute-force session
gets in, and the Mirai scanner against a per-probe reference.

The reference draws every probe (uniform target, port 2323 one time in ten) and plays each session out
try by try as scanner.c does; the registered scanner uses the derived per-contact probability. KS over 40
seeds, p > 0.001 per statistic; negative control: a scanner that allows 5 tries instead of 10 must be told
apart. Reboots and churn in the whole engine: test_mirai_sis.py.
"""

import numpy as np
import pytest
from probe_reference import ks_report, make_worm, mirai_reference, outside, run_aggregate, samples, target_list

from wormcast.core.registry import SCANNERS
from wormcast.dynamics.churn import ChurnConfig
from wormcast.core.streams import Streams
from wormcast.scanners.base import TargetSpace
from wormcast.scanners.mirai import MiraiConfig, MiraiScanner, mean_contact_success
from wormcast.world.addresses import in_ranges, parse_cidr
from wormcast.world.population import World, target_ranges
from wormcast.worms import mirai
from wormcast.worms.mirai import Listening

ALPHA = 1e-3


def test_exclusion_list_is_the_source_test():
    o1, o2 = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    o1, o2 = o1.ravel(), o2.ravel()
    blocks = (o1 << 24) | (o2 << 16)
    listed = in_ranges(blocks, mirai.excluded_ranges())
    assert np.array_equal(listed, mirai.source_excludes(o1, o2))  # every /16, both ways
    # every range the brief lists as excluded is (as far as the source's test covers it)
    for cidr in ["127.0.0.0/8", "0.0.0.0/8", "3.0.0.0/8", "15.0.0.0/8", "16.0.0.0/8", "56.0.0.0/8", "10.0.0.0/8",
                 "192.168.0.0/16", "172.16.0.0/14", "100.64.0.0/11", "198.18.0.0/15", "224.0.0.0/3",
                 "6.0.0.0/8", "215.0.0.0/8"]:
        lo, hi = parse_cidr(cidr)
        assert in_ranges(np.array([lo, hi - 1]), mirai.excluded_ranges()).all(), cidr
    # and the source's own bugs: 169.254/16 is scanned (its test catches 169.255/16); so is 100.127/16
    scanned = [parse_cidr("169.254.0.0/16")[0], parse_cidr("100.127.0.0/16")[0], parse_cidr("172.32.0.0/16")[0]]
    assert not in_ranges(np.array(scanned), mirai.excluded_ranges()).any()
    # 52 whole /8s (20 listed plus 224-255) and 83 /16s (192.168, 16 of 172, 63 of 100, 169.255, 2 of 198)
    size = sum(hi - lo for lo, hi in mirai.excluded_ranges())
    assert size == (52 * 256 + 83) << 16  # 20.4% of IPv4


def test_credential_table():
    assert len(mirai.CREDENTIALS) == 62 and mirai.TOTAL_WEIGHT == 152
    top = mirai.CREDENTIALS[:4]
    assert [(c.username, c.password, c.weight) for c in top] == [
        ("root", "xc3511", 10), ("root", "vizxv", 9), ("root", "admin", 8), ("admin", "admin", 7)]
    classes = mirai.credential_classes()
    assert len(classes.pairs) == 61
    assert classes.weight[classes.pairs.index(("guest", "12345"))] == 2
    assert ("Administrator", "meinsm") in classes.pairs and ("admin", "4321") in classes.pairs


def test_session_success_matches_try_by_try_sessions():
    classes = mirai.credential_classes()
    rng = np.random.default_rng(4)
    n = 40_000
    for pair in [("root", "xc3511"), ("guest", "12345"), ("root", "anko"), ("tech", "tech")]:
        j = classes.pairs.index(pair)
        p = float(mirai.session_success(classes.weight[j]))
        got = mirai.draw_session(np.full(n, j), rng).mean()
        tol = 4 * np.sqrt(p * (1 - p) / n)
        assert abs(got - p) < tol, (pair, got, p)
        one_try = classes.weight[j] / 152  # the error of forgetting the retries is caught
        assert abs(got - one_try) > tol
    assert abs(mirai.session_success(np.array([10]))[0] - (1 - (142 / 152) ** 10)) < 1e-12
    assert 0.2 < mirai.mean_session_success() < 0.3


def test_ports_and_facts():
    assert mirai.PORTS == (23, 2323) and mirai.PORT_2323_SHARE == 0.1 and mirai.TRIES == 10
    assert np.allclose(Listening.reach_probability(np.array([0, 1, 2])), [0.9, 0.1, 1.0])
    assert mirai.PEAK_INFECTED == 600_000 and mirai.STEADY_STATE == (200_000, 300_000)
    churn = ChurnConfig(off_rate_per_hour=0.1, on_rate_per_hour=0.3)
    assert abs(churn.online_share - 0.75) < 1e-12


# ---------------------------------------------------------------- against the per-probe reference

SPACE = "198.16.0.0/14"  # half of it (198.18/15) is a range Mirai never scans
RUNS, N, RATE, T, DT = 40, 80, 1.0, 80000.0, 50.0
CONFIG = {"kind": "mirai", "listening": [0.8, 0.1, 0.1]}


def _setup():
    rng = np.random.default_rng(21)
    lo, hi = parse_cidr(SPACE)
    addrs = np.sort(lo + rng.choice(hi - lo, N, replace=False)).astype(np.int64)
    worm = make_worm(outside(SPACE) + mirai.excluded_cidrs(), RATE, scanning=CONFIG)
    targets = target_list(SPACE, target_ranges(worm.exclude))
    reachable = np.flatnonzero(~in_ranges(addrs, mirai.excluded_ranges()))
    return World(addrs), worm, targets, reachable


def _scanner(world, worm, seed, **config):
    scanning = MiraiConfig(**{**CONFIG, **config})
    return SCANNERS.get("mirai")(scanning, TargetSpace.of(worm, world), world, np.full(N, RATE), Streams(300 + seed)
                                 .subset(MiraiScanner.streams_used), lambda ids: np.ones(ids.size, dtype=bool))


def test_registered_with_a_validated_config():
    assert SCANNERS.get("mirai") is MiraiScanner and MiraiScanner.Config is MiraiConfig
    assert MiraiConfig().tries == mirai.TRIES and MiraiConfig().credentials == "weights"
    for bad in ({"listening": [0.5, 0.5, 0.5]}, {"credentials": [1.0, 2.0]}, {"tries": 0}):
        with pytest.raises(ValueError):
            MiraiConfig(**bad)
    # the mean contact success: port (9 probes in 10 to 23), session, loader
    c = MiraiConfig(listening=[1.0, 0.0, 0.0], loader_success=0.5)
    assert abs(mean_contact_success(c) - 0.9 * mirai.mean_session_success() * 0.5) < 1e-12


@pytest.mark.slow
def test_mirai_scanner_matches_per_probe_reference():
    """The registered scanner (devices drawn from its own stream) against every probe drawn and every session
    played try by try for the same devices; 5 tries instead of 10 is told apart."""
    world, worm, targets, reachable = _setup()
    assert targets.size == 1 << 17 and 20 < reachable.size < 60

    def seeds_of(seed):
        return np.random.default_rng(seed).choice(reachable, 2, replace=False)

    def aggregate(tries=10):
        firsts = [run_aggregate(_scanner(world, worm, seed, tries=tries), N, seeds_of(seed), DT, T)
                  for seed in range(RUNS)]
        return samples(firsts, T, of=reachable.size)

    refs = []
    for seed in range(RUNS):
        dev = _scanner(world, worm, seed).devices  # the same devices as the engine's run of this seed
        refs.append(mirai_reference(targets, world.addresses, RATE, seeds_of(seed), T,
                                    np.random.default_rng(800 + seed), dev.pair, dev.listening))
    ref = samples(refs, T, of=reachable.size)
    report = ks_report(ref, aggregate())
    assert min(report.values()) > ALPHA, report
    assert np.mean(ref["ever@end"]) > 0.5 * reachable.size  # the outbreak happened
    assert np.nanmax(ref["ever@end"]) <= reachable.size  # excluded hosts are never reached
    fewer = ks_report(ref, aggregate(tries=5))
    assert min(fewer.values()) < ALPHA, fewer
