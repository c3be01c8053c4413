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


CROWDED = 1024  # an interval with more sources strictly inside their first and last: aggregated (module doc)


@dataclass(frozen=True)
class FastTables:
    """Per interval: packets, active and new sources; per source seen (in host order): host id,
    first and last interval, packets, packets in intervals from the estimate window's first on."""

    packets: np.ndarray
    active: np.ndarray
    new: np.ndarray
    ids: np.ndarray
    first: np.ndarray
    last: np.ndarray
    source_packets: np.ndarray
    window_packets: np.ndarray


def _spread(t0: np.ndarray, t1: np.ndarray, weights, n: int) -> np.ndarray:
    """Per interval, the summed weights (None: counts) of the ranges [t0, t1) covering it (a difference array)."""
    d = np.bincount(t0, weights, minlength=n + 1) - np.bincount(t1, weights, minlength=n + 1)
    return np.cumsum(d)[:n]


def draw_landings(ep: Episodes, per_step: np.ndarray, k: int, n_steps: int, window_interval: int,
                  rng: np.random.Generator, enumerate_below: int | None = None) -> FastTables:
    """``per_step``: each host's expected packets per step scanned (mu_h dt); ``k``: steps per interval;
    ``window_interval``: first interval of the estimate window. Sources in host order."""
    T, w0 = -(-n_steps // k), window_interval
    enumerate_below = CROWDED if enumerate_below is None else enumerate_below
    h, a, b = ep.host, ep.start, ep.end
    if h.size and per_step.min() <= 0:  # hosts that send nothing here are never seen
        keep = per_step[h] > 0
        h, a, b = h[keep], a[keep], b[keep]
    ln = b - a
    several = np.flatnonzero(h[1:] == h[:-1]).size if h.size else 0
    if several:
        first_ep = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
        n_ep, S = np.diff(np.r_[first_ep, h.size]), np.add.reduceat(ln, first_ep)
    else:  # one episode per host
        first_ep, n_ep, S = np.arange(h.size), np.ones(h.size, dtype=np.int64), ln
    m = per_step[h[first_ep]]
    e1, e2 = rng.standard_exponential(first_ep.size), rng.standard_exponential(first_ep.size)
    tau1 = e1 / m
    i = np.flatnonzero(tau1 < S)  # host index of each source seen
    n_src = i.size
    if n_src < first_ep.size:
        tau1, m_i, lo_ep, n_i, S, e2 = tau1[i], m[i], first_ep[i], n_ep[i], S[i], e2[i]
    else:
        m_i, lo_ep, n_i = m, first_ep, n_ep
    tau2 = S - e2 / m_i
    np.maximum(tau2, tau1, out=tau2)
    single = tau2 == tau1
    a0 = a[lo_ep]
    f, l_ = (a0 + tau1.astype(np.int64)) // k, (a0 + tau2.astype(np.int64)) // k  # one episode: its own
    multi = np.flatnonzero(n_i > 1)  # sources with several episodes: through their episodes
    if multi.size:
        G = np.cumsum(ln) - ln  # scanning steps before each episode, all hosts in turn
        m_lo, m_hi = lo_ep[multi], lo_ep[multi] + n_i[multi]
        span = T * k + 1
        key = h * span + a  # sorted: episodes by host, then start

        def interval_at(u):
            x = G[m_lo] + u[multi]
            j = np.clip(np.searchsorted(G, x, side="right") - 1, m_lo, m_hi - 1)
            return np.clip(np.floor(a[j] + (x - G[j])).astype(np.int64), a[j], b[j] - 1) // k

        def scanned_before(x):  # steps scanned before step x
            j = np.searchsorted(key, h[m_lo] * span + x, side="right") - 1  # an episode of its own
            return G[j] - G[m_lo] + np.minimum(x - a[j], ln[j])

        f[multi], l_[multi] = interval_at(tau1), interval_at(tau2)
    same = f == l_
    # end points: the first and last packets; the rest of their intervals' exposure goes with the crowded
    base_first = np.where(same & ~single, 2, 1)
    base_last = (~same).astype(np.int64)
    x_first = m_i * (np.where(same, tau2, (f + 1) * k - a0) - tau1)
    x_last = m_i * np.where(same, 0.0, tau2 - (l_ * k - a0))
    # between them, intervals scanned in full: one range per one-episode source; others episode by episode
    r0, r1 = f + 1, np.maximum(l_, f + 1)
    r_src = None  # the first n_src ranges are the sources'
    part_src = part_t = part_x = np.zeros(0, dtype=np.int64)
    if multi.size:
        fm, lm = f[multi], l_[multi]
        x_first[multi] = m_i[multi] * np.where(same[multi], tau2[multi] - tau1[multi],
                                               scanned_before((fm + 1) * k) - tau1[multi])
        x_last[multi] = m_i[multi] * np.where(same[multi], 0.0, tau2[multi] - scanned_before(lm * k))
        r1[multi] = r0[multi]
        ep_src = np.repeat(multi, n_i[multi])
        ep_idx = ranges(m_lo, m_hi)
        a2 = np.maximum(a[ep_idx], (f[ep_src] + 1) * k)
        b2 = np.minimum(b[ep_idx], l_[ep_src] * k)
        ok = a2 < b2
        ep_src, a2, b2 = ep_src[ok], a2[ok], b2[ok]
        c0, c1 = -(-a2 // k), b2 // k
        inside = c0 > c1  # within one interval, touching neither of its edges
        head, tail = ~inside & (c0 * k > a2), ~inside & (b2 > c1 * k)
        uk, inv = np.unique(np.concatenate([ep_src[inside], ep_src[head], ep_src[tail]]) * T + np.concatenate(
            [a2[inside] // k, c0[head] - 1, c1[tail]]), return_inverse=True)  # one per (source, interval)
        part_src, part_t = uk // T, uk % T
        part_x = np.bincount(inv, np.concatenate([b2[inside] - a2[inside], c0[head] * k - a2[head],
                                                  b2[tail] - c1[tail] * k]), minlength=uk.size)
        full = ~inside & (c1 > c0)
        r_src = np.r_[np.arange(n_src), ep_src[full]]
        r0, r1 = np.r_[r0, c0[full]], np.r_[r1, c1[full]]
    lam = m_i * k if r_src is None else m_i[r_src] * k
    members = _spread(r0, r1, None, T)
    crowded = members > enumerate_below
    cs = np.cumsum(np.r_[0, ~crowded])  # uncrowded intervals: each (source, interval) drawn
    n_open = cs[r1] - cs[r0]
    has = np.flatnonzero(n_open)
    has_src = has if r_src is None else r_src[has]
    item_src = np.concatenate([part_src, np.repeat(has_src, n_open[has])])
    item_t = np.concatenate([part_t, np.flatnonzero(~crowded)[ranges(cs[r0[has]], cs[r1[has]])]])
    x_items = rng.poisson(np.concatenate([m_i[part_src] * part_x, np.repeat(lam[has], n_open[has])]))
    # the rest (end points' intervals, crowded intervals): per source totals, in the window and before it
    win = np.arange(T) >= w0
    cw = np.cumsum(np.r_[0, crowded & win])
    lam_w = lam * (cw[r1] - cw[r0])
    lam_b = lam * (r1 - r0 - n_open) - lam_w
    if r_src is not None:
        lam_w, lam_b = np.bincount(r_src, lam_w, minlength=n_src), np.bincount(r_src, lam_b, minlength=n_src)
    agg_w = np.where(f >= w0, x_first, 0) + np.where(l_ >= w0, x_last, 0)
    m_w = rng.poisson(agg_w + lam_w)
    m_b = rng.poisson(np.maximum(x_first + x_last - agg_w + lam_b, 0))
    lam_c = _spread(r0, r1, lam, T) * crowded
    lam_all = np.bincount(f, x_first, minlength=T) + np.bincount(l_, x_last, minlength=T) + lam_c
    Z = np.zeros(T, dtype=np.int64)
    for sel, total in ((win, int(m_w.sum())), (~win, int(m_b.sum()))):
        if total:
            Z[sel] = rng.multinomial(total, lam_all[sel] / lam_all[sel].sum())
    Zc = rng.binomial(Z[crowded], np.clip(lam_c[crowded] / np.maximum(lam_all[crowded], 1e-300), 0, 1))
    Y = np.zeros(0, dtype=np.int64)
    if crowded.any():
        e = np.exp(-lam)
        q = 1 - e
        Y = _active_given_packets(Zc, members[crowded], [lam_c[crowded]] + [
            _spread(r0, r1, w, T)[crowded] for w in (q, q * e, lam * e)], rng)
    # the two tables
    x_src = np.bincount(item_src, x_items, minlength=n_src).astype(np.int64)
    w_items = item_t >= w0
    x_win = np.bincount(item_src[w_items], x_items[w_items], minlength=n_src).astype(np.int64)
    src_packets = base_first + base_last + m_w + m_b + x_src
    window_packets = np.where(f >= w0, base_first, 0) + np.where(l_ >= w0, base_last, 0) + m_w + x_win
    packets = Z + np.bincount(f, base_first, minlength=T) + np.bincount(l_, base_last, minlength=T) \
        + np.bincount(item_t, x_items, minlength=T).astype(np.int64)
    new = np.bincount(f, minlength=T).astype(np.int64)
    active = new + np.bincount(l_, base_last, minlength=T) + np.bincount(item_t, x_items > 0, minlength=T)
    active[crowded] += Y
    return FastTables(packets.astype(np.int64), active.astype(np.int64), new, h[lo_ep], f, l_, src_packets,
                      window_packets)


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
