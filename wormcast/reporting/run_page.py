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
    cols = [c for c in ["ever_infected", *STATE_COLUMNS] if c in df and df[c].any()]
    labels = {"ever_infected": "ever infected", "infected": "infected now"}
    table = df[["time", *cols]].copy()
    if twin is not None:
        name = f"analytic twin ({twin['model'].iloc[0]}), ever infected"
        table[name] = twin["ever_infected"].to_numpy()
        cols.append(name)
    for b in bands:
        table[b.low], table[b.high] = df[b.low], df[b.high]
    markers = [Marker(m.describe(), m.value, _ms(m.at)) for m in measured if m.at is not None and m.column in df]
    return LineChart("Hosts by state, beside the analytic twin and the measured figures", table, cols,
                     labels=labels, markers=markers, bands=bands)


def rate_chart(df, per_minute=None, measured=()) -> LineChart:
    """New infections per minute on the summary's bins (1-minute bins where the step divides a minute)."""
    from .plots import rate_bins

    t, rate, what = rate_bins(df, per_minute)
    import pandas as pd

    table = pd.DataFrame({"time": (per_minute if per_minute is not None else df)["time"], "rate": rate})
    markers = [Marker(m.describe(), m.value) for m in measured if m.column == "new_infections_per_min"]
    return LineChart(f"New infections per minute ({what})", table, ["rate"],
                     labels={"rate": "new infections per minute"}, y_label="new infections / min", markers=markers)


def worms_chart(df, summary: dict) -> LineChart | None:
    from ..results.columns import slug

    worms = list(summary.get("worms") or {})
    if len(worms) < 2:
        return None
    cols = [f"infected_{slug(w)}" for w in worms]
    return LineChart("Hosts running each worm", df, cols, labels={c: f"running {w}" for c, w in zip(cols, worms)},
                     note="Click a worm in the legend to see it alone; each worm's own scale is one click away.")


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
