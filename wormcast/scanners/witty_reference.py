"""A per-probe reference for Witty in a small analogue of its generator: every rand() call made, in order.

Each copy holds its LCG state and makes the worm's calls [KPW05 pseudocode]: per packet four calls (the
address from the first two, then port and size), after each round one call for the disk number (the top
half's bits 13..15 in the real worm; here the low three bits of the top half), and, if that disk exists,
one call for the block, then the crash draw (the model's, not the worm's) and a re-seed from a fresh
uniform tick count. Nothing of the phase analysis is used, so agreement with WittyScanner tests it:
phases, the phase shift between rounds, multiplicities and the death rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .witty import WittyParams


@dataclass
class WittyReferenceRun:
    first_infected_at: np.ndarray
    died_at: np.ndarray
    probes: int


def run_witty_reference(addresses: np.ndarray, rates: np.ndarray, params: WittyParams, initial: np.ndarray,
                        t_end: float, rng: np.random.Generator) -> WittyReferenceRun:
    g, death = params.generator, params.death
    sb, hb = g.state_bits, g.half_bits
    n = addresses.size
    table = np.full(1 << (2 * hb), -1, dtype=np.int64)
    table[params.generator_addresses(addresses)] = np.arange(n)
    n_disks = death.draw_disks(n, rng)
    mask = (1 << sb) - 1
    a, c = g.a, g.c % (1 << sb)
    state = np.zeros(n, dtype=np.int64)
    left = np.zeros(n, dtype=np.int64)
    status = np.zeros(n, dtype=np.int8)  # 0 susceptible, 1 scanning, 2 dead
    first = np.full(n, np.nan)
    died = np.full(n, np.nan)

    def infect(h, t):
        status[h] = 1
        first[h] = t
        state[h] = int(rng.integers(0, 1 << sb))
        left[h] = params.packets_per_round

    for h in initial:
        infect(int(h), 0.0)
    t, total = 0.0, 0
    changed = True
    while t < t_end:
        if changed:
            src_all = np.flatnonzero(status == 1)
            if src_all.size == 0:
                break
            R = float(rates[src_all].sum())
            cum = np.cumsum(rates[src_all]) / R
            changed = False
        t += rng.exponential(1.0 / R)
        if t >= t_end:
            break
        h = int(src_all[min(int(np.searchsorted(cum, rng.random(), side="right")), src_all.size - 1)])
        x = int(state[h])
        x1 = (a * x + c) & mask
        x2 = (a * x1 + c) & mask
        x = (a * ((a * x2 + c) & mask) + c) & mask  # port and size calls
        total += 1
        v = table[((x1 >> (sb - hb)) << hb) | (x2 >> (sb - hb))]
        if v >= 0 and status[v] == 0:
            infect(int(v), t)
            changed = True
        left[h] -= 1
        if left[h] == 0:
            x = (a * x + c) & mask
            disk = (x >> (sb - hb)) & 7
            left[h] = params.packets_per_round
            if disk < n_disks[h]:
                x = (a * x + c) & mask  # the block number
                if rng.random() < death.crash_per_write:
                    status[h] = 2
                    died[h] = t
                    changed = True
                x = int(rng.integers(0, 1 << sb))  # srand(GetTickCount())
        state[h] = x
    return WittyReferenceRun(first, died, total)
