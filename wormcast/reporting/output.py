"""Write a run's files: summary.json, timeseries.parquet/.csv, outbreak.png, report.html (all or none)."""

from __future__ import annotations

import json
from pathlib import Path

from ..util.atomic import staged_dir


def timeseries_table(result, interval: float | None = None):
    """The time series with ISO 8601 UTC times as text (what the files hold)."""
    df = result.to_df(interval)
    df["time"] = df["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return df


def write_run(result, out_dir: str | Path, interval: float | None = None) -> Path:
    from .htmlpage import png_bytes
    from .plots import outbreak_figure
    from .report import render

    out_dir = Path(out_dir)
    df_times = result.to_df(interval)
    table = timeseries_table(result, interval)
    with staged_dir(out_dir) as stage:
        (stage / "summary.json").write_text(json.dumps(result.summary, indent=2) + "\n", encoding="utf-8")
        table.to_parquet(stage / "timeseries.parquet", index=False)
        table.to_csv(stage / "timeseries.csv", index=False)
        png = png_bytes(outbreak_figure(df_times, result.summary))
        (stage / "outbreak.png").write_bytes(png)
        html = render(result.summary, df_times, result.scenario, outbreak_png=png)
        (stage / "report.html").write_text(html, encoding="utf-8")
    return out_dir
