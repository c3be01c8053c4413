"""One explorer run: a preset with the page's control values, simulated, turned into what the page draws
(the same section data as the interactive report: Vega-Lite charts and address-map frames) plus the
headline figures and each organisation's exposure under the chosen login policy.

Results are kept in a small LRU cache keyed by (preset, values, seed): moving a control back to a value
already seen redraws at once. Same preset, values and seed give the same page data (no hidden randomness).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from threading import Lock

import numpy as np

from ..config.loading import load_scenario
from ..reporting import addressmap as am
from ..reporting.htmlpage import esc
from ..reporting.interactive import LineChart, MapSlider, chart_section, map_section
from .controls import controls_for, overrides_for

HOST_SERIES = ("susceptible", "infected", "backdoored", "patched")
CACHE_SIZE = 16


def _org_blocks(scenario) -> dict[str, list[str]]:
    return {o.name: list(o.blocks) for o in scenario.orgs}


def _headline(summary: dict) -> list[tuple[str, str]]:
    def fmt(key, unit="", scale=1.0, digits=0):
        v = summary.get(key)
        if v is None:
            return None
        return f"{v * scale:,.{digits}f}{unit}" if isinstance(v, (int, float)) else str(v)

    rows = [("ever infected", fmt("ever_infected", " hosts")),
            ("share of the vulnerable", fmt("ever_infected_fraction", " %", 100, 1)),
            ("peak infected", fmt("peak_infected", " hosts")),
            ("peak new infections", fmt("peak_new_infections_per_min", " per minute")),
            ("time to half infected", fmt("time_to_half_infected_h", " h", 1, 1)),
            ("probes sent", fmt("probes_total"))]
    return [(k, v) for k, v in rows if v is not None]


def _exposure(summary: dict, policy_of: dict[str, str]) -> list[dict]:
    out = []
    for name, org in (summary.get("orgs") or {}).items():
        policy = policy_of.get(name) or next(iter(org.get("users_exposed_fraction") or {}), None)
        row = {"org": name, "servers": org.get("servers"), "max_infected": org.get("max_infected_servers"),
               "backdoors": org.get("backdoors"), "backdoor_hours": org.get("backdoor_open_hours"),
               "policy": policy}
        if policy is not None and org.get("users_exposed_fraction"):
            row["users_exposed"] = org["users_exposed"].get(policy)
            row["users_exposed_fraction"] = org["users_exposed_fraction"].get(policy)
        out.append(row)
    return out


def _exposure_html(rows: list[dict]) -> str:
    if not rows:
        return '<p class="muted">This preset has no organisation.</p>'
    head = ("<tr><th>organisation</th><th>servers</th><th>most infected at once</th><th>backdoors</th>"
            "<th>backdoor server-hours</th><th>login policy</th><th>users exposed</th></tr>")
    body = []
    for r in rows:
        exposed = ("—" if r.get("users_exposed") is None else
                   f"{r['users_exposed']:,} ({100 * r['users_exposed_fraction']:.1f} %)")
        hours = "—" if r.get("backdoor_hours") is None else f"{r['backdoor_hours']:,.1f}"
        body.append(f"<tr><td>{esc(r['org'])}</td><td>{r['servers'] or 0:,}</td><td>{r['max_infected'] or 0:,}</td>"
                    f"<td>{r['backdoors'] or 0:,}</td><td>{hours}</td><td>{esc(r['policy'] or '—')}</td>"
                    f"<td>{exposed}</td></tr>")
    return f'<table class="wc-exposure">{head}{"".join(body)}</table>'


def run_view(preset: str, values: dict, seed: int = 0) -> dict:
    """The page data of one run (JSON-able)."""
    from ..observers.snapshots import run_with_snapshots

    controls = controls_for(preset)
    overrides = overrides_for(controls, values)
    scenario = load_scenario(preset, overrides)
    t0 = time.perf_counter()
    result = run_with_snapshots(scenario, seed)
    seconds = time.perf_counter() - t0
    df = result.to_df().reset_index()  # time as a column, as the charts read it
    cols = [c for c in HOST_SERIES if c in df.columns and df[c].max() > 0]
    chart = chart_section(LineChart("Hosts over time", df, cols, y_label="hosts", height=280), "wc-chart")
    before = np.full(result.snapshots.addresses.size, am.SUSCEPTIBLE, dtype=np.int8)
    frames = [("before the release", am.address_map(result.snapshots.addresses, before))]
    frames += am.snapshot_maps(result.snapshots)
    amap = map_section(MapSlider("The address space", am.map_data(frames, _org_blocks(scenario))), "wc-map")
    policy_of = {}
    for c in controls:
        if c.key.endswith(".policies"):
            org = scenario.orgs[int(c.key.split(".")[1])].name
            policy_of[org] = values.get(c.key, c.default)
    exposure = _exposure(result.summary, policy_of)
    return {
        "preset": preset, "seed": seed, "overrides": overrides, "seconds": round(seconds, 3),
        "headline": _headline(result.summary),
        "exposure": exposure, "exposure_html": _exposure_html(exposure),
        "sections": [chart.data, amap.data], "html": {"wc-chart": chart.html, "wc-map": amap.html},
    }


class ViewCache:
    """A bounded LRU of page data, safe across the server's threads."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size, self._data, self._lock = size, OrderedDict(), Lock()

    def get(self, preset: str, values: dict, seed: int) -> dict:
        key = (preset, tuple(sorted((k, repr(v)) for k, v in values.items())), seed)
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        view = run_view(preset, values, seed)
        with self._lock:
            self._data[key] = view
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return view
