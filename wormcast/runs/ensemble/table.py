"""Rows of run records to a typed DataFrame that Parquet, pandas and DuckDB read the same way.

Integers stay integers even when some runs have no value (nullable Int64), so a failed run does not turn a
count column into floats; lists are kept as JSON text.
"""

from __future__ import annotations

import json
from typing import Sequence

from .stats import FIGURES


def column(values: list, name: str = ""):
    import pandas as pd

    present = [v for v in values if v is not None]
    if not present:
        return pd.Series(values, dtype="float64" if name in FIGURES else "string")
    if all(isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="boolean")
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="Int64")
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pd.Series([float("nan") if v is None else float(v) for v in values], dtype="float64")
    return pd.Series([None if v is None else v if isinstance(v, str) else json.dumps(v) for v in values],
                     dtype="string")


def frame(rows: Sequence[dict], columns: Sequence[str]):
    import pandas as pd

    return pd.DataFrame({c: column([r.get(c) for r in rows], c) for c in columns})
