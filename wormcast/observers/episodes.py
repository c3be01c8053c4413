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
    """Fed by ``Scanner.start`` / ``Scanner.stop`` (``scanner.episode_logs``), which start only hosts not
    scanning and stop only scanning ones; read once by :meth:`episodes`. Per call one or two array writes."""

    def __init__(self, n_hosts: int):
        self.since = np.full(n_hosts, -1, dtype=np.int64)  # start step of the open episode (-1: none)
        self.s = 0
        self._closed: list[tuple[np.ndarray, np.ndarray, int]] = []  # (hosts, their start steps, end step)

    def started(self, ids: np.ndarray) -> None:
        self.since[ids] = self.s

    def stopped(self, ids: np.ndarray) -> None:
        if ids.size:
            self._closed.append((ids, self.since[ids], self.s))
            self.since[ids] = -1

    def scanned(self, lo: int, hi: int) -> np.ndarray:
        """Per host, the steps it scanned within ``[lo, hi)`` (episodes still open end at ``hi``): the
        exposure of the estimators' window."""
        out = np.zeros(self.since.size, dtype=np.int64)
        for ids, since, end in self._closed:
            if end > lo:
                out[ids] += np.maximum(min(end, hi) - np.maximum(since, lo), 0)
        still = np.flatnonzero(self.since >= 0)
        out[still] += np.maximum(hi - np.maximum(self.since[still], lo), 0)
        return out

    def episodes(self, n_steps: int) -> Episodes:
        """Every episode, those still open ending at ``n_steps``; empty ones dropped."""
        still = np.flatnonzero(self.since >= 0)
        host = np.concatenate([c[0] for c in self._closed] + [still]).astype(np.int64)
        start = np.concatenate([c[1] for c in self._closed] + [self.since[still]])
        end = np.repeat(np.array([c[2] for c in self._closed] + [n_steps], dtype=np.int64),
                        [c[0].size for c in self._closed] + [still.size])
        keep = start < end
        if not keep.all():
            host, start, end = host[keep], start[keep], end[keep]
        # grouped by host without a full sort: hosts with one episode through a dense table, the others
        # (few) sorted and merged in; each host's episodes come in time order (closed ones as they closed,
        # the open one last)
        count = np.bincount(host, minlength=self.since.size)
        first, last = np.empty(self.since.size, np.int64), np.empty(self.since.size, np.int64)
        first[host], last[host] = start, end
        one = np.flatnonzero(count == 1)
        host1, start1, end1 = one, first[one], last[one]
        several = count[host] > 1
        if not several.any():
            return Episodes(host1, start1, end1)
        order = np.argsort(host[several], kind="stable")
        hm, sm, em = host[several][order], start[several][order], end[several][order]
        at = np.searchsorted(host1, hm)
        return Episodes(np.insert(host1, at, hm), np.insert(start1, at, sm), np.insert(end1, at, em))
