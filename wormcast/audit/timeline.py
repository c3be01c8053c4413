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
from dataclasses import dataclass

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

    def timeline(self, names: list[str], new_sources: list[Counter], new_all: Counter) -> "Timeline":
        """Per signature with probes, every bin from its first to its last probe (zeros included);
        signature ``all`` pools them. ``new_sources[i]`` counts, per bin, the sources first seen for
        signature ``i`` in it; ``new_all`` the sources first seen at all."""
        pooled: Counter = Counter()
        rows = []
        for i, c in enumerate(self.counts):
            if c:
                pooled.update(c)
                rows.append((names[i], c, new_sources[i]))
        if rows:
            rows.append((ALL, pooled, new_all))
        series = []
        for name, c, new in sorted(rows, key=lambda r: r[0]):
            lo, hi = min(c), max(c)
            probes = np.zeros(hi - lo + 1, dtype=np.int64)
            fresh = np.zeros(hi - lo + 1, dtype=np.int64)
            for b, n in c.items():
                probes[b - lo] = n
            for b, n in new.items():
                if lo <= b <= hi:
                    fresh[b - lo] += n
            series.append(SignatureTimeline(name, np.arange(lo, hi + 1, dtype=np.int64) * self.width, probes, fresh))
        return Timeline(self.width, series)


@dataclass(frozen=True)
class SignatureTimeline:
    """One signature's bins: start (epoch seconds), probes, and sources first seen in the bin."""

    signature: str
    starts: np.ndarray
    probes: np.ndarray
    new_sources: np.ndarray

    def __len__(self) -> int:
        return int(self.starts.size)


@dataclass(frozen=True)
class Timeline:
    """The audit's timeline as plain arrays, one :class:`SignatureTimeline` per signature (sorted by
    name, ``all`` among them). Plain arrays, not a DataFrame, so that the audit never loads pandas
    (whose code alone is ~80 MB of resident memory: issue 9's memory target); :meth:`to_df` gives the
    long-format table (columns ``COLUMNS``, ``bin_start`` a UTC timestamp) for the API."""

    bin_seconds: int
    series: list[SignatureTimeline]

    def __len__(self) -> int:
        return sum(len(s) for s in self.series)

    def __contains__(self, signature: str) -> bool:
        return any(s.signature == signature for s in self.series)

    def __getitem__(self, signature: str) -> SignatureTimeline:
        for s in self.series:
            if s.signature == signature:
                return s
        raise KeyError(signature)

    @property
    def signatures(self) -> list[str]:
        return [s.signature for s in self.series]

    def rows(self):
        """(bin start in epoch seconds, signature, probes, new sources) in the table's order."""
        for s in self.series:
            for t, p, n in zip(s.starts.tolist(), s.probes.tolist(), s.new_sources.tolist()):
                yield t, s.signature, p, n

    def to_df(self):
        import pandas as pd

        if not self.series:
            return pd.DataFrame(columns=COLUMNS)
        return pd.DataFrame({
            "bin_start": pd.to_datetime(np.concatenate([s.starts for s in self.series]), unit="s", utc=True),
            "signature": np.concatenate([[s.signature] * len(s) for s in self.series]),
            "probes": np.concatenate([s.probes for s in self.series]),
            "new_sources": np.concatenate([s.new_sources for s in self.series]),
        })[COLUMNS]


def timeline(events, bin_seconds: int = 3600, signatures: list[str] | None = None, max_bins: int = MAX_BINS):
    """The timeline of an events table (columns time (UTC), signature, source), through :class:`Bins`:
    per bin and signature ``probes`` and ``new_sources`` (addresses first seen for it in that bin).
    The audit itself never builds such a table (it feeds :class:`Bins` as it reads); this is for
    events from elsewhere, and gives the same bins."""
    import pandas as pd

    if events.empty:
        return Timeline(int(bin_seconds), [])
    ev = events.copy()
    ev["signature"] = ev["signature"].astype(str)
    if signatures is not None:
        ev = ev[ev["signature"].isin(signatures)]
        if ev.empty:
            return Timeline(int(bin_seconds), [])
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
    return bins.timeline(names, new, new_all)
