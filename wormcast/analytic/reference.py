"""A brute-force per-probe reference simulator, the yardstick for the aggregate engine.

Every probe is drawn: its time (superposed Poisson processes of the scanning hosts), its source, its target
address by the worm's own rule, and the host (if any) at that address. It is meant for small target spaces
(say 2^18 addresses and a few hundred hosts). It draws targets with each scanner's own per-probe rule
(``Scanner.Rule``, in the scanner's file), so it supports every registered scanner without importing the
engine it checks; also infection success below 1, constant-rate patching and reboots, a worm lifetime with a backdoor, and
hit-list seeding (``seeding.hitlist``: each entry infected at its own time if still susceptible). It does not model
the calendar. Probes are drawn in vectorised batches; after any state change the rest of the batch
is discarded and redrawn, which is exact because the probe processes are memoryless.
"""

from __future__ import annotations

import numpy as np

from ..config.schema import Scenario
from ..core.registry import SCANNERS
from ..core.states import PATCHED as P
from ..core.states import SCANNING as I
from ..core.states import SUSCEPTIBLE as S
from ..core.streams import Streams
from ..errors import WormcastError
from ..scanners.base import TargetSpace
from ..world.population import World, target_ranges


class ReferenceRun:
    """Outcome: per-host first infection time (nan if never), and every infection time (reinfections too)."""

    def __init__(self, first_infected_at: np.ndarray, infection_times: np.ndarray, probes: int):
        self.first_infected_at = first_infected_at
        self.infection_times = infection_times
        self.probes = probes

    def ever_infected_at(self, t: float) -> int:
        return int(np.sum(self.first_infected_at <= t))

    def time_to_fraction(self, frac: float) -> float:
        times = np.sort(self.first_infected_at[np.isfinite(self.first_infected_at)])
        k = int(np.ceil(frac * self.first_infected_at.size))
        return float(times[k - 1]) if 0 < k <= times.size else np.inf


def _target_list(excluded) -> np.ndarray:
    """All targetable addresses; only for small spaces (the complement of ``excluded`` must be small)."""
    allowed, lo = [], 0
    for a, b in excluded + [(1 << 32, 1 << 32)]:
        if a > lo:
            allowed.append((lo, a))
        lo = max(lo, b)
    size = sum(b - a for a, b in allowed)
    if size > (1 << 22):
        raise WormcastError(f"the reference simulator needs a small target space (it has {size} addresses)")
    return np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in allowed])


def hitlist_times(hitlist, n: int) -> np.ndarray:
    """Infection time of each hit-list entry in list order (entry 0: the first copy, at release), written out
    from the schedule's definition rather than taken from the engine's: at-start, all at 0; constant-rate,
    entry k at k / rate; doubling, after g generations (g / rate) 2^g hosts hold copies, so generation g >= 1
    adds entries 2^(g-1) .. 2^g - 1."""
    size = n if hitlist.entries == "all" else hitlist.entries
    k = np.arange(size)
    if hitlist.mode == "at-start":
        return np.zeros(size)
    if hitlist.mode == "constant-rate":
        return k / hitlist.rate
    gen, g = np.zeros(size), 1
    while (1 << (g - 1)) < size:
        gen[(1 << (g - 1)):(1 << g)] = g
        g += 1
    return gen / hitlist.rate


def run_reference(scenario: Scenario, world: World, seed: int) -> ReferenceRun:
    worm, hosts = scenario.worms[0], scenario.hosts
    if len(scenario.worms) > 1 or worm.calendar != "none" or len(hosts.patch) > 1:
        raise WormcastError("the reference simulator supports one worm, no calendar and one constant patch rate")
    st = Streams(seed)
    rng = st["reference"]
    n, addrs = world.n, world.addresses
    excluded = target_ranges(worm.exclude)
    targets = _target_list(excluded)
    L = targets.size
    rates = worm.scan_rate.draw(n, st["reference-rates"])
    mu = hosts.patch[0].rate_per_hour / 3600.0 if hosts.patch else 0.0
    rho = hosts.reboot_rate_per_hour / 3600.0
    state = np.zeros(n, dtype=np.int8)
    first = np.full(n, np.nan)
    clear_at = np.full(n, np.inf)
    patch_at = rng.exponential(1.0 / mu, n) if mu > 0 else np.full(n, np.inf)
    space = TargetSpace(excluded, L, np.arange(n), worm.skip_self)
    rule = SCANNERS.get(worm.scanning.kind).Rule(worm.scanning, space, targets, addrs, rng)
    infections: list[float] = []
    t_end, p_ok, total_probes = scenario.duration, worm.infection_success, 0

    lo_addr = int(targets[0])
    table = np.full(int(targets[-1]) - lo_addr + 1, -1, dtype=np.int64)
    inside = (addrs >= lo_addr) & (addrs <= targets[-1])
    table[addrs[inside] - lo_addr] = np.flatnonzero(inside)
    equal_rates = bool(np.all(rates == rates[0]))

    def host_at(a: np.ndarray) -> np.ndarray:
        return table[a - lo_addr]

    def infect(h: int, t: float) -> None:
        state[h] = I
        if np.isnan(first[h]):
            first[h] = t
        infections.append(t)
        rule.infected(h)
        c = t + rng.exponential(1.0 / rho) if rho > 0 else np.inf
        if worm.lifetime is not None:
            c = min(c, t + worm.lifetime)
        clear_at[h] = c

    list_at = np.full(n, np.inf)  # when each host's hit-list entry is due (inf: not on the list, or done)
    hitlist = scenario.seeding.hitlist
    if hitlist is None:
        seeds = st["reference-seeding"].choice(n, size=min(scenario.seeding.initial_infected, n), replace=False)
        for h in seeds:
            infect(int(h), 0.0)
    else:
        due = hitlist_times(hitlist, n)
        list_at[st["reference-seeding"].choice(n, size=due.size, replace=False)] = due
    t = 0.0
    while t < t_end:
        scanning = np.flatnonzero(state == I)
        t_ev = min(float(clear_at.min()), float(patch_at.min()), float(list_at.min()))
        R = float(rates[scanning].sum())
        if R <= 0:
            if not np.isfinite(t_ev) or t_ev >= t_end:
                break
            t = t_ev
        else:
            n_sus = int(np.sum(state == S))
            batch = int(np.clip(1.0 * L / (max(n_sus, 1) * max(p_ok, 1e-3)), 256, 2_000_000))
            times = t + np.cumsum(rng.exponential(1.0 / R, batch))
            if equal_rates:
                src = scanning[rng.integers(0, scanning.size, batch)]
            else:
                cum = np.cumsum(rates[scanning])
                src = scanning[np.minimum(np.searchsorted(cum, rng.random(batch) * cum[-1], side="right"),
                                          scanning.size - 1)]
            dest = host_at(rule.targets_for(src))
            hit = dest >= 0
            eff = np.zeros(batch, dtype=bool)
            eff[hit] = state[dest[hit]] == S
            eff[eff] = rule.gets_in(dest[eff])
            if p_ok < 1:
                eff &= rng.random(batch) < p_ok
            first_eff = int(np.argmax(eff)) if eff.any() else batch
            cut = min(first_eff, int(np.searchsorted(times, min(t_ev, t_end))))
            rule.sent(src[:cut + (1 if cut == first_eff and cut < batch else 0)])
            if cut == first_eff and cut < batch:
                total_probes += cut + 1
                h = int(dest[cut])
                t = float(times[cut])
                infect(h, t)
                continue
            total_probes += cut
            if cut == batch:
                t = float(times[-1])
                continue
            t = min(t_ev, t_end)
            if t >= t_end:
                break
        # apply the due host event (clear, patch or hit-list entry) at time t
        h_clear = int(np.argmin(clear_at))
        h_patch = int(np.argmin(patch_at))
        h_list = int(np.argmin(list_at))
        if list_at[h_list] < min(clear_at[h_clear], patch_at[h_patch]):
            list_at[h_list] = np.inf
            if state[h_list] == S:  # an entry that scanning (or patching) got to first is skipped
                infect(h_list, t)
        elif clear_at[h_clear] <= patch_at[h_patch]:
            state[h_clear] = S
            clear_at[h_clear] = np.inf
        else:
            state[h_patch] = P
            patch_at[h_patch] = np.inf
            clear_at[h_patch] = np.inf
    return ReferenceRun(first, np.array(infections), total_probes)
