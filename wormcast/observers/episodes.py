"""Who scanned when: each host's scanning episodes (host, first step, end step), logged as the scanner's
hosts start and stop, one whole id array per call, so that a telescope can draw every landed probe after
the run (``telescope_fast.py``) instead of drawing landings per step.

The observer keeps :attr:`EpisodeLog.s` on the step a host started now scans from: ``s`` before a step's
scan, ``s + 1`` after it (infections and kills of step ``s`` take effect at its end)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Episodes:
    """Scanning episodes ``[start, end)`` in steps, sorted by (host, start); disjoint per host."""

    host: np.ndarray
    start: np.ndarray
    end: np.ndarray


class EpisodeLog:
    """Fed by ``Scanner.start`` / ``Scanner.stop`` (``scanner.episode_logs``); read once by :meth:`episodes`."""

    def __init__(self, n_hosts: int):
        self.since = np.full(n_hosts, -1, dtype=np.int64)  # start step of the open episode (-1: none)
        self.s = 0
        self._closed: list[tuple[np.ndarray, int]] = []  # (hosts, end step); their starts in _starts
        self._starts: list[np.ndarray] = []

    def started(self, ids: np.ndarray) -> None:
        if ids.size:
            ids = ids[self.since[ids] < 0]
            self.since[ids] = self.s

    def stopped(self, ids: np.ndarray) -> None:
        if ids.size:
            ids = ids[(self.since[ids] >= 0) & (self.since[ids] < self.s)]  # (empty episodes dropped)
            self._starts.append(self.since[ids].copy())
            self._closed.append((ids, self.s))
            self.since[ids] = -1

    def episodes(self, n_steps: int) -> Episodes:
        """Every episode, those still open ending at ``n_steps``."""
        still = np.flatnonzero((self.since >= 0) & (self.since < n_steps))
        host = np.concatenate([ids for ids, _ in self._closed] + [still])
        start = np.concatenate(self._starts + [self.since[still]])
        end = np.concatenate([np.full(ids.size, e, dtype=np.int64) for ids, e in self._closed]
                             + [np.full(still.size, n_steps, dtype=np.int64)])
        order = np.argsort(host, kind="stable")  # each host's episodes come in time order (runs: cheap)
        return Episodes(host[order].astype(np.int64), start[order].astype(np.int64), end[order])
