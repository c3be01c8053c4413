"""The audit sub-command: outputs, exit statuses, bad input (one line, exit 2, nothing written)."""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from audit_helpers import cli, real_log

from wormcast.audit.synth import generate
from wormcast.errors import PartialResult, WormcastError

ROOT = Path(__file__).resolve().parents[2]


def _log(tmp_path, fmt="combined", n=400, seed=1, name=None):
    lines, truth = generate(fmt, n, seed=seed)
    p = tmp_path / (name or f"{fmt}.log")
    p.write_bytes(b"\n".join(lines) + b"\n")
    return p, truth


def test_outputs(tmp_path, capsys):
    apache = real_log("apache-2001-07-codered1.log")
    iis = real_log("iis5-2001-07-codered1.log")
    out = tmp_path / "o"
    assert cli([str(apache), str(iis), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "codered1: 46 requests from 46 sources" in text and "Evidence of compromise" in text
    doc = json.loads((out / "audit.json").read_text())
    assert {"files", "signatures", "sources", "compromise"} <= set(doc)
    f0 = doc["files"][0]
    assert {"path", "format", "lines", "malformed_lines", "first_time", "last_time"} <= set(f0)
    assert doc["files"][1]["malformed_lines"] == 5
    assert {"requests", "sources", "complete_scans", "partial_scans"} <= set(doc["signatures"]["nimda"])
    assert doc["signatures"]["codered1"]["requests"] == 46
    assert {"address", "first_seen", "last_seen", "requests", "signature"} <= set(doc["sources"][0])
    assert doc["compromise"][0]["line"] == 44 and doc["compromise"][0]["status"] == 200
    rows = list(csv.DictReader((out / "sources.csv").open()))
    assert len(rows) == len(doc["sources"]) == 47
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert "fits" not in doc


def test_json_flag_prints_the_document(tmp_path, capsys):
    p, truth = _log(tmp_path)
    assert cli([str(p), "--out", str(tmp_path / "o"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == json.loads((tmp_path / "o" / "audit.json").read_text())
    assert doc["files"][0]["malformed_lines"] == truth.malformed_lines


def test_fit_flag(tmp_path):
    apache = real_log("apache-2001-07-codered1.log")
    out = tmp_path / "o"
    assert cli([str(apache), "--out", str(out), "--fit", "--boot", "4"]) == 0
    fits = json.loads((out / "audit.json").read_text())["fits"]
    rcs = next(f for f in fits if f["model"] == "rcs" and f["signature"] == "codered1")
    assert rcs["events"] == 22 and set(rcs["params"]) == {"C", "K", "T"} and set(rcs["ci95"]) == {"C", "K", "T"}
    assert any(f["model"] == "two-factor" for f in fits)


def _bad(tmp_path, argv, msg):
    out = tmp_path / "never"
    with pytest.raises(WormcastError, match=msg) as exc:
        cli([*argv, "--out", str(out)])
    assert exc.value.exit_code == 2 and "\n" not in str(exc.value)
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".never")]


def test_missing_file(tmp_path):
    p, _ = _log(tmp_path)
    _bad(tmp_path, [str(p), str(tmp_path / "nope.log")], "nope.log: no such file")


def test_directory(tmp_path):
    (tmp_path / "adir").mkdir()
    _bad(tmp_path, [str(tmp_path / "adir")], "is a directory")


def test_glob_matching_nothing(tmp_path):
    _bad(tmp_path, [str(tmp_path / "*.nothing")], "no file matches")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a file without read permission")
def test_unreadable(tmp_path):
    p, _ = _log(tmp_path)
    p.chmod(0)
    _bad(tmp_path, [str(p)], "cannot read")


def test_forced_format_mismatch(tmp_path):
    p, _ = _log(tmp_path, "iis")
    _bad(tmp_path, [str(p), "--format", "combined"], "--format combined does not match")


def test_bad_options(tmp_path):
    p, _ = _log(tmp_path)
    _bad(tmp_path, [str(p), "--monitored", "0"], "--monitored 0")
    _bad(tmp_path, [str(p), "--rules", str(tmp_path / "none.toml")], "--rules")


def test_corrupt_gzip_is_a_partial_result(tmp_path, capsys):
    good, truth = _log(tmp_path, "combined", 300, seed=4, name="good.log")
    lines, _ = generate("combined", 6000, seed=5, mess=False)
    blob = gzip.compress(b"\n".join(lines) + b"\n")
    bad = tmp_path / "bad.log.gz"
    bad.write_bytes(blob[: len(blob) // 2])  # cut in the middle of the stream
    out = tmp_path / "o"
    with pytest.raises(PartialResult, match="bad.log.gz: corrupt gzip data after line") as exc:
        cli([str(bad), str(good), "--out", str(out)])
    assert exc.value.exit_code == 1
    doc = json.loads((out / "audit.json").read_text())
    damaged, ok = doc["files"]
    assert damaged["error"] and 0 < damaged["lines"] < len(lines)
    assert ok["error"] is None and ok["malformed_lines"] == truth.malformed_lines
    assert doc["partial"] is True
    assert "DAMAGED" in capsys.readouterr().out


def _wired() -> bool:
    try:
        src = (ROOT / "wormcast" / "cli.py").read_text()
    except OSError:
        return False
    return "audit" in src


@pytest.mark.skipif(not _wired(), reason="wormcast/cli.py does not register the audit sub-command yet")
def test_python_m_wormcast_audit(tmp_path):
    p, _ = _log(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "wormcast", "audit", *a], capture_output=True,  # noqa: E731
                                    text=True, env=env, cwd=tmp_path, timeout=120)
    r = run(str(p), "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o" / "audit.json").is_file()
    r = run(str(tmp_path / "missing.log"))
    assert r.returncode == 2 and r.stderr.strip().startswith("wormcast:") and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = run(str(p), "--format", "urlscan")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    bad = tmp_path / "bad.gz"
    bad.write_bytes(gzip.compress(p.read_bytes())[:200])
    r = run(str(bad), str(p), "--out", str(tmp_path / "o2"))
    assert r.returncode == 1 and "Traceback" not in r.stderr and "corrupt gzip" in r.stderr
