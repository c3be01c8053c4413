"""What one run produced: its declared per-step columns, its summary, and tables at any interval."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..util.timeutil import check_interval, steps_per
from .display import Displayable, figure
from .series import StepSeries


class Result(Displayable):
    """``summary`` is a plain dict (what summary.json holds); ``to_df()`` the time series at an interval,
    ``plot()`` its figure, ``write(dir)`` the files ``wormcast run --out DIR`` writes.

    Every ``interval`` is text with a unit (``"5min"``), a number of seconds or a ``datetime.timedelta``, and a
    multiple of the scenario's step; None means the scenario's own interval."""

    def __init__(self, scenario, seed: int, series: StepSeries, summary: dict):
        self.scenario, self.seed, self.series, self.summary = scenario, seed, series, summary
        self.snapshots = None  # the address map's frames (observers/snapshots.SnapshotSet), when taken

    def interval_seconds(self, interval=None) -> float:
        """``interval`` in seconds (the scenario's when None), checked against the step."""
        from ..errors import api_names

        with api_names():
            seconds = check_interval(interval, self.scenario.step)
        return self.scenario.interval if seconds is None else seconds

    def columns(self, interval=None) -> dict[str, np.ndarray]:
        """Column arrays at ``interval`` (default: the scenario's): stocks at the end of each interval, flows
        summed over it. The last interval may be shorter. ``t_seconds``: each interval's start."""
        dt = self.scenario.step
        k = steps_per(self.interval_seconds(interval), dt)
        n = self.series.n_steps
        starts = np.arange(0, n, k)
        ends = np.minimum(starts + k, n) - 1
        out: dict[str, np.ndarray] = {"t_seconds": starts * dt}
        for col in self.series.columns:
            out[col.name] = col.at_interval(starts, ends)
        return out

    def to_df(self, interval=None):
        """The time series as a DataFrame: one row per interval, indexed by a UTC ``DatetimeIndex`` named
        ``time`` (each interval's start); stocks (hosts by state) at the interval's end, flows (new infections,
        probes) summed over it. ``to_df().reset_index()`` gives ``time`` as a column, as the CSV holds it."""
        import pandas as pd

        cols = self.columns(interval)
        t = cols.pop("t_seconds")
        times = pd.DatetimeIndex(pd.Timestamp(self.scenario.start) + pd.to_timedelta(t, unit="s"), name="time")
        return pd.DataFrame(cols, index=times)

    def plot(self, interval=None):
        """The report's outbreak figure (hosts by state with the analytic twin and the measured figures; new
        infections and probes per interval) as a matplotlib Figure, not left open in pyplot."""
        from ..analytic.measured import measured_for
        from ..analytic.twin import overlay
        from ..reporting.plots import outbreak_figure
        from ..util.figures import api_figure

        seconds = self.interval_seconds(interval)
        return api_figure(outbreak_figure, self.to_df(seconds).reset_index(), self.summary,
                          twin=overlay(self, seconds), measured=measured_for(self.scenario))

    def write(self, out_dir: str | Path, interval=None) -> Path:
        """Write summary.json, timeseries.parquet/.csv, outbreak.png and report.html into ``out_dir``, as
        ``wormcast run --out`` does: all or none, and only into a new directory or one wormcast wrote."""
        from ..errors import api_names
        from ..reporting.output import write_run
        from ..util.figures import keep_backend

        with api_names(), keep_backend():
            seconds = self.interval_seconds(interval) if interval is not None else None
            return write_run(self, out_dir, seconds, snapshots=self.snapshots)

    def _display(self):
        s = self.summary
        vul = s.get("vulnerable")
        ever = s.get("ever_infected")
        frac = f" ({100 * ever / vul:.1f}% of {figure(vul)} vulnerable)" if vul and ever is not None else ""
        half = s.get("time_to_half_infected_h")
        rows = [("scenario", f"{s.get('scenario', self.scenario.name)}: {s.get('worm', '')}"),
                ("seed", str(self.seed)),
                ("time", f"{s.get('start')} to {s.get('end')}, step {figure(self.scenario.step)} s"),
                ("ever infected", f"{figure(ever)}{frac}"),
                ("peak infected", f"{figure(s.get('peak_infected'))} at {s.get('peak_infected_time')}"),
                ("half infected after", "never" if half is None else figure(half, " h")),
                ("fastest minute", f"{figure(s.get('peak_new_infections_per_min'))} new infections"
                                   if s.get("peak_new_infections_per_min") != 1 else "1 new infection"),
                ("probes sent", figure(s.get("probes_total")))]
        return "wormcast Result", rows
