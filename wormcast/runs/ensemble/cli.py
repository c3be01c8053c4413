"""``wormcast run SCENARIO --runs K``: the ensemble path of the run command."""

from __future__ import annotations

import sys
from pathlib import Path


def run_ensemble(scenario, args, out: Path, interval: float | None) -> int:
    from ..stop import TERMINATED_EXIT, Terminated, sigterm_stops
    from .api import simulate_many
    from .report import words

    try:
        with sigterm_stops():
            ens = simulate_many(scenario, runs=args.runs, seed=args.seed, interval=interval,
                                backend=getattr(args, "backend", None), workers=getattr(args, "workers", None),
                                scheduler=getattr(args, "scheduler", None), progress=True)
            ens.write(out)
    except KeyboardInterrupt as exc:
        how, code = ("terminated (SIGTERM)", TERMINATED_EXIT) if isinstance(exc, Terminated) else ("interrupted", 130)
        print(f"wormcast: {how}; an ensemble writes its files all at once, so nothing was written to {out}; "
              "run the same command again", file=sys.stderr)
        return code
    print(words(ens.summary))
    print(f"Wrote {out}/: summary.json, runs.parquet, timeseries.parquet, timeseries.csv (percentile bands), "
          "outbreak.png, report.html, interactive.html")
    return 0
