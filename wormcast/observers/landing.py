"""Where a scanner's probes land: the probability that one probe from a source falls in a set of ranges.

A scanner is described as a mixture over prefix levels (:class:`ScannerDescription`): with probability
``p_k`` a probe goes to a uniform address of the source's own ``/k`` block (``k = 0``: the whole space),
never to an excluded address, and never to the source itself when ``skip_self``. This is exactly the target
law of wormcast's uniform and localized scanners (``scanners/uniform.py``, ``scanners/localized.py``:
the level-``k`` denominator is the block's non-excluded size, minus one under ``skip_self``). Code Red II:
1/8 anywhere, 1/2 same /8, 3/8 same /16 (background.md section 2); uniform: one level ``k = 0``.

For one probe from source ``s`` and a telescope ``T`` (half-open ranges), with ``B_k(s)`` the /k block of
``s`` and ``E`` the excluded ranges:

    P(land in T | s) = sum_k p_k * (|T ∩ B_k(s) \\ E| - [skip_self and s ∈ T \\ E])
                                   / (|B_k(s) \\ E| - [skip_self])

For uniform scanning without exclusions this is |T| / 2^32 (Moore, Shannon & Brown, IMW 2002: a /8
telescope sees 1/256 of a uniform scanner's probes). Computed exactly, vectorised over sources, with
prefix sums of range lengths (no sampling).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..world.addresses import SPACE, merge_ranges


@dataclass(frozen=True)
class PrefixLevel:
    """A probe goes to the source's own /``prefix`` block with ``probability`` (prefix 0: anywhere)."""

    prefix: int
    probability: float

    def __post_init__(self) -> None:
        if not 0 <= self.prefix <= 31:
            raise ValueError(f"prefix {self.prefix}: must be 0..31")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability {self.probability}: must be in [0, 1]")


@dataclass(frozen=True)
class ScannerDescription:
    """The target law of an independent-probe scanner (uniform or prefix mixture)."""

    levels: tuple[PrefixLevel, ...] = (PrefixLevel(0, 1.0),)
    excluded: tuple[tuple[int, int], ...] = field(default_factory=tuple)
    skip_self: bool = False

    def __post_init__(self) -> None:
        total = sum(lv.probability for lv in self.levels)
        if not self.levels or abs(total - 1.0) > 1e-9:
            raise ValueError(f"level probabilities sum to {total:g}, not 1")
        object.__setattr__(self, "excluded", tuple(merge_ranges(list(self.excluded))))

    @classmethod
    def uniform(cls, excluded=(), skip_self: bool = False) -> "ScannerDescription":
        return cls((PrefixLevel(0, 1.0),), tuple(excluded), skip_self)

    @classmethod
    def local_preference(cls, levels: list[tuple[int, float]], excluded=(), skip_self: bool = False):
        """``levels``: (prefix, probability) pairs, e.g. Code Red II [(0, 1/8), (8, 1/2), (16, 3/8)]."""
        return cls(tuple(PrefixLevel(k, p) for k, p in levels), tuple(excluded), skip_self)

    @classmethod
    def from_worm(cls, worm) -> "ScannerDescription":
        """From a :class:`wormcast.config.schema.Worm`. Shared-sequence scanning is not independent per
        probe (every copy walks one sequence), so it has no per-probe landing law: refused."""
        from ..world.population import target_ranges

        excl = tuple(target_ranges(worm.exclude))
        kind = worm.scanning.kind
        if kind == "uniform":
            return cls.uniform(excl, worm.skip_self)
        if kind == "localized":
            return cls.local_preference([(p.prefix, p.probability) for p in worm.scanning.local_preference], excl,
                                        worm.skip_self)
        raise ValueError(f"scanning {kind!r}: no per-probe landing probability (not independent probes)")


class _Coverage:
    """Number of addresses of a set of disjoint ranges below x, for arrays of x (prefix sums)."""

    def __init__(self, ranges: list[tuple[int, int]]):
        r = merge_ranges(ranges)
        self.lo = np.array([a for a, _ in r], dtype=np.int64)
        self.hi = np.array([b for _, b in r], dtype=np.int64)
        lengths = self.hi - self.lo
        self.before = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)

    def below(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.int64)
        if self.lo.size == 0:
            return np.zeros(x.shape, dtype=np.int64)
        i = np.searchsorted(self.lo, x, side="right")  # ranges starting below x
        j = np.maximum(i - 1, 0)
        partial = np.where(i > 0, np.minimum(x, self.hi[j]) - self.lo[j], 0)
        return self.before[j] * (i > 0) + partial

    def between(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return self.below(hi) - self.below(lo)

    def contains(self, x: np.ndarray) -> np.ndarray:
        return self.between(x, np.asarray(x, dtype=np.int64) + 1) > 0


def subtract_ranges(ranges: list[tuple[int, int]], removed: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``ranges`` minus ``removed`` (both half-open), merged."""
    out = []
    rem = merge_ranges(list(removed))
    for lo, hi in merge_ranges(list(ranges)):
        cur = lo
        for a, b in rem:
            if b <= cur or a >= hi:
                continue
            if a > cur:
                out.append((cur, a))
            cur = max(cur, b)
        if cur < hi:
            out.append((cur, hi))
    return out


def landing_probability(source_addresses, telescope_ranges, scanner: ScannerDescription) -> np.ndarray:
    """Probability that one probe from each source lands in the telescope (see the module docstring).

    ``source_addresses``: integer IPv4 addresses; ``telescope_ranges``: half-open (first, end) ranges, e.g.
    from :func:`wormcast.world.addresses.parse_cidr`. Exact, in float64."""
    src = np.asarray(source_addresses, dtype=np.int64)
    tel = _Coverage(subtract_ranges(list(telescope_ranges), list(scanner.excluded)))
    exc = _Coverage(list(scanner.excluded))
    self_in_t = tel.contains(src) if scanner.skip_self else np.zeros(src.shape, dtype=bool)
    out = np.zeros(src.shape, dtype=float)
    for lv in scanner.levels:
        if lv.probability == 0:
            continue
        size = 1 << (32 - lv.prefix)
        lo = (src >> (32 - lv.prefix)) << (32 - lv.prefix) if lv.prefix else np.zeros_like(src)
        hi = lo + size if lv.prefix else np.full_like(src, SPACE)
        num = tel.between(lo, hi) - self_in_t
        den = size - exc.between(lo, hi) - (1 if scanner.skip_self else 0)
        out += lv.probability * np.where(den > 0, num / np.maximum(den, 1), 0.0)
    return out
