"""``simulate_many``: K runs of one scenario on a backend, reduced as they arrive.

Each run sends back its summary and its per-interval columns; the K x intervals x columns array is all
that is kept (never per-step or per-host data) and is reduced to percentile bands at the end.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import PartialResult, WormcastError, api_names
from ...results.display import Displayable
from .seeds import check_root, run_seed
from .stats import PeakAligned, bands, describe, figure_names, flatten
from .trajectories import Trajectories

NOT_COLUMNS = ("seed",)  # in runs tables the seed has its own column next to the run number


def check_interval(scenario, interval) -> float | None:
    """Seconds, or None for the scenario's; must be a positive multiple of the step."""
    from ...util.timeutil import check_interval as check

    return check(interval, scenario.step)


class Ensemble(Displayable):
    """K runs of one scenario: ``runs`` (one row per run), ``ensemble`` (percentiles per figure),
    ``bands`` (percentiles per time and column), ``summary`` (what summary.json holds)."""

    def __init__(self, scenario, root_seed: int, summaries: list[dict], t_seconds: np.ndarray,
                 stack: np.ndarray, names: list[str], interval: float | None, keep_runs: bool = False):
        import pandas as pd

        from .table import frame

        self.scenario, self.root_seed, self.interval = scenario, root_seed, interval
        self.n_runs = len(summaries)
        flat = [flatten(s) for s in summaries]
        keys = list(dict.fromkeys(k for s in flat for k in s if k not in NOT_COLUMNS))
        rows = [{"run": i, **s} for i, s in enumerate(flat)]
        self.runs = frame(rows, ["run", "seed", *keys])
        self.figures = figure_names(flat)
        self.ensemble = {f: describe(s.get(f) for s in flat) for f in self.figures}
        start = pd.Timestamp(scenario.start)
        times = pd.DatetimeIndex(start + pd.to_timedelta(t_seconds, unit="s"), name="time")
        data = {}
        for j, name in enumerate(names):
            for stat, values in bands(stack[:, :, j]).items():
                data[f"{name}_{stat}"] = values
        self.bands = pd.DataFrame(data, index=times)
        self.trajectories = Trajectories(stack, names, times, [s.get("seed") for s in summaries]) \
            if keep_runs else None
        same = {k: flat[0][k] for k in keys if k in summaries[0] and not isinstance(flat[0][k], (dict, list))
                and k not in self.figures and k != "wall_seconds" and all(s.get(k) == flat[0][k] for s in flat)}
        constant_figures = {f: summaries[0][f] for f in ("vulnerable", "target_addresses", "step_seconds")
                            if all(s.get(f) == summaries[0].get(f) for s in summaries)}
        self.summary = {**same, **constant_figures, "seed": root_seed, "runs": self.n_runs,
                        "interval_seconds": float(t_seconds[1] - t_seconds[0]) if len(t_seconds) > 1 else None,
                        "ensemble": self.ensemble}
        self.summary.pop("peak_infected_time", None)
        self.new_infections = PeakAligned(stack[:, :, names.index("new_infections")]) \
            if "new_infections" in names else None  # each run's peak, and the peak-aligned median

    def to_df(self, tidy: bool = False):
        """The percentile bands over time: indexed by a UTC ``DatetimeIndex`` named ``time``, one column
        ``<column>_<stat>`` per column and statistic (p5, p25, p50, p75, p95, mean). ``tidy=True``: the kept
        runs' trajectories in long form instead (:meth:`to_long`)."""
        return self.to_long() if tidy else self.bands.copy()

    def to_long(self):
        """Every kept run in long form: columns ``time, run, figure, value`` (one row per interval, run and
        column; needs ``keep_runs=True``)."""
        return self.require_runs("to_long").long()

    def run_df(self, column: str = "infected"):
        """One column of every kept run: indexed by ``time``, one column per run (needs ``keep_runs=True``)."""
        return self.require_runs("run_df").wide(column)

    def require_runs(self, what: str) -> Trajectories:
        if self.trajectories is None:
            raise WormcastError(f"Ensemble.{what}: this ensemble kept only its percentile bands; run it with "
                                "simulate_many(..., keep_runs=True) to keep every run's time series")
        return self.trajectories

    def plot(self, kind: str = "bands", column: str | None = None):
        """A matplotlib Figure (not left open in pyplot): ``"bands"`` (median and percentile bands, as in the
        report), ``"spaghetti"`` (every run's ``column``, default infected) or ``"aligned"`` (every run's
        ``column``, default new_infections, shifted to its own peak of new infections). The last two need
        ``keep_runs=True``."""
        from ...util.figures import api_figure
        from .plots import aligned_figure, spaghetti_figure
        from .report import bands_figure

        if kind == "bands":
            return api_figure(bands_figure, self)
        if kind == "spaghetti":
            return spaghetti_figure(self, column or "infected")
        if kind == "aligned":
            return aligned_figure(self, column or "new_infections")
        raise WormcastError(f"kind={kind!r}: expected 'bands', 'spaghetti' or 'aligned'")

    def write(self, out_dir: str | Path) -> Path:
        """summary.json, runs.parquet, timeseries.parquet/.csv, outbreak.png and report.html, all or none (as
        ``wormcast run --runs K --out DIR``); with the runs kept, runs_timeseries.parquet too (:meth:`to_long`)."""
        from ...util.figures import keep_backend
        from .output import write_ensemble

        with api_names(), keep_backend():
            return write_ensemble(self, out_dir)

    def _display(self):
        from ...results.display import figure
        from ...util.timeutil import duration_text

        s, e = self.summary, self.ensemble

        def spread(name: str, unit: str = "") -> str:
            d = e.get(name) or {}
            if not d.get("n"):
                return "-"
            return f"median {figure(d['p50'], unit)} (5-95%: {figure(d['p5'])} to {figure(d['p95'], unit)})"

        half = e.get("time_to_half_infected_h") or {}
        never = self.n_runs - (half.get("n") or 0)
        rows = [("scenario", f"{s.get('scenario', self.scenario.name)}: {s.get('worm', '')}"),
                ("runs", f"{self.n_runs} from root seed {self.root_seed}"
                 + ("; every run's time series kept" if self.trajectories is not None else "")),
                ("interval", duration_text(s["interval_seconds"]) if s.get("interval_seconds") else "-"),
                ("ever infected", spread("ever_infected")),
                ("peak infected", spread("peak_infected")),
                ("half infected after", (spread("time_to_half_infected_h", " h")
                                         + (f"; never in {never} runs" if never else "")) if half.get("n")
                 else "never, in any run")]
        if self.n_runs < 20:
            rows.append(("note", f"percentiles from only {self.n_runs} runs; 20 or more make the 5-95% band "
                                 "meaningful"))
        return "wormcast Ensemble", rows


def _intervals(scenario, interval: float | None) -> int:
    """How many reporting intervals a run of ``scenario`` has (rows of its time series)."""
    import math

    from ...util.timeutil import steps_per

    n_steps = int(math.ceil(scenario.duration / scenario.step - 1e-9))
    k = steps_per(scenario.interval if interval is None else interval, scenario.step) or 1
    return max(1, -(-n_steps // k))


def _tasks(sc, root: int, runs: int, interval: float | None):
    """The runs, made one at a time as the backend asks for them (never all in memory)."""
    from .task import Task

    for i in range(runs):
        yield Task(0, i, run_seed(root, 0, i), sc, columns=True, interval=interval)


def simulate_many(scenario, runs: int = 10, seed: int = 0, overrides=None, interval=None,
                  backend: str | None = None, workers: int | None = None, scheduler: str | None = None,
                  progress=None, keep_runs: bool = False) -> Ensemble:
    """Run ``runs`` outbreaks of ``scenario`` (preset name, TOML path or Scenario) with seeds derived from
    ``seed``; on the local process pool unless ``backend="dask"``. Raises WormcastError if a run fails.

    ``overrides``: ``key=value`` strings or a dict (as :func:`wormcast.simulate`); ``interval``: ``"5min"``,
    seconds or a timedelta; ``progress``: True draws a bar (terminal or notebook), False/None nothing, a
    callable gets ``(runs done, runs)``; ``keep_runs``: keep every run's time series (``to_long()``,
    ``run_df()``, ``plot("spaghetti")``, ``plot("aligned")``) besides the percentile bands.
    At most :data:`~wormcast.runs.limits.MAX_RUNS` runs, and only as many as the kept interval columns fit
    in :data:`~wormcast.runs.limits.ENSEMBLE_MEMORY`."""
    from ...util.progress import Progress

    with api_names():
        bar = Progress(progress, desc="ensemble", unit=" runs")
        try:
            return run_many(scenario, runs, seed, overrides, interval, backend, workers, scheduler,
                            bar.callback, keep_runs)
        finally:
            bar.close()


def run_many(scenario, runs: int, seed: int, overrides, interval, backend: str | None, workers: int | None,
             scheduler: str | None, progress=None, keep_runs: bool = False) -> Ensemble:
    """:func:`simulate_many` as the CLI calls it (its messages name the CLI's flags); ``progress``: None or a
    callable ``(runs done, runs)``."""
    from ...api import resolve
    from ..backends import check_options, open_backend
    from ..limits import check_ensemble_memory, check_runs
    from .task import run_task

    sc = resolve(scenario, overrides)
    runs = check_runs(runs)
    root = check_root(seed)
    interval = check_interval(sc, interval)
    check_options(backend, scheduler, workers)
    check_ensemble_memory(runs, _intervals(sc, interval))
    summaries: list = [None] * runs
    stack = names = t_seconds = None
    done = 0
    with open_backend(backend, scheduler, workers) as be:
        for task, res in be.map_unordered(run_task, _tasks(sc, root, runs, interval)):
            if res["status"] != "ok":
                raise WormcastError(f"run {task.run} (seed {task.seed}) failed: "
                                    f"{res['status'].removeprefix('error: ')}")
            cols = res["columns"]
            if stack is None:
                t_seconds = cols.pop("t_seconds")
                names = list(cols)
                check_ensemble_memory(runs, len(t_seconds), len(names))  # now with this scenario's columns
                stack = np.empty((runs, len(t_seconds), len(names)), dtype=float)
            else:
                cols.pop("t_seconds")
            stack[task.run] = np.column_stack([cols[n] for n in names])
            summaries[task.run] = res["summary"]
            done += 1
            if progress is not None:
                progress(done, runs)
        lost = be.lost
    if lost:
        raise PartialResult(f"{len(lost)} of {runs} runs were lost ({lost[0][1]}); nothing written")
    return Ensemble(sc, root, summaries, t_seconds, stack, names, interval, keep_runs)
