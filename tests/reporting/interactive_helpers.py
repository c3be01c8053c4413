"""A small interactive page built from synthetic data, shared by the page tests."""

import numpy as np
import pandas as pd

from wormcast.config.schema import Population
from wormcast.reporting import addressmap as am
from wormcast.reporting.interactive import LineChart, MapSlider, interactive_page
from wormcast.world.population import build_world

COLUMNS = ["susceptible", "infected", "patched"]
ROWS = 40
HOSTILE = "</script><script>document.body.dataset.pwned='1'</script>"


def series() -> pd.DataFrame:
    t = pd.date_range("2001-07-19T10:00:00Z", periods=ROWS, freq="1min")
    infected = np.round(1000 / (1 + np.exp(-(np.arange(ROWS) - 20) / 3))).astype(int)
    return pd.DataFrame({"time": t, "susceptible": 1000 - infected, "infected": infected,
                         "patched": np.arange(ROWS), "label": ["x"] * ROWS})


def frames():
    """(addresses, [(label, counts)]): nobody infected, then one /8 infected, then all infected."""
    world = build_world(Population(vulnerable=20000), np.random.default_rng(3))
    a = world.addresses
    first8 = a >> 24 == (a[0] >> 24)
    codes = [np.zeros(a.size, np.int8), np.where(first8, am.INFECTED, am.SUSCEPTIBLE).astype(np.int8),
             np.full(a.size, am.INFECTED, np.int8)]
    return a, [(f"frame {i}", am.address_map(a, c)) for i, c in enumerate(codes)]


def build(title: str = "test explorer") -> tuple[str, np.ndarray, list]:
    addrs, snaps = frames()
    html = interactive_page(title, [
        LineChart("Hosts " + HOSTILE, series(), COLUMNS, note=HOSTILE),
        MapSlider("Map", am.map_data(snaps, {"an org": ["64.4.0.0/18"]})),
    ])
    return html, addrs, snaps
