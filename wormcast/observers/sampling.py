"""Drawing the telescope hits of each source in one step by Poisson thinning.

Poisson scanners (wormcast's model: docs/engine.md, engine-notes.md "Per-host clocks"): source ``h`` sends
probes at rate ``r_h`` and each lands in the telescope independently with probability ``q_h``
(:func:`wormcast.observers.landing.landing_probability`). Its telescope hits in a step of length ``dt`` are
Poisson(``r_h q_h dt``), independent over sources. Equivalently, and cheaper when most sources get no hit:
the total is Poisson(``sum_h r_h q_h dt``) and, given the total, the split over sources is multinomial with
weights ``r_h q_h``. :func:`thin_poisson` draws it that way (exact). When a source's probe count in the step
is already drawn (``n_h``), its hits are Binomial(``n_h``, ``q_h``): :func:`thin_counts`.
"""

from __future__ import annotations

import numpy as np


def _nonzero(ids: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = counts > 0
    return ids[keep], counts[keep].astype(np.int64)


def thin_poisson(rng: np.random.Generator, source_ids, rates, landing, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-source telescope hits in a step: returns (ids with at least one hit, their hit counts)."""
    ids = np.asarray(source_ids)
    w = np.asarray(rates, dtype=float) * np.asarray(landing, dtype=float)
    if np.any(w < 0) or dt < 0:
        raise ValueError("rates, landing probabilities and dt must be non-negative")
    total_rate = float(w.sum())
    if ids.size == 0 or total_rate == 0.0:
        return ids[:0], np.zeros(0, dtype=np.int64)
    total = int(rng.poisson(total_rate * dt))
    if total == 0:
        return ids[:0], np.zeros(0, dtype=np.int64)
    counts = rng.multinomial(total, w / total_rate)
    return _nonzero(ids, counts)


def thin_counts(rng: np.random.Generator, source_ids, probe_counts, landing) -> tuple[np.ndarray, np.ndarray]:
    """Per-source telescope hits when each source's probe count in the step is given: Binomial(n, q)."""
    ids = np.asarray(source_ids)
    n = np.asarray(probe_counts, dtype=np.int64)
    q = np.clip(np.asarray(landing, dtype=float), 0.0, 1.0)
    return _nonzero(ids, rng.binomial(n, q))
