"""Write an ensemble's files, all or none: summary.json, runs.parquet, timeseries.parquet/.csv (percentile
bands, ``infected_p50`` ...), outbreak.png and report.html."""

from __future__ import annotations

import json
from pathlib import Path

from ...util.atomic import staged_dir


def bands_table(ens):
    """The bands with ISO 8601 UTC times as text (what the files hold)."""
    df = ens.to_df()
    df["time"] = df["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return df


def write_ensemble(ens, out_dir: str | Path) -> Path:
    import matplotlib.pyplot as plt

    from .report import bands_figure, render

    out_dir = Path(out_dir)
    table = bands_table(ens)
    with staged_dir(out_dir) as stage:
        (stage / "summary.json").write_text(json.dumps(ens.summary, indent=2) + "\n", encoding="utf-8")
        ens.runs.to_parquet(stage / "runs.parquet", index=False)
        table.to_parquet(stage / "timeseries.parquet", index=False)
        table.to_csv(stage / "timeseries.csv", index=False)
        fig = bands_figure(ens)
        fig.savefig(stage / "outbreak.png", dpi=110)
        plt.close(fig)
        (stage / "report.html").write_text(render(ens), encoding="utf-8")
    return out_dir
