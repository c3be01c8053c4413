"""A demonstration of the address map and the interactive page on a real Code Red II run.

The engine does not record per-host snapshots yet (a snapshot observer is planned), so the frames here are
built from what a finished :class:`~wormcast.core.loop.Simulation` holds: each host's first infection time,
its final state and its backdoor flag. A frame at time t shows infected every host first infected by t and
the rest vulnerable; the last frame shows the final states. For Code Red II over its first day (hosts spread
for 24 h, patching is slow) that is close to the true picture; it ignores reboots and patches before the end.

Run ``python -m wormcast.reporting.demo OUT_DIR`` to write OUT_DIR/codered-ii-map.png and
OUT_DIR/codered-ii-explorer.html.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from .addressmap import INFECTED, SUSCEPTIBLE, address_map, map_classes, map_data, map_figure

DEMO_OVERRIDES = ["end=2001-08-04T16:00:00Z"]


def run_snapshots(scenario="codered-ii", seed: int = 1, minutes=(12, 15, 18, 21, 24, 30, 45, 60, 90),
                  overrides=None):
    """(result, [(label, counts), ...], {organisation: blocks}): one frame at each of ``minutes`` after the
    start and one of the final states."""
    from ..api import resolve
    from ..core.loop import Simulation

    sc = resolve(scenario, DEMO_OVERRIDES if overrides is None else overrides)
    sim = Simulation(sc, seed)
    result = sim.run()
    addresses = sim.world.addresses
    first = sim.first_infected_at
    snaps = []
    for m in minutes:
        codes = np.where(first <= m * 60.0, INFECTED, SUSCEPTIBLE).astype(np.int8)
        snaps.append((f"+{m} min", address_map(addresses, codes)))
    snaps.append((f"end (+{sc.duration / 3600:g} h)", address_map(addresses, map_classes(sim.state, sim.backdoor))))
    return result, snaps, {o.name: list(o.blocks) for o in sc.orgs}


def write_demo(out_dir: str | Path, seed: int = 1) -> list[Path]:
    """Write the small-multiples PNG and the interactive page of a Code Red II run; returns their paths."""
    from .htmlpage import png_bytes
    from .interactive import LineChart, MapSlider, interactive_page

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result, snaps, orgs = run_snapshots(seed=seed)
    name = result.summary["worm"]
    png = out / "codered-ii-map.png"
    png.write_bytes(png_bytes(map_figure([snaps[1], snaps[3], snaps[-1]], org_blocks=orgs,
                                         title=f"{name}, seed {seed}: localized scanning fills the /8s and "
                                               "/16s of the first hosts before the rest")))
    df = result.to_df().reset_index()  # time as a column, as the charts read it
    page = interactive_page(f"{name}: an outbreak explorer (seed {seed})", [
        LineChart("Hosts by state", df, ["susceptible", "infected", "backdoored", "patched"]),
        LineChart("New infections and patches per interval", df, ["new_infections", "new_patched"],
                  y_label="hosts per interval"),
        MapSlider("Where the infected hosts are", map_data(snaps, orgs),
                  note="Frames: hosts first infected by each time; the last frame shows the final states."),
    ])
    html = out / "codered-ii-explorer.html"
    html.write_text(page, encoding="utf-8")
    return [png, html]


if __name__ == "__main__":
    for p in write_demo(sys.argv[1] if len(sys.argv) > 1 else "out/demo"):
        print(p)
