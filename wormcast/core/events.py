"""A calendar queue of per-host events (patch, worm cleared, clean, refilter) keyed by engine step.

Events are pushed in batches and popped one step at a time. Far events wait in a staging list that is
sorted into coarse buckets every ``width`` steps; events due within the current bucket are kept by step
(the hot events). A step's events come out in the order pushed (the loop applies them in that order, which
its sums of scan rates depend on), whatever the width. Cost per step is a lookup and a few slices, whatever
the number of pending events.
"""

from __future__ import annotations

import numpy as np

_EMPTY = np.empty(0, dtype=np.int64)


class EventQueue:
    def __init__(self, n_steps: int, width: int = 64):
        self.n_steps, self.width = n_steps, width
        self.buckets: dict[int, list[tuple[np.ndarray, ...]]] = {}
        self.staging: list[tuple[np.ndarray, ...]] = []
        self.hot: dict[int, list[tuple[np.ndarray, ...]]] = {}  # step -> chunks due then, in the current bucket
        self.cur_bucket = -1
        self.cur = (_EMPTY, _EMPTY, _EMPTY, _EMPTY)
        self.cur_bounds = [0] * (width + 1)
        self._filled: dict[int, np.ndarray] = {}  # kind -> a long array of it (the chunks' kind columns)

    def push(self, steps: np.ndarray, hosts: np.ndarray, epochs: np.ndarray, kind: int) -> None:
        """Events of one kind (a :class:`~wormcast.core.requests.Change`); ``epochs`` is each event's tag.
        ``steps``: whole numbers (a float array too: inf or nan is never due), the caller's own array; those at or
        beyond ``n_steps`` are never due and are dropped."""
        keep = steps < self.n_steps
        n = int(np.count_nonzero(keep))
        if n == 0:
            return
        fresh = n < steps.size  # (then the arrays below are this method's own: no copies needed)
        if fresh:
            steps, hosts, epochs = steps[keep], hosts[keep], epochs[keep]
        kinds = self._filled.get(kind)
        if kinds is None or kinds.size < n:
            kinds = self._filled[kind] = np.full(max(2 * n, 1024), kind, dtype=np.int64)  # read-only, sliced
        chunk = (steps.astype(np.int64, copy=False), hosts.astype(np.int64, copy=not fresh),
                 epochs.astype(np.int64, copy=not fresh), kinds[:n])
        soon = steps < (self.cur_bucket + 1) * self.width  # due within the current bucket
        n_soon = np.count_nonzero(soon)
        if n_soon == 0:
            self.staging.append(chunk)
            return
        if n_soon < n:
            later = ~soon
            self.staging.append((chunk[0][later], chunk[1][later], chunk[2][later], chunk[3][later]))
            chunk = (chunk[0][soon], chunk[1][soon], chunk[2][soon], chunk[3][soon])
        self._hot(chunk)

    def _hot(self, chunk: tuple[np.ndarray, ...]) -> None:
        """Events due within the current bucket, kept by step (in the order pushed): a pop takes its own."""
        steps = chunk[0]
        if steps.size == 1 or not np.any(steps != steps[0]):
            self.hot.setdefault(int(steps[0]), []).append(chunk)
            return
        order = np.argsort(steps, kind="stable")
        chunk = tuple(a[order] for a in chunk)
        cuts = np.flatnonzero(np.diff(chunk[0])) + 1
        for a, b in zip([0, *cuts.tolist()], [*cuts.tolist(), steps.size]):
            self.hot.setdefault(int(chunk[0][a]), []).append(tuple(x[a:b] for x in chunk))

    def _distribute(self) -> None:
        if not self.staging:
            return
        steps, hosts, epochs, kinds = (np.concatenate(c) for c in zip(*self.staging))
        self.staging = []
        b = steps // self.width
        order = np.argsort(b, kind="stable")
        b = b[order]
        steps, hosts, epochs, kinds = steps[order], hosts[order], epochs[order], kinds[order]  # then views
        cuts = (np.flatnonzero(np.diff(b)) + 1).tolist()
        for s, e in zip([0, *cuts], [*cuts, b.size]):
            self.buckets.setdefault(int(b[s]), []).append((steps[s:e], hosts[s:e], epochs[s:e], kinds[s:e]))

    def pop(self, step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(hosts, epochs, kinds) of the events due at ``step``; steps must be popped in order."""
        bucket = step // self.width
        if bucket != self.cur_bucket:
            self.cur_bucket = bucket
            self._distribute()
            chunks = self.buckets.pop(bucket, [])
            self.hot = {}  # (due in the previous bucket: all popped, or pushed after their step's pop, never due)
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
            due = self.hot.pop(step, None)
            if due:
                out = tuple(np.concatenate([o, *(c[j] for c in due)]) for j, o in zip((1, 2, 3), out))
        return out
