"""Sweep points: the full factorial of ``--grid key=v1,v2,...`` options, or an explicit list of points
(a CSV file whose header names the keys and whose rows are the points).

Values use the scenario override syntax (TOML values; bare words are strings). Every point is resolved into
a validated Scenario before any run starts, so an unknown key or a value that does not fit its key is
refused up front.
"""

from __future__ import annotations

import csv
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

from ...config.overrides import parse_value
from ...errors import WormcastError, flag, in_api
from ..limits import MAX_POINTS, check_points


@dataclass(frozen=True)
class Point:
    index: int
    texts: tuple[tuple[str, str], ...]  # (key, value as written), in key order

    def overrides(self) -> list[str]:
        return [f"{k}={v}" for k, v in self.texts]

    def label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.texts)


def split_values(text: str) -> list[str]:
    """Split on commas that are outside quotes and brackets (so arrays and inline tables stay whole)."""
    parts, depth, quote, cur = [], 0, None, []
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur).strip())
    return parts


def _check_key(key: str, option: str) -> str:
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise WormcastError(f"{option}: empty key")
    return key


def parse_grid(options: list[str]) -> tuple[list[str], list[Point]]:
    """``["k=a,b", "k2=x,y"]`` to (keys, points): the full factorial, the first key varying slowest."""
    if not options:
        raise WormcastError("grid: give at least one key and its values" if in_api() else
                            "sweep: give at least one --grid KEY=V1,V2,... (or --points FILE)")
    keys, value_lists = [], []
    for opt in options:
        if "=" not in opt:
            raise WormcastError(f"{flag('--grid', opt)}: expected KEY=V1,V2,...")
        key, text = opt.split("=", 1)
        key = _check_key(key, flag('--grid', opt))
        if key in keys:
            raise WormcastError(f"{flag('--grid', key)}: given twice")
        values = split_values(text)
        if any(v == "" for v in values):
            raise WormcastError(f"{flag('--grid', opt)}: empty value (expected {key}=V1,V2,...)")
        dup = next((v for i, v in enumerate(values) if v in values[:i]), None)
        if dup is not None:
            raise WormcastError(f"{flag('--grid', key)}: value {dup} listed twice")
        keys.append(key)
        value_lists.append(values)
    check_points(math.prod(len(v) for v in value_lists), "--grid")  # before any point is made
    points = [Point(i, tuple(zip(keys, combo))) for i, combo in enumerate(itertools.product(*value_lists))]
    return keys, points


def parse_points_file(path: str | Path) -> tuple[list[str], list[Point]]:
    """A CSV with a header of keys and one point per row (cells in override syntax)."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = []
            for r in csv.reader(fh):
                if r and not r[0].lstrip().startswith("#"):
                    rows.append(r)
                    if len(rows) > MAX_POINTS + 1:  # the header and one point too many: stop reading
                        raise WormcastError(f"--points {path}: more than {MAX_POINTS:,} points; a sweep has at "
                                            f"most {MAX_POINTS:,} (split it into several sweeps)")
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise WormcastError(f"--points {path}: cannot read ({exc.strerror if isinstance(exc, OSError) else exc})") \
            from None
    if len(rows) < 2:
        raise WormcastError(f"--points {path}: needs a header of keys and at least one row of values")
    keys = [_check_key(k, f"--points {path}") for k in rows[0]]
    if len(set(keys)) != len(keys):
        raise WormcastError(f"--points {path}: a key is named twice in the header")
    points, seen = [], set()
    for lineno, row in enumerate(rows[1:], start=2):
        values = [c.strip() for c in row]
        if len(values) != len(keys) or any(v == "" for v in values):
            raise WormcastError(f"--points {path}: row {lineno}: expected {len(keys)} non-empty values")
        if tuple(values) in seen:
            raise WormcastError(f"--points {path}: row {lineno}: the same point is listed twice")
        seen.add(tuple(values))
        points.append(Point(len(points), tuple(zip(keys, values))))
    return keys, points


def resolve_points(base, points: list[Point], option: str = "--grid") -> list:
    """One validated Scenario per point (``base`` already has the --set overrides applied)."""
    from ...api import resolve

    scenarios = []
    for p in points:
        try:
            scenarios.append(resolve(base, p.overrides()))
        except WormcastError as exc:
            if in_api():  # the value came from grid={...}: name it there, not as an override
                text = str(exc)
                for key, _ in p.texts:
                    text = text.replace(f"overrides[{key!r}]", f"grid[{key!r}]")
                raise WormcastError(f"grid point {p.label()}: {text}") from None
            raise WormcastError(f"{option} {p.label()}: {exc}") from None
    return scenarios


def typed_values(points: list[Point], keys: list[str]) -> dict[str, list]:
    """Per key, the point values as column values: numbers or booleans when every value of the key is one,
    else the text as written."""
    out = {}
    for j, key in enumerate(keys):
        texts = [p.texts[j][1] for p in points]
        parsed = [parse_value(t) for t in texts]
        if all(isinstance(v, bool) for v in parsed):
            out[key] = parsed
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in parsed):
            out[key] = [float(v) if any(isinstance(x, float) for x in parsed) else v for v in parsed]
        else:
            out[key] = [v if isinstance(v, str) else t for v, t in zip(parsed, texts)]
    return out
