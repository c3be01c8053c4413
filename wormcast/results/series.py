"""The per-step columns of one run, in the order their components declared them."""

from __future__ import annotations

import numpy as np

from .columns import Column


class StepSeries:
    """Light per-step arrays (one :class:`Column` each) with a name index: ``series.data["probes"]``."""

    def __init__(self, n_steps: int, columns: list[Column]):
        self.n_steps = n_steps
        self.columns = columns
        names = [c.name for c in columns]
        if len(set(names)) != len(names):
            raise ValueError(f"two components declare the same column: {sorted(n for n in names if names.count(n) > 1)}")
        self.data: dict[str, np.ndarray] = {c.name: c.values for c in columns}
