"""The Dask backend: a LocalCluster started here, and a scheduler and a worker started as separate
processes on loopback (as on a real cluster), give the same results.parquet as the local pool."""

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

pytest.importorskip("distributed", reason="the dask backend needs dask[distributed]")

SHORT = ["end=2001-07-19T12:00:00Z", "population.vulnerable=50000", "worm.scan_rate.mean=100", "step=30s"]
SWEEP = ["sweep", "codered-v2", "--grid", "seeding.initial_infected=5,20", "--grid", "worm.infection_success=0.5,1",
         "--runs", "2", "--seed", "3", *[a for o in SHORT for a in ("--set", o)]]
BIN = Path(sys.executable).parent


def results(out: Path) -> pd.DataFrame:
    """results.parquet without its wall-clock column, the one value that differs between runs."""
    return pd.read_parquet(out / "results.parquet").drop(columns="wall_seconds")


@pytest.fixture(scope="module")
def local_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "sw"
    assert main([*SWEEP, "--out", str(out), "--workers", "2"]) == 0
    return results(out), (out / "aggregate.csv").read_bytes()


def test_local_cluster_gives_identical_results(tmp_path, local_results, capsys):
    out = tmp_path / "sw"
    assert main([*SWEEP, "--out", str(out), "--backend", "dask", "--workers", "2"]) == 0
    assert "dask LocalCluster of 2 workers" in capsys.readouterr().out
    expected, agg = local_results
    assert len(expected) == 8 and (expected["status"] == "ok").all()
    pd.testing.assert_frame_equal(results(out), expected)
    assert (out / "aggregate.csv").read_bytes() == agg


@pytest.fixture
def external_cluster(tmp_path):
    """`dask scheduler` and `dask worker` as separate processes bound to 127.0.0.1; always stopped."""
    info = tmp_path / "scheduler.json"
    common = dict(cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    procs = []
    try:
        procs.append(subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                       "--no-dashboard", "--scheduler-file", str(info)], **common))
        deadline = time.monotonic() + 60
        address = None
        while address is None and time.monotonic() < deadline:
            assert procs[0].poll() is None, "dask scheduler exited"
            try:  # the scheduler writes the file in more than one go: wait until it parses
                address = json.loads(info.read_text())["address"]
            except (FileNotFoundError, ValueError, KeyError):
                time.sleep(0.1)
        assert address is not None, "dask scheduler did not write its address within 60 s"
        procs.append(subprocess.Popen([str(BIN / "dask"), "worker", address, "--host", "127.0.0.1", "--nworkers", "1",
                                       "--nthreads", "1", "--no-dashboard"], **common))
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(1, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)


def test_external_scheduler_and_worker_give_identical_results(tmp_path, local_results, external_cluster, capsys):
    out = tmp_path / "sw"
    assert external_cluster.startswith("tcp://127.0.0.1:")
    assert main([*SWEEP, "--out", str(out), "--scheduler", external_cluster]) == 0
    assert f"dask cluster at {external_cluster}" in capsys.readouterr().out
    pd.testing.assert_frame_equal(results(out), local_results[0])


def test_unreachable_scheduler_is_one_line_within_10_s(tmp_path, capsys):
    import socket

    with socket.socket() as s:  # a loopback port that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "sw"
    t0 = time.monotonic()
    assert main([*SWEEP, "--out", str(out), "--scheduler", f"tcp://127.0.0.1:{port}"]) == 2
    assert time.monotonic() - t0 < 10
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and f"--scheduler tcp://127.0.0.1:{port}: cannot connect" in err
    assert not out.exists()
