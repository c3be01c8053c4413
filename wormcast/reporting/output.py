"""Write a run's files: summary.json, timeseries.parquet/.csv, outbreak.png, report.html (all or none).

Also the two table writers every output shares (single runs, ensembles, sweeps): Parquet files hold times
as ``timestamp[us, tz=UTC]`` (see docs/outputs.md), CSV files hold them as ISO 8601 text
(``2001-07-19T10:00:00Z``).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..util.atomic import staged_dir

PARQUET_TIME = "us"  # Parquet stores ms, us or ns (not s); us is what DuckDB, Spark and Polars all read as is
CSV_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def is_time_name(name: str) -> bool:
    """Summary values that are instants (ISO text in summary.json): ``start``, ``end``, ``*_time``."""
    last = str(name).rsplit(".", 1)[-1]
    return last in ("start", "end") or last.endswith("_time")


def _as_time(series):
    """A tz-aware datetime column in UTC at :data:`PARQUET_TIME` resolution, or None if ``series`` holds no
    instants (text columns are parsed as ISO 8601; naive values are taken as UTC)."""
    import pandas as pd

    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC").dt.as_unit(PARQUET_TIME)
    if pd.api.types.is_datetime64_dtype(series):
        return series.dt.tz_localize("UTC").dt.as_unit(PARQUET_TIME)
    if not (pd.api.types.is_string_dtype(series) or series.dtype == object or series.isna().all()):
        return None
    try:
        return pd.to_datetime(series, utc=True, format="ISO8601").dt.as_unit(PARQUET_TIME)
    except (ValueError, TypeError):
        return None  # not instants after all (a swept value that merely has a time-like name): kept as text


def write_parquet(df, path) -> None:
    """``df`` as Parquet with every time column as a UTC timestamp: datetime columns, and text columns of
    instants named like :func:`is_time_name`."""
    import pandas as pd

    out = df.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(col) or is_time_name(name):
            times = _as_time(col)
            if times is not None:
                out[name] = times
    out.to_parquet(path, index=False)


def csv_table(df):
    """``df`` as the CSV files hold it: its ``time`` column as ISO 8601 UTC text."""
    out = df.copy()
    out["time"] = out["time"].dt.strftime(CSV_TIME_FORMAT)
    return out


def write_timeseries(df, directory: Path) -> None:
    """timeseries.parquet and timeseries.csv of a time series (a single run's or an ensemble's bands)."""
    write_parquet(df, directory / "timeseries.parquet")
    csv_table(df).to_csv(directory / "timeseries.csv", index=False)


def per_minute_table(result):
    """The run's table at 1-minute bins (the bins of the summary's fastest minute), or None when the step
    does not divide a minute."""
    from ..util.timeutil import steps_per

    return result.to_df(60.0).reset_index() if steps_per(60.0, result.scenario.step) is not None else None


def write_run(result, out_dir: str | Path, interval: float | None = None, snapshots=None,
              source: str | None = None) -> Path:
    """summary.json, timeseries.parquet/.csv, outbreak.png, report.html (static, script-free) and
    interactive.html (hover, zoom, the map's time slider), linked to each other; with ``snapshots`` (the
    snapshot observer's :class:`~wormcast.observers.snapshots.SnapshotSet`) also addressmap.png and the map
    in both reports. ``source``: the preset name or TOML path of the scenario (its notes reach the report)."""
    from .htmlpage import png_bytes
    from ..analytic.measured import measured_for
    from ..analytic.twin import overlay
    from .addressmap import map_figure, pick_panels, snapshot_maps
    from .plots import outbreak_figure, worms_figure
    from .report import overlay_note, render
    from .run_page import run_page

    out_dir = Path(out_dir)
    df_times = result.to_df(interval).reset_index()  # time as a column: the files and the report hold it so
    per_minute = per_minute_table(result)
    twin, measured = overlay(result, interval), measured_for(result.scenario)
    maps = snapshot_maps(snapshots) if snapshots is not None and snapshots.frames else []
    orgs = {o.name: list(o.blocks) for o in result.scenario.orgs}
    with staged_dir(out_dir) as stage:
        (stage / "summary.json").write_text(json.dumps(result.summary, indent=2) + "\n", encoding="utf-8")
        write_timeseries(df_times, stage)
        png = png_bytes(outbreak_figure(df_times, result.summary, twin=twin, measured=measured,
                                        per_minute=per_minute))
        (stage / "outbreak.png").write_bytes(png)
        worms = worms_figure(df_times, result.summary)
        worms_png = png_bytes(worms) if worms is not None else None
        map_png = None
        if maps:
            map_png = png_bytes(map_figure(pick_panels(maps), org_blocks=orgs,
                                           title=f"{result.summary['worm']}, seed {result.seed}"))
            (stage / "addressmap.png").write_bytes(map_png)
        html = render(result.summary, df_times, result.scenario, outbreak_png=png, per_minute=per_minute,
                      worms_png=worms_png, map_png=map_png, interactive_href="interactive.html", source=source,
                      overlay=overlay_note(twin, measured))
        (stage / "report.html").write_text(html, encoding="utf-8")
        (stage / "interactive.html").write_text(
            run_page(result, df_times, twin, measured, per_minute, maps), encoding="utf-8")
    return out_dir


def written_files(out_dir: Path) -> list[str]:
    """The files of a run's directory, for the CLI's "Wrote" line."""
    return sorted(p.name for p in Path(out_dir).iterdir() if not p.name.startswith("."))
