"""The command line: ``wormcast presets``, ``wormcast run``, ``wormcast audit``.

Bad input raises WormcastError, printed here as one line with exit status 2; no traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
import time
from pathlib import Path

from .errors import WormcastError
from .util.atomic import check_out_dir

# Examples at the foot of every --help (argparse epilogs), by sub-command; "" is the top level.
EXAMPLES = {
    "": """examples:
  wormcast presets                                 the shipped scenarios
  wormcast run codered-v2 --seed 1                 one outbreak: out/codered-v2/report.html
  wormcast run codered-ii --runs 20 --out out/ii   an ensemble with percentile bands
  wormcast audit /var/log/apache2/access.log*      worm probes and compromise in real logs
  eval "$(wormcast completion bash)"               tab completion in this shell""",
    "presets": """examples:
  wormcast presets                          one line each
  wormcast presets --json                   [{"name": ..., "description": ...}, ...]
  wormcast presets show codered-ii > my.toml   a preset's TOML, comments and all, to edit
  wormcast presets show codered-ii --resolved  every value spelled out, defaults too""",
    "run": """examples:
  wormcast run codered-v2 --seed 1
  wormcast run my-scenario.toml --out out/mine --interval 5min
  wormcast run codered-v2 --set worm.scan_rate.mean=6 --set population.vulnerable=200000
  wormcast run codered-v2 --json | jq .ever_infected   summary.json on stdout
  wormcast run codered-ii --runs 20 --workers 2         an ensemble of 20 seeds
  wormcast run codered-v2 --compare worm.scan_rate.mean=4,8,16   what if: 20 seeds per value, the same seeds""",
    "audit": """examples:
  wormcast audit access.log error.log.gz
  wormcast audit 'logs/*.log' --fit --out out/audit
  wormcast audit access.log --compare codered-v2 --monitored 1 --json""",
    "sweep": """examples:
  wormcast sweep codered-v2 --grid worm.scan_rate.mean=3,6,12 --runs 10 --out out/sweep
  wormcast sweep codered-v2 --points points.csv --out out/sweep2   (re-run the same command to resume)""",
    "results": """examples:
  wormcast results out/sweep
  wormcast results out/sweep --csv > aggregate.csv
  wormcast results out/sweep --json""",
    "model": """examples:
  wormcast model --list                            the analytic models, one line each
  wormcast model rcs --set scan_rate=6 --until 24h  the logistic curve, as a table
  wormcast model aawp --set scan_rate=6 --out aawp.csv""",
    "explore": """examples:
  wormcast explore                                 http://127.0.0.1:8765/ (this machine only)
  wormcast explore codered-hotmail --port 0 --open  any free port, and open the browser""",
    "completion": """examples:
  eval "$(wormcast completion bash)"                 in ~/.bashrc
  wormcast completion bash > ~/.local/share/bash-completion/completions/wormcast
  eval "$(wormcast completion zsh)"                  in ~/.zshrc""",
}


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``wormcast: --seed: invalid int value: 'abc'``, exit status 2."""

    def error(self, message: str):
        message = re.sub(r"^argument ([^:]+): ", r"\1: ", message)
        self.exit(2, f"wormcast: {message}\n")


def _progress_bar():
    """A progress bar on a terminal, nothing otherwise; returns (callback, close)."""
    from .util.progress import ProgressBar

    bar = ProgressBar(100, desc="simulating", unit="%")
    if not bar.enabled:
        return None, lambda: None
    return (lambda done, total: bar.update(100 * done // total)), bar.close


def cmd_presets(args) -> int:
    from .config.loading import load_scenario, preset_names, preset_text

    if getattr(args, "preset_command", None) == "show":
        # the file as shipped keeps each value's provenance comment; --resolved spells out every default
        sys.stdout.write(load_scenario(args.name).to_toml() if args.resolved else preset_text(args.name))
        return 0
    rows = [(name, load_scenario(name).description) for name in preset_names()]
    if args.json:
        print(json.dumps([{"name": n, "description": d} for n, d in rows], indent=1))
    else:
        width = max(len(n) for n, _ in rows)
        for name, description in rows:
            print(f"{name:<{width}}  {description}")
    return 0


def cmd_completion(args) -> int:
    from .completion import script
    from .config.loading import preset_names

    sys.stdout.write(script(args.shell, build_parser(), preset_names()))
    return 0


def cmd_run(args) -> int:
    from .api import resolve
    from .core.loop import Simulation
    from .observers.snapshots import with_snapshots
    from .reporting.output import write_run, written_files
    from .reporting.report import words
    from .runs.whatif import audit_comparison
    from .util.timeutil import check_interval

    scenario = resolve(args.scenario, args.set)
    interval = check_interval(args.interval, scenario.step)
    if args.seed < 0:
        raise WormcastError(f"--seed {args.seed}: must be a non-negative integer")
    out = Path(args.out) if args.out else Path("out") / scenario.name
    check_out_dir(out)
    if args.compare is not None:
        return _run_compare(scenario, args, out)
    args.runs = 1 if args.runs is None else args.runs
    if args.runs != 1:
        if args.runs < 1:
            raise WormcastError(f"--runs {args.runs}: must be at least 1")
        from .runs.ensemble.cli import run_ensemble

        if not (args.json or args.quiet):
            return run_ensemble(scenario, args, out, interval)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(
                io.StringIO() if args.quiet else sys.stderr):
            status = run_ensemble(scenario, args, out, interval)
        if args.json:
            sys.stdout.write((out / "summary.json").read_text(encoding="utf-8"))
        return status
    clock = time.perf_counter()
    update, close = _progress_bar() if not args.quiet else (None, lambda: None)
    try:
        sim = Simulation(with_snapshots(scenario), args.seed)  # the address map's frames (no effect on the run)
        built = time.perf_counter()
        result = sim.run(update)
    finally:
        close()
    simulated = time.perf_counter()
    comparison = audit_comparison(scenario, args.seed) if any(
        o.audit is not None and o.audit.compare for o in scenario.orgs) else {}
    for name, rows in comparison.items():
        result.summary["orgs"][name]["audit_comparison"] = rows
    write_run(result, out, interval, snapshots=sim.component("snapshots").taken(), source=args.scenario)
    written = time.perf_counter()
    if args.json:
        sys.stdout.write((out / "summary.json").read_text(encoding="utf-8"))
    elif not args.quiet:
        print(words(result.summary))
        print(f"Wrote {out}/: {', '.join(written_files(out))}")
    if args.verbose:  # details on stderr, so that --json --verbose still gives clean JSON on stdout
        steps = int(round(scenario.duration / scenario.step))
        print(f"  scenario {scenario.name}: {result.summary['vulnerable']:,} vulnerable hosts, {steps:,} steps of "
              f"{scenario.step:g} s, seed {args.seed}\n"
              f"  timings: world {built - clock:.2f} s, simulation {simulated - built:.2f} s, "
              f"outputs {written - simulated:.2f} s, total {written - clock:.2f} s", file=sys.stderr)
    return 0


def _run_compare(scenario, args, out: Path) -> int:
    from .reporting.comparison import figures_of, words, write_comparison
    from .runs.compare import compare, parse_compare

    key, values = parse_compare(args.compare)
    runs = 20 if args.runs is None else args.runs
    if runs < 2:
        raise WormcastError(f"--runs {runs}: a comparison needs at least 2 runs per value (one seed is an "
                            "anecdote, not an answer)")
    cmp = compare(scenario, key, values, runs=runs, seed=args.seed, backend=args.backend, workers=args.workers,
                  scheduler=args.scheduler, progress=not (args.quiet or args.json))
    write_comparison(cmp, scenario, out)
    if args.json:
        sys.stdout.write((out / "compare.json").read_text(encoding="utf-8"))
    elif not args.quiet:
        print(words(cmp, figures_of(cmp)))
        print(f"Wrote {out}/: compare.json, compare.csv, report.html")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .completion import SHELLS

    raw = argparse.RawDescriptionHelpFormatter
    parser = Parser(
        prog="wormcast", description="Simulate, observe and explain Internet worm outbreaks. "
        "A simulator and log analyser: it never sends a packet.", epilog=EXAMPLES[""], formatter_class=raw)
    parser.add_argument("-V", "--version", action="version", version=f"wormcast {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("presets", help="list the shipped scenarios, one line each; 'presets show NAME' prints one")
    p.add_argument("--json", action="store_true", help="print a JSON list of {name, description}")
    p.set_defaults(func=cmd_presets)
    show = p.add_subparsers(dest="preset_command", metavar="show")
    s = show.add_parser("show", help="print a preset's TOML file (with its comments)")
    s.add_argument("name", metavar="PRESET", help="a preset name (see 'wormcast presets')")
    s.add_argument("--resolved", action="store_true",
                   help="print the loaded scenario with every value spelled out (Scenario.to_toml) instead of "
                        "the file with its comments")

    p = sub.add_parser("run", help="simulate one outbreak and write its outputs")
    p.add_argument("scenario", metavar="SCENARIO", help="a preset name (see 'wormcast presets') or a TOML file")
    p.add_argument("--seed", type=int, default=0, help="root random seed (default 0)")
    p.add_argument("--out", metavar="DIR", help="output directory (default out/<scenario>)")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                   help="override a scenario value, e.g. --set worm.scan_rate.mean=6 (repeatable)")
    p.add_argument("--interval", metavar="DURATION", help="reporting interval, e.g. 1min (default: scenario's)")
    p.add_argument("--runs", type=int, default=None, metavar="K",
                   help="run an ensemble of K outbreaks (seeds derived from --seed) and report percentile bands")
    p.add_argument("--compare", metavar="KEY=V1,V2,...",
                   help="what if KEY took each of these values: an ensemble per value (--runs, default 20) with the "
                        "same seeds for every value; medians and 5-95%% intervals")
    p.add_argument("--backend", choices=["local", "dask"], default="local",
                   help="where ensemble runs execute (default: a local process pool)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="a running Dask scheduler (with --backend dask)")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: all cores)")
    p.add_argument("--json", action="store_true", help="print summary.json on stdout instead of the words")
    talk = p.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", action="store_true", help="print nothing (no words, no progress bar)")
    talk.add_argument("-v", "--verbose", action="store_true",
                      help="also print the run's size and timings (on stderr)")
    p.set_defaults(func=cmd_run)

    from .analytic.cli import register as register_model
    from .audit.cli import register as register_audit
    from .explore.cli import register as register_explore
    from .runs.calibrate.cli import register as register_calibrate
    from .runs.sweep.cli import register as register_sweep

    register_audit(sub)
    register_sweep(sub)
    register_model(sub)
    register_explore(sub)
    register_calibrate(sub)

    p = sub.add_parser("completion", help="print a shell completion script")
    p.add_argument("shell", choices=SHELLS, help="the shell")
    p.set_defaults(func=cmd_completion)

    for name, p in sub.choices.items():  # examples in every --help
        p.formatter_class = raw
        p.epilog = EXAMPLES.get(name, p.epilog)
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
