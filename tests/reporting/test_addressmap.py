"""The Hilbert-curve address map: the curve itself, the layout, the counts, the figure and the JSON data."""

import json

import numpy as np
import pytest

from wormcast.config.schema import Population
from wormcast.core.states import DORMANT, PATCHED, SCANNING, SUSCEPTIBLE
from wormcast.reporting import addressmap as am
from wormcast.world.population import build_world


def reference_d2xy(n: int, d: int) -> tuple[int, int]:
    """Wikipedia's d2xy, one position at a time, written independently of the vectorised version."""
    x = y = 0
    s, t = 1, d
    while s < n:
        rx = 1 & (t // 2)
        ry = 1 & (t ^ rx)
        if ry == 0:
            if rx == 1:
                x, y = s - 1 - x, s - 1 - y
            x, y = y, x
        x += s * rx
        y += s * ry
        t //= 4
        s *= 2
    return x, y


@pytest.mark.parametrize("n", [1, 2, 4, 16, 64])
def test_vectorised_curve_matches_the_reference_loop(n):
    d = np.arange(n * n)
    x, y = am.hilbert_d2xy(d, n)
    assert list(zip(x.tolist(), y.tolist())) == [reference_d2xy(n, int(i)) for i in d]


def test_known_values_and_a_bijection():
    x, y = am.hilbert_d2xy(np.arange(4), 2)
    assert list(zip(x.tolist(), y.tolist())) == [(0, 0), (0, 1), (1, 1), (1, 0)]
    x, y = am.hilbert_d2xy(np.arange(16), 4)
    assert list(zip(x.tolist(), y.tolist()))[:6] == [(0, 0), (1, 0), (1, 1), (0, 1), (0, 2), (0, 3)]
    n = 256
    x, y = am.hilbert_d2xy(np.arange(n * n), n)
    assert np.unique(x * n + y).size == n * n  # every pixel exactly once
    with pytest.raises(ValueError):
        am.hilbert_d2xy(np.array([16]), 4)
    with pytest.raises(ValueError):
        am.hilbert_d2xy(np.array([0]), 3)


def test_slash8_grid_is_xkcds_map_of_the_internet():
    rows, cols, width = am.slash8_positions()
    assert width == 32 and am.side() == 512
    grid = np.full((16, 16), -1)
    grid[rows // width, cols // width] = np.arange(256)
    assert (grid >= 0).all()
    assert grid[0].tolist() == [0, 1, 14, 15, 16, 19, 20, 21, 234, 235, 236, 239, 240, 241, 254, 255]
    assert grid[1].tolist()[:4] == [3, 2, 13, 12]
    assert grid[15].tolist() == [85, 86, 89, 90, 101, 102, 105, 106, 149, 150, 153, 154, 165, 166, 169, 170]


def test_locality_consecutive_slash16s_are_adjacent_pixels():
    starts = np.arange(0, 1 << 32, 1 << 16, dtype=np.int64)
    r, c = am.pixel_of(starts, 16)  # one /16 per pixel: the next /16 is always a neighbouring pixel
    assert ((np.abs(np.diff(r)) + np.abs(np.diff(c))) == 1).all()
    # At the default resolution a /16 is a 2 x 2 square, and the squares of consecutive /16s share an edge:
    # the last pixel of one touches the first of the next.
    r0, c0 = am.pixel_of(starts)
    r3, c3 = am.pixel_of(starts + (3 << 14))
    assert ((np.abs(r0[1:] - r3[:-1]) + np.abs(c0[1:] - c3[:-1])) == 1).all()
    quads = np.stack([np.stack(am.pixel_of(starts + (k << 14))) for k in range(4)])  # (4, 2, 65536)
    assert (quads.max(axis=0) - quads.min(axis=0) == 1).all()
    r, c = am.pixel_of(np.array([0, (1 << 32) - 1]), 14)
    assert (r.tolist(), c.tolist()) == ([0, 0], [0, 511])  # 0.0.0.0 top left, 255.255.255.255 top right


def test_every_aligned_even_block_is_a_square():
    rng = np.random.default_rng(0)
    for prefix in (8, 12, 16):
        base = int(rng.integers(0, 1 << prefix)) << (32 - prefix)
        addrs = base + np.arange(0, 1 << (32 - prefix), 1 << 14, dtype=np.int64)
        r, c = am.pixel_of(addrs)
        side = 1 << ((32 - prefix - 14) // 2)
        assert r.max() - r.min() + 1 == side and c.max() - c.min() + 1 == side
        box = am.block_boxes({"org": [f"{base >> 24}.{(base >> 16) & 255}.{(base >> 8) & 255}.0/{prefix}"]})[0]
        assert (box.row0, box.col0, box.row1, box.col1) == (r.min(), c.min(), r.max() + 1, c.max() + 1)


def test_block_boxes_odd_prefix_is_two_squares_and_small_block_one_pixel():
    box = am.block_boxes({"a": ["64.0.0.0/9"]})[0]
    assert {box.row1 - box.row0, box.col1 - box.col0} == {16, 32}
    tiny = am.block_boxes({"hotmail": ["64.4.0.0/18", "64.4.0.0/24"]})
    assert all((b.row1 - b.row0, b.col1 - b.col0) == (1, 1) for b in tiny)
    r, c = am.pixel_of(np.array([(64 << 24) + (4 << 16)]))
    assert (tiny[0].row0, tiny[0].col0) == (r[0], c[0])


def _world_and_codes():
    world = build_world(Population(vulnerable=30000), np.random.default_rng(5))
    rng = np.random.default_rng(6)
    codes = rng.choice(len(am.CLASSES), size=world.n, p=[0.6, 0.2, 0.1, 0.1]).astype(np.int8)
    return world.addresses, codes


def test_address_map_counts_every_host_in_its_pixel():
    addrs, codes = _world_and_codes()
    counts = am.address_map(addrs, codes)
    assert counts.shape == (512, 512, len(am.CLASSES))
    assert counts.sum() == addrs.size
    assert counts.reshape(-1, len(am.CLASSES)).sum(axis=0).tolist() == np.bincount(codes, minlength=4).tolist()
    i = 1234
    r, c = am.pixel_of(addrs[i:i + 1])
    same = (addrs >> 14) == (addrs[i] >> 14)
    assert counts[r[0], c[0]].tolist() == np.bincount(codes[same], minlength=4).tolist()
    with pytest.raises(ValueError, match="one length"):
        am.address_map(addrs, codes[:-1])
    with pytest.raises(ValueError, match="state_codes"):
        am.address_map(addrs[:1], np.array([7]))
    with pytest.raises(ValueError, match="bits_per_pixel"):
        am.address_map(addrs, codes, bits_per_pixel=13)


def test_map_classes_from_engine_states():
    state = np.array([SUSCEPTIBLE, SCANNING, DORMANT, PATCHED, PATCHED, SUSCEPTIBLE, SCANNING])
    backdoor = np.array([False, False, False, False, True, True, True])
    assert am.map_classes(state, backdoor).tolist() == [am.SUSCEPTIBLE, am.INFECTED, am.INFECTED,
                                                        am.PATCHED_CLASS, am.BACKDOORED, am.BACKDOORED,
                                                        am.INFECTED]


def test_pixel_class_precedence():
    counts = np.array([[0, 0, 0, 0], [5, 1, 0, 0], [5, 0, 1, 9], [5, 0, 0, 6], [5, 0, 0, 5], [0, 0, 0, 1]])
    assert am.pixel_class(counts).tolist() == [am.EMPTY, am.INFECTED, am.BACKDOORED, am.PATCHED_CLASS,
                                               am.SUSCEPTIBLE, am.PATCHED_CLASS]


def test_map_figure_panels_legend_title_and_outline():
    from matplotlib.patches import Rectangle

    addrs, codes = _world_and_codes()
    snaps = [("+10 min", am.address_map(addrs, np.zeros_like(codes))), ("+1 h", am.address_map(addrs, codes))]
    fig = am.map_figure(snaps, org_blocks={"hotmail": ["64.4.0.0/18"]}, title="test map")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2
    assert "test map" in fig._suptitle.get_text()
    assert axes[1].get_title() == f"+1 h: {int((codes == am.INFECTED).sum()):,} infected"
    assert axes[0].get_title() == "+10 min: 0 infected"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[1] == f"infected: {int((codes == am.INFECTED).sum()):,} at +1 h"
    texts = {t.get_text() for t in axes[0].texts}
    assert {"0", "127", "255", "hotmail (64.4.0.0/18)"} <= texts
    boxes = [p for p in axes[0].patches if isinstance(p, Rectangle) and not p.get_fill()]
    assert len(boxes) == 1
    img = axes[1].images[0].get_array()
    r, c = am.pixel_of(addrs[codes == am.INFECTED][:1])
    assert np.allclose(img[r[0], c[0]], am._rgb(am.CLASSES[am.INFECTED].color))
    assert np.allclose(img[0, 0], 1.0)  # 0/8 holds no host: background
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_map_data_is_sparse_json_and_matches_the_counts():
    addrs, codes = _world_and_codes()
    counts = am.address_map(addrs, codes)
    half = am.address_map(addrs[::2], codes[::2])  # a frame with fewer hosts: some pixels empty then
    data = am.map_data([("t0", counts), ("t1", half)], {"hotmail": ["64.4.0.0/18"]})
    text = json.dumps(data)
    assert len(text) < 2_000_000
    back = json.loads(text)
    flat = counts.reshape(-1, 4)
    nonempty = np.flatnonzero(flat.sum(axis=1))
    assert back["pixels"] == nonempty.tolist()  # the union over frames
    fr = back["frames"][0]
    assert fr["shown"] == am.pixel_class(flat[nonempty]).tolist()
    assert [sum(col) for col in fr["counts"]] == fr["totals"] == flat.sum(axis=0).tolist()
    fr1, flat1 = back["frames"][1], half.reshape(-1, 4)
    assert fr1["shown"] == am.pixel_class(flat1[nonempty]).tolist() and am.EMPTY in fr1["shown"]
    assert [sum(col) for col in fr1["counts"]] == flat1.sum(axis=0).tolist()
    assert back["blocks"][0]["name"] == "hotmail" and back["side"] == 512
    assert [c["name"] for c in back["classes"]] == ["susceptible", "infected", "backdoored", "patched"]
