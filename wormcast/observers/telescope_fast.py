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
has at most ``CROWDED`` such sources; in the other intervals ("crowded") aggregated: per source
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

from ..scanners.base import EMPTY, ranges
from .episodes import Episodes


CROWDED = 1024  # an interval with more sources strictly inside their first and last: aggregated (module doc)
CHUNK = 16000  # sources per chunk of the per-source work (arrays under malloc's 128 KiB mmap threshold)


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


def draw_landings(ep: Episodes, per_step: np.ndarray, k: int, n_steps: int, window_interval: int,
                  rng: np.random.Generator) -> FastTables:
    """``per_step``: each host's expected packets per step scanned (mu_h dt); ``k``: steps per interval;
    ``window_interval``: first interval of the estimate window. Sources in host order. The per-source work
    goes in chunks of ``CHUNK`` sources (small arrays: no fresh pages per operation); sources with several
    episodes are worked out once, then patched in."""
    T, w0 = -(-n_steps // k), window_interval
    crowd = CROWDED
    ids, n_ep, S, a0 = ep.host, ep.n, ep.steps, ep.start
    h, a, b = ep.several_host, ep.several_start, ep.several_end
    several = bool(h.size)
    if several:  # each multi-episode host's first episode in (h, a, b)
        first_ep = np.zeros(ids.size, dtype=np.int64)
        at = n_ep > 1
        first_ep[at] = np.cumsum(n_ep[at]) - n_ep[at]
    m = per_step[ids]
    if ids.size and m.min() <= 0:  # hosts that send nothing here are never seen
        keep = np.flatnonzero(m > 0)
        ids, n_ep, S, a0, m = ids[keep], n_ep[keep], S[keep], a0[keep], m[keep]
        first_ep = first_ep[keep] if several else None
    tau1 = rng.standard_exponential(ids.size) / m
    i = np.flatnonzero(tau1 < S)  # host index of each source seen
    n_src = i.size
    if n_src < ids.size:
        tau1, m, ids, S, a0 = tau1[i], m[i], ids[i], S[i], a0[i]
        if several:
            first_ep, n_ep = first_ep[i], n_ep[i]
    e2 = rng.standard_exponential(n_src)
    tau2 = S - e2 / m
    np.maximum(tau2, tau1, out=tau2)
    multi = _several_episodes(np.flatnonzero(n_ep > 1), tau1, tau2, m, first_ep, n_ep, h, a, b, k,
                              T) if several else None
    win = np.arange(T) >= w0

    def ends(c):
        """First and last intervals, end-point packets and the exposure left in their intervals, and the
        range of intervals scanned in full between them, of the chunk of sources from ``c``."""
        sl = slice(c, c + CHUNK)
        t1, t2, mm = tau1[sl], tau2[sl], m[sl]
        a0_ = a0[sl]
        f, l_ = (a0_ + t1.astype(np.int64)) // k, (a0_ + t2.astype(np.int64)) // k  # one episode: its own
        same = f == l_
        x_first = mm * (np.where(same, t2, (f + 1) * k - a0_) - t1)
        x_last = mm * np.where(same, 0.0, t2 - (l_ * k - a0_))
        r0 = f + 1
        r1 = np.maximum(l_, r0)
        if multi is not None:  # patched in
            j0, j1 = np.searchsorted(multi.src, [c, c + CHUNK])
            at = multi.src[j0:j1] - c
            f[at], l_[at], same[at] = multi.f[j0:j1], multi.l[j0:j1], multi.same[j0:j1]
            x_first[at], x_last[at] = multi.x_first[j0:j1], multi.x_last[j0:j1]
            r0[at] = r1[at] = 0
        single = t2 == t1
        return f, l_, same & ~single, ~same, x_first, x_last, r0, r1, mm * k  # (both end packets in f; l apart)

    chunks = [ends(c) for c in range(0, n_src, CHUNK)]
    members = np.zeros(T + 1)
    for r0, r1 in [ch[6:8] for ch in chunks] + ([(multi.r0, multi.r1)] if multi is not None else []):
        members += np.bincount(r0, minlength=T + 1) - np.bincount(r1, minlength=T + 1)
    members = np.cumsum(members)[:T]
    crowded = members > crowd
    any_crowded = bool(crowded.any())
    cs = np.cumsum(np.r_[0, ~crowded])  # uncrowded intervals: each (source, interval) drawn
    cw = np.cumsum(np.r_[0, crowded & win])
    open_t = np.flatnonzero(~crowded)
    packets, active, new = np.zeros(T), np.zeros(T), np.zeros(T)
    lam_all, diffs = np.zeros(T), np.zeros((4, T + 1))  # end points' and crowded exposure; moments
    totals = [0, 0]

    def interior(r0, r1, lam, part=(EMPTY, EMPTY, EMPTY)):
        """Packets of the intervals drawn one by one (items: range, interval, packets) and the crowded
        exposure of each range, in the window and before it; the moments of the crowded intervals."""
        n_open = cs[r1] - cs[r0]
        has = np.flatnonzero(n_open)
        item_r = np.concatenate([part[0], has.repeat(n_open[has])])
        item_t = np.concatenate([part[1], open_t[ranges(cs[r0[has]], cs[r1[has]])]])
        x_items = rng.poisson(np.concatenate([part[2], lam[has].repeat(n_open[has])]))
        lam_w = lam * (cw[r1] - cw[r0])
        if any_crowded:
            e = np.exp(-lam)
            q = 1 - e
            for d, w in zip(diffs, (lam, q, q * e, lam * e)):
                d += np.bincount(r0, w, minlength=T + 1) - np.bincount(r1, w, minlength=T + 1)
        np.add(packets, np.bincount(item_t, x_items, minlength=T), out=packets)
        np.add(active, np.bincount(item_t, x_items > 0, minlength=T), out=active)
        w_items = item_t >= w0
        return item_r, x_items, w_items, lam_w, lam * (r1 - r0 - n_open) - lam_w

    out = [np.empty(n_src, dtype=np.int64) for _ in range(4)]  # first, last, packets, window packets
    for c, (f, l_, two, apart, x_first, x_last, r0, r1, lam) in zip(range(0, n_src, CHUNK), chunks):
        n_c = f.size
        item_r, x_items, w_items, lam_w, lam_b = interior(r0, r1, lam)
        fw, lw = f >= w0, l_ >= w0
        agg_w = x_first * fw + x_last * lw
        m_w = rng.poisson(agg_w + lam_w)
        m_b = rng.poisson(np.maximum(x_first + x_last - agg_w + lam_b, 0))
        totals[0] += int(m_w.sum())
        totals[1] += int(m_b.sum())
        lam_all += np.bincount(f, x_first, minlength=T) + np.bincount(l_, x_last, minlength=T)
        sl = slice(c, c + n_c)
        out[0][sl], out[1][sl] = f, l_
        in_f = 1 + two  # the end-point packets: one or two in f, one in l where apart
        total, in_w = in_f + apart, fw * in_f + (lw & apart)  # (integers throughout)
        total += m_w
        total += m_b
        in_w += m_w
        if item_r.size:  # intervals drawn one by one (none where every interval is crowded)
            total += np.bincount(item_r, x_items, minlength=n_c).astype(np.int64)
            in_w += np.bincount(item_r[w_items], x_items[w_items], minlength=n_c).astype(np.int64)
        out[2][sl], out[3][sl] = total, in_w
        by_f = np.bincount(2 * f + two, minlength=2 * T)  # per interval: first packets alone, with the last
        in_l = np.bincount(np.where(apart, l_, T), minlength=T + 1)[:T]
        c_new = by_f[0::2] + by_f[1::2]
        new += c_new
        packets += c_new + by_f[1::2] + in_l
        active += c_new + in_l
    if multi is not None:  # their intervals between first and last: by range and interval, not by source
        item_r, x_items, w_items, lam_w, lam_b = interior(multi.r0, multi.r1, multi.lam, multi.part)
        m_w, m_b = rng.poisson(lam_w), rng.poisson(np.maximum(lam_b, 0))
        totals[0] += int(m_w.sum())
        totals[1] += int(m_b.sum())
        np.add.at(out[2], multi.r_src, m_w + m_b)
        np.add.at(out[3], multi.r_src, m_w)
        np.add.at(out[2], multi.r_src[item_r], x_items)
        np.add.at(out[3], multi.r_src[item_r[w_items]], x_items[w_items])
    # the aggregated packets: each total split over its intervals (exact independent Poissons per interval)
    lam_c, q, qq, cov = (np.cumsum(d)[:T] * crowded for d in diffs)
    lam_all += lam_c
    Z = np.zeros(T, dtype=np.int64)
    for sel, total in zip((win, ~win), totals):
        if total:
            Z[sel] = rng.multinomial(total, lam_all[sel] / lam_all[sel].sum())
    active = active.astype(np.int64)
    if any_crowded:
        Zc = rng.binomial(Z[crowded], np.clip(lam_c[crowded] / np.maximum(lam_all[crowded], 1e-300), 0, 1))
        active[crowded] += _active_given_packets(Zc, members[crowded], [v[crowded] for v in (lam_c, q, qq, cov)],
                                                 rng)
    return FastTables(packets.astype(np.int64) + Z, active, new.astype(np.int64), ids, out[0], out[1],
                      out[2], out[3])


@dataclass(frozen=True)
class _Several:
    """Sources with several episodes (``src``, sorted): first and last intervals, end-point exposure; the
    ranges of intervals they scan in full between them (``r_src``: their sources, ``r0``, ``r1``, ``lam``);
    the intervals they scan in part (``part``: range-less items, source in ``r_src``'s numbering, interval,
    exposure)."""

    src: np.ndarray
    f: np.ndarray
    l: np.ndarray  # noqa: E741
    same: np.ndarray
    x_first: np.ndarray
    x_last: np.ndarray
    r_src: np.ndarray
    r0: np.ndarray
    r1: np.ndarray
    lam: np.ndarray
    part: tuple


def _several_episodes(src, tau1, tau2, m, first_ep, n_ep, h, a, b, k, T) -> _Several | None:
    """The sources ``src`` with several episodes, through their episodes (scanning time to steps by a search)."""
    if src.size == 0:
        return None
    n = n_ep[src]
    ep_idx = ranges(first_ep[src], first_ep[src] + n)  # their episodes only
    h, a, b = h[ep_idx], a[ep_idx], b[ep_idx]
    ln = b - a
    G = (np.cumsum(ln) - ln).astype(float)  # scanning steps before each episode, these hosts in turn
    span = T * k + 1
    key = h * span + a  # sorted: episodes by host, then start
    lo = np.cumsum(n) - n
    hi = lo + n
    t1, t2, mm = tau1[src], tau2[src], m[src]

    def interval_at(u):
        x = G[lo] + u
        j = np.clip(np.searchsorted(G, x, side="right") - 1, lo, hi - 1)
        return np.clip(np.floor(a[j] + (x - G[j])).astype(np.int64), a[j], b[j] - 1) // k

    def scanned_before(x):  # steps scanned before step x
        j = np.searchsorted(key, h[lo] * span + x, side="right") - 1  # an episode of its own
        return G[j] - G[lo] + np.minimum(x - a[j], ln[j])

    f, l_ = interval_at(t1), interval_at(t2)
    same = f == l_
    x_first = mm * np.where(same, t2 - t1, scanned_before((f + 1) * k) - t1)
    x_last = mm * np.where(same, 0.0, t2 - scanned_before(l_ * k))
    ep_src = np.repeat(np.arange(src.size), n)
    a2 = np.maximum(a, (f[ep_src] + 1) * k)  # each episode clipped to the intervals strictly between
    b2 = np.minimum(b, l_[ep_src] * k)
    ok = a2 < b2
    ep_src, a2, b2 = ep_src[ok], a2[ok], b2[ok]
    c0, c1 = -(-a2 // k), b2 // k
    inside = c0 > c1  # within one interval, touching neither of its edges
    head, tail = ~inside & (c0 * k > a2), ~inside & (b2 > c1 * k)
    uk, inv = np.unique(np.concatenate([ep_src[inside], ep_src[head], ep_src[tail]]) * T + np.concatenate(
        [a2[inside] // k, c0[head] - 1, c1[tail]]), return_inverse=True)  # one per (source, interval)
    exposure = np.bincount(inv, np.concatenate([b2[inside] - a2[inside], c0[head] * k - a2[head],
                                                b2[tail] - c1[tail] * k]), minlength=uk.size)
    full = ~inside & (c1 > c0)
    r_src = np.r_[ep_src[full], uk // T]  # the parts' sources after the ranges' (empty ranges there)
    n_full = int(full.sum())
    r0 = np.r_[c0[full], np.zeros(uk.size, dtype=np.int64)]
    part = (n_full + np.arange(uk.size), uk % T, mm[uk // T] * exposure)
    return _Several(src, f, l_, same, x_first, x_last, src[r_src], r0, np.r_[c1[full], r0[n_full:]],
                    np.r_[mm[ep_src[full]] * k, np.zeros(uk.size)], part)


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
