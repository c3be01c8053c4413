"""Where a shared sequence's probes land: the watched addresses' positions in the one sequence every copy
walks (Code Red I v1, scanners/shared_sequence.py), drawn exactly and lazily.

The sequence is a uniform random permutation of the target space, and the engine already fixed the
positions of the vulnerable hosts; the other positions hold the other addresses in uniform random order. A
watched block's own hosts have known positions. Its dark (host-free) addresses are a uniform random subset
of the free positions: split the sequence into cells of ``CELL`` positions; at the start, a multivariate
hypergeometric draw says how many dark addresses of each block each cell holds (exact); when a copy first
reaches a cell, that cell's dark positions are drawn (a uniform subset of its free positions, shared out
among the blocks at random) and kept. Every copy that walks a cell later crosses the same positions, as
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
        self.per_cell = []
        for d in dark:  # blocks are disjoint: each takes its dark positions among those still free
            k = rng.multivariate_hypergeometric(free, d, method="marginals") if d else np.zeros_like(free)
            self.per_cell.append(k)
            free = free - k
        self.before = [np.concatenate([[0], np.cumsum(k)]) for k in self.per_cell]
        self.totals = [int(k.sum()) + hp.size for k, hp in zip(self.per_cell, self.host_pos)]
        self.drawn = np.zeros(self.n_cells, dtype=bool)
        self.known = [np.zeros(0, dtype=np.int64) for _ in blocks]  # dark positions of the drawn cells

    def _draw_cell(self, c: int) -> None:
        lo = c * CELL
        hosts = self.pos_sorted[np.searchsorted(self.pos_sorted, lo):np.searchsorted(self.pos_sorted, lo + CELL)]
        m = min(CELL, self.length - lo) - hosts.size
        ks = [int(k[c]) for k in self.per_cell]
        ranks = np.sort(self.rng.choice(m, size=sum(ks), replace=False))
        shift = hosts - lo - np.arange(hosts.size)  # free rank r sits at r + #{j: shift_j <= r}
        pos = lo + ranks + np.searchsorted(shift, ranks, side="right")
        owner = self.rng.permutation(np.repeat(np.arange(len(ks)), ks))
        for b in range(len(ks)):
            mine = pos[owner == b]
            at = np.searchsorted(self.known[b], mine)
            self.known[b] = np.insert(self.known[b], at, mine)
        self.drawn[c] = True

    def below(self, b: int, x: np.ndarray) -> np.ndarray:
        """Watched addresses of block ``b`` at positions < x (0 <= x <= length)."""
        cell = np.minimum(x // CELL, self.n_cells - 1)
        for c in np.unique(cell[~self.drawn[cell]]):
            self._draw_cell(int(c))
        known = self.known[b]
        dark = self.before[b][cell] + np.searchsorted(known, x) - np.searchsorted(known, cell * CELL)
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
