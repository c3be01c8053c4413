"""A server's log written by server_log.py and read back by the audit: exactly the worm requests written,
from the right sources, at the right times, with the state's status codes, in both formats."""

from collections import Counter
from datetime import datetime, timezone

import numpy as np
import pytest

from wormcast.audit.run import run_audit
from wormcast.observers.server_log import ServerStates, write_server_log

T0 = datetime(2001, 7, 19, 10, 0, tzinfo=timezone.utc).timestamp()


def _audit_events(path):
    """What the audit found: (second, signature) of every worm request (exact below the audit's reservoir
    of arrival times), and (source, signature) request counts from its per-source table."""
    audit = run_audit([str(path)], fmt="auto", jobs=1)
    det = audit.detector
    times = Counter()
    for sig in det.names:
        t, _ = det.arrivals([sig])
        times.update((int(round(x)), sig) for x in t)
    per_source = Counter()
    for row in det.source_rows():
        for part in row["signatures"].split(";"):
            sig, count = part.split(":")
            per_source[(row["address"], sig)] += int(count)
    return audit, (times, per_source)


def _expected(requests, signature):
    return (Counter((int(r.time), signature) for r in requests),
            Counter((r.source, signature) for r in requests))


@pytest.mark.parametrize("fmt", ["combined", "iis"])
@pytest.mark.parametrize("signature", ["codered1", "codered2", "nimda"])
def test_audit_finds_exactly_the_worm_requests(tmp_path, fmt, signature):
    rng = np.random.default_rng(1)
    n = 40
    times = T0 + np.sort(rng.random(n)) * 6 * 3600
    sources = rng.integers(1 << 24, 223 << 24, n)
    # vulnerable, infected after 2 h, patched after 4 h
    states = ServerStates("vulnerable", (T0 + 2 * 3600, T0 + 4 * 3600), ("infected", "patched"))
    log = write_server_log(tmp_path / f"access.{fmt}", fmt, times, sources, signature, states, rng,
                           background_rate=0.02, span=(T0, T0 + 6 * 3600))
    written = log.worm_requests
    assert len(written) == n * (16 if signature == "nimda" else 1)
    assert len(log.requests) > len(written) + 100  # background traffic is there
    audit, found = _audit_events(log.path)
    assert found == _expected(written, signature)
    assert sum(f.malformed_lines for f in audit.files) == 0
    # status follows the state: 200 while vulnerable or infected, 404 once patched
    ok = [r for r in written if r.time < T0 + 4 * 3600]
    assert all(r.status == 200 for r in ok) and all(r.status == 404 for r in written if r.time >= T0 + 4 * 3600)
    assert audit.detector.evidence_total == len(ok)


def test_negative_control_a_dropped_line_is_noticed(tmp_path):
    """If one worm line went missing from the file, the comparison above would fail."""
    rng = np.random.default_rng(2)
    times = T0 + np.arange(10) * 60.0
    log = write_server_log(tmp_path / "a.log", "combined", times, np.arange(10) + (20 << 24), "codered1",
                           ServerStates("immune"), rng, background_rate=0.05)
    lines = log.path.read_text().splitlines()
    drop = next(i for i, ln in enumerate(lines) if "default.ida" in ln)
    log.path.write_text("\n".join(lines[:drop] + lines[drop + 1:]) + "\n")
    _, found = _audit_events(log.path)
    assert found != _expected(log.worm_requests, "codered1") and sum(found[0].values()) == 9
    assert all(r.status == 400 for r in log.worm_requests)  # Apache: 400, as in the real 2001 log
