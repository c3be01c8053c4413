"""A calendar queue of per-host events (patch, worm cleared, clean, refilter) keyed by engine step.

Events are pushed in batches and popped one step at a time. Far events wait in a staging list that is
sorted into coarse buckets every ``width`` steps; events due within the current bucket go to a small hot
list. Cost per step is a handful of array operations, whatever the number of pending events.
"""

from __future__ import annotations

import numpy as np

_EMPTY = np.empty(0, dtype=np.int64)


class EventQueue:
    def __init__(self, n_steps: int, width: int = 64):
        self.n_steps, self.width = n_steps, width
        self.buckets: dict[int, list[tuple[np.ndarray, ...]]] = {}
        self.staging: list[tuple[np.ndarray, ...]] = []
        self.hot: list[tuple[np.ndarray, ...]] = []
        self.cur_bucket = -1
        self.cur = (_EMPTY, _EMPTY, _EMPTY, _EMPTY)
        self.cur_bounds = [0] * (width + 1)
        self._filled: dict[int, np.ndarray] = {}  # kind -> a long array of it (the chunks' kind columns)

    def push(self, steps: np.ndarray, hosts: np.ndarray, epochs: np.ndarray, kind: int) -> None:
        """Events of one kind (a :class:`~wormcast.core.requests.Change`); ``epochs`` is each event's tag.
        Those at or beyond ``n_steps`` are never due and are dropped."""
        keep = steps < self.n_steps
        n = int(np.count_nonzero(keep))
        if n == 0:
            return
        if n < steps.size:
            steps, hosts, epochs = steps[keep], hosts[keep], epochs[keep]
        kinds = self._filled.get(kind)
        if kinds is None or kinds.size < n:
            kinds = self._filled[kind] = np.full(max(2 * n, 1024), kind, dtype=np.int64)  # read-only, sliced
        chunk = (steps.astype(np.int64, copy=False), hosts.astype(np.int64), epochs.astype(np.int64), kinds[:n])
        soon = steps < (self.cur_bucket + 1) * self.width  # due within the current bucket
        n_soon = np.count_nonzero(soon)
        if n_soon == n:
            self.hot.append(chunk)
        elif n_soon == 0:
            self.staging.append(chunk)
        else:
            later = ~soon
            self.hot.append((chunk[0][soon], chunk[1][soon], chunk[2][soon], chunk[3][soon]))
            self.staging.append((chunk[0][later], chunk[1][later], chunk[2][later], chunk[3][later]))

    def _distribute(self) -> None:
        if not self.staging:
            return
        steps, hosts, epochs, kinds = (np.concatenate(c) for c in zip(*self.staging))
        self.staging = []
        b = steps // self.width
        order = np.argsort(b, kind="stable")
        b = b[order]
        cuts = np.flatnonzero(np.diff(b)) + 1
        starts = np.concatenate([[0], cuts])
        ends = np.concatenate([cuts, [b.size]])
        for s, e in zip(starts, ends):
            sl = order[s:e]
            self.buckets.setdefault(int(b[s]), []).append((steps[sl], hosts[sl], epochs[sl], kinds[sl]))

    def pop(self, step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(hosts, epochs, kinds) of the events due at ``step``; steps must be popped in order."""
        bucket = step // self.width
        if bucket != self.cur_bucket:
            self.cur_bucket = bucket
            self._distribute()
            chunks = self.buckets.pop(bucket, [])
            chunks.extend(self.hot)
            self.hot = []
            if chunks:
                arrs = [np.concatenate(c) for c in zip(*chunks)]
                order = np.argsort(arrs[0], kind="stable")
                self.cur = tuple(a[order] for a in arrs)
            else:
                self.cur = (_EMPTY, _EMPTY, _EMPTY, _EMPTY)
            self.cur_bounds = np.searchsorted(self.cur[0], bucket * self.width + np.arange(self.width + 1)).tolist()
        i = step - bucket * self.width
        lo, hi = self.cur_bounds[i], self.cur_bounds[i + 1]
        _, hosts, epochs, kinds = self.cur
        out = (hosts[lo:hi], epochs[lo:hi], kinds[lo:hi])
        if self.hot:
            steps, hosts, epochs, kinds = (np.concatenate(c) for c in zip(*self.hot))
            due = steps == step
            later = ~due & (steps > step)
            self.hot = [(steps[later], hosts[later], epochs[later], kinds[later])] if later.any() else []
            if due.any():
                out = tuple(np.concatenate([o, x[due]]) for o, x in zip(out, (hosts, epochs, kinds)))
        return out
