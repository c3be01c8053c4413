"""A telescope's worm packets drawn once, after the run, from who scanned when (``episodes.py``): the fast
accounting of docs/observers.md ("Fast accounting"), O(hosts + episodes + intervals) instead of a draw per
source and interval.

Host h scanning at rate r_h sends the telescope a Poisson process of rate mu_h = r_h p_h while it scans
(p_h: the share of its probes landing there). In its *scanning time* u (steps scanned so far) the packets
are a Poisson process of rate m_h = mu_h dt on [0, S_h). Per source, exactly: the first packet at
tau1 ~ Exp(1) / m_h (seen iff tau1 < S_h), the last at tau2 = S_h - Exp(1) / m_h (one packet iff
tau2 <= tau1); between them an unconditioned Poisson process. Scanning time maps to steps through the
source's episodes. Between its first interval f and last interval l a source's packets per interval are
independent Poisson: drawn per (source, interval) where the interval is scanned in part (episode edges) or
has at most ``enumerate_below`` such sources; in the other intervals ("crowded") aggregated: per source
the total ~ Poisson(exposure) (inside and outside the estimate window apart), their sum split over the
crowded intervals multinomially by each interval's summed exposure (so each interval's packets are the
exact independent Poissons, and the two tables add up alike), and the interval's active sources drawn
given its packets from the moments of the sum of (1[X > 0], X) over its sources (normal, or a Poisson
number of repeat packets where repeats are rare). Exact laws per source and for packets, new sources and
every uncrowded interval; near-exact active counts in crowded ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scanners.base import ranges
from .episodes import Episodes


@dataclass(frozen=True)
class FastTables:
    """Per interval: packets, active and new sources; per source seen (by first interval, then id): host id,
    first and last interval, packets, packets in intervals from the estimate window's first on."""

    packets: np.ndarray
    active: np.ndarray
    new: np.ndarray
    ids: np.ndarray
    first: np.ndarray
    last: np.ndarray
    source_packets: np.ndarray
    window_packets: np.ndarray


def _spread(t0: np.ndarray, t1: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Per interval, the summed weights of the ranges [t0, t1) covering it (a difference array)."""
    d = np.bincount(t0, weights, minlength=n + 1) - np.bincount(t1, weights, minlength=n + 1)
    return np.cumsum(d)[:n]


def draw_landings(ep: Episodes, per_step: np.ndarray, k: int, n_steps: int, window_interval: int,
                  rng: np.random.Generator, enumerate_below: int = 4096) -> FastTables:
    """``per_step``: each host's expected packets per step scanned (mu_h dt); ``k``: steps per interval;
    ``window_interval``: first interval of the estimate window."""
    T = -(-n_steps // k)
    keep = per_step[ep.host] > 0
    h, a, b = ep.host[keep], ep.start[keep], ep.end[keep]
    ln = (b - a).astype(float)
    hosts, first_ep, n_ep = np.unique(h, return_index=True, return_counts=True)
    G = np.concatenate([[0.0], np.cumsum(ln)])[:-1]  # scanning time before each episode, all hosts in turn
    S = np.add.reduceat(ln, first_ep) if first_ep.size else np.zeros(0)
    m = per_step[hosts].astype(float)
    e1, e2 = rng.standard_exponential(hosts.size), rng.standard_exponential(hosts.size)
    tau1 = e1 / np.maximum(m, 1e-300)
    seen = tau1 < S
    i = np.flatnonzero(seen)  # host index of each source seen
    tau1, S_i, m_i = tau1[i], S[i], m[i]
    tau2 = S_i - e2[i] / m_i
    single = tau2 <= tau1
    lo_ep, hi_ep = first_ep[i], first_ep[i] + n_ep[i] - 1

    def interval_at(u):  # the interval of scanning time u of each source seen
        x = G[lo_ep] + u
        j = np.clip(np.searchsorted(G, x, side="right") - 1, lo_ep, hi_ep)
        step = np.clip(np.floor(a[j] + (x - G[j])).astype(np.int64), a[j], b[j] - 1)
        return step // k

    span = T * k + 1
    key = h * span + a  # sorted (episodes by host, then start)

    def scanned_before(x):  # scanning time of each source seen before step x
        j = np.searchsorted(key, hosts[i] * span + x, side="right") - 1
        jj = np.maximum(j, 0)
        return np.where(j >= lo_ep, G[jj] - G[lo_ep] + np.clip(x - a[jj], 0, ln[jj]), 0.0)

    f = interval_at(tau1)
    l_ = np.where(single, f, interval_at(np.maximum(tau2, tau1)))
    same = f == l_
    # end points: the first and last packets, with the Poisson packets of their intervals' remainders
    x_first = np.where(same, tau2 - tau1, scanned_before((f + 1) * k) - tau1)
    c_first = np.where(single, 1, np.where(same, 2, 1) + rng.poisson(m_i * np.maximum(np.where(single, 0, x_first), 0)))
    c_last = 1 + rng.poisson(m_i * np.maximum(np.where(same, 0.0, tau2 - scanned_before(l_ * k)), 0))
    c_last = np.where(same, 0, c_last)
    # between them: each episode of a source clipped to the intervals strictly between f and l
    ep_src = np.repeat(np.arange(i.size), n_ep[i])  # episodes of the sources seen, in order
    ep_idx = ranges(lo_ep, hi_ep + 1)
    a2 = np.maximum(a[ep_idx], (f[ep_src] + 1) * k)
    b2 = np.minimum(b[ep_idx], l_[ep_src] * k)
    ok = a2 < b2
    ep_src, a2, b2 = ep_src[ok], a2[ok], b2[ok]
    c0, c1 = -(-a2 // k), b2 // k
    inside = c0 > c1  # within one interval, touching neither of its edges
    head = ~inside & (c0 * k > a2)
    tail = ~inside & (b2 > c1 * k)
    part_src = np.concatenate([ep_src[inside], ep_src[head], ep_src[tail]])
    part_t = np.concatenate([a2[inside] // k, c0[head] - 1, c1[tail]])
    part_x = np.concatenate([b2[inside] - a2[inside], c0[head] * k - a2[head], b2[tail] - c1[tail] * k])
    full = ~inside & (c1 > c0)
    r_src, r0, r1 = ep_src[full], c0[full], c1[full]
    lam = m_i[r_src] * k
    members = _spread(r0, r1, np.ones(r0.size), T)
    crowded = members > enumerate_below
    cs = np.concatenate([[0], np.cumsum(~crowded)])  # uncrowded intervals: each (source, interval) drawn
    n_open = cs[r1] - cs[r0]
    open_t = np.flatnonzero(~crowded)[ranges(cs[r0], cs[r1])]
    item_src = np.concatenate([part_src, np.repeat(r_src, n_open)])
    item_t = np.concatenate([part_t, open_t]).astype(np.int64)
    item_x = np.concatenate([m_i[part_src] * part_x, np.repeat(lam, n_open)])
    uk, inv = np.unique(item_src * T + item_t, return_inverse=True)  # one item per (source, interval)
    x_items = rng.poisson(np.bincount(inv, item_x, minlength=uk.size))
    item_src, item_t = uk // T, uk % T
    # crowded intervals: per source totals, inside the estimate window and before it
    in_w = crowded & (np.arange(T) >= window_interval)
    cw = np.concatenate([[0], np.cumsum(in_w)])
    cb = np.concatenate([[0], np.cumsum(crowded & ~in_w)])
    n_w, n_b = cw[r1] - cw[r0], cb[r1] - cb[r0]
    m_w, m_b = rng.poisson(lam * n_w), rng.poisson(lam * n_b)
    Lam = _spread(r0, r1, lam, T)
    Z = np.zeros(T, dtype=np.int64)
    for sel, total in ((in_w, int(m_w.sum())), (crowded & ~in_w, int(m_b.sum()))):
        if sel.any():
            Z[sel] = rng.multinomial(total, Lam[sel] / Lam[sel].sum())
    Y = _active_given_packets(Z[crowded], members[crowded], [_spread(r0, r1, w, T)[crowded] for w in (
        lam, -np.expm1(-lam), -np.expm1(-lam) * np.exp(-lam), lam * np.exp(-lam))], rng)
    # the two tables
    n_src = i.size
    src_packets = c_first + c_last + np.bincount(item_src, x_items, minlength=n_src).astype(np.int64) \
        + np.bincount(r_src, m_w + m_b, minlength=n_src).astype(np.int64)
    w_items = item_t >= window_interval
    window_packets = np.where(f >= window_interval, c_first, 0) + np.where(l_ >= window_interval, c_last, 0) \
        + np.bincount(item_src[w_items], x_items[w_items], minlength=n_src).astype(np.int64) \
        + np.bincount(r_src, m_w, minlength=n_src).astype(np.int64)
    packets = np.bincount(f, c_first, minlength=T) + np.bincount(l_, c_last, minlength=T) \
        + np.bincount(item_t, x_items, minlength=T)
    packets = packets.astype(np.int64) + Z
    new = np.bincount(f, minlength=T).astype(np.int64)
    active = new + np.bincount(l_[~same], minlength=T) + np.bincount(item_t[x_items > 0], minlength=T)
    active[crowded] += Y
    order = np.argsort(f, kind="stable")  # sources by first interval, then host id
    return FastTables(packets, active.astype(np.int64), new, hosts[i][order], f[order], l_[order],
                      src_packets[order], window_packets[order].astype(np.int64))


def _active_given_packets(Z, n, moments, rng) -> np.ndarray:
    """Active sources of crowded intervals given their packets Z: from the sums over each interval's sources of
    E X, E 1[X>0], Var 1[X>0] and Cov(1[X>0], X), the conditional normal of the active count; its repeat
    packets D = Z - active as a Poisson where the normal's mean of D is small (repeats rare)."""
    lam, q, qq, cov = moments
    if Z.size == 0:
        return np.zeros(0, dtype=np.int64)
    slope = cov / np.maximum(lam, 1e-300)
    mean = q + slope * (Z - lam)
    sd = np.sqrt(np.maximum(qq - cov * slope, 0.0))
    d_mean = Z - mean
    normal, poisson = rng.standard_normal(Z.size), rng.poisson(np.clip(d_mean, 0, None))
    D = np.where(d_mean < 20, poisson, np.rint(d_mean + sd * normal).astype(np.int64))
    return np.clip(Z - D, np.minimum(Z, 1), np.minimum(Z, n.astype(np.int64)))
