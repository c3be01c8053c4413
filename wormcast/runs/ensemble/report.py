"""An ensemble in words and pictures: median and spread of each figure, bands over time."""

from __future__ import annotations

from ...reporting.htmlpage import esc, page, png_img, table
from ...reporting.plots import STATE_LINES as BAND_LINES, thousands
from .stats import STATS

MIN_BAND_RUNS = 20  # fewer runs than this: the 5-95% band rests on a handful of runs; said on the page


def few_runs_warning(runs: int) -> str:
    """The warning on bands from fewer than :data:`MIN_BAND_RUNS` runs ("" from enough)."""
    if runs >= MIN_BAND_RUNS:
        return ""
    return (f"Only {runs} run{'s' if runs != 1 else ''}: with fewer than {MIN_BAND_RUNS} runs the 5-95% band is "
            f"little more than the lowest and highest runs, and the 25-75% band is rough; use --runs "
            f"{MIN_BAND_RUNS} or more before reading the spread.")


def _spread(d: dict, fmt: str, unit: str = "") -> str:
    return (f"median {format(d['p50'], fmt)}{unit} (90% of runs between {format(d['p5'], fmt)}{unit} "
            f"and {format(d['p95'], fmt)}{unit})")


def words(summary: dict) -> str:
    """A short plain-words summary of an ensemble (also printed by the CLI)."""
    s, e = summary, summary["ensemble"]
    k = s["runs"]
    lines = [f"{s.get('worm', '?')} ({s.get('scenario', '?')}), {k} runs from root seed {s['seed']}, "
             f"{s.get('start', '?')} to {s.get('end', '?')}:"]
    vul = f" of {s['vulnerable']:,} vulnerable hosts" if s.get("vulnerable") else ""
    lines.append(f"  Ever infected{vul}: {_spread(e['ever_infected'], ',.0f')}.")
    half = e.get("time_to_half_infected_h")
    if half and half["n"]:
        never = k - half["n"]
        tail = f"; in {never} of {k} runs fewer than half were ever infected" if never else ""
        lines.append(f"  Half infected after: {_spread(half, '.1f', ' h')}{tail}.")
    else:
        lines.append(f"  In none of the {k} runs were half of the vulnerable hosts ever infected.")
    lines.append(f"  Fastest minute (each run's own peak, 1-minute bins): "
                 f"{_spread(e['peak_new_infections_per_min'], ',.0f')} new infections.")
    lines.append(f"  Worm probes sent: {_spread(e['probes_total'], '.3g')}.")
    if e.get("flood_packets_total", {}).get("p95"):
        lines.append(f"  Flood packets: {_spread(e['flood_packets_total'], '.3g')}.")
    warning = few_runs_warning(k)
    if warning:
        lines.append(f"  {warning}")
    return "\n".join(lines)


def bands_figure(ens):
    """Hosts by state (median line, 25-75% and 5-95% bands) and new infections per minute."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    df = ens.to_df().reset_index()
    t = df["time"].dt.tz_convert("UTC").dt.tz_localize(None)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6.4), sharex=True, constrained_layout=True)
    for col, label, color in BAND_LINES:
        if not df[f"{col}_p95"].any():
            continue
        ax1.fill_between(t, df[f"{col}_p5"], df[f"{col}_p95"], color=color, alpha=0.12, lw=0)
        ax1.fill_between(t, df[f"{col}_p25"], df[f"{col}_p75"], color=color, alpha=0.25, lw=0)
        ax1.plot(t, df[f"{col}_p50"], color=color, lw=1.5, label=f"{label} (median)")
    s = ens.summary
    ax1.set_ylabel("hosts")
    few = f" (only {s['runs']}: rough bands)" if s["runs"] < MIN_BAND_RUNS else ""
    ax1.set_title(f"{s.get('worm', '')}: {s['runs']} runs{few}; median, 25-75% and 5-95% of runs")
    ax1.legend(loc="best", fontsize=8)
    ax1.grid(alpha=0.3)
    minutes = (df["time"].diff().dt.total_seconds().median() / 60.0) if len(df) > 1 else 1.0
    color = "#dc2626"
    ax2.fill_between(t, df["new_infections_p5"] / minutes, df["new_infections_p95"] / minutes, color=color,
                     alpha=0.12, lw=0)
    ax2.fill_between(t, df["new_infections_p25"] / minutes, df["new_infections_p75"] / minutes, color=color,
                     alpha=0.25, lw=0)
    ax2.plot(t, df["new_infections_p50"] / minutes, color=color, lw=1.2,
             label=f"pointwise median over runs ({minutes:g}-minute bins)")
    # Runs peak at different times, so the pointwise median is lower than (and can be shaped unlike) any
    # run's own curve: each run's own peak on the same bins is drawn beside it.
    aligned = getattr(ens, "new_infections", None)
    if aligned is not None and len(aligned.peaks):
        import numpy as np

        lo, mid, hi = np.percentile(aligned.peaks / minutes, [5, 50, 95])
        ax2.plot(t, aligned.median / minutes, color="#7f1d1d", lw=1.2, ls="--",
                 label="peak-aligned median (runs shifted to peak together, at their median peak time)")
        ax2.axhspan(lo, hi, color="#7f1d1d", alpha=0.04, lw=0)
        ax2.axhline(mid, color="#7f1d1d", lw=0.8, ls=":",
                    label=f"each run's own peak: median {mid:,.0f} (5-95% of runs {lo:,.0f}-{hi:,.0f})")
    ax2.set_ylabel("new infections / min")
    ax2.legend(loc="upper left", fontsize=7)
    ax2.grid(alpha=0.3)
    thousands(ax1)
    thousands(ax2)
    ax2.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %H:%M"))
    ax2.set_xlabel("time (UTC)")
    fig.autofmt_xdate()
    return fig


MAX_RUN_ROWS = 100


def _num(v):
    return "" if v is None else (round(v, 6) if isinstance(v, float) else v)


def _plain(df) -> list[dict]:
    """Rows with missing values as None and numbers as Python numbers."""
    import pandas as pd

    return [{k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()}
            for row in df.astype(object).to_dict("records")]


def render(ens) -> str:
    from ...reporting.labels import label
    from ...reporting.provenance import section as scenario_section

    s = ens.summary
    body = [f"<h1>wormcast ensemble: {esc(s.get('scenario', ''))}</h1>",
            f"<p class=\"muted\">{esc(ens.scenario.description)}</p>",
            '<p><a href="interactive.html">Interactive report</a>: hover, zoom and toggle the bands.</p>',
            "<h2>In words</h2>", f"<pre>{esc(words(s))}</pre>",
            "<h2>Outbreak, all runs</h2>", png_img(bands_figure(ens), "hosts by state: percentile bands over runs"),
            "<p class=\"muted\">Lines: the median of the runs at each time; dark bands: 25-75% of runs; "
            "light bands: 5-95% of runs. Runs peak at different times, so the pointwise median of new infections "
            "is lower and can look unlike any single run (two humps where early and late runs peak); each run's "
            "own peak is what the words and the dashed line give.</p>",
            *([f'<p class="warning"><strong>{esc(few_runs_warning(s["runs"]))}</strong></p>']
              if few_runs_warning(s["runs"]) else []),
            "<h2>Figures over runs</h2>",
            table(["figure", *STATS, "runs with a value"],
                  [(label(f), *(_num(d[k]) for k in STATS), d["n"]) for f, d in s["ensemble"].items()]),
            f"<h2>Runs</h2><p class=\"muted\">The first {min(MAX_RUN_ROWS, len(ens.runs))} of "
            f"{len(ens.runs)}; every run is in runs.parquet.</p>",
            table(["run", "seed", "ever infected", "peak infected", "half infected after (h)"],
                  [(r["run"], r["seed"], r["ever_infected"], r["peak_infected"], _num(r["time_to_half_infected_h"]))
                   for r in _plain(ens.runs.head(MAX_RUN_ROWS))]),
            "<h2>Scenario</h2>", scenario_section(ens.scenario),
            '<p class="muted">Made by wormcast, a simulator: no packet was sent to anyone.</p>']
    return page(f"wormcast ensemble: {s.get('scenario', '')}", "\n".join(body))
