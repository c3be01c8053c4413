"""What is not a regular file is refused with one line (exit 2), and a full disk loses nothing."""

from __future__ import annotations

import errno
import json
import os
import threading

import pytest
from audit_helpers import cli

from wormcast.audit import report
from wormcast.audit.synth import generate
from wormcast.errors import WormcastError


def _bad(tmp_path, argv, msg):
    out = tmp_path / "never"
    with pytest.raises(WormcastError, match=msg) as exc:
        cli([*argv, "--out", str(out)])
    assert exc.value.exit_code == 2 and "\n" not in str(exc.value)
    assert not out.exists()


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.log"
    os.mkfifo(fifo)
    done = threading.Event()
    err = []

    def run():
        try:
            _bad(tmp_path, [str(fifo)], "pipe.log: is a FIFO")
        except BaseException as exc:  # noqa: BLE001 - reported below
            err.append(exc)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(30), "the audit blocked on a FIFO"
    assert not err, err


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_character_device_is_refused(tmp_path):
    _bad(tmp_path, ["/dev/zero"], "/dev/zero: is a character device")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_rules_file_must_be_regular(tmp_path):
    lines, _ = generate("combined", 50, seed=1)
    p = tmp_path / "a.log"
    p.write_bytes(b"\n".join(lines) + b"\n")
    _bad(tmp_path, [str(p), "--rules", "/dev/zero"], "--rules /dev/zero: not a regular file")


def test_symlink_loop_is_not_no_such_file(tmp_path):
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.symlink_to(b)
    b.symlink_to(a)
    _bad(tmp_path, [str(a)], "a.log: symbolic link loop")


def test_dangling_symlink(tmp_path):
    a = tmp_path / "a.log"
    a.symlink_to(tmp_path / "gone.log")
    _bad(tmp_path, [str(a)], "symbolic link to a missing file")


def test_symlink_to_a_log_is_read(tmp_path):
    """Negative control: a link to a regular file is a regular file."""
    lines, truth = generate("combined", 80, seed=2)
    real = tmp_path / "real.log"
    real.write_bytes(b"\n".join(lines) + b"\n")
    (tmp_path / "link.log").symlink_to(real)
    assert cli([str(tmp_path / "link.log"), "--out", str(tmp_path / "o")]) == 0
    doc = json.loads((tmp_path / "o" / "audit.json").read_text())
    assert doc["files"][0]["lines"] == truth.lines


def test_full_disk_keeps_previous_outputs(tmp_path, monkeypatch):
    lines, _ = generate("combined", 80, seed=3)
    p = tmp_path / "a.log"
    p.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "o"
    assert cli([str(p), "--out", str(out)]) == 0
    before = {f.name: f.read_bytes() for f in out.iterdir()}

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "sources.csv"))

    monkeypatch.setattr(report, "write_sources_csv", full)
    with pytest.raises(WormcastError, match="no space left on the device") as exc:
        cli([str(p), "--out", str(out), "--bin-seconds", "60"])
    assert exc.value.exit_code == 2 and "\n" not in str(exc.value)
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before
    assert not [x for x in tmp_path.iterdir() if x.name.startswith(".o.")]  # no staging left behind
