"""Generated logs with known ground truth, in every format and compression, with the mess real logs have."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path

import pytest

from wormcast.audit.reader import MAX_LINE
from wormcast.audit.run import run_audit
from wormcast.audit.synth import CODERED1, generate
from wormcast.errors import WormcastError

FORMATS = ["combined", "common", "iis", "urlscan"]


def _write(path: Path, lines: list[bytes], comp: str = "none", crlf: bool = False) -> Path:
    data = (b"\r\n" if crlf else b"\n").join(lines) + b"\n"
    if comp == "gzip":
        path = path.with_suffix(path.suffix + ".gz")
        path.write_bytes(gzip.compress(data))
    elif comp == "bzip2":
        path = path.with_suffix(path.suffix + ".bz2")
        path.write_bytes(bz2.compress(data))
    else:
        path.write_bytes(data)
    return path


def _check(audit, truth, fmt):
    f = audit.files[0]
    assert f.format == fmt
    assert (f.lines, f.blank_lines, f.malformed_lines) == (truth.lines, truth.blank_lines, truth.malformed_lines)
    assert (f.first_time, f.last_time) == (truth.first_time, truth.last_time)
    sig = audit.detector.signatures()
    got = {k: (v["requests"], v["sources"]) for k, v in sig.items() if v["requests"]}
    assert got == {k: (v, len(truth.sources[k])) for k, v in truth.requests.items()}
    assert (sig["nimda"]["complete_scans"], sig["nimda"]["partial_scans"]) == (truth.complete_scans, truth.partial_scans)
    assert audit.detector.evidence_total == truth.compromise


@pytest.mark.parametrize("comp", ["none", "gzip", "bzip2"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("fast", [True, False])
def test_ground_truth(tmp_path, fmt, comp, fast):
    lines, truth = generate(fmt, 1500, seed=FORMATS.index(fmt) + 11)
    # The generator really produced the mess under test.
    assert truth.malformed_lines > 0 and truth.blank_lines > 0 and truth.compromise >= (fmt != "urlscan")
    assert any(len(ln) > MAX_LINE for ln in lines)
    p = _write(tmp_path / f"x.{fmt}.log", lines, comp)
    _check(run_audit([str(p)], fast=fast), truth, fmt)


@pytest.mark.parametrize("fmt", ["combined", "iis"])
def test_crlf_line_endings(tmp_path, fmt):
    lines, truth = generate(fmt, 800, seed=3)
    p = _write(tmp_path / "crlf.log", lines, crlf=True)
    for fast in (True, False):
        _check(run_audit([str(p)], fast=fast), truth, fmt)


def test_mess_is_tolerated_and_really_present():
    lines, _ = generate("combined", 3000, seed=1)
    text = b"\n".join(lines)
    assert b"  HTTP/1.0" in text  # two spaces
    assert b'"get ' in text  # lowercase method
    assert b"\xe9\xff" in text  # not UTF-8
    assert any(ln.endswith(b'" 200') is False and b"HTTP/1.0" not in ln and b'" 200 ' in ln for ln in lines)  # no version


def test_iis_fields_change_inside_file(tmp_path):
    lines = [
        b"#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status",
        b"2001-08-04 10:00:00 1.2.3.4 GET /default.ida XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX%u9090 404",
        b"#Fields: time c-ip sc-status cs-uri-stem date",
        b"10:05:00 5.6.7.8 200 /scripts/root.exe 2001-08-04",
        b"10:06:00 5.6.7.9 404 /x.html",  # one field short of the new header
    ]
    p = _write(tmp_path / "ex.log", lines)
    a = run_audit([str(p)])
    f = a.files[0]
    assert f.format == "iis" and f.malformed_lines == 1 and f.malformed_examples[0]["line"] == 5
    sig = a.detector.signatures()
    # A short X padding is not Code Red II's request, and one Nimda path alone is not a Nimda scan:
    # both matched a worm's path but not its fingerprint, and the generic rules claim them.
    assert sig["codered2"]["requests"] == 0 and sig["codered2"]["fingerprint_mismatches"] == 1
    assert sig["ida-probe"]["requests"] == 1
    assert sig["nimda"]["requests"] == 0 and sig["nimda"]["fingerprint_mismatches"] == 1
    assert sig["root-exe"]["requests"] == 1
    assert [(e["status"], e["signature"]) for e in a.detector.evidence] == [(200, "root-exe")]


def test_several_files_globs_and_formats(tmp_path):
    truths = {}
    for i, fmt in enumerate(FORMATS):
        lines, truths[fmt] = generate(fmt, 400, seed=40 + i)
        _write(tmp_path / f"{i}-{fmt}.log", lines, comp=["none", "gzip", "bzip2", "none"][i])
    a = run_audit([str(tmp_path / "*.log*")])
    assert [f.format for f in a.files] == FORMATS
    for f, fmt in zip(a.files, FORMATS):
        assert f.malformed_lines == truths[fmt].malformed_lines
    total = sum(sum(t.requests.values()) for t in truths.values())
    assert sum(s["requests"] for s in a.detector.signatures().values()) == total


def test_forced_format(tmp_path):
    lines, truth = generate("combined", 300, seed=2)
    p = _write(tmp_path / "c.log", lines)
    _check(run_audit([str(p)], fmt="combined"), truth, "combined")
    for wrong in ("iis", "urlscan", "common"):
        with pytest.raises(WormcastError, match="does not match"):
            run_audit([str(p)], fmt=wrong)


def test_huge_line_without_newline_in_bounded_pieces(tmp_path):
    """A 5 MB line (with a marker inside) at the end of a file and in the middle of one."""
    ok = b'1.2.3.4 - - [19/Jul/2001:10:00:00 +0000] "GET ' + CODERED1.encode() + b' HTTP/1.0" 404 0 "-" "x"'
    big = b"x" * (5 << 20) + b" cmd.exe "
    for name, data in {"mid": ok + b"\n" + big + b"\n" + ok + b"\n", "end": ok + b"\n" + big}.items():
        p = tmp_path / f"{name}.log"
        p.write_bytes(data)
        for fast in (True, False):
            a = run_audit([str(p)], fast=fast)
            f = a.files[0]
            assert f.malformed_lines == 1 and f.malformed_examples[0]["line"] == 2
            assert f.lines == (3 if name == "mid" else 2)
            assert a.detector.signatures()["codered1"]["requests"] == (2 if name == "mid" else 1)
            assert a.detector.signatures()["cmd-exe"]["requests"] == 0


def test_utc_normalisation(tmp_path):
    cr = CODERED1.encode()
    lines = [b'1.1.1.1 - - [19/Jul/2001:10:03:59 -0600] "GET ' + cr + b' HTTP/1.0" 400 252',
             b'1.1.1.2 - - [20/Jul/2001:01:03:59 +0900] "GET ' + cr + b' HTTP/1.0" 400 252']
    p = _write(tmp_path / "tz.log", lines)
    a = run_audit([str(p)])
    assert a.files[0].format == "common"
    sig = a.detector.signatures()["codered1"]
    assert (sig["first_seen"], sig["last_seen"]) == ("2001-07-19T16:03:59Z", "2001-07-19T16:03:59Z")
    assert sig["requests"] == 2 and sig["sources"] == 2
