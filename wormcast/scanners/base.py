"""Scanning strategies, simulated in aggregate per time step.

Each strategy keeps what it needs about the hosts now scanning (total rate, per-block rates, sequence
progress) and, per step, returns the number of probes sent, how many reached a vulnerable host, and the
reached hosts that may be susceptible (with repeats; the engine checks their state). Probes are Poisson processes per host; thinning by target keeps each draw exact for the
step (see docs/engine.md). Hits on a vulnerable host whose state cannot change are harmless, so targets are
drawn over the static set of targetable hosts, never over a changing set.
"""

from __future__ import annotations

import numpy as np

from ..config.schema import Worm
from ..core.streams import Streams
from ..world.addresses import in_ranges
from ..world.population import World, target_ranges, target_size


def _expand(starts: np.ndarray, counts: np.ndarray, widths: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each block i, ``counts[i]`` uniform picks in [starts[i], starts[i] + widths[i])."""
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    w = np.repeat(widths, counts)
    return np.repeat(starts, counts) + (rng.random(total) * w).astype(np.int64)


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Concatenation of the integer ranges [lo[i], hi[i])."""
    n = hi - lo
    total = int(n.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    keep = n > 0
    lo, n = lo[keep], n[keep]
    offsets = np.arange(total) - np.repeat(np.cumsum(n) - n, n)
    return np.repeat(lo, n) + offsets


class Scanner:
    """Common book-keeping: which hosts are scanning, at what rate, and the target set."""

    def __init__(self, world: World, worm: Worm, rates: np.ndarray, streams: Streams):
        self.world, self.worm, self.rates, self.streams = world, worm, rates, streams
        self.excluded = target_ranges(worm.exclude)
        self.target_addresses = target_size(self.excluded)
        self.targetable = np.flatnonzero(~in_ranges(world.addresses, self.excluded))
        self.n_scanning = 0
        self.total_rate = 0.0
        self.klass = np.zeros(world.n, dtype=np.int64)
        self.deliver: list = [None]
        self.class_rate = np.zeros(1)

    def set_delivery(self, klass: np.ndarray, deliver: list) -> None:
        """Filters between sources and destinations (containment, egress filtering): a scanning host of class c
        has its probes delivered only to hosts where ``deliver[c]`` is True (None: everywhere). ``klass`` is
        the engine's array; a host's class changes only while it is not scanning (stop, change, start)."""
        self.klass, self.deliver = klass, deliver
        self.class_rate = np.zeros(len(deliver))
        self._classes_changed()

    def _classes_changed(self) -> None:
        """Hook for scanners that keep per-class structures."""

    @property
    def filtered(self) -> bool:
        return len(self.deliver) > 1

    def start(self, ids: np.ndarray) -> None:
        if ids.size:
            self.n_scanning += ids.size
            self.total_rate += float(self.rates[ids].sum())
            if self.filtered:
                self.class_rate += np.bincount(self.klass[ids], weights=self.rates[ids], minlength=len(self.deliver))

    def stop(self, ids: np.ndarray) -> None:
        if ids.size:
            self.n_scanning -= ids.size
            self.total_rate = 0.0 if self.n_scanning == 0 else max(0.0, self.total_rate - float(self.rates[ids].sum()))
            if self.filtered:
                self.class_rate -= np.bincount(self.klass[ids], weights=self.rates[ids], minlength=len(self.deliver))
                if self.n_scanning == 0:
                    self.class_rate[:] = 0.0

    def _delivered(self, c: int, targets: np.ndarray) -> np.ndarray:
        mask = self.deliver[c]
        return targets if mask is None else targets[mask[targets]]

    def _class_rates(self) -> list[tuple[int, float]]:
        """(class, summed rate) of the classes with scanners; one entry (0, total) without filters."""
        if not self.filtered:
            return [(0, self.total_rate)] if self.total_rate > 0 else []
        return [(c, float(r)) for c, r in enumerate(self.class_rate) if r > 1e-12]

    tracks_infectable = False

    def bind(self, infectable) -> None:
        """``infectable(ids) -> bool mask``: which hosts this worm can infect now (the engine knows)."""
        self.infectable = infectable

    def infectable_changed(self, ids: np.ndarray, sign: int) -> None:
        """Hosts ``ids`` became (+1) or stopped being (-1) infectable by this worm (trackers only)."""

    def step(self, dt: float) -> tuple[int, int, np.ndarray]:
        """(probes sent, probes that reached a vulnerable host, reached hosts that may be susceptible)."""
        raise NotImplementedError
