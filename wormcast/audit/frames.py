"""An audit as pandas DataFrames for notebooks: sources, timeline, requests, signatures, evidence, files.

Times are UTC timestamps. ``requests`` holds the matched requests the audit keeps one by one: every one while
a signature has at most :data:`~wormcast.audit.detect.RESERVOIR` requests, a uniform sample of them beyond
(``requests.attrs["sampled"]`` names the signatures that were sampled).
"""

from __future__ import annotations

import numpy as np

from .report import SOURCE_COLUMNS


def _utc(values):
    import pandas as pd

    return pd.to_datetime(pd.Series(values, dtype="object"), utc=True, format="ISO8601")


def sources(detector):
    """One row per source address, most requests first (sources.csv's columns)."""
    import pandas as pd

    df = pd.DataFrame(list(detector.iter_source_rows()), columns=SOURCE_COLUMNS)
    for col in ("first_seen", "last_seen"):
        df[col] = _utc(df[col]) if len(df) else pd.Series([], dtype="datetime64[us, UTC]")
    return df


def requests(detector):
    """One row per kept matched request: ``time`` (UTC) and ``signature``, in time order."""
    import pandas as pd

    from .detect import RESERVOIR

    times, names, sampled = [], [], []
    for name in detector.names:
        t, total = detector.arrivals([name])
        times.append(t)
        names.append(np.full(len(t), name, dtype=object))
        if total > RESERVOIR:
            sampled.append(name)
    t = np.concatenate(times) if times else np.empty(0)
    sig = np.concatenate(names) if names else np.empty(0, dtype=object)
    order = np.argsort(t, kind="stable")
    df = pd.DataFrame({"time": pd.to_datetime(t[order], unit="s", utc=True),
                       "signature": pd.Series(sig[order], dtype="string")})
    df.attrs["sampled"] = sampled
    return df


def signatures(detector):
    """One row per rule: requests, sources, first and last seen (and scans, mismatches where they apply)."""
    import pandas as pd

    rows = [{"signature": name, **d} for name, d in detector.signatures().items()]
    df = pd.DataFrame(rows)
    for col in ("first_seen", "last_seen"):
        df[col] = _utc(df[col])
    return df


def evidence(detector):
    """The compromise evidence: requests that show a host was compromised (file, line, time, source, ...)."""
    import pandas as pd

    df = pd.DataFrame(detector.evidence, columns=["file", "line", "signature", "status", "source", "time",
                                                  "request", "meaning"])
    df["time"] = _utc(df["time"]) if len(df) else pd.Series([], dtype="datetime64[us, UTC]")
    return df


def files(audit):
    """One row per file read: format, compression, lines, malformed lines, first and last time, error."""
    import pandas as pd

    df = pd.DataFrame([{"path": f.path, "format": f.format, "compression": f.compression, "mode": f.mode,
                        "lines": f.lines, "malformed_lines": f.malformed_lines, "first_time": f.first_time,
                        "last_time": f.last_time, "error": f.error} for f in audit.files])
    for col in ("first_time", "last_time"):
        df[col] = pd.to_datetime(df[col], unit="s", utc=True)
    return df
