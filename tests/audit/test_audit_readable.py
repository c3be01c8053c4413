"""The audit report reads well: one timeline panel per signature over its own active window (log scale where
counts span decades), fits whose interval spans more than a factor 10 flagged, --compare drawn as observed
against predicted cumulative probes, and plurals that agree with their numbers."""

import numpy as np
import pandas as pd

from wormcast.audit import report as R
from wormcast.audit.compare import CURVE_POINTS, compare_arrivals


def _doc(**more):
    doc = {"files": [], "signatures": {}, "fingerprint_mismatches": 0, "sources": [], "sources_total": 0,
           "compromise": [], "compromise_total": 0, "rules": [], "partial": False}
    doc.update(more)
    return doc


def test_plurals_agree_with_their_numbers():
    sig = {"title": "t", "requests": 1, "sources": 1, "first_seen": "a", "last_seen": "b"}
    text = R.summary_text(_doc(signatures={"codered1": sig}), None)
    assert "codered1: 1 request from 1 source," in text
    text = R.summary_text(_doc(signatures={"codered1": {**sig, "requests": 46, "sources": 2}}), None)
    assert "46 requests from 2 sources" in text
    assert R.plural(1, "monitored address", "monitored addresses") == "1 monitored address"
    assert R.plural(1200, "probe") == "1,200 probes"


def _fit(ci_k):
    return {"model": "rcs", "signature": "codered1", "params": {"C": 4.0, "K": 2.8}, "stderr": {"C": 1, "K": 1},
            "ci95": {"C": [3.0, 5.0], "K": ci_k}, "bins": 11, "events": 46, "origin": "2001-07-19T15:00:00Z",
            "bin_hours": 1.0}


def test_loose_fits_are_flagged_not_identified():
    assert R.not_identified(_fit([0.52, 103.0])) == ["K"]
    assert R.not_identified(_fit([2.0, 4.0])) == []  # control: a tight interval passes
    assert R.not_identified(_fit([-1.0, 4.0])) == ["K"]  # crosses zero
    html = R.render_html(_doc(fits=[_fit([0.52, 103.0])]))
    assert "Not identified: K" in html and html.count("not identified") == 1
    text = R.summary_text(_doc(fits=[_fit([0.52, 103.0])]), None)
    assert "NOT IDENTIFIED: K" in text
    assert "NOT IDENTIFIED" not in R.summary_text(_doc(fits=[_fit([2.0, 4.0])]), None)


def _timeline():
    """Code Red from 1 to 3,000 probes an hour on 19 Jul; Nimda 5 to 9 an hour on 18 Sep (as the audit builds it:
    each signature from its first to its last probe)."""
    from wormcast.audit.timeline import SignatureTimeline, Timeline

    def series(name, first, counts):
        starts = pd.Timestamp(first).value // 10**9 + 3600 * np.arange(len(counts))
        return SignatureTimeline(name, starts.astype(np.int64), np.array(counts, np.int64), np.zeros(len(counts), np.int64))

    return Timeline(3600, [series("codered1", "2001-07-19T12:00Z", [1, 10, 100, 1000, 3000, 800, 50, 2]),
                           series("nimda", "2001-09-18T00:00Z", [5, 7, 6, 9])])


def test_each_signature_has_its_own_panel_window_and_scale():
    import matplotlib.dates as mdates

    fig = R._timeline_figure(_timeline(), [])
    axes = fig.axes
    assert [ax.get_title().split(":")[0] for ax in axes] == ["codered1", "nimda"]
    assert axes[0].get_yscale() == "log" and axes[1].get_yscale() == "linear"  # 1 to 3,000 vs 5 to 9
    lo, hi = (mdates.num2date(x) for x in axes[0].get_xlim())
    assert pd.Timestamp("2001-07-19T10:00Z") <= lo and hi <= pd.Timestamp("2001-07-20T00:00Z")  # not 2 months
    lo, hi = (mdates.num2date(x) for x in axes[1].get_xlim())
    assert pd.Timestamp("2001-09-17T22:00Z") <= lo and hi <= pd.Timestamp("2001-09-18T07:00Z")
    assert R.spans_decades([1, 150]) and not R.spans_decades([5, 9, 0])


def test_compare_is_drawn_as_observed_against_predicted_cumulative_probes():
    t0 = 995536800.0
    sim = pd.DataFrame({"time": pd.to_datetime([t0 + 3600 * h for h in range(6)], unit="s", utc=True),
                        "probes": [0, 1e9, 2e9, 4e9, 4e9, 4e9]})
    obs = t0 + np.sort(np.random.default_rng(1).uniform(3600, 6 * 3600, 9))
    c = compare_arrivals(sim, 1 << 32, 1, obs, (t0, t0 + 6 * 3600))
    pts = c["cumulative"]
    assert len(pts) == CURVE_POINTS and pts[0][1:] == [0.0, 0.0]
    assert pts[-1][1] == np.float64(c["expected"]) or abs(pts[-1][1] - c["expected"]) < 1e-9
    assert pts[-1][2] == c["observed"] == 9
    assert all(a[2] <= b[2] and a[1] <= b[1] + 1e-12 for a, b in zip(pts, pts[1:]))  # cumulative
    html = R.render_html(_doc(compare={**c, "scenario": "codered-v2", "verdict": "v"}))
    assert 'alt="observed against predicted cumulative probes"' in html
    assert "cumulative</td>" not in html  # the curve is drawn, not dumped into the table
    assert "<script" not in html.lower()
