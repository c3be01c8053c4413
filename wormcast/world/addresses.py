"""IPv4 addresses as unsigned integers and CIDR blocks as half-open integer ranges."""

from __future__ import annotations

import ipaddress

import numpy as np

ADDRESS_BITS = 32
SPACE = 1 << ADDRESS_BITS


def parse_cidr(text: str) -> tuple[int, int]:
    """``"10.0.0.0/8"`` -> (first, end) with end exclusive. Host bits must be zero."""
    try:
        net = ipaddress.IPv4Network(str(text).strip(), strict=True)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{text!r} is not a valid IPv4 CIDR block ({exc})") from None
    return int(net.network_address), int(net.network_address) + net.num_addresses


def parse_address(text: str) -> int:
    try:
        return int(ipaddress.IPv4Address(str(text).strip()))
    except (ValueError, TypeError):
        raise ValueError(f"{text!r} is not a valid IPv4 address") from None


def format_address(value: int) -> str:
    return str(ipaddress.IPv4Address(int(value)))


def format_addresses(values: np.ndarray) -> list[str]:
    """Dotted-quad text of many integer addresses at once (what :func:`format_address` gives for each)."""
    a = np.asarray(values, dtype=np.int64)
    parts = [((a >> shift) & 255).astype(str) for shift in (24, 16, 8, 0)]
    return (np.char.add(np.char.add(np.char.add(np.char.add(parts[0], "."), parts[1]), "."),
                            np.char.add(np.char.add(parts[2], "."), parts[3]))).tolist()


def merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of half-open ranges, sorted and non-overlapping."""
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(a, b) for a, b in out]


def in_ranges(addresses: np.ndarray, ranges: list[tuple[int, int]]) -> np.ndarray:
    """Boolean mask: which addresses fall inside any of the (merged) ranges."""
    mask = np.zeros(len(addresses), dtype=bool)
    for lo, hi in ranges:
        mask |= (addresses >= lo) & (addresses < hi)
    return mask


def overlap(lo: int, hi: int, ranges: list[tuple[int, int]]) -> int:
    """How many addresses of [lo, hi) lie inside the merged ranges."""
    return sum(max(0, min(hi, b) - max(lo, a)) for a, b in ranges)


def target_ranges(exclude: list[str]) -> list[tuple[int, int]]:
    """Merged excluded ranges of a worm."""
    return merge_ranges([parse_cidr(c) for c in exclude])


def target_size(excluded: list[tuple[int, int]]) -> int:
    """Addresses left to probe outside ``excluded``."""
    return SPACE - sum(hi - lo for lo, hi in excluded)
