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
FEW_OPEN = 4096  # at most this many infectable hosts: picks search the list of them instead (same answer)
_COLS = np.arange(CHUNK)


@dataclass
class Level:
    """One prefix level. Prefix 0 needs only ``p_hit``; a /k level owns the blocks ``offset`` .. ``offset +
    n_blocks`` of the scanner's block arrays (all levels' blocks side by side, so that one state change updates
    every level in one operation) and keeps views of them: the blocks' summed scan rates per delivery class,
    how many hosts there are infectable now, and ``sus_d`` (infectable / d_b: a probe's chance to hit an
    infectable host there) and ``other_d`` (the same for the block's other vulnerable hosts, not the source)."""

    prefix: int
    prob: float
    p_hit: float = 0.0
    offset: int = 0
    n_blocks: int = 0
    block_rate: np.ndarray | None = None  # (delivery classes, blocks)
    infectable: np.ndarray | None = None
    sus_d: np.ndarray | None = None
    other_d: np.ndarray | None = None

    def view(self, scanner: "LocalizedScanner") -> None:
        """Bind the views of the scanner's block arrays (again after those are reallocated)."""
        cut = slice(self.offset, self.offset + self.n_blocks)
        self.block_rate = scanner.block_rate[:, cut]
        self.infectable, self.sus_d, self.other_d = scanner.open_count[cut], scanner.sus_d[cut], scanner.other_d[cut]


@SCANNERS.register("localized")
class LocalizedScanner(Scanner):
    """A level-k probe from a host goes to a uniform address of the host's own /k block. Per step, the probes of
    all scanners in one block are Poisson with the block's summed rate, and they split (Poisson thinning) into
    hits on the block's infectable hosts, hits on its other vulnerable hosts, and misses. An infectable host
    is never the source, so excluding the source's own address only changes the denominator (block size - 1),
    which keeps the draw exact for every host whose state can change. Work per step grows with the hits on
    infectable hosts, not with the probes: per-block infectable counts are kept up to date through
    :meth:`infectable_changed` (infectable: susceptible, or running a worm this one displaces).

    The blocks of all /k levels sit side by side in one set of arrays (``block_of[j, host]``: the host's block
    at the j-th /k level, an index into them), so a state change costs the same few operations for every
    level, and the hits of all levels are found in one pass (:meth:`_pick`).
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
        self.all_targets = self.targetable.size == world.n
        block_of, start, width, denom = [], [], [], []
        offset = 0
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
            d = np.array([size - overlap(int(b) * size, int(b + 1) * size, space.excluded) for b in blocks])
            block_of.append(offset + inverse)
            start.append(lo)
            width.append(hi - lo)
            denom.append(np.maximum(d - skip, 1))
            self.levels.append(Level(k, pref.probability, offset=offset, n_blocks=blocks.size))
            offset += blocks.size
        self.block_levels = [lv for lv in self.levels if lv.prefix]
        cat = (lambda parts, dtype: np.concatenate(parts).astype(dtype)) if block_of else \
            (lambda parts, dtype: np.zeros(0, dtype=dtype))
        self.block_of = np.array(block_of, dtype=np.int64).reshape(len(block_of), world.n)
        start = cat(start, np.int64)
        self.width_left = np.maximum(cat(width, np.int64) - skip, 0)  # the block's targetable hosts, less a source
        self.inv_d = 1.0 / cat(denom, float)
        self.start_t = start  # the block's first targetable host (its index in targetable)
        self.head = start // CHUNK  # the chunk of the block's first targetable host
        self.lead = _COLS < (start % CHUNK)[:, None]  # that chunk's hosts before it
        self.block_rate = np.zeros((1, offset))
        # infectable hosts per block (``self.infectable`` is the loop's test, from Scanner)
        self.open_count = np.bincount(self.block_of[:, self.targetable].ravel(), minlength=offset).astype(np.int64)
        self.sus_d, self.other_d = np.zeros(offset), np.zeros(offset)
        self._refresh(np.arange(offset))
        for lv in self.block_levels:
            lv.view(self)
        self.position = np.full(world.n, -1, dtype=np.int64)  # a host's index in targetable
        self.position[self.targetable] = np.arange(self.targetable.size)
        n_chunks = -(-self.targetable.size // CHUNK)
        self.open_t = np.zeros(n_chunks * CHUNK, dtype=bool)  # targetable host i is infectable now (all at first)
        self.open_t[:self.targetable.size] = True
        self.open_rows = self.open_t.reshape(n_chunks, CHUNK)  # a view: one row per chunk
        self.chunk_open = self.open_rows.sum(axis=1).astype(np.int64)
        self.n_open = int(self.targetable.size)  # infectable targetable hosts
        self._upto: np.ndarray | None = None
        self._open_pos: np.ndarray | None = None

    def _refresh(self, blocks: np.ndarray) -> None:
        """``sus_d`` and ``other_d`` of ``blocks`` (indices into the block arrays) from their infectable counts."""
        inf, inv = self.open_count[blocks], self.inv_d[blocks]
        self.sus_d[blocks] = inf * inv
        self.other_d[blocks] = np.maximum(self.width_left[blocks] - inf, 0) * inv

    def infectable_changed(self, ids: np.ndarray, sign: int) -> None:
        if ids.size == 0:
            return
        if self.all_targets:  # every host is targetable: a host's index in targetable is its id
            pos = ids
        else:
            ids = ids[self.is_target[ids]]
            if ids.size == 0:
                return
            pos = self.position[ids]
        self.open_t[pos] = sign > 0
        self.n_open += sign * int(pos.size)
        listed = self._open_pos
        if listed is None:
            np.add.at(self.chunk_open, pos // CHUNK, sign)
        elif sign < 0:  # the list of infectable hosts replaces the chunk counts while it is kept (see _pick)
            self._open_pos = listed[self.open_t[listed]]  # (open_t is already current)
        elif self.n_open <= 2 * FEW_OPEN:
            self._open_pos = np.sort(np.concatenate([listed, pos]))
        else:  # many again: back to the chunk counts, recounted
            self._open_pos = None
            self.chunk_open = self.open_rows.sum(axis=1).astype(np.int64)
        if self.block_levels:
            blocks = self.block_of[:, ids].ravel()
            np.add.at(self.open_count, blocks, sign)
            self._refresh(blocks)

    def _classes_changed(self) -> None:
        self.block_rate = np.zeros((len(self.deliver), self.block_rate.shape[1]))
        for lv in self.block_levels:
            lv.view(self)

    def _cells(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cells, rates): the cells of ``ids`` in ``block_rate`` as flat indices, level by level (each level's in
        the order of ``ids``: the order in which a cell adds them up), and the rate to add to each. Flat 1-d
        indices: ``ufunc.at`` is several times cheaper on them than on (row, block) pairs."""
        cells = self.block_of[:, ids]
        if self.filtered:
            cells = cells + self.klass[ids] * self.block_rate.shape[1]
        r = self.rates[ids]
        return cells.ravel(), (r if cells.shape[0] == 1 else np.concatenate((r,) * cells.shape[0]))

    def start(self, ids: np.ndarray) -> None:
        super().start(ids)
        if self.block_levels and ids.size:
            np.add.at(self.block_rate.reshape(-1), *self._cells(ids))
        if self.watched:
            self._watching(ids, True)

    def stop(self, ids: np.ndarray) -> None:
        super().stop(ids)
        flat = self.block_rate.reshape(-1)  # (a view)
        cells = None
        if self.block_levels and ids.size:
            cells, r = self._cells(ids)
            np.subtract.at(flat, cells, r)
        if self.watched:
            self._watching(ids, False)
        if self.block_levels:
            if self.n_scanning == 0:
                self.block_rate[:] = 0.0
            elif cells is not None:  # a block whose last scanner stopped keeps a residue of rounding: zero it
                left = flat[cells] <= 1e-12
                if np.count_nonzero(left):
                    flat[cells[left]] = 0.0

    def _block_hits(self, lv: Level, dt: float, c: int) -> tuple[int, int, np.ndarray, np.ndarray]:
        """Poisson thinning: the level's probes on infectable hosts, on other vulnerable hosts and misses are
        independent Poisson counts with the summed means over blocks (``lam_b S_b / d_b``, ``lam_b O_b / d_b``
        and the rest); the hits on infectable hosts are then spread over the blocks in proportion to
        ``lam_b S_b / d_b`` (one multinomial split, as sorted uniforms against the cumulative weights), and
        uniformly over each hit block's infectable hosts: the (r+1)-th, r uniform below their count (found
        by :meth:`_pick`). The per-step work over blocks is a few whole-array products; only hits are
        enumerated. ``c``: the sources' class. Returns (probes, vulnerable hits, hit blocks (indices into the
        block arrays), r of each hit)."""
        s = self.streams
        rates = lv.block_rate[c]  # residues of rounding are zeroed when scanners stop
        k = lv.prob * dt
        w = rates * lv.sus_d
        lam_sus = k * float(np.add.reduce(w))  # (ndarray.sum without its wrapper: the same sum)
        lam_other = k * float(rates @ lv.other_d)
        n_sus = int(s["hits"].poisson(lam_sus))
        n_other = int(s["hits"].poisson(lam_other))
        n_miss = int(s["probes"].poisson(max(k * float(np.add.reduce(rates)) - lam_sus - lam_other, 0.0)))
        if n_sus == 0:
            return n_sus + n_other + n_miss, n_sus + n_other, EMPTY, EMPTY
        rng = s["targets"]
        some = (w > 0).nonzero()[0]  # the blocks with weight: few at /16 (the cumulative sum is the same over them)
        cum = np.cumsum(w[some])
        u = rng.random(n_sus)
        u.sort()
        where = np.searchsorted(cum, u * cum[-1], side="right")
        if where[-1] >= cum.size:  # a uniform within rounding of 1
            where = np.minimum(where, cum.size - 1)
        where = some[where]
        rank = (rng.random(n_sus) * lv.infectable[where]).astype(np.int64)
        return n_sus + n_other + n_miss, n_sus + n_other, where + lv.offset, rank

    def _pick(self, blocks: np.ndarray, rank: np.ndarray) -> np.ndarray:
        """The (rank[i]+1)-th infectable host of block ``blocks[i]`` (in targetable order) for each i, all at
        once: a block's targetable hosts are one range of ``targetable``, so that host is the (before + r +
        1)-th infectable one overall, with ``before`` the infectable hosts ahead of the block's first; both are
        found through the infectable counts per chunk of CHUNK targetable hosts (their cumulative sum, once a
        step, then one chunk's row). Once there are at most FEW_OPEN infectable hosts (most of a saturated
        outbreak), the sorted list of their indices in targetable (built here once, then kept in step by
        :meth:`infectable_changed` instead of the chunk counts, until they exceed 2 FEW_OPEN) answers directly:
        cheaper than the cumulative sum over every chunk each step."""
        per_chunk, rows = self.chunk_open, self.open_rows
        if self._open_pos is None and self.n_open <= FEW_OPEN:
            full = per_chunk.nonzero()[0]
            r, col = rows[full].nonzero()
            self._open_pos = full[r] * CHUNK + col
        at = self._open_pos
        if at is not None:  # few infectable hosts (a saturated outbreak): their list, in order, answers directly
            return self.targetable[at[np.searchsorted(at, self.start_t[blocks]) + rank]]
        if self._upto is None:
            self._upto = np.cumsum(per_chunk)  # infectable hosts in chunks 0..j (nothing changes within a step)
        upto = self._upto
        head = self.head[blocks]
        target = upto[head] - per_chunk[head] + np.count_nonzero(rows[head] & self.lead[blocks], axis=1) + rank + 1
        chunk = np.searchsorted(upto, target)
        need = target - upto[chunk] + per_chunk[chunk]
        within = (np.cumsum(rows[chunk], axis=1) >= need[:, None]).argmax(axis=1)
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
            hit, ranks, slots = [], [], []  # the block levels' hits, picked together below
            for lv in self.levels:
                if lv.prefix == 0:
                    p, h, targets = self._uniform_hits(c, rate * lv.prob * dt, lv.p_hit)
                    found.append(targets)
                else:
                    p, h, blocks, rank = self._block_hits(lv, dt, c)
                    if blocks.size:
                        hit.append(blocks)
                        ranks.append(rank)
                        slots.append(len(found))
                        found.append(None)
                vuln += h
                probes += p
            if hit:
                picked = self._pick(np.concatenate(hit), np.concatenate(ranks)) if len(hit) > 1 else \
                    self._pick(hit[0], ranks[0])
                at = 0
                for slot, blocks in zip(slots, hit):
                    found[slot] = self._delivered(c, picked[at:at + blocks.size])
                    at += blocks.size
        return ProbeBatch(worm, probes, vuln, np.concatenate(found) if found else EMPTY,
                          self._landings(dt) if self.watched else [])
