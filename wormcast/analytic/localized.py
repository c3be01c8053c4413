"""Local-preference scanning in the mean field (Code Red II, Nimda): one susceptible/infected pair per /16.

A probe of level k (probability p_k) goes to a uniform address of the source's own /k block (k = 0: the whole
target space), so a host's infection hazard depends on how many infected hosts share its blocks. Grouping the
vulnerable hosts by their finest block b (a /16 for Code Red II and Nimda), with beta = scan rate x success:

    dI_b/dt = beta S_b [ sum_{k > 0} p_k I_{k(b)} / d_{k(b)}  +  p_0 I / D_0 ]  + (extra hazard) S_b  - removals

I_{k(b)} the infected hosts of b's /k block, d the addresses a level-k probe can reach there (the block less
the excluded ranges, less the source itself when the worm skips its own address, as the scanner counts
them), I the infected hosts everywhere and D_0 the target space (less the source). This is the mean-field
model of local subnet scanning that Chen, Gao and Kwiat derived by extending their AAWP model ("Modeling the
Spread of Active Worms", IEEE INFOCOM 2003, the local subnet scanning extension, LAAWP), and that Zou,
Towsley and Gong analyse as "local preference scan" ("On the Performance of Internet Worm Scanning
Strategies", Performance Evaluation 63(7), 2006; TR-03-CSE-07), with per-subnet vulnerable counts; here the
groups are the scenario's own world (each /16's hosts), not a uniform spread over subnets. Code Red II's
levels (1/8 random, 1/2 same /8, 3/8 same /16) are from Staniford, Paxson and Weaver 2002 and the project's
background notes.

As :mod:`~wormcast.analytic.aawp` does, the model steps in ticks of the engine's step (a hazard lambda_b
constant over a tick infects a susceptible host with probability 1 - exp(-lambda_b dt); hosts infected during
a tick scan from the next): a dense /16 saturates within a few of Code Red II's 20 s steps, so the
continuous equation above (the tick's limit as dt -> 0) would run ahead of the engine there. Per tick, in the
engine's order: infections end (the worm's lifetime, reboots with hazard d), hosts are patched (hazard p,
infected or not), then the tick's infections. The lifetime is a delay: hosts infected at time t stop at
t + lifetime unless rebooted or patched first (survival (1 - d)(1 - p) per tick); the model keeps the new
infections of each group in bins of at most 1/200 of the lifetime and ends a bin's over as many ticks, so an
end may come up to one bin early or late.
A cleared host is susceptible again (the engine's CLEAR). The extra hazard of other vectors (e-mail, shares)
is a per-host rate, constant or proportional to the infected share of the world's hosts (core/extra_hazard.py).
An exploit that works on a share of the hosts thins every group's infectable hosts by that share (the mean
over the engine's draw). The first copies are spread over the groups in proportion to their infectable
hosts (the mean over the engine's uniform choice): with one first copy the mean of stochastic runs is
flatter than any one run, so compare with many (tests/analytic/test_analytic_localized.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..world.addresses import in_ranges, overlap, target_ranges, target_size
from .base import AnalyticModel, Curve, _check_times, param

MAX_WORK = 4e9  # group-ticks one curve may take


@dataclass(frozen=True)
class LocalWorld:
    """The world as the model sees it: targetable vulnerable hosts per group (the finest local block that
    holds any), and per local level each group's block and the addresses a probe of that level can reach
    there (prefix 0: one block, the target space)."""

    hosts: np.ndarray
    block: dict
    denominator: dict
    world_hosts: int  # every host of the world: the denominator of a per-infected extra hazard

    @classmethod
    def of(cls, addresses: np.ndarray, prefixes, excluded: list[tuple[int, int]], skip_self: bool) -> "LocalWorld":
        skip = 1 if skip_self else 0
        addrs = np.asarray(addresses, dtype=np.int64)
        n_all = int(addrs.size)
        if excluded:
            addrs = addrs[~in_ranges(addrs, excluded)]
        finest = max(prefixes)
        groups, hosts = np.unique(addrs >> (32 - finest), return_counts=True)
        block, denominator = {}, {0: np.array([float(max(target_size(excluded) - skip, 1))])}
        for k in set(prefixes) - {0}:
            keys, block[k] = np.unique(groups >> (finest - k), return_inverse=True)
            size = 1 << (32 - k)
            d = np.array([size - overlap(int(b) * size, int(b + 1) * size, excluded) for b in keys], dtype=float)
            denominator[k] = np.maximum(d - skip, 1.0)
        return cls(hosts.astype(float), block, denominator, n_all)

    @property
    def groups(self) -> int:
        return int(self.hosts.size)


def parse_levels(text: str) -> tuple[tuple[int, float], ...]:
    """``"16:0.375,8:0.5,0:0.125"`` -> ((16, 0.375), (8, 0.5), (0, 0.125)); ValueError says what is wrong."""
    levels = []
    for part in str(text).split(","):
        if not part.strip():
            continue
        try:
            k, p = part.split(":")
            k, p = int(k), float(p)
        except ValueError:
            raise ValueError(f"{part.strip()!r} is not prefix:probability") from None
        if not 0 <= k <= 31 or not (np.isfinite(p) and 0 <= p <= 1):
            raise ValueError(f"{part.strip()!r}: the prefix must be 0-31 and the probability in [0, 1]")
        levels.append((k, p))
    if not levels:
        raise ValueError("no prefix:probability pairs")
    if len({k for k, _ in levels}) != len(levels):
        raise ValueError("a prefix is listed twice")
    if abs(sum(p for _, p in levels) - 1.0) > 1e-9:
        raise ValueError(f"the probabilities sum to {sum(p for _, p in levels):g}, not 1")
    return tuple(levels)


def _world_of(model: "Localized", levels) -> LocalWorld:
    """The per-group counts of the world the engine builds for a clustered population with this seed."""
    from pydantic import ValidationError

    from ..config.schema import Population
    from ..core.streams import Streams
    from ..world.population import build_world

    try:
        pop = Population(vulnerable=model.vulnerable, active_slash8=model.active_slash8,
                         slash8_tail=model.slash8_tail, slash16_occupancy=model.slash16_occupancy,
                         slash16_sigma=model.slash16_sigma)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = err["loc"][0] if err["loc"] else "vulnerable"
        raise ValueError(f"{name} = {getattr(model, str(name), '?')!r}: {err['msg']}") from None
    world = build_world(pop, Streams(model.world_seed)["population"])
    excluded = target_ranges([c.strip() for c in model.exclude.split(",") if c.strip()])
    return LocalWorld.of(world.addresses, [k for k, _ in levels], excluded, bool(model.skip_self))


@dataclass(frozen=True)
class Localized(AnalyticModel):
    """Mean-field local-preference scanning over a world's /16s (defaults: the codered-ii preset). Without a
    ``world`` (the command line), the world is the clustered one the engine builds from the population
    parameters with seed ``world_seed``; :func:`~wormcast.analytic.twin.twin_for` gives the run's own."""

    name = "localized"
    summary = "local-preference scanning over the world's /16s (Chen, Gao & Kwiat's LAAWP; Code Red II, Nimda)"
    default_until = 48 * 3600.0

    vulnerable: float = param(170000, "hosts", "vulnerable hosts (the clustered generator's; or the world's)",
                              kind="count")
    active_slash8: float = param(100, "blocks", "/8 blocks holding hosts (clustered generator)", kind="count")
    slash8_tail: float = param(1.0, "", "Pareto shape of the hosts-per-/8 weights (clustered generator)")
    slash16_occupancy: float = param(0.4, "share", "share of an active /8's /16s that hold hosts")
    slash16_sigma: float = param(1.5, "", "lognormal sigma of the hosts-per-/16 weights")
    world_seed: float = param(0, "", "the engine's seed whose world is built", kind="count")
    levels: str = param("16:0.375,8:0.5,0:0.125", "prefix:prob",
                        "scan levels: same /prefix with probability (0: anywhere), summing to 1", kind="text")
    exclude: str = param("127.0.0.0/8,224.0.0.0/8", "CIDR list", "ranges the worm never probes", kind="text")
    skip_self: float = param(1, "0 or 1", "1: a probe never goes to its own source", kind="count")
    scan_rate: float = param(10.0, "probes/s", "mean probes per second per infected host")
    success: float = param(1.0, "probability", "chance that a probe reaching a susceptible host infects it")
    exploit_share: float = param(1.0, "share", "share of the vulnerable hosts the exploit works on")
    initial_infected: float = param(1, "hosts", "hosts infected at t = 0 (spread over the groups)", kind="count")
    patch_rate: float = param(0.002, "1/hour", "patch hazard of every unpatched host, infected or not")
    reboot_rate: float = param(0.01, "1/hour", "reboot hazard of an infected host (it stays vulnerable)")
    lifetime: float = param(24 * 3600.0, "s", "the worm ends itself this long after infection (0: never)",
                            kind="duration")
    extra_rate: float = param(0.0, "1/hour", "other vectors: constant infection hazard of every infectable host")
    extra_per_infected: float = param(0.0, "1/hour", "other vectors: hazard rate x infected / world's hosts")
    step: float = param(20.0, "s", "length of a tick (the engine's step)", kind="duration")
    world: Optional[LocalWorld] = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self):
        self._check_common()
        for n in ("extra_rate", "extra_per_infected"):
            self._require(np.isfinite(getattr(self, n)) and getattr(self, n) >= 0, n, "must be 0 or more")
        self._require(0 < self.exploit_share <= 1, "exploit_share", "must be in (0, 1]")
        self._require(self.skip_self in (0, 1), "skip_self", "must be 0 or 1")
        self._require(np.isfinite(self.step) and self.step > 0, "step", "must be a positive duration")
        self._require(self.lifetime == 0 or self.lifetime >= self.step, "lifetime",
                      "must be 0 (none) or at least one step")
        try:
            levels = parse_levels(self.levels)
        except ValueError as exc:
            raise ValueError(f"levels = {self.levels!r}: {exc}") from None
        try:
            target_ranges([c.strip() for c in self.exclude.split(",") if c.strip()])
        except ValueError as exc:
            raise ValueError(f"exclude = {self.exclude!r}: {exc}") from None
        world = self.world if self.world is not None else _world_of(self, levels)
        missing = {k for k, _ in levels} - set(world.denominator) - set(world.block)
        self._require(not missing, "levels", f"the world has no blocks at prefixes {sorted(missing)}")
        self._require(abs(world.hosts.sum() - self.vulnerable) < 0.5, "vulnerable",
                      f"must equal the world's {world.hosts.sum():.0f} targetable hosts")
        object.__setattr__(self, "world", world)
        object.__setattr__(self, "_levels", levels)
        object.__setattr__(self, "_ticks", {})

    def ticks(self, n_ticks: int) -> tuple[np.ndarray, np.ndarray]:
        """(infected, ever infected) at the start of ticks 0 .. n_ticks (see the module's recursion)."""
        if n_ticks in self._ticks:
            return self._ticks[n_ticks]
        w, dt = self.world, self.step
        if n_ticks * max(w.groups, 1) > MAX_WORK:
            raise ValueError(f"step = {dt:g} s: {n_ticks} ticks over {w.groups} groups; use a longer step")
        beta = self.scan_rate * self.success
        local = [(p * beta * (1.0 / w.denominator[k])[w.block[k]], w.block[k], int(w.block[k].max()) + 1)
                 for k, p in self._levels if k > 0 and p > 0]
        anywhere = sum(p for k, p in self._levels if k == 0) * beta / float(w.denominator[0][0])
        per_infected = self.extra_per_infected / 3600.0 / max(w.world_hosts, 1)
        constant = self.extra_rate / 3600.0
        keep = float(np.exp(-(self.patch_rate + self.reboot_rate) * dt / 3600.0))  # (1 - d)(1 - p)
        kept_patch = float(np.exp(-self.patch_rate * dt / 3600.0))  # 1 - p
        open_ = w.hosts * self.exploit_share
        I = self.initial_infected * open_ / open_.sum()
        S = open_ - I
        U, E = S.copy(), I.copy()
        # the lifetime: new infections per group binned by when they began (bins of B ticks, a ring of them)
        life = int(np.floor(self.lifetime / dt + 1e-9)) if self.lifetime > 0 else 0
        B = max(1, -(-life // 200))
        ring = np.zeros(((life + 1) // B + 3, w.groups)) if life else None
        if life:
            ring[0] += I
        survive = keep ** life
        n_out, e_out = np.empty(n_ticks + 1), np.empty(n_ticks + 1)
        n_out[0], e_out[0] = I.sum(), E.sum()
        for i in range(n_ticks):
            if life and i >= life:  # ends of the infections that began at tick i - life
                b = (i - life) // B
                slot = b % ring.shape[0]
                ended = np.minimum(ring[slot] * (survive / B), I)
                if (i - life) % B == B - 1:
                    ring[slot] = 0.0
                I = I - ended
                S = S + ended
            rebooted = I * (1.0 - keep / kept_patch)  # d I
            I = (I - rebooted) * kept_patch
            S = (S + rebooted) * kept_patch
            U = U * kept_patch
            total = float(I.sum())
            lam = np.full(w.groups, anywhere * total + constant + per_infected * total)
            for coef, blk, nb in local:
                lam += coef * np.bincount(blk, weights=I, minlength=nb)[blk]
            q = -np.expm1(-lam * dt)
            new, fresh = S * q, U * q
            S, I, U, E = S - new, I + new, U - fresh, E + fresh
            if life:
                ring[((i + 1) // B) % ring.shape[0]] += new
            n_out[i + 1], e_out[i + 1] = I.sum(), E.sum()
        self._ticks.clear()
        self._ticks[n_ticks] = (n_out, e_out)
        return n_out, e_out

    def curve(self, times) -> Curve:
        """The recursion's values at ``times`` seconds, linear between ticks."""
        t = _check_times(times)
        last = int(np.ceil(t.max() / self.step - 1e-9)) if t.size else 0
        n, e = self.ticks(last)
        grid = np.arange(last + 1) * self.step
        return Curve(self.name, t, np.interp(t, grid, n), np.interp(t, grid, e), self.vulnerable)

    def time_to(self, share: float, until: Optional[float] = None) -> float:
        """Seconds until ``share`` of the vulnerable hosts have been infected (NaN if not by ``until``)."""
        last = int(np.ceil((until or self.default_until) / self.step))
        e = self.ticks(last)[1] / self.vulnerable
        i = int(np.argmax(e >= share))
        if e[i] < share:
            return float("nan")
        if i == 0:
            return 0.0
        return float((i - 1 + (share - e[i - 1]) / (e[i] - e[i - 1])) * self.step)

    def figures(self) -> dict[str, float]:
        n, _ = self.ticks(int(np.ceil(self.default_until / self.step)))
        out = {f"hours_to_{int(q * 100)}pct": self.time_to(q) / 3600.0 for q in (0.1, 0.5, 0.9)}
        out.update(peak_infected=float(n.max()), peak_hours=float(np.argmax(n) * self.step / 3600.0),
                   groups=float(self.world.groups))
        return out
