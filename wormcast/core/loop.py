"""The outbreak engine: host state in parallel arrays, advanced in fixed steps, exact in aggregate.

Per step: scheduled host events (patches, worm cleared by reboot or end of life) and calendar phase
changes are applied at the step's start; then the scanner draws the probes of the step and the
vulnerable hosts they reach; hits on susceptible hosts succeed with ``infection_success``; hosts infected
during a step start scanning at the next one. That delay is the only approximation (it vanishes as the
step shrinks; tests check it against a per-probe reference).
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from ..config.schema import Scenario
from ..defences.delivery import Delivery
from ..orgs.ledger import OrgBook
from ..results.result import Result, StepSeries
from ..scanners import make_scanner
from ..scanners.shared_sequence import SharedSequenceScanner
from ..world.population import World, build_world
from . import phases as calendar
from .events import EventQueue
from .hazard import Hazard
from .states import DORMANT, PATCHED, SCANNING, SUSCEPTIBLE  # noqa: F401  (re-exported for tests and tools)
from .streams import Streams

EV_PATCH, EV_CLEAR, EV_CLEAN, EV_BLACKLIST = 0, 1, 2, 3


def scan_rates(worm, n: int, rng: np.random.Generator) -> np.ndarray:
    sr = worm.scan_rate
    if sr.distribution == "constant" or sr.cv == 0:
        return np.full(n, sr.mean)
    sigma2 = np.log1p(sr.cv ** 2)
    return rng.lognormal(np.log(sr.mean) - sigma2 / 2, np.sqrt(sigma2), n)


def patch_hazard(scenario: Scenario, periods=None) -> Hazard:
    """The patch hazard of the scenario's hosts (or of an organisation's own campaign ``periods``)."""
    periods = scenario.hosts.patch if periods is None else periods
    breaks = [(p.start - scenario.start).total_seconds() for p in periods]
    rates = [p.rate_per_hour / 3600.0 for p in periods]
    # Periods that began before the start collapse onto t=0, the latest one winning.
    b, r = [], []
    for t, rate in zip(breaks, rates):
        t = max(t, 0.0)
        if b and t <= b[-1]:
            r[-1] = rate
        else:
            b.append(t)
            r.append(rate)
    return Hazard(b, r)


class StreamView:
    """The streams of one worm: the first worm keeps the plain names, worm k adds ``:k``."""

    def __init__(self, streams: Streams, k: int):
        self.streams, self.suffix = streams, "" if k == 0 else f":{k}"

    def __getitem__(self, name: str) -> np.random.Generator:
        return self.streams[name + self.suffix]


class Strain:
    """One worm of the scenario: its per-host scan rates, scanner, calendar and current phase."""

    def __init__(self, k: int, worm, sim: "Simulation"):
        self.k, self.worm = k, worm
        self.streams = StreamView(sim.streams, k)
        n = sim.world.n
        self.rates = scan_rates(worm, n, self.streams["scan_rates"])
        if sim.throttled.any():
            self.rates[sim.throttled] = np.minimum(self.rates[sim.throttled], sim.scenario.defences.throttle.max_rate)
        self.scanner = make_scanner(sim.world, worm, self.rates, self.streams)
        self.scanner.bind(self.infectable)
        self.sim = sim
        self.phases = calendar.phase_steps(worm.calendar, sim.scenario.start, sim.dt, sim.n_steps)
        self.phase = self.phases[0][1]
        self.phase_at = dict(self.phases[1:])
        self.wrong_clock = sim.clock_draw < worm.wrong_clock_fraction
        self.flood_rate = worm.flood_rate if worm.flood_target else 0.0
        self.n_dormant = 0
        release = 0.0 if worm.release is None else (worm.release - sim.scenario.start).total_seconds()
        self.release_step = int(np.ceil(release / sim.dt - 1e-9))
        default = sim.scenario.seeding.initial_infected if k == 0 else 1
        self.initial = default if worm.initial_infected is None else worm.initial_infected
        names = [w.name for w in sim.scenario.worms]
        # displaces[j]: this worm takes over hosts running worm j; the extra last entry stands for "none" (-1)
        self.displaces = np.array([nm in worm.displaces for nm in names] + [False])

    def infectable(self, ids: np.ndarray) -> np.ndarray:
        """Hosts this worm can infect: susceptible ones, and those running a worm it displaces."""
        state = self.sim.state[ids]
        ok = state == SUSCEPTIBLE
        if self.displaces.any():
            ok |= ((state == SCANNING) | (state == DORMANT)) & self.displaces[self.sim.strain[ids]]
        return ok


class Simulation:
    """One run of one scenario with one seed. Build, then :meth:`run`."""

    def __init__(self, scenario: Scenario, seed: int = 0, world: World | None = None):
        self.scenario, self.seed = scenario, int(seed)
        self.streams = Streams(seed)
        self.world = world if world is not None else build_world(
            scenario.population, self.streams["population"], scenario.base_dir, scenario.orgs)
        n = self.world.n
        self.dt = scenario.step
        self.n_steps = int(np.ceil(scenario.duration / self.dt - 1e-9))
        self.state = np.full(n, SUSCEPTIBLE, dtype=np.int8)
        self.strain = np.full(n, -1, dtype=np.int8)  # which worm runs on the host
        self.epoch = np.zeros(n, dtype=np.int64)
        self.backdoor = np.zeros(n, dtype=bool)
        self.ever = np.zeros(n, dtype=bool)
        self.first_infected_at = np.full(n, np.nan)
        self.throttled = np.zeros(n, dtype=bool)
        throttle = scenario.defences.throttle
        if throttle is not None:
            self.throttled = self.streams["throttle"].random(n) < throttle.share
        self.clock_draw = self.streams["clock"].random(n)  # a host's clock is wrong for worms with fraction above it
        self.strains = [Strain(k, w, self) for k, w in enumerate(scenario.worms)]
        self.delivery = Delivery(scenario, self.world, self.streams["containment"])
        if self.delivery.active:
            for st in self.strains:
                st.scanner.set_delivery(self.delivery.klass, self.delivery.masks)
        self.tracking = [st for st in self.strains if st.scanner.tracks_infectable]
        self.reboot = Hazard.constant(scenario.hosts.reboot_rate_per_hour / 3600.0)
        self.queue = EventQueue(self.n_steps)
        self.counts = np.zeros(4, dtype=np.int64)
        self.counts[SUSCEPTIBLE] = n
        self.n_backdoored = 0
        self.n_ever = 0
        patch_at = patch_hazard(scenario).sample_after(np.zeros(n), self.streams["patching"])
        for i, org in enumerate(scenario.orgs):  # an organisation's own campaign replaces the general one
            mine = np.flatnonzero(self.world.org == i)
            if org.patch and mine.size:
                patch_at[mine] = patch_hazard(scenario, org.patch).sample_after(
                    np.zeros(mine.size), self.streams[f"patching:{org.name}"])
        self.orgbook = OrgBook(scenario, self.world, self.streams, self.dt, self.n_steps) if scenario.orgs else None
        due = np.isfinite(patch_at)
        ids = np.flatnonzero(due)
        self.queue.push((patch_at[ids] // self.dt).astype(np.int64), ids, np.zeros(ids.size), EV_PATCH)

    # ---------------------------------------------------------------- transitions

    def _set_state(self, ids: np.ndarray, new: int, old: int | None = None) -> None:
        if old is None:
            self.counts -= np.bincount(self.state[ids], minlength=4)
        else:
            self.counts[old] -= ids.size
        self.counts[new] += ids.size
        self.state[ids] = new

    def _infectable_before(self, ids: np.ndarray) -> list:
        """Snapshot, for the worms whose scanners track it, of which ``ids`` they can infect."""
        return [(st, st.infectable(ids)) for st in self.tracking]

    def _infectable_after(self, ids: np.ndarray, before: list) -> None:
        for st, was in before:
            now = st.infectable(ids)
            st.scanner.infectable_changed(ids[now & ~was], +1)
            st.scanner.infectable_changed(ids[was & ~now], -1)

    def _by_strain(self, ids: np.ndarray):
        """(strain, its hosts among ``ids``) for each worm present."""
        if len(self.strains) == 1:
            yield self.strains[0], ids
            return
        k = self.strain[ids]
        for st in self.strains:
            mine = ids[k == st.k]
            if mine.size:
                yield st, mine

    def infect(self, ids: np.ndarray, t: float, k: int = 0) -> None:
        """Infect susceptible hosts ``ids`` (unique) with worm ``k`` at time t (seconds)."""
        if ids.size == 0:
            return
        st = self.strains[k]
        worm = st.worm
        running = ids[self.state[ids] != SUSCEPTIBLE]
        if running.size:  # hosts running a worm this one displaces
            self._end_infection(running, SUSCEPTIBLE, t)
        before = self._infectable_before(ids)
        if st.phase == calendar.SPREAD:
            scanning = ids
            self._set_state(ids, SCANNING, SUSCEPTIBLE)
        else:
            scan = st.wrong_clock[ids]
            scanning = ids[scan]
            self._set_state(scanning, SCANNING, SUSCEPTIBLE)
            self._set_state(ids[~scan], DORMANT, SUSCEPTIBLE)
            st.n_dormant += int(ids.size - scanning.size)
        self.strain[ids] = k
        self.epoch[ids] += 1
        first = ~self.ever[ids]
        self.first_infected_at[ids[first]] = t
        self.ever[ids] = True
        self.n_ever += int(first.sum())
        if worm.backdoor:
            fresh = ~self.backdoor[ids]
            self.n_backdoored += int(fresh.sum())
            self.backdoor[ids] = True
        if isinstance(st.scanner, SharedSequenceScanner):
            st.scanner.restart(ids)
        st.scanner.start(scanning)
        clear_at = self.reboot.sample_after(np.full(ids.size, t), self.streams["reboots"])
        if worm.lifetime is not None:
            clear_at = np.minimum(clear_at, t + worm.lifetime)
        ok = np.isfinite(clear_at)
        if ok.any():
            self.queue.push((clear_at[ok] // self.dt).astype(np.int64), ids[ok], self.epoch[ids[ok]], EV_CLEAR)
        self._infectable_after(ids, before)
        delay = self.delivery.blacklist_delay()
        if delay is not None:
            fresh = ids[~self.delivery.blacklisted[ids]]
            if delay == 0:
                self._reclassify(fresh, blacklist=True)
            else:
                self.queue.push(np.full(fresh.size, int((t + delay) // self.dt)), fresh, np.zeros(fresh.size),
                                EV_BLACKLIST)
        if self.orgbook is not None:
            self.orgbook.changed(self, ids, t)
            self.orgbook.infected_hook(self, ids, t)

    def _end_infection(self, ids: np.ndarray, new_state: int, t: float) -> None:
        """The worm stops running on ``ids`` (any of them may be idle already)."""
        before = self._infectable_before(ids)
        for st, mine in self._by_strain(ids):
            state = self.state[mine]
            st.scanner.stop(mine[state == SCANNING])
            st.n_dormant -= int(np.count_nonzero(state == DORMANT))
        self.strain[ids] = -1
        self.epoch[ids] += 1
        self._set_state(ids, new_state)
        self._infectable_after(ids, before)
        if self.orgbook is not None:
            self.orgbook.changed(self, ids, t)

    def schedule_clean(self, ids: np.ndarray, when: np.ndarray, now: float) -> None:
        """An audit found these servers: clean them (worm and backdoor removed) and patch them at times
        ``when`` (seconds); at once when that is now."""
        at_once = when <= now
        if at_once.any():
            self._clean(ids[at_once], now)
        later = ~at_once
        self.queue.push((when[later] // self.dt).astype(np.int64), ids[later], np.zeros(int(later.sum())), EV_CLEAN)

    def _clean(self, ids: np.ndarray, t: float) -> None:
        ids = np.unique(ids)
        self._end_infection(ids[self.state[ids] != PATCHED], PATCHED, t)
        closed = ids[self.backdoor[ids]]
        self.backdoor[closed] = False
        self.n_backdoored -= int(closed.size)
        self.orgbook.backdoor_closed(closed, t)
        self.orgbook.cleaned(ids)
        self.orgbook.changed(self, ids, t)

    def _apply_events(self, step: int) -> tuple[int, int]:
        hosts, epochs, kinds = self.queue.pop(step)
        if hosts.size == 0:
            return 0, 0
        t = step * self.dt
        clear = hosts[(kinds == EV_CLEAR) & (self.epoch[hosts] == epochs)]
        clear = clear[(self.state[clear] == SCANNING) | (self.state[clear] == DORMANT)]
        self._end_infection(clear, SUSCEPTIBLE, t)
        patch = hosts[kinds == EV_PATCH]
        patch = patch[self.state[patch] != PATCHED]
        self._end_infection(patch, PATCHED, t)
        clean = hosts[kinds == EV_CLEAN]
        if clean.size:
            self._clean(clean, t)
        listed = hosts[kinds == EV_BLACKLIST]
        if listed.size:
            self._reclassify(np.unique(listed[~self.delivery.blacklisted[listed]]), blacklist=True)
        return int(clear.size), int(patch.size)

    def _reclassify(self, ids: np.ndarray, blacklist: bool = False) -> None:
        """Change delivery classes (a filter starts acting): scanning hosts leave and rejoin their scanner."""
        d = self.delivery
        scanning = ids[self.state[ids] == SCANNING]
        for st, mine in self._by_strain(scanning):
            st.scanner.stop(mine)
        if blacklist:
            d.blacklisted[ids] = True
        d.klass[ids] = d.classes(ids)
        for st, mine in self._by_strain(scanning):
            st.scanner.start(mine)

    def _enter_phase(self, st: Strain, phase: str) -> None:
        st.phase = phase
        mine = (self.strain == st.k) & ~st.wrong_clock
        if phase == calendar.SPREAD:
            ids = np.flatnonzero((self.state == DORMANT) & mine)
            self._set_state(ids, SCANNING, DORMANT)
            st.scanner.start(ids)
            st.n_dormant -= ids.size
        else:
            ids = np.flatnonzero((self.state == SCANNING) & mine)
            st.scanner.stop(ids)
            self._set_state(ids, DORMANT, SCANNING)
            st.n_dormant += ids.size

    def _release(self, st: Strain) -> None:
        """The worm's first copies, at random among the hosts outside the organisations (they start clean)
        that it can infect at its release."""
        rng = st.streams["seeding"]
        pool = np.flatnonzero(self.world.org < 0)
        pool = pool[st.infectable(pool)]
        n0 = min(st.initial, pool.size)
        self.infect(np.sort(rng.choice(pool, size=n0, replace=False)), st.release_step * self.dt, st.k)

    def _step_scans(self, dt: float) -> tuple[int, int, int, list[np.ndarray]]:
        """Every worm's probes of the step; a host reached by several worms goes to one of them at random."""
        probes = hits = 0
        found = []
        for st in self.strains:
            p, h, targets = st.scanner.step(dt)
            st.probes = p
            probes += p
            hits += h
            if targets.size:
                targets = targets[st.infectable(targets)]
                q = st.worm.infection_success
                if q < 1.0 and targets.size:
                    targets = targets[st.streams["infection"].random(targets.size) < q]
            found.append(targets)
        if len(found) == 1:
            new = np.unique(found[0])
            return probes, hits, new.size, [new]
        hosts = np.concatenate(found)
        worm_of = np.repeat(np.arange(len(found)), [f.size for f in found])
        order = self.streams["strain-ties"].permutation(hosts.size)
        hosts, worm_of = hosts[order], worm_of[order]
        uniq, first = np.unique(hosts, return_index=True)
        return probes, hits, uniq.size, [uniq[worm_of[first] == k] for k in range(len(found))]

    # ---------------------------------------------------------------- the loop

    def run(self, progress: Optional[Callable[[int, int], None]] = None) -> Result:
        import time as _time

        t_wall = _time.perf_counter()
        sc, dt, n_steps = self.scenario, self.dt, self.n_steps
        multi = len(self.strains) > 1
        series = StepSeries(n_steps, [st.worm.name for st in self.strains] if multi else [])
        releases: dict[int, list[Strain]] = {}
        for st in self.strains:
            releases.setdefault(st.release_step, []).append(st)
        content_step = self.delivery.content_step(dt)
        if content_step == 0:
            self.delivery.content_on = True
            self._reclassify(np.arange(self.world.n))
        for st in releases.pop(0, []):
            self._release(st)
        report_every = max(1, n_steps // 200)
        for s in range(n_steps):
            for st in self.strains:
                if s in st.phase_at:
                    self._enter_phase(st, st.phase_at[s])
            for st in releases.get(s, ()):
                self._release(st)
            if s == content_step:
                self.delivery.content_on = True
                self._reclassify(np.arange(self.world.n))
            if self.orgbook is not None:
                self.orgbook.audit(self, s)
            cleared, patched = self._apply_events(s)
            probes, hit_vuln, n_new, new = self._step_scans(dt)
            for k, ids in enumerate(new):
                self.infect(ids, (s + 1) * dt, k)
            c = self.counts
            flood = sum(st.n_dormant * st.flood_rate * dt for st in self.strains if st.phase == calendar.FLOOD)
            series.record(s, c[SUSCEPTIBLE], c[SCANNING], c[DORMANT], c[PATCHED], self.n_backdoored,
                          self.n_ever, n_new, probes, hit_vuln, cleared, patched, flood)
            if multi:
                series.record_worms(s, [int(np.count_nonzero(self.strain == st.k)) for st in self.strains],
                                    [st.probes for st in self.strains])
            if self.orgbook is not None:
                self.orgbook.record(self, s)
            if progress is not None and (s % report_every == 0 or s == n_steps - 1):
                progress(s + 1, n_steps)
        orgs = None
        if self.orgbook is not None:
            orgs = self.orgbook.summary(self, n_steps * dt)
            columns, flows = self.orgbook.columns()
            series.data.update(columns)
            series.extra_flows |= flows
        wall = _time.perf_counter() - t_wall
        result = Result(sc, self.seed, series, target_addresses=self.strains[0].scanner.target_addresses,
                        vulnerable=self.world.n, wall_seconds=wall, orgs=orgs)
        if sc.defences.throttle is not None:
            result.summary["throttled_hosts"] = int(self.throttled.sum())
        cont = sc.defences.containment
        if cont is not None:
            d = self.delivery
            result.summary["containment"] = {
                "strategy": cont.strategy, "reaction_time_h": cont.reaction_time / 3600.0,
                "covered_hosts": int(d.covered.sum()), "covered_infected": int((d.covered & self.ever).sum()),
                "blacklisted_hosts": int(d.blacklisted.sum())}
        return result
