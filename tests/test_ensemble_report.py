"""The ensemble's report: a warning on bands from fewer than 20 runs, and new infections whose median is
taken with the runs' peaks aligned (a pointwise median of runs that peak at different times is low and
double-humped)."""

import numpy as np

from wormcast.runs.ensemble.report import MIN_BAND_RUNS, few_runs_warning
from wormcast.runs.ensemble.stats import PeakAligned


def _runs(shifts, n=200, height=100.0, width=6.0):
    t = np.arange(n)
    return np.array([height * np.exp(-0.5 * ((t - 60 - s) / width) ** 2) for s in shifts])


def test_peak_aligned_median_keeps_the_height_of_every_run():
    rng = np.random.default_rng(4)
    shifts = np.concatenate([rng.integers(-40, -25, 10), rng.integers(25, 40, 10)])  # early and late runs
    series = _runs(shifts)
    pointwise = np.median(series, axis=0)
    aligned = PeakAligned(series)
    assert np.allclose(aligned.peaks, 100.0, rtol=1e-3)
    assert np.nanmax(aligned.median) == np.max(aligned.median[~np.isnan(aligned.median)])
    assert np.nanmax(aligned.median) > 0.99 * np.median(aligned.peaks)  # as high as a run's own peak
    assert pointwise.max() < 0.5 * np.median(aligned.peaks)  # the pointwise median is not (the bug shown)
    assert aligned.at == int(np.median(series.argmax(axis=1)))


def test_peak_aligned_equals_pointwise_when_runs_peak_together():
    """Control: runs that peak together need no alignment; both medians agree."""
    series = _runs([0] * 7) * np.linspace(0.8, 1.2, 7)[:, None]
    aligned = PeakAligned(series)
    assert np.allclose(aligned.median, np.median(series, axis=0))


def test_few_runs_are_warned_about():
    assert "Only 3 runs" in few_runs_warning(3) and f"--runs {MIN_BAND_RUNS}" in few_runs_warning(3)
    assert few_runs_warning(MIN_BAND_RUNS) == ""
    assert MIN_BAND_RUNS == 20
