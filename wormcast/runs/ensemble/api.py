"""``simulate_many``: K runs of one scenario on a backend, reduced as they arrive.

Each run sends back its summary and its per-interval columns; the K x intervals x columns array is all
that is kept (never per-step or per-host data) and is reduced to percentile bands at the end.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import PartialResult, WormcastError
from .seeds import check_root, run_seed
from .stats import PeakAligned, bands, describe, figure_names, flatten

NOT_COLUMNS = ("seed",)  # in runs tables the seed has its own column next to the run number


def check_interval(scenario, interval) -> float | None:
    """Seconds, or None for the scenario's; must be a positive multiple of the step."""
    if interval is None:
        return None
    from ...util.timeutil import parse_duration

    try:
        seconds = parse_duration(interval)
    except ValueError as exc:
        raise WormcastError(f"--interval: {exc}") from None
    k = seconds / scenario.step
    if seconds <= 0 or abs(k - round(k)) > 1e-9:
        raise WormcastError(f"--interval {interval}: must be a positive multiple of the step ({scenario.step:g}s)")
    return seconds


class Ensemble:
    """K runs of one scenario: ``runs`` (one row per run), ``ensemble`` (percentiles per figure),
    ``bands`` (percentiles per time and column), ``summary`` (what summary.json holds)."""

    def __init__(self, scenario, root_seed: int, summaries: list[dict], t_seconds: np.ndarray,
                 stack: np.ndarray, names: list[str], interval: float | None):
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
        data = {"time": start + pd.to_timedelta(t_seconds, unit="s")}
        for j, name in enumerate(names):
            for stat, values in bands(stack[:, :, j]).items():
                data[f"{name}_{stat}"] = values
        self.bands = pd.DataFrame(data)
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

    def to_df(self):
        """The percentile bands over time (tz-aware ``time`` column, then ``<column>_<stat>``)."""
        return self.bands.copy()

    def write(self, out_dir: str | Path) -> Path:
        from .output import write_ensemble

        return write_ensemble(self, out_dir)


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


def simulate_many(scenario, runs: int = 10, seed: int = 0, overrides: list[str] | None = None,
                  interval=None, backend: str | None = None, workers: int | None = None,
                  scheduler: str | None = None, progress: bool = False) -> Ensemble:
    """Run ``runs`` outbreaks of ``scenario`` (preset name, TOML path or Scenario) with seeds derived from
    ``seed``; on the local process pool unless ``backend="dask"``. Raises WormcastError if a run fails.
    At most :data:`~wormcast.runs.limits.MAX_RUNS` runs, and only as many as the kept interval columns fit
    in :data:`~wormcast.runs.limits.ENSEMBLE_MEMORY`."""
    from ...api import resolve
    from ..backends import check_options, open_backend
    from ..limits import check_ensemble_memory, check_runs
    from .progress import runs_bar
    from .task import run_task

    sc = resolve(scenario, overrides)
    runs = check_runs(runs)
    root = check_root(seed)
    interval = check_interval(sc, interval)
    check_options(backend, scheduler, workers)
    check_ensemble_memory(runs, _intervals(sc, interval))
    summaries: list = [None] * runs
    stack = names = t_seconds = None
    bar = runs_bar(runs, desc="ensemble", enabled=progress)
    try:
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
                bar.advance(1)
            lost = be.lost
    finally:
        bar.close()
    if lost:
        raise PartialResult(f"{len(lost)} of {runs} runs were lost ({lost[0][1]}); nothing written")
    return Ensemble(sc, root, summaries, t_seconds, stack, names, interval)
