"""codered-v2 against what was measured on 19 July 2001 (docs/calibration.md).

Targets: more than 359,000 hosts ever infected by 00:00 UTC on 20 Jul from a start at 10:00 UTC, a peak
above 2,000 new infections per minute (Moore, Shannon and Brown 2002), and the Code Red probes that real
single servers logged that day (../shared/data/real-logs): the count is tested against the Poisson mean the
run predicts for one address, and the arrival times against the predicted intensity (KS), each at 5%.
"""

import pytest

from wormcast.api import simulate

SEEDS = [1, 2, 3]


@pytest.fixture(scope="module")
def runs():
    return {seed: simulate("codered-v2", seed=seed) for seed in SEEDS}


def test_codered_v2_reproduces_the_measured_day(runs):
    for seed, r in runs.items():
        s = r.summary
        assert s["start"] == "2001-07-19T10:00:00Z" and s["end"] == "2001-07-20T00:00:00Z"
        assert s["ever_infected"] > 359_000, seed
        assert s["peak_new_infections_per_min"] > 2_000, seed


@pytest.mark.parametrize("log, observed", [("apache-2001-07-codered1.log", 20), ("iis5-2001-07-codered1.log", 23)])
def test_codered_v2_predicts_what_single_servers_saw(real_logs, log, observed):
    from wormcast.audit.compare import run_compare
    from wormcast.audit.run import run_audit

    audit = run_audit([str(real_logs / log)])
    f = audit.files[0]
    for seed in SEEDS:
        r = run_compare("codered-v2", 1, audit.detector, (f.first_time, f.last_time), seed=seed)
        assert r["observed"] == observed  # Code Red I probes before the run ends at 00:00 UTC
        assert r["poisson_p"] > 0.05 and r["ks_p"] > 0.05, r
