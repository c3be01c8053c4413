"""Run a sweep into its directory: validate everything, skip runs already on disk, save each run as it
finishes, then rebuild the final files (results.parquet, aggregate.csv, report.html) from the run files."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import WormcastError
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


def _write_bytes_atomic(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def build_outputs(store: Store, figures) -> tuple:
    """results.parquet, aggregate.csv and report.html from the run files, each replaced atomically."""
    from .aggregate import aggregate_table, results_table
    from .report import render

    records = store.records()
    results = results_table(store.manifest, records)
    agg = aggregate_table(store.manifest, records)
    root = store.root
    _write_bytes_atomic(root / "results.parquet", lambda p: results.to_parquet(p, index=False))
    _write_bytes_atomic(root / "aggregate.csv", lambda p: agg.to_csv(p, index=False))
    html = render(store.manifest, agg, results, list(figures))
    _write_bytes_atomic(root / "report.html", lambda p: p.write_text(html, encoding="utf-8"))
    return results, agg


def check_figures(figures) -> list[str]:
    from ..ensemble.stats import FIGURES, known_figure

    for f in figures:
        if not known_figure(f):
            raise WormcastError(f"--figure {f}: not a summary figure (one of: {', '.join(FIGURES)}, "
                                "orgs.<name>.<figure>, throttled_hosts)")
    return list(figures)


def run_sweep(scenario, keys: list[str], points: list[Point], runs: int, seed: int, out: str | Path,
              backend: str | None = None, scheduler: str | None = None, workers: int | None = None,
              figures=None, progress: bool = True, option: str = "--grid") -> SweepOutcome:
    """Run (or resume) a sweep of ``scenario`` over ``points`` with ``runs`` runs each into ``out``."""
    from ..backends import check_options, open_backend
    from ..ensemble.progress import runs_bar
    from ..ensemble.seeds import check_root, run_seed
    from ..ensemble.task import Task, run_task
    from .report import DEFAULT_FIGURES

    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise WormcastError(f"--runs {runs}: must be at least 1")
    seed = check_root(seed)
    figures = check_figures(figures or DEFAULT_FIGURES)
    check_options(backend, scheduler, workers)
    scenarios = resolve_points(scenario, points, option)
    store = Store(out, manifest(scenario, keys, points, scenarios, runs, seed))
    store.check()
    done = {k for k, rec in store.records().items() if rec["status"] == "ok"}
    total = len(points) * runs
    todo = [Task(p.index, r, run_seed(seed, p.index, r), sc)
            for p, sc in zip(points, scenarios) for r in range(runs) if (p.index, r) not in done]
    outcome = SweepOutcome(Path(out), total, skipped=total - len(todo))
    if todo:
        with open_backend(backend, scheduler, workers) as be:
            outcome.backend = be.describe()
            store.create()
            bar = runs_bar(total, initial=outcome.skipped, desc="sweep", enabled=progress)
            try:
                for _, rec in be.map_unordered(run_task, todo):
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
