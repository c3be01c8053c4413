"""Vectorised scanning of NCSA (common/combined) log blocks: the audit's fast path.

Parsing every line in Python runs at a few MB/s; worm requests are a small share of a busy
server's log. So a block of a few MB is handled with numpy: newlines are located at once, every
line gets a cheap *shape check*, and only lines containing a rule marker (found case-insensitively
on a case-folded copy) are fully parsed. Precisely, a line that is not a marker candidate is
well-formed in fast mode when:

- it is at most ``max_line`` bytes long (else it is malformed: over-long);
- its first ``[`` is preceded by a space and at least 6 bytes into the line (host, ident, user);
- a timestamp of the exact shape ``[dd/Mon/yyyy:hh:mm:ss +hhmm]`` (digits where digits go) follows,
  then `` "`` opening the request;
- it has at least 2 (common) or 6 (combined) double quotes, and ends with a digit or ``-`` (common)
  or with ``"`` (combined).

A candidate line, and the lines that give a file's first and last time, are parsed in full by
:func:`wormcast.audit.formats.parse_ncsa`, which also checks month names, calendar validity and the
status and size fields. docs/audit.md states the same definition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

_DIGIT_OFFSETS = np.array([1, 2, 8, 9, 10, 11, 13, 14, 16, 17, 19, 20, 23, 24, 25, 26])
_FIXED = ((3, ord("/")), (7, ord("/")), (12, ord(":")), (15, ord(":")), (18, ord(":")), (21, ord(" ")),
          (27, ord("]")), (28, ord(" ")), (29, ord('"')), (-1, ord(" ")))
_DOT = ord(".")
_WIDTH = 31  # the byte before '[' and the 30 from '[' to the request's opening quote
_FIXED_POS = np.array([off + 1 for off, _ in _FIXED])
_FIXED_VAL = np.array([ch for _, ch in _FIXED], dtype=np.uint8)
_DIGIT_POS = _DIGIT_OFFSETS + 1


@dataclass
class BlockResult:
    """Per-line verdicts for one block of whole lines."""

    starts: np.ndarray  # byte offset of each line in the block
    ends: np.ndarray  # end offset, excluding "\r\n"
    shape_ok: np.ndarray  # bool per line: passes the shape check
    blank: np.ndarray  # bool per line: empty (or only "\r")
    overlong: np.ndarray  # bool per line
    candidates: np.ndarray  # sorted indices of lines that contain a marker


class MarkerFinder:
    """Find lines holding any of several lower-case markers, case-insensitively, in a folded block.

    Folding is ``byte | 0x20``: it maps A-Z onto a-z and leaves digits, '.', '/', '%', '?' alone;
    it can only add false candidates (which the full parse then rejects), never lose a match.
    Markers with a '.' are anchored on the block's dots; others use ``bytes.find``.
    """

    def __init__(self, markers: tuple[bytes, ...]):
        fold = lambda m: bytes(b | 0x20 for b in m)  # noqa: E731
        self.dotted: dict[int, list[tuple[np.ndarray, int]]] = {}
        self.plain: list[bytes] = []
        for m in markers:
            fm = fold(m)
            k = fm.find(b".")
            if k < 0 or len(fm) == 1:
                self.plain.append(fm)
                continue
            nxt = fm[k + 1] if k + 1 < len(fm) else fm[k - 1]
            self.dotted.setdefault(nxt, []).append((np.frombuffer(fm, np.uint8), k))

    def positions(self, arr: np.ndarray) -> np.ndarray:
        folded = arr | np.uint8(0x20)
        n = len(folded)
        found = []
        if self.dotted:
            dots = np.flatnonzero(folded == _DOT)
            dots = dots[dots + 1 < n]
            after = folded[dots + 1]
            before = folded[np.maximum(dots - 1, 0)]
            for c, group in self.dotted.items():
                for m, k in group:
                    sel = dots[(after if k + 1 < len(m) else before) == c]
                    q = sel - k
                    q = q[(q >= 0) & (q + len(m) <= n)]
                    for j in range(len(m)):
                        if not len(q):
                            break
                        q = q[folded[q + j] == m[j]]
                    found.append(q)
        if self.plain:
            data = folded.tobytes()
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
    lb = np.flatnonzero(arr == ord("["))
    if len(lb) and n:
        i = np.minimum(np.searchsorted(lb, starts), len(lb) - 1)
        b = lb[i]
        ok &= (b >= starts + 6) & (b + 30 < ends + 1) & (b + 29 < len(arr))
        # One gather of the 30 bytes from each line's '[' (plus the byte before), then column tests.
        padded = np.concatenate((arr, np.zeros(_WIDTH, np.uint8)))
        bb = np.where(ok, b, 1) - 1
        win = sliding_window_view(padded, _WIDTH)[bb]
        ok &= (win[:, _FIXED_POS] == _FIXED_VAL).all(axis=1)
        ok &= ((win[:, _DIGIT_POS] - np.uint8(48)) < 10).all(axis=1)
        tz = win[:, 23]
        ok &= (tz == ord("+")) | (tz == ord("-"))
        quotes = np.flatnonzero(arr == ord('"'))
        edges = np.searchsorted(quotes, np.concatenate(([0], nl)))
        nq = np.diff(edges)
        last = arr[np.maximum(ends - 1, 0)]
        if fmt == "combined":
            ok &= (nq >= 6) & (last == ord('"'))
        else:
            ok &= (nq >= 2) & (((last >= 48) & (last <= 57)) | (last == ord("-")))
    else:
        ok &= False

    pos = finder.positions(arr)
    cand = np.unique(np.searchsorted(nl, pos)) if len(pos) else np.empty(0, dtype=np.int64)
    cand = cand[cand < n]
    return BlockResult(starts, ends, ok, blank, overlong, cand)
