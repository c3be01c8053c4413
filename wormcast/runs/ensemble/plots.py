"""An ensemble's per-run figures: every run's curve (spaghetti), and the runs aligned on their peaks.

The pointwise median of runs that peak at different times is flatter and wider than any run (with two
humps where the runs split in two); aligning each run on its own peak shows the shape every run shares.
"""

from __future__ import annotations

import numpy as np

LABELS = {"new_infections": "new infections / min", "infected": "infected hosts", "ever_infected":
          "ever-infected hosts", "probes": "probes / min"}
FLOWS_PER_MINUTE = ("new_infections", "probes", "new_patched", "cleared", "flood_packets")


def _per_minute(ens, column: str) -> float:
    """The factor that turns a column into what its label says (flows per minute; stocks as they are)."""
    minutes = (ens.summary.get("interval_seconds") or ens.scenario.interval) / 60.0
    return 1.0 / minutes if column in FLOWS_PER_MINUTE else 1.0


def _figure():
    """A Figure of its own, outside pyplot (no backend asked for, nothing to close)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.2), layout="constrained")
    return fig, fig.subplots()


def spaghetti_figure(ens, column: str = "infected"):
    """One thin line per run of ``column`` over time, and the runs' pointwise median."""
    import matplotlib.dates as mdates

    tr = ens.require_runs("spaghetti")
    values = tr.column(column) * _per_minute(ens, column)
    t = tr.times.tz_convert("UTC").tz_localize(None)
    fig, ax = _figure()
    for row in values:
        ax.plot(t, row, color="#dc2626", lw=0.6, alpha=max(0.08, min(0.6, 6.0 / len(values))))
    ax.plot(t, np.median(values, axis=0), color="#111827", lw=1.6, label="pointwise median")
    ax.plot([], [], color="#dc2626", lw=0.8, label=f"each of {len(values)} runs")
    ax.set_ylabel(LABELS.get(column, column))
    ax.set_title(f"{ens.summary.get('worm', '')}: {column}, every run")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %H:%M"))
    ax.set_xlabel("time (UTC)")
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return fig


def aligned_figure(ens, column: str = "new_infections", on: str = "new_infections"):
    """Every run's ``column`` against hours from the peak of its own ``on``, and the median of the aligned
    runs (where at least half of them have a value)."""
    tr = ens.require_runs("aligned")
    offsets, values = tr.aligned(column, on)
    values = values * _per_minute(ens, column)
    hours = offsets * (ens.summary.get("interval_seconds") or ens.scenario.interval) / 3600.0
    fig, ax = _figure()
    for row in values:
        ax.plot(hours, row, color="#2563eb", lw=0.6, alpha=max(0.08, min(0.6, 6.0 / max(len(values), 1))))
    if len(values):
        enough = np.sum(~np.isnan(values), axis=0) >= max(1, len(values) / 2)
        med = np.full(len(offsets), np.nan)
        med[enough] = np.nanmedian(values[:, enough], axis=0)
        ax.plot(hours, med, color="#111827", lw=1.6, label="median of the aligned runs")
    ax.plot([], [], color="#2563eb", lw=0.8, label=f"each of {len(values)} runs, shifted to its own peak")
    ax.axvline(0, color="#6b7280", lw=0.8, ls=":")
    ax.set_xlabel(f"hours from the run's peak of {on}")
    ax.set_ylabel(LABELS.get(column, column))
    ax.set_title(f"{ens.summary.get('worm', '')}: {column}, runs aligned on their peaks")
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return fig
