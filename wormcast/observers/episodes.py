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
    """Per host that scanned (``host``, ascending): its number of episodes ``n``, steps scanned ``steps``
    and, for one-episode hosts, ``start`` (their episode: ``[start, start + steps)``); the episodes
    ``[several_start, several_end)`` of the hosts with several (``several_host``), by (host, start)."""

    host: np.ndarray
    n: np.ndarray
    steps: np.ndarray
    start: np.ndarray
    several_host: np.ndarray
    several_start: np.ndarray
    several_end: np.ndarray

    def scanned(self, lo: int, hi: int) -> np.ndarray:
        """Per host of ``host``, the steps it scanned within ``[lo, hi)``: the exposure of the estimators'
        window."""
        end = self.start + self.steps.astype(np.int64)
        out = np.minimum(end, hi, out=end) - np.maximum(self.start, lo)  # (one-episode hosts)
        np.maximum(out, 0, out=out)
        if self.several_host.size:
            inside = np.maximum(np.minimum(self.several_end, hi) - np.maximum(self.several_start, lo), 0)
            sh = self.several_host
            out[self.n > 1] = np.add.reduceat(inside, np.flatnonzero(np.r_[True, sh[1:] != sh[:-1]]))
        return out


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

    def episodes(self, n_steps: int) -> Episodes:
        """Every episode, those still open ending at ``n_steps``; empty ones dropped. Per-host figures by
        counting: the open episodes (most) straight from the dense ``since``, the closed ones (few) by
        bincount; no sort but of the episodes of hosts with several, which come in time order per host
        (closed ones as they closed, the open one last)."""
        closed = self._closed
        if closed:
            host = np.concatenate([c[0] for c in closed])
            start = np.concatenate([c[1] for c in closed])
            end = np.repeat(np.array([c[2] for c in closed], dtype=np.int64), [c[0].size for c in closed])
            keep = start < end
            if not keep.all():
                host, start, end = host[keep], start[keep], end[keep]
        else:
            host = start = end = np.zeros(0, dtype=np.int64)
        since = self.since
        is_open = (since >= 0) & (since < n_steps)
        count = np.bincount(host, minlength=since.size) + is_open
        steps = np.where(is_open, n_steps - since, 0) + np.bincount(host, end - start, minlength=since.size)
        first = np.where(is_open, since, 0)
        first[host] = start  # hosts with several: one of theirs (read from their episodes instead)
        ids = np.flatnonzero(count)
        several = count[host] > 1
        still = np.flatnonzero(is_open & (count > 1))
        hm = np.concatenate([host[several], still])
        sm = np.concatenate([start[several], since[still]])
        em = np.concatenate([end[several], np.full(still.size, n_steps, dtype=np.int64)])
        order = np.argsort(hm, kind="stable")
        return Episodes(ids, count[ids], steps[ids], first[ids], hm[order], sm[order], em[order])
