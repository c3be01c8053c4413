"""Run an audit over several files: resolve paths and formats first, then read each file once.

Every bad argument (missing file, directory, unreadable file, forced format that does not fit) is
found before any file is read, so a bad call writes nothing. Damage inside a compressed file is not
a bad argument: the file's readable part is audited and :attr:`Audit.partial` says so.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..errors import WormcastError, api_names, flag
from ..results.display import Displayable
from .detect import Detector
from .parallel import ParallelReader, default_jobs
from .reader import FileStats, check_log_path, read_log, resolve_format
from .rules import RuleSet


@dataclass(repr=False)
class Audit(Displayable):
    """The outcome of reading a set of logs. In a notebook: ``sources``, ``timeline``, ``requests``,
    ``signatures``, ``evidence`` and ``file_table`` as DataFrames (see :mod:`wormcast.audit.frames`),
    ``summary`` as audit.json holds it (without fits or a comparison)."""

    files: list[FileStats]
    detector: Detector
    rules: RuleSet

    @property
    def partial(self) -> bool:
        return any(f.error for f in self.files)

    @cached_property
    def sources(self):
        """One row per source address, most requests first (as sources.csv)."""
        from . import frames

        return frames.sources(self.detector)

    @cached_property
    def bins(self):
        """The timeline as plain arrays (:class:`~wormcast.audit.timeline.Timeline`, what the CLI reports)."""
        return self.detector.timeline()

    @cached_property
    def timeline(self):
        """Probes and new sources per time bin and signature (``bin_start`` UTC; signature ``all`` pools them)."""
        return self.bins.to_df()

    @cached_property
    def requests(self):
        """The matched requests kept one by one: ``time`` (UTC), ``signature`` (sampled beyond 100,000 per
        signature: ``requests.attrs["sampled"]``)."""
        from . import frames

        return frames.requests(self.detector)

    @cached_property
    def signatures(self):
        from . import frames

        return frames.signatures(self.detector)

    @cached_property
    def evidence(self):
        from . import frames

        return frames.evidence(self.detector)

    @cached_property
    def file_table(self):
        from . import frames

        return frames.files(self)

    @cached_property
    def summary(self) -> dict:
        """audit.json's document (files, signatures, sources, compromise, timeline)."""
        from .report import build_json, clean_json

        return clean_json(build_json(self, self.bins))

    def _display(self):
        from ..results.display import figure

        lines = sum(f.lines for f in self.files)
        rows = [("files", f"{len(self.files)} ({figure(lines)} lines"
                 f"{', some damaged' if self.partial else ''})")]
        times = [t for f in self.files for t in (f.first_time, f.last_time) if t is not None]
        if times:
            from ..util.timeutil import iso_epoch

            rows.append(("time", f"{iso_epoch(min(times))} to {iso_epoch(max(times))}"))
        hits = sorted(((n, d) for n, d in self.detector.signatures().items() if d["requests"]),
                      key=lambda kv: -kv[1]["requests"])
        for name, d in hits[:6]:
            req, src = d["requests"], d["sources"]
            rows.append((name, f"{figure(req)} request{'s' * (req != 1)} from {figure(src)} "
                               f"source{'s' * (src != 1)}, {d['first_seen']} to {d['last_seen']}"))
        if not hits:
            rows.append(("signatures", "no request matched a worm signature"))
        if self.detector.evidence_total:
            n = self.detector.evidence_total
            rows.append(("compromise", f"{figure(n)} request{'s' * (n != 1)} show{'s' * (n == 1)} a host compromised"))
        return "wormcast Audit", rows


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


def audit(paths, fmt: str = "auto", rules: str | None = None, fast: bool = True, jobs: int | None = None,
          bin_seconds: int = 3600) -> Audit:
    """The Python API's audit (``wormcast.audit(paths, ...)``): ``paths`` one path or glob pattern, or a list
    of them; ``rules`` an extra rules file; the rest as :func:`run_audit`. Errors name these parameters."""
    with api_names():
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        return run_audit([os.fspath(p) for p in paths], fmt, rules, fast, jobs, bin_seconds)
