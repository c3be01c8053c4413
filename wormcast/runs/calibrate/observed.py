"""Observations to calibrate against: a telescope series (wormcast's ``telescope-<name>.parquet``, or a CSV
with its columns ``time, packets, unique_sources, new_sources``) or an audit's ``audit.json`` (its timeline:
``probes`` and ``new_sources`` per bin for one signature, over one or more server logs).

Every series becomes :class:`Observed`: bins of one width (their starts in seconds since the epoch, UTC)
and non-negative integer counts per series. The kind of file is read from its first bytes (Parquet's
``PAR1``, JSON's ``{``), else CSV. Any problem is one line naming the file (and row) and what is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...errors import WormcastError, flag

TELESCOPE_COLUMNS = ("packets", "unique_sources", "new_sources")  # unique_sources: cumulative (not fitted)
TELESCOPE_FIT = ("new_sources",)  # fitted by default (docs/calibration.md: why not packets)
SERVER_FIT = ("new_sources",)
MAX_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Observed:
    """``kind``: "telescope" or "server"; ``starts``: bin starts (s since the epoch); ``width``: seconds;
    ``series``: name -> counts per bin (``packets``, ``new_sources``, and for a telescope written by wormcast
    ``active_sources``, the sources seen in the interval; its cumulative ``unique_sources`` is checked, not
    fitted: its increments are ``new_sources``)."""

    kind: str
    path: str
    starts: np.ndarray
    width: float
    series: dict = field(default_factory=dict)
    signature: str | None = None

    def fitted(self, names) -> np.ndarray:
        return np.concatenate([self.series[n] for n in names])


def _fail(path, what: str) -> WormcastError:
    return WormcastError(f"{flag('--observed', path)}: {what}")


def _counts(path, name: str, values, row_offset: int = 2) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    bad = ~np.isfinite(v) | (v < 0) | (v != np.round(v))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        shown = values[i].item() if hasattr(values[i], "item") else values[i]
        raise _fail(path, f"row {i + row_offset}: {name} = {shown!r} is not a non-negative whole number")
    return v


def _grid(path, seconds: np.ndarray) -> float:
    """The bins' width; the bins must be in time order, one width apart (gaps allowed: whole widths)."""
    if seconds.size == 0:
        raise _fail(path, "no rows")
    if not np.isfinite(seconds).all():
        raise _fail(path, "a time is missing")
    if seconds.size == 1:
        raise _fail(path, "one row: at least two intervals are needed to know their width")
    d = np.diff(seconds)
    if (d <= 0).any():
        i = int(np.flatnonzero(d <= 0)[0])
        raise _fail(path, f"row {i + 3}: times are not in increasing order")
    width = float(d.min())
    k = d / width
    if (np.abs(k - np.round(k)) > 1e-6).any():
        raise _fail(path, f"the times are not on one grid of {width:g} s intervals")
    return width


def _seconds(times) -> np.ndarray:
    import pandas as pd

    t = pd.to_datetime(times, utc=True)
    return ((t - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)).to_numpy(dtype=float)


def read_telescope(path: Path, frame) -> Observed:
    missing = [c for c in ("time", *TELESCOPE_COLUMNS) if c not in frame.columns]
    if missing:
        raise _fail(path, f"no column {', '.join(missing)} (expected time, {', '.join(TELESCOPE_COLUMNS)})")
    try:
        seconds = _seconds(frame["time"])
    except (ValueError, TypeError, OverflowError) as exc:
        raise _fail(path, f"column time: not timestamps ({' '.join(str(exc).split())[:120]})") from None
    width = _grid(path, seconds)
    counts = {}
    for c in (*TELESCOPE_COLUMNS, *(["active_sources"] if "active_sources" in frame.columns else [])):
        try:
            counts[c] = _counts(path, c, frame[c].to_numpy())
        except (ValueError, TypeError):
            raise _fail(path, f"column {c}: not numbers") from None
    falls = np.flatnonzero(np.diff(counts["unique_sources"]) < 0)
    if falls.size:  # a per-interval count under the cumulative column's name would be fitted as nonsense
        raise _fail(path, f"row {int(falls[0]) + 3}: unique_sources falls; it is the cumulative count of sources "
                          "seen (per interval: active_sources)")
    series = {c: v for c, v in counts.items() if c != "unique_sources"}
    return Observed("telescope", str(path), seconds, width, series)


def read_audit(path: Path, doc, signature: str | None) -> Observed:
    """The timeline of ``signature`` (default: the only worm signature, or ``all``), with zero bins over the
    span of the logs (their first to last dated line) where the worm sent nothing."""
    from ...audit.timeline import ALL

    tl = doc.get("timeline") if isinstance(doc, dict) else None
    if not isinstance(tl, dict) or not isinstance(tl.get("rows"), list) or not tl["rows"]:
        raise _fail(path, "an audit.json without timeline rows (no worm probes in the logs?)")
    width = tl.get("bin_seconds")
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not width > 0:
        raise _fail(path, f"timeline.bin_seconds = {width!r}: expected a positive number")
    rows = tl["rows"]
    names = sorted({r.get("signature") for r in rows if isinstance(r, dict)} - {None})
    if signature is None:
        worms = [n for n in names if n != ALL]
        signature = worms[0] if len(worms) == 1 else ALL
    if signature not in names:
        raise _fail(path, f"signature {signature!r} is not in its timeline (it has {', '.join(map(str, names))})")
    picked = [r for r in rows if isinstance(r, dict) and r.get("signature") == signature]
    try:
        starts = _seconds([r["bin_start"] for r in picked])
        probes = [r["probes"] for r in picked]
        fresh = [r["new_sources"] for r in picked]
    except (KeyError, ValueError, TypeError):
        raise _fail(path, "timeline rows need bin_start (a time), probes and new_sources") from None
    probes, fresh = _counts(path, "probes", probes, 1), _counts(path, "new_sources", fresh, 1)
    spans = []
    for f in doc.get("files") or []:
        if isinstance(f, dict) and f.get("first_time") and f.get("last_time"):
            try:
                spans.append(_seconds([f["first_time"], f["last_time"]]))
            except (ValueError, TypeError):
                raise _fail(path, f"files: first_time/last_time of {f.get('path')!r} are not times") from None
    idx = np.round(starts / width).astype(np.int64)
    lo, hi = int(idx.min()), int(idx.max())
    if spans:
        lo = min(lo, int(min(s[0] for s in spans) // width))
        hi = max(hi, int(max(s[1] for s in spans) // width))
    grid = np.arange(lo, hi + 1)
    series = {"packets": np.zeros(grid.size), "new_sources": np.zeros(grid.size)}
    np.add.at(series["packets"], idx - lo, probes)
    np.add.at(series["new_sources"], idx - lo, fresh)
    return Observed("server", str(path), grid * float(width), float(width), series, signature)


def read_observed(path, signature: str | None = None) -> Observed:
    """Read ``path`` (Parquet, CSV or audit.json, told apart by their first bytes)."""
    import pandas as pd

    path = Path(path)
    try:
        if not path.is_file():
            raise _fail(path, "no such file" if not path.exists() else "not a regular file")
        if path.stat().st_size > MAX_BYTES:
            raise _fail(path, f"larger than {MAX_BYTES >> 20} MiB")
        head = path.open("rb").read(4)
    except OSError as exc:
        raise _fail(path, f"cannot read ({exc.strerror or exc})") from None
    if not head:
        raise _fail(path, "empty file")
    try:
        if head == b"PAR1":
            return read_telescope(path, pd.read_parquet(path))
        if head.lstrip()[:1] == b"{":
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise _fail(path, f"not valid JSON ({exc})") from None
            return read_audit(path, doc, signature)
        return read_telescope(path, pd.read_csv(path))
    except WormcastError:
        raise
    except Exception as exc:  # pyarrow's and pandas' parse errors: a garbled file
        raise _fail(path, f"cannot read it as a telescope series ({type(exc).__name__}: "
                          f"{' '.join(str(exc).split())[:160]})") from None
