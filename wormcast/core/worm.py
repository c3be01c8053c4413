"""One worm of a scenario as it runs: its per-host scan rates, its scanner, its calendar and release."""

from __future__ import annotations

import numpy as np

from ..scanners.base import TargetSpace
from .backbone import thin
from .phases import phase_steps
from .registry import SCANNERS
from .states import DORMANT, SCANNING, SUSCEPTIBLE


class RunningWorm:
    """Worm ``index`` of the scenario. Its streams are the scanner's declared ones plus ``scan_rates``,
    ``seeding``, ``infection`` and ``backbone``; the first worm keeps the plain names, worm k adds ``:k``."""

    def __init__(self, index: int, worm, scenario, world, hosts, streams, dt: float, n_steps: int,
                 clock_draw: np.ndarray, adjust_rates):
        self.index, self.config, self.hosts = index, worm, hosts
        scanner_cls = SCANNERS.get(worm.scanning.kind)
        suffix = "" if index == 0 else f":{index}"
        self.streams = streams.subset(("scan_rates", "seeding", "infection", "backbone",
                                        *scanner_cls.streams_used), suffix)
        self.rates = adjust_rates(index, worm.scan_rate.draw(world.n, self.streams["scan_rates"]))
        self.scanner = scanner_cls(worm.scanning, TargetSpace.of(worm, world), world, self.rates, self.streams,
                                   self.infectable)
        self.phases = phase_steps(worm.calendar, scenario.start, dt, n_steps)
        self.phase = self.phases[0][1]
        self.phase_at = dict(self.phases[1:])
        self.wrong_clock = clock_draw < worm.wrong_clock_fraction
        self.flood_rate = worm.flood_rate if worm.flood_target else 0.0
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
        if self.displaces.any():
            ok |= ((state == SCANNING) | (state == DORMANT)) & self.displaces[self.hosts.worm[ids]]
        return ok
