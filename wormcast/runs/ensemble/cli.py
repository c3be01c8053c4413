"""``wormcast run SCENARIO --runs K``: the ensemble path of the run command."""

from __future__ import annotations

import sys
from pathlib import Path


def run_ensemble(scenario, args, out: Path, interval: float | None) -> int:
    from ..stop import TERMINATED_EXIT, Terminated, sigterm_stops
    from .api import run_many
    from .output import write_ensemble
    from .progress import runs_bar
    from .report import words

    bar = runs_bar(args.runs, desc="ensemble")
    try:
        with sigterm_stops():
            try:
                ens = run_many(scenario, args.runs, args.seed, None, interval, getattr(args, "backend", None),
                               getattr(args, "workers", None), getattr(args, "scheduler", None),
                               lambda done, total: bar.update(done))
            finally:
                bar.close()
            write_ensemble(ens, out)
    except KeyboardInterrupt as exc:
        how, code = ("terminated (SIGTERM)", TERMINATED_EXIT) if isinstance(exc, Terminated) else ("interrupted", 130)
        print(f"wormcast: {how}; an ensemble writes its files all at once, so nothing was written to {out}; "
              "run the same command again", file=sys.stderr)
        return code
    print(words(ens.summary))
    print(f"Wrote {out}/: summary.json, runs.parquet, timeseries.parquet, timeseries.csv (percentile bands), "
          "outbreak.png, report.html, interactive.html")
    return 0
