"""The aggregate Slammer scanner against the per-probe reference in a 2^18 state space.

The space is the first 2^14 addresses of 16.0.0.0/14 (tests/smallworld.py) with state = address -
16.0.0.0, k = 14, 100 hosts, the real multiplier and three increments with 4 | b (valuations 2, 3, 5), so
the state space splits into cycles of length 2^12 down to 1: copies lap their cycles within the run, copies on empty cycles scan in vain, and
hosts on cycles no copy reaches stay uninfected (the final size varies from run to run). Two link speeds
and a binding backbone cap exercise heterogeneous rates and delivery thinning.

Two-sample KS tests (p > 0.001 each, 4 comparisons) on the number ever infected at 1/3, 2/3 and the end,
and the time to half infected. Negative controls: the same aggregate machinery with the cycles ignored
(uniform scanning at the same rates) must be told apart on final size, and a 25% faster scan rate on time
to half infected.
"""

import numpy as np
import pytest
from outbreak_loop import build, run_aggregate, time_to_fraction
from scipy.stats import ks_2samp
from smallworld import BASE, small_scenario

from wormcast.core.streams import Streams
from wormcast.scanners.slammer import SlammerParams
from wormcast.scanners.slammer_reference import run_slammer_reference
from wormcast.worms.slammer import BackboneCap
from wormcast.world.population import World

SEEDS = 70
ALPHA = 1e-3
T_END, DT = 3600.0, 5.0
CAP = BackboneCap(capacity=80.0, sharpness=2.0)
CASES = {
    # one sqlsort.dll version: hosts on cycles that no copy lands on stay uninfected
    "one-dll": SlammerParams(increments=(0x213C,), shares=(1.0,), k=14, cap=CAP, state_offset=BASE),
    # three versions, as in the real worm (shares ASSUMPTION): each host is on a cycle of every generator
    "three-dlls": SlammerParams(increments=(0x213C, 0x19E8, 0x35A0), shares=(0.5, 0.3, 0.2), k=14, cap=CAP,
                                state_offset=BASE),
}
# the intended generator (odd increment, full period): the control that ignores the cycles
FULL_PERIOD = SlammerParams(increments=(2531011 % (1 << 14),), shares=(1.0,), k=14, cap=CAP, state_offset=BASE)
LINK_RATES = np.array([0.5, 2.0])


def small_space_world(n=100, seed=12345):
    rng = np.random.default_rng(seed)
    return World(np.sort(BASE + rng.choice(1 << 14, n, replace=False)).astype(np.int64))


def _rates(n, seed, scale=1.0):
    return scale * LINK_RATES[np.random.default_rng(900 + seed).integers(0, 2, n)]


def _initial(n, seed):
    return np.random.default_rng(700 + seed).choice(n, 6, replace=False)


def _summ(first):
    return [np.sum(first <= T_END / 3), np.sum(first <= 2 * T_END / 3), np.sum(np.isfinite(first)),
            min(time_to_fraction(first, 0.5), 2 * T_END)]


def _config(params):
    """The registered scanner's settings for ``params`` (increments given as EBX with a zero xor)."""
    return {"kind": "slammer", "ebx": list(params.increments), "ebx_shares": list(params.shares),
            "increment_xor": 0, "state_bits": params.k, "state_offset": params.state_offset}


def _aggregate(world, worm, params, seed, scale=1.0):
    sc = build(_config(params), world, worm, _rates(world.n, seed, scale), Streams(20_000 + seed))
    out = run_aggregate(sc, world.n, _initial(world.n, seed), DT, T_END, cap=params.cap,
                        rng=np.random.default_rng(40_000 + seed))
    return _summ(out["first"])


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_slammer_scanner_matches_per_probe_reference(case):
    params = CASES[case]
    world = small_space_world()
    worm = small_scenario().worms[0]
    ref = np.array([_summ(run_slammer_reference(world.addresses, _rates(world.n, s), params, _initial(world.n, s),
                                                T_END, np.random.default_rng(s)).first_infected_at)
                    for s in range(SEEDS)])
    agg = np.array([_aggregate(world, worm, params, s) for s in range(SEEDS)])
    names = ["ever@1/3", "ever@2/3", "final", "t_half"]
    report = {k: ks_2samp(ref[:, i], agg[:, i]).pvalue for i, k in enumerate(names)}
    assert min(report.values()) > ALPHA, report
    assert ref[:, 2].mean() > 50  # the outbreak did happen
    # negative control: a 25% faster scan rate is told apart on the time to half infected
    fast = np.array([_aggregate(world, worm, params, s, scale=1.25) for s in range(SEEDS)])
    assert ks_2samp(ref[:, 3], fast[:, 3]).pvalue < ALPHA
    if case == "one-dll":
        # the cycles matter: runs end with unreachable hosts, and the full-period generator is told apart
        assert ref[:, 2].min() < world.n
        full = np.array([_aggregate(world, worm, FULL_PERIOD, s) for s in range(SEEDS)])
        assert ks_2samp(ref[:, 2], full[:, 2]).pvalue < ALPHA
