"""Localized scanning: a mixture over prefix levels (Code Red II: 1/8 anywhere, 1/2 same /8, 3/8 same /16)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..core.registry import SCANNERS
from ..world.addresses import overlap
from .base import EMPTY, Landing, ProbeBatch, ProbeRule, Scanner, ScannerConfig, SourceWindows


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


CHUNK = 32  # targetable hosts per chunk of the infectable counts that picks search
_COLS = np.arange(CHUNK)


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
    inv_d: np.ndarray | None = None  # 1 / denom
    sus_d: np.ndarray | None = None  # infectable / denom: a probe's chance to hit an infectable host there
    other_d: np.ndarray | None = None  # the same for the block's other vulnerable hosts (not the source)

    def refresh(self, blocks: np.ndarray, skip: int) -> None:
        """``sus_d`` and ``other_d`` of ``blocks`` from their infectable counts."""
        self.sus_d[blocks] = self.infectable[blocks] * self.inv_d[blocks]
        self.other_d[blocks] = np.maximum(self.width[blocks] - self.infectable[blocks] - skip, 0) * self.inv_d[blocks]


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
                infectable=np.bincount(inverse[self.targetable], minlength=blocks.size).astype(np.int64),
                inv_d=1.0 / denom, sus_d=np.zeros(blocks.size), other_d=np.zeros(blocks.size)))
            self.levels[-1].refresh(np.arange(blocks.size), skip)
        self.skip = skip
        self.position = np.full(world.n, -1, dtype=np.int64)  # a host's index in targetable
        self.position[self.targetable] = np.arange(self.targetable.size)
        n_chunks = -(-self.targetable.size // CHUNK)
        self.open_t = np.zeros(n_chunks * CHUNK, dtype=bool)  # targetable host i is infectable now (all at first)
        self.open_t[:self.targetable.size] = True
        self.chunk_open = self.open_t.reshape(n_chunks, CHUNK).sum(axis=1).astype(np.int64)
        self._upto: np.ndarray | None = None
        self.block_levels = [lv for lv in self.levels if lv.prefix]

    def infectable_changed(self, ids: np.ndarray, sign: int) -> None:
        ids = ids[self.is_target[ids]]
        if ids.size == 0:
            return
        pos = self.position[ids]
        self.open_t[pos] = sign > 0
        np.add.at(self.chunk_open, pos // CHUNK, sign)
        for lv in self.block_levels:
            np.add.at(lv.infectable, lv.host_block[ids], sign)
            lv.refresh(lv.host_block[ids], self.skip)

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
        elif ids.size:  # a block whose last scanner stopped keeps a residue of rounding: zero it
            for lv in self.block_levels:
                rows, blocks = self.klass[ids] if self.filtered else 0, lv.host_block[ids]
                left = lv.block_rate[rows, blocks]
                lv.block_rate[rows, blocks] = np.where(left > 1e-12, left, 0.0)

    def _block_hits(self, lv: Level, dt: float, c: int) -> tuple[int, int, np.ndarray]:
        """Poisson thinning: the level's probes on infectable hosts, on other vulnerable hosts and misses are
        independent Poisson counts with the summed means over blocks (``lam_b S_b / d_b``, ``lam_b O_b / d_b``
        and the rest); the hits on infectable hosts are then spread over the blocks in proportion to
        ``lam_b S_b / d_b`` (one multinomial split, as sorted uniforms against the cumulative weights), and
        uniformly over each hit block's infectable hosts. The per-step work over blocks is a few whole-array
        products; only hit blocks are enumerated. ``c``: the sources' class."""
        s = self.streams
        rates = lv.block_rate[c]  # residues of rounding are zeroed when scanners stop
        k = lv.prob * dt
        w = rates * lv.sus_d
        lam_sus = k * float(w.sum())
        lam_other = k * float(rates @ lv.other_d)
        n_sus = int(s["hits"].poisson(lam_sus))
        n_other = int(s["hits"].poisson(lam_other))
        n_miss = int(s["probes"].poisson(max(k * float(rates.sum()) - lam_sus - lam_other, 0.0)))
        if n_sus == 0:
            return n_sus + n_other + n_miss, n_sus + n_other, EMPTY
        rng = s["targets"]
        cum = np.cumsum(w)
        u = rng.random(n_sus)
        u.sort()
        where = np.searchsorted(cum, u * cum[-1], side="right")  # sorted: hits of one block are adjacent
        if where[-1] >= cum.size:  # a uniform within rounding of 1
            where = np.minimum(where, np.flatnonzero(w)[-1])
        return n_sus + n_other + n_miss, n_sus + n_other, self._delivered(c, self._pick(lv, where, rng))

    def _pick(self, lv: Level, where: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One uniform infectable host of block ``where[i]`` for each i (``where`` sorted), all at once: with r uniform below the
        block's infectable count, the (r+1)-th infectable host from the block's start, found through the
        infectable counts per chunk of CHUNK targetable hosts (a cumulative sum over chunks, then one chunk)."""
        start = lv.start[where]
        rank = (rng.random(where.size) * lv.infectable[where]).astype(np.int64)
        per_chunk = self.chunk_open
        if self._upto is None:
            self._upto = np.cumsum(per_chunk)  # infectable hosts in chunks 0..j (nothing changes within a step)
        upto = self._upto
        first = np.flatnonzero(np.concatenate([[True], where[1:] != where[:-1]]))  # where is sorted
        lo = start[first]  # each hit block's start, once
        head = lo // CHUNK
        row = head[:, None] * CHUNK + _COLS
        before = upto[head] - per_chunk[head] + np.count_nonzero(self.open_t[row] & (row < lo[:, None]), axis=1)
        before = np.repeat(before, np.diff(np.append(first, where.size)))  # infectable hosts before the block
        target = before + rank + 1  # the target-th infectable host in targetable order lies in the block
        chunk = np.searchsorted(upto, target)
        row = chunk[:, None] * CHUNK + _COLS
        need = target - (upto[chunk] - per_chunk[chunk])
        within = (np.cumsum(self.open_t[row], axis=1) >= need[:, None]).argmax(axis=1)
        return self.targetable[chunk * CHUNK + within]

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
        self._upto = None  # infectable hosts per chunk, summed: computed once a step, when a block is hit
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
