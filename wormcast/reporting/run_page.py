"""The interactive report of one run (interactive.html): the outbreak beside its data and its analytic twin,
new infections per minute beside the measured peak, one chart per worm, and the address map on a time slider.

Built from :mod:`.interactive` (Vega-Lite charts and the map canvas, inline scripts allowed by their hashes
only, no request of any kind); linked from and to report.html, which stays script-free.
"""

from __future__ import annotations

from .interactive import Band, LineChart, MapSlider, Marker, interactive_page

STATE_COLUMNS = ["susceptible", "infected", "backdoored", "patched"]


def _ms(at) -> int:
    import pandas as pd

    return int(pd.Timestamp(at).tz_convert("UTC").value // 1_000_000)


def outbreak_chart(df, twin=None, measured=(), bands=()) -> LineChart:
    """Hosts by state, the twin's ever-infected curve and the measured figures of the hosts' columns."""
    from .plots import STATE_LINES

    cols = [c for c, _, _ in STATE_LINES if c in df and df[c].any()]
    labels = {c: label for c, label, _ in STATE_LINES}
    colors = {c: color for c, _, color in STATE_LINES}
    table = df[["time", *cols]].copy()
    if twin is not None:
        name = f"analytic twin ({twin['model'].iloc[0]}), ever infected"
        table[name] = twin["ever_infected"].to_numpy()
        cols.append(name)
        colors[name] = "#111827"
    for b in bands:
        table[b.low], table[b.high] = df[b.low], df[b.high]
    markers = [Marker(m.describe(), m.value, _ms(m.at)) for m in measured if m.at is not None and m.column in df]
    return LineChart("Hosts by state, beside the analytic twin and the measured figures", table, cols,
                     labels=labels, colors=colors, markers=markers, bands=bands)


def rate_chart(df, per_minute=None, measured=()) -> LineChart:
    """New infections per minute on the summary's bins (1-minute bins where the step divides a minute)."""
    from .plots import rate_bins

    t, rate, what = rate_bins(df, per_minute)
    import pandas as pd

    table = pd.DataFrame({"time": (per_minute if per_minute is not None else df)["time"], "rate": rate})
    markers = [Marker(m.describe(), m.value) for m in measured if m.column == "new_infections_per_min"]
    return LineChart(f"New infections per minute ({what})", table, ["rate"], labels={"rate": "new infections per minute"},
                     colors={"rate": "#dc2626"}, y_label="new infections / min", markers=markers)


def worms_chart(df, summary: dict) -> LineChart | None:
    from ..results.columns import slug

    worms = list(summary.get("worms") or {})
    if len(worms) < 2:
        return None
    cols = [f"infected_{slug(w)}" for w in worms]
    return LineChart("Hosts running each worm", df, cols, labels={c: f"running {w}" for c, w in zip(cols, worms)},
                     note="Click a worm in the legend to single it out (shift-click to add another).")


def map_slider(maps, org_blocks) -> MapSlider:
    from .addressmap import map_data

    return MapSlider("Where the hosts are: the address space over time", map_data(maps, org_blocks),
                     note="Frames at the times the snapshot observer chose (shares of the vulnerable hosts ever "
                          "infected, and the end); move the slider to step through them.")


def run_page(result, df, twin=None, measured=(), per_minute=None, maps=(), report_href: str | None = "report.html"
             ) -> str:
    """interactive.html of one run."""
    s = result.summary
    sections = [outbreak_chart(df, twin, measured), rate_chart(df, per_minute, measured)]
    worms = worms_chart(df, s)
    if worms is not None:
        sections.append(worms)
    if maps:
        sections.append(map_slider(list(maps), {o.name: list(o.blocks) for o in result.scenario.orgs}))
    links = [("Static report (figures for papers, the numbers, the scenario)", report_href)] if report_href else []
    return interactive_page(f"wormcast: {s['scenario']} — {s['worm']}, seed {s['seed']}", sections, links=links,
                            intro=result.scenario.description)


def ensemble_page(ens, report_href: str | None = "report.html") -> str:
    """interactive.html of an ensemble: the median of each host state with its 5-95% band of runs, the
    analytic twin and the measured figures; new infections per minute (pointwise and peak-aligned medians)."""
    import numpy as np

    from ..analytic.measured import measured_for
    from ..analytic.twin import twin_series
    from ..runs.ensemble.report import few_runs_warning
    from .plots import STATE_LINES

    sc, df = ens.scenario, ens.to_df().reset_index()
    t = (df["time"] - df["time"].iloc[0]).dt.total_seconds().to_numpy()
    step = float(t[1] - t[0]) if len(t) > 1 else sc.interval
    table = df[["time"]].copy()
    cols, labels, colors, bands = [], {}, {}, []
    for col, label, color in STATE_LINES:
        if f"{col}_p95" in df and df[f"{col}_p95"].any():
            table[col] = df[f"{col}_p50"]
            cols.append(col)
            labels[col], colors[col] = f"{label} (median)", color
            table[f"{col}_p5"], table[f"{col}_p95"] = df[f"{col}_p5"], df[f"{col}_p95"]
            bands.append(Band(f"{label}: 5-95% of runs", f"{col}_p5", f"{col}_p95", color))
    twin = twin_series(sc, np.minimum(t + step, sc.duration))
    if twin is not None:
        name = f"analytic twin ({twin['model'].iloc[0]}), ever infected"
        table[name] = twin["ever_infected"].to_numpy()
        cols.append(name)
        colors[name] = "#111827"
    measured = measured_for(sc)
    markers = [Marker(m.describe(), m.value, _ms(m.at)) for m in measured if m.at is not None]
    warning = few_runs_warning(ens.n_runs)
    hosts = LineChart(f"Hosts by state over {ens.n_runs} runs: medians and 5-95% bands", table, cols,
                      labels=labels, colors=colors, markers=markers, bands=bands, note=warning)
    minutes = step / 60.0
    rate = df[["time"]].copy()
    rate["median"] = df["new_infections_p50"] / minutes
    rcols = ["median"]
    aligned = getattr(ens, "new_infections", None)
    if aligned is not None:
        rate["aligned"] = aligned.median / minutes
        rcols.append("aligned")
    rules = [Marker(m.describe(), m.value) for m in measured if m.column == "new_infections_per_min"]
    rates = LineChart(f"New infections per minute ({minutes:g}-minute bins)", rate, rcols,
                      labels={"median": "pointwise median over runs", "aligned": "peak-aligned median"},
                      colors={"median": "#dc2626", "aligned": "#7f1d1d"}, y_label="new infections / min",
                      markers=rules)
    s = ens.summary
    links = [("Static report", report_href)] if report_href else []
    return interactive_page(f"wormcast ensemble: {s.get('scenario', '')} — {ens.n_runs} runs from seed {s['seed']}",
                            [hosts, rates], links=links, intro=sc.description)
