"""The stochastic engine against its analytic twin (the habit of EoN, Miller and Ting's epidemic library):
with many hosts, the mean over seeds of the simulated curve follows the twin's curve.

Scenario: codered-v2 reduced to 20,000 hosts, 1% of them infected at the start (so the early, stochastic
phase does not shift whole curves), a scan rate of 2,000/s (K = 33.5/h: the outbreak takes 20 minutes), a
1 s step, 30 minutes. Its twin is AAWP (the preset patches and reboots); without patching and reboots, RCS.

Tolerance: the largest difference of the mean fraction (12 seeds) from the twin, over the 60 rows, is at most
0.03. The seed-to-seed standard deviation at the steepest point is 0.026, so the mean's is 0.0075: 0.03 is
4 standard errors; RCS also carries the engine's one-step lag, (K dt / 2) ln(N / I0) / 4 = 0.005 at most
(AAWP steps as the engine does, so it has none). Negative control: a twin with a 10% larger K misses by
about 0.1 and is rejected.
"""

import dataclasses

import numpy as np
import pytest

import wormcast
from wormcast.analytic.aawp import AAWP
from wormcast.analytic.rcs import RCS
from wormcast.analytic.twin import overlay, twin_for

REDUCED = ["population.vulnerable=20000", "seeding.initial_infected=200", "worm.scan_rate.mean=2000.0",
           'step="1s"', 'interval="30s"', "end=2001-07-19T10:30:00Z"]
SEEDS = range(12)
TOLERANCE = 0.03


def _mean_fractions(scenario):
    runs = [wormcast.simulate(scenario, seed=s) for s in SEEDS]
    ever = np.mean([r.to_df()["ever_infected"].to_numpy() for r in runs], axis=0) / 20000
    now = np.mean([r.to_df()["infected"].to_numpy() for r in runs], axis=0) / 20000
    return runs[0], ever, now


@pytest.mark.parametrize("extra, kind", [([], AAWP), (["hosts.reboot_rate_per_hour=0", "hosts.patch=[]"], RCS)])
def test_simulated_mean_follows_the_twin(extra, kind):
    scenario = wormcast.load_scenario("codered-v2", REDUCED + extra)
    model = twin_for(scenario)
    assert isinstance(model, kind)
    result, ever, now = _mean_fractions(scenario)
    tw = overlay(result)
    assert len(tw) == len(ever) == 60 and list(tw["time"]) == list(result.to_df().index)
    assert np.max(np.abs(ever - tw["ever_infected"].to_numpy() / 20000)) < TOLERANCE
    assert np.max(np.abs(now - tw["infected"].to_numpy() / 20000)) < TOLERANCE
    assert ever[-1] > 0.99  # the run covers the whole outbreak
    # negative control: K 10% too large
    wrong = dataclasses.replace(model, scan_rate=model.scan_rate * 1.1)
    wrong_ever = overlay(result, model=wrong)["ever_infected"].to_numpy() / 20000
    assert np.max(np.abs(ever - wrong_ever)) > TOLERANCE
