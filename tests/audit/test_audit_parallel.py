"""The parallel reader (large plain NCSA files) and block/range boundaries: same results as serial."""

from __future__ import annotations

import json

import numpy as np
import pytest
from audit_helpers import cli

from wormcast.audit import parallel, reader
from wormcast.audit.fastscan import MarkerFinder, scan_block
from wormcast.audit.rules import RuleSet
from wormcast.audit.run import run_audit
from wormcast.audit.synth import CODERED1, generate

MARKERS = RuleSet.load().markers
GOOD = b'1.2.3.4 - - [19/Jul/2001:10:00:00 +0000] "GET /index.html HTTP/1.0" 200 512 "-" "Mozilla/4.0"'


def _state(det):
    """Everything the detector found, in comparable form (arrival times per signature included)."""
    return (det.signatures(), det.source_rows(), [list(det.arrivals([n])[0]) for n in det.names],
            list(det.timeline().rows()), det.evidence)


def _worm(i: int) -> bytes:
    return (f'9.9.{i // 256}.{i % 256} - - [19/Jul/2001:10:{i // 60 % 60:02d}:{i % 60:02d} +0000] '
            f'"GET {CODERED1} HTTP/1.0" 200 0 "-" "-"').encode()


@pytest.fixture
def small_pieces(monkeypatch):
    """Make a few hundred KB look large: tiny blocks and ranges, parallel from 0 bytes."""
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "RANGE_BYTES", 20_000)
    monkeypatch.setattr(reader, "BLOCK", 4096)


def _messy_log(tmp_path, crlf=False):
    lines, truth = generate("combined", 3000, seed=7)  # blank, malformed, 1 MB lines, worms, compromise
    p = tmp_path / "messy.log"
    p.write_bytes((b"\r\n" if crlf else b"\n").join(lines) + b"\n")
    return p, truth


@pytest.mark.parametrize("crlf", [False, True])
def test_parallel_and_serial_write_identical_audit_json(tmp_path, small_pieces, crlf):
    p, truth = _messy_log(tmp_path, crlf)
    calls = []
    orig = parallel.ParallelReader.read
    parallel.ParallelReader.read = lambda self, *a: calls.append(1) or orig(self, *a)
    try:
        docs = {}
        for jobs in ("1", "2", "3"):
            out = tmp_path / f"o{jobs}"
            assert cli([str(p), "--out", str(out), "--jobs", jobs]) == 0
            docs[jobs] = (out / "audit.json").read_bytes()
    finally:
        parallel.ParallelReader.read = orig
    assert len(calls) == 2  # jobs 2 and 3 went through the parallel reader
    assert docs["1"] == docs["2"] == docs["3"]
    doc = json.loads(docs["2"])
    f = doc["files"][0]
    assert (f["lines"], f["blank_lines"], f["malformed_lines"]) == (truth.lines, truth.blank_lines, truth.malformed_lines)
    assert doc["compromise_total"] == truth.compromise > 0
    assert len(f["malformed_examples"]) == 5


def test_serial_default_below_min_bytes_and_for_gzip(tmp_path, monkeypatch):
    import gzip

    p, _ = _messy_log(tmp_path)
    gz = tmp_path / "messy.log.gz"
    gz.write_bytes(gzip.compress(p.read_bytes()))
    pr = parallel.ParallelReader(RuleSet.load(), MARKERS, 2)
    assert not pr.wants(p, "combined", True)  # small
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    assert pr.wants(p, "combined", True)
    assert not pr.wants(gz, "combined", True)
    assert not pr.wants(p, "combined", False)
    assert not parallel.ParallelReader(RuleSet.load(), MARKERS, 1).wants(p, "combined", True)


def test_bad_jobs_is_an_argument_error(tmp_path):
    p, _ = _messy_log(tmp_path)
    with pytest.raises(Exception, match="--jobs 0"):
        run_audit([str(p)], jobs=0)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 50])
def test_split_ranges_cover_the_file_on_line_starts(tmp_path, n):
    data = b"".join(b"x" * (i % 37) + b"\n" for i in range(300)) + b"y" * 5000 + b"\nlast"
    p = tmp_path / "r.log"
    p.write_bytes(data)
    ranges = parallel.split_ranges(p, len(data), n)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    assert all(a < b for a, b in ranges) and all(r[1] == s[0] for r, s in zip(ranges, ranges[1:]))
    assert all(data[a - 1] == 10 for a, _ in ranges[1:])
    assert len(ranges) <= n


def test_split_ranges_inside_a_long_line(tmp_path):
    data = b"a\n" + b"z" * 200_000 + b"\nb\n"
    p = tmp_path / "r.log"
    p.write_bytes(data)
    # every nominal cut (50001, 100002, 150003) falls inside the long line: one cut after it
    assert parallel.split_ranges(p, len(data), 4) == [(0, 200_003), (200_003, len(data))]
    p.write_bytes(b"z" * 200_000)  # no newline at all: one range
    assert parallel.split_ranges(p, 200_000, 4) == [(0, 200_000)]


@pytest.mark.parametrize("fast", [True, False])
def test_marker_and_line_straddling_every_block_boundary(tmp_path, monkeypatch, fast):
    """Shift one Code Red line across a block boundary byte by byte: always one line, one request."""
    monkeypatch.setattr(reader, "BLOCK", 512)
    worm = _worm(1)
    k = worm.index(b".ida")
    for shift in range(0, len(worm) + 2, 7):
        pad = (b"x" * max(0, 512 - len(GOOD) - 2 - k - 2 + shift))
        data = GOOD + b"\n" + pad + b"\n" + worm + b"\n" + GOOD + b"\n"
        p = tmp_path / f"s{shift}.log"
        p.write_bytes(data)
        a = run_audit([str(p)], fast=fast, jobs=1)
        f = a.files[0]
        assert (f.lines, f.malformed_lines) == (4, 1 if pad else 0)
        assert a.detector.signatures()["codered1"]["requests"] == 1
        assert a.detector.evidence[0]["line"] == 3


def test_marker_straddling_range_boundaries(tmp_path, monkeypatch):
    """Many worm lines, ranges cut at every few hundred bytes: each request counted once, in order."""
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(reader, "BLOCK", 1000)
    lines = []
    for i in range(400):
        lines.append(_worm(i) if i % 3 == 0 else GOOD)
    p = tmp_path / "w.log"
    p.write_bytes(b"\n".join(lines) + b"\n")
    serial = run_audit([str(p)], jobs=1)
    for range_bytes in (333, 1000, 4096, 1 << 20):
        monkeypatch.setattr(parallel, "RANGE_BYTES", range_bytes)
        a = run_audit([str(p)], jobs=2)
        assert a.files[0].lines == 400 and a.files[0].malformed_lines == 0
        assert a.detector.signatures()["codered1"]["requests"] == 134
        assert [e["line"] for e in a.detector.evidence] == [e["line"] for e in serial.detector.evidence]
        assert _state(a.detector) == _state(serial.detector)
        assert a.detector.source_rows() == serial.detector.source_rows()
        assert (a.files[0].first_time, a.files[0].last_time) == (serial.files[0].first_time, serial.files[0].last_time)


CASES = [  # (line, well-formed by the fast shape check) for combined
    (GOOD, True),
    (GOOD + b"\r", True),  # CRLF: the "\r" is not part of the line
    (GOOD[:-1], False),  # does not end with a quote
    (GOOD.replace(b'"-" "Mozilla/4.0"', b'"-"'), False),  # 4 quotes
    (GOOD.replace(b"1.2.3.4 - -", b"1 - -"), True),  # '[' 6 bytes in
    (GOOD.replace(b"1.2.3.4 - -", b"1 -"), False),  # '[' fewer than 6 bytes in
    (GOOD.replace(b"+0000", b"x0000"), False),
    (GOOD.replace(b"10:00:00", b"10:0a:00"), False),
    (GOOD.replace(b"19/Jul", b"19-Jul"), False),
    (GOOD.replace(b'] "GET', b']  "GET'), False),
    (GOOD.replace(b"1.2.3.4", b'1."2.3.4'), False),  # the first quote must open the request
    (GOOD.replace(b"19/Jul", b"19/Xyz"), True),  # month names are left to the full parse
    (b"", None),
]


def test_shape_check_definition():
    finder = MarkerFinder(MARKERS)
    block = b"\n".join(c for c, _ in CASES) + b"\n"
    res = scan_block(np.frombuffer(block, np.uint8), "combined", finder, reader.MAX_LINE)
    got = [bool(v) for v in res.shape_ok]
    for (line, want), ok, blank in zip(CASES, got, res.blank):
        if want is None:
            assert blank
        else:
            assert ok == want, line


def test_marker_finder_is_case_insensitive_and_exact():
    finder = MarkerFinder(MARKERS)
    block = b"a/ROOT.EXE b\nx.IdQ y\nroot.ex\n..%c0\nnothing.here\nCmD.ExE\n\x0eida\n"
    nl = np.flatnonzero(np.frombuffer(block, np.uint8) == 10)
    lines = sorted(set(np.searchsorted(nl, finder.positions(np.frombuffer(block, np.uint8))).tolist()))
    assert lines == [0, 1, 3, 5]


def test_parallel_equals_serial_on_hostile_files(tmp_path, monkeypatch):
    """Random mixes of worm, good, blank, CRLF, broken and over-long lines; random block and range
    sizes: the parallel reader gives the serial fast reader's stats and detector state."""
    import random

    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    rng = random.Random(5)
    pieces = [GOOD, GOOD + b"\r", b"", b"\r", b"garbage cmd.exe", GOOD[:30], b"x" * 70_000 + b".ida",
              GOOD.replace(b"/index.html", b"/scripts/ROOT.EXE"), GOOD.replace(b"19/Jul", b"19/Xyz")]
    for trial in range(6):
        lines = [_worm(i) if rng.random() < 0.2 else rng.choice(pieces) for i in range(300)]
        data = b"\n".join(lines) + (b"\n" if trial % 2 else b"")
        p = tmp_path / f"h{trial}.log"
        p.write_bytes(data)
        monkeypatch.setattr(reader, "BLOCK", rng.choice([300, 1000, 5000, 1 << 20]))
        monkeypatch.setattr(parallel, "RANGE_BYTES", rng.choice([500, 3000, 20_000]))
        s = run_audit([str(p)], fmt="combined", jobs=1)
        a = run_audit([str(p)], fmt="combined", jobs=2)
        monkeypatch.setattr(reader, "BLOCK", 1 << 20)
        whole = run_audit([str(p)], fmt="combined", jobs=1)  # one block: no boundary at all
        fs, fa = s.files[0], a.files[0]
        assert fs.lines == data.count(b"\n") + (not data.endswith(b"\n"))
        assert vars(fs) == vars(fa) == vars(whole.files[0])
        assert [e["line"] for e in fs.malformed_examples] == sorted(e["line"] for e in fs.malformed_examples)
        assert _state(s.detector) == _state(a.detector)
        assert s.detector.signatures() == a.detector.signatures()
        assert s.detector.evidence == a.detector.evidence
