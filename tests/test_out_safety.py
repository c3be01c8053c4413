"""wormcast replaces only directories it wrote itself: a user's files in --out are never deleted."""

import errno
import json
import os

import pytest
from test_cli import FAST, wormcast

from wormcast.errors import WormcastError
from wormcast.util.atomic import MARKER, check_replaceable, staged_dir


def _one_line_refusal(p, *words):
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    for w in words:
        assert w in p.stderr, p.stderr


def test_run_refuses_a_directory_holding_the_users_scenario(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "pop.csv").write_text("prefix,count\n20.0.0.0/12,3000\n")
    scen = proj / "my.toml"
    scen.write_text("""name = "mine"
start = 2001-07-19T10:00:00Z
end = 2001-07-19T11:00:00Z
population = {csv = "pop.csv"}
[worm]
name = "w"
scan_rate = {mean = 50}
""")
    before = {p.name: p.read_bytes() for p in proj.iterdir()}
    p = wormcast("run", str(scen), "--out", str(proj))
    _one_line_refusal(p, "--out", "not written by wormcast")
    assert {p.name: p.read_bytes() for p in proj.iterdir()} == before
    assert not [x for x in tmp_path.iterdir() if x.name.startswith(".proj")]  # no stage left behind


def test_audit_refuses_the_directory_of_its_log(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "access.log"
    log.write_text('1.2.3.4 - - [19/Jul/2001:15:00:00 +0000] "GET / HTTP/1.0" 200 100\n')
    p = wormcast("audit", str(log), "--out", str(logs))
    _one_line_refusal(p, "--out")
    assert log.exists() and sorted(x.name for x in logs.iterdir()) == ["access.log"]


def test_out_dot_is_refused_before_any_work(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    p = wormcast("run", "codered-v2", "--out", ".", *FAST, cwd=tmp_path)
    _one_line_refusal(p, "current directory")
    assert [x.name for x in tmp_path.iterdir()] == ["keep.txt"]
    p = wormcast("run", "codered-v2", "--out", "..", *FAST, cwd=tmp_path)
    _one_line_refusal(p, "current directory")


def test_own_directory_with_a_user_file_added_is_refused(tmp_path):
    out = tmp_path / "o"
    assert wormcast("run", "codered-v2", "--seed", "1", "--out", str(out), *FAST).returncode == 0
    assert MARKER in os.listdir(out)
    (out / "notes.txt").write_text("my notes")
    p = wormcast("run", "codered-v2", "--seed", "2", "--out", str(out), *FAST)
    _one_line_refusal(p, "notes.txt")
    assert (out / "notes.txt").read_text() == "my notes"
    assert json.loads((out / "summary.json").read_text())["seed"] == 1


def test_empty_and_absent_targets_are_fine_and_a_symlink_is_not(tmp_path):
    check_replaceable(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    check_replaceable(tmp_path / "empty")
    real = tmp_path / "real"
    real.mkdir()
    (real / "data.txt").write_text("x")
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(WormcastError, match="symbolic link"):
        check_replaceable(tmp_path / "link")
    forged = tmp_path / "forged"
    forged.mkdir()
    (forged / MARKER).write_text("not json")
    (forged / "x").write_text("x")
    with pytest.raises(WormcastError, match="not written by wormcast"):
        check_replaceable(forged)


def test_a_file_added_during_the_run_stops_the_swap(tmp_path):
    out = tmp_path / "o"
    with staged_dir(out) as stage:
        (stage / "a.txt").write_text("first")
    with pytest.raises(WormcastError, match="late.txt"):
        with staged_dir(out) as stage:
            (stage / "a.txt").write_text("second")
            (out / "late.txt").write_text("user")
    assert (out / "a.txt").read_text() == "first" and (out / "late.txt").read_text() == "user"
    assert sorted(os.listdir(tmp_path)) == ["o"]


def test_full_disk_gives_one_line_and_keeps_what_was_there(tmp_path):
    out = tmp_path / "o"
    with staged_dir(out) as stage:
        (stage / "a.txt").write_text("first")
    with pytest.raises(WormcastError) as err:
        with staged_dir(out) as stage:
            raise OSError(errno.ENOSPC, "No space left on device", str(stage / "timeseries.parquet"))
    msg = str(err.value)
    assert "no space left" in msg and "timeseries.parquet" in msg and "\n" not in msg
    assert (out / "a.txt").read_text() == "first"
    assert sorted(os.listdir(tmp_path)) == ["o"]
