"""``wormcast calibrate SCENARIO --observed FILE --fit KEY[,KEY...] --out DIR``."""

from __future__ import annotations

import sys
import time

EXAMPLES = """examples:
  wormcast calibrate codered-v2 --observed telescope-caida.parquet --fit worm.scan_rate.mean,offset --out out/cal
  wormcast calibrate codered-v2 --observed out/audit/audit.json --fit worm.scan_rate.mean --out out/cal2
  wormcast calibrate my.toml --observed counts.csv --fit worm.release --bounds worm.release=0:7200 --out out/c3"""


def register(subparsers) -> None:
    from ..backends import BACKENDS

    p = subparsers.add_parser("calibrate", help="fit scenario parameters to a telescope series or an audit's timeline")
    p.add_argument("scenario", metavar="SCENARIO", help="a preset name or a TOML file")
    p.add_argument("--observed", metavar="FILE", required=True,
                   help="telescope-<name>.parquet, a CSV with its columns (time, packets, unique_sources, "
                        "new_sources, optionally active_sources), or an audit.json")
    p.add_argument("--fit", metavar="KEY[,KEY...]", required=True,
                   help="scenario keys to fit, e.g. worm.scan_rate.mean,population.vulnerable (worm.release: "
                        "seconds after the start)")
    p.add_argument("--out", metavar="DIR", required=True, help="output directory (calibration.json, report.html)")
    p.add_argument("--bounds", metavar="KEY=LOW:HIGH", action="append", default=[],
                   help="a fitted key's bounds (default: a quarter to four times its value); repeatable")
    p.add_argument("--seeds", type=int, default=8, metavar="N", help="common random seeds per trial (default 8)")
    p.add_argument("--seed", type=int, default=0, help="root seed the common seeds derive from (default 0)")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                   help="override a scenario value first (repeatable)")
    p.add_argument("--telescope", metavar="CIDR[,CIDR]", help="the telescope's blocks (default 44.0.0.0/8)")
    p.add_argument("--monitored", metavar="N|CIDR[,CIDR]",
                   help="what an audit's logs monitor: a number of addresses (default 1) or their blocks")
    p.add_argument("--series", metavar="NAME[,NAME]",
                   help="observed series to fit (default new_sources; also packets, and active_sources where the "
                        "telescope series has them)")
    p.add_argument("--signature", metavar="NAME", help="an audit timeline's signature (default: its only worm, or all)")
    p.add_argument("--align", type=float, metavar="SHARE",
                   help="align each seed's run on the time it reaches SHARE of its hosts infected (with --fit offset)")
    p.add_argument("--backend", choices=BACKENDS, default=None, help="local process pool (default) or dask")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="a running Dask scheduler (implies --backend dask)")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: all cores)")
    p.set_defaults(func=cmd_calibrate)
    p.epilog = EXAMPLES


def cmd_calibrate(args) -> int:
    from ...util.atomic import check_out_dir
    from ..stop import TERMINATED_EXIT, Terminated, sigterm_stops
    from .fit import Calibration
    from .params import parse_bounds

    check_out_dir(args.out)
    clock = time.perf_counter()
    cal = Calibration(args.scenario, args.fit.split(","), bounds=parse_bounds(args.bounds), seeds=args.seeds,
                      seed=args.seed, backend=args.backend, workers=args.workers, scheduler=args.scheduler,
                      telescope=args.telescope, monitored=args.monitored,
                      series=args.series.split(",") if args.series else None, signature=args.signature,
                      overrides=args.set, align=args.align)
    try:
        with sigterm_stops():
            cal.fit(args.observed)
            cal.write(args.out)
    except KeyboardInterrupt as exc:
        how, code = ("terminated (SIGTERM)", TERMINATED_EXIT) if isinstance(exc, Terminated) else ("interrupted", 130)
        print(f"wormcast: {how}; nothing was written to {args.out}", file=sys.stderr)
        return code
    for key, p in cal.fitted_.items():
        print(f"{key} = {cal.best_[key]:.6g}  ({round(100 * cal.level)}% interval {p.low:.6g} to {p.high:.6g})")
    print(f"deviance {cal.deviance_:.4g} on {cal.dof_} dof, p-value {cal.p_value_:.3g}; {len(cal.trials_)} trials, "
          f"{cal.n_runs_} runs in {time.perf_counter() - clock:.1f} s")
    print(f"Wrote {args.out}/: calibration.json, report.html")
    return 0
