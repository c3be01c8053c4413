"""Where a shared sequence's probes land: the watched addresses' positions in the one sequence every copy
walks (Code Red I v1, scanners/shared_sequence.py), drawn exactly and lazily.

The sequence is a uniform random permutation of the target space, and the engine already fixed the
positions of the vulnerable hosts; the other positions hold the other addresses in uniform random order. A
watched block's own hosts have known positions. Its dark (host-free) addresses are a uniform random subset
of the free positions: split the sequence into cells of ``CELL`` positions; when a copy first reaches a
cell, the cells up to it are drawn in order: how many dark addresses of each block the cell holds
(hypergeometric given those not yet placed and the free positions not yet drawn: the multivariate
hypergeometric by the chain rule, exact), then which of its free positions they hold (a uniform subset,
shared out among the blocks at random); the positions are kept. Copies start at the head and walk forward,
so the drawn cells are the stretch walked so far. Every copy that walks a cell later crosses the same positions, as
the worm's copies do: two copies that walked the same stretch have seen the same watched addresses (per-
source thinning would make them independent). Memory: the dark positions of the cells reached so far.
All draws from the scanner's ``watch`` stream.
"""

from __future__ import annotations

import numpy as np

from ..world.addresses import in_ranges, overlap

CELL = 1 << 16


class SequenceLanding:
    """``length``: the sequence (target space) size; ``pos_sorted``: the vulnerable hosts' positions, sorted,
    ``pos_host``: the host at each; ``addresses``: every host's address; ``blocks``: the watched blocks."""

    def __init__(self, length: int, pos_sorted: np.ndarray, pos_host: np.ndarray, addresses: np.ndarray,
                 excluded, blocks: list[list[tuple[int, int]]], rng: np.random.Generator):
        self.length, self.rng, self.pos_sorted = int(length), rng, pos_sorted
        self.n_cells = -(-self.length // CELL)
        edges = np.minimum(np.arange(self.n_cells + 1, dtype=np.int64) * CELL, self.length)
        self.cell_hosts = np.diff(np.searchsorted(pos_sorted, edges))  # vulnerable hosts per cell
        free = np.diff(edges) - self.cell_hosts
        host_addr = addresses[pos_host]
        self.host_pos, dark = [], []
        for block in blocks:  # hosts of the block (known positions) and its dark addresses
            inside = in_ranges(host_addr, block)
            self.host_pos.append(np.sort(pos_sorted[inside]))
            size = sum(hi - lo - overlap(lo, hi, list(excluded)) for lo, hi in block)
            dark.append(size - int(inside.sum()))
        self.dark_left = dark  # per block: dark addresses not yet placed
        self.free_left = int(free.sum())  # free positions of the cells not yet drawn
        self.free = free
        self.totals = [d + hp.size for d, hp in zip(dark, self.host_pos)]
        self.frontier = 0  # cells [0, frontier) are drawn
        self.before = [np.zeros(self.n_cells + 1, dtype=np.int64) for _ in blocks]  # dark in cells < c
        self.known = [np.zeros(0, dtype=np.int64) for _ in blocks]  # dark positions of the drawn cells

    def _hypergeometric(self, good: int, bad: int, sample: int) -> int:
        if good < 10**9 and bad < 10**9:
            return int(self.rng.hypergeometric(good, bad, sample)) if sample and good else 0
        from scipy import stats  # numpy's sampler stops at 10^9: inversion of the exact CDF

        return int(stats.hypergeom.ppf(self.rng.random(), good + bad, good, sample))

    def _draw_cell(self, c: int) -> None:
        lo = c * CELL
        hosts = self.pos_sorted[np.searchsorted(self.pos_sorted, lo):np.searchsorted(self.pos_sorted, lo + CELL)]
        m = int(self.free[c])
        ks, room, left = [], m, self.free_left
        for b, d in enumerate(self.dark_left):  # chain rule over the blocks
            k = self._hypergeometric(d, left - d, room)
            ks.append(k)
            self.dark_left[b] -= k
            room, left = room - k, left - d
        self.free_left -= m
        ranks = np.sort(self.rng.choice(m, size=sum(ks), replace=False))
        shift = hosts - lo - np.arange(hosts.size)  # free rank r sits at r + #{j: shift_j <= r}
        pos = lo + ranks + np.searchsorted(shift, ranks, side="right")
        owner = self.rng.permutation(np.repeat(np.arange(len(ks)), ks))
        for b, k in enumerate(ks):
            self.known[b] = np.concatenate([self.known[b], pos[owner == b]])  # cells drawn in order: sorted
            self.before[b][c + 1] = self.before[b][c] + k
        self.frontier = c + 1

    def below(self, b: int, x: np.ndarray) -> np.ndarray:
        """Watched addresses of block ``b`` at positions < x (0 <= x <= length)."""
        x = np.asarray(x, dtype=np.int64)
        full = x >= self.length
        cell = np.minimum(x // CELL, self.n_cells - 1)
        need = int(cell[~full].max()) if (~full).any() else -1
        while self.frontier <= need:
            self._draw_cell(self.frontier)
        known = self.known[b]
        c = np.where(full, 0, cell)
        dark = self.before[b][c] + np.searchsorted(known, x) - np.searchsorted(known, c * CELL)
        dark = np.where(full, self.totals[b] - self.host_pos[b].size, dark)
        return dark + np.searchsorted(self.host_pos[b], x)

    def crossed(self, b: int, start: np.ndarray, advance: np.ndarray) -> np.ndarray:
        """Watched addresses of block ``b`` crossed by copies at ``start`` (probes sent so far) advancing by
        ``advance`` positions (with whole laps of the sequence)."""
        L = self.length
        laps = advance // L
        a = start % L
        end = a + advance - laps * L
        wrap = end > L
        out = laps * self.totals[b] + self.below(b, np.minimum(end, L)) - self.below(b, a)
        if wrap.any():
            out[wrap] += self.below(b, end[wrap] - L)
        return out
