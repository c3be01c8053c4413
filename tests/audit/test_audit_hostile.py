"""Property-based: no input line, however hostile, crashes a parser or the reader."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from wormcast.audit.formats import IISParser, Malformed, parse_ncsa, parse_urlscan
from wormcast.audit.reader import read_log
from wormcast.audit.rules import RuleSet
from wormcast.audit.synth import CODERED1, NIMDA

MARKERS = RuleSet.load().markers
PIECES = [b" ", b"  ", b'"', b"[", b"]", b"\r", b"\t", b"\x00", b"\xff\xfe", b"#Fields: date time c-ip cs-uri-stem",
          b"19/Jul/2001:10:00:00 -0600", b"2001-07-19 10:00:00", b"[Thu, Sep 27 2001 - 23:19:36] Client at ",
          b"Raw URL='", CODERED1.encode(), NIMDA[4].encode(), b"cmd.exe", b"ROOT.EXE", b"..%c0%af..", b"GET ",
          b" HTTP/1.0\" 200 1", b"<script>alert(1)</script>", b"%u9090", b"\xe2\x80\xae", b"999/Foo/0000:99:99:99 +9999"]
hostile_line = st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=40)), max_size=12).map(b"".join)
TEXT = hostile_line.map(lambda b: b.decode("utf-8", "replace").replace("\n", " "))


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_line_parsers_only_raise_malformed(line):
    for parse in (lambda s: parse_ncsa(s, "combined"), lambda s: parse_ncsa(s, "common"), parse_urlscan):
        try:
            parse(line)
        except Malformed:
            pass
    iis = IISParser()
    for s in ("#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status", line):
        try:
            iis(s)
        except Malformed:
            pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_line, max_size=30), st.sampled_from(["combined", "common", "iis", "urlscan"]))
def test_reader_survives_hostile_files(lines, fmt):
    data = b"\n".join(lines)
    assume(not data.startswith((b"\x1f\x8b", b"BZh")))  # compressed-file magic: a different test
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "h.log"
        p.write_bytes(data)
        seen = []
        results = [read_log(p, fmt, lambda ln, req, raw: seen.append(ln), MARKERS, fast) for fast in (True, False)]
    expected_lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    for r in results:
        assert r.lines == expected_lines
        assert r.malformed_lines + r.blank_lines <= r.lines
        assert r.error is None
    assert all(1 <= ln <= expected_lines for ln in seen)


DAY = st.integers(0, 99).map(lambda d: f"{d:02d}")
YEAR = st.one_of(st.sampled_from([1, 1969, 1970, 1989, 1990, 2001, 2099, 2100, 9999]), st.integers(0, 9999))
ZONE = st.sampled_from(["+0000", "-1400", "+1400", "+9959", "-0600", "+0100"])
MON = st.sampled_from(["Jan", "Feb", "Jul", "Dec", "Foo", "jUL"])
HMS = st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)).map(lambda t: "%02d:%02d:%02d" % t)
URI = st.sampled_from(["/index.html", CODERED1, NIMDA[0] + "?/c+dir", "/x.ida?NNNN", "/a/../../b"])


@st.composite
def dated_line(draw, fmt):
    d, y, mon, hms, uri = draw(DAY), draw(YEAR), draw(MON), draw(HMS), draw(URI)
    if fmt == "combined":
        return f'1.2.3.4 - - [{d}/{mon}/{y:04d}:{hms} {draw(ZONE)}] "GET {uri} HTTP/1.0" 404 1 "-" "-"'
    if fmt == "iis":
        return f"{y:04d}-{draw(DAY)[:2]}-{d} {hms} 1.2.3.4 GET {uri.partition('?')[0]} - 404"
    return f"[Fri, {mon} {d} {y:04d} - {hms}] Client at 1.2.3.4: rejected. Raw URL='{uri.partition('?')[0]}'"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["combined", "iis", "urlscan"]).flatmap(
    lambda fmt: st.tuples(st.just(fmt), st.lists(st.one_of(dated_line(fmt), TEXT), min_size=1, max_size=25))))
def test_extreme_dates_are_parsed_or_malformed(case):
    """Every line with a date, valid or absurd (year 0 or 9999, month 99, zone +9959), is either a
    request with a time inside the accepted range or a malformed line; nothing raises."""
    from wormcast.audit.formats import TIME_MAX, TIME_MIN

    fmt, lines = case
    head = ["#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status"] if fmt == "iis" else []
    data = "\n".join(head + [s.replace("\n", " ").replace("\r", " ") for s in lines]).encode() + b"\n"
    assume(not data.startswith((b"\x1f\x8b", b"BZh")))
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "h.log"
        p.write_bytes(data)
        for fast in (True, False):
            seen = []
            r = read_log(p, fmt, lambda ln, req, raw: seen.append(req), MARKERS, fast)
            assert r.lines == data.count(b"\n") and r.error is None
            assert all(TIME_MIN <= q.time < TIME_MAX for q in seen)
            if not fast:
                # Full parse: every line is a request, a legitimate non-request (a directive,
                # a banner), blank, or malformed, and never two of these.
                legit = sum(1 for s in data.split(b"\n")[:-1] if s.startswith(b"#") or b"Client at" not in s
                            and fmt == "urlscan")
                assert len(seen) + r.malformed_lines + r.blank_lines <= r.lines
                assert len(seen) + r.malformed_lines + r.blank_lines + legit >= r.lines
            for t in (r.first_time, r.last_time):
                assert t is None or TIME_MIN <= t < TIME_MAX
