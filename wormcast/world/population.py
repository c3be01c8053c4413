"""The vulnerable population: real IPv4 addresses, sorted, so any CIDR block is a contiguous id range.

Host ids are positions in the sorted address array; every per-host array in the engine is indexed by them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config.schema import Population
from ..errors import WormcastError
from ..util.files import read_regular_text

MAX_CSV_BYTES = 1 << 30  # a population CSV (prefix,count lines) is far smaller
from ..config.limits import MAX_HOSTS
from .addresses import (  # noqa: F401
    in_ranges,
    merge_ranges,
    overlap,
    parse_cidr,
    target_ranges,
    target_size,
)

# /8 blocks that held no public hosts in 2001: 0/8, private 10/8, loopback 127/8, multicast and reserved 224/3.
_NEVER = {0, 10, 127} | set(range(224, 256))
ELIGIBLE_SLASH8 = np.array([b for b in range(256) if b not in _NEVER], dtype=np.int64)


@dataclass(frozen=True)
class World:
    """Sorted unique host addresses (int64), and for organisation servers their organisation index and
    front-end number (-1 elsewhere)."""

    addresses: np.ndarray
    org: np.ndarray | None = None
    frontend: np.ndarray | None = None

    def __post_init__(self):
        if self.org is None:
            object.__setattr__(self, "org", np.full(self.addresses.size, -1, dtype=np.int32))
        if self.frontend is None:
            object.__setattr__(self, "frontend", np.full(self.addresses.size, -1, dtype=np.int32))

    @property
    def n(self) -> int:
        return int(self.addresses.size)


def _distinct_offsets(rng: np.random.Generator, base: np.ndarray, size: int,
                      forbidden: list[tuple[int, int]] = ()) -> np.ndarray:
    """base[i] + a uniform offset in [0, size), redrawn until all addresses are distinct and none falls
    in a forbidden range."""
    addrs = base + rng.integers(0, size, base.size)
    while True:
        order = np.argsort(addrs, kind="stable")
        dup = np.zeros(addrs.size, dtype=bool)
        dup[order[1:]] = addrs[order[1:]] == addrs[order[:-1]]
        if forbidden:
            dup |= in_ranges(addrs, list(forbidden))
        if not dup.any():
            return addrs
        addrs[dup] = base[dup] + rng.integers(0, size, int(dup.sum()))


def clustered(pop: Population, rng: np.random.Generator, forbidden: list[tuple[int, int]] = ()) -> World:
    """Heavy-tailed placement: a few /8s hold most hosts, most /8s none; within a /8, a lognormal spread
    over a random share of its /16s; within a /16, uniform distinct addresses."""
    n = int(pop.vulnerable)
    eligible = ELIGIBLE_SLASH8
    if forbidden:  # a /8 that organisations fill more than half of holds no other host
        free = np.array([overlap(int(b) << 24, (int(b) + 1) << 24, list(forbidden)) < (1 << 23) for b in eligible])
        eligible = eligible[free]
        if eligible.size < pop.active_slash8:
            raise WormcastError(f"population.active_slash8 = {pop.active_slash8}: the organisations' blocks leave "
                                f"only {eligible.size} /8 blocks for other hosts")
    chosen = np.sort(rng.choice(eligible, size=pop.active_slash8, replace=False))
    w8 = rng.pareto(pop.slash8_tail, size=chosen.size) + 1.0
    per8 = rng.multinomial(n, w8 / w8.sum())
    blocks16, w16 = [], []
    for b8 in chosen:
        occupied = rng.random(256) < pop.slash16_occupancy
        occupied[rng.integers(0, 256)] = True
        if forbidden:  # a /16 that organisations fill more than half of holds no other host
            lo16 = ((b8 << 8) + np.arange(256)) << 16
            allowed = np.array([overlap(int(a), int(a) + (1 << 16), list(forbidden)) for a in lo16]) < (1 << 15)
            occupied &= allowed
            if not occupied.any():
                occupied[np.flatnonzero(allowed)[0]] = True
        subs = np.flatnonzero(occupied)
        blocks16.append((b8 << 8) + subs)
        w16.append(rng.lognormal(0.0, pop.slash16_sigma, subs.size))
    counts = np.zeros(sum(b.size for b in blocks16), dtype=np.int64)
    pos = 0
    for b, w, k in zip(blocks16, w16, per8):
        counts[pos:pos + b.size] = rng.multinomial(k, w / w.sum())
        pos += b.size
    blocks16 = np.concatenate(blocks16)
    cap = 1 << 15  # at most half of a /16, so distinct offsets are cheap to draw
    while counts.max() > cap:
        over = counts > cap
        excess = int((counts[over] - cap).sum())
        counts[over] = cap
        room = (counts < cap).astype(float)
        if room.sum() * cap < excess + counts[counts < cap].sum():
            raise WormcastError("population.vulnerable is too large for population.active_slash8 blocks")
        counts += rng.multinomial(excess, room / room.sum())
    base = np.repeat(blocks16 << 16, counts)
    return World(np.sort(_distinct_offsets(rng, base, 1 << 16, forbidden)))


def from_csv(path: Path, rng: np.random.Generator, expected: int | None = None) -> World:
    """``prefix,count`` lines (CIDR), ``#`` comments and an optional header; hosts uniform in each block."""
    try:
        lines = read_regular_text(path, MAX_CSV_BYTES).splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise WormcastError(f"{path}: cannot read population CSV ({exc})") from None
    blocks: list[tuple[int, int, int, int]] = []
    for lineno, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line or (lineno == 1 and line.lower().replace(" ", "").startswith("prefix,")):
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 2:
            raise WormcastError(f"{path}:{lineno}: expected 'prefix,count', got {raw.strip()!r}")
        try:
            lo, hi = parse_cidr(parts[0])
        except ValueError as exc:
            raise WormcastError(f"{path}:{lineno}: {exc}") from None
        try:
            count = int(parts[1])
        except ValueError:
            raise WormcastError(f"{path}:{lineno}: count {parts[1]!r} is not an integer") from None
        if count < 0 or count > hi - lo:
            raise WormcastError(f"{path}:{lineno}: count {count} does not fit in {parts[0]} ({hi - lo} addresses)")
        blocks.append((lo, hi, count, lineno))
    if not blocks:
        raise WormcastError(f"{path}: no prefix,count lines")
    ordered = sorted(blocks)
    for (lo1, hi1, _, l1), (lo2, _, _, l2) in zip(ordered, ordered[1:]):
        if lo2 < hi1:
            raise WormcastError(f"{path}:{l2}: block overlaps the block on line {l1}")
    total = sum(b[2] for b in blocks)
    if total > MAX_HOSTS:
        raise WormcastError(f"{path}: holds {total:,} hosts, above the limit of {MAX_HOSTS:,}")
    if expected is not None and expected != total:
        raise WormcastError(f"{path}: holds {total} hosts but population.vulnerable = {expected}")
    if total == 0:
        raise WormcastError(f"{path}: the blocks hold no hosts")
    chunks = [lo + rng.choice(hi - lo, size=count, replace=False) for lo, hi, count, _ in blocks if count]
    return World(np.sort(np.concatenate(chunks).astype(np.int64)))


def _org_servers(org, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(addresses, front-end numbers) of an organisation's vulnerable servers: ``servers`` distinct
    addresses uniform over its blocks, of which round(vulnerable_fraction * servers) are vulnerable."""
    ranges = sorted(parse_cidr(b) for b in org.blocks)
    sizes = np.array([hi - lo for lo, hi in ranges], dtype=np.int64)
    idx = np.sort(rng.choice(int(sizes.sum()), size=org.servers, replace=False))
    which = np.searchsorted(np.cumsum(sizes), idx, side="right")
    starts = np.array([lo for lo, _ in ranges], dtype=np.int64)
    addrs = starts[which] + idx - (np.cumsum(sizes) - sizes)[which]
    k = int(round(org.vulnerable_fraction * org.servers))
    vulnerable = np.sort(rng.choice(org.servers, size=k, replace=False))
    return addrs[vulnerable], vulnerable


def build_world(pop: Population, rng: np.random.Generator, base_dir: str | None = None,
                orgs: list | None = None) -> World:
    """The vulnerable population plus the organisations' vulnerable servers (outside hosts avoid their
    blocks: the generator redraws them; a CSV that places hosts there is an error)."""
    orgs = orgs or []
    forbidden = merge_ranges([parse_cidr(b) for o in orgs for b in o.blocks])
    if pop.csv is not None:
        path = Path(pop.csv)
        if not path.is_absolute() and base_dir:
            path = Path(base_dir) / path
        world = from_csv(path, rng, pop.vulnerable)
        if forbidden and in_ranges(world.addresses, forbidden).any():
            raise WormcastError(f"{path}: places hosts inside an organisation's blocks")
    else:
        world = clustered(pop, rng, forbidden)
    if not orgs:
        return world
    addrs, org_of, fe = [world.addresses], [world.org], [world.frontend]
    for i, org in enumerate(orgs):
        a, f = _org_servers(org, rng)
        addrs.append(a)
        org_of.append(np.full(a.size, i, dtype=np.int32))
        fe.append(f.astype(np.int32))
    addrs = np.concatenate(addrs)
    order = np.argsort(addrs, kind="stable")
    return World(addrs[order], np.concatenate(org_of)[order], np.concatenate(fe)[order])
