"""The step rule (core/stepsize.py): K * step <= 0.01 keeps the one-step delay's bias below 0.5%.

The figure: the time from 1% to 50% infected (low noise: it starts once 10,000 hosts are infected), in a
random-scanning world of 1,000,000 hosts whose K is 0.01 per second, so the rule allows 1 s. Over SEEDS seeds
per step, halving the rule's step must move the mean figure by less than TOLERANCE; the same comparison at
a ten times coarser step (K * step = 0.1, an expected move of about K * step / 4 = 2.5%) must be caught.
Seeds 0-11 at the rule's step and its half, 0-3 for the control. The standard error of the difference of two means is about 0.07% here
(measured), so the tolerance is several standard errors from both the expected move at the rule's step
(below K * step / 4 = 0.25%; measured 0.05%) and the control's (measured 2.2%).
"""

import numpy as np
import pytest

from wormcast.config.loading import from_dict
from wormcast.core.loop import Simulation
from wormcast.core.stepsize import MAX_K_DT, auto_step, growth_rate, step_warning
from wormcast.world.population import World

N = 1_000_000
K = 0.01  # per second
SEEDS = 12
TOLERANCE = 0.005


def _scenario(step: str | None = None, **worm):
    data = {"name": "step-rule", "start": "2001-07-19T00:00:00Z", "end": "2001-07-19T00:20:00Z",
            "population": {"vulnerable": N}, "seeding": {"initial_infected": 50},
            "worm": {"name": "w", "scanning": "uniform",
                     "scan_rate": {"distribution": "constant", "mean": K * 2**32 / N}, **worm}}
    if step is not None:
        data["step"] = step
    return from_dict(data, "step-rule test")


WORLD = World(np.sort(np.random.default_rng(7).choice(2**32, size=N, replace=False)).astype(np.int64))


def _time_between(result, lo: float = 0.01, hi: float = 0.5) -> float:
    """Seconds from ``lo`` to ``hi`` of the hosts ever infected, interpolated within steps."""
    ever = result.series.data["ever_infected"].astype(float) / N
    dt = result.summary["step_seconds"]
    t = np.arange(1, ever.size + 1) * dt
    return float(np.interp(hi, ever, t) - np.interp(lo, ever, t))


def _mean_figure(scenario, seeds: int = SEEDS) -> float:
    return float(np.mean([_time_between(Simulation(scenario, seed, world=WORLD).run()) for seed in range(seeds)]))


def test_the_rule_chooses_the_step_when_none_is_given():
    sc = _scenario()
    assert growth_rate(sc, N) == pytest.approx(K)
    assert sc.step == pytest.approx(MAX_K_DT / K)  # 1 s: the interval (60 s) / 60
    assert _scenario("30s").step == 30.0  # a given step is kept
    slow = _scenario(scan_rate={"distribution": "constant", "mean": 1.0})
    assert slow.step == 10.0  # the rule allows more: the former default
    assert auto_step(sc, None, 0.001) == 10.0  # vulnerable count unknown beforehand: the default


def test_a_step_that_breaks_the_rule_is_named_in_the_summary():
    assert step_warning(_scenario("1s"), N) is None
    warning = step_warning(_scenario("10s"), N)
    assert warning is not None and "\n" not in warning and "10s" in warning
    shared = _scenario("10s", scanning="shared-sequence")  # linear growth: no K, no rule
    assert step_warning(shared, N) is None
    res = Simulation(_scenario("20s"), 0, world=WORLD).run()
    assert res.summary["step_warning"].startswith("step 20s is longer than")
    assert "step_warning" not in Simulation(_scenario(), 0, world=WORLD).run().summary


@pytest.mark.slow
def test_halving_the_rules_step_moves_the_time_from_1_to_50_percent_by_less_than_half_a_percent():
    rule = _scenario()
    assert rule.step == 1.0
    at_rule, halved = _mean_figure(rule), _mean_figure(_scenario("0.5s"))
    assert abs(at_rule / halved - 1) < TOLERANCE, (at_rule, halved)
    # Negative control: a step ten times the rule's is caught by the same comparison.
    coarse, coarse_halved = _mean_figure(_scenario("10s"), 4), _mean_figure(_scenario("5s"), 4)
    assert abs(coarse / coarse_halved - 1) > TOLERANCE, (coarse, coarse_halved)
