"""Rebuild an outbreak's timeline from matched requests: probes and new sources per time bin.

Counts are kept per (signature, bin) in a sparse :class:`Bins`, whose width starts at the requested
``--bin-seconds`` and doubles whenever the bins from the first to the last probe would number more
than :data:`MAX_BINS`: so memory and the timeline's size are bounded whatever the span of the logs
(two lines dated 1990 and 2099 give at most MAX_BINS bins, not a million). The width used is the
requested one times the smallest power of two that fits the span in MAX_BINS bins; it depends only
on the first and last probe, not on the order of the lines (docs/audit.md).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

ALL = "all"
MAX_BINS = 10_000
COLUMNS = ["bin_start", "signature", "probes", "new_sources"]


class Bins:
    """Probe counts per signature (an index) and bin, sparse; bins are aligned on the epoch."""

    def __init__(self, n_signatures: int, bin_seconds: int, max_bins: int = MAX_BINS):
        if bin_seconds <= 0:
            raise ValueError("bin_seconds must be positive")
        self.requested = int(bin_seconds)
        self.width = int(bin_seconds)
        self.max_bins = max_bins
        self.counts: list[dict[int, int]] = [{} for _ in range(n_signatures)]
        self.lo: int | None = None
        self.hi: int | None = None

    def bin_of(self, t: float) -> int:
        return int(t // self.width)

    def add(self, sig: int, t: float) -> None:
        b = int(t // self.width)
        if self.lo is None:
            self.lo = self.hi = b
        elif b < self.lo or b > self.hi:
            self.lo, self.hi = min(self.lo, b), max(self.hi, b)
            while self.hi - self.lo + 1 > self.max_bins:
                self._coarsen()
            b = int(t // self.width)
        c = self.counts[sig]
        c[b] = c.get(b, 0) + 1

    def _coarsen(self) -> None:
        """Double the width: bin b at width w lies in bin floor(b / 2) at width 2w (epoch-aligned)."""
        self.width *= 2
        self.lo, self.hi = self.lo // 2, self.hi // 2
        for i, c in enumerate(self.counts):
            merged: dict[int, int] = {}
            for b, n in c.items():
                merged[b // 2] = merged.get(b // 2, 0) + n
            self.counts[i] = merged

    def frame(self, names: list[str], new_sources: list[Counter], new_all: Counter):
        """The long-format timeline: per signature with probes, every bin from its first to its last
        probe (zeros included); signature ``all`` pools them. ``new_sources[i]`` counts, per bin, the
        sources first seen for signature ``i`` in it; ``new_all`` the sources first seen at all."""
        import pandas as pd  # only when a timeline is asked for: the reader itself does not need it

        frames = []
        pooled: Counter = Counter()
        rows = []
        for i, c in enumerate(self.counts):
            if c:
                pooled.update(c)
                rows.append((names[i], c, new_sources[i]))
        if not rows:
            return pd.DataFrame(columns=COLUMNS)
        rows.append((ALL, pooled, new_all))
        for name, c, new in sorted(rows, key=lambda r: r[0]):
            lo, hi = min(c), max(c)
            idx = np.arange(lo, hi + 1)
            probes = np.zeros(len(idx), dtype=np.int64)
            fresh = np.zeros(len(idx), dtype=np.int64)
            for b, n in c.items():
                probes[b - lo] = n
            for b, n in new.items():
                if lo <= b <= hi:
                    fresh[b - lo] += n
            starts = pd.to_datetime(idx * self.width, unit="s", utc=True)
            frames.append(pd.DataFrame({"bin_start": starts, "signature": name, "probes": probes,
                                        "new_sources": fresh}))
        return pd.concat(frames, ignore_index=True)[COLUMNS]


def timeline(events, bin_seconds: int = 3600, signatures: list[str] | None = None, max_bins: int = MAX_BINS):
    """The timeline of an events table (columns time (UTC), signature, source), through :class:`Bins`:
    per bin and signature ``probes`` and ``new_sources`` (addresses first seen for it in that bin).
    The audit itself never builds such a table (it feeds :class:`Bins` as it reads); this is for
    events from elsewhere, and gives the same bins."""
    import pandas as pd

    if events.empty:
        return pd.DataFrame(columns=COLUMNS)
    ev = events.copy()
    ev["signature"] = ev["signature"].astype(str)
    if signatures is not None:
        ev = ev[ev["signature"].isin(signatures)]
        if ev.empty:
            return pd.DataFrame(columns=COLUMNS)
    names = sorted(ev["signature"].unique())
    code = {n: i for i, n in enumerate(names)}
    t = (pd.to_datetime(ev["time"], utc=True) - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()
    sig = ev["signature"].map(code).to_numpy()
    src = ev["source"].to_numpy()
    bins = Bins(len(names), bin_seconds, max_bins)
    for s, x in zip(sig, t):
        bins.add(int(s), float(x))
    first_sig: dict[tuple[int, str], float] = {}
    first_all: dict[str, float] = {}
    for s, x, a in zip(sig, t, src):
        key = (int(s), a)
        first_sig[key] = min(first_sig.get(key, x), x)
        first_all[a] = min(first_all.get(a, x), x)
    new = [Counter() for _ in names]
    for (s, _), x in first_sig.items():
        new[s][bins.bin_of(x)] += 1
    new_all = Counter(bins.bin_of(x) for x in first_all.values())
    return bins.frame(names, new, new_all)


def series(tl, signature: str, column: str = "probes"):
    """One signature's column as (bin starts, counts): a DatetimeIndex and a Series."""
    import pandas as pd

    sub = tl[tl["signature"] == signature]
    return pd.DatetimeIndex(sub["bin_start"]), sub[column].reset_index(drop=True)
