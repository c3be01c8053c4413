"""Stream log files (plain, .gz, .bz2) in bounded memory, count damage, hand requests to a sink.

Two paths give the same requests for worm lines: a *full* path that parses every line (IIS,
UrlScan, and NCSA when the rules give no markers) and a *fast* path for NCSA logs that parses only
lines containing a rule marker (see :mod:`wormcast.audit.fastscan` for what "malformed" means there).
"""

from __future__ import annotations

import bz2
import errno
import gzip
import os
import stat
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import WormcastError, flag
from ..util.files import file_kind as _kind
from .fastscan import MarkerFinder, scan_block
from .formats import (
    FORMATS,
    TIME_REASON,
    Malformed,
    Request,
    detect_format,
    format_matches,
    make_parser,
    parse_ncsa,
)

MAX_LINE = 64 * 1024  # longer lines are malformed (Apache's own limit on a request line is 8190)
BLOCK = 2 * 1024 * 1024  # small enough for the block's scans to run from the CPU caches
SNIFF_LINES = 50
EXAMPLES = 5  # malformed lines quoted per file

Sink = Callable[[int, Request, str], None]  # (line number, request, raw line)


@dataclass
class FileStats:
    """What one file held: the per-file object of audit.json."""

    path: str
    format: str
    compression: str = "none"
    mode: str = "full"
    lines: int = 0
    blank_lines: int = 0
    malformed_lines: int = 0
    first_time: float | None = None
    last_time: float | None = None
    malformed_examples: list[dict] = field(default_factory=list)
    error: str | None = None

    def malformed(self, line_no: int, reason: str, text: str) -> None:
        self.malformed_lines += 1
        if len(self.malformed_examples) < EXAMPLES:
            self.malformed_examples.append({"line": line_no, "reason": reason, "text": text[:200]})

    def saw(self, t: float) -> None:
        if self.first_time is None:
            self.first_time = t
        self.last_time = t


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def check_log_path(p: Path) -> None:
    """Refuse, with one line naming it, a path that is not a readable regular file (after links).

    A FIFO, a device (``/dev/zero``), a socket would block the audit or feed it without end; a
    directory is not a log; a symbolic link loop is said to be one (not "no such file")."""
    try:
        st = os.stat(p)
    except FileNotFoundError:
        if os.path.islink(p):
            raise WormcastError(f"{p}: is a symbolic link to a missing file ({os.readlink(p)})") from None
        raise WormcastError(f"{p}: no such file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise WormcastError(f"{p}: symbolic link loop (too many levels of links)") from None
        raise WormcastError(f"{p}: cannot read ({exc.strerror or exc})") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise WormcastError(f"{p}: is a directory, not a log file")
    if not stat.S_ISREG(mode):
        raise WormcastError(f"{p}: is {_kind(mode)}, not a regular file; give a log file "
                            "(copy a stream to a file first)")
    if not os.access(p, os.R_OK):
        raise WormcastError(f"{p}: cannot read (permission denied)")


def open_log(path: str | os.PathLike):
    """Open a log for binary reading, decompressing by magic number; bad paths raise WormcastError.

    The file is opened without blocking and checked to be a regular file on the open descriptor, so
    that a path swapped for a FIFO after :func:`check_log_path` cannot block the audit either."""
    p = Path(path)
    check_log_path(p)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            raise WormcastError(f"{p}: is {_kind(mode)}, not a regular file")
        os.set_blocking(fd, True)
        fh = os.fdopen(fd, "rb")
        magic = fh.read(3)
        fh.seek(0)
    except FileNotFoundError:
        raise WormcastError(f"{p}: no such file") from None
    except OSError as exc:
        raise WormcastError(f"{p}: cannot read ({exc.strerror or exc})") from None
    if magic[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=fh, mode="rb"), "gzip"
    if magic == b"BZh":
        return bz2.BZ2File(fh, mode="rb"), "bzip2"
    return fh, "none"


def sniff_compression(path: Path) -> str:
    """``gzip``, ``bzip2`` or ``none``, from the magic bytes, as :func:`open_log` decides."""
    fh, comp = open_log(path)
    fh.close()
    return comp


_CORRUPT = (EOFError, OSError, zlib.error, gzip.BadGzipFile)


def _sniff(path: Path) -> list[str]:
    fh, comp = open_log(path)
    lines: list[str] = []
    try:
        with fh:
            for _ in range(SNIFF_LINES):
                raw = fh.readline(MAX_LINE + 1)
                if not raw:
                    break
                if len(raw) <= MAX_LINE:
                    lines.append(_decode(raw.rstrip(b"\n")))
    except _CORRUPT:
        pass  # the main pass reports the damage with the line count
    return lines


def resolve_format(path: Path, forced: str) -> str:
    """The format to read ``path`` with: detected (``auto``) or forced and checked against the file."""
    lines = _sniff(path)
    if forced == "auto":
        fmt = detect_format(lines)
        if fmt is None:
            if not any(s.strip() for s in lines):
                return "combined"  # empty file: nothing to misread
            raise WormcastError(f"{path}: cannot tell the log format from its first lines; give --format")
        return fmt
    if forced not in FORMATS:
        raise WormcastError(f"{flag('--format', forced)}: expected auto, {', '.join(FORMATS)}")
    if not format_matches(forced, lines):
        raise WormcastError(f"{path}: --format {forced} does not match this file (none of its first "
                            f"{len(lines)} lines parse as {forced})")
    return forced


def read_log(path: Path, fmt: str, sink: Sink, markers: tuple[bytes, ...] | None, fast: bool = True) -> FileStats:
    """Read one file, calling ``sink`` for requests; damage mid-file is recorded in ``stats.error``."""
    fh, comp = open_log(path)
    stats = FileStats(path=str(path), format=fmt, compression=comp)
    use_fast = fast and markers is not None and fmt in ("combined", "common")
    stats.mode = "fast" if use_fast else "full"
    try:
        with fh:
            if use_fast:
                _read_fast(_blocks(fh, comp), fmt, sink, MarkerFinder(markers), stats)
            else:
                _read_full(fh, fmt, sink, stats)
    except _CORRUPT as exc:
        kind = {"gzip": "gzip", "bzip2": "bzip2"}.get(comp, "file")
        stats.error = f"corrupt {kind} data after line {stats.lines}: {exc}"
    return stats


def _read_full(fh, fmt: str, sink: Sink, stats: FileStats) -> None:
    parse = make_parser(fmt)
    line_no = 0
    while True:
        raw = fh.readline(MAX_LINE + 1)
        if not raw:
            break
        line_no += 1
        stats.lines = line_no
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            head = raw[:200]
            while raw and not raw.endswith(b"\n"):
                raw = fh.readline(MAX_LINE)
            stats.malformed(line_no, f"line longer than {MAX_LINE} bytes", _decode(head))
            continue
        text = _decode(raw.rstrip(b"\n").rstrip(b"\r"))
        if not text.strip():
            stats.blank_lines += 1
            continue
        try:
            req = parse(text)
        except Malformed as exc:
            stats.malformed(line_no, str(exc), text)
            continue
        if req is not None:
            stats.saw(req.time)
            sink(line_no, req, text)


def _blocks(fh, comp: str, limit: int | None = None):
    """Blocks of about BLOCK bytes (at most ``limit`` bytes in all, for a plain file); a compressed
    stream is read in small steps so that, when it turns out to be damaged, the data decompressed
    before the damage is still handed over."""
    if comp == "none":
        if limit is None:
            while data := fh.read(BLOCK):
                yield data
            return
        while limit > 0 and (data := fh.read(min(BLOCK, limit))):
            limit -= len(data)
            yield data
        return
    pieces: list[bytes] = []
    size = 0
    try:
        while piece := fh.read(1 << 16):
            pieces.append(piece)
            size += len(piece)
            if size >= BLOCK:
                yield b"".join(pieces)
                pieces, size = [], 0
    except _CORRUPT:
        if pieces:
            yield b"".join(pieces)
        raise
    if pieces:
        yield b"".join(pieces)


def _read_fast(blocks, fmt: str, sink: Sink, finder: MarkerFinder, stats: FileStats) -> None:
    carry = b""
    skipping = False  # inside an over-long line already counted
    base = 0  # lines before the current block
    last_time: float | None = None
    for data in blocks:
        if skipping:
            k = data.find(b"\n")
            if k < 0:
                continue
            data, skipping = data[k + 1:], False
        buf = carry + data if carry else data
        cut = buf.rfind(b"\n")
        if cut < 0:
            carry = buf
        else:
            carry = buf[cut + 1:]
            base, t = _fast_block(buf, cut + 1, fmt, sink, finder, stats, base)
            stats.lines = base
            if t is not None:
                last_time = stats.last_time = t
        if len(carry) > MAX_LINE:
            base += 1
            stats.lines = base
            stats.malformed(base, f"line longer than {MAX_LINE} bytes", _decode(carry[:200]))
            carry, skipping = b"", True
    if carry:
        base, t = _fast_block(carry + b"\n", len(carry) + 1, fmt, sink, finder, stats, base)
        last_time = t if t is not None else last_time
    stats.lines = base
    if last_time is not None:
        stats.last_time = last_time


def _fast_block(buf: bytes, size: int, fmt, sink, finder, stats: FileStats, base: int):
    """Handle the whole lines in ``buf[:size]``; return the new line count and the block's last time."""
    arr = np.frombuffer(buf, np.uint8, count=size)
    res = scan_block(arr, fmt, finder, MAX_LINE)
    n = len(res.starts)
    stats.blank_lines += int(res.blank.sum())
    is_cand = np.zeros(n, dtype=bool)
    is_cand[res.candidates] = True
    bad_shape = ~res.shape_ok & ~res.blank & ~is_cand
    overlong = res.overlong
    n_bad = int(np.count_nonzero(bad_shape))
    stats.malformed_lines += n_bad
    room = EXAMPLES - len(stats.malformed_examples)
    examples: list[tuple[int, str, str]] = []  # (line index in block, reason, text), kept in line order
    for i in (np.flatnonzero(bad_shape)[:room] if n_bad and room > 0 else ()):
        raw = buf[res.starts[i]: min(res.ends[i], res.starts[i] + 200)]
        why = (f"line longer than {MAX_LINE} bytes" if overlong[i] else TIME_REASON if res.time_bad[i]
               else "not a well-formed NCSA line (shape check)")
        examples.append((int(i), why, _decode(raw)))

    def parse(i: int) -> Request | None:
        try:
            return parse_ncsa(_decode(buf[res.starts[i]: res.ends[i]]), fmt)
        except Malformed:
            return None

    cand_bad: list[tuple[int, str, str]] = []
    for i in res.candidates:
        i = int(i)
        if overlong[i]:
            stats.malformed_lines += 1
            if len(cand_bad) < room:
                cand_bad.append((i, f"line longer than {MAX_LINE} bytes", _decode(buf[res.starts[i]: res.starts[i] + 200])))
            continue
        text = _decode(buf[res.starts[i]: res.ends[i]])
        try:
            req = parse_ncsa(text, fmt)
        except Malformed as exc:
            stats.malformed_lines += 1
            if len(cand_bad) < room:
                cand_bad.append((i, str(exc), text[:200]))
            continue
        sink(base + i + 1, req, text)
    if room > 0 and (examples or cand_bad):
        for i, why, text in sorted(examples + cand_bad)[:room]:
            stats.malformed_examples.append({"line": base + i + 1, "reason": why, "text": text})
    # First and last time: the first and last lines of the file that pass the shape check or hold
    # a marker, and parse in full. Exact (not a sample), so that the result does not depend on
    # where blocks or the parallel reader's chunks begin; normally the first line tried parses.
    good = (res.shape_ok | is_cand) & ~overlong
    if stats.first_time is None:
        for i in np.flatnonzero(good):
            req = parse(int(i))
            if req is not None:
                stats.first_time = req.time
                break
    last = None
    for i in np.flatnonzero(good)[::-1]:
        req = parse(int(i))
        if req is not None:
            last = req.time
            break
    return base + n, last

