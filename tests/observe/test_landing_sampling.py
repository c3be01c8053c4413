"""Landing probabilities (exact values and a Monte Carlo check) and Poisson thinning."""

import numpy as np
import pytest
from scipy import stats

from wormcast.observers.landing import ScannerDescription, landing_probability
from wormcast.observers.sampling import thin_counts, thin_poisson
from wormcast.world.addresses import parse_address, parse_cidr

SLASH8 = [parse_cidr("44.0.0.0/8")]
CR2 = ScannerDescription.local_preference([(0, 1 / 8), (8, 1 / 2), (16, 3 / 8)])


def test_uniform_is_share_of_space():
    src = np.array([parse_address("1.2.3.4"), parse_address("44.9.9.9")])
    p = landing_probability(src, SLASH8, ScannerDescription.uniform())
    assert p == pytest.approx([1 / 256, 1 / 256], rel=1e-15)


def test_uniform_with_exclusions_and_skip_self():
    excl = [parse_cidr("224.0.0.0/3")]  # 1/8 of the space never targeted
    src = np.array([parse_address("44.1.1.1"), parse_address("9.1.1.1")])
    p = landing_probability(src, SLASH8, ScannerDescription.uniform(excl, skip_self=True))
    denom = 2**32 - 2**29 - 1
    assert p == pytest.approx([(2**24 - 1) / denom, 2**24 / denom], rel=1e-15)


def test_code_red_ii_mixture_exact():
    inside = parse_address("44.7.1.2")
    outside = parse_address("45.7.1.2")
    p = landing_probability(np.array([inside, outside]), SLASH8, CR2)
    assert p[0] == pytest.approx(1 / 8 / 256 + 1 / 2 + 3 / 8, rel=1e-15)
    assert p[1] == pytest.approx(1 / 8 / 256, rel=1e-15)
    # a /16 telescope inside the source's /8 but not its /16: 1/8 * 2^-16 + 1/2 * 2^-8
    p16 = landing_probability(np.array([inside]), [parse_cidr("44.8.0.0/16")], CR2)
    assert p16[0] == pytest.approx(1 / 8 / 65536 + 1 / 2 / 256, rel=1e-15)


def _monte_carlo(rng, src, scanner, n):
    """Independent sampler of the engine's target law: pick a level, then a uniform address of the source's
    block at that level, redrawn (same level) while it is excluded or the source itself."""
    levels = scanner.levels
    probs = np.array([lv.probability for lv in levels])
    out = []
    for _ in range(n):
        k = levels[rng.choice(len(levels), p=probs)].prefix
        base = (src >> (32 - k)) << (32 - k) if k else 0
        while True:
            a = base + int(rng.integers(0, 1 << (32 - k)))
            if not (any(lo <= a < hi for lo, hi in scanner.excluded) or (scanner.skip_self and a == src)):
                break
        out.append(a)
    return np.array(out)


def test_mixture_matches_monte_carlo_and_catches_wrong_law():
    """Binomial test at fixed seed, 40,000 probes from one source with a /16 and a /12 telescope."""
    rng = np.random.default_rng(11)
    tel = [parse_cidr("44.7.0.0/16"), parse_cidr("44.16.0.0/12")]
    scanner = ScannerDescription.local_preference([(0, 0.25), (8, 0.25), (16, 0.5)],
                                                  excluded=[parse_cidr("44.7.128.0/17")], skip_self=True)
    src = parse_address("44.7.1.2")
    p = landing_probability(np.array([src]), tel, scanner)[0]
    n = 40_000
    targets = _monte_carlo(rng, src, scanner, n)
    hits = int(sum(((targets >= lo) & (targets < hi)).sum() for lo, hi in tel))
    assert stats.binomtest(hits, n, p).pvalue > 1e-3
    # negative control: dropping the /8 level's share (an error of 0.016 in p, about 6 s.e. at n = 40,000) is rejected
    wrong = p - 0.25 * landing_probability(np.array([src]), tel, ScannerDescription.local_preference([(8, 1.0)],
                                           excluded=scanner.excluded, skip_self=True))[0]
    assert abs(wrong - p) > 0.01
    assert stats.binomtest(hits, n, wrong).pvalue < 1e-6


def test_from_worm_refuses_shared_sequence():
    from wormcast.config.schema import Worm
    w = Worm(name="x", scanning="uniform", scan_rate={"mean": 5.0})
    assert ScannerDescription.from_worm(w).levels[0].prefix == 0
    s = Worm(name="x", scanning="shared-sequence", scan_rate={"mean": 5.0})
    with pytest.raises(ValueError):
        ScannerDescription.from_worm(s)


def test_thin_poisson_per_source_law():
    """Per-source hits over 4,000 steps are Poisson(r q dt) each: mean and variance within 4 s.e."""
    rng = np.random.default_rng(5)
    ids = np.arange(5)
    rates = np.array([1.0, 2.0, 5.0, 10.0, 0.0])
    q = np.array([0.5, 0.25, 0.1, 0.2, 0.9])
    dt, steps = 3.0, 4000
    tot = np.zeros((steps, 5))
    for s in range(steps):
        got_ids, got = thin_poisson(rng, ids, rates, q, dt)
        tot[s, got_ids] = got
    lam = rates * q * dt
    se = np.sqrt(np.maximum(lam, 1e-12) / steps)
    assert np.all(np.abs(tot.mean(0) - lam) < 4 * se + 1e-12)
    assert np.all(np.abs(tot.var(0) - lam) < 0.1 * lam + 1e-12)  # Poisson: variance = mean
    # negative control: without the landing weights (rates only) source 2 (rate 5, q 0.1) is off by > 10 s.e.
    wrong = rates / rates.sum() * lam.sum()
    assert abs(wrong[2] - tot.mean(0)[2]) > 10 * se[2]


def test_thin_counts_binomial():
    rng = np.random.default_rng(3)
    ids, got = thin_counts(rng, np.arange(3), np.array([0, 100, 1000]), np.array([0.5, 0.0, 1.0]))
    assert list(ids) == [2] and list(got) == [1000]
