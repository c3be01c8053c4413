"""Rebuild an outbreak's timeline from matched requests: probes and new sources per time bin."""

from __future__ import annotations

import pandas as pd

ALL = "all"


def timeline(events: pd.DataFrame, bin_seconds: int = 3600, signatures: list[str] | None = None) -> pd.DataFrame:
    """Per bin and signature: ``probes`` and ``new_sources`` (addresses first seen for it in that bin).

    ``events`` has the columns of :meth:`Detector.events` (time, signature, source). The result is long
    format with columns bin_start (UTC), signature, probes, new_sources; every bin between the first
    and last event *of that signature* appears (zeros included); signature ``all`` pools them.
    """
    cols = ["bin_start", "signature", "probes", "new_sources"]
    if bin_seconds <= 0:
        raise ValueError("bin_seconds must be positive")
    if events.empty:
        return pd.DataFrame(columns=cols)
    ev = events.copy()
    ev["signature"] = ev["signature"].astype(str)
    if signatures is not None:
        ev = ev[ev["signature"].isin(signatures)]
        if ev.empty:
            return pd.DataFrame(columns=cols)
    freq = pd.Timedelta(seconds=bin_seconds)
    ev["bin_start"] = ev["time"].dt.floor(freq)
    pooled = ev.assign(signature=ALL)
    frames = []
    for name, grp in pd.concat([ev, pooled]).groupby("signature", sort=True, observed=True):
        bins = pd.date_range(grp["bin_start"].min(), grp["bin_start"].max(), freq=freq)
        probes = grp.groupby("bin_start").size().reindex(bins, fill_value=0)
        first = grp.groupby("source")["bin_start"].min()
        new = first.value_counts().reindex(bins, fill_value=0)
        frames.append(pd.DataFrame({"bin_start": bins, "signature": name,
                                    "probes": probes.to_numpy(), "new_sources": new.to_numpy()}))
    return pd.concat(frames, ignore_index=True)[cols]


def series(tl: pd.DataFrame, signature: str, column: str = "probes") -> tuple[pd.DatetimeIndex, pd.Series]:
    """One signature's column as (bin starts, counts)."""
    sub = tl[tl["signature"] == signature]
    return pd.DatetimeIndex(sub["bin_start"]), sub[column].reset_index(drop=True)
