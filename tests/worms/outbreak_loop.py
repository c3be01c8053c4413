"""A minimal infection loop around one registered scanner, for tests that compare it with a per-probe
reference of their own (rates and first copies given, not drawn by the engine).

Every host is vulnerable and targetable; a reached host that is not yet infected becomes infected at the end
of the step and starts scanning (the engine's rule, and its order: ``on_infected`` then ``start``). Copies a
step reports as ``ended`` (Witty's crashes) stop and are counted; ``cap`` thins delivery as the engine does.
"""

from __future__ import annotations

import numpy as np

from wormcast.core.backbone import thin
from wormcast.core.registry import SCANNERS
from wormcast.scanners.base import TargetSpace


def build(scanning: dict, world, worm, rates, streams):
    """The registered scanner ``scanning["kind"]`` with those settings, on ``world`` for ``worm``."""
    cls = SCANNERS.get(scanning["kind"])
    return cls(cls.Config(**scanning), TargetSpace.of(worm, world), world, np.asarray(rates, dtype=float), streams,
               lambda ids: np.ones(ids.size, dtype=bool))


def run_aggregate(scanner, n: int, initial: np.ndarray, dt: float, t_end: float, cap=None,
                  rng: np.random.Generator | None = None) -> dict:
    infected = np.zeros(n, dtype=bool)
    first = np.full(n, np.nan)
    initial = np.asarray(initial, dtype=np.int64)
    infected[initial] = True
    first[initial] = 0.0
    scanner.on_infected(initial)
    scanner.start(initial)
    steps = int(round(t_end / dt))
    alive = np.zeros(steps, dtype=np.int64)
    dead = 0
    for i in range(steps):
        batch = scanner.step(dt, 0)
        if cap is not None:
            batch = thin(batch, cap.delivered_fraction(scanner.total_rate), rng)
        new = np.unique(batch.reached)
        new = new[~infected[new]]
        t = (i + 1) * dt
        if batch.ended.size:
            scanner.stop(batch.ended)
            dead += batch.ended.size
        if new.size:
            infected[new] = True
            first[new] = t
            scanner.on_infected(new)
            scanner.start(new)
        alive[i] = scanner.n_scanning
    return {"first": first, "alive": alive, "dead": dead}


def time_to_fraction(first: np.ndarray, frac: float) -> float:
    times = np.sort(first[np.isfinite(first)])
    k = int(np.ceil(frac * first.size))
    return float(times[k - 1]) if 0 < k <= times.size else np.inf
