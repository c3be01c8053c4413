"""Read one large plain NCSA log in fast mode with several worker processes.

The file is cut into byte ranges that start and end on line boundaries (a range ends just after a
newline; the last one at the end of the file). Each worker runs the serial fast reader
(:func:`wormcast.audit.reader._read_fast`) over its range, as if the range were a file of its own,
and classifies the requests it parses. The parent merges the ranges in file order: it offsets the
line numbers by the lines of the ranges before, keeps the first malformed examples, and records the
classified requests in the detector in file order, so the audit (and audit.json) is the same as a
serial read's, whatever the number of workers or ranges. Only plain files of at least
``MIN_BYTES`` are read this way; compressed files and small files keep the serial path.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from .detect import MAX_EVIDENCE, Detector
from .fastscan import MarkerFinder
from .reader import (
    _CORRUPT,
    EXAMPLES,
    FileStats,
    _blocks,
    _read_fast,
    sniff_compression,
)
from .rules import RuleSet

MIN_BYTES = 64 * 1024 * 1024  # smaller files are read serially (starting workers costs more than it saves)
RANGE_BYTES = 8 * 1024 * 1024  # target size of one range (many per worker, so that they finish together; small,
# so that the hits of the ranges in flight stay small in the parent)
_SEEK_STEP = 64 * 1024
IN_FLIGHT = 2  # ranges submitted per worker ahead of the one the parent is recording


def default_jobs() -> int:
    """Worker processes used when not told: the CPUs this process may run on, at most 2."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, min(2, n))


def split_ranges(path: Path, size: int, n: int) -> list[tuple[int, int]]:
    """About ``n`` byte ranges covering ``[0, size)``, each starting at the start of a line."""
    cuts = [0]
    with open(path, "rb") as fh:
        for k in range(1, n):
            nominal = size * k // n
            if nominal <= cuts[-1]:
                continue
            # The first line that starts at or after ``nominal``: just after the first newline at or
            # after nominal - 1 (read in bounded steps: a line may be very long).
            fh.seek(nominal - 1)
            pos = nominal - 1
            cut = size
            while pos < size:
                piece = fh.read(_SEEK_STEP)
                if not piece:
                    break
                j = piece.find(b"\n")
                if j >= 0:
                    cut = pos + j + 1
                    break
                pos += len(piece)
            if cuts[-1] < cut < size:
                cuts.append(cut)
    cuts.append(size)
    return list(zip(cuts[:-1], cuts[1:]))


@dataclass
class RangeResult:
    """What a worker found in one range; line numbers are relative to the range's first line."""

    stats: FileStats
    # (line, time, client, status, verdict, request if held or None, raw line or None), in file order
    hits: list[tuple] = field(default_factory=list)


_STATE: dict = {}


def _init(rules: RuleSet, markers: tuple[bytes, ...]) -> None:
    _STATE["detector"] = Detector(rules)  # classifies only: its verdicts are recorded by the parent
    _STATE["finder"] = MarkerFinder(markers)


def _scan_range(job: tuple[str, str, int, int]) -> RangeResult:
    path, fmt, start, end = job
    det: Detector = _STATE["detector"]
    out = RangeResult(FileStats(path=path, format=fmt))
    hits = out.hits
    raws = 0  # raw lines kept: only the first MAX_EVIDENCE can be needed, whatever ranges come before

    def sink(line_no: int, req, raw: str) -> None:
        nonlocal raws
        v = det.rules.classify(req)
        if v.index is None and not v.mismatched and not v.timed_out:
            return
        keep = None
        if raws < MAX_EVIDENCE and det.wants_raw(v, req.status):
            keep, raws = raw, raws + 1
        hits.append((line_no, req.time, req.client, req.status, v, req if det.held(v) else None, keep))

    try:
        with open(path, "rb") as fh:
            fh.seek(start)
            _read_fast(_blocks(fh, "none", end - start), fmt, sink, _STATE["finder"], out.stats)
    except _CORRUPT as exc:
        out.stats.error = str(exc)
    return out


class ParallelReader:
    """A pool of worker processes for :meth:`read`, started on first use; :meth:`close` ends it."""

    def __init__(self, rules: RuleSet, markers: tuple[bytes, ...], jobs: int):
        self.rules, self.markers, self.jobs = rules, markers, jobs
        self._pool = None

    def wants(self, path: Path, fmt: str, fast: bool) -> bool:
        """Whether ``path`` is read in parallel: fast mode, NCSA, a plain regular file of MIN_BYTES or more."""
        return (self.jobs > 1 and fast and fmt in ("combined", "common") and path.is_file()
                and path.stat().st_size >= MIN_BYTES and sniff_compression(path) == "none")

    def _get_pool(self):
        if self._pool is None:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
            self._pool = ctx.Pool(self.jobs, initializer=_init, initargs=(self.rules, self.markers))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def _results(self, jobs: list[tuple]):
        """The workers' results in job order, with at most IN_FLIGHT jobs submitted and not yet
        consumed: a range's hits wait in memory only until the parent records them."""
        pool = self._get_pool()
        window = max(2, IN_FLIGHT * self.jobs)
        pending = deque()
        it = iter(jobs)
        for job in it:
            pending.append(pool.apply_async(_scan_range, (job,)))
            if len(pending) >= window:
                break
        while pending:
            res = pending.popleft().get()
            job = next(it, None)
            if job is not None:
                pending.append(pool.apply_async(_scan_range, (job,)))
            yield res

    def read(self, path: Path, fmt: str, detector: Detector) -> FileStats:
        size = path.stat().st_size
        n = max(2 * self.jobs, -(-size // RANGE_BYTES))
        jobs = [(str(path), fmt, a, b) for a, b in split_ranges(path, size, n)]
        stats = FileStats(path=str(path), format=fmt, compression="none", mode="fast")
        name = str(path)
        base = 0
        for res in self._results(jobs):
            if stats.error:
                continue  # damage earlier in the file: the serial reader would have stopped there
            part = res.stats
            stats.blank_lines += part.blank_lines
            stats.malformed_lines += part.malformed_lines
            for ex in part.malformed_examples:
                if len(stats.malformed_examples) < EXAMPLES:
                    stats.malformed_examples.append({**ex, "line": ex["line"] + base})
            if stats.first_time is None:
                stats.first_time = part.first_time
            if part.last_time is not None:
                stats.last_time = part.last_time
            record = detector.record
            for ln, t, client, status, v, req, raw in res.hits:
                record(name, ln + base, t, client, status, v, req, raw)
            base += part.lines
            stats.lines = base
            if part.error:
                stats.error = f"corrupt file data after line {base}: {part.error}"
        return stats
