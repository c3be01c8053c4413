"""The per-interval accounting of a network telescope (Moore, Shannon & Brown, IMW 2002, section 3;
Moore, Shannon, Voelker & Savage, "Network telescopes", CAIDA 2004).

Per step the caller hands the telescope the sources whose probes landed in it and how many probes each
sent there (arrays ``source_ids``, ``counts``; e.g. from :func:`wormcast.observers.sampling.thin_poisson`).
The counter keeps, per interval, packets, active sources, new sources (first seen in this interval) and
the cumulative unique count; and per source first seen, last seen and packets. A host counts as infected
when first seen (IMW 2002). Memory grows with the number of distinct sources (and addresses) seen, never
with packets or steps beyond one small record per interval.

With :class:`wormcast.observers.churn.AddressChurn` the telescope sees addresses, not hosts: it reports
unique hosts (the truth, which a real telescope cannot know) and unique addresses (what it counts).
Times: a source's ``first_seen`` is the start of the interval of its first hit, ``last_seen`` the end of
the interval of its last hit (the telescope resolves time to the step).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .churn import AddressChurn


@dataclass(frozen=True)
class IntervalCounts:
    """One interval [t_start, t_end) of a telescope's record."""

    t_start: float
    t_end: float
    packets: int
    active_hosts: int
    new_hosts: int
    unique_hosts: int  # cumulative
    active_addresses: int
    new_addresses: int
    unique_addresses: int  # cumulative


@dataclass(frozen=True)
class TelescopeSeries:
    """The per-interval record as arrays (one entry per interval, in order)."""

    t_start: np.ndarray
    t_end: np.ndarray
    packets: np.ndarray
    active_hosts: np.ndarray
    new_hosts: np.ndarray
    unique_hosts: np.ndarray
    active_addresses: np.ndarray
    new_addresses: np.ndarray
    unique_addresses: np.ndarray


@dataclass(frozen=True)
class SourceTable:
    """Per source host seen: id, first and last seen, packets, distinct addresses it was seen with."""

    ids: np.ndarray
    first_seen: np.ndarray
    last_seen: np.ndarray
    packets: np.ndarray
    addresses: np.ndarray


class _Growable:
    """A 1-d array with amortised appends."""

    def __init__(self, dtype):
        self.a = np.zeros(16, dtype=dtype)
        self.n = 0

    def extend(self, values: np.ndarray) -> None:
        need = self.n + len(values)
        if need > self.a.size:
            self.a = np.resize(self.a, max(need, 2 * self.a.size))
        self.a[self.n:need] = values
        self.n = need

    @property
    def view(self) -> np.ndarray:
        return self.a[: self.n]


class TelescopeCounter:
    """Feed one :meth:`observe` per interval, in time order; read :meth:`series` and :meth:`sources`."""

    def __init__(self, churn: AddressChurn | None = None, rng: np.random.Generator | None = None,
                 dense_ids: int = 0):
        """``dense_ids``: ids below it (the engine's host ids) find their record through a plain array, the
        others (background sources) through a sorted index; only faster, never different."""
        if churn is not None and rng is None:
            raise ValueError("address churn needs an explicit numpy Generator")
        self.churn, self.rng = churn, rng
        self._dense = np.full(int(dense_ids), -1, dtype=np.int64)  # slot of each dense id (-1: unseen)
        self._keys = np.zeros(0, dtype=np.int64)  # sorted source ids (the others)
        self._slot_of_key = np.zeros(0, dtype=np.int64)
        self._ids = _Growable(np.int64)
        self._first = _Growable(float)
        self._last = _Growable(float)
        self._packets = _Growable(np.int64)
        self._addresses = _Growable(np.int64)
        self._epoch = _Growable(np.int64)  # current address epoch of each host
        self._epoch_seen = _Growable(np.int64)  # highest epoch already counted (-1: none)
        self._epoch_time = _Growable(float)  # when the epoch was last advanced
        self._rows: list[IntervalCounts] = []
        self._unique_addresses = 0
        self._t = -np.inf

    def _slots(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Slots of ``ids`` (unique, sorted), creating records for new ones; returns (slots, is_new)."""
        n_dense = int(np.searchsorted(ids, self._dense.size))  # ids are sorted: the dense ones come first
        dense, ids = ids[:n_dense], ids[n_dense:]
        pos = np.searchsorted(self._keys, ids)
        found = (pos < self._keys.size) & (self._keys[np.minimum(pos, max(self._keys.size - 1, 0))] == ids) \
            if self._keys.size else np.zeros(ids.size, dtype=bool)
        slots = np.empty(ids.size, dtype=np.int64)
        slots[found] = self._slot_of_key[pos[found]]
        dense_slots = self._dense[dense]
        dense_new = dense_slots < 0
        if dense_new.any():  # new dense records first (they come first in id order)
            start = self._ids.n
            dense_slots[dense_new] = np.arange(start, start + int(dense_new.sum()), dtype=np.int64)
            self._dense[dense[dense_new]] = dense_slots[dense_new]
            self._extend(dense[dense_new])
        new = ids[~found]
        if new.size:
            start = self._ids.n
            new_slots = np.arange(start, start + new.size, dtype=np.int64)
            slots[~found] = new_slots
            self._extend(new)
            at = np.searchsorted(self._keys, new)  # ``new`` is sorted: one merge, no re-sort
            self._keys = np.insert(self._keys, at, new)
            self._slot_of_key = np.insert(self._slot_of_key, at, new_slots)
        return np.concatenate([dense_slots, slots]), np.concatenate([dense_new, ~found])

    def _extend(self, new: np.ndarray) -> None:
        """Records for the sources ``new``, in the next slots."""
        for g, v in ((self._ids, new), (self._first, np.full(new.size, np.nan)),
                     (self._last, np.full(new.size, np.nan)), (self._packets, np.zeros(new.size, np.int64)),
                     (self._addresses, np.zeros(new.size, np.int64)), (self._epoch, np.zeros(new.size, np.int64)),
                     (self._epoch_seen, np.full(new.size, -1, np.int64)), (self._epoch_time, np.full(new.size, np.nan))):
            g.extend(v)

    def observe(self, t_start: float, t_end: float, source_ids, counts) -> IntervalCounts:
        """Account for one interval: ``counts[i]`` probes from ``source_ids[i]`` landed in the telescope."""
        if t_end < t_start or t_start < self._t:
            raise ValueError("intervals must be in time order, each with t_end >= t_start")
        self._t = t_end
        ids = np.asarray(source_ids, dtype=np.int64)
        cnt = np.asarray(counts, dtype=np.int64)
        if ids.shape != cnt.shape or np.any(cnt < 0):
            raise ValueError("source_ids and counts must have one shape, counts non-negative")
        keep = cnt > 0
        ids, cnt = ids[keep], cnt[keep]
        if ids.size < 2 or bool(np.all(ids[1:] > ids[:-1])):  # already one entry per source, in order
            uniq, per = ids, cnt
        else:
            uniq, inv = np.unique(ids, return_inverse=True)
            per = np.bincount(inv, weights=cnt, minlength=uniq.size).astype(np.int64)
        slots, is_new = self._slots(uniq)
        first, last, packets = self._first.view, self._last.view, self._packets.view
        first[slots[is_new]] = t_start
        last[slots] = t_end
        packets[slots] += per
        # Address epochs: advance each observed host's Poisson epoch count to this interval.
        epoch, seen, etime, addrs = self._epoch.view, self._epoch_seen.view, self._epoch_time.view, self._addresses.view
        if self.churn is not None and slots.size:
            elapsed = np.where(np.isnan(etime[slots]), 0.0, t_start - etime[slots])
            epoch[slots] += self.churn.advance(self.rng, uniq, elapsed)
            etime[slots] = t_start
        new_addr = epoch[slots] > seen[slots]
        seen[slots[new_addr]] = epoch[slots[new_addr]]
        addrs[slots[new_addr]] += 1
        n_new_addr = int(new_addr.sum())
        self._unique_addresses += n_new_addr
        row = IntervalCounts(
            t_start=float(t_start), t_end=float(t_end), packets=int(per.sum()), active_hosts=int(uniq.size),
            new_hosts=int(is_new.sum()), unique_hosts=int(self._ids.n), active_addresses=int(uniq.size),
            new_addresses=n_new_addr, unique_addresses=int(self._unique_addresses))
        self._rows.append(row)
        return row

    def series(self) -> TelescopeSeries:
        def col(name, dtype):
            return np.array([getattr(r, name) for r in self._rows], dtype=dtype)

        return TelescopeSeries(col("t_start", float), col("t_end", float), col("packets", np.int64),
                               col("active_hosts", np.int64), col("new_hosts", np.int64),
                               col("unique_hosts", np.int64), col("active_addresses", np.int64),
                               col("new_addresses", np.int64), col("unique_addresses", np.int64))

    def sources(self) -> SourceTable:
        """Per source host seen, in the order first seen."""
        return SourceTable(self._ids.view.copy(), self._first.view.copy(), self._last.view.copy(),
                           self._packets.view.copy(), self._addresses.view.copy())

    @property
    def n_sources(self) -> int:
        return self._ids.n
