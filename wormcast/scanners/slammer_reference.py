"""A per-probe reference for Slammer scanning in a small state space: every probe drawn, by the worm's rule.

Why a small space, and why it is a meaningful yardstick: the aggregate scanner relies on the 2-adic cycle
analysis (cycle ids, discrete-log positions, laps). The reference uses none of it: each copy just applies
its generator x -> a x + b (mod 2^k) once per probe, from its GetTickCount()-like seed, and the target is
the new state (SlammerGenerator.targets is the one-probe rule; here the n-th state is reached by composing
the affine map, which is the same map iterated). With a small k (the tests use 14) and a = 214013 the cycle
structure is the real one in miniature (for 4 | b: two cycles of each length 2^(k-2-t) and four fixed
points), so copies lap their cycles, dead-end on empty ones and leave hosts on unvisited cycles uninfected,
all within a test.

Probe times are superposed Poisson processes; after an infection the rest of a batch is redrawn (exact,
the processes being memoryless). Delivery is thinned by the backbone cap at the current sent rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..worms.lcg import AffineLCG
from .slammer import SlammerParams


@dataclass
class SlammerReferenceRun:
    first_infected_at: np.ndarray  # per host, nan if never
    probes: int

    def ever_infected_at(self, t: float) -> int:
        return int(np.sum(self.first_infected_at <= t))

    def time_to_fraction(self, frac: float) -> float:
        times = np.sort(self.first_infected_at[np.isfinite(self.first_infected_at)])
        k = int(np.ceil(frac * self.first_infected_at.size))
        return float(times[k - 1]) if 0 < k <= times.size else np.inf


def run_slammer_reference(addresses: np.ndarray, rates: np.ndarray, params: SlammerParams, initial: np.ndarray,
                          t_end: float, rng: np.random.Generator) -> SlammerReferenceRun:
    """Hosts at ``addresses`` (all vulnerable and targetable), per-host scan rates, hosts infected at t = 0."""
    n = addresses.size
    states = params.states(addresses)
    table = np.full(1 << params.k, -1, dtype=np.int64)
    table[states] = np.arange(n)
    shares = np.asarray(params.shares, dtype=float)
    host_b = rng.choice(len(params.increments), size=n, p=shares / shares.sum())
    lcgs = [AffineLCG(214013, b % (1 << params.k), params.k) for b in params.increments]
    infected = np.zeros(n, dtype=bool)
    first = np.full(n, np.nan)
    seed = np.zeros(n, dtype=np.uint64)
    sent = np.zeros(n, dtype=np.int64)

    def infect(h: int, t: float) -> None:
        infected[h] = True
        first[h] = t
        seed[h] = np.uint64(rng.integers(0, 1 << params.k))
        sent[h] = 0

    for h in initial:
        infect(int(h), 0.0)
    t, total = 0.0, 0
    while t < t_end:
        src_all = np.flatnonzero(infected)
        R = float(rates[src_all].sum())
        if R <= 0 or src_all.size == n:
            break
        theta = 1.0 if params.cap is None else params.cap.delivered_fraction(R)
        batch = int(np.clip(4 * (1 << params.k) / max(n - src_all.size, 1), 256, 200_000))
        times = t + np.cumsum(rng.exponential(1.0 / R, batch))
        cum = np.cumsum(rates[src_all])
        src = src_all[np.minimum(np.searchsorted(cum, rng.random(batch) * cum[-1], side="right"), src_all.size - 1)]
        # the k-th probe of a source in this batch is its (sent + k)-th state after the seed
        order = np.argsort(src, kind="stable")
        s_sorted = src[order]
        starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
        rank = np.empty(batch, dtype=np.int64)
        rank[order] = np.arange(batch) - np.repeat(starts, np.diff(np.r_[starts, batch]))
        steps = sent[src] + rank + 1
        targets = np.empty(batch, dtype=np.int64)
        for j, g in enumerate(lcgs):
            m = host_b[src] == j
            if m.any():
                targets[m] = g.jump(seed[src[m]], steps[m]).astype(np.int64)
        dest = table[targets]
        delivered = rng.random(batch) < theta
        eff = (dest >= 0) & delivered
        eff[eff] = ~infected[dest[eff]]
        cut_t = int(np.searchsorted(times, t_end))
        first_eff = int(np.argmax(eff)) if eff.any() else batch
        if first_eff < min(cut_t, batch):
            used = first_eff + 1
            np.add.at(sent, src[:used], 1)
            total += used
            t = float(times[first_eff])
            infect(int(dest[first_eff]), t)
            continue
        used = min(cut_t, batch)
        np.add.at(sent, src[:used], 1)
        total += used
        t = float(times[-1]) if cut_t >= batch else t_end
    return SlammerReferenceRun(first, total)
