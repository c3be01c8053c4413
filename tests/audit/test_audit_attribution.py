"""A worm is its whole fingerprint; a request sharing only its path is a generic probe, and counted."""

from __future__ import annotations

import json

from audit_helpers import cli, real_log

from wormcast.audit.run import run_audit
from wormcast.audit.synth import CODERED1, NIMDA

T = "[19/Jul/2001:10:{:02d}:00 +0000]"


def _line(i, req, ip="1.2.3.4", status=404):
    return f'{ip} - - {T.format(i)} "{req}" {status} 1 "-" "-"'


def test_codered_fingerprint(tmp_path):
    lines = [
        _line(0, f"GET {CODERED1}  HTTP/1.0", "9.9.9.1"),  # the worm (two spaces, as it sent them)
        _line(1, f"GET {CODERED1} HTTP/1.0", "9.9.9.2"),  # the worm, one space (a rebuilt request line)
        _line(2, f"GET {CODERED1} HTTP/1.1", "9.9.9.3"),  # a browser or another tool
        _line(3, f"GET {CODERED1}", "9.9.9.4"),  # no HTTP version
        _line(4, f"get {CODERED1} HTTP/1.0", "9.9.9.5"),  # not the worm's method
        _line(5, f"HEAD {CODERED1} HTTP/1.0", "9.9.9.6"),
        _line(6, "GET /default.ida?" + "N" * 40 + " HTTP/1.0", "9.9.9.7"),  # padding not the worm's
    ]
    p = tmp_path / "a.log"
    p.write_text("\n".join(lines) + "\n")
    for fast in (True, False):
        a = run_audit([str(p)], fast=fast)
        sig = a.detector.signatures()
        assert (sig["codered1"]["requests"], sig["codered1"]["fingerprint_mismatches"]) == (2, 5)
        assert sig["ida-probe"]["requests"] == 5
        assert a.detector.fingerprint_mismatches == 5


def test_nimda_needs_its_sequence(tmp_path):
    lines = [_line(0, f"GET {NIMDA[0]}?/c+dir HTTP/1.0", "7.7.7.7")]  # one probe alone: root-exe
    lines += [_line(10, f"GET {NIMDA[s]}?/c+dir HTTP/1.0", "8.8.8.8") for s in range(3)]  # a partial scan
    lines += [_line(20, f"GET {NIMDA[s]}?/c+dir HTTP/1.1", "6.6.6.6") for s in range(16)]  # not HTTP/1.0
    p = tmp_path / "n.log"
    p.write_text("\n".join(lines) + "\n")
    a = run_audit([str(p)])
    sig = a.detector.signatures()
    assert (sig["nimda"]["requests"], sig["nimda"]["sources"]) == (3, 1)
    assert (sig["nimda"]["partial_scans"], sig["nimda"]["complete_scans"]) == (1, 0)
    assert sig["nimda"]["fingerprint_mismatches"] == 17
    assert sig["root-exe"]["requests"] == 3 and sig["cmd-exe"]["requests"] == 14
    rows = {r["address"]: r for r in a.detector.source_rows()}
    assert rows["7.7.7.7"]["signature"] == "root-exe" and rows["8.8.8.8"]["partial_scans"] == 1


def test_count_reaches_json_summary_and_report(tmp_path, capsys):
    p = tmp_path / "a.log"
    p.write_text("\n".join([_line(0, f"GET {CODERED1} HTTP/1.0"), _line(1, f"GET {CODERED1}", "2.2.2.2")]) + "\n")
    out = tmp_path / "o"
    assert cli([str(p), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "1 request matched a worm's path but not its whole fingerprint" in text and "codered1 1" in text
    doc = json.loads((out / "audit.json").read_text())
    assert doc["fingerprint_mismatches"] == 1 and doc["signatures"]["codered1"]["fingerprint_mismatches"] == 1
    html = (out / "report.html").read_text()
    assert "path matched, fingerprint not" in html and "1 request matched a worm's path" in html


def test_real_logs_have_no_false_mismatches():
    """The real worms' requests all carry the whole fingerprint (figures as in PROVENANCE.md)."""
    a = run_audit([str(real_log(n)) for n in ("apache-2001-07-codered1.log", "iis5-2001-07-codered1.log",
                                                "urlscan-2001-09-nimda.log")])
    sig = a.detector.signatures()
    assert sig["codered1"]["requests"] == 46 and sig["nimda"]["requests"] == 522
    assert a.detector.fingerprint_mismatches == 0
