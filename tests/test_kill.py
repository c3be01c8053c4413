"""A killed client takes its pool workers with it (SIGKILL or SIGTERM), SIGTERM stops as cleanly as Ctrl-C,
and a killed sweep re-run finishes with the same results as one never killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from wormcast.cli import main

if not sys.platform.startswith("linux"):
    pytest.skip("worker processes are found through /proc (Linux)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
# About half a second a run: a kill lands while runs are in flight.
SLOW = ["end=2001-07-19T14:00:00Z", "population.vulnerable=200000", "worm.scan_rate.mean=100", "step=30s"]
SET = [a for o in SLOW for a in ("--set", o)]
SWEEP = ["sweep", "codered-v2", "--grid", "seeding.initial_infected=5,20,40", "--runs", "4", "--seed", "9", *SET]
TOTAL = 12


def children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (from /proc; the pool's workers and their helpers)."""
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = {int(k) for k in (task / "children").read_text().split()}
            except OSError:
                continue
            todo.extend(kids - found)
            found |= kids
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (an exited child that nobody reaped yet counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = {p for p in pids if running(p)}
        if not left:
            return left
        time.sleep(0.05)
    return {p for p in pids if running(p)}


def start(args: list[str], out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "wormcast", *args, "--out", str(out), "--workers", "2"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)


def workers_of(proc: subprocess.Popen, n: int = 2, seconds: float = 60) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        kids = children(proc.pid)
        if len(kids) >= n:
            return kids
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.02)
    raise AssertionError("the pool's workers did not start")


def wait_for_runs(out: Path, n: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while len(list((out / "runs").glob("*.json"))) < n:
        assert time.monotonic() < deadline and proc.poll() is None, "the sweep ended or stalled before the kill"
        time.sleep(0.02)


def cleanup(proc: subprocess.Popen, pids: set[int]) -> None:
    """Whatever a test leaves (it should leave nothing) is killed, so a failure cannot leak processes."""
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)
    for p in pids:
        if running(p):
            os.kill(p, signal.SIGKILL)


def results(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "results.parquet").drop(columns="wall_seconds")


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """The same sweep, never killed."""
    out = tmp_path_factory.mktemp("whole") / "sw"
    assert main([*SWEEP, "--out", str(out), "--workers", "2"]) == 0
    return results(out)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_sweep_client_leaves_no_worker_and_resumes(tmp_path, whole, sig, capsys):
    out = tmp_path / "sw"
    proc = start(SWEEP, out)
    pids: set[int] = set()
    try:
        pids = workers_of(proc)
        wait_for_runs(out, 2, proc)
        pids |= children(proc.pid)
        os.kill(proc.pid, sig)  # the client only: its workers are not signalled
        proc.wait(timeout=30)
        assert wait_gone(pids, 5) == set(), "pool workers outlived their client"
        err = proc.stderr.read()
    finally:
        cleanup(proc, pids)
    saved = list((out / "runs").glob("*.json"))
    assert 2 <= len(saved) < TOTAL, "the sweep should have been stopped part-way"
    assert all(json.loads(f.read_text())["status"] == "ok" for f in saved)  # whole files only
    assert not [f for f in (out / "runs").iterdir() if ".tmp-" in f.name and sig == signal.SIGTERM]
    if sig == signal.SIGTERM:
        assert proc.returncode == 143
        assert err.strip() == (f"wormcast: terminated (SIGTERM); finished runs are saved in {out}/runs; "
                               "run the same command to resume")
    else:
        assert proc.returncode == -signal.SIGKILL
    assert main([*SWEEP, "--out", str(out), "--workers", "2"]) == 0
    assert f"Resumed: {len(saved)} of {TOTAL} runs" in capsys.readouterr().out
    pd.testing.assert_frame_equal(results(out), whole)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_ensemble_client_leaves_no_worker_and_no_files(tmp_path, sig):
    out = tmp_path / "ens"
    proc = start(["run", "codered-v2", "--runs", "40", *SET], out)
    pids: set[int] = set()
    try:
        pids = workers_of(proc)
        time.sleep(1.0)  # runs in flight
        pids |= children(proc.pid)
        assert proc.poll() is None
        os.kill(proc.pid, sig)
        proc.wait(timeout=30)
        assert wait_gone(pids, 5) == set(), "pool workers outlived their client"
        err = proc.stderr.read()
    finally:
        cleanup(proc, pids)
    assert not out.exists()
    if sig == signal.SIGTERM:
        assert proc.returncode == 143
        assert len(err.strip().splitlines()) == 1 and "terminated (SIGTERM)" in err and "Traceback" not in err


def test_a_worker_whose_parent_dies_exits_by_itself(tmp_path):
    """The orphan guard alone (negative control of the tests above: a plain child of a killed parent lives
    on; one that called die_with_parent does not)."""
    code = ("import os, sys, time\n"
            "from wormcast.runs.orphans import die_with_parent\n"
            "parent = os.getpid()\n"
            "for guarded in (False, True):\n"
            "    pid = os.fork()\n"
            "    if pid == 0:\n"
            "        if guarded:\n"
            "            die_with_parent(parent, interval=0.1)\n"
            "        time.sleep(30)\n"
            "        os._exit(0)\n"
            "    print(pid, flush=True)\n"
            "time.sleep(30)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    plain, guarded = int(proc.stdout.readline()), int(proc.stdout.readline())
    try:
        time.sleep(0.3)
        assert running(plain) and running(guarded)
        proc.kill()
        proc.wait(timeout=10)
        assert wait_gone({guarded}, 5) == set()
        assert running(plain)
    finally:
        for p in (plain, guarded):
            if running(p):
                os.kill(p, signal.SIGKILL)
