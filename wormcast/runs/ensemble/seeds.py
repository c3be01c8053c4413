"""Per-run seeds from one root seed, so a result never depends on scheduling, workers or backend.

A run's seed is drawn from NumPy's ``SeedSequence(root, spawn_key=(point, run))``: it depends only on those
three numbers (SeedSequence output is stable across NumPy versions), and every seed is recorded so any one
run can be re-done alone with ``wormcast run SCENARIO --seed SEED``.
"""

from __future__ import annotations

import numpy as np

from ...errors import WormcastError, flag


def check_root(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise WormcastError(f"{flag('--seed', seed)}: must be a non-negative integer")
    return int(seed)


def run_seed(root: int, point: int, run: int) -> int:
    """The seed of run ``run`` of point ``point``: 63 bits, so it fits a signed 64-bit column."""
    state = np.random.SeedSequence(int(root), spawn_key=(int(point), int(run))).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))
