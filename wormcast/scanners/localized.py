"""Localized scanning: a mixture over prefix levels (Code Red II: 1/8 anywhere, 1/2 same /8, 3/8 same /16)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..core.registry import SCANNERS
from ..world.addresses import overlap
from .base import EMPTY, Landing, ProbeBatch, ProbeRule, Scanner, ScannerConfig, SourceWindows, expand, ranges


class LocalPreference(BaseModel):
    """Probability that a probe targets an address sharing the source's first ``prefix`` bits."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    prefix: int = Field(ge=0, le=31)
    probability: float = Field(ge=0, le=1)


class LocalizedConfig(ScannerConfig):
    kind: str = "localized"
    local_preference: list[LocalPreference] = Field(min_length=1, description="the prefix levels and their "
                                                    "probabilities (summing to 1)")

    @model_validator(mode="after")
    def _check(self) -> "LocalizedConfig":
        total = sum(p.probability for p in self.local_preference)
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"local_preference probabilities sum to {total:g}, not 1")
        prefixes = [p.prefix for p in self.local_preference]
        if len(set(prefixes)) != len(prefixes):
            raise ValueError("local_preference lists a prefix twice")
        return self


class LocalizedRule(ProbeRule):
    def __init__(self, *args):
        super().__init__(*args)
        self.levels = [(lv.prefix, lv.probability) for lv in self.config.local_preference if lv.probability > 0]
        self.level_p = np.array([p for _, p in self.levels])

    def draw(self, src: np.ndarray) -> np.ndarray:
        rng = self.rng
        lvl = rng.choice(len(self.levels), size=src.size, p=self.level_p)
        out = np.empty(src.size, dtype=np.int64)
        for j, (k, _) in enumerate(self.levels):
            m = lvl == j
            if k == 0:
                out[m] = self.targets[rng.integers(0, self.targets.size, int(m.sum()))]
            else:
                base = (self.addresses[src[m]] >> (32 - k)) << (32 - k)
                out[m] = base + rng.integers(0, 1 << (32 - k), int(m.sum()))
        return out


@dataclass
class Level:
    """One prefix level. Prefix 0 needs only ``p_hit``; a /k level keeps per-block structures: each host's
    block, the blocks' summed scan rates per delivery class, their targetable hosts (a contiguous range of
    ``targetable``), the addresses a probe can reach there, and how many hosts there are infectable now."""

    prefix: int
    prob: float
    p_hit: float = 0.0
    host_block: np.ndarray | None = None
    block_rate: np.ndarray | None = None  # (delivery classes, blocks)
    start: np.ndarray | None = None
    width: np.ndarray | None = None
    denom: np.ndarray | None = None
    infectable: np.ndarray | None = None


@SCANNERS.register("localized")
class LocalizedScanner(Scanner):
    """A level-k probe from a host goes to a uniform address of the host's own /k block. Per step, the probes of
    all scanners in one block are Poisson with the block's summed rate, and they split (Poisson thinning) into
    hits on the block's infectable hosts, hits on its other vulnerable hosts, and misses. An infectable host
    is never the source, so excluding the source's own address only changes the denominator (block size - 1),
    which keeps the draw exact for every host whose state can change. Work per step grows with the blocks
    where an infectable host is hit, not with the probes: per-block infectable counts are kept up to date
    through :meth:`infectable_changed` (infectable: susceptible, or running a worm this one displaces).
    """

    Config = LocalizedConfig
    Rule = LocalizedRule
    tracks_infectable = True
    streams_used = ("probes", "hits", "targets", "watch")
    watched: list = []  # per watched block: each host's landing probability (set by watch())

    @classmethod
    def example_config(cls) -> dict:
        return {"kind": cls.kind, "local_preference": [{"prefix": 0, "probability": 0.2},
                                                       {"prefix": 8, "probability": 0.3},
                                                       {"prefix": 14, "probability": 0.5}]}

    def __init__(self, *args):
        super().__init__(*args)
        self.levels: list[Level] = []
        world, space = self.world, self.space
        skip = 1 if space.skip_self else 0
        tgt_addr = world.addresses[self.targetable]
        self.is_target = np.zeros(world.n, dtype=bool)
        self.is_target[self.targetable] = True
        for pref in self.config.local_preference:
            if pref.probability == 0:
                continue
            k = pref.prefix
            if k == 0:
                self.levels.append(Level(0, pref.probability, p_hit=self.targetable.size / space.denominator))
                continue
            host_block = world.addresses >> (32 - k)
            blocks, inverse = np.unique(host_block, return_inverse=True)
            tgt_block = tgt_addr >> (32 - k)
            lo = np.searchsorted(tgt_block, blocks, side="left")
            hi = np.searchsorted(tgt_block, blocks, side="right")
            size = 1 << (32 - k)
            denom = np.array([size - overlap(int(b) * size, int(b + 1) * size, space.excluded) for b in blocks])
            denom = np.maximum(denom - skip, 1)
            self.levels.append(Level(
                k, pref.probability, host_block=inverse, block_rate=np.zeros((1, blocks.size)),
                start=lo, width=hi - lo, denom=denom.astype(float),
                infectable=np.bincount(inverse[self.targetable], minlength=blocks.size).astype(np.int64)))
        self.block_levels = [lv for lv in self.levels if lv.prefix]

    def infectable_changed(self, ids: np.ndarray, sign: int) -> None:
        ids = ids[self.is_target[ids]]
        if ids.size == 0:
            return
        for lv in self.block_levels:
            np.add.at(lv.infectable, lv.host_block[ids], sign)

    def _classes_changed(self) -> None:
        for lv in self.block_levels:
            lv.block_rate = np.zeros((len(self.deliver), lv.block_rate.shape[1]))

    def _update(self, ids: np.ndarray, sign: float) -> None:
        for lv in self.block_levels:
            np.add.at(lv.block_rate, (self.klass[ids] if self.filtered else 0, lv.host_block[ids]),
                      sign * self.rates[ids])

    def start(self, ids: np.ndarray) -> None:
        super().start(ids)
        self._update(ids, +1.0)
        if self.watched:
            self._watching(ids, True)

    def stop(self, ids: np.ndarray) -> None:
        super().stop(ids)
        self._update(ids, -1.0)
        if self.watched:
            self._watching(ids, False)
        if self.n_scanning == 0:
            for lv in self.block_levels:
                lv.block_rate[:] = 0.0

    def _block_hits(self, lv: Level, dt: float, c: int) -> tuple[int, int, np.ndarray]:
        """Poisson thinning: per block, probes on infectable hosts, on other vulnerable hosts and misses are
        independent Poisson counts; only the first needs a per-block draw. ``c``: the sources' class."""
        s = self.streams
        rates = lv.block_rate[c]
        active = np.flatnonzero(rates > 1e-12)
        lam = rates[active] * (lv.prob * dt)
        d = lv.denom[active]
        sus = lv.infectable[active]
        other = np.maximum(lv.width[active] - sus - (1 if self.space.skip_self else 0), 0)
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
            return n_sus + n_other + n_miss, n_sus + n_other, EMPTY
        blocks, k = active[cand[hit]], k[hit]
        start, width = lv.start[blocks], lv.width[blocks]
        members = self.targetable[ranges(start, start + width)]
        members = members[self.infectable(members)]
        count = lv.infectable[blocks]
        first = np.cumsum(count) - count
        picks = expand(first, k, count, s["targets"])
        return n_sus + n_other + n_miss, n_sus + n_other, self._delivered(c, members[picks])

    # ------------------------------------------------------------ where probes land (observers)

    def watch(self, blocks: list[list[tuple[int, int]]]) -> None:
        """Each host's probes land in a watched block with the probability of observers/landing.py (the
        prefix mixture, exclusions and the skipped own address, exactly); per step a source's landed probes
        are Poisson(rate x probability x dt), independent over sources (Poisson thinning), drawn from the
        ``watch`` stream only, so watching never changes the outbreak. Probes on the block's own vulnerable
        hosts are drawn with the others (same law; apart from the outbreak's own hits on them)."""
        from ..observers.landing import ScannerDescription, landing_probability

        desc = ScannerDescription.local_preference(
            [(p.prefix, p.probability) for p in self.config.local_preference], self.space.excluded,
            self.space.skip_self)
        self.watched = [landing_probability(self.world.addresses, block, desc) for block in blocks]
        self.scanning = np.zeros(self.world.n, dtype=bool)
        self.every = [getattr(b, "every", 1) for b in blocks]  # WatchBlocks: sources once per window
        self.windows = SourceWindows(self.world.n, self.every) if max(self.every) > 1 else None
        self.watch_rate = np.zeros(len(blocks))  # summed rate x landing probability of the scanning hosts
        self.window_probes = [0] * len(blocks)

    def _watching(self, ids: np.ndarray, scanning: bool) -> None:
        self.scanning[ids] = scanning
        if self.windows is None:
            return
        if scanning:
            self.windows.started(ids)
        else:
            self.windows.stopped(ids)
        for b, q in enumerate(self.watched):
            self.watch_rate[b] = 0.0 if self.n_scanning == 0 else \
                self.watch_rate[b] + (1 if scanning else -1) * float((self.rates[ids] * q[ids]).sum())

    def _landings(self, dt: float) -> list[Landing]:
        from ..observers.sampling import thin_poisson

        rng = self.streams["watch"]
        out = []
        if any(e == 1 for e in self.every):
            sources = np.flatnonzero(self.scanning)
            rates = self.rates[sources]
        for b, q in enumerate(self.watched):
            if self.every[b] > 1:  # Poisson total now, sources at the end of the window
                n = int(rng.poisson(max(self.watch_rate[b], 0.0) * dt))
                self.window_probes[b] += n
                out.append(Landing(b, n))
                continue
            ids, counts = thin_poisson(rng, sources, rates, q[sources], dt)
            out.append(Landing(b, int(counts.sum()), ids, counts))
        if self.windows is not None:
            for e in self.windows.closing():
                hosts, steps = self.windows.close(e, self.scanning)
                for b in (b for b, every in enumerate(self.every) if every == e):
                    n, self.window_probes[b] = self.window_probes[b], 0
                    w = self.rates[hosts] * self.watched[b][hosts] * steps
                    if n and w.sum() > 0:
                        counts = rng.multinomial(n, w / w.sum())
                        keep = counts > 0
                        out[b].sources, out[b].counts = hosts[keep], counts[keep]
            self.windows.advance()
        return out

    def step(self, dt: float, worm: int) -> ProbeBatch:
        if self.n_scanning == 0:
            return ProbeBatch(worm, 0, 0, EMPTY, self._landings(dt) if self.watched else [])
        probes, vuln, found = 0, 0, []
        for c, rate in self._class_rates():
            for lv in self.levels:
                if lv.prefix == 0:
                    p, h, targets = self._uniform_hits(c, rate * lv.prob * dt, lv.p_hit)
                else:
                    p, h, targets = self._block_hits(lv, dt, c)
                vuln += h
                probes += p
                found.append(targets)
        return ProbeBatch(worm, probes, vuln, np.concatenate(found) if found else EMPTY,
                          self._landings(dt) if self.watched else [])
