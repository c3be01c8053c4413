"""Dates outside the accepted range (1990-01-01 to 2100-01-01 UTC) are malformed lines, never a crash."""

from __future__ import annotations

import json

import pytest
from audit_helpers import cli

from wormcast.audit import parallel
from wormcast.audit.formats import TIME_REASON
from wormcast.audit.run import run_audit
from wormcast.audit.synth import CODERED1

OK = '1.2.3.4 - - [19/Jul/2001:10:03:59 -0600] "GET /index.html HTTP/1.0" 200 1 "-" "-"'
CR = f'5.6.7.8 - - [19/Jul/2001:11:00:00 -0600] "GET {CODERED1}  HTTP/1.0" 400 252 "-" "-"'
IIS_HEAD = "#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status"
URLSCAN = "[Thu, Sep 27 2001 - 23:19:36] Client at 1.2.3.4: URL contains '.exe'. Raw URL='/scripts/root.exe'"

CASES = {
    # name: (lines, line number of the bad one)
    "ncsa-9999": ([OK, OK.replace("19/Jul/2001:10:03:59 -0600", "31/Dec/9999:23:59:59 -1400"), CR], 2),
    "ncsa-0001": ([OK, OK.replace("19/Jul/2001:10:03:59 -0600", "01/Jan/0001:00:00:00 +0100"), CR], 2),
    "ncsa-worm-9999": ([OK, CR.replace("19/Jul/2001:11:00:00 -0600", "31/Dec/9999:23:59:59 -1400"), CR], 2),
    "iis-9999": ([IIS_HEAD, f"2001-07-19 15:38:38 1.2.3.4 GET /default.ida {CODERED1[13:]} 404",
                  "9999-12-31 23:59:59 1.2.3.5 GET /index.html - 200",
                  f"2001-07-19 15:39:38 1.2.3.6 GET /default.ida {CODERED1[13:]} 404"], 3),
    "urlscan-9999": ([URLSCAN, URLSCAN.replace("Thu, Sep 27 2001", "Fri, Dec 31 9999"), URLSCAN], 2),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("fast", [True, False])
def test_out_of_range_date_is_malformed(tmp_path, name, fast):
    lines, bad = CASES[name]
    p = tmp_path / f"{name}.log"
    p.write_text("\n".join(lines) + "\n")
    a = run_audit([str(p)], fast=fast)
    f = a.files[0]
    assert f.malformed_lines == 1
    assert f.malformed_examples[0]["line"] == bad and f.malformed_examples[0]["reason"] == TIME_REASON
    assert f.first_time is not None and f.last_time is not None  # the rest is audited
    sig = a.detector.signatures()
    assert sum(s["requests"] for s in sig.values()) >= 1


def test_cli_writes_outputs_despite_extreme_dates(tmp_path):
    lines = [OK.replace("19/Jul/2001:10:03:59 -0600", d) for d in
             ("31/Dec/9999:23:59:59 -1400", "01/Jan/0001:00:00:00 +0100", "19/Jul/2001:10:03:59 -0600")] + [CR]
    p = tmp_path / "x.log"
    p.write_text("\n".join(lines) + "\n")
    assert cli([str(p), "--out", str(tmp_path / "o")]) == 0
    doc = json.loads((tmp_path / "o" / "audit.json").read_text())
    assert doc["files"][0]["malformed_lines"] == 2
    assert [e["line"] for e in doc["files"][0]["malformed_examples"]] == [1, 2]
    assert doc["signatures"]["codered1"]["requests"] == 1
    assert (tmp_path / "o" / "report.html").is_file()


@pytest.mark.parametrize("fast", [True, False])
def test_range_edges(tmp_path, fast):
    """The first accepted second and the first refused one (negative control: an ordinary 2001 date)."""
    edge = [OK.replace("19/Jul/2001:10:03:59 -0600", "01/Jan/1990:00:00:00 +0000"),
            OK.replace("19/Jul/2001:10:03:59 -0600", "31/Dec/2099:23:59:59 +0000"),
            OK.replace("19/Jul/2001:10:03:59 -0600", "31/Dec/1989:23:59:59 +0000"),
            OK, CR.replace("19/Jul/2001:11:00:00 -0600", "01/Jan/2100:00:00:00 +0000")]
    p = tmp_path / "edge.log"
    p.write_text("\n".join(edge) + "\n")
    f = run_audit([str(p)], fast=fast).files[0]
    assert f.malformed_lines == 2 and [e["line"] for e in f.malformed_examples] == [3, 5]


def test_parallel_reader_applies_the_same_range(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "RANGE_BYTES", 300)
    lines = []
    for i in range(60):
        lines += [OK, CR if i % 2 else CR.replace("19/Jul/2001:11:00:00 -0600", "31/Dec/9999:23:59:59 -1400"),
                  OK.replace("19/Jul/2001:10:03:59 -0600", "01/Jan/0001:00:00:00 +0100")]
    p = tmp_path / "big.log"
    p.write_text("\n".join(lines) + "\n")
    s, par = run_audit([str(p)], jobs=1), run_audit([str(p)], jobs=2)
    assert vars(s.files[0]) == vars(par.files[0])
    assert s.files[0].malformed_lines == 90
    assert s.detector.signatures() == par.detector.signatures()
    assert s.detector.signatures()["codered1"]["requests"] == 30
