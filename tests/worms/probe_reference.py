"""Brute-force references for the new scanners, and a minimal aggregate loop to drive a scanner directly.

The references simulate in continuous time from each copy's own probes, by the worm's per-probe rule: a copy
sends probes as a Poisson process; for walking scanners the k-th probe's target follows from the rule, so
the time to the copy's next probe that lands on a host is Gamma(k, 1/rate) after its previous one, and the
host's state is looked up at that moment (infections take effect at once, with no step). For uniform
scanning every probe is drawn (vectorised batches, cut at the first infection; exact because the probe
processes are memoryless). The aggregate loop mirrors the engine: hosts infected in a step start scanning at
the next step.
"""

from __future__ import annotations

import heapq
import itertools

import inspect

import numpy as np

from wormcast.core.streams import Streams
from wormcast.scanners.permutation import StartPoint, next_pointer
from wormcast.worms.blaster import BlasterWalk
from wormcast.worms.mirai import PORT_2323_SHARE, Listening, draw_session


def _reached(scanner, dt: float) -> np.ndarray:
    """The reached hosts of one step: registered scanners return a ProbeBatch, the drafts a tuple."""
    if len(inspect.signature(scanner.step).parameters) == 2:
        return scanner.step(dt, 0).reached
    return scanner.step(dt)[2]


def run_aggregate(scanner, n: int, seeds: np.ndarray, dt: float, t_end: float, success: float = 1.0,
                  rng: np.random.Generator | None = None, can_infect: np.ndarray | None = None,
                  seed_restart: dict | None = None) -> np.ndarray:
    """First infection time per host (nan: never) from a scanner built on an n-host world.

    ``can_infect``: hosts that may be infected at all (default every host); ``seed_restart``: keyword
    arguments for the seeds' ``restart`` (e.g. a hit-list copy's start point)."""
    infected = np.zeros(n, dtype=bool)
    allowed = np.ones(n, dtype=bool) if can_infect is None else can_infect
    first = np.full(n, np.nan)
    scanner.infectable = lambda ids: ~infected[ids] & allowed[ids]
    if scanner.tracks_infectable and can_infect is not None:
        scanner.infectable_changed(np.flatnonzero(~allowed), -1)

    def infect(ids, t, kw=None):
        infected[ids] = True
        first[ids] = t
        if scanner.tracks_infectable:
            scanner.infectable_changed(ids, -1)
        if hasattr(scanner, "restart"):
            scanner.restart(ids, **(kw or {}))
        scanner.start(ids)

    infect(np.asarray(seeds, dtype=np.int64), 0.0, seed_restart)
    for s in range(int(round(t_end / dt))):
        targets = _reached(scanner, dt)
        targets = targets[~infected[targets] & allowed[targets]]
        if success < 1.0 and targets.size:
            targets = targets[rng.random(targets.size) < success]
        new = np.unique(targets)
        if new.size:
            infect(new, (s + 1) * dt)
    return first


def _run_events(n, rates, seeds, t_end, rng, launch, on_hit):
    """Event loop: ``launch(h, t)`` gives a copy's state; ``on_hit(state, t)`` handles its next host hit and
    returns (probes to its next hit, host there) or None. State objects carry ``k`` and ``host``."""
    infected = np.zeros(n, dtype=bool)
    first = np.full(n, np.nan)
    heap, tick = [], itertools.count()

    def schedule(h, st, t, nxt):
        if nxt is None:
            return
        k, host = nxt
        t2 = t + rng.gamma(k, 1.0 / rates[h])
        if t2 < t_end:
            heapq.heappush(heap, (t2, next(tick), h, host, st))

    def infect(h, t, seeded=False):
        infected[h] = True
        first[h] = t
        st, nxt = launch(h, t, seeded)
        schedule(h, st, t, nxt)

    for h in seeds:
        infect(int(h), 0.0, True)
    while heap:
        t, _, h, host, st = heapq.heappop(heap)
        nxt, new = on_hit(h, st, host, infected)
        if new:
            infect(host, t)
        schedule(h, st, t, nxt)
    return first


def contiguous_reference(targets: np.ndarray, host_addr: np.ndarray, rates, seeds, t_end, rng,
                         start_index, success: float = 1.0):
    """Sequential walk over the explicit, sorted target list, wrapping: a copy's k-th probe goes to
    ``targets[(i0 + k) % L]``. ``start_index(h, rng)``: index of a new copy's first probe."""
    L = targets.size
    idx = np.searchsorted(targets, host_addr)
    on_list = (idx < L) & (targets[np.minimum(idx, L - 1)] == host_addr)
    H = np.sort(idx[on_list])
    host_at = dict(zip(idx[on_list].tolist(), np.flatnonzero(on_list).tolist()))

    def nxt(i):
        j = np.searchsorted(H, i)
        j = H[j] if j < H.size else H[0]
        return (j - i) % L + 1, j

    def launch(h, t, seeded):
        st = {"i": int(start_index(h, rng))}
        k, j = nxt(st["i"])
        st["j"] = j
        return st, (k, host_at[j])

    def on_hit(h, st, host, infected):
        new = (not infected[host]) and rng.random() < success
        st["i"] = (st["j"] + 1) % L
        k, j = nxt(st["i"])
        st["j"] = j
        return (k, host_at[j]), new

    return _run_events(host_addr.size, rates, seeds, t_end, rng, launch, on_hit)


def blaster_reference(host_addr: np.ndarray, rates, seeds, t_end, rng, start_rule, host_variant=None,
                      variant_p=None):
    """Blaster's counter from a start by ``start_rule``, probing the addresses :meth:`BlasterWalk.visits` says
    it does. A gap whose probe count is at least 4 mean lifetimes of scanning (4 * rate * t_end) is not
    followed: the next hit would come after the end (Gamma tail beyond exp(-20) at these counts)."""
    walk = BlasterWalk()
    order = np.argsort(host_addr)
    sorted_addr = host_addr[order]

    def gen(h, start):
        limit = 4 * rates[h] * t_end
        ahead = sorted_addr > start
        cand = sorted_addr[ahead][walk.visits(start, sorted_addr[ahead])]
        hosts = order[ahead][walk.visits(start, sorted_addr[ahead])]
        prev = start
        for x, host in zip(cand.tolist(), hosts.tolist()):
            if (x - prev) * (254 / 256) - 2 > limit:
                return
            k = int(walk.visits(start, np.arange(prev + 1, x + 1, dtype=np.int64)).sum())
            yield k, host
            prev = x

    def launch(h, t, seeded):
        start = int(start_rule(host_addr[[h]], rng)[0])
        v = rng.choice(len(variant_p), p=variant_p) if variant_p is not None else -1
        st = {"it": gen(h, start), "v": v}
        return st, next(st["it"], None)

    def on_hit(h, st, host, infected):
        ok = host_variant is None or host_variant[host] < 0 or host_variant[host] == st["v"]
        return next(st["it"], None), (not infected[host]) and ok

    return _run_events(host_addr.size, rates, seeds, t_end, rng, launch, on_hit)


def permutation_reference(targets: np.ndarray, host_addr: np.ndarray, rates, seeds, t_end, rng,
                          seeded_start: StartPoint = StartPoint.AFTER_SELF,
                          infected_start: StartPoint = StartPoint.RANDOM, success: float = 1.0):
    """An explicit random permutation of the target list; a copy's probe goes to ``perm[p]``; the pointer
    moves by :func:`next_pointer` (on to p + 1, or to a uniform point after probing an infected host).
    Seeded copies start at ``seeded_start``, the others at ``infected_start``."""
    L = targets.size
    perm = rng.permutation(L)  # position -> index into targets
    where = np.empty(L, dtype=np.int64)
    where[perm] = np.arange(L)  # target index -> position
    idx = np.searchsorted(targets, host_addr)
    pos = where[idx]
    H = np.sort(pos)
    host_at = dict(zip(pos.tolist(), range(host_addr.size)))

    def nxt(p):
        j = np.searchsorted(H, p)
        j = H[j] if j < H.size else H[0]
        return (j - p) % L + 1, j

    def launch(h, t, seeded):
        sp = seeded_start if seeded else infected_start
        p = (pos[h] + 1) % L if sp is StartPoint.AFTER_SELF else int(rng.integers(0, L))
        k, j = nxt(p)
        st = {"j": j}
        return st, (k, host_at[j])

    def on_hit(h, st, host, infected):
        was = bool(infected[host])
        new = (not was) and rng.random() < success
        p = next_pointer(st["j"], was, L, rng)
        k, j = nxt(p)
        st["j"] = j
        return (k, host_at[j]), new

    return _run_events(host_addr.size, rates, seeds, t_end, rng, launch, on_hit)


def mirai_reference(targets: np.ndarray, host_addr: np.ndarray, rate: float, seeds, t_end, rng,
                    device_class, listening, tries: int = 10):
    """Every probe drawn: a uniform target, port 2323 with probability 0.1, and for a device that answers on
    that port, a brute-force session played try by try (:func:`draw_session`). Equal scan rates."""
    n = host_addr.size
    L = targets.size
    lo = int(targets[0])
    table = np.full(int(targets[-1]) - lo + 1, -1, dtype=np.int64)
    inside = (host_addr >= lo) & (host_addr <= targets[-1])
    table[host_addr[inside] - lo] = np.flatnonzero(inside)
    listen23 = np.isin(listening, [Listening.PORT_23, Listening.BOTH])
    listen2323 = np.isin(listening, [Listening.PORT_2323, Listening.BOTH])
    infected = np.zeros(n, dtype=bool)
    first = np.full(n, np.nan)
    for h in seeds:
        infected[h], first[h] = True, 0.0
    t = 0.0
    while t < t_end and not infected.all():
        R = rate * infected.sum()
        sus = max(int((~infected).sum()), 1)
        batch = int(np.clip(3 * L / (sus * 0.2), 2_000, 200_000))
        times = t + np.cumsum(rng.exponential(1.0 / R, batch))
        dest = table[targets[rng.integers(0, L, batch)] - lo]
        port2323 = rng.random(batch) < PORT_2323_SHARE
        hit = np.flatnonzero(dest >= 0)
        d = dest[hit]
        answers = np.where(port2323[hit], listen2323[d], listen23[d]) & ~infected[d]
        cand = hit[answers]
        if cand.size:
            ok = draw_session(device_class[dest[cand]], rng, tries)
            cand = cand[ok]
        if cand.size and times[cand[0]] < t_end:
            i = cand[0]
            infected[dest[i]], first[dest[i]] = True, times[i]
            t = float(times[i])
        else:
            t = float(times[-1])
    return first


def streams(seed: int) -> Streams:
    return Streams(seed)


def outside(cidr: str) -> list[str]:
    """CIDR blocks covering everything but ``cidr``: a worm excluding them scans only that block."""
    import ipaddress

    return [str(b) for b in ipaddress.ip_network("0.0.0.0/0").address_exclude(ipaddress.ip_network(cidr))]


def make_worm(exclude: list[str], rate: float, **kw):
    from wormcast.config.schema import Worm

    return Worm(name="test worm", exclude=exclude, scan_rate={"distribution": "constant", "mean": rate}, **kw)


def target_list(cidr: str, excluded: list[tuple[int, int]] = ()) -> np.ndarray:
    """Every address of a (small) block outside the merged ``excluded`` ranges, sorted."""
    from wormcast.world.addresses import in_ranges, parse_cidr

    lo, hi = parse_cidr(cidr)
    a = np.arange(lo, hi, dtype=np.int64)
    return a[~in_ranges(a, list(excluded))] if excluded else a


def samples(firsts: list[np.ndarray], t_end: float, of: int | None = None) -> dict[str, list[float]]:
    """Per run: the number ever infected at 1/3, 2/3 and the end, and the time to half of ``of`` hosts
    (default all; 2 * t_end when not reached)."""
    out: dict[str, list[float]] = {"ever@1/3": [], "ever@2/3": [], "ever@end": [], "t_half": []}
    for f in firsts:
        n = f.size if of is None else of
        times = np.sort(f[np.isfinite(f)])
        for key, t in (("ever@1/3", t_end / 3), ("ever@2/3", 2 * t_end / 3), ("ever@end", t_end)):
            out[key].append(float(np.sum(times <= t)))
        k = int(np.ceil(n / 2))
        out["t_half"].append(float(times[k - 1]) if times.size >= k else 2 * t_end)
    return out


def ks_report(a: dict, b: dict) -> dict[str, float]:
    from scipy.stats import ks_2samp

    return {k: float(ks_2samp(a[k], b[k]).pvalue) for k in a}


def mirai_sis_reference(targets: np.ndarray, host_addr: np.ndarray, rate: float, n_seeds: int, t_end: float,
                        rng: np.random.Generator, device_class, listening, reboot_per_h: float,
                        off_per_h: float, on_per_h: float, grid: np.ndarray, tries: int = 10,
                        loader: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Mirai with reboots and churn, in continuous time, every probe drawn (as :func:`mirai_reference`).

    A device is online at t = 0 with the long-run share on / (on + off) and then alternates (exponential
    holding times); going offline loses its bot; an offline device is never reached and never scans. A bot is
    cleared by a reboot at ``reboot_per_h`` and the device is susceptible again. The first bots: ``n_seeds``
    uniform among the devices online at t = 0. Returns (first infection time per device, nan: never; the
    number infected at each time of ``grid``)."""
    n, L = host_addr.size, targets.size
    lo = int(targets[0])
    table = np.full(int(targets[-1]) - lo + 1, -1, dtype=np.int64)
    inside = (host_addr >= lo) & (host_addr <= targets[-1])
    table[host_addr[inside] - lo] = np.flatnonzero(inside)
    listen = np.stack([np.isin(listening, [Listening.PORT_23, Listening.BOTH]),
                       np.isin(listening, [Listening.PORT_2323, Listening.BOTH])])
    on_r, off_r, rho = on_per_h / 3600, off_per_h / 3600, reboot_per_h / 3600
    online = rng.random(n) < on_r / (on_r + off_r)
    toggle_at = rng.exponential(1.0, n) / np.where(online, off_r, on_r)
    infected = np.zeros(n, dtype=bool)
    clear_at = np.full(n, np.inf)
    first = np.full(n, np.nan)
    counts = np.zeros(grid.size, dtype=np.int64)
    g = 0

    def infect(h, t):
        infected[h] = True
        if np.isnan(first[h]):
            first[h] = t
        clear_at[h] = t + rng.exponential(1.0 / rho) if rho > 0 else np.inf

    for h in rng.choice(np.flatnonzero(online), size=n_seeds, replace=False):
        infect(int(h), 0.0)
    t = 0.0
    while t < t_end:
        t_ev = min(float(toggle_at.min()), float(clear_at.min()))
        k = int(infected.sum())
        t_next = min(t_ev, t_end)
        if k:
            batch = 4096
            times = t + np.cumsum(rng.exponential(1.0 / (rate * k), batch))
            dest = table[targets[rng.integers(0, L, batch)] - lo]
            port = (rng.random(batch) < PORT_2323_SHARE).astype(np.int64)
            cand = np.flatnonzero(dest >= 0)
            d = dest[cand]
            cand = cand[listen[port[cand], d] & online[d] & ~infected[d]]
            if cand.size:
                ok = draw_session(device_class[dest[cand]], rng, tries)
                if loader < 1:
                    ok &= rng.random(cand.size) < loader
                cand = cand[ok]
            first_hit = float(times[cand[0]]) if cand.size else np.inf
            if first_hit < t_next:
                t_next = first_hit
            elif times[-1] < t_next:  # no event within the batch: go on from its end (memoryless)
                t_next, first_hit = float(times[-1]), np.inf
            while g < grid.size and grid[g] < t_next:
                counts[g] = infected.sum()
                g += 1
            t = t_next
            if first_hit == t_next:
                infect(int(dest[cand[0]]), t)
                continue
            if t < t_ev:
                continue
        else:  # no bot left: none ever again
            break
        if t >= t_end:
            break
        h = int(np.argmin(toggle_at))
        if toggle_at[h] <= clear_at.min():
            if online[h]:
                online[h] = False
                infected[h], clear_at[h] = False, np.inf
                toggle_at[h] = t + rng.exponential(1.0 / on_r)
            else:
                online[h] = True
                toggle_at[h] = t + rng.exponential(1.0 / off_r)
        else:
            h = int(np.argmin(clear_at))
            infected[h], clear_at[h] = False, np.inf
    counts[g:] = infected.sum()
    return first, counts
