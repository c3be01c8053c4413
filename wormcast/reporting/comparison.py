"""The outputs of a what-if comparison (``wormcast run --compare key=v1,v2,...``): compare.json, compare.csv
(tidy: value, figure, median, low, high, n, and the paired difference from the first value) and
report.html, whose figure shows each figure's median per value with its 5-95% interval across runs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ..util.atomic import staged_dir
from .htmlpage import esc, page, png_img, table

BASE_FIGURES = ("ever_infected", "ever_infected_fraction", "peak_infected", "peak_new_infections_per_min",
                "time_to_half_infected_h", "infected_at_end")
ORG_FIGURES = ("backdoor_open_hours", "max_infected_servers")
LABELS = {"ever_infected": "hosts ever infected", "ever_infected_fraction": "share of vulnerable hosts infected",
          "peak_infected": "peak infected hosts", "peak_new_infections_per_min": "peak new infections per minute",
          "time_to_half_infected_h": "hours to half infected", "infected_at_end": "infected hosts at the end",
          "backdoor_open_hours": "backdoor server-hours", "max_infected_servers": "most servers infected at once"}


def figures_of(cmp) -> list[str]:
    """The base figures every run has, then each organisation's (``orgs.<name>.<figure>``)."""
    first = cmp.summaries[0][0]
    out = [f for f in BASE_FIGURES if f in first]
    for name in first.get("orgs") or {}:
        out += [f"orgs.{name}.{f}" for f in ORG_FIGURES]
    return out


def label(figure: str) -> str:
    *org, last = figure.split(".")
    return LABELS.get(last, last.replace("_", " ")) + (f" ({org[1]})" if len(org) == 2 else "")


def _fmt(v) -> str:
    if v is None:
        return "n/a"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"


def _cell(iv: dict) -> str:
    return "n/a" if iv["median"] is None else f"{_fmt(iv['median'])} [{_fmt(iv['low'])} to {_fmt(iv['high'])}]"


def _figure(cmp, figures):
    import numpy as np
    from matplotlib.figure import Figure

    n = len(figures)
    fig = Figure(figsize=(min(4.0 * n, 12), 3.2 * ((n + 2) // 3)))
    for k, f in enumerate(figures):
        ax = fig.add_subplot((n + 2) // 3, min(n, 3), k + 1)
        med, lo, hi = [], [], []
        for i in range(len(cmp.values)):
            iv = cmp.interval(f, i)
            med.append(np.nan if iv.median is None else iv.median)
            lo.append(np.nan if iv.low is None else iv.median - iv.low)
            hi.append(np.nan if iv.high is None else iv.high - iv.median)
        x = np.arange(len(cmp.values))
        ax.errorbar(x, med, yerr=[lo, hi], fmt="o", capsize=4, color="#1f4e79")
        ax.set_xticks(x, [str(v) for v in cmp.values], fontsize=8)
        ax.set_title(label(f), fontsize=9)
        ax.set_xlabel(cmp.key, fontsize=8)
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)
    fig.tight_layout()
    return fig


def words(cmp, figures) -> str:
    lines = [f"Compared {cmp.key} = {', '.join(cmp.values)}: {len(cmp.seeds)} runs per value, the same seeds for "
             "every value (common random numbers). Medians, with 5-95% of runs in brackets"
             + ("; fewer than 20 runs, so the brackets are rough." if cmp.rough else ".")]
    for f in figures:
        cells = [f"{v}: {_cell(cmp.interval(f, i).to_json())}" for i, v in enumerate(cmp.values)]
        lines.append(f"  {label(f)}: " + "; ".join(cells))
    return "\n".join(lines)


def write_comparison(cmp, scenario, out_dir: str | Path) -> Path:
    figures = figures_of(cmp)
    doc = {"scenario": scenario.name, **cmp.to_json(figures)}
    out_dir = Path(out_dir)
    with staged_dir(out_dir) as stage:
        (stage / "compare.json").write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n", encoding="utf-8")
        with open(stage / "compare.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["value", "figure", "median", "low", "high", "n", "difference_median", "difference_low",
                        "difference_high"])
            for i, v in enumerate(cmp.values):
                for f in figures:
                    a = cmp.interval(f, i)
                    d = cmp.difference(f, i) if i else None
                    w.writerow([v, f, a.median, a.low, a.high, a.n,
                                *((d.median, d.low, d.high) if d else ("", "", ""))])
        rows = [[label(f)] + [_cell(cmp.interval(f, i).to_json()) for i in range(len(cmp.values))]
                + [_cell(cmp.difference(f, i).to_json()) for i in range(1, len(cmp.values))] for f in figures]
        head = (["figure"] + [f"{cmp.key} = {v}" for v in cmp.values]
                + [f"{v} minus {cmp.values[0]} (paired)" for v in cmp.values[1:]])
        warn = ('<p class="warn"><strong>Fewer than 20 runs per value:</strong> the 5-95% brackets are rough; '
                "give --runs 20 or more for a firmer answer.</p>" if cmp.rough else "")
        body = [f"<h1>wormcast: {esc(scenario.name)}, what if {esc(cmp.key)} were different</h1>",
                f'<p class="muted">{esc(scenario.description)}</p>',
                f"<p>{len(cmp.seeds)} runs per value, with the same seeds for every value (common random "
                "numbers): each run of one value has a twin, with the same world and random streams, in every "
                "other value, so the paired differences show what the value changes, not what chance did. "
                "Medians, with 5-95% of runs in brackets.</p>", warn,
                png_img(_figure(cmp, figures), "median and 5-95% interval of each figure per value"),
                table(head, rows),
                '<p class="muted">Made by wormcast, a simulator: no packet was sent to anyone.</p>']
        (stage / "report.html").write_text(page(f"wormcast: {scenario.name} compared", "\n".join(body)),
                                           encoding="utf-8")
    return out_dir
