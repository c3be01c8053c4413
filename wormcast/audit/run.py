"""Run an audit over several files: resolve paths and formats first, then read each file once.

Every bad argument (missing file, directory, unreadable file, forced format that does not fit) is
found before any file is read, so a bad call writes nothing. Damage inside a compressed file is not
a bad argument: the file's readable part is audited and :attr:`Audit.partial` says so.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import WormcastError, flag
from .detect import Detector
from .parallel import ParallelReader, default_jobs
from .reader import FileStats, check_log_path, read_log, resolve_format
from .rules import RuleSet


@dataclass
class Audit:
    """The outcome of reading a set of logs."""

    files: list[FileStats]
    detector: Detector
    rules: RuleSet

    @property
    def partial(self) -> bool:
        return any(f.error for f in self.files)


def expand_paths(items: list[str]) -> list[Path]:
    """Literal paths and glob patterns, in the order given; a pattern that matches nothing is an error."""
    out: list[Path] = []
    for item in items:
        if any(c in item for c in "*?[") and not os.path.lexists(item):
            hits = sorted(glob.glob(item, recursive=True))
            if not hits:
                raise WormcastError(f"{item}: no file matches this pattern")
            out.extend(Path(h) for h in hits)
        else:
            out.append(Path(item))
    if not out:
        raise WormcastError("audit: give at least one log file")
    return out


def run_audit(paths: list[str], fmt: str = "auto", rules_file: str | None = None, fast: bool = True,
              jobs: int | None = None, bin_seconds: int = 3600) -> Audit:
    """Audit ``paths`` (files or glob patterns) with the packaged rules, plus ``rules_file``.

    ``jobs`` worker processes read large plain NCSA files in fast mode (default
    :func:`~wormcast.audit.parallel.default_jobs`; 1 reads everything serially). The result is
    the same whatever ``jobs`` is. ``bin_seconds``: the timeline's bin width asked for (see
    :class:`~wormcast.audit.timeline.Bins` for when it is widened)."""
    if jobs is None:
        jobs = default_jobs()
    if jobs < 1:
        raise WormcastError(f"{flag('--jobs', jobs)}: must be 1 or more")
    rules = RuleSet.load(rules_file)
    files = expand_paths(paths)
    plan = []
    for p in files:
        check_log_path(p)
        plan.append((p, resolve_format(p, fmt)))
    detector = Detector(rules, bin_seconds)
    markers = rules.markers
    stats = []
    pool = ParallelReader(rules, markers, jobs) if markers is not None else None
    try:
        for p, f in plan:
            name = str(p)
            if pool is not None and pool.wants(p, f, fast):
                stats.append(pool.read(p, f, detector))
            else:
                stats.append(read_log(p, f, lambda ln, req, raw, _n=name: detector.feed(_n, ln, req, raw), markers, fast))
    finally:
        if pool is not None:
            pool.close()
    detector.finish()
    return Audit(stats, detector, rules)
