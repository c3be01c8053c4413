"""Login exposure against what can be derived by hand (issue 3): with a constant compromised fraction f of
the front-ends, a user with m logins is exposed with probability 1-(1-f)^m under random assignment and
(about, the shared rotation decorrelates a user's logins) under round-robin DNS, and with probability f
when sticky."""

import numpy as np
import pytest

from wormcast.orgs.exposure import Intervals, exposure, login_times

DAY = 86400.0


def constant_fraction(frontends: int, f: float, horizon: float) -> Intervals:
    k = int(round(f * frontends))
    fe = np.arange(k)
    return Intervals(fe, np.zeros(k), np.full(k, horizon + 1))


@pytest.mark.parametrize("f", [0.05, 0.2])
def test_exposure_matches_the_closed_forms(f):
    users, m, F = 20000, 4, 200
    rng = np.random.default_rng(1)
    res = exposure(constant_fraction(F, f, DAY), F, users, m, 0.0, DAY, rng)
    expected_multi = 1 - (1 - f) ** m  # every user logs in exactly m times in the day
    se = np.sqrt(expected_multi * (1 - expected_multi) / users)
    for policy in ("round_robin", "random"):
        r = res[policy]
        assert r["users_exposed_fraction"] == pytest.approx(expected_multi, abs=4 * se)
        assert r["logins_compromised_fraction"] == pytest.approx(f, abs=0.01)
    sticky = res["sticky"]["users_exposed_fraction"]
    assert sticky == pytest.approx(f, abs=4 * np.sqrt(f * (1 - f) / users))
    assert sticky < res["random"]["users_exposed_fraction"]


def test_no_compromise_no_exposure_and_time_windows_count():
    rng = np.random.default_rng(2)
    res = exposure(Intervals(np.empty(0, int), np.empty(0), np.empty(0)), 10, 100, 3, 0.0, DAY, rng)
    assert all(r["users_exposed"] == 0 and r["logins"] > 0 for r in res.values())
    # every front-end compromised during the second half of the day only: half of the logins
    iv = Intervals(np.arange(10), np.full(10, DAY / 2), np.full(10, DAY))
    res = exposure(iv, 10, 5000, 2, 0.0, DAY, rng)
    for r in res.values():
        assert r["logins_compromised_fraction"] == pytest.approx(0.5, abs=0.02)


def test_login_times_are_spread_over_the_span():
    user, t = login_times(1000, 3, 0.0, 2 * DAY, np.random.default_rng(3))
    assert user.size == 6000 and np.all(np.bincount(user) == 6)
    user, _ = login_times(1000, 3, 0.0, DAY / 2, np.random.default_rng(3))  # 1.5 logins each on average
    assert set(np.bincount(user).tolist()) == {1, 2} and user.size == pytest.approx(1500, rel=0.1)
    assert np.all(np.diff(t) >= 0) and 0 <= t.min() and t.max() < 2 * DAY


def test_unknown_policy():
    from wormcast.orgs.exposure import assign

    with pytest.raises(ValueError, match="unknown login policy"):
        assign("closest", np.zeros(3, int), 5, np.random.default_rng(0), 1)
