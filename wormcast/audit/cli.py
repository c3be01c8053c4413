"""The ``wormcast audit`` sub-command: options, orchestration, outputs and exit status."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import PartialResult, WormcastError
from .formats import FORMATS

DEFAULT_OUT = "out/audit"


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``audit`` to an ``add_subparsers()`` object; its handler returns the exit status."""
    p = subparsers.add_parser(
        "audit", help="audit web-server logs for worm probes and compromise",
        description="Read web-server logs (NCSA common/combined, IIS W3C, UrlScan; plain, .gz, .bz2), "
                    "find worm probes and evidence of compromise, rebuild the outbreak's timeline.")
    p.add_argument("files", nargs="+", metavar="FILE", help="log files or glob patterns")
    p.add_argument("--format", default="auto", choices=["auto", *FORMATS], help="log format (default: detect per file)")
    p.add_argument("--rules", metavar="FILE", help="extra or replacement signatures (TOML, see docs/audit.md)")
    p.add_argument("--monitored", type=int, default=1, metavar="N",
                   help="how many addresses the logs monitor (one server = 1), for --compare")
    p.add_argument("--compare", metavar="SCENARIO", help="compare observed probes with a wormcast scenario")
    p.add_argument("--seed", type=int, default=1, help="simulation seed for --compare (default 1)")
    p.add_argument("--fit", action="store_true", help="fit the RCS and two-factor models to the timelines")
    p.add_argument("--boot", type=int, default=50, metavar="N", help="bootstrap resamples per fit (default 50)")
    p.add_argument("--bin-seconds", type=int, default=3600, metavar="S",
                   help="timeline bin (default 3600; doubled as often as needed to keep the timeline "
                        "within 10000 bins, and the width used is reported)")
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"output directory (default {DEFAULT_OUT})")
    p.add_argument("--json", action="store_true", help="print audit.json instead of the summary")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="worker processes for large plain NCSA logs (default: up to 2, the CPUs available; "
                        "1: serial). The results do not depend on it")
    p.set_defaults(func=main)
    return p


def _fits(tl, det, boot: int) -> list[dict]:
    from .fit import fit_timeline

    sigs = det.signatures()
    ranked = sorted((n for n, s in sigs.items() if s["requests"] >= 5), key=lambda n: -sigs[n]["requests"])[:3]
    out = []
    for name in ranked:
        for model in ("rcs", "two-factor"):
            try:
                out.append(fit_timeline(tl, name, model, n_boot=boot if model == "rcs" else max(boot // 3, 0),
                                        random_state=0))
            except ValueError as exc:
                out.append({"model": model, "signature": name, "error": str(exc)})
    return out


def main(args: argparse.Namespace) -> int:
    from ..util.atomic import check_out_dir, staged_dir
    from .report import build_json, clean_json, summary_text, write_outputs
    from .run import run_audit

    if args.monitored < 1:
        raise WormcastError(f"--monitored {args.monitored}: must be a positive number of addresses")
    if args.bin_seconds < 1:
        raise WormcastError(f"--bin-seconds {args.bin_seconds}: must be positive")
    if args.boot < 0:
        raise WormcastError(f"--boot {args.boot}: must be 0 or more")
    check_out_dir(args.out)
    audit = run_audit(args.files, args.format, args.rules, jobs=args.jobs, bin_seconds=args.bin_seconds)
    tl = audit.detector.timeline()
    fits = _fits(tl, audit.detector, args.boot) if args.fit else None
    compare = None
    if args.compare:
        from .compare import run_compare

        times = [t for f in audit.files for t in (f.first_time, f.last_time) if t is not None]
        if not times:
            raise WormcastError("--compare: the logs have no dated lines")
        try:
            compare = run_compare(args.compare, args.monitored, audit.detector, (min(times), max(times)), args.seed)
        except ValueError as exc:
            raise WormcastError(f"--compare {args.compare}: {exc}") from None
    doc = clean_json(build_json(audit, tl, fits, compare))
    with staged_dir(args.out) as stage:
        write_outputs(doc, stage, tl, fits, audit.detector)
    if args.json:
        print(json.dumps(doc, indent=1))
    else:
        print(summary_text(doc, args.out))
    if audit.partial:
        damaged = [f for f in audit.files if f.error]
        raise PartialResult(f"{damaged[0].path}: {damaged[0].error}"
                            + (f" (and {len(damaged) - 1} more damaged file(s))" if len(damaged) > 1 else "")
                            + "; the other files and the readable part were audited")
    return 0


if __name__ == "__main__":  # pragma: no cover - convenience for running the audit alone
    parser = argparse.ArgumentParser(prog="wormcast")
    register(parser.add_subparsers())
    ns = parser.parse_args(["audit", *sys.argv[1:]])
    try:
        sys.exit(ns.func(ns))
    except WormcastError as exc:
        print(f"wormcast: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
