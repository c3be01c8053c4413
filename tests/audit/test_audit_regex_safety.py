"""A user rule's pattern cannot stop the audit: each search runs under a timeout (the regex module)."""

from __future__ import annotations

import time

from wormcast.audit import rules as rules_mod
from wormcast.audit.run import run_audit

LINE = '1.2.3.4 - - [19/Jul/2001:10:00:00 +0000] "GET /{uri} HTTP/1.0" 404 1 "-" "-"'


def _rules(tmp_path, pattern: str):
    p = tmp_path / "mine.toml"
    p.write_text(f"[[rule]]\nname = \"slow\"\nregex = '{pattern}'\norigin = \"test\"\n", encoding="utf-8")
    return p


def test_catastrophic_pattern_is_bounded(tmp_path):
    hostile = "a" * 40 + "b"
    log = tmp_path / "a.log"
    log.write_text("\n".join([LINE.format(uri=hostile)] * 3 + [LINE.format(uri="index.html")]) + "\n")
    for pattern in ("(a+)+$", "(a|aa)+$"):
        t = time.perf_counter()
        a = run_audit([str(log)], rules_file=str(_rules(tmp_path, pattern)))
        took = time.perf_counter() - t
        sig = a.detector.signatures()["slow"]
        assert a.files[0].lines == 4 and sig["requests"] == 0
        # 4 requests, each search abandoned after MATCH_TIMEOUT at most: seconds, not hours.
        assert took < 4 * rules_mod.MATCH_TIMEOUT + 20
        if pattern == "(a|aa)+$":  # backtracks exponentially on this input: every hostile line times out
            assert sig["pattern_timeouts"] == 3


def test_timeouts_are_reported(tmp_path, capsys):
    from audit_helpers import cli

    log = tmp_path / "a.log"
    log.write_text(LINE.format(uri="a" * 40 + "b") + "\n")
    assert cli([str(log), "--rules", str(_rules(tmp_path, "(a|aa)+$")), "--out", str(tmp_path / "o")]) == 0
    assert "Rule slow: its pattern ran out of time on 1 request," in capsys.readouterr().out


def test_a_fast_pattern_still_matches(tmp_path):
    """Negative control: the timeout does not stop an ordinary pattern from matching."""
    log = tmp_path / "a.log"
    log.write_text(LINE.format(uri="a" * 40) + "\n")
    a = run_audit([str(log)], rules_file=str(_rules(tmp_path, "(a|aa)+$")))
    sig = a.detector.signatures()["slow"]
    assert sig["requests"] == 1 and "pattern_timeouts" not in sig
