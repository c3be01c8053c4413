"""The sweep's tables, rebuilt from its run files: ``results`` (one row per point and run) and ``aggregate``
(per point, the percentile summary of each figure). Both depend only on the run files, never on the order
in which runs finished."""

from __future__ import annotations

from enum import Enum

from ..ensemble.stats import FIGURES, STATS, describe, figure_names, flatten
from ..ensemble.table import frame
from .grid import Point, typed_values

MAY_BE_MISSING = ("time_to_half_infected_h",)  # their aggregate also says in how many runs they had a value


class PointStatus(str, Enum):
    """How a point's runs went (the ``status`` column of aggregate.csv)."""

    OK = "ok"  # every run done and ok
    SOME_FAILED = "some failed"  # some runs failed: the figures are over the ok ones
    ALL_FAILED = "all failed"  # no run of the point is ok: no figures
    UNFINISHED = "unfinished"  # runs still to do, none failed (a sweep that was stopped)

    @classmethod
    def of(cls, runs: int, done: int, ok: int) -> "PointStatus":
        if ok == runs:
            return cls.OK
        if done > ok:
            return cls.ALL_FAILED if ok == 0 else cls.SOME_FAILED
        return cls.UNFINISHED


def manifest_points(manifest: dict) -> tuple[list[str], list[Point]]:
    keys = list(manifest["keys"])
    return keys, [Point(i, tuple((k, str(d[k])) for k in keys)) for i, d in enumerate(manifest["points"])]


def _summary_keys(flat: list[dict], keys) -> list[str]:
    """Every summary value seen in any run, in order first seen (organisations flattened)."""
    cols = list(dict.fromkeys(k for s in flat for k in s if k != "seed" and k not in keys))
    return cols or [f for f in FIGURES if f not in keys]


def results_table(manifest: dict, records: dict):
    """One row per recorded run: swept keys, point, run, seed, status, then every summary value."""
    keys, points = manifest_points(manifest)
    typed = typed_values(points, keys)
    recs = [records[k] for k in sorted(records)]
    flat = [flatten(rec["summary"] or {}) for rec in recs]
    cols = _summary_keys(flat, keys)
    rows = []
    for rec, summary in zip(recs, flat):
        p = rec["point"]
        row = {k: typed[k][p] for k in keys}
        row.update(point=p, run=rec["run"], seed=rec["seed"], status=rec["status"])
        row.update({c: summary.get(c) for c in cols})
        rows.append(row)
    return frame(rows, [*keys, "point", "run", "seed", "status", *cols])


def aggregate_table(manifest: dict, records: dict):
    """Per point: swept keys, runs asked, runs done, ok and failed, the point's status and first error, then
    <figure>_<stat> columns (empty for a point with no ok run)."""
    keys, points = manifest_points(manifest)
    typed = typed_values(points, keys)
    by_point: dict[int, list] = {p.index: [] for p in points}
    for (p, _), rec in sorted(records.items()):
        by_point[p].append(rec)
    figures = figure_names(flatten(r["summary"]) for r in records.values() if r["status"] == "ok")
    figures = figures or list(FIGURES)
    rows = []
    for p in points:
        recs = by_point[p.index]
        ok = [flatten(r["summary"]) for r in recs if r["status"] == "ok"]
        row = {k: typed[k][p.index] for k in keys}
        row.update(point=p.index, runs=manifest["runs"], done=len(recs), ok=len(ok), failed=len(recs) - len(ok),
                   status=PointStatus.of(manifest["runs"], len(recs), len(ok)).value,
                   first_error=next((r["status"] for r in recs if r["status"] != "ok"), None))
        for fig in figures:
            d = describe(s.get(fig) for s in ok)
            row.update({f"{fig}_{stat}": d[stat] for stat in STATS})
            if fig in MAY_BE_MISSING:
                row[f"{fig}_n"] = d["n"]
        rows.append(row)
    columns = [*keys, "point", "runs", "done", "ok", "failed", "status", "first_error"]
    for fig in figures:
        columns += [f"{fig}_{stat}" for stat in STATS] + ([f"{fig}_n"] if fig in MAY_BE_MISSING else [])
    return frame(rows, columns)


def text_table(agg, keys: list[str], figures: list[str]) -> str:
    """The aggregate as aligned text: swept keys, ok/runs, then 'median [p5, p95]' per figure."""
    import pandas as pd

    def fmt(v) -> str:
        if pd.isna(v):
            return "-"
        v = float(v)
        if v != 0 and (abs(v) >= 1e6 or abs(v) < 1e-3):
            return f"{v:.3g}"
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"

    figures = [f for f in figures if f"{f}_p50" in agg.columns]
    header = [*keys, "ok/runs", *(f"{f} p50 [p5, p95]" for f in figures)]
    body = []
    for r in agg.to_dict("records"):
        status = r.get("status")
        ok_cell = f"{r['ok']}/{r['runs']}" + ("" if status in (None, PointStatus.OK.value) or pd.isna(status)
                                               else f" {status.upper()}")
        cells = [str(r[k]) for k in keys] + [ok_cell]
        cells += [f"{fmt(r[f'{f}_p50'])} [{fmt(r[f'{f}_p5'])}, {fmt(r[f'{f}_p95'])}]" for f in figures]
        body.append(cells)
    widths = [max(len(h), *(len(row[i]) for row in body)) if body else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in body]
    return "\n".join(line.rstrip() for line in lines)


def failed_points(agg, keys: list[str]) -> list[str]:
    """One line per point with a failed run: its values, how many failed, and the first error."""
    import pandas as pd

    lines = []
    for r in agg.to_dict("records"):
        if r.get("failed", 0) and not pd.isna(r.get("failed")):
            label = ", ".join(f"{k}={r[k]}" for k in keys)
            lines.append(f"point {r['point']} ({label}): {r['failed']} of {r['runs']} runs failed"
                         f"{' (no run ok)' if r['status'] == PointStatus.ALL_FAILED.value else ''}: {r['first_error']}")
    return lines
