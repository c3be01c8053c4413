"""Interactive pages: hoverable, zoomable, toggleable line charts and an address map with a time slider,
in one self-contained HTML file that opens offline and makes no network request.

The charts are Vega-Lite specifications drawn by Vega (vendored in ``vendor/``, about 0.85 MB inlined;
see vendor/README.md for versions and why Vega-Lite rather than plotly or Bokeh). Every script is inline,
and the page's Content-Security-Policy allows exactly those scripts by their SHA-256 hashes: no eval
(Vega runs its expressions through its interpreter, ``ast: true``), no other origin, no fetch.

The data travel as JSON in a ``<script type="application/json">`` element, never as code.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Sequence, Union

from .addressmap import CLASSES
from .htmlpage import esc, page

VENDOR_SCRIPTS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")


@dataclass(frozen=True)
class Marker:
    """A measured figure drawn over a chart: a point at ``t_ms`` (ms since the epoch, UTC), or a horizontal
    rule across the chart when ``t_ms`` is None (a bound on a peak)."""

    label: str
    value: float
    t_ms: int | None = None


@dataclass(frozen=True)
class Band:
    """A shaded band between two columns of the chart's table (an ensemble's percentiles)."""

    label: str
    low: str
    high: str
    color: str = "#dc2626"


@dataclass(frozen=True)
class LineChart:
    """Line charts of a time series: ``df`` has a ``time`` column (datetimes, UTC) and one column per
    series; ``columns`` picks and orders them (default: every numeric column); ``labels`` renames them in
    the legend. ``markers``: measured figures; ``bands``: shaded percentile bands. Missing values (NaN)
    are left out of a series."""

    title: str
    df: object  # a pandas DataFrame
    columns: Sequence[str] | None = None
    y_label: str = "hosts"
    height: int = 320
    note: str = ""
    labels: dict | None = None
    colors: dict | None = None  # column -> colour (default: the map's colours for host states, else Vega's)
    markers: Sequence[Marker] = ()
    bands: Sequence[Band] = ()


@dataclass(frozen=True)
class MapSlider:
    """An address map with a time slider, from :func:`wormcast.reporting.addressmap.map_data`."""

    title: str
    data: dict
    note: str = ""


Section = Union[LineChart, MapSlider]


@dataclass
class BuiltSection:
    """A section ready for the page: its escaped HTML and the data the script draws it from."""

    html: str
    data: dict


@lru_cache(maxsize=None)
def asset(name: str) -> str:
    base = resources.files("wormcast.reporting")
    path = base.joinpath("vendor", name) if name in VENDOR_SCRIPTS else base.joinpath(name)
    return path.read_text(encoding="utf-8")


def script_hash(text: str) -> str:
    """The CSP source expression that allows one inline script with exactly this text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def json_for_script(value) -> str:
    """JSON that is safe inside a script element: no '<', '>' or '&' characters (escaped as \\u00XX)."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def line_spec(chart: LineChart) -> dict:
    """The Vega-Lite specification of a LineChart: drag to pan, wheel to zoom (x), hover for the values at
    the nearest time, click a legend entry to single a series out (shift-click for more)."""
    df = chart.df
    cols = list(chart.columns) if chart.columns is not None else [
        c for c in df.columns if c != "time" and df[c].dtype.kind in "iuf"]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"LineChart {chart.title!r}: no column {missing[0]!r} in the data")
    times = df["time"]
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    ms = (times.astype("datetime64[ms]").astype("int64")).tolist()
    names = {c: (chart.labels or {}).get(c, c) for c in cols}
    values = []
    for c in cols:
        series = df[c].tolist()
        values.extend({"t": t, "s": names[c], "v": v} for t, v in zip(ms, series) if v == v)  # v != v: NaN
    y = {"field": "v", "type": "quantitative", "title": chart.y_label}
    # Host-state series wear the address map's colours; the others take Vega's category scheme.
    known = {c.name: c.color for c in CLASSES}
    color = {"field": "s", "type": "nominal", "title": None, "sort": [names[c] for c in cols],
             "legend": {"orient": "top", "direction": "horizontal"}}
    known.update(chart.colors or {})
    if all(c in known for c in cols):
        color["scale"] = {"domain": [names[c] for c in cols], "range": [known[c] for c in cols]}
    tooltip = [{"field": "when", "type": "nominal", "title": "time (UTC)"},
               {"field": "s", "type": "nominal", "title": "series"},
               {"field": "v", "type": "quantitative", "title": chart.y_label, "format": ","}]
    x = {"field": "t", "type": "temporal", "scale": {"type": "utc"}, "title": "time (UTC)",
         "axis": {"format": "%d %b %H:%M"}}
    when = [{"calculate": "utcFormat(datum.t, '%Y-%m-%d %H:%M:%S')", "as": "when"}]
    layers = [
            {"mark": {"type": "line", "strokeWidth": 1.8}, "transform": when,
             "params": [
                 {"name": "pick", "select": {"type": "point", "fields": ["s"]}, "bind": "legend"},
                 {"name": "zoom", "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"},
             ],
             "encoding": {"x": x, "y": y, "color": color,
                          "opacity": {"condition": {"param": "pick", "value": 1}, "value": 0.12}}},
            {"mark": {"type": "point", "filled": True, "size": 45}, "transform": when,
             "params": [{"name": "hover", "select": {"type": "point", "fields": ["t"], "nearest": True,
                                                     "on": "pointermove", "clear": "pointerout"}}],
             "encoding": {"x": x, "y": y, "color": color, "tooltip": tooltip,
                          "opacity": {"condition": {"param": "hover", "empty": False, "value": 1},
                                      "value": 0}}},
    ]
    bands = [_band_layer(chart, b, ms, x) for b in chart.bands]
    marks = _marker_layers(chart, x, y)
    return {
        "width": "container",
        "height": chart.height,
        "data": {"values": values},
        "layer": bands + layers + marks,
    }


def _band_layer(chart: LineChart, band: Band, ms: list, x: dict) -> dict:
    df = chart.df
    rows = [{"t": t, "lo": lo, "hi": hi, "band": band.label}
            for t, lo, hi in zip(ms, df[band.low].tolist(), df[band.high].tolist()) if lo == lo and hi == hi]
    return {"data": {"values": rows}, "mark": {"type": "area", "opacity": 0.18, "color": band.color},
            "encoding": {"x": x, "y": {"field": "lo", "type": "quantitative", "title": chart.y_label},
                         "y2": {"field": "hi"},
                         "tooltip": [{"field": "band", "type": "nominal", "title": "band"},
                                     {"field": "lo", "type": "quantitative", "title": "from", "format": ","},
                                     {"field": "hi", "type": "quantitative", "title": "to", "format": ","}]},
            "description": band.label}


def _marker_layers(chart: LineChart, x: dict, y: dict) -> list[dict]:
    """Measured figures: points (with a time) and rules (without), amber, each with its label as tooltip."""
    points = [{"t": m.t_ms, "v": m.value, "label": m.label} for m in chart.markers if m.t_ms is not None]
    rules = [{"v": m.value, "label": m.label} for m in chart.markers if m.t_ms is None]
    out = []
    tip = [{"field": "label", "type": "nominal", "title": "measured"},
           {"field": "v", "type": "quantitative", "title": chart.y_label, "format": ","}]
    if points:
        out.append({"data": {"values": points}, "mark": {"type": "point", "shape": "triangle-up", "size": 140,
                                                         "filled": True, "color": "#f59e0b"},
                    "encoding": {"x": x, "y": y, "tooltip": tip}})
    if rules:
        out.append({"data": {"values": rules}, "mark": {"type": "rule", "strokeDash": [4, 3], "strokeWidth": 1.6,
                                                        "color": "#f59e0b"},
                    "encoding": {"y": y, "tooltip": tip}})
    return out


def chart_section(sec: LineChart, sid: str) -> BuiltSection:
    note = f'<p class="muted">{esc(sec.note)}</p>' if sec.note else ""
    html = (f'<section id="{sid}" class="wc-section"><h2>{esc(sec.title)}</h2>{note}'
            '<div class="wc-chart" style="width:100%"></div>'
            '<p class="muted">Hover for values; drag to pan and scroll to zoom the time axis; double-click to '
            'reset; click a legend entry to show one series (shift-click to add more).</p></section>')
    return BuiltSection(html, {"id": sid, "kind": "chart", "spec": line_spec(sec)})


def map_section(sec: MapSlider, sid: str) -> BuiltSection:
    frames = sec.data.get("frames") or []
    if not frames:
        raise ValueError(f"MapSlider {sec.title!r}: map data without frames")
    note = f'<p class="muted">{esc(sec.note)}</p>' if sec.note else ""
    legend = " ".join(
        f'<span><span style="display:inline-block;width:.9em;height:.9em;background:{esc(c["color"])};'
        f'vertical-align:middle"></span> {esc(c["label"])}</span>' for c in sec.data["classes"])
    per = 1 << sec.data["bits_per_pixel"]
    html = (f'<section id="{sid}" class="wc-section wc-mapsec"><h2>{esc(sec.title)}</h2>{note}'
            f'<p class="muted">The IPv4 space on a Hilbert curve: each grid square a /8 (first octet written '
            f'in), each pixel {per:,} addresses, neighbouring addresses near each other. {legend}</p>'
            f'<p><label>time <input type="range" min="0" max="{len(frames) - 1}" value="0" step="1" '
            f'aria-label="time"></label> <span class="wc-frame"></span></p>'
            '<canvas style="width:100%;max-width:640px;image-rendering:pixelated;outline:1px solid #e5e7ee">'
            '</canvas><div class="wc-tip muted" style="min-height:1.4em"></div></section>')
    return BuiltSection(html, {"id": sid, "kind": "map", "map": sec.data})


def interactive_page(title: str, sections: Sequence[Section], links: Sequence[tuple[str, str]] = (),
                     intro: str = "") -> str:
    """A self-contained interactive HTML page of the sections, in order; ``links``: (text, relative href)
    pairs shown under the title (the static report, for one); ``intro``: a paragraph of plain text."""
    built = []
    for i, sec in enumerate(sections):
        sid = f"wc-{i}"
        if isinstance(sec, LineChart):
            built.append(chart_section(sec, sid))
        elif isinstance(sec, MapSlider):
            built.append(map_section(sec, sid))
        else:
            raise TypeError(f"section {i}: expected LineChart or MapSlider, got {type(sec).__name__}")
    head = f"<h1>{esc(title)}</h1>\n"
    if links:
        head += "<p>" + " · ".join(f'<a href="{esc(href)}">{esc(text)}</a>' for text, href in links) + "</p>\n"
    if intro:
        head += f'<p class="muted">{esc(intro)}</p>\n'
    body = head + "\n".join(b.html for b in built)
    codes = [asset(name) for name in VENDOR_SCRIPTS] + [asset("interactive.js")]
    data = json_for_script({"sections": [b.data for b in built]})
    csp = ("default-src 'none'; script-src " + " ".join(script_hash(c) for c in codes)
           + "; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'")
    scripts = (f'<script type="application/json" id="wc-data">{data}</script>\n'
               + "".join(f"<script>{c}</script>\n" for c in codes))
    return page(title, body, csp=csp, scripts=scripts)
