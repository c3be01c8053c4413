"""Declared outputs: every component says which per-step columns it produces and what they mean.

A stock is a level at the end of a step (hosts infected); a flow happens during it (probes sent). The
time series at any reporting interval follows from that alone: a stock's value at the end of the
interval, a flow summed over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np


class Kind(Enum):
    STOCK = "stock"
    FLOW = "flow"


@dataclass
class Column:
    """One per-step column: its values (length n_steps) and what they are."""

    name: str
    kind: Kind
    unit: str
    label: str
    values: np.ndarray

    def at_interval(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Per reporting interval: the stock at the end, or the flow summed from ``starts``."""
        if self.kind is Kind.STOCK:
            return self.values[ends]
        return np.add.reduceat(self.values, starts)


def stock(name: str, unit: str, label: str, n_steps: int, dtype=np.int64) -> Column:
    return Column(name, Kind.STOCK, unit, label, np.zeros(n_steps, dtype=dtype))


def flow(name: str, unit: str, label: str, n_steps: int, dtype=np.int64) -> Column:
    return Column(name, Kind.FLOW, unit, label, np.zeros(n_steps, dtype=dtype))


def slug(name: str) -> str:
    """A column-friendly form of a name: 'Code Red II' -> 'code_red_ii'."""
    return "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")
