"""Line parsers for the log formats the audit reads, and per-file format detection.

Each parser takes one decoded line (no newline) and returns a :class:`Request`, ``None`` for a line
that carries no request but is legitimate (a comment, a banner), or raises :class:`Malformed` with a
short reason. Parsers are strict about structure (so damage is counted) and lenient about what real
servers wrote (two spaces in a request line, no HTTP version, lowercase methods).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from ..util.timeutil import iso_epoch

FORMATS = ("combined", "common", "iis", "urlscan")

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


iso = iso_epoch  # seconds since the epoch as ISO 8601 UTC text (the one formatter: util/timeutil.py)


class Malformed(ValueError):
    """A line that should be log data but does not parse; the message says why."""


@dataclass(slots=True)
class Request:
    """One HTTP request as logged. ``time`` is seconds since the epoch, UTC."""

    time: float
    client: str
    method: str  # as logged (case kept); "" when the log does not record it
    uri: str  # path, plus "?" and the query when the log has one
    status: int | None
    version: str | None = None  # "HTTP/1.0" as logged; "" for a request line without one; None: not logged


# The times the audit accepts, UTC: [TIME_MIN, TIME_MAX). A line dated outside is malformed (its time
# cannot be used: Python's datetime, pandas and matplotlib cannot all hold years 1 or 9999, and a probe
# dated 1970 or 2500 is a broken clock, not an outbreak). The one place this range is applied is
# :func:`check_time`; the fast scanner's shape check tests the same years (MIN_YEAR..MAX_YEAR).
MIN_YEAR, MAX_YEAR = 1990, 2099
TIME_MIN = float(datetime(MIN_YEAR, 1, 1, tzinfo=timezone.utc).timestamp())  # 1990-01-01T00:00:00Z
TIME_MAX = float(datetime(MAX_YEAR + 1, 1, 1, tzinfo=timezone.utc).timestamp())  # 2100-01-01T00:00:00Z
TIME_REASON = f"time outside the accepted range {MIN_YEAR}-01-01 to {MAX_YEAR + 1}-01-01 UTC"


def check_time(t: float) -> float:
    """``t`` if it lies in the accepted range [1990-01-01, 2100-01-01) UTC, else :class:`Malformed`."""
    if not TIME_MIN <= t < TIME_MAX:
        raise Malformed(TIME_REASON)
    return t


def _utc_seconds(year: int, month: int, day: int, hh: int, mm: int, ss: int, offset_s: int = 0) -> float:
    try:
        dt = datetime(year, month, day, hh, mm, ss, tzinfo=timezone.utc)
    except ValueError as exc:
        raise Malformed(f"bad timestamp ({exc})") from None
    return dt.timestamp() - offset_s


def _epoch(year: int, month: int, day: int, hh: int, mm: int, ss: int, offset_s: int = 0) -> float:
    return check_time(_utc_seconds(year, month, day, hh, mm, ss, offset_s))




def split_request(req: str) -> tuple[str, str, str]:
    """Method (case kept), URI and version ("" if none) of a request line, tolerating doubled spaces."""
    parts = req.split()
    if not parts or req == "-":
        return "", "", ""
    method = parts[0]
    rest = parts[1:]
    version = ""
    if rest and rest[-1].upper().startswith("HTTP/"):
        version = rest[-1]
        rest = rest[:-1]
    return method, " ".join(rest), version


# ---------------------------------------------------------------- NCSA common / combined
_NCSA = re.compile(
    r"(?P<host>[^ ]+) (?P<ident>[^ ]+) (?P<user>[^ ]+) "
    r"\[(?P<d>\d{2})/(?P<mon>[A-Za-z]{3})/(?P<y>\d{4}):(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2}) "
    r"(?P<tz>[+-]\d{4})\] "
    r'"(?P<req>.*?)" (?P<status>\d{3}|-) (?P<bytes>\d+|-)'
    r'(?P<tail> "(?:[^"\\]|\\.)*" "(?:[^"\\]|\\.)*")?(?P<extra>.*)'
)


_DAY_CACHE: dict[tuple[str, str, str, str], float] = {}


def _ncsa_day(d: str, mon: str, y: str, tz: str) -> float:
    """Epoch seconds of local midnight for an NCSA date and offset, cached (a log has few days)."""
    key = (d, mon, y, tz)
    t = _DAY_CACHE.get(key)
    if t is None:
        month = _MONTHS.get(mon.lower())
        if month is None:
            raise Malformed(f"bad month {mon!r}")
        offset = (int(tz[1:3]) * 3600 + int(tz[3:5]) * 60) * (-1 if tz[0] == "-" else 1)
        t = _utc_seconds(int(y), month, int(d), 0, 0, 0, offset)  # checked with the time of day added
        if len(_DAY_CACHE) > 4096:
            _DAY_CACHE.clear()
        _DAY_CACHE[key] = t
    return t


def parse_ncsa(line: str, fmt: str) -> Request:
    """Parse an NCSA ``common`` or ``combined`` line (Apache, nginx); the two are told apart by the tail."""
    m = _NCSA.fullmatch(line.rstrip("\r"))
    if m is None:
        raise Malformed("not an NCSA log line")
    host, _, _, d, mon, y, H, M, S, tz, req, status, _, tail, extra = m.groups()
    if fmt == "combined":
        if tail is None:
            raise Malformed("combined line without quoted referer and user agent")
        # Some servers append fields (response time, host) after the user agent: allowed.
    elif tail is not None or extra.strip():
        raise Malformed("common line with extra fields")
    hh, mm, ss = int(H), int(M), int(S)
    if hh > 23 or mm > 59 or ss > 60:
        raise Malformed("bad time of day")
    t = check_time(_ncsa_day(d, mon, y, tz) + hh * 3600 + mm * 60 + ss)
    method, uri, version = split_request(req)
    return Request(t, host, method, uri, None if status == "-" else int(status), version)


# ---------------------------------------------------------------- IIS W3C extended
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}:\d{2}(?:\.\d+)?")
_NEEDED = ("cs-uri-stem", "cs-uri")


class IISParser:
    """W3C extended format, driven by the latest ``#Fields:`` directive (which may change mid-file).

    Times are UTC by the format's definition. Lines before any ``#Fields:`` are malformed.
    """

    def __init__(self) -> None:
        self.fields: dict[str, int] | None = None
        self.date: str | None = None  # from #Date, for logs whose fields carry time but no date

    def __call__(self, line: str) -> Request | None:
        line = line.rstrip("\r")
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            key = key.strip().lower()
            if key == "fields":
                names = [f.lower() for f in value.split()]
                if not names:
                    raise Malformed("empty #Fields directive")
                self.fields = {n: i for i, n in enumerate(names)}
            elif key == "date":
                d = value.split()
                self.date = d[0] if d and _DATE.fullmatch(d[0]) else None
            elif key not in ("software", "version", "start-date", "end-date", "remark"):
                raise Malformed(f"unknown directive #{key[:40]}")
            return None
        if self.fields is None:
            raise Malformed("data line before any #Fields directive")
        vals = line.split()
        f = self.fields
        if len(vals) != len(f):
            raise Malformed(f"{len(vals)} fields where #Fields names {len(f)}")
        date = vals[f["date"]] if "date" in f else self.date
        tm = vals[f["time"]] if "time" in f else None
        if date is None or tm is None or not _DATE.fullmatch(date) or not _TIME.fullmatch(tm):
            raise Malformed("missing or bad date/time field")
        t = _epoch(int(date[:4]), int(date[5:7]), int(date[8:10]), int(tm[:2]), int(tm[3:5]), int(tm[6:8]))
        status = None
        if "sc-status" in f:
            s = vals[f["sc-status"]]
            if s != "-":
                if not s.isdigit() or len(s) != 3:
                    raise Malformed(f"bad sc-status {s[:20]!r}")
                status = int(s)
        if "cs-uri-stem" in f:
            uri = vals[f["cs-uri-stem"]]
            q = vals[f["cs-uri-query"]] if "cs-uri-query" in f else "-"
            if q != "-":
                uri = f"{uri}?{q}"
        elif "cs-uri" in f:
            uri = vals[f["cs-uri"]]
        else:
            raise Malformed("#Fields has neither cs-uri-stem nor cs-uri")
        client = vals[f["c-ip"]] if "c-ip" in f else "-"
        method = vals[f["cs-method"]] if "cs-method" in f else ""
        version = vals[f["cs-version"]] if "cs-version" in f else None
        return Request(t, client, method, uri, status, version)


# ---------------------------------------------------------------- Microsoft UrlScan 2.x
_URLSCAN = re.compile(
    r"\[(?:[A-Za-z]{3}, )?(?P<mon>[A-Za-z]{3}) (?P<d>\d{1,2}) (?P<y>\d{4}) - "
    r"(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})\] (?P<msg>.*)"
)
_CLIENT = re.compile(r"Client at (?P<ip>[^:\s]+(?::[0-9a-fA-F:]+)?): .*?Raw URL='(?P<url>.*)'\s*$")


def parse_urlscan(line: str) -> Request | None:
    """UrlScan 2.x: ``[Thu, Sep 27 2001 - 23:19:36] Client at A.B.C.D: ... Raw URL='/x'``.

    The log has no time zone; times are taken as UTC (see docs/audit.md). Banner and
    configuration lines are legitimate log data without a request (``None``). Every
    logged request was rejected by UrlScan, so it has no status.
    """
    m = _URLSCAN.fullmatch(line.rstrip("\r"))
    if m is None:
        raise Malformed("not a UrlScan line")
    mon = _MONTHS.get(m["mon"].lower())
    if mon is None:
        raise Malformed(f"bad month {m['mon']!r}")
    msg = m["msg"]
    if not msg.startswith("Client at "):
        return None
    c = _CLIENT.match(msg)
    if c is None:
        raise Malformed("UrlScan client line without Raw URL")
    t = _epoch(int(m["y"]), mon, int(m["d"]), int(m["H"]), int(m["M"]), int(m["S"]))
    return Request(t, c["ip"], "", c["url"], None)


def make_parser(fmt: str):
    """A callable line -> Request | None for ``fmt`` (stateful for IIS, so one per file)."""
    if fmt in ("combined", "common"):
        return lambda line: parse_ncsa(line, fmt)
    if fmt == "iis":
        return IISParser()
    if fmt == "urlscan":
        return parse_urlscan
    raise ValueError(f"unknown format {fmt!r}")


def detect_format(lines: list[str]) -> str | None:
    """Guess the format from a file's first lines: the first one any parser accepts decides."""
    for line in lines:
        s = line.strip()
        if not s:
            continue
        if s.startswith("#Fields:") or s.startswith("#Software: Microsoft Internet Information"):
            return "iis"
        if _URLSCAN.fullmatch(s):
            return "urlscan"
        for fmt in ("combined", "common"):
            try:
                parse_ncsa(s, fmt)
                return fmt
            except Malformed:
                pass
    return None


def format_matches(fmt: str, lines: list[str]) -> bool:
    """Whether a forced format parses at least one of the sampled lines (or the sample is empty)."""
    nonblank = [s for s in (line.strip() for line in lines) if s]
    if not nonblank:
        return True
    parser = make_parser(fmt)
    for s in nonblank:
        try:
            if parser(s) is not None:
                return True
        except Malformed:
            continue
    return False
