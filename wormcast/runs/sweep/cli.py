"""``wormcast sweep`` and ``wormcast results``: the sweep sub-commands."""

from __future__ import annotations

import sys
from pathlib import Path

from ...errors import PartialResult, WormcastError


def register(subparsers) -> None:
    from ..backends import BACKENDS

    p = subparsers.add_parser("sweep", help="K runs at every point of a parameter grid, resumable")
    p.add_argument("scenario", metavar="SCENARIO", help="a preset name or a TOML file")
    p.add_argument("--grid", metavar="KEY=V1,V2,...", action="append", default=[],
                   help="a swept key and its values (repeatable: the full factorial is run)")
    p.add_argument("--points", metavar="FILE", help="a CSV of explicit points: header of keys, one row per point "
                   "(instead of --grid)")
    p.add_argument("--runs", type=int, default=10, metavar="K", help="runs per point (default 10; at most 1,000,000, "
                   "and 1,000,000 runs in all)")
    p.add_argument("--seed", type=int, default=0, help="root seed; every run's seed derives from it (default 0)")
    p.add_argument("--out", metavar="DIR", required=True, help="the sweep directory (re-run to resume)")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                   help="override a scenario value at every point (repeatable)")
    p.add_argument("--backend", choices=BACKENDS, default=None, help="local process pool (default) or dask")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="a running Dask scheduler (implies --backend dask)")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: all cores)")
    p.add_argument("--figure", action="append", default=[], metavar="NAME",
                   help="summary figure(s) to plot in report.html (default: ever_infected_fraction, "
                        "time_to_half_infected_h, peak_infected)")
    p.set_defaults(func=cmd_sweep)

    p = subparsers.add_parser("results", help="print a sweep's aggregate table")
    p.add_argument("dir", metavar="DIR", help="a sweep directory")
    p.add_argument("--figure", action="append", default=[], metavar="NAME", help="figure(s) to show")
    p.add_argument("--csv", action="store_true", help="print the whole aggregate table as CSV")
    p.add_argument("--json", action="store_true", help="print the whole aggregate table as JSON records")
    p.set_defaults(func=cmd_results)


def cmd_sweep(args) -> int:
    from ...api import resolve
    from ..stop import TERMINATED_EXIT, Terminated, sigterm_stops
    from .aggregate import failed_points, text_table
    from .grid import parse_grid, parse_points_file
    from .report import DEFAULT_FIGURES
    from .runner import run_sweep

    if args.points and args.grid:
        raise WormcastError("--points: give either --grid options or --points FILE, not both")
    keys, points = parse_points_file(args.points) if args.points else parse_grid(args.grid)
    scenario = resolve(args.scenario, args.set)
    out = Path(args.out)
    figures = args.figure or list(DEFAULT_FIGURES)
    try:
        with sigterm_stops():
            outcome = run_sweep(scenario, keys, points, args.runs, args.seed, out, backend=args.backend,
                                scheduler=args.scheduler, workers=args.workers, figures=figures,
                                option="--points" if args.points else "--grid")
    except KeyboardInterrupt as exc:
        how, code = ("terminated (SIGTERM)", TERMINATED_EXIT) if isinstance(exc, Terminated) else ("interrupted", 130)
        print(f"wormcast: {how}; finished runs are saved in {out}/runs; run the same command to resume",
              file=sys.stderr)
        return code
    if outcome.skipped:
        print(f"Resumed: {outcome.skipped} of {outcome.total} runs were already in {out}.")
    if outcome.lost:
        raise PartialResult(f"{len(outcome.lost)} runs lost to dead workers ({outcome.lost[0][1]}); "
                            f"{outcome.total - len(outcome.lost)} of {outcome.total} are saved in {out}/runs; "
                            "run the same command to finish")
    import pandas as pd

    agg = pd.read_csv(out / "aggregate.csv")
    print(text_table(agg, keys, figures))
    for line in failed_points(agg, keys):
        print(f"Failed: {line}")
    print(f"Wrote {out}/: results.parquet, aggregate.csv, report.html ({outcome.total} runs"
          f"{', ' + outcome.backend if outcome.backend else ''})")
    if outcome.failed:
        raise PartialResult(f"{outcome.failed} of {outcome.total} runs failed; their errors are in the status "
                            f"column of {out}/results.parquet")
    return 0


def cmd_results(args) -> int:
    import pandas as pd

    from .aggregate import aggregate_table, manifest_points, text_table
    from .report import DEFAULT_FIGURES
    from .runner import check_figures
    from .store import Store, read_manifest

    root = Path(args.dir)
    manifest = read_manifest(root)
    if manifest is None:
        raise WormcastError(f"{root}: not a sweep directory (no sweep.json)")
    figures = check_figures(args.figure or DEFAULT_FIGURES)
    keys, _ = manifest_points(manifest)
    if (root / "aggregate.csv").exists():
        agg = pd.read_csv(root / "aggregate.csv")
        note = ""
    else:
        records = Store(root, manifest).records()
        agg = aggregate_table(manifest, records)
        total = len(manifest["points"]) * manifest["runs"]
        note = f"Partial: {len(records)} of {total} runs done; run the sweep command again to finish it."
    if args.json:
        print(agg.to_json(orient="records", indent=1))
    elif args.csv:
        agg.to_csv(sys.stdout, index=False)
    else:
        print(text_table(agg, keys, figures))
    if note:
        print(note, file=sys.stderr)
    return 0
