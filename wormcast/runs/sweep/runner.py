"""Run a sweep into its directory: validate everything, skip runs already on disk, save each run as it
finishes, then rebuild the final files (results.parquet, aggregate.csv, report.html) from the run files.

Tasks are made as workers free up (never all at once), so a large sweep starts at once. A full disk while
writing a run file or the final files is one line (the final files are replaced all together or not at
all, and every file already there is kept)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ...errors import WormcastError, flag
from .grid import Point, resolve_points
from .store import Store, manifest


@dataclass
class SweepOutcome:
    out: Path
    total: int
    skipped: int  # already on disk when the sweep started
    ran: int = 0
    failed: int = 0
    lost: list = field(default_factory=list)  # (task, reason) whose worker died and could not be retried
    complete: bool = False
    backend: str = ""


def build_outputs(store: Store, figures) -> tuple:
    """results.parquet, aggregate.csv and report.html from the run files, replaced together."""
    from ...reporting.output import write_parquet
    from ...util.atomic import replace_together, write_failure
    from .aggregate import aggregate_table, results_table
    from .report import render

    records = store.records()
    results = results_table(store.manifest, records)
    agg = aggregate_table(store.manifest, records)
    html = render(store.manifest, agg, results, list(figures))
    root = store.root
    try:
        replace_together({
            root / "results.parquet": lambda p: write_parquet(results, p),
            root / "aggregate.csv": lambda p: agg.to_csv(p, index=False),
            root / "report.html": lambda p: p.write_text(html, encoding="utf-8"),
        })
    except OSError as exc:
        raise write_failure(root, exc) from None
    return results, agg


def check_figures(figures) -> list[str]:
    from ..ensemble.stats import FIGURES, known_figure

    for f in figures:
        if not known_figure(f):
            raise WormcastError(f"{flag('--figure', f)}: not a summary figure (one of: {', '.join(FIGURES)}, "
                                "orgs.<name>.<figure>, throttled_hosts)")
    return list(figures)


def _tasks(points: list[Point], scenarios: list, runs: int, seed: int, done: set) -> Iterator:
    """The runs still to do, made one at a time as the backend asks for them."""
    from ..ensemble.seeds import run_seed
    from ..ensemble.task import Task

    for p, sc in zip(points, scenarios):
        for r in range(runs):
            if (p.index, r) not in done:
                yield Task(p.index, r, run_seed(seed, p.index, r), sc)


def run_sweep(scenario, keys: list[str], points: list[Point], runs: int, seed: int, out: str | Path,
              backend: str | None = None, scheduler: str | None = None, workers: int | None = None,
              figures=None, progress: bool = True, option: str = "--grid") -> SweepOutcome:
    """Run (or resume) a sweep of ``scenario`` over ``points`` with ``runs`` runs each into ``out``."""
    from ..backends import check_options, open_backend
    from ..ensemble.progress import runs_bar
    from ..ensemble.seeds import check_root
    from ..ensemble.task import run_task
    from ..limits import check_points, check_runs, check_sweep_size
    from .report import DEFAULT_FIGURES

    runs = check_runs(runs)
    check_points(len(points), option)
    total = check_sweep_size(len(points), runs)
    seed = check_root(seed)
    figures = check_figures(figures or DEFAULT_FIGURES)
    check_options(backend, scheduler, workers)
    scenarios = resolve_points(scenario, points, option)
    store = Store(out, manifest(scenario, keys, points, scenarios, runs, seed))
    store.check()
    done = {k for k, rec in store.records().items() if rec["status"] == "ok"}
    outcome = SweepOutcome(Path(out), total, skipped=len(done))
    if len(done) < total:
        with open_backend(backend, scheduler, workers) as be:
            outcome.backend = be.describe()
            store.create()
            bar = runs_bar(total, initial=outcome.skipped, desc="sweep", enabled=progress)
            try:
                for _, rec in be.map_unordered(run_task, _tasks(points, scenarios, runs, seed, done)):
                    store.write(rec)
                    outcome.ran += 1
                    bar.advance(1)
            finally:
                bar.close()
            outcome.lost = list(be.lost)
    else:
        store.create()
    records = store.records()
    outcome.failed = sum(rec["status"] != "ok" for rec in records.values())
    outcome.complete = len(records) == total
    if outcome.complete:
        build_outputs(store, figures)
    return outcome
