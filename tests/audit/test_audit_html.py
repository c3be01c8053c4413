"""Log strings are attacker-controlled: the report escapes them, and headless Chromium runs none of them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from audit_helpers import cli

TITLE_JS = "document.title='PWNED';document.body.setAttribute('data-pwned','1')"
PAYLOADS = [
    f"<script>{TITLE_JS}</script>",
    f"\"><img src=x onerror=\"{TITLE_JS}\">",
    f"'><svg onload='{TITLE_JS}'>",
    f"</td></tr></table><iframe srcdoc=\"<script>{TITLE_JS}</script>\"></iframe>",
]


def _hostile_logs(tmp_path: Path) -> list[Path]:
    combined = []
    for i, p in enumerate(PAYLOADS):
        uri = "/scripts/root.exe?" + p.replace(" ", "%20")  # a backdoor request answered 200: evidence
        q = p.replace('"', '\\"')  # Apache escapes quotes inside the referer and user agent
        combined.append(f'6.6.6.{i} - - [04/Aug/2001:10:00:0{i} +0000] "GET {uri} HTTP/1.0" 200 99 "{q}" "{q}"')
        combined.append(p)  # also a malformed line, quoted in the report
    a = tmp_path / "hostile.log"
    a.write_text("\n".join(combined) + "\n", encoding="utf-8")
    iis = tmp_path / "hostile-iis.log"
    rows = ["#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status"]
    for i, p in enumerate(PAYLOADS):
        rows.append(f"2001-08-04 11:00:0{i} {p.replace(' ', '+')} GET /scripts/root.exe /c+dir{i} 200")
    iis.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return [a, iis]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    logs = _hostile_logs(tmp)
    out = tmp / "out"
    assert cli([*map(str, logs), "--out", str(out)]) == 0
    return out


def test_payloads_reach_the_report_escaped(report):
    doc = json.loads((report / "audit.json").read_text())
    assert len(doc["compromise"]) == 2 * len(PAYLOADS)  # the hostile strings really are in the data
    html = (report / "report.html").read_text()
    low = html.lower()
    assert "<script" not in low and "<svg" not in low and "<iframe" not in low and "onerror=\"" not in low
    # The only images are the report's own inline charts.
    assert low.count("<img") == low.count('<img alt="probes per bin by signature" src="data:image/png;base64,')
    assert "&lt;script&gt;" in html and "onerror=&quot;" in html
    assert "Content-Security-Policy" in html and "default-src &#x27;none&#x27;" not in html
    assert "default-src 'none'" in html


def _chromium() -> str | None:
    for c in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if c and os.path.exists(c):
            return c
    return None


def _dump_dom(browser: str, page: Path) -> str:
    with tempfile.TemporaryDirectory() as profile:
        r = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=2000", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=90)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def test_no_script_from_a_log_runs_in_chromium(report, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium not installed (/usr/bin/chromium or chromium on PATH); apt-get install chromium")
    # Control: the same payload, unescaped and without CSP, does run, so the check below can fail.
    control = tmp_path / "control.html"
    control.write_text(f"<!DOCTYPE html><html><head><title>clean</title></head><body>{PAYLOADS[0]}</body></html>")
    dom = _dump_dom(browser, control)
    assert "PWNED" in dom and 'data-pwned="1"' in dom
    dom = _dump_dom(browser, report / "report.html")
    assert "<title>wormcast audit</title>" in dom
    assert "PWNED" not in dom.split("<body")[0]  # title unchanged
    assert 'data-pwned="1"' not in dom
    assert "&lt;script&gt;document.title" in dom  # shown as text


BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e",
        "\u200f", "\u061c"]


def test_bidi_controls_are_neutralised(tmp_path, capsys):
    """Every bidi control from a log reaches report.html and the terminal as a visible escape."""
    lines = []
    for i, c in enumerate(BIDI):
        uri = f"/scripts/root.exe?/c+dir{c}exe.txt"
        lines.append(f'6.6.{i}.1 - - [04/Aug/2001:10:00:{i:02d} +0000] "GET {uri} HTTP/1.0" 200 9 "-" "x{c}y"')
        lines.append(f"note {c} malformed")
    p = tmp_path / "bidi.log"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "o"
    assert cli([str(p), "--out", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    term = capsys.readouterr().out
    for c in BIDI:
        assert c not in html and c not in term, hex(ord(c))
        assert f"<span class=ctl>\\u{ord(c):04x}</span>" in html
    # Negative control: ordinary non-ASCII text is kept as it is.
    from wormcast.reporting.htmlpage import esc

    assert esc("café \u202e") == "café <span class=ctl>\\u202e</span>"
    assert '"' not in esc("\u202e")  # safe inside a quoted attribute too
