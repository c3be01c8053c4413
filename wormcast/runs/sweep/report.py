"""The sweep report: chosen figures against the swept parameter(s), with percentile bands over runs."""

from __future__ import annotations

import json

from ...reporting.htmlpage import esc, page, png_img, table
from .aggregate import failed_points

DEFAULT_FIGURES = ("ever_infected_fraction", "time_to_half_infected_h", "peak_infected")


def _is_numeric(series) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def plottable(agg, keys: list[str], fig_name: str):
    """The rows of ``agg`` that can be drawn for ``fig_name``: a median value (a point whose runs all failed
    has none) and, for a numeric swept key on the x axis, a finite value (``inf`` cannot be placed)."""
    import numpy as np

    keep = agg[f"{fig_name}_p50"].notna().to_numpy().copy()
    if 1 <= len(keys) <= 2 and _is_numeric(agg[keys[0]]):
        keep &= np.isfinite(agg[keys[0]].astype(float).to_numpy())
    return agg[keep]


def figure_plot(agg, keys: list[str], fig_name: str):
    """One key: the figure against it (median, 25-75% and 5-95% bands). Two keys: one line per value of the
    second. More, or an explicit list of points: against the point number. Points that cannot be drawn
    (see :func:`plottable`) are left out; the report lists them."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(8, 4.2), constrained_layout=True)
    agg = plottable(agg, keys, fig_name)
    if not len(agg):
        ax.text(0.5, 0.5, f"no point has a value of {fig_name}", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    p = {s: agg[f"{fig_name}_{s}"].astype(float).to_numpy() for s in ("p5", "p25", "p50", "p75", "p95")}
    if len(keys) == 1:
        x_key = keys[0]
        numeric = _is_numeric(agg[x_key])
        x = agg[x_key].astype(float).to_numpy() if numeric else np.arange(len(agg))
        order = np.argsort(x, kind="stable")
        ax.fill_between(x[order], p["p5"][order], p["p95"][order], color="#2563eb", alpha=0.12, lw=0,
                        label="5-95% of runs")
        ax.fill_between(x[order], p["p25"][order], p["p75"][order], color="#2563eb", alpha=0.28, lw=0,
                        label="25-75% of runs")
        ax.plot(x[order], p["p50"][order], "o-", color="#1e3a8a", lw=1.5, label="median")
        if numeric and (x > 0).all() and x.max() / x.min() >= 100:
            ax.set_xscale("log")
        if not numeric:
            ax.set_xticks(x, [str(v) for v in agg[x_key]], rotation=20, ha="right")
        ax.set_xlabel(x_key)
    elif len(keys) == 2:
        x_key, line_key = keys
        numeric = _is_numeric(agg[x_key])
        xs = list(dict.fromkeys(agg[x_key].tolist()))
        pos = {v: (float(v) if numeric else i) for i, v in enumerate(xs)}
        colors = plt.get_cmap("viridis")
        groups = list(dict.fromkeys(agg[line_key].tolist()))
        for gi, g in enumerate(groups):
            sel = (agg[line_key] == g).to_numpy()
            x = np.array([pos[v] for v in agg[x_key][sel]])
            order = np.argsort(x, kind="stable")
            c = colors(gi / max(1, len(groups) - 1))
            ax.fill_between(x[order], p["p25"][sel][order], p["p75"][sel][order], color=c, alpha=0.2, lw=0)
            ax.plot(x[order], p["p50"][sel][order], "o-", color=c, lw=1.4, label=f"{line_key}={g}")
        if not numeric:
            ax.set_xticks(list(pos.values()), [str(v) for v in xs], rotation=20, ha="right")
        ax.set_xlabel(x_key)
    else:
        x = agg["point"].astype(float).to_numpy()
        ax.errorbar(x, p["p50"], yerr=[p["p50"] - p["p5"], p["p95"] - p["p50"]], fmt="o", color="#1e3a8a",
                    ecolor="#93c5fd", capsize=3, label="median, 5-95% of runs")
        ax.set_xlabel("point (see the table)")
    from ...reporting.labels import label

    ax.set_ylabel(label(fig_name))
    ax.set_title(f"{label(fig_name)}: median and spread over runs")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return fig


def _cell(v):
    import pandas as pd

    if pd.isna(v):
        return ""
    v = v.item() if hasattr(v, "item") else v
    return round(v, 6) if isinstance(v, float) else v


def render(manifest: dict, agg, results, figures: list[str]) -> str:
    keys = manifest["keys"]
    missing = [f for f in figures if f"{f}_p50" not in agg.columns]
    figures = [f for f in figures if f not in missing]
    total = len(results)
    failed = results[results["status"] != "ok"]
    body = [f"<h1>wormcast sweep: {esc(manifest['scenario'])}</h1>",
            f"<p>{len(manifest['points'])} points x {manifest['runs']} runs = {total} runs, root seed "
            f"{manifest['seed']}; swept: {esc(', '.join(keys))}. {total - len(failed)} runs ok, "
            f"{len(failed)} failed.</p>"]
    from ...reporting.labels import label
    from ..ensemble.report import few_runs_warning

    warning = few_runs_warning(manifest["runs"])
    if warning:
        body.append(f'<p class="warning"><strong>{esc(warning)} (runs per point)'
                    "</strong></p>")
    if missing:
        body.append(f"<p class=\"muted\">Not in these runs' summaries: {esc(', '.join(missing))}.</p>")
    bad = failed_points(agg, keys)
    if bad:
        body.append("<h2>Failed points</h2><ul>" + "".join(f"<li>{esc(line)}</li>" for line in bad) + "</ul>")
    for f in figures:
        body.append(f"<h2>{esc(label(f))} <span class=\"muted\">({esc(f)})</span></h2>")
        body.append(png_img(figure_plot(agg, keys, f), f"{f} against {', '.join(keys)}"))
        left_out = len(agg) - len(plottable(agg, keys, f))
        if left_out:
            body.append(f"<p class=\"muted\">{left_out} point{'s' if left_out != 1 else ''} not drawn: no run "
                        "with a value, or a swept value that cannot be placed on the axis (see the table).</p>")
    body.append("<h2>Per point</h2>")
    header = [*keys, "ok/runs", "status"] + [f"{f} {s}" for f in figures for s in ("p5", "p50", "p95")]
    rows = []
    for r in agg.to_dict("records"):
        rows.append([*(_cell(r[k]) for k in keys), f"{r['ok']}/{r['runs']}", r["status"],
                     *(_cell(r[f"{f}_{s}"]) for f in figures for s in ("p5", "p50", "p95"))])
    body.append(table(header, rows))
    if len(failed):
        body.append("<h2>Failed runs</h2>")
        body.append(table(["point", "run", "seed", "status"],
                          [(int(r.point), int(r.run), int(r.seed), r.status) for r in failed.head(50).itertuples()]))
    body.append("<h2>Files</h2><p>results.parquet (one row per point and run), aggregate.csv (per point), "
                "runs/ (one file per run), sweep.json (what was swept).</p>")
    body.append(f"<h2>Base scenario</h2><pre>{esc(json.dumps(manifest['base_scenario'], indent=2))}</pre>")
    body.append('<p class="muted">Made by wormcast, a simulator: no packet was sent to anyone.</p>')
    return page(f"wormcast sweep: {manifest['scenario']}", "\n".join(body))
