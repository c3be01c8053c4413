"""A demonstration of the address map and the interactive page on a real Code Red II run.

The frames come from the snapshot observer (observers/snapshots.py), here at fixed minutes of the first
hours, where Code Red II's local spread shows best (``wormcast run`` takes its frames at shares of the
hosts infected instead).

Run ``python -m wormcast.reporting.demo OUT_DIR`` to write OUT_DIR/codered-ii-map.png and
OUT_DIR/codered-ii-explorer.html.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .addressmap import map_data, map_figure, snapshot_maps

DEMO_OVERRIDES = ["end=2001-08-04T16:00:00Z"]


def run_snapshots(scenario="codered-ii", seed: int = 1, minutes=(12, 15, 18, 21, 24, 30, 45, 60, 90),
                  overrides=None):
    """(result, [(label, counts), ...], {organisation: blocks}): one frame at each of ``minutes`` after the
    start and one of the final states, from the snapshot observer."""
    from ..api import resolve
    from ..core.loop import Simulation

    at = ", ".join(f'"{m}min"' for m in minutes)
    observer = [f'observers=[{{kind = "snapshots", at = [{at}], milestones = [], releases = false}}]']
    sc = resolve(scenario, (DEMO_OVERRIDES if overrides is None else list(overrides)) + observer)
    sim = Simulation(sc, seed)
    result = sim.run()
    return result, snapshot_maps(sim.component("snapshots").taken()), {o.name: list(o.blocks) for o in sc.orgs}


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
                  note="Frames: every host's state at each time (snapshot observer)."),
    ])
    html = out / "codered-ii-explorer.html"
    html.write_text(page, encoding="utf-8")
    return [png, html]


if __name__ == "__main__":
    for p in write_demo(sys.argv[1] if len(sys.argv) > 1 else "out/demo"):
        print(p)
