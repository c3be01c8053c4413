"""What-if comparisons with uncertainty: one ensemble per compared value, with common random numbers.

Every value is run with the same seeds (run j's seed depends on the root seed and j only, never on the
value), so run j of every value shares its world and its random streams: differences between values come
from the value, not from noise, and paired differences (value minus the first value, run by run) are far
sharper than two independent ensembles would give (Law & Kelton, "common random numbers"). The table
gives, per value and figure, the median and the 5-95% interval across runs, and the same for the paired
difference. Fewer than 20 runs per value: the table says the intervals are rough.

Reuse: one task per seed runs every value on one world, built once (the world depends on the seed only).

Used by ``wormcast run --compare key=v1,v2,...`` and by organisations' ``audit.compare`` (the Hotmail
question: what would another audit interval have changed?).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from ..errors import WormcastError
from .ensemble.seeds import check_root, run_seed

FEW_RUNS = 20  # below this, percentile intervals are rough: said so in the table and the report
LOW, HIGH = 5, 95


def world_key(scenario) -> str:
    """What the world is built from (with the seed): the population and the organisations' servers.
    Values that leave it unchanged (a scan rate, an audit interval) share one world per seed."""
    orgs = [(o.name, list(o.blocks), o.servers, o.vulnerable_fraction) for o in scenario.orgs]
    return repr((scenario.population.model_dump(), scenario.base_dir, orgs))


@dataclass(frozen=True)
class CompareTask:
    """One seed, every value: the world is built once and shared by the values' runs."""

    run: int
    seed: int
    scenarios: tuple  # validated Scenarios, one per value


def run_compare_task(task: CompareTask) -> dict:
    """Run every value of one seed on a worker; summaries (or an error line) come back."""
    from ..core.loop import Simulation
    from .ensemble.task import error_status

    out = {"run": task.run, "seed": task.seed, "summaries": None, "status": "ok"}
    try:
        worlds: dict = {}
        summaries = []
        for sc in task.scenarios:
            sim = Simulation(sc, task.seed, world=worlds.get(world_key(sc)))
            worlds.setdefault(world_key(sc), sim.world)
            summaries.append(dict(sim.run().summary))
        out["summaries"] = summaries
    except Exception as exc:  # reported as the run's failure, never a traceback from a worker
        out["status"] = error_status(exc)
    return out


@dataclass(frozen=True)
class Interval:
    median: Optional[float]
    low: Optional[float]
    high: Optional[float]
    n: int

    @classmethod
    def of(cls, values) -> "Interval":
        arr = np.array([v for v in values if v is not None], dtype=float)
        if not arr.size:
            return cls(None, None, None, 0)
        lo, med, hi = np.percentile(arr, (LOW, 50, HIGH))
        return cls(float(med), float(lo), float(hi), int(arr.size))

    def to_json(self) -> dict:
        return {"median": self.median, "low": self.low, "high": self.high, "n": self.n}


@dataclass
class Comparison:
    """``summaries[i][j]``: the summary of value i, run j (seed ``seeds[j]``)."""

    key: str
    values: list[str]
    seeds: list[int]
    summaries: list[list[dict]] = field(default_factory=list)

    def figure(self, path: str) -> np.ndarray:
        """(values, runs) array of a summary figure given as a dotted path (``orgs.hotmail.backdoors``);
        NaN where a run has none."""
        from .ensemble.stats import flatten, is_number

        def get(summary):
            v = flatten(summary).get(path)
            return float(v) if is_number(v) else np.nan
        return np.array([[get(s) for s in row] for row in self.summaries], dtype=float)

    def interval(self, path: str, i: int) -> Interval:
        x = self.figure(path)[i]
        return Interval.of([v for v in x if not np.isnan(v)])

    def difference(self, path: str, i: int) -> Interval:
        """Paired difference value i minus value 0, run by run (common random numbers)."""
        x = self.figure(path)
        d = x[i] - x[0]
        return Interval.of([v for v in d if not np.isnan(v)])

    @property
    def rough(self) -> bool:
        return len(self.seeds) < FEW_RUNS

    def table(self, figures: Sequence[str]) -> list[dict]:
        rows = []
        for i, v in enumerate(self.values):
            row = {"value": v}
            for f in figures:
                row[f] = self.interval(f, i).to_json()
                if i:
                    row[f + " (difference)"] = self.difference(f, i).to_json()
            rows.append(row)
        return rows

    def to_json(self, figures: Sequence[str]) -> dict:
        return {"key": self.key, "values": self.values, "runs": len(self.seeds), "seeds": self.seeds,
                "common_random_numbers": True, "interval": f"{LOW}-{HIGH}% of runs",
                "rough": self.rough, "table": self.table(figures)}


def parse_compare(text: str) -> tuple[str, list[str]]:
    """``key=v1,v2,...`` -> (key, [v1, v2, ...]); values in TOML syntax, commas outside brackets split."""
    if "=" not in text:
        raise WormcastError(f"--compare {text!r}: expected key=value1,value2,...")
    key, rest = (p.strip() for p in text.split("=", 1))
    values, depth, cur = [], 0, ""
    for ch in rest:
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == "," and depth == 0:
            values.append(cur.strip())
            cur = ""
        else:
            cur += ch
    values.append(cur.strip())
    values = [v for v in values if v]
    if not key or len(values) < 2:
        raise WormcastError(f"--compare {text!r}: give a key and at least two values (key=v1,v2)")
    if len(set(values)) != len(values):
        raise WormcastError(f"--compare {text!r}: a value is given twice")
    return key, values


def _resolve_value(resolve, scenario, extra, key: str, value: str):
    """The scenario with ``key=value``; an error names ``--compare``, where the value came from."""
    item = f"{key}={value}"
    try:
        return resolve(scenario, [*extra, item])
    except WormcastError as exc:
        raise WormcastError(str(exc).replace(f"--set {item}", f"--compare {key}={value}", 1)) from None


def compare(scenario, key: str, values: Sequence[str], runs: int = 10, seed: int = 0,
            backend: str | None = None, workers: int | None = None, scheduler: str | None = None,
            extra: Sequence[str] = (), progress: bool = False) -> Comparison:
    """Run ``scenario`` with ``key`` set to each of ``values``, ``runs`` seeds each (the same seeds for
    every value). ``extra``: overrides applied to every value's scenario."""
    from ..api import resolve
    from .backends import check_options, open_backend
    from .ensemble.progress import runs_bar
    from .limits import check_runs

    runs = check_runs(runs)
    root = check_root(seed)
    check_options(backend, scheduler, workers)
    scenarios = tuple(_resolve_value(resolve, scenario, extra, key, v) for v in values)  # all checked first
    seeds = [run_seed(root, 0, j) for j in range(runs)]
    out = Comparison(key, [str(v) for v in values], seeds, [[None] * runs for _ in values])
    bar = runs_bar(runs, desc="compare", enabled=progress)
    try:
        with open_backend(backend, scheduler, workers) as be:
            tasks = (CompareTask(j, s, scenarios) for j, s in enumerate(seeds))
            for task, res in be.map_unordered(run_compare_task, tasks):
                if res["status"] != "ok":
                    raise WormcastError(f"--compare {key}: run {task.run} (seed {task.seed}) failed: "
                                        f"{res['status'].removeprefix('error: ')}")
                for i, s in enumerate(res["summaries"]):
                    out.summaries[i][task.run] = s
                bar.advance(1)
            lost = be.lost
    finally:
        bar.close()
    if lost:
        raise WormcastError(f"--compare {key}: {len(lost)} run(s) lost (worker died): {lost[0][1]}")
    return out
