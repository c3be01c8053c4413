"""What every scanner is: a component that draws a worm's probes per step, exact in aggregate.

A scanner keeps what it needs about the hosts now scanning (total rate, per-block rates, sequence
progress) and, per step, returns a :class:`ProbeBatch`: the probes sent, how many reached a vulnerable
host, and the reached hosts that may be infectable (with repeats; the loop checks their state). Probes are
Poisson processes per host; thinning by target keeps each draw exact for the step (docs/engine.md). Hits on
a vulnerable host whose state cannot change are harmless, so targets are drawn over the static set of
targetable hosts, never over a changing set.

A new scanner is one file in this folder: a subclass with a ``Config`` (pydantic, ``kind`` set by the
registry), ``step``, and a :class:`ProbeRule` for the brute-force reference; registered with
``@SCANNERS.register("name")`` (or, outside wormcast, an entry point in the ``wormcast.scanners`` group or
a dotted path ``package.module:Class`` as the scenario's ``scanning.kind``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, ClassVar

import numpy as np

from ..config.components import ComponentConfig
from ..world.addresses import in_ranges
from ..world.population import target_ranges, target_size

EMPTY = np.empty(0, dtype=np.int64)


class ScannerConfig(ComponentConfig):
    """A scanner's own settings in a scenario: ``scanning = {kind = "...", ...}``."""


@dataclass(frozen=True)
class TargetSpace:
    """The addresses a worm may probe: all of IPv4 less its excluded ranges, and the hosts inside them."""

    excluded: list[tuple[int, int]]
    size: int  # number of target addresses
    targetable: np.ndarray  # host ids whose address is a target
    skip_self: bool

    @classmethod
    def of(cls, worm, world) -> "TargetSpace":
        excluded = target_ranges(worm.exclude)
        return cls(excluded, target_size(excluded), np.flatnonzero(~in_ranges(world.addresses, excluded)),
                   worm.skip_self)

    @property
    def denominator(self) -> int:
        """Addresses a probe can go to: the space, less the source itself when the worm skips it."""
        return self.size - (1 if self.skip_self else 0)


@dataclass
class Landing:
    """Probes of one step that landed in one watched address block: how many, and from which sources."""

    block: int  # index of the block in the observers' watch list
    probes: int  # landed this step
    # sources and counts: of this step's probes; for a WatchBlock with every > 1, of the whole window's,
    # on its last step only (empty on the others)
    sources: np.ndarray = field(default_factory=lambda: EMPTY)  # host ids
    counts: np.ndarray = field(default_factory=lambda: EMPTY)  # probes from each source


class WatchBlock(list):
    """A watched block (a list of half-open address ranges) whose observer needs the sources of the probes
    only once per window of ``every`` steps (windows from step 0; an observer's accounting interval). A
    scanner may then count the landed probes every step and name their sources once, on the window's last
    step, for the whole window: with Poisson probe counts per step, given the window's total the split
    over sources is multinomial with weights rate x steps scanning in the window (exact for every figure of
    the window). Scanners that do not know about windows report every step, which is also right."""

    def __init__(self, ranges, every: int = 1):
        super().__init__(ranges)
        self.every = max(int(every), 1)


class SourceWindows:
    """For WatchBlocks named once per window: the steps each host scanned within the current window of every
    length in use. The scanner calls :meth:`started` / :meth:`stopped` as hosts start and stop, and
    :meth:`advance` after each step; a host started now scans from step ``s`` on."""

    def __init__(self, n: int, everies):
        self.since = np.full(n, -1, dtype=np.int64)
        self.expo = {e: np.zeros(n, dtype=np.int64) for e in set(everies) if e > 1}
        self.start = {e: 0 for e in self.expo}  # first step of each current window
        self.touched: dict[int, list[np.ndarray]] = {e: [] for e in self.expo}
        self.s = 0

    def started(self, ids: np.ndarray) -> None:
        self.since[ids] = self.s

    def stopped(self, ids: np.ndarray) -> None:
        for e, expo in self.expo.items():
            expo[ids] += np.maximum(self.s - np.maximum(self.since[ids], self.start[e]), 0)
            self.touched[e].append(ids)
        self.since[ids] = -1

    def closing(self) -> list[int]:
        """The window lengths whose window ends with the step being drawn."""
        return [e for e in self.expo if (self.s + 1) % e == 0]

    def close(self, e: int, scanning: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(hosts that scanned in the ending window of length ``e``, steps each scanned); starts the next."""
        end = self.s + 1
        touched = np.concatenate(self.touched[e]) if self.touched[e] else EMPTY
        mask = scanning.copy()
        mask[touched] = True
        hosts = np.flatnonzero(mask)
        steps = self.expo[e][hosts] + np.where(scanning[hosts], end - np.maximum(self.since[hosts], self.start[e]), 0)
        self.expo[e][touched] = 0
        self.touched[e], self.start[e] = [], end
        return hosts, steps

    def advance(self) -> None:
        self.s += 1


@dataclass
class ProbeBatch:
    """One worm's probes during one step."""

    worm: int
    probes: int
    vulnerable_hits: int
    reached: np.ndarray  # hosts reached that may be infectable, with repeats
    landed: list[Landing] = field(default_factory=list)
    ended: np.ndarray = field(default_factory=lambda: EMPTY)  # copies that destroyed their host (killed)


def expand(starts: np.ndarray, counts: np.ndarray, widths: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each block i, ``counts[i]`` uniform picks in [starts[i], starts[i] + widths[i])."""
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    w = np.repeat(widths, counts)
    return np.repeat(starts, counts) + (rng.random(total) * w).astype(np.int64)


def ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Concatenation of the integer ranges [lo[i], hi[i])."""
    n = hi - lo
    total = int(n.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    keep = n > 0
    lo, n = lo[keep], n[keep]
    offsets = np.arange(total) - np.repeat(np.cumsum(n) - n, n)
    return np.repeat(lo, n) + offsets


class ProbeRule:
    """Per-probe targets exactly as the worm picks them, for the brute-force reference simulator
    (``wormcast/analytic/reference.py``). ``targets``: every target address (a small space only)."""

    def __init__(self, config, space: TargetSpace, targets: np.ndarray, addresses: np.ndarray,
                 rng: np.random.Generator):
        self.config, self.space, self.targets, self.addresses, self.rng = config, space, targets, addresses, rng

    def draw(self, src: np.ndarray) -> np.ndarray:
        """Target addresses of one probe from each source in ``src`` (may fall outside the space)."""
        raise NotImplementedError

    def targets_for(self, src: np.ndarray) -> np.ndarray:
        """:meth:`draw`, redrawn where a probe fell in an excluded range or on its own source."""
        out = self.draw(src)
        redo = in_ranges(out, self.space.excluded)
        if self.space.skip_self:
            redo |= out == self.addresses[src]
        if redo.any():
            out[redo] = self.targets_for(src[redo])
        return out

    def gets_in(self, hosts: np.ndarray) -> np.ndarray:
        """Whether each probe that landed on susceptible ``hosts`` (one per probe) gets in, for scanners with
        a per-contact step after the target (Mirai's port and login); default: every one does."""
        return np.ones(hosts.size, dtype=bool)

    def sent(self, src: np.ndarray) -> None:
        """Probes from ``src`` (with repeats) were sent (for rules that keep per-copy progress)."""

    def infected(self, host: int) -> None:
        """``host`` was just infected (its copy starts afresh)."""


class Scanner:
    """Common book-keeping: which hosts are scanning, at what rate, and their delivery classes.

    ``rates``: per-host scan rates (probes per second); ``streams``: the declared random streams;
    ``infectable(ids) -> mask``: which hosts this worm can infect now (the loop knows).
    """

    Config: ClassVar[type[ScannerConfig]] = ScannerConfig
    Rule: ClassVar[type[ProbeRule]] = ProbeRule
    kind: ClassVar[str] = ""
    streams_used: ClassVar[tuple[str, ...]] = ("probes", "hits", "targets")
    tracks_infectable: ClassVar[bool] = False  # wants infectable_changed() calls

    def __init__(self, config: ScannerConfig, space: TargetSpace, world, rates: np.ndarray, streams,
                 infectable: Callable[[np.ndarray], np.ndarray]):
        self.config, self.space, self.world, self.rates, self.streams = config, space, world, rates, streams
        self.infectable = infectable
        self.targetable = space.targetable
        self.all_targetable = space.targetable.size == world.n  # then targetable[i] == i (no gather needed)
        self._hit_streams = None  # (probes, hits, targets) streams of _uniform_hits, looked up once
        self.target_addresses = space.size
        self.n_scanning = 0
        self.total_rate = 0.0
        self.klass = np.zeros(world.n, dtype=np.int64)
        self.deliver: list = [None]
        self.class_rate = np.zeros(1)
        self.episode_logs: list = []  # observers' logs of who scans when (observers/episodes.py)

    @classmethod
    def growth_rate(cls, worm, vulnerable: int, target_addresses: int) -> float | None:
        """The outbreak's early growth rate K per second, for the step rule (core/stepsize.py): random scanning's
        K = mean scan rate x infection success x vulnerable / target addresses; None where growth is not
        exponential. Scanners that grow faster (local preference) still use it: check convergence there."""
        return worm.scan_rate.mean * worm.infection_success * vulnerable / target_addresses

    @classmethod
    def example_config(cls) -> dict:
        """Settings for the engine-against-reference tests (a 2^18-address world of a few hundred hosts)."""
        return {"kind": cls.kind}

    # ------------------------------------------------------------ delivery classes

    def set_delivery(self, klass: np.ndarray, deliver: list) -> None:
        """Filters between sources and destinations (containment, egress filtering): a scanning host of class c
        has its probes delivered only to hosts where ``deliver[c]`` is True (None: everywhere). ``klass`` is
        the loop's array; a host's class changes only while it is not scanning (stop, change, start)."""
        self.klass, self.deliver = klass, deliver
        self.class_rate = np.zeros(len(deliver))
        self._classes_changed()

    def _classes_changed(self) -> None:
        """Hook for scanners that keep per-class structures."""

    @property
    def filtered(self) -> bool:
        return len(self.deliver) > 1

    def _delivered(self, c: int, targets: np.ndarray) -> np.ndarray:
        mask = self.deliver[c]
        return targets if mask is None else targets[mask[targets]]

    def _delivered_by_owner(self, targets: np.ndarray, owners: np.ndarray) -> np.ndarray:
        """Each hit kept only if the copy that made it (``owners``, one per target) may deliver there."""
        klass = self.klass[owners]
        keep = np.ones(targets.size, dtype=bool)
        for c, mask in enumerate(self.deliver):
            if mask is not None:
                mine = klass == c
                keep[mine] = mask[targets[mine]]
        return targets[keep]

    def _uniform_hits(self, c: int, lam: float, p_hit: float) -> tuple[int, int, np.ndarray]:
        """Probes ~ Poisson(lam) to uniform target addresses from sources of class ``c``: (probes, hits on
        vulnerable hosts ~ Binomial(probes, p_hit), the hit hosts uniform among the targetable ones)."""
        if self._hit_streams is None:
            s = self.streams
            self._hit_streams = (s["probes"], s["hits"], s["targets"])
        probes, hits, targets = self._hit_streams
        p = int(probes.poisson(lam))
        h = int(hits.binomial(p, p_hit)) if p else 0
        if h == 0:  # (an empty draw takes nothing from the stream)
            return p, 0, EMPTY
        hit = targets.integers(0, self.targetable.size, h)
        return p, h, self._delivered(c, hit if self.all_targetable else self.targetable[hit])

    def _class_rates(self) -> list[tuple[int, float]]:
        """(class, summed rate) of the classes with scanners; one entry (0, total) without filters."""
        if not self.filtered:
            return [(0, self.total_rate)] if self.total_rate > 0 else []
        return [(c, float(r)) for c, r in enumerate(self.class_rate) if r > 1e-12]

    # ------------------------------------------------------------ the loop's calls

    def start(self, ids: np.ndarray) -> None:
        """Hosts ``ids`` start scanning."""
        for log in self.episode_logs:
            log.started(ids)
        if ids.size:
            self.n_scanning += ids.size
            self.total_rate += float(np.add.reduce(self.rates[ids]))  # (ndarray.sum without its wrapper)
            if self.filtered:
                self.class_rate += np.bincount(self.klass[ids], weights=self.rates[ids], minlength=len(self.deliver))

    def stop(self, ids: np.ndarray) -> None:
        """Hosts ``ids`` stop scanning."""
        for log in self.episode_logs:
            log.stopped(ids)
        if ids.size:
            self.n_scanning -= ids.size
            self.total_rate = 0.0 if self.n_scanning == 0 else max(
                0.0, self.total_rate - float(np.add.reduce(self.rates[ids])))
            if self.filtered:
                self.class_rate -= np.bincount(self.klass[ids], weights=self.rates[ids], minlength=len(self.deliver))
                if self.n_scanning == 0:
                    self.class_rate[:] = 0.0

    def watch(self, blocks: list[list[tuple[int, int]]]) -> None:
        """Observers want, per step, the probes landing in each of ``blocks`` (see :class:`Landing`)."""
        from ..errors import WormcastError

        raise WormcastError(f"scanner {self.kind!r} cannot yet say where its probes land, which an observer "
                            "of this scenario needs")

    def seeded(self, ids: np.ndarray) -> None:
        """Hosts ``ids`` are about to be infected at release or from the worm's hit-list, not by scanning
        (before :meth:`on_infected`); permutation scanning starts those copies after their own point."""

    def on_infected(self, ids: np.ndarray) -> None:
        """Hosts ``ids`` were just infected by this worm (before those scanning start)."""

    def infectable_changed(self, ids: np.ndarray, sign: int) -> None:
        """Hosts ``ids`` became (+1) or stopped being (-1) infectable by this worm (trackers only)."""

    def step(self, dt: float, worm: int) -> ProbeBatch:
        """The probes of one step of length ``dt`` seconds."""
        raise NotImplementedError


class CopyScanner(Scanner):
    """A scanner whose copies each keep their own progress (a sequence position, a generator state): it
    keeps the sorted ids of the copies now scanning in ``copies``."""

    def __init__(self, *args):
        super().__init__(*args)
        self._is_copy = np.zeros(self.world.n, dtype=bool)
        self._copies: np.ndarray | None = EMPTY

    @property
    def copies(self) -> np.ndarray:
        if self._copies is None:  # rebuilt once after changes (a mask: cheaper than set unions per change)
            self._copies = np.flatnonzero(self._is_copy)
        return self._copies

    def start(self, ids: np.ndarray) -> None:
        super().start(ids)
        if ids.size:
            self._is_copy[ids] = True
            self._copies = None

    def stop(self, ids: np.ndarray) -> None:
        super().stop(ids)
        if ids.size:
            self._is_copy[ids] = False
            self._copies = None


class NextHostCopies(CopyScanner):
    """Event-driven copies: each scanning copy's time of reaching its next host (``t_next``, seconds of the
    scanner's clock ``t``); a copy that stops keeps the scanning time it still needs (``t_left``) and resumes
    with it. Subclasses set ``t_next``, ``t_left`` (per host, inf: none) and ``t``."""

    t: float = 0.0

    def start(self, ids: np.ndarray) -> None:
        super().start(ids)
        self.t_next[ids] = self.t + self.t_left[ids]

    def stop(self, ids: np.ndarray) -> None:
        super().stop(ids)
        self.t_left[ids] = self.t_next[ids] - self.t
        self.t_next[ids] = np.inf


def rank_within(src: np.ndarray) -> np.ndarray:
    """For each entry of ``src`` (host ids, with repeats), how many earlier entries have the same id: the
    probe's place among its copy's probes of this call."""
    order = np.argsort(src, kind="stable")
    s_sorted = src[order]
    starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    rank = np.empty(src.size, dtype=np.int64)
    rank[order] = np.arange(src.size) - np.repeat(starts, np.diff(np.r_[starts, src.size]))
    return rank
