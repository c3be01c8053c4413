"""Moore et al.'s estimators with the telescope-size correction, on synthetic truth (many seeds)."""

import numpy as np
import pytest

from wormcast.observers import estimators as est
from wormcast.observers.landing import ScannerDescription, landing_probability
from wormcast.observers.sampling import thin_poisson
from wormcast.observers.telescope_counts import TelescopeCounter
from wormcast.world.addresses import parse_cidr

F = 1 / 256  # a /8 telescope
N_TRUE, RATE, T = 2000, 0.5, 600.0  # mu = r f t = 1.17, q = 0.69: a third of the hosts unseen


def sample(seed):
    rng = np.random.default_rng(seed)
    packets = rng.poisson(RATE * F * T, N_TRUE)
    return packets[packets > 0]


def test_detection_probability_equation_1():
    assert est.detection_probability(5.0, F, 256 / 5.0) == pytest.approx(1 - np.exp(-1))


def test_infected_given_rate_exact_interval():
    q = float(est.detection_probability(RATE, F, T))
    cover = 0
    for seed in range(200):
        e = est.infected_given_rate(int(sample(seed).size), q, 0.9)
        cover += e.low <= N_TRUE <= e.high
    # 200 seeds at 90%: binomial s.d. 2.1%; accept 84%-96% (about 3 s.d.)
    assert 0.84 <= cover / 200 <= 0.96


def test_estimate_recovers_truth_and_covers():
    """200 seeds: mean N_hat within 1% of 2,000 and r_hat within 1% of 0.5; 90% intervals cover in
    84-96% of seeds. Negative controls: the uncorrected unique-source count (the papers' lower bound) and
    the naive scan rate (3) never cover / are 1/q = 45% too high."""
    Ns, rs, cN, cr, naive_cover, naive_rates = [], [], 0, 0, 0, []
    for seed in range(200):
        e = est.estimate(sample(seed), T, F, 0.9)
        Ns.append(e.infected.value)
        rs.append(e.scan_rate.value)
        cN += e.infected.low <= N_TRUE <= e.infected.high
        cr += e.scan_rate.low <= RATE <= e.scan_rate.high
        naive_cover += e.unique_sources >= N_TRUE
        naive_rates.append(e.naive_scan_rate)
    assert abs(np.mean(Ns) / N_TRUE - 1) < 0.01
    assert abs(np.mean(rs) / RATE - 1) < 0.01
    assert 0.84 <= cN / 200 <= 0.96 and 0.84 <= cr / 200 <= 0.96
    assert naive_cover == 0
    q = 1 - np.exp(-RATE * F * T)
    assert np.mean(naive_rates) / RATE == pytest.approx(1 / q, rel=0.02)
    assert np.mean(naive_rates) / RATE > 1.4


def test_pipeline_landing_thinning_counter_estimator():
    """Hosts at random addresses scanning uniformly; telescope 44/8; 60 steps of 10 s via thin_poisson and
    TelescopeCounter; the estimate's interval covers the true 2,000 hosts and 0.5 probes/s."""
    rng = np.random.default_rng(7)
    addrs = rng.integers(0, 2**32, N_TRUE)
    q = landing_probability(addrs, [parse_cidr("44.0.0.0/8")], ScannerDescription.uniform())
    counter = TelescopeCounter()
    for k in range(60):
        ids, cnt = thin_poisson(rng, np.arange(N_TRUE), np.full(N_TRUE, RATE), q, 10.0)
        counter.observe(10.0 * k, 10.0 * (k + 1), ids, cnt)
    e = est.estimate(counter.sources().packets, T, F, 0.9)
    assert e.infected.low <= N_TRUE <= e.infected.high
    assert e.scan_rate.low <= RATE <= e.scan_rate.high
    assert e.unique_sources == counter.series().unique_hosts[-1] < N_TRUE
