"""Scanning strategies, simulated in aggregate per time step.

Each strategy keeps what it needs about the hosts now scanning (total rate, per-block rates, sequence
progress) and, per step, returns the number of probes sent, how many reached a vulnerable host, and the
reached hosts that may be susceptible (with repeats; the engine checks their state). Probes are Poisson processes per host; thinning by target keeps each draw exact for the
step (see docs/engine.md). Hits on a vulnerable host whose state cannot change are harmless, so targets are
drawn over the static set of targetable hosts, never over a changing set.
"""

from __future__ import annotations

import numpy as np

from .addresses import in_ranges, overlap
from .rng import Streams
from .scenario import Worm
from .world import World, target_ranges, target_size


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


class UniformScanner(Scanner):
    """Every probe goes to a uniform address of the target space (Code Red I v2)."""

    def __init__(self, *args):
        super().__init__(*args)
        denom = self.target_addresses - (1 if self.worm.skip_self else 0)
        self.p_hit = self.targetable.size / denom

    def step(self, dt: float) -> tuple[int, int, np.ndarray]:
        s = self.streams
        probes = hits = 0
        found = []
        for c, rate in self._class_rates():
            p = int(s["probes"].poisson(rate * dt))
            h = int(s["hits"].binomial(p, self.p_hit)) if p else 0
            probes, hits = probes + p, hits + h
            found.append(self._delivered(c, self.targetable[s["targets"].integers(0, self.targetable.size, h)]))
        if not found:
            return 0, 0, np.empty(0, dtype=np.int64)
        return probes, hits, found[0] if len(found) == 1 else np.concatenate(found)


class LocalizedScanner(Scanner):
    """A mixture over prefix levels (Code Red II: 1/8 anywhere, 1/2 same /8, 3/8 same /16).

    A level-k probe from a host goes to a uniform address of the host's own /k block. Per step, the probes of
    all scanners in one block are Poisson with the block's summed rate, and they split (Poisson thinning) into
    hits on the block's susceptible hosts, hits on its other vulnerable hosts, and misses. A susceptible host
    is never the source, so excluding the source's own address only changes the denominator (block size - 1),
    which keeps the draw exact for every host whose state can change. Work per step grows with the blocks
    where a susceptible host is hit, not with the probes: per-block susceptible counts are kept up to date
    through :meth:`infectable_changed` (infectable: susceptible, or running a worm this one displaces).
    """

    def __init__(self, *args):
        super().__init__(*args)
        self.levels = []
        tgt_addr = self.world.addresses[self.targetable]
        is_target = np.zeros(self.world.n, dtype=bool)
        is_target[self.targetable] = True
        for pref in self.worm.local_preference:
            if pref.probability == 0:
                continue
            k = pref.prefix
            if k == 0:
                denom = self.target_addresses - (1 if self.worm.skip_self else 0)
                self.levels.append(dict(prefix=0, prob=pref.probability, p_hit=self.targetable.size / denom))
                continue
            host_block = self.world.addresses >> (32 - k)
            blocks, inverse = np.unique(host_block, return_inverse=True)
            tgt_block = tgt_addr >> (32 - k)
            lo = np.searchsorted(tgt_block, blocks, side="left")
            hi = np.searchsorted(tgt_block, blocks, side="right")
            size = 1 << (32 - k)
            denom = np.array([size - overlap(int(b) * size, int(b + 1) * size, self.excluded) for b in blocks])
            denom = np.maximum(denom - (1 if self.worm.skip_self else 0), 1)
            self.levels.append(dict(
                prefix=k, prob=pref.probability, host_block=inverse, block_rate=np.zeros((1, blocks.size)),
                start=lo, width=hi - lo, denom=denom.astype(float),
                infectable=np.bincount(inverse[self.targetable], minlength=blocks.size).astype(np.int64),
            ))
        self.is_target = is_target

    tracks_infectable = True

    def infectable_changed(self, ids: np.ndarray, sign: int) -> None:
        ids = ids[self.is_target[ids]]
        if ids.size == 0:
            return
        for lv in self.levels:
            if lv["prefix"]:
                np.add.at(lv["infectable"], lv["host_block"][ids], sign)

    def _classes_changed(self) -> None:
        for lv in self.levels:
            if lv["prefix"]:
                lv["block_rate"] = np.zeros((len(self.deliver), lv["block_rate"].shape[1]))

    def _update(self, ids: np.ndarray, sign: float) -> None:
        for lv in self.levels:
            if lv["prefix"]:
                np.add.at(lv["block_rate"], (self.klass[ids] if self.filtered else 0, lv["host_block"][ids]),
                          sign * self.rates[ids])

    def start(self, ids: np.ndarray) -> None:
        super().start(ids)
        self._update(ids, +1.0)

    def stop(self, ids: np.ndarray) -> None:
        super().stop(ids)
        self._update(ids, -1.0)
        if self.n_scanning == 0:
            for lv in self.levels:
                if lv["prefix"]:
                    lv["block_rate"][:] = 0.0

    def _block_hits(self, lv: dict, dt: float, c: int) -> tuple[int, int, np.ndarray]:
        """Poisson thinning: per block, probes on susceptible hosts, on other vulnerable hosts and misses are
        independent Poisson counts; only the first needs a per-block draw. ``c``: the sources' class."""
        s = self.streams
        rates = lv["block_rate"][c]
        active = np.flatnonzero(rates > 1e-12)
        lam = rates[active] * (lv["prob"] * dt)
        d = lv["denom"][active]
        sus = lv["infectable"][active]
        other = np.maximum(lv["width"][active] - sus - (1 if self.worm.skip_self else 0), 0)
        lam_sus = lam * sus / d
        lam_other = float((lam * other / d).sum())
        lam_miss = float(lam.sum()) - float(lam_sus.sum()) - lam_other
        n_other = int(s["hits"].poisson(lam_other))
        n_miss = int(s["probes"].poisson(max(lam_miss, 0.0)))
        cand = np.flatnonzero(lam_sus > 0)
        k = s["hits"].poisson(lam_sus[cand])
        hit = np.flatnonzero(k)
        n_sus = int(k.sum())
        if hit.size == 0:
            return n_sus + n_other + n_miss, n_sus + n_other, np.empty(0, dtype=np.int64)
        blocks, k = active[cand[hit]], k[hit]
        start, width = lv["start"][blocks], lv["width"][blocks]
        members = self.targetable[_ranges(start, start + width)]
        members = members[self.infectable(members)]
        count = lv["infectable"][blocks]
        first = np.cumsum(count) - count
        picks = _expand(first, k, count, s["targets"])
        return n_sus + n_other + n_miss, n_sus + n_other, self._delivered(c, members[picks])

    def step(self, dt: float) -> tuple[int, int, np.ndarray]:
        if self.n_scanning == 0:
            return 0, 0, np.empty(0, dtype=np.int64)
        s = self.streams
        probes, vuln, found = 0, 0, []
        for c, rate in self._class_rates():
            for lv in self.levels:
                if lv["prefix"] == 0:
                    p = int(s["probes"].poisson(rate * lv["prob"] * dt))
                    h = int(s["hits"].binomial(p, lv["p_hit"])) if p else 0
                    found.append(self._delivered(c, self.targetable[s["targets"].integers(0, self.targetable.size, h)]))
                    vuln += h
                else:
                    p, h, targets = self._block_hits(lv, dt, c)
                    vuln += h
                    found.append(targets)
                probes += p
        return probes, vuln, np.concatenate(found) if found else np.empty(0, dtype=np.int64)


class SharedSequenceScanner(Scanner):
    """Code Red I v1: every copy walks one fixed pseudo-random sequence of the target space from its start.

    A full-period generator visits each address once per cycle, so a vulnerable host sits at a uniform,
    distinct position of the sequence. A copy that has sent n probes has probed positions [0, n); per step
    each copy advances by a Poisson count and hits the hosts whose positions it crosses.
    """

    def __init__(self, *args):
        super().__init__(*args)
        length = self.target_addresses
        pos = self.streams["sequence"].choice(length, size=self.targetable.size, replace=False)
        order = np.argsort(pos)
        self.length = length
        self.pos_sorted = pos[order].astype(np.int64)
        self.pos_host = self.targetable[order]
        self.progress = np.zeros(self.world.n, dtype=np.int64)
        self.copies = np.empty(0, dtype=np.int64)

    def restart(self, ids: np.ndarray) -> None:
        """A new infection starts its copy at the head of the sequence."""
        self.progress[ids] = 0

    def start(self, ids: np.ndarray) -> None:
        super().start(ids)
        if ids.size:
            self.copies = np.union1d(self.copies, ids)

    def stop(self, ids: np.ndarray) -> None:
        super().stop(ids)
        if ids.size:
            self.copies = np.setdiff1d(self.copies, ids, assume_unique=True)

    def step(self, dt: float) -> tuple[int, np.ndarray]:
        if self.copies.size == 0:
            return 0, 0, np.empty(0, dtype=np.int64)
        s = self.streams
        ids = self.copies
        adv = s["probes"].poisson(self.rates[ids] * dt).astype(np.int64)
        lo = self.progress[ids]
        self.progress[ids] = lo + adv
        found = []
        laps = adv // self.length
        if laps.any():  # a copy went round the whole sequence: every host got that many probes from it
            found.append(np.tile(self.pos_host, int(laps.sum())))
        rem = adv - laps * self.length
        a = lo % self.length
        b = a + rem
        wrap = b > self.length
        ends = np.minimum(b, self.length)
        lo_i, hi_i = np.searchsorted(self.pos_sorted, a), np.searchsorted(self.pos_sorted, ends)
        found.append(self.pos_host[_ranges(lo_i, hi_i)])
        owners = [np.repeat(ids, hi_i - lo_i)] if self.filtered else []
        if wrap.any():
            hi_w = np.searchsorted(self.pos_sorted, b[wrap] - self.length)
            found.append(self.pos_host[_ranges(np.zeros(int(wrap.sum()), dtype=np.int64), hi_w)])
            if self.filtered:
                owners.append(np.repeat(ids[wrap], hi_w))
        if laps.any() and self.filtered:
            owners.insert(0, np.repeat(ids, laps * self.pos_host.size))
        targets = np.concatenate(found)
        reached = int(targets.size)
        if self.filtered:  # each hit keeps only if the copy that made it may deliver there
            klass = self.klass[np.concatenate(owners)]
            keep = np.ones(targets.size, dtype=bool)
            for c, mask in enumerate(self.deliver):
                if mask is not None:
                    mine = klass == c
                    keep[mine] = mask[targets[mine]]
            targets = targets[keep]
        return int(adv.sum()), reached, targets


def make_scanner(world: World, worm: Worm, rates: np.ndarray, streams: Streams) -> Scanner:
    cls = {"uniform": UniformScanner, "localized": LocalizedScanner, "shared-sequence": SharedSequenceScanner}
    return cls[worm.scanning](world, worm, rates, streams)


__all__ = ["Scanner", "make_scanner"]
