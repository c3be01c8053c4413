"""The real 2001 logs in ../shared/data/real-logs, with the counts PROVENANCE.md gives."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from audit_helpers import real_log

from wormcast.audit.formats import iso
from wormcast.audit.run import run_audit

MODES = [True, False]  # fast scanner and full parse must agree


def _utc(s: str) -> float:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize("fast", MODES)
def test_apache_codered1(fast):
    path = real_log("apache-2001-07-codered1.log")
    raw = path.read_bytes()
    # Independent of the parser: 21 of the 22 Code Red lines have two spaces before HTTP/1.0.
    assert len(re.findall(rb"default\.ida\?N+%u[^\n]*  HTTP/1\.0", raw)) == 21
    a = run_audit([str(path)], fast=fast)
    f = a.files[0]
    assert (f.format, f.lines, f.malformed_lines) == ("combined", 594, 0)
    sig = a.detector.signatures()
    assert sig["codered1"]["requests"] == 22 and sig["codered1"]["sources"] == 22
    assert sig["codered2"]["requests"] == 0 and sig["nimda"]["requests"] == 0
    # Local time -0600 normalised to UTC.
    assert sig["codered1"]["first_seen"] == "2001-07-19T16:03:59Z"
    assert sig["codered1"]["last_seen"] == "2001-07-20T01:03:14Z"
    times, total = a.detector.arrivals(["codered1"])
    assert total == len(times) == 22 and (times < _utc("2001-07-20T00:00:00Z")).sum() == 20
    # Every one is the worm's whole request (GET, the exact URI, HTTP/1.0): none is refused.
    assert sig["codered1"]["fingerprint_mismatches"] == 0 and a.detector.fingerprint_mismatches == 0
    assert f.first_time == _utc("2001-07-17T22:05:05Z")
    # Every Code Red request was answered 400: no compromise evidence.
    assert a.detector.evidence_total == 0
    # The one cmd.exe request (31 Jul) is a generic probe, not Nimda.
    assert sig["cmd-exe"]["requests"] == 1
    rows = a.detector.source_rows()
    assert sum(r["requests"] for r in rows if r["signature"] == "codered1") == 22


@pytest.mark.parametrize("fast", MODES)
def test_iis_codered1_and_typed_note(fast):
    path = real_log("iis5-2001-07-codered1.log")
    a = run_audit([str(path)], fast=fast)
    f = a.files[0]
    assert f.format == "iis" and f.lines == 50
    # The five lines of the typed note are malformed; blank lines are not.
    assert f.malformed_lines == 5
    assert [e["line"] for e in f.malformed_examples] == [37, 38, 39, 40, 41]
    sig = a.detector.signatures()["codered1"]
    assert (sig["requests"], sig["sources"]) == (24, 24)
    assert sig["fingerprint_mismatches"] == 0  # IIS logs no version: method and URI are compared
    assert sig["first_seen"] == "2001-07-19T15:38:38Z" and sig["last_seen"] == "2001-07-20T00:56:21Z"
    ev = a.detector.evidence
    assert len(ev) == 1
    assert (ev[0]["line"], ev[0]["status"], ev[0]["source"], ev[0]["signature"]) == (44, 200, "216.19.16.174", "codered1")
    assert iso(f.last_time) == "2001-07-20T00:56:21Z"


@pytest.mark.parametrize("fast", MODES)
def test_urlscan_nimda_scans(fast):
    path = real_log("urlscan-2001-09-nimda.log")
    text = path.read_text()
    # Independent counts with plain string tests.
    root_exe = sum("root.exe'" in ln for ln in text.splitlines())
    scan_starts = sum(ln.endswith("Raw URL='/scripts/root.exe'") for ln in text.splitlines())
    last_steps = sum(ln.endswith("Raw URL='/scripts/..%252f../winnt/system32/cmd.exe'") for ln in text.splitlines())
    assert (root_exe, scan_starts) == (70, 35)
    a = run_audit([str(path)], fast=fast)
    f = a.files[0]
    assert f.format == "urlscan" and f.lines == 568 and f.malformed_lines == 0
    nimda = a.detector.signatures()["nimda"]
    assert (nimda["requests"], nimda["sources"], nimda["fingerprint_mismatches"]) == (522, 18, 0)
    # Each scan starts with /scripts/root.exe; the complete ones reach the 16th probe.
    assert nimda["complete_scans"] + nimda["partial_scans"] == scan_starts
    assert nimda["complete_scans"] == last_steps == 29
    assert nimda["partial_scans"] == 6
    # Every root.exe and cmd.exe request here belongs to a Nimda scan.
    sig = a.detector.signatures()
    assert sig["root-exe"]["requests"] == 0 and sig["cmd-exe"]["requests"] == 0
    assert sig["ida-probe"]["requests"] == 5  # /default.ida, payload not logged by UrlScan
    rows = {r["address"]: r for r in a.detector.source_rows()}
    assert rows["65.65.94.53"]["requests"] == 128 and rows["65.65.94.53"]["complete_scans"] == 8
    assert rows["65.11.52.68"]["partial_scans"] == 1 and rows["65.11.52.68"]["complete_scans"] == 0


def test_all_real_logs_in_one_call():
    paths = [str(real_log(n)) for n in ("apache-2001-07-codered1.log", "iis5-2001-07-codered1.log",
                                        "urlscan-2001-09-nimda.log")]
    a = run_audit(paths)
    assert [f.format for f in a.files] == ["combined", "iis", "urlscan"]
    assert a.detector.signatures()["codered1"]["requests"] == 46
    assert not a.partial
