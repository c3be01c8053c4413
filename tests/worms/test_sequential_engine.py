"""The registered sequential scanner in the whole engine against the per-probe reference (its ``Rule``).

The world is the 2^18-address test space with 200 hosts placed uniformly; the worm walks it upwards
(``walk = "contiguous"``) from Blaster's start rule (own /16 with probability 0.4, else a random point).
Over 50 seeds, two-sample KS tests on the final number ever infected and on the time to half infected
must not reject (p > 0.001 each). The run stops at 2.5 h, while the outbreak is still incomplete (about 130
of 200), so the final size is informative. Negative controls, each caught at p < 0.001 on both figures
(measured: p ~ 1e-7 and 4e-5 for the rate, 6e-10 and 5e-6 for the start rule): an engine scanning 25%
faster, and one that never starts locally (copies starting in their own /16 overlap each other's walks,
so the start rule changes the spread).
"""

import numpy as np
import pytest
from scipy.stats import ks_2samp
from smallworld import small_scenario, small_world

from wormcast.analytic.reference import run_reference
from wormcast.core.loop import Simulation

SEEDS = 50
ALPHA = 1e-3
WORLD = small_world(clustered=False)


def _scenario(local_probability=0.4, rate=1.0):
    return small_scenario(scanning={"kind": "sequential", "walk": "contiguous",
                                    "local_probability": local_probability},
                          scan_rate={"distribution": "constant", "mean": rate},
                          end="2001-07-19T02:30:00Z", step="10s")


def _figures(runs):
    return np.array(runs)[:, 0], np.array(runs)[:, 1]


def _engine(scenario):
    T = scenario.duration
    out = []
    for seed in range(SEEDS):
        r = Simulation(scenario, 10_000 + seed, world=WORLD).run()
        out.append((r.series.data["ever_infected"][-1], min((r.summary["time_to_half_infected_h"] or np.inf) * 3600,
                                                           2 * T)))
    return _figures(out)


def _pvalues(a, b):
    return [ks_2samp(x, y).pvalue for x, y in zip(a, b)]


@pytest.mark.slow
def test_sequential_engine_matches_reference_and_controls_are_caught():
    sc = _scenario()
    T = sc.duration
    ref = [run_reference(sc, WORLD, seed) for seed in range(SEEDS)]
    ref_fig = _figures([(r.ever_infected_at(T), min(r.time_to_fraction(0.5), 2 * T)) for r in ref])
    assert 0.3 * WORLD.n < np.mean(ref_fig[0]) < 0.9 * WORLD.n  # an outbreak, still incomplete
    good = _pvalues(ref_fig, _engine(sc))
    assert min(good) > ALPHA, good
    fast = _pvalues(ref_fig, _engine(_scenario(rate=1.25)))
    assert max(fast) < ALPHA, fast
    never_local = _pvalues(ref_fig, _engine(_scenario(local_probability=0.0)))
    assert max(never_local) < ALPHA, never_local
