"""Localized scanning: a mixture over prefix levels (Code Red II)."""

from __future__ import annotations

import numpy as np

from ..world.addresses import overlap
from .base import Scanner, _expand, _ranges


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
