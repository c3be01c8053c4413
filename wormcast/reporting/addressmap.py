"""The IPv4 address space as a picture: a Hilbert-curve map, coloured by host state.

The layout is that of xkcd's and CAIDA's "map of the Internet": the 2^32 addresses are laid along a
Hilbert curve, so addresses that are numerically near are near on the page and every aligned CIDR block
with an even prefix length is a square (an odd one, two squares side by side). 0.0.0.0 is at the top left,
255.255.255.255 at the top right, and the /8s form a 16 x 16 grid read in xkcd's order (0 1 14 15 16 ...
along the top row).

Resolution: ``bits_per_pixel`` address bits per pixel (even, default 14), so a side of
2^((32 - bits_per_pixel) / 2) pixels. The default gives a 512 x 512 map where each pixel is a /18
(16,384 addresses), each /16 a 2 x 2 square and each /8 a 32 x 32 square: every /16 stays visible and the
figure fits a page. A whole-space map at one /16 per pixel would only be 256 x 256; one pixel per /24 would
be 4096 x 4096, too big for a report.

Each pixel holds counts of hosts per :data:`CLASSES` entry. The colour of a pixel is the state shown by
:func:`pixel_class` (any infected host shows it infected; then backdoored; then patched if patched hosts
outnumber vulnerable ones), the same rule for the PNG figures and the browser map (:func:`map_data` ships
the shown class, so the page holds no copy of the rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..core.states import DORMANT, PATCHED, SCANNING
from ..world.addresses import ADDRESS_BITS, parse_cidr


@dataclass(frozen=True)
class MapClass:
    name: str
    label: str
    color: str


# The order is the code: state_codes hold indices into this tuple.
CLASSES: tuple[MapClass, ...] = (
    MapClass("susceptible", "vulnerable (susceptible)", "#60a5fa"),
    MapClass("infected", "infected", "#dc2626"),
    MapClass("backdoored", "backdoored", "#9333ea"),
    MapClass("patched", "patched", "#16a34a"),
)
SUSCEPTIBLE, INFECTED, BACKDOORED, PATCHED_CLASS = range(len(CLASSES))
EMPTY = -1  # a pixel with no host
DEFAULT_BITS_PER_PIXEL = 14


def map_classes(state: np.ndarray, backdoor: np.ndarray | None = None) -> np.ndarray:
    """Engine host states (core.states) and backdoor flags -> map class codes (int8).

    Scanning and dormant hosts are infected; a host that is not infected but carries a backdoor is
    backdoored (the backdoor survives patching); patched hosts are patched; the rest are vulnerable."""
    state = np.asarray(state)
    codes = np.full(state.shape, SUSCEPTIBLE, dtype=np.int8)
    codes[state == PATCHED] = PATCHED_CLASS
    if backdoor is not None:
        codes[np.asarray(backdoor, dtype=bool)] = BACKDOORED
    codes[(state == SCANNING) | (state == DORMANT)] = INFECTED
    return codes


def side(bits_per_pixel: int = DEFAULT_BITS_PER_PIXEL) -> int:
    """Width (= height) in pixels of a whole-space map."""
    if not isinstance(bits_per_pixel, (int, np.integer)) or not 0 <= bits_per_pixel <= ADDRESS_BITS \
            or (ADDRESS_BITS - bits_per_pixel) % 2:
        raise ValueError(f"bits_per_pixel {bits_per_pixel!r}: must be an even number from 0 to 32")
    return 1 << ((ADDRESS_BITS - bits_per_pixel) // 2)


def hilbert_d2xy(d: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions along an n x n Hilbert curve (n a power of two) -> (x, y) arrays, vectorised.

    The classic iterative algorithm with the sub-square rotations done by masks; (0, 0) is d = 0 and
    d = 1 is at (0, 1)."""
    if n < 1 or n & (n - 1):
        raise ValueError(f"n {n}: must be a power of two")
    t = np.array(d, dtype=np.int64, copy=True)
    if t.size and (t.min() < 0 or t.max() >= n * n):
        raise ValueError(f"positions must be in [0, {n * n})")
    x = np.zeros_like(t)
    y = np.zeros_like(t)
    s = 1
    while s < n:
        rx = (t >> 1) & 1
        ry = (t ^ rx) & 1
        flip = (ry == 0) & (rx == 1)
        x = np.where(flip, s - 1 - x, x)
        y = np.where(flip, s - 1 - y, y)
        swap = ry == 0
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        x += s * rx
        y += s * ry
        t >>= 2
        s <<= 1
    return x, y


def pixel_of(addresses: np.ndarray, bits_per_pixel: int = DEFAULT_BITS_PER_PIXEL) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of each address on the map: the curve's y is the row and its x the column, so that the
    /8s read in xkcd's order (0/8 top left, 1/8 to its right, 255/8 top right)."""
    n = side(bits_per_pixel)
    x, y = hilbert_d2xy(np.asarray(addresses, dtype=np.int64) >> bits_per_pixel, n)
    return y, x


def address_map(addresses: np.ndarray, state_codes: np.ndarray,
                bits_per_pixel: int = DEFAULT_BITS_PER_PIXEL) -> np.ndarray:
    """Counts of hosts per class in each pixel: an (H, W, len(CLASSES)) int64 array.

    ``addresses`` are IPv4 addresses as integers, ``state_codes`` their class codes (see
    :func:`map_classes`), both of one length."""
    addresses = np.asarray(addresses, dtype=np.int64)
    codes = np.asarray(state_codes)
    if addresses.shape != codes.shape or addresses.ndim != 1:
        raise ValueError(f"addresses and state_codes must be 1-d arrays of one length "
                         f"(got {addresses.shape} and {codes.shape})")
    if addresses.size and (addresses.min() < 0 or addresses.max() >= 1 << ADDRESS_BITS):
        raise ValueError("addresses must be in [0, 2^32)")
    if codes.size and (codes.min() < 0 or codes.max() >= len(CLASSES)):
        raise ValueError(f"state_codes must be in 0..{len(CLASSES) - 1}")
    n = side(bits_per_pixel)
    row, col = pixel_of(addresses, bits_per_pixel)
    flat = (row * n + col) * len(CLASSES) + codes.astype(np.int64)
    return np.bincount(flat, minlength=n * n * len(CLASSES)).reshape(n, n, len(CLASSES))


def pixel_class(counts: np.ndarray) -> np.ndarray:
    """The class a pixel is drawn in, from its counts (..., len(CLASSES)): EMPTY where no host; infected
    if any host is; else backdoored if any is; else patched where patched hosts outnumber vulnerable ones;
    else vulnerable."""
    counts = np.asarray(counts)
    shown = np.where(counts[..., PATCHED_CLASS] > counts[..., SUSCEPTIBLE], PATCHED_CLASS, SUSCEPTIBLE)
    shown = np.where(counts[..., BACKDOORED] > 0, BACKDOORED, shown)
    shown = np.where(counts[..., INFECTED] > 0, INFECTED, shown)
    return np.where(counts.sum(axis=-1) > 0, shown, EMPTY).astype(np.int8)


def _rgb(color: str) -> tuple[float, float, float]:
    h = color.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255.0 for i in (0, 2, 4))


def rgb_image(counts: np.ndarray, background: str = "#ffffff") -> np.ndarray:
    """An (H, W, 3) float image of the shown classes (background where empty)."""
    shown = pixel_class(counts)
    palette = np.array([_rgb(c.color) for c in CLASSES] + [_rgb(background)])
    return palette[shown]  # EMPTY (-1) picks the last entry, the background


@dataclass(frozen=True)
class BlockBox:
    """Where an organisation's block lies on the map: rows and columns, half-open."""

    name: str
    block: str
    row0: int
    col0: int
    row1: int
    col1: int


def block_boxes(org_blocks: dict[str, Sequence[str]] | None,
                bits_per_pixel: int = DEFAULT_BITS_PER_PIXEL) -> list[BlockBox]:
    """The bounding box on the map of each CIDR block of each organisation ({name: [cidr, ...]}).
    A CIDR block is one square (even prefix length) or two side by side (odd), so it fills its box
    exactly; a block smaller than a pixel is its one pixel."""
    out = []
    for name, blocks in (org_blocks or {}).items():
        for block in blocks:
            lo, hi = parse_cidr(block)
            k = max(0, (hi - lo).bit_length() - 1 - bits_per_pixel)  # the block covers 2^k aligned pixels
            width = 1 << (k // 2)  # an aligned run of 4^j pixels is a width x width square
            starts = np.arange(lo, hi, max(1, width * width) << bits_per_pixel, dtype=np.int64)
            rows, cols = pixel_of(starts, bits_per_pixel)
            rows, cols = (rows // width) * width, (cols // width) * width
            out.append(BlockBox(name, block, int(rows.min()), int(cols.min()), int(rows.max()) + width,
                                int(cols.max()) + width))
    return out


def slash8_positions(bits_per_pixel: int = DEFAULT_BITS_PER_PIXEL) -> tuple[np.ndarray, np.ndarray, int]:
    """(top row, left column) of every /8 (index = first octet), and the side of a /8 square in pixels."""
    if bits_per_pixel > 24:
        raise ValueError("bits_per_pixel above 24 leaves no room to tell /8s apart")
    width = 1 << ((24 - bits_per_pixel) // 2)
    rows, cols = pixel_of(np.arange(256, dtype=np.int64) << 24, bits_per_pixel)
    # The first address of an even-sized aligned block sits at a corner of its square, not always the top left.
    return (rows // width) * width, (cols // width) * width, width


def map_figure(snapshots: Sequence[tuple[str, np.ndarray]], org_blocks: dict[str, Sequence[str]] | None = None,
               title: str | None = None, bits_per_pixel: int = DEFAULT_BITS_PER_PIXEL,
               label_slash8: bool = True, panel_inches: float = 4.6):
    """Small multiples of the address map: one panel per (time label, counts from :func:`address_map`),
    a /8 grid with first octets written in, organisations' blocks outlined and named, a legend of the
    classes with the hosts in each, and a title. Returns a matplotlib Figure (Agg)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    if not snapshots:
        raise ValueError("map_figure needs at least one snapshot")
    n = side(bits_per_pixel)
    k = len(snapshots)
    cols = min(k, 3)
    rows_n = (k + cols - 1) // cols
    fig, axes = plt.subplots(rows_n, cols, figsize=(panel_inches * cols, panel_inches * rows_n + 0.9),
                             squeeze=False, constrained_layout=True)
    r8, c8, w8 = slash8_positions(bits_per_pixel)
    boxes = block_boxes(org_blocks, bits_per_pixel)
    for i, (ax, (label, counts)) in enumerate(zip(axes.flat, snapshots)):
        if counts.shape[:2] != (n, n):
            raise ValueError(f"snapshot {label!r}: counts are {counts.shape[:2]}, not {n} x {n} "
                             f"(bits_per_pixel {bits_per_pixel})")
        ax.imshow(rgb_image(counts), interpolation="nearest", extent=(0, n, n, 0))
        for i in range(0, n + 1, w8):
            ax.axhline(i, color="#d1d5db", lw=0.35)
            ax.axvline(i, color="#d1d5db", lw=0.35)
        if label_slash8 and (i == 0 or k <= 3):  # the /8 numbers once: the grid is the same in every panel
            for octet in range(256):
                ax.text(c8[octet] + 1, r8[octet] + 1, str(octet), fontsize=4.2, color="#6b7280",
                        ha="left", va="top")
        for b in boxes:
            pad = max(0, (8 - (b.col1 - b.col0)) / 2)
            ax.add_patch(Rectangle((b.col0 - pad, b.row0 - pad), b.col1 - b.col0 + 2 * pad,
                                   b.row1 - b.row0 + 2 * pad, fill=False, ec="#111827", lw=1.1))
            ax.text(b.col1 + pad + 1, b.row0 - pad, f"{b.name} ({b.block})", fontsize=6, color="#111827",
                    ha="left", va="top", bbox=dict(fc="white", ec="none", alpha=0.75, pad=0.5))
        totals = counts.reshape(-1, len(CLASSES)).sum(axis=0)
        ax.set_title(f"{label}: {int(totals[INFECTED]):,} infected", fontsize=9)
        ax.set_xlim(0, n)
        ax.set_ylim(n, 0)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in list(axes.flat)[k:]:
        ax.set_visible(False)
    last = snapshots[-1][1].reshape(-1, len(CLASSES)).sum(axis=0)
    handles = [Patch(color=c.color, label=f"{c.label}: {int(last[i]):,} at {snapshots[-1][0]}")
               for i, c in enumerate(CLASSES)]
    fig.legend(handles=handles, loc="lower center", ncol=len(CLASSES), fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 0.0))
    per = 1 << bits_per_pixel
    fig.suptitle((title + "\n" if title else "") + f"IPv4 space on a Hilbert curve: each square a /8 "
                 f"(first octet written in), each pixel {per:,} addresses; a pixel shows its most "
                 "serious host state", fontsize=9)
    fig.get_layout_engine().set(rect=(0, 0.05, 1, 0.95))
    return fig


def map_data(snapshots: Sequence[tuple[str, np.ndarray]], org_blocks: dict[str, Sequence[str]] | None = None,
             bits_per_pixel: int = DEFAULT_BITS_PER_PIXEL) -> dict:
    """Compact JSON-able data of the same snapshots for a browser (a time slider over frames).

    Sparse: ``pixels`` lists, once for all frames, the flat indices (row * side + column) of the pixels
    that hold a host in any frame; each frame gives, parallel to it, the class each pixel is drawn in
    (:func:`pixel_class`, EMPTY = -1 where it holds no host then) and one list of host counts per class."""
    n = side(bits_per_pixel)
    flats = [np.asarray(counts).reshape(n * n, len(CLASSES)) for _, counts in snapshots]
    occupied = np.zeros(n * n, dtype=bool)
    for flat in flats:
        occupied |= flat.sum(axis=1) > 0
    idx = np.flatnonzero(occupied)
    frames = []
    for (label, _), flat in zip(snapshots, flats):
        frames.append({
            "label": str(label),
            "shown": pixel_class(flat[idx]).tolist(),
            "counts": [flat[idx, i].tolist() for i in range(len(CLASSES))],
            "totals": flat.sum(axis=0).tolist(),
        })
    return {
        "side": n,
        "bits_per_pixel": int(bits_per_pixel),
        "pixels": idx.tolist(),
        "classes": [{"name": c.name, "label": c.label, "color": c.color} for c in CLASSES],
        "blocks": [{"name": b.name, "block": b.block, "row0": b.row0, "col0": b.col0, "row1": b.row1,
                    "col1": b.col1} for b in block_boxes(org_blocks, bits_per_pixel)],
        "slash8": dict(zip(("rows", "cols"), (a.tolist() for a in slash8_positions(bits_per_pixel)[:2]))),
        "slash8_side": slash8_positions(bits_per_pixel)[2],
        "frames": frames,
    }


def frame_label(t_seconds: float, reason: str = "") -> str:
    """"+13 min (1% ever infected)": a frame's time after the start and why it was taken."""
    h = t_seconds / 3600.0
    when = f"+{h:.3g} h" if h >= 1 else f"+{t_seconds / 60.0:.3g} min"
    reason = ", ".join(r for r in reason.split(", ") if r and not r.startswith("+"))  # a time is said once
    return f"{when} ({reason})" if reason else when


def snapshot_maps(snapshots, bits_per_pixel: int = DEFAULT_BITS_PER_PIXEL) -> list[tuple[str, np.ndarray]]:
    """[(label, counts)] of the frames of a snapshot observer (observers.snapshots.SnapshotSet: addresses
    and frames of engine states and backdoor flags), in time order."""
    return [(frame_label(f.t, f.reason), address_map(snapshots.addresses, map_classes(f.state, f.backdoor()),
                                                     bits_per_pixel))
            for f in snapshots.frames]


def pick_panels(maps: Sequence, most: int = 6) -> list:
    """At most ``most`` of the frames for small multiples, spread evenly, the first and the last kept."""
    if len(maps) <= most:
        return list(maps)
    idx = np.unique(np.round(np.linspace(0, len(maps) - 1, most)).astype(int))
    return [maps[i] for i in idx]
