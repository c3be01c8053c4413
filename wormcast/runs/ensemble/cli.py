"""``wormcast run SCENARIO --runs K``: the ensemble path of the run command."""

from __future__ import annotations

from pathlib import Path


def run_ensemble(scenario, args, out: Path, interval: float | None) -> int:
    from .api import simulate_many
    from .report import words

    ens = simulate_many(scenario, runs=args.runs, seed=args.seed, interval=interval,
                        backend=getattr(args, "backend", None), workers=getattr(args, "workers", None),
                        scheduler=getattr(args, "scheduler", None), progress=True)
    ens.write(out)
    print(words(ens.summary))
    print(f"Wrote {out}/: summary.json, runs.parquet, timeseries.parquet, timeseries.csv (percentile bands), "
          "outbreak.png, report.html")
    return 0
