"""The run's figure shows the analytic twin of its parameters and the preset's measured figures."""

import wormcast
from wormcast.analytic.measured import measured_for
from wormcast.analytic.twin import overlay
from wormcast.reporting.plots import outbreak_figure

FAST = ["population.vulnerable=20000", "worm.scan_rate.mean=120", "end=2001-07-19T14:00:00Z",
        "seeding.initial_infected=5"]


def _labels(fig):
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_figure_overlays_the_twin_and_the_measured_figure():
    res = wormcast.simulate("codered-v2", seed=1, overrides=FAST[:2])  # to 00:00 UTC, where the measure is
    twin = overlay(res)
    assert twin is not None and len(twin) == len(res.to_df())
    fig = outbreak_figure(res.to_df().reset_index(), res.summary, twin=twin, measured=measured_for(res.scenario))
    labels = _labels(fig)
    assert any(label.startswith("analytic twin (aawp)") for label in labels)
    assert any(label.startswith("measured: more than 359,000 ever infected by 20 Jul 00:00") for label in labels)
    rate_labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert "measured: more than 2,000 new infections per minute at the peak" in rate_labels


def test_localized_twin_line():
    """codered-ii (localized scanning) is overlaid with its localized twin, on the run's own world."""
    res = wormcast.simulate("codered-ii", seed=1, overrides=["population.vulnerable=5000",
                                                             "end=2001-08-04T02:00:00Z"])
    twin = overlay(res)
    assert twin is not None and set(twin["model"]) == {"localized"} and len(twin) == len(res.to_df())
    fig = outbreak_figure(res.to_df().reset_index(), res.summary, twin=twin, measured=measured_for(res.scenario))
    assert any(label.startswith("analytic twin (localized)") for label in _labels(fig))


def test_no_twin_no_line():
    """Negative control: a scenario without a twin (one shared scan sequence) draws no twin line."""
    res = wormcast.simulate("codered-v1", seed=1, overrides=["population.vulnerable=5000",
                                                             "end=2001-07-12T02:00:00Z"])
    assert overlay(res) is None
    fig = outbreak_figure(res.to_df().reset_index(), res.summary, twin=None, measured=measured_for(res.scenario))
    assert not any("twin" in label for label in _labels(fig))
