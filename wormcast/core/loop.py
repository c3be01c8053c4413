"""The loop: one run of one scenario with one seed, in fixed steps, exact in aggregate.

A run is a host table (core/hosts.py), one :class:`RunningWorm` per worm (each with its scanner), and
components: host dynamics, defences and observers (core/component.py), in that order, each group in the
order below. Components read the table and ask for changes by returning requests (core/requests.py); the
loop alone writes the table. The stages, written down here and nowhere else:

Before the first step
  0. setup: the world and the host table; each component's ``setup`` (its requests, e.g. patch times,
     go to the event queue; those due at t = 0, e.g. devices away at the start, apply before step 0);
     the worms (scan rates drawn, then lowered by defences' ``scan_rates``); the delivery classes of the
     filtering defences.
Each step s, covering [s dt, (s+1) dt)
  1. phases: worms whose calendar changes phase at s switch copies between scanning and dormant.
  2. releases: worms released at s infect their first copies (at random outside organisations); a
     hit-list's later entries are infected at the steps that hold their times (seeding.hitlist).
  3. begin_step: components' hooks at t = s dt (content filters deploy, periodic audits); their requests
     due now are applied at once, later ones queued.
  4. events: the queued changes due at s, in the order CLEAR (reboot, lifetime; a worm with
     ``reboot = "restart"`` starts a new copy at once), PATCH, CLEAN (audits), REFILTER (a filter starts
     acting on a host), OFFLINE, ONLINE (churn: a device goes away, comes back), KILL (the host dies).
  5. scanning: each worm's scanner draws the step's probes (a ProbeBatch), thinned by the worm's backbone
     cap; observers' ``on_probes``; copies that destroyed their host during the step (``ProbeBatch.ended``,
     Witty) are killed at t = (s+1) dt.
  6. infection: reached hosts the worm can infect, thinned by ``infection_success``, plus those its extra
     hazard infects (core/extra_hazard.py); a host reached by several worms goes to one of them at random;
     infections take effect at t = (s+1) dt (hosts infected
     during a step start scanning at the next one: the one-step delay, docs/engine.md). After each worm's
     infections: components' ``on_infected`` (their requests), ``on_changed``, then those requests.
  7. record: components' ``record`` with the step's totals.
After the last step
  8. finish: components' ``finish``, then the Result from their declared columns and summaries.

Whenever host states change (stages 3, 4, 6), ``on_changed`` follows; a clean-up calls ``on_cleaned``.
"""

from __future__ import annotations

import time
from typing import Callable, Optional

import numpy as np

from .. import __version__
from ..world.population import World, build_world
from .component import Component, Context, StepTotals
from .delivery import Delivery
from .events import EventQueue
from .hosts import HostTable
from .phases import FLOOD, SPREAD
from .registry import DEFENCES, DYNAMICS, OBSERVERS
from .requests import Change
from .states import DEAD, DORMANT, N_STATES, OFFLINE, PATCHED, SCANNING, SUSCEPTIBLE
from .streams import Streams

PATCH, CLEAR, CLEAN, REFILTER, GO_OFFLINE, GO_ONLINE, KILL = (int(c) for c in Change)  # plain ints: cheaper
N_CHANGES = len(Change)
_EMPTY = np.empty(0, dtype=np.int64)
from .worm import RunningWorm


def _unique(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` for a 1-d integer array, without its per-call overhead (called every step)."""
    if a.size < 2:
        return a.copy()
    a = np.sort(a)
    keep = np.empty(a.size, dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


def _overrides(comp: Component, hook: str) -> bool:
    return getattr(type(comp), hook) is not getattr(Component, hook)


def built_in_components(scenario) -> list[Component]:
    """The components a scenario's own fields ask for, then the ones it names by kind, in loop order."""
    from ..defences.containment import ContainmentDefence
    from ..defences.egress import EgressDefence
    from ..defences.throttle import ThrottleDefence
    from ..dynamics.clearing import Clearing
    from ..dynamics.patching import Patching
    from ..observers.outbreak import OutbreakSeries
    from ..orgs.audits import OrgAudits
    from ..orgs.ledger import OrgLedger

    d = scenario.defences
    comps: list[Component] = [Patching(), Clearing()]
    comps += [DYNAMICS.get(c.kind)(c) for c in scenario.dynamics]
    if d.throttle is not None:
        comps.append(ThrottleDefence(d.throttle))
    if any(o.egress_filtering for o in scenario.orgs):
        comps.append(EgressDefence())
    if d.containment is not None:
        comps.append(ContainmentDefence(d.containment))
    if scenario.orgs:
        comps.append(OrgAudits())
    comps += [DEFENCES.get(c.kind)(c) for c in d.custom]
    comps.append(OutbreakSeries())
    if scenario.orgs:
        comps.append(OrgLedger())
    comps += [OBSERVERS.get(c.kind)(c) for c in scenario.observers]
    return comps


class Simulation:
    """One run of one scenario with one seed. Build, then :meth:`run`."""

    def __init__(self, scenario, seed: int = 0, world: World | None = None):
        from ..scanners.base import TargetSpace

        self.scenario, self.seed = scenario, int(seed)
        self.streams = Streams(seed)
        self.world = world if world is not None else build_world(
            scenario.population, self.streams["population"], scenario.base_dir, scenario.orgs)
        self.dt = scenario.step
        self.n_steps = int(np.ceil(scenario.duration / self.dt - 1e-9))
        self.hosts = HostTable(self.world)
        view = self.hosts.view()
        self.queue = EventQueue(self.n_steps)
        self.components = built_in_components(scenario)
        names = [w.name for w in scenario.worms]
        target_addresses = TargetSpace.of(scenario.worms[0], self.world).size
        setup_requests = []
        for i, comp in enumerate(self.components):
            comp.index = i
            ctx = Context(scenario, self.world, view, self.dt, self.n_steps,
                          self.streams.subset(comp.streams_used), names, target_addresses)
            setup_requests += comp.setup(ctx) or []
        clock_draw = self.streams["clock"].random(self.world.n)  # a host's clock is wrong below its worm's fraction
        self.worms = [RunningWorm(k, w, scenario, self.world, view, self.streams, self.dt, self.n_steps,
                                  clock_draw, self._scan_rates) for k, w in enumerate(scenario.worms)]
        rules = [r for r in (c.delivery_rule() for c in self.components) if r is not None]
        self.delivery = Delivery(rules, self.world.n)
        if self.delivery.active:
            for w in self.worms:
                w.scanner.set_delivery(self.delivery.klass, self.delivery.masks)
        for comp in self.components:
            comp.follow([w.scanner for w in self.worms])
        self.watched = []
        for comp in self.components:  # each observer learns the indices of its blocks in the batches' landings
            blocks = comp.watch()
            comp.watch_index = list(range(len(self.watched), len(self.watched) + len(blocks)))
            self.watched += blocks
        if self.watched:
            for w in self.worms:
                w.scanner.watch(self.watched)
        self.tracking = [w for w in self.worms if w.scanner.tracks_infectable]
        # every tracking worm infects exactly the susceptible hosts: then an ended infection's infectability
        # change follows from the hosts' states before and after, without asking the worms (every step)
        self.plain_tracking = bool(self.tracking) and not any(
            w.through_backdoors or w.exploitable is not None or w.displacing for w in self.tracking)
        for w in self.tracking:  # hosts its exploit never reaches are not infectable from the start
            if w.exploitable is not None:
                every = np.arange(self.world.n)
                w.scanner.infectable_changed(every[~w.infectable(every)], -1)
        # a patched host infected through a backdoor is patched again when that worm ends (not susceptible)
        self.through_backdoors = any(w.through_backdoors for w in self.worms)
        self.patched_under = np.zeros(self.world.n, dtype=bool) if self.through_backdoors else None
        self.restarting = any(w.restarts for w in self.worms)
        self.seeding = [w for w in self.worms if w.hitlist is not None]
        self.dying: list[np.ndarray] = []
        if self.watched and any(w.cap is not None for w in self.worms):
            from ..errors import WormcastError

            raise WormcastError("worm.backbone_cap: observers that watch address blocks are not supported "
                                "behind a backbone cap yet (their landings would not be thinned)")
        self.flows_now = [0, 0]
        self.filtering = any(_overrides(c, "refilter") for c in self.components)
        self.hooks = {h: [c for c in self.components if _overrides(c, h)] for h in (
            "begin_step", "on_probes", "on_infected", "on_changed", "on_cleaned", "record")}
        self.on_infected, self.on_changed = self.hooks["on_infected"], self.hooks["on_changed"]
        self._apply(setup_requests, 0.0)  # the state at t = 0 (devices away at the start) before any step

    def _scan_rates(self, worm: int, rates: np.ndarray) -> np.ndarray:
        for comp in self.components:
            rates = comp.scan_rates(worm, rates)
        return rates

    def component(self, kind: str) -> Component:
        """The (first) component of a kind, e.g. ``sim.component("containment")``."""
        return next(c for c in self.components if c.kind == kind)

    # ---------------------------------------------------------------- requests and events

    def _push(self, change: Change, hosts: np.ndarray, at, tag) -> None:
        if not isinstance(at, np.ndarray) or at.ndim == 0:
            steps = np.full(hosts.size, int(at // self.dt), dtype=np.int64)
        else:
            steps = at // self.dt  # (the queue drops those beyond the end, then makes them integers)
        if tag is None:
            tag = np.zeros(hosts.size, dtype=np.int64)
        elif not isinstance(tag, np.ndarray) or tag.ndim == 0:
            tag = np.full(hosts.size, int(tag), dtype=np.int64)
        self.queue.push(steps, hosts, tag, change)

    def _apply(self, requests, t: float) -> None:
        """Requests due by ``t`` take effect now; the others wait in the event queue."""
        for r in requests or ():
            at = np.asarray(r.at, dtype=float)
            if at.ndim == 0:
                if at <= t:
                    self._change(r.change, r.hosts, r.tag, t)
                else:
                    self._push(r.change, r.hosts, float(at), r.tag)
                continue
            if at.size == 0:
                continue
            if np.minimum.reduce(at) > t:  # (the common case: every time later; at.min() without its wrapper)
                self._push(r.change, r.hosts, at, r.tag)
                continue
            now = at <= t
            split = r.tag is not None and np.ndim(r.tag) > 0
            self._change(r.change, r.hosts[now], np.asarray(r.tag)[now] if split else r.tag, t)
            later = ~now
            self._push(r.change, r.hosts[later], at[later], np.asarray(r.tag)[later] if split else r.tag)

    def _change(self, change: Change, ids: np.ndarray, tag, t: float) -> None:
        if ids.size == 0:
            return
        h = self.hosts
        if change == Change.CLEAR:
            ids = ids[(h.epoch[ids] == tag) & (h.worm[ids] >= 0)]
            self._clear(ids, t)
            self.flows_now[0] += ids.size
        elif change == Change.PATCH:
            ids = ids[h.state[ids] != PATCHED]
            self._end_infection(ids, PATCHED, t)
            self.flows_now[1] += ids.size
        elif change == Change.CLEAN:
            self._clean(ids, t)
        elif change == Change.OFFLINE:
            self._go_offline(ids, t)
        elif change == Change.ONLINE:
            self._come_online(ids, t)
        elif change == Change.KILL:
            self._kill(ids, t)
        else:
            self._reclassify(self.components[int(tag)].refilter(ids, t))

    def _apply_events(self, step: int) -> tuple[int, int]:
        hosts, tags, kinds = self.queue.pop(step)
        if hosts.size == 0:
            return 0, 0
        t = step * self.dt
        h = self.hosts
        n_of = np.bincount(kinds, minlength=N_CHANGES).tolist()  # events of each kind (most steps: one kind)
        one = n_of[int(kinds[0])] == hosts.size
        clear = patch = _EMPTY
        if n_of[CLEAR]:
            mine = None if one else kinds == CLEAR
            c_hosts, c_tags = (hosts, tags) if one else (hosts[mine], tags[mine])
            clear = c_hosts[(h.epoch[c_hosts] == c_tags) & (h.worm[c_hosts] >= 0)]  # still running that infection
            self._clear(clear, t)
        if n_of[PATCH]:
            patch = hosts if one else hosts[kinds == PATCH]
            patch = patch[h.state[patch] != PATCHED]
            self._end_infection(patch, PATCHED, t)
        if n_of[CLEAN]:
            self._clean(hosts if one else hosts[kinds == CLEAN], t)
        if n_of[KILL]:
            self._kill(hosts if one else hosts[kinds == KILL], t)
        if self.filtering and n_of[REFILTER]:
            refilter = kinds == REFILTER
            for owner in np.unique(tags[refilter]):
                ids = hosts[refilter & (tags == owner)]
                self._reclassify(self.components[int(owner)].refilter(ids, t))
        if n_of[GO_OFFLINE] or n_of[GO_ONLINE]:  # churn: devices go away, then others come back
            self._go_offline(hosts[kinds == GO_OFFLINE], t)
            self._come_online(hosts[kinds == GO_ONLINE], t)
        return int(clear.size), int(patch.size)

    # ---------------------------------------------------------------- transitions

    def _infectable_before(self, ids: np.ndarray) -> list:
        """Snapshot, for the worms whose scanners track it, of which ``ids`` they can infect."""
        return [(w, w.infectable(ids)) for w in self.tracking]

    def _infectable_after(self, ids: np.ndarray, before: list) -> None:
        for w, was in before:
            now = w.infectable(ids)
            w.scanner.infectable_changed(ids[now & ~was], +1)
            w.scanner.infectable_changed(ids[was & ~now], -1)

    def _by_worm(self, ids: np.ndarray):
        """(worm, its hosts among ``ids``) for each worm present."""
        if len(self.worms) == 1:
            yield self.worms[0], ids
            return
        k = self.hosts.worm[ids]
        for w in self.worms:
            mine = ids[k == w.index]
            if mine.size:
                yield w, mine

    def _changed(self, ids: np.ndarray, t: float) -> None:
        for comp in self.on_changed:
            comp.on_changed(ids, t)

    def _clear(self, ids: np.ndarray, t: float) -> None:
        """Reboots and lifetimes end the infections on ``ids``; a worm that restarts at boot runs a new copy."""
        again = [(w, mine) for w, mine in self._by_worm(ids) if w.restarts] if self.restarting else []
        self._end_infection(ids, SUSCEPTIBLE, t)
        for w, mine in again:
            self.infect(mine, t, w.index)

    def infect(self, ids: np.ndarray, t: float, k: int = 0) -> None:
        """Infect hosts ``ids`` (unique, each infectable by worm ``k``) with worm ``k`` at time t (seconds)."""
        if ids.size == 0:
            return
        h, w = self.hosts, self.worms[k]
        if self.through_backdoors:
            under = (h.state[ids] == PATCHED) | self.patched_under[ids]
        if w.displacing or self.through_backdoors:  # else infectable hosts are susceptible ones
            running = ids[h.state[ids] != SUSCEPTIBLE]
            if running.size:  # hosts running a worm this one displaces (or patched ones entered by a backdoor)
                self._end_infection(running, SUSCEPTIBLE, t, restore=False)
        if self.through_backdoors:
            self.patched_under[ids] = under
        tracking = self.tracking
        only_self = len(tracking) == 1 and tracking[0] is w  # then ids were all infectable by w, none are now
        before = None if only_self or not tracking else self._infectable_before(ids)
        if w.phase == SPREAD:
            scanning = ids
            h.set_state(ids, SCANNING, SUSCEPTIBLE)
        else:
            scan = w.wrong_clock[ids]
            scanning = ids[scan]
            h.set_state(scanning, SCANNING, SUSCEPTIBLE)
            h.set_state(ids[~scan], DORMANT, SUSCEPTIBLE)
            w.n_dormant += int(ids.size - scanning.size)
        h.mark_infected(ids, k, t, w.config.backdoor)
        if w.flood_rule is not None:
            w.copies_started(ids, t)
        w.scanner.on_infected(ids)
        w.scanner.start(scanning)
        if only_self:
            w.scanner.infectable_changed(ids, -1)
        elif before:
            self._infectable_after(ids, before)
        if self.on_infected:
            requests = []
            for comp in self.on_infected:
                requests += comp.on_infected(ids, k, t) or []
            self._changed(ids, t)
            self._apply(requests, t)
        else:
            self._changed(ids, t)

    def _end_infection(self, ids: np.ndarray, new_state: int, t: float, restore: bool = True) -> None:
        """The worm stops running on ``ids`` (any of them may be idle already). ``restore``: a patched host a
        worm entered through a backdoor goes back to patched rather than susceptible."""
        if ids.size == 0:
            return
        h = self.hosts
        plain = self.plain_tracking and not self.through_backdoors
        before = self._infectable_before(ids) if self.tracking and not plain else None
        state = h.state[ids]
        by_state = np.bincount(state, minlength=N_STATES)
        if len(self.worms) == 1:  # (the common case, every step: one count of the states serves all below)
            w = self.worms[0]
            w.scanner.stop(ids if by_state[SCANNING] == ids.size else ids[state == SCANNING])
            w.n_dormant -= int(by_state[DORMANT])
            if w.flooding is not None:
                w.copies_ended(ids)
            h.mark_ended(ids, new_state, by_state, w.index)
        else:
            k = h.worm[ids]
            for w in self.worms:
                on = k == w.index
                if on.any():
                    mine, st = ids[on], state[on]
                    w.scanner.stop(mine[st == SCANNING])
                    w.n_dormant -= int(np.count_nonzero(st == DORMANT))
                    w.copies_ended(mine)
            h.mark_ended(ids, new_state, by_state)
        if self.through_backdoors:
            back = ids[self.patched_under[ids]] if restore and new_state == SUSCEPTIBLE else ids[:0]
            h.set_state(back, PATCHED, SUSCEPTIBLE)
            self.patched_under[ids] = False
        if plain:  # infectable = susceptible: before, those of ids that were; after, all or none of them
            was = state == SUSCEPTIBLE
            if new_state == SUSCEPTIBLE:
                changed, sign = (ids if by_state[SUSCEPTIBLE] == 0 else ids[~was]), +1
            else:
                changed, sign = (_EMPTY if by_state[SUSCEPTIBLE] == 0 else ids[was]), -1
            if changed.size:
                for w in self.tracking:
                    w.scanner.infectable_changed(changed, sign)
        elif before:
            self._infectable_after(ids, before)
        if self.on_changed:
            self._changed(ids, t)

    def _go_offline(self, ids: np.ndarray, t: float) -> None:
        """Devices go away: a running worm is lost (memory-resident), and they cannot be reached. A patched
        device stays patched (it is out of the outbreak, away or not)."""
        st = self.hosts.state[ids]
        ids = ids[(st != PATCHED) & (st != OFFLINE)]
        if ids.size:
            self._end_infection(ids, OFFLINE, t)

    def _come_online(self, ids: np.ndarray, t: float) -> None:
        """Offline devices come back, susceptible."""
        ids = ids[self.hosts.state[ids] == OFFLINE]
        if ids.size:
            before = self._infectable_before(ids)
            self.hosts.set_state(ids, SUSCEPTIBLE, OFFLINE)
            self._infectable_after(ids, before)
            self._changed(ids, t)

    def _clean(self, ids: np.ndarray, t: float) -> None:
        """An audit's clean-up: worm and backdoor removed, host patched."""
        ids = np.unique(ids)
        self._end_infection(ids[self.hosts.state[ids] != PATCHED], PATCHED, t)
        before = self._infectable_before(ids)  # a worm entering through backdoors loses these hosts
        closed = self.hosts.close_backdoors(ids)
        self._infectable_after(ids, before)
        for comp in self.hooks["on_cleaned"]:
            comp.on_cleaned(ids, closed, t)
        self._changed(ids, t)

    def _kill(self, ids: np.ndarray, t: float) -> None:
        """The worm destroyed these hosts: those still running it stop, and the host is DEAD for good."""
        h = self.hosts
        ids = np.unique(ids)
        ids = ids[(h.state[ids] == SCANNING) | (h.state[ids] == DORMANT)]
        if ids.size:
            self._end_infection(ids, DEAD, t)

    def _reclassify(self, ids: np.ndarray) -> None:
        """Delivery classes change (a filter starts acting): scanning hosts leave and rejoin their scanner."""
        scanning = ids[self.hosts.state[ids] == SCANNING]
        for w, mine in self._by_worm(scanning):
            w.scanner.stop(mine)
        self.delivery.klass[ids] = self.delivery.classes(ids)
        for w, mine in self._by_worm(scanning):
            w.scanner.start(mine)

    def _enter_phase(self, w: RunningWorm, phase) -> None:
        h = self.hosts
        w.phase = phase
        mine = (h.worm == w.index) & ~w.wrong_clock
        if phase == SPREAD:
            ids = np.flatnonzero((h.state == DORMANT) & mine)
            h.set_state(ids, SCANNING, DORMANT)
            w.scanner.start(ids)
            w.n_dormant -= ids.size
        else:
            ids = np.flatnonzero((h.state == SCANNING) & mine)
            w.scanner.stop(ids)
            h.set_state(ids, DORMANT, SCANNING)
            w.n_dormant += ids.size

    def _release(self, w: RunningWorm) -> None:
        """The worm's first copies, at random among the hosts outside the organisations (they start clean)
        that it can infect at its release. With a hit-list, its entries are drawn from the same pool: those
        due at release are infected now, the others at the steps that hold their times (``_seed_hitlist``)."""
        rng = w.streams["seeding"]
        pool = np.flatnonzero(self.world.org < 0)
        pool = pool[w.infectable(pool)]
        if w.hitlist is not None:
            ids, times = w.hitlist.schedule(pool.size).seed(pool, rng)
            steps = w.release_step + np.ceil(times / self.dt - 1e-9).astype(np.int64)
            order = np.argsort(steps, kind="stable")
            ids, steps = ids[order], steps[order]
            bounds = np.flatnonzero(np.r_[True, steps[1:] != steps[:-1], True])
            w.hitlist_due = {int(steps[a]): ids[a:b] for a, b in zip(bounds[:-1], bounds[1:])}
            self._seed_hitlist(w, w.release_step)
            return
        n0 = min(w.initial, pool.size)
        ids = np.sort(rng.choice(pool, size=n0, replace=False))
        w.scanner.seeded(ids)
        self.infect(ids, w.release_step * self.dt, w.index)

    def _seed_hitlist(self, w: RunningWorm, s: int) -> None:
        """Hit-list entries due at step s that the worm can still infect (scanning may have got there first)."""
        ids = w.hitlist_due.pop(s, None)
        if ids is None:
            return
        ids = np.sort(ids)
        ids = ids[w.infectable(ids)]
        w.scanner.seeded(ids)
        self.infect(ids, s * self.dt, w.index)

    def _step_scans(self, dt: float) -> tuple[int, int, int, list[np.ndarray]]:
        """Every worm's probes of the step; a host reached by several worms goes to one of them at random."""
        probes = hits = 0
        found = []
        on_probes = self.hooks["on_probes"]
        for w in self.worms:
            batch = w.scan(dt)
            for comp in on_probes:
                comp.on_probes(batch)
            if batch.ended.size:
                self.dying.append(batch.ended)
            w.probes = batch.probes
            probes += batch.probes
            hits += batch.vulnerable_hits
            targets = batch.reached
            if targets.size:
                targets = targets[w.infectable(targets)]
                q = w.config.infection_success
                if q < 1.0 and targets.size:
                    targets = targets[w.streams["infection"].random(targets.size) < q]
            if w.extra is not None:
                targets = np.concatenate([targets, w.extra_infections(dt)])
            found.append(targets)
        if len(found) == 1:
            new = _unique(found[0]) if found[0].size else _EMPTY
            return probes, hits, new.size, [new]
        hosts = np.concatenate(found)
        worm_of = np.repeat(np.arange(len(found)), [f.size for f in found])
        order = self.streams["strain-ties"].permutation(hosts.size)
        hosts, worm_of = hosts[order], worm_of[order]
        uniq, first = np.unique(hosts, return_index=True)
        return probes, hits, uniq.size, [uniq[worm_of[first] == k] for k in range(len(found))]

    # ---------------------------------------------------------------- the loop

    def run(self, progress: Optional[Callable[[int, int], None]] = None):
        from ..results.result import Result
        from ..results.series import StepSeries

        t_wall = time.perf_counter()
        dt, n_steps, h = self.dt, self.n_steps, self.hosts
        multi = len(self.worms) > 1
        releases: dict[int, list[RunningWorm]] = {}
        for w in self.worms:
            releases.setdefault(w.release_step, []).append(w)
        report_every = max(1, n_steps // 200)
        calendars = [w for w in self.worms if w.phase_at]
        begin_step, record = self.hooks["begin_step"], self.hooks["record"]
        floods = [w for w in self.worms if w.flood_rate]  # (a worm without a flood rate adds 0 packets)
        flooders = [w for w in self.worms if w.flooding is not None]
        for s in range(n_steps):
            t = s * dt
            for w in calendars:  # 1. phases
                if s in w.phase_at:
                    self._enter_phase(w, w.phase_at[s])
            if s in releases:  # 2. releases
                for w in releases[s]:
                    self._release(w)
            for w in self.seeding:  # 2. (hit-lists)
                self._seed_hitlist(w, s)
            self.flows_now = [0, 0]  # worms cleared and hosts patched by requests applied at once
            for comp in begin_step:  # 3. begin_step
                self._apply(comp.begin_step(s, t), t)
            cleared, patched = self._apply_events(s)  # 4. events
            self.dying = []
            probes, hit_vuln, n_new, new = self._step_scans(dt)  # 5. scanning
            for ids in self.dying:
                self._kill(ids, (s + 1) * dt)
            for k, ids in enumerate(new):  # 6. infection
                if ids.size:
                    self.infect(ids, (s + 1) * dt, k)
            flood = 0  # 7. record
            for w in floods:
                if w.phase == FLOOD:
                    flood += w.n_dormant * w.flood_rate * dt
            totals = StepTotals(
                s, h.counts, h.n_backdoored, h.n_ever, n_new, probes, hit_vuln, cleared + self.flows_now[0],
                patched + self.flows_now[1],
                flood + (sum(w.n_flooding * w.flood_rate * dt for w in flooders) if flooders else 0),
                [w.probes for w in self.worms] if multi else [],
                [int(h.running[w.index]) for w in self.worms] if multi else [])
            for comp in record:
                comp.record(totals)
            if progress is not None and (s % report_every == 0 or s == n_steps - 1):
                progress(s + 1, n_steps)
        for comp in self.components:  # 8. finish
            comp.finish(n_steps * dt)
        series = StepSeries(n_steps, [col for comp in self.components for col in comp.columns()])
        summary: dict = {}
        for comp in self.components:
            summary.update(comp.summary())
        observed = {o.name: o for o in (c.observed() for c in self.components) if o is not None}
        if observed:
            summary["observers"] = {name: o.summary for name, o in observed.items()}
        summary = {"scenario": summary.pop("scenario"), "seed": self.seed, **summary,
                   "wall_seconds": round(time.perf_counter() - t_wall, 4), "version": __version__}
        return Result(self.scenario, self.seed, series, summary, observed)
