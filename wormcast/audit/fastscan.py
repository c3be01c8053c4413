"""Vectorised scanning of NCSA (common/combined) log blocks: the audit's fast path.

Parsing every line in Python runs at a few MB/s; worm requests are a small share of a busy
server's log. So a block of a few MB is handled with numpy: newlines and double quotes are located
at once, every line gets a cheap *shape check*, and only lines containing a rule marker (found
case-insensitively) are fully parsed. Precisely, a line that is not a marker candidate is
well-formed in fast mode when:

- it is at most ``max_line`` bytes long (else it is malformed: over-long);
- it has at least 2 (common) or 6 (combined) double quotes;
- its first ``"`` is at least 35 bytes into the line and the 30 bytes before it are a space and a
  timestamp of the exact shape ``[dd/Mon/yyyy:hh:mm:ss +hhmm]`` (digits where digits go, ``+`` or
  ``-`` before the offset) and a space, so its ``[`` is at least 6 bytes in (host, ident, user);
- the year digits lie in the accepted range's years (1990 to 2099, :data:`formats.MIN_YEAR` and
  ``MAX_YEAR``): else the line is malformed, its time unusable (``time_bad``);
- it ends with ``"`` (combined) or with a digit or ``-`` (common), not counting a final ``\r``.

A candidate line, and the lines that give a file's first and last time, are parsed in full by
:func:`wormcast.audit.formats.parse_ncsa`, which also checks month names, calendar validity and the
status and size fields. docs/audit.md states the same definition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .formats import MAX_YEAR, MIN_YEAR

_DIGIT_OFFSETS = np.array([1, 2, 8, 9, 10, 11, 13, 14, 16, 17, 19, 20, 23, 24, 25, 26])
_FIXED = ((3, ord("/")), (7, ord("/")), (12, ord(":")), (15, ord(":")), (18, ord(":")), (21, ord(" ")),
          (27, ord("]")), (28, ord(" ")), (29, ord('"')), (-1, ord(" ")))
_DOT = ord(".")
_QUOTE = ord('"')
_WIDTH = 31  # the byte before '[' and the 30 from '[' to the request's opening quote (included)
_FIXED_POS = np.array([off + 1 for off, _ in _FIXED])
_FIXED_VAL = np.array([ch for _, ch in _FIXED], dtype=np.uint8)
_DIGIT_POS = _DIGIT_OFFSETS + 1
_YEAR_POS = 9  # the year's four digits: win[:, 9:13]


@dataclass
class BlockResult:
    """Per-line verdicts for one block of whole lines."""

    starts: np.ndarray  # byte offset of each line in the block
    ends: np.ndarray  # end offset, excluding "\r\n"
    shape_ok: np.ndarray  # bool per line: passes the shape check
    blank: np.ndarray  # bool per line: empty (or only "\r")
    overlong: np.ndarray  # bool per line
    candidates: np.ndarray  # sorted indices of lines that contain a marker
    time_bad: np.ndarray  # bool per line: NCSA-shaped, but its year is outside the accepted range


class MarkerFinder:
    """Find lines holding any of several lower-case markers, case-insensitively.

    Folding is ``byte | 0x20``: it maps A-Z onto a-z and leaves digits, '.', '/', '%', '?' alone;
    it can only add false candidates (which the full parse then rejects), never lose a match.
    A marker with a '.' is anchored on the block's dots (exact '.' bytes; the dots are located
    once per block and filtered by the byte next to them, then the few left are checked in full);
    a marker without one is searched with ``bytes.find`` in a folded copy of the block.
    """

    def __init__(self, markers: tuple[bytes, ...]):
        fold = lambda m: bytes(b | 0x20 for b in m)  # noqa: E731
        self.dotted: list[tuple[np.ndarray, int]] = []  # (folded marker, index of its first dot)
        self.plain: list[bytes] = []
        self.filters: dict[int, np.ndarray] = {}  # offset from the dot -> allowed folded bytes there
        for m in markers:
            fm = fold(m)
            k = fm.find(b".")
            if k < 0 or len(fm) == 1:
                self.plain.append(fm)
                continue
            rel = 1 if k + 1 < len(fm) else -1
            lut = self.filters.setdefault(rel, np.zeros(256, dtype=bool))
            c = fm[k + rel]
            lut[c] = lut[c & 0xDF] = True  # the bytes that fold onto c
            self.dotted.append((np.frombuffer(fm, np.uint8), k))

    def positions(self, arr: np.ndarray) -> np.ndarray:
        n = len(arr)
        found = []
        if self.dotted:
            dots = np.flatnonzero(arr == _DOT)
            keep = np.zeros(len(dots), dtype=bool)
            for rel, lut in self.filters.items():
                idx = np.clip(dots + rel, 0, n - 1)
                keep |= lut[arr[idx]]
            dots = dots[keep]
            for m, k in self.dotted:
                q = dots - k
                q = q[(q >= 0) & (q + len(m) <= n)]
                for j in range(len(m)):
                    if not len(q):
                        break
                    q = q[(arr[q + j] | np.uint8(0x20)) == m[j]]
                found.append(q)
        if self.plain:
            data = (arr | np.uint8(0x20)).tobytes()
            for m in self.plain:
                pos, hits = data.find(m), []
                while pos >= 0:
                    hits.append(pos)
                    pos = data.find(m, pos + 1)
                found.append(np.array(hits, dtype=np.int64))
        if not found:
            return np.empty(0, dtype=np.int64)
        return np.concatenate(found)


def scan_block(arr: np.ndarray, fmt: str, finder: MarkerFinder, max_line: int) -> BlockResult:
    """Verdicts for a block that holds whole lines only (it ends with a newline)."""
    nl = np.flatnonzero(arr == 10)
    n = len(nl)
    starts = np.empty(n, dtype=np.int64)
    if n:
        starts[0] = 0
        starts[1:] = nl[:-1] + 1
    ends = nl.copy()
    has = ends > starts
    cr = np.zeros(n, dtype=bool)
    cr[has] = arr[ends[has] - 1] == 13
    ends -= cr
    length = ends - starts
    blank = length == 0
    overlong = length > max_line

    ok = ~blank & ~overlong
    quotes = np.flatnonzero(arr == _QUOTE)
    if len(quotes) and n:
        # Quotes of line i: quotes[e0[i]:e1[i]]; its first one opens the request.
        e1 = np.searchsorted(quotes, nl)
        e0 = np.empty_like(e1)
        e0[0] = 0
        e0[1:] = e1[:-1]
        nq = e1 - e0
        ok &= nq >= (6 if fmt == "combined" else 2)
        fq = quotes[np.minimum(e0, len(quotes) - 1)]
        ok &= fq >= starts + (_WIDTH + 4)
        # One gather of the 31 bytes that end with each line's first quote, then column tests.
        src = arr if len(arr) >= _WIDTH else np.concatenate((arr, np.zeros(_WIDTH, np.uint8)))
        win = sliding_window_view(src, _WIDTH)[np.where(ok, fq - (_WIDTH - 1), 0)]
        ok &= (win[:, _FIXED_POS] == _FIXED_VAL).all(axis=1)
        ok &= ((win[:, _DIGIT_POS] - np.uint8(48)) < 10).all(axis=1)
        tz = win[:, 23]
        ok &= (tz == ord("+")) | (tz == ord("-"))
        yd = win[:, _YEAR_POS:_YEAR_POS + 4].astype(np.int32) - 48
        year = ((yd[:, 0] * 10 + yd[:, 1]) * 10 + yd[:, 2]) * 10 + yd[:, 3]
        time_bad = ok & ((year < MIN_YEAR) | (year > MAX_YEAR))
        ok &= ~time_bad
        last = arr[np.maximum(ends - 1, 0)]
        if fmt == "combined":
            ok &= last == _QUOTE
        else:
            ok &= ((last >= 48) & (last <= 57)) | (last == ord("-"))
    else:
        ok &= False
        time_bad = np.zeros(n, dtype=bool)

    pos = finder.positions(arr)
    cand = np.unique(np.searchsorted(nl, pos)) if len(pos) else np.empty(0, dtype=np.int64)
    cand = cand[cand < n]
    return BlockResult(starts, ends, ok, blank, overlong, cand, time_bad)
