"""A minimal infection loop around one scanner, for tests (the engine cannot register the new scanners yet).

Every host is vulnerable and targetable; a reached host that is not yet infected becomes infected at the end
of the step and starts scanning (the engine's rule). ``lifecycle(scanner, t)`` may return ids that died.
"""

from __future__ import annotations

import numpy as np


def run_aggregate(scanner, n: int, initial: np.ndarray, dt: float, t_end: float, removed=None) -> dict:
    infected = np.zeros(n, dtype=bool)
    first = np.full(n, np.nan)
    infected[initial] = True
    first[initial] = 0.0
    scanner.start(np.asarray(initial, dtype=np.int64))
    steps = int(round(t_end / dt))
    alive = np.zeros(steps, dtype=np.int64)
    for i in range(steps):
        _, _, reached = scanner.step(dt)
        new = np.unique(reached)
        new = new[~infected[new]]
        t = (i + 1) * dt
        if removed is not None:
            gone = removed(scanner)
            if gone.size:
                scanner.stop(gone)
        if new.size:
            infected[new] = True
            first[new] = t
            scanner.start(new)
        alive[i] = scanner.n_scanning
    return {"first": first, "alive": alive}


def time_to_fraction(first: np.ndarray, frac: float) -> float:
    times = np.sort(first[np.isfinite(first)])
    k = int(np.ceil(frac * first.size))
    return float(times[k - 1]) if 0 < k <= times.size else np.inf
