"""Timelines, model fits (with stated tolerances and fixed seeds) and observed-vs-simulated comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from audit_helpers import real_log

from wormcast.analytic.rcs import rcs_fraction
from wormcast.analytic.two_factor import two_factor
from wormcast.audit.compare import compare_arrivals, epoch_seconds, signature_for
from wormcast.audit.fit import RCSFit, TwoFactorFit, fit_timeline
from wormcast.audit.timeline import timeline

T0 = pd.Timestamp("2001-07-19T10:00:00Z")


def test_timeline_counts():
    ev = pd.DataFrame({
        "time": pd.to_datetime(["2001-07-19T10:05Z", "2001-07-19T10:50Z", "2001-07-19T12:01Z", "2001-07-19T12:30Z"]),
        "signature": ["codered1", "codered1", "codered1", "nimda"],
        "source": ["a", "b", "a", "c"],
    })
    tl = timeline(ev, 3600)
    cr = tl["codered1"]
    assert list(cr.probes) == [2, 0, 1] and list(cr.new_sources) == [2, 0, 0]
    assert list(pd.to_datetime(cr.starts, unit="s", utc=True)) == list(
        pd.date_range("2001-07-19T10:00Z", periods=3, freq="h"))
    allsig = tl["all"]
    assert list(allsig.probes) == [2, 0, 2] and list(allsig.new_sources) == [2, 0, 1]
    assert list(tl["nimda"].probes) == [1]
    # The API's long table holds the same rows, bin starts as UTC timestamps.
    df = tl.to_df()
    assert list(df.columns) == ["bin_start", "signature", "probes", "new_sources"] and len(df) == len(tl) == 7
    assert str(df["bin_start"].dt.tz) == "UTC" and df[df.signature == "codered1"].probes.tolist() == [2, 0, 1]


def test_two_factor_model_conserves_hosts_and_matches_paper_shape():
    N = 1e6
    t = np.linspace(0, 100, 401)
    r = two_factor(t, N, 0.8 / N, 0.05, 0.06 / N, eta=3, I0=1)
    total = r["S"] + r["I"] + r["R"] + r["Q"]
    assert np.allclose(total, N, rtol=1e-6)
    assert np.all(np.diff(r["J"]) >= -1e-6 * N)  # ever infected only grows
    peak = t[np.argmax(r["I"])]
    assert 20 < peak < 40 and 3e5 < r["I"].max() < 5e5  # Zou et al. 2002, Fig. 5 (I(t) peaks near 4e5)
    # Without removal and patching it reduces to the logistic (RCS) curve with K = beta0 N (eta = 0).
    r0 = two_factor(t, N, 0.8 / N, 0.0, 0.0, eta=0, I0=1)
    T = np.log(N - 1) / 0.8
    assert np.allclose(r0["I"] / N, rcs_fraction(t, 0.8, T), atol=1e-4)


def test_rcs_fit_recovers_parameters():
    rng = np.random.default_rng(7)
    t = np.arange(30) + 0.5
    K, T, C = 0.9, 14.0, 60.0
    y = rng.poisson(C * rcs_fraction(t, K, T))
    est = RCSFit(n_boot=40, random_state=0).fit(t, y)
    assert est is not None and est.params_["K"] == pytest.approx(K, rel=0.15)
    assert est.params_["T"] == pytest.approx(T, abs=0.6)
    assert est.params_["C"] == pytest.approx(C, rel=0.1)
    for name, true in (("K", K), ("T", T), ("C", C)):
        lo, hi = est.ci_[name]
        assert lo <= true <= hi, name
        assert est.stderr_[name] > 0
    again = RCSFit(n_boot=40, random_state=0).fit(t, y)
    assert again.ci_ == est.ci_  # random_state makes the bootstrap reproducible
    assert 0.5 < est.pearson_chi2_dof_ < 2.0


def test_two_factor_fit_recovers_rates():
    rng = np.random.default_rng(3)
    t = np.arange(80) + 0.5
    true = dict(C=300.0, beta=0.8, gamma=0.05, mu=0.06, t0=2.0)
    i = np.zeros_like(t)
    live = t > true["t0"]
    i[live] = two_factor(t[live] - true["t0"], 1.0, true["beta"], true["gamma"], true["mu"], 3.0, 1e-4)["I"]
    y = rng.poisson(true["C"] * i)
    est = TwoFactorFit(n_boot=0).fit(t, y)
    # The optimiser finds at least the likelihood of the true parameters ...
    theta_true = np.array([np.log(300), np.log(0.8), np.log(0.05), np.log(0.06), 2.0])
    assert est.loglik_ >= -est._nll(theta_true, t, y, 1.0) - 1e-6
    # ... and beta, gamma (the well-determined rates) within 3 standard errors and 30%.
    for name in ("beta", "gamma"):
        assert abs(est.params_[name] - true[name]) < 3 * est.stderr_[name], name
        assert est.params_[name] == pytest.approx(true[name], rel=0.3), name
    assert est.params_["t0"] == pytest.approx(2.0, abs=3.0)
    assert est.predict(t).sum() == pytest.approx(y.sum(), rel=0.05)


def test_fit_rejects_too_little_data():
    with pytest.raises(ValueError, match="too few"):
        RCSFit().fit([0.5, 1.5], [1, 0])


def _sim(rate_per_min: np.ndarray, start=T0) -> pd.DataFrame:
    """A DataFrame shaped like the engine's to_df().reset_index(): one row per minute."""
    n = len(rate_per_min)
    return pd.DataFrame({"time": pd.date_range(start, periods=n, freq="min", unit="us"),
                         "probes": rate_per_min.astype(np.int64), "infected": 0, "ever_infected": 0,
                         "new_infections": 0})


OMEGA = 2**32


def _arrivals(sim, monitored, rng, factor=1.0, shift_s=0.0):
    """Draw arrivals from the simulated intensity (Poisson per minute, uniform inside it)."""
    lam = sim["probes"].to_numpy() * monitored / OMEGA * factor
    n = rng.poisson(lam)
    t = epoch_seconds(sim["time"])
    return np.concatenate([t[i] + rng.uniform(0, 60, k) for i, k in enumerate(n) if k]) + shift_s


def test_compare_expected_count():
    sim = _sim(np.full(600, OMEGA // 100))  # 0.01 probe per address per minute
    r = compare_arrivals(sim, OMEGA, 3, [])
    assert r["expected"] == pytest.approx(600 * 0.01 * 3)
    w0 = epoch_seconds(sim["time"])[0]
    r = compare_arrivals(sim, OMEGA, 1, [], window=(w0 + 3600, w0 + 7200))
    assert r["expected"] == pytest.approx(0.6) and r["window_start"] == "2001-07-19T11:00:00Z"


def test_compare_accepts_data_drawn_from_the_model_and_rejects_others():
    growth = (OMEGA * 2 * rcs_fraction(np.arange(840) / 60, 1.0, 7)).astype(np.int64)  # logistic intensity
    sim = _sim(growth)
    rng = np.random.default_rng(11)
    ok = compare_arrivals(sim, OMEGA, 1, _arrivals(sim, 1, rng))
    assert ok["poisson_p"] > 0.05 and ok["ks_p"] > 0.05 and "consistent" in ok["verdict"]
    many = compare_arrivals(sim, OMEGA, 1, _arrivals(sim, 1, rng, factor=2.0))
    assert many["poisson_p"] < 0.01 and many["ratio"] > 1.5
    late = compare_arrivals(sim, OMEGA, 1, _arrivals(sim, 1, rng, shift_s=3 * 3600))
    assert late["ks_p"] < 0.01 and "timing differs" in late["verdict"]


def test_compare_without_overlap():
    sim = _sim(np.full(60, 10))
    r = compare_arrivals(sim, OMEGA, 1, [0.0], window=(0.0, 10.0))
    assert "do not overlap" in r["verdict"]


def test_signature_for_scenarios():
    assert signature_for("codered-v2", {}) == ["codered1"]
    assert signature_for("codered-ii", {}) == ["codered2", "root-exe"]
    assert signature_for("x", {"signatures": ["nimda"]}) == ["nimda"]
    with pytest.raises(ValueError):
        signature_for("slammer", {})


def test_fit_timeline_on_real_apache_log():
    from wormcast.audit.run import run_audit

    a = run_audit([str(real_log("apache-2001-07-codered1.log"))])
    tl = a.detector.timeline()
    f = fit_timeline(tl, "codered1", "rcs", n_boot=10, random_state=0)
    assert f["events"] == 22 and f["bins"] == 10 and f["origin"] == "2001-07-19T16:00:00Z"
    assert 0 < f["params"]["K"] < 20 and all(np.isfinite(v) for v in f["params"].values())


def test_real_codered_probes_against_codered_v2_preset():
    """End to end: the 20 probes the Apache server saw before 00:00 UTC against the preset."""
    from wormcast.audit.compare import run_compare
    from wormcast.audit.run import run_audit

    a = run_audit([str(real_log("apache-2001-07-codered1.log"))])
    f = a.files[0]
    r = run_compare("codered-v2", 1, a.detector, (f.first_time, f.last_time), seed=1)
    assert r["observed"] == 20  # the preset ends at 00:00 UTC on 20 Jul
    assert r["signatures"] == ["codered1"] and r["target_addresses"] == 2**32
    assert 5 < r["expected"] < 60 and 0 <= r["poisson_p"] <= 1 and "ks_p" in r
