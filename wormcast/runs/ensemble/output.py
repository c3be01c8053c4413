"""Write an ensemble's files, all or none: summary.json, runs.parquet, timeseries.parquet/.csv (percentile
bands, ``infected_p50`` ...), outbreak.png, report.html and interactive.html; with the runs kept
(``keep_runs=True``) also runs_timeseries.parquet (every run, long form: time, run, figure, value)."""

from __future__ import annotations

import json
from pathlib import Path

from ...reporting.output import write_parquet, write_timeseries
from ...util.atomic import staged_dir


def write_ensemble(ens, out_dir: str | Path) -> Path:
    import matplotlib.pyplot as plt

    from ...reporting.run_page import ensemble_page
    from .report import bands_figure, render

    out_dir = Path(out_dir)
    with staged_dir(out_dir) as stage:
        (stage / "summary.json").write_text(json.dumps(ens.summary, indent=2) + "\n", encoding="utf-8")
        write_parquet(ens.runs, stage / "runs.parquet")
        write_timeseries(ens.to_df().reset_index(), stage)  # time as a column, as the files hold it
        if ens.trajectories is not None:
            write_parquet(ens.to_long(), stage / "runs_timeseries.parquet")
        fig = bands_figure(ens)
        fig.savefig(stage / "outbreak.png", dpi=110)
        plt.close(fig)
        (stage / "report.html").write_text(render(ens), encoding="utf-8")
        (stage / "interactive.html").write_text(ensemble_page(ens), encoding="utf-8")
    return out_dir
