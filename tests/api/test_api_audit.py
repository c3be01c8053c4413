"""wormcast.audit(paths): callable however the package was imported, with DataFrames and a repr."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest

import wormcast
from wormcast.errors import WormcastError


@pytest.fixture
def logs(real_logs):
    return sorted(str(p) for p in real_logs.glob("*.log"))


def test_audit_is_callable_after_importing_a_submodule(logs):
    import wormcast.audit.run  # noqa: F401  (rebinds wormcast.audit to the package: still callable)
    import wormcast.audit.cli  # noqa: F401

    a = wormcast.audit(logs)
    assert isinstance(a, wormcast.audit.run.Audit)
    code = ("import wormcast.audit.run, wormcast.audit.detect, sys\n"
            "import wormcast\n"
            f"a = wormcast.audit({logs[0]!r})\n"
            "print(int(a.signatures.set_index('signature').loc['codered1', 'requests']))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(p.stdout) > 0


def test_audit_frames(logs):
    a = wormcast.audit(logs, jobs=1)
    s = a.sources
    assert {"address", "first_seen", "last_seen", "requests", "signature"} <= set(s.columns)
    assert str(s["first_seen"].dtype).endswith("UTC]") and (s["last_seen"] >= s["first_seen"]).all()
    assert s["requests"].is_monotonic_decreasing  # most requests first
    tl = a.timeline
    assert list(tl.columns)[:4] == ["bin_start", "signature", "probes", "new_sources"]
    sig = a.signatures.set_index("signature")
    pooled = tl[tl["signature"] == "all"]["probes"].sum()
    assert pooled == sig["requests"].sum() == len(a.requests)  # no signature over the sampling cap here
    req = a.requests
    assert list(req.columns) == ["time", "signature"] and req["time"].is_monotonic_increasing
    assert req.attrs["sampled"] == []
    counts = req["signature"].value_counts()
    for name, n in counts.items():
        assert sig.loc[name, "requests"] == n
    assert (req["time"].min(), req["time"].max()) == (sig["first_seen"].min(), sig["last_seen"].max())
    assert len(a.evidence) == a.detector.evidence_total and len(a.file_table) == len(logs)
    assert a.summary["signatures"]["codered1"]["requests"] == sig.loc["codered1", "requests"]


def test_audit_repr_and_html(logs):
    a = wormcast.audit(logs)
    text = repr(a)
    assert text.startswith("<wormcast Audit>") and f"{len(logs)} (" in text
    n = int(a.signatures.set_index("signature").loc["codered1", "requests"])
    assert re.search(rf"codered1\s+{n:,} requests from", text)
    assert not re.search(r"\b1 (requests|sources)\b", text)  # counts agree in number
    assert "<table>" in a._repr_html_()


def test_audit_errors_name_parameters(logs, tmp_path):
    msg = str(pytest.raises(WormcastError, wormcast.audit, logs, jobs=0).value)
    assert msg == "jobs=0: must be 1 or more"
    with pytest.raises(WormcastError, match="no file matches"):
        wormcast.audit(str(tmp_path / "*.log"))
    assert isinstance(wormcast.audit(logs[0]).timeline, pd.DataFrame)  # one path, not a list of characters
