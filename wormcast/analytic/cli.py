"""The ``wormcast model`` sub-command: list the analytic models, or print / write one model's curve."""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

import numpy as np

from ..errors import WormcastError


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``model`` to an ``add_subparsers()`` object; its handler returns the exit status."""
    p = subparsers.add_parser(
        "model", help="print or write the curve of an analytic worm model (RCS, AAWP, two-factor, SIS, ...)",
        description="Evaluate an analytic model (see docs/models.md). Times are since the start; hosts are counts. "
                    "'wormcast model' alone, or --list, lists the models; 'wormcast model NAME --help-params' "
                    "lists a model's parameters with units and defaults.")
    p.add_argument("name", nargs="?", metavar="NAME", help="model name (see --list)")
    p.add_argument("--list", action="store_true", help="list the models, one line each")
    p.add_argument("--help-params", action="store_true", help="list NAME's parameters with units and defaults")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                   help="a model parameter, e.g. --set scan_rate=10 or --set step=1s (repeatable)")
    p.add_argument("--until", metavar="DURATION", help="last time shown (default: the model's, e.g. 24h)")
    p.add_argument("--every", metavar="DURATION",
                   help="time between rows (default: --until / 12, or 1/1000 with --out)")
    p.add_argument("--out", metavar="FILE", help="write the curve to FILE (.csv or .parquet) instead of a table")
    p.add_argument("--json", action="store_true", help="print parameters, figures and curve as JSON")
    p.set_defaults(func=main)
    return p


def _duration(flag: str, text: str) -> float:
    from ..util.timeutil import parse_duration

    try:
        value = parse_duration(text)
    except ValueError as exc:
        raise WormcastError(f"{flag}: {exc}") from None
    if value <= 0:
        raise WormcastError(f"{flag} {text}: must be positive")
    return value


def _list() -> int:
    from .registry import MODELS

    for name, cls in MODELS.items():
        print(f"{name:<12} {cls.summary}")
    return 0


def _params_help(cls) -> int:
    for f in cls.parameters():
        unit = f.metadata.get("unit", "")
        print(f"{f.name:<17} {f.default!s:<14} {unit:<13} {f.metadata.get('help', '')}")
    return 0


def _build(cls, settings: list[str]):
    values: dict[str, str] = {}
    for item in settings:
        if "=" not in item:
            raise WormcastError(f"--set {item!r}: expected key=value")
        key, text = (s.strip() for s in item.split("=", 1))
        values[key] = text
    try:
        return cls.from_strings(values)
    except (ValueError, TypeError) as exc:
        raise WormcastError(f"model {cls.name}: {exc}") from None


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _fmt(v: float) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:,.0f}"


def _write(df, out: str) -> None:
    path = Path(out)
    if path.suffix not in (".csv", ".parquet"):
        raise WormcastError(f"--out {out}: name a .csv or .parquet file")
    if path.is_dir():
        raise WormcastError(f"--out {out}: is a directory")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if path.suffix == ".csv":
            df.to_csv(tmp, index=False)
        else:
            df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WormcastError(f"--out {out}: cannot write ({exc.strerror or exc})") from None


def _finite(value):
    """JSON-safe: non-finite numbers become None."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def main(args: argparse.Namespace) -> int:
    from .registry import MODELS

    if args.list or not args.name:
        return _list()
    if args.name not in MODELS:
        raise WormcastError(f"model {args.name!r}: unknown (models: {', '.join(MODELS)})")
    cls = MODELS[args.name]
    if args.help_params:
        return _params_help(cls)
    model = _build(cls, args.set)
    until = _duration("--until", args.until) if args.until else cls.default_until
    every = _duration("--every", args.every) if args.every else until / (1000 if args.out else 12)
    if until / every > 1_000_000:
        raise WormcastError(f"--every {args.every}: more than a million rows up to --until")
    t = np.arange(0.0, until + every * 1e-9, every)
    try:
        curve = model.curve(t)
        figures = model.figures()
    except ValueError as exc:
        raise WormcastError(f"model {cls.name}: {exc}") from None
    df = curve.to_df()
    df = df.rename(columns={"time": "t_seconds"})
    if args.out:
        _write(df, args.out)
    if args.json:
        doc = {"model": cls.name, "params": model.params(), "figures": figures,
               "curve": {"t_seconds": t.tolist(), "infected": curve.infected.tolist(),
                         "ever_infected": None if curve.ever_infected is None else curve.ever_infected.tolist()}}
        print(json.dumps(_finite(doc), indent=1, allow_nan=False))
        return 0
    if args.out:
        print(f"Wrote {args.out}: {len(df)} rows of model {cls.name}")
        return 0
    print(f"{cls.name}: {cls.summary}")
    print("  " + ", ".join(f"{k}={v}" if isinstance(v, str) else f"{k}={v:g}" for k, v in model.params().items()))
    if figures:
        print("  " + ", ".join(f"{k}={v:.4g}" for k, v in figures.items()))
    print(f"{'time':>10} {'infected':>12} {'fraction':>9} {'ever_infected':>14}")
    ever = curve.ever_infected if curve.ever_infected is not None else np.full(t.shape, np.nan)
    for ti, i, f, e in zip(t, curve.infected, curve.fraction, ever):
        print(f"{_hms(ti):>10} {_fmt(i):>12} {f:>9.4f} {_fmt(e):>14}")
    return 0
