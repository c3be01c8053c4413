"""One worm of a scenario as it runs: its per-host scan rates, its scanner, its calendar and release."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from ..scanners.base import EMPTY, TargetSpace
from .backbone import thin
from .extra_hazard import ExtraHazard, HazardKind
from .infectability import infectable
from .phases import floods_at_start, phase_steps
from .registry import SCANNERS
from .states import PATCHED, SUSCEPTIBLE


class RunningWorm:
    """Worm ``index`` of the scenario. Its streams are the scanner's declared ones plus ``scan_rates``,
    ``seeding``, ``infection``, ``backbone``, ``exploitable`` (drawn only when the exploit reaches a share of the
    hosts) and ``extra-infection`` (only with an extra hazard); the first worm keeps the plain names, worm k
    adds ``:k``."""

    def __init__(self, index: int, worm, scenario, world, hosts, streams, dt: float, n_steps: int,
                 clock_draw: np.ndarray, adjust_rates):
        self.index, self.config, self.hosts = index, worm, hosts
        scanner_cls = SCANNERS.get(worm.scanning.kind)
        suffix = "" if index == 0 else f":{index}"
        self.streams = streams.subset(("scan_rates", "seeding", "infection", "backbone", "exploitable",
                                       "extra-infection", *scanner_cls.streams_used), suffix)
        self.rates = adjust_rates(index, worm.scan_rate.draw(world.n, self.streams["scan_rates"]))
        self.scanner = scanner_cls(worm.scanning, TargetSpace.of(worm, world), world, self.rates, self.streams,
                                   self.infectable)
        self.phases = phase_steps(worm.calendar, scenario.start, dt, n_steps)
        self.phase = self.phases[0][1]
        self.phase_at = dict(self.phases[1:])
        self.wrong_clock = clock_draw < worm.wrong_clock_fraction
        self.flood_rate = worm.flood_rate if worm.flood_target else 0.0
        self.start_time = scenario.start
        self.flood_rule = floods_at_start(worm.calendar)  # None, or: copies started on a flood day flood
        self.flooding = np.zeros(world.n, dtype=bool) if self.flood_rule is not None else None
        self.n_flooding = 0
        self.restarts = worm.reboot == "restart"
        share = worm.infectable.exploit_share
        self.exploitable = None if share >= 1.0 else self.streams["exploitable"].random(world.n) < share
        self.through_backdoors = worm.infectable.through_backdoors
        extra = worm.extra_hazard
        self.extra = None if extra is None else ExtraHazard(HazardKind(extra.kind), extra.rate_per_hour)
        self.cap = None if worm.backbone_cap is None else worm.backbone_cap.cap()
        self.hitlist = scenario.seeding.hitlist if index == 0 else None
        self.hitlist_due: dict[int, np.ndarray] = {}  # step -> hit-list entries infected then (set at release)
        self.n_dormant = 0
        self.probes = 0
        release = 0.0 if worm.release is None else (worm.release - scenario.start).total_seconds()
        self.release_step = int(np.ceil(release / dt - 1e-9))
        default = scenario.seeding.initial_infected if index == 0 else 1
        self.initial = default if worm.initial_infected is None else worm.initial_infected
        names = [w.name for w in scenario.worms]
        # displaces[j]: this worm takes over hosts running worm j; the extra last entry stands for "none" (-1)
        self.displaces = np.array([nm in worm.displaces for nm in names] + [False])
        self.displacing = bool(self.displaces.any())

    def scan(self, dt: float):
        """The scanner's probes of one step, thinned by the backbone cap if the worm has one."""
        batch = self.scanner.step(dt, self.index)
        if self.cap is not None:
            batch = thin(batch, self.cap.delivered_fraction(self.scanner.total_rate), self.streams["backbone"])
        return batch

    def infectable(self, ids: np.ndarray) -> np.ndarray:
        """Hosts this worm can infect: susceptible ones, and those running a worm it displaces."""
        state = self.hosts.state[ids]
        ok = state == SUSCEPTIBLE
        if self.displacing:  # a host runs a worm (code >= 0) exactly while it is scanning or dormant
            ok |= self.displaces[self.hosts.worm[ids]]
        if self.exploitable is None and not self.through_backdoors:
            return ok
        return infectable(ok, state == PATCHED, True if self.exploitable is None else self.exploitable[ids],
                          self.hosts.backdoor[ids] if self.through_backdoors else False)

    # ------------------------------------------------------------ flood beside scanning (Blaster)

    def copies_started(self, ids: np.ndarray, t: float) -> None:
        """New copies on ``ids`` at ``t`` seconds: those started on a flood day flood until they end."""
        if self.flood_rule is not None and ids.size and self.flood_rule(self.start_time + timedelta(seconds=t)):
            fresh = ids[~self.flooding[ids]]
            self.flooding[fresh] = True
            self.n_flooding += int(fresh.size)

    def copies_ended(self, ids: np.ndarray) -> None:
        if self.flooding is not None and ids.size:
            self.n_flooding -= int(np.count_nonzero(self.flooding[ids]))
            self.flooding[ids] = False

    # ------------------------------------------------------------ other vectors than scanning

    def extra_infections(self, dt: float) -> np.ndarray:
        """Hosts the worm's extra hazard infects in a step of ``dt`` (none without one)."""
        if self.extra is None:
            return EMPTY
        n = self.hosts.n
        running = int(np.count_nonzero(self.hosts.worm == self.index))
        if self.extra.probability(dt, running, n) <= 0:
            return EMPTY
        candidates = np.flatnonzero(self.infectable(np.arange(n)))
        return self.extra.draw(candidates, dt, running, n, self.streams["extra-infection"])
