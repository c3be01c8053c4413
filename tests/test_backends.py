"""Backend options checked before any work: scheduler addresses, Dask as an optional extra (and never
imported on the local path), and no 'Exception ignored' noise when a scheduler cannot be reached."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from wormcast.cli import main
from wormcast.errors import WormcastError
from wormcast.runs.address import SchedulerAddress, parse_scheduler

ROOT = Path(__file__).resolve().parents[1]
SHORT = ["end=2001-07-19T11:00:00Z", "population.vulnerable=20000", "worm.scan_rate.mean=100", "step=30s"]
SET = [a for o in SHORT for a in ("--set", o)]
SWEEP = ["sweep", "codered-v2", "--grid", "seeding.initial_infected=5,20", "--runs", "2", *SET]


@pytest.mark.parametrize("text, expected", [
    ("tcp://10.0.0.5:8786", SchedulerAddress("tcp", "10.0.0.5", 8786)),
    ("10.0.0.5:8786", SchedulerAddress("tcp", "10.0.0.5", 8786)),
    ("tls://sched.example.org:8786", SchedulerAddress("tls", "sched.example.org", 8786)),
    ("ucx://node-1:13337", SchedulerAddress("ucx", "node-1", 13337)),
    ("TCP://[::1]:8786", SchedulerAddress("tcp", "::1", 8786)),
    ("inproc://10.0.0.5/1234/1", SchedulerAddress("inproc", "10.0.0.5/1234/1", None)),
])
def test_well_formed_scheduler_addresses(text, expected):
    assert parse_scheduler(text) == expected


@pytest.mark.parametrize("text, message", [
    ("foo://bar", "unknown scheme 'foo'"),
    ("http://host:8786", "unknown scheme 'http'"),
    ("tcp://host", "no port"),
    ("tcp://:8786", "is not a host name"),
    ("tcp://bad_host:8786", "'bad_host' is not a host name"),
    ("tcp://-lead.example:8786", "is not a host name"),
    ("tcp://1.2.3:8786", "'1.2.3' is not a host name"),
    ("tcp://host:0", "port '0' is not a number from 1 to 65535"),
    ("tcp://host:65536", "port '65536'"),
    ("tcp://host:80x", "port '80x'"),
    ("tcp://host:8786/path", "no path"),
    ("tcp://[::g]:8786", "not an IPv6 address"),
    ("tcp://[::1]8786", "written [ADDR]:PORT"),
    ("inproc://", "inproc address"),
    (" tcp://host:1", "expected SCHEME://HOST:PORT"),
])
def test_malformed_scheduler_addresses_are_one_line_at_once(tmp_path, capsys, text, message):
    with pytest.raises(WormcastError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_scheduler(text)
    out = tmp_path / "sw"
    t0 = time.monotonic()
    assert main([*SWEEP, "--out", str(out), "--scheduler", text]) == 2
    assert time.monotonic() - t0 < 2  # before any connection attempt (Dask waited 17 s for foo://bar)
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and f"--scheduler {text}: " in err and message in err
    assert not out.exists()


def _run(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


BLOCK_DASK = """
    import sys
    class NoDask:  # as if wormcast were installed without its [dask] extra
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("dask", "distributed"):
                raise ModuleNotFoundError(f"No module named {name!r}")
    sys.meta_path.insert(0, NoDask())
    import importlib.util
    _find = importlib.util.find_spec
    importlib.util.find_spec = lambda n, p=None: None if n.split(".")[0] in ("dask", "distributed") else _find(n, p)
"""


@pytest.mark.parametrize("option, named", [
    (["--backend", "dask"], "--backend dask"),
    (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler tcp://127.0.0.1:8786"),
])
def test_dask_backend_without_dask_is_one_line(tmp_path, option, named):
    out = tmp_path / "sw"
    p = _run(BLOCK_DASK + f"""
    from wormcast.cli import main
    sys.exit(main({[*SWEEP, "--out", str(out), *option]!r}))
    """)
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip() == f"wormcast: {named}: needs Dask, an optional extra: pip install 'wormcast[dask]'"
    assert not out.exists()


def test_local_runs_work_without_dask_and_never_import_it(tmp_path):
    out, ens = tmp_path / "sw", tmp_path / "ens"
    p = _run(BLOCK_DASK + f"""
    import wormcast, wormcast.api, wormcast.cli, wormcast.runs.backends, wormcast.runs.sweep.runner
    from wormcast.cli import main
    assert main({[*SWEEP, "--out", str(out), "--workers", "2"]!r}) == 0
    assert main({["run", "codered-v2", "--runs", "2", "--out", str(ens), "--workers", "2", *SET]!r}) == 0
    print(sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed")))
    """)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == "[]"
    assert (out / "results.parquet").exists() and (ens / "runs.parquet").exists()


def test_importing_wormcast_imports_no_dask():
    p = _run("""
    import sys
    import wormcast, wormcast.cli, wormcast.runs.backends
    from wormcast.cli import build_parser
    build_parser()
    print(sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed")))
    """)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


def test_unreachable_or_silent_scheduler_is_one_line_without_noise(tmp_path):
    """Through the real command: a refused port at once; a port that accepts and never speaks within the
    connect timeout. Neither prints 'Exception ignored' (Dask's Client.__del__) on the way out."""
    pytest.importorskip("distributed", reason="the dask backend needs dask[distributed]")
    with socket.socket() as refused:
        refused.bind(("127.0.0.1", 0))
        refused_port = refused.getsockname()[1]
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections (the kernel completes them) and never answers
    try:
        for port, message, limit in ((refused_port, "cannot connect (Connection refused)", 5),
                                     (silent.getsockname()[1], "cannot connect (no Dask scheduler answered within 8 s)",
                                      15)):
            out = tmp_path / f"sw{port}"
            t0 = time.monotonic()
            p = subprocess.run([sys.executable, "-m", "wormcast", *SWEEP, "--out", str(out),
                                "--scheduler", f"tcp://127.0.0.1:{port}"],
                               cwd=ROOT, capture_output=True, text=True, timeout=60)
            assert time.monotonic() - t0 < limit
            assert p.returncode == 2 and p.stdout == ""
            assert p.stderr.strip() == f"wormcast: --scheduler tcp://127.0.0.1:{port}: {message}", p.stderr
            assert not out.exists()
    finally:
        silent.close()
