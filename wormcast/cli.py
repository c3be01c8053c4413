"""The command line: ``wormcast presets``, ``wormcast run``, ``wormcast audit``.

Bad input raises WormcastError, printed here as one line with exit status 2; no traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import WormcastError
from .util.atomic import check_out_dir


def _progress_bar():
    """A progress bar on a terminal, nothing otherwise; returns (callback, close)."""
    from .util.progress import ProgressBar

    bar = ProgressBar(100, desc="simulating", unit="%")
    if not bar.enabled:
        return None, lambda: None
    return (lambda done, total: bar.update(100 * done // total)), bar.close


def cmd_presets(args) -> int:
    from .config.loading import load_scenario, preset_names

    for name in preset_names():
        sc = load_scenario(name)
        print(f"{name:<16} {sc.description}")
    return 0


def cmd_run(args) -> int:
    from .api import resolve
    from .core.loop import Simulation
    from .reporting.output import write_run
    from .reporting.report import words
    from .runs.whatif import audit_comparison
    from .util.timeutil import parse_duration, steps_per

    scenario = resolve(args.scenario, args.set)
    interval = None
    if args.interval is not None:
        try:
            interval = parse_duration(args.interval)
        except ValueError as exc:
            raise WormcastError(f"--interval: {exc}") from None
        if steps_per(interval, scenario.step) is None:
            raise WormcastError(f"--interval {args.interval}: must be a positive multiple of the step "
                                f"({scenario.step:g}s)")
    if args.seed < 0:
        raise WormcastError(f"--seed {args.seed}: must be a non-negative integer")
    out = Path(args.out) if args.out else Path("out") / scenario.name
    check_out_dir(out)
    if args.runs != 1:
        if args.runs < 1:
            raise WormcastError(f"--runs {args.runs}: must be at least 1")
        from .runs.ensemble.cli import run_ensemble

        return run_ensemble(scenario, args, out, interval)
    update, close = _progress_bar()
    try:
        result = Simulation(scenario, args.seed).run(update)
    finally:
        close()
    comparison = audit_comparison(scenario, args.seed) if any(
        o.audit is not None and o.audit.compare for o in scenario.orgs) else {}
    for name, rows in comparison.items():
        result.summary["orgs"][name]["audit_comparison"] = rows
    write_run(result, out, interval)
    print(words(result.summary))
    print(f"Wrote {out}/: summary.json, timeseries.parquet, timeseries.csv, outbreak.png, report.html")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="wormcast", description="Simulate, observe and explain Internet worm outbreaks. "
        "A simulator and log analyser: it never sends a packet.")
    parser.add_argument("--version", action="version", version=f"wormcast {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("presets", help="list the shipped scenarios, one line each")
    p.set_defaults(func=cmd_presets)

    p = sub.add_parser("run", help="simulate one outbreak and write its outputs")
    p.add_argument("scenario", metavar="SCENARIO", help="a preset name (see 'wormcast presets') or a TOML file")
    p.add_argument("--seed", type=int, default=0, help="root random seed (default 0)")
    p.add_argument("--out", metavar="DIR", help="output directory (default out/<scenario>)")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                   help="override a scenario value, e.g. --set worm.scan_rate.mean=6 (repeatable)")
    p.add_argument("--interval", metavar="DURATION", help="reporting interval, e.g. 1min (default: scenario's)")
    p.add_argument("--runs", type=int, default=1, metavar="K",
                   help="run an ensemble of K outbreaks (seeds derived from --seed) and report percentile bands")
    p.add_argument("--backend", choices=["local", "dask"], default="local",
                   help="where ensemble runs execute (default: a local process pool)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="a running Dask scheduler (with --backend dask)")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: all cores)")
    p.set_defaults(func=cmd_run)

    from .analytic.cli import register as register_model
    from .audit.cli import register as register_audit
    from .runs.sweep.cli import register as register_sweep

    register_audit(sub)
    register_sweep(sub)
    register_model(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except WormcastError as exc:
        print(f"wormcast: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("wormcast: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
