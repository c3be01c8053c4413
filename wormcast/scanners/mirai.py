"""Mirai's scanning: uniform over the space its source never excludes, a brute-force session per contact."""

from __future__ import annotations

import numpy as np

from ..worms.mirai import Listening, credential_classes, session_success
from .base import Scanner, TargetSpace


class MiraiScanner(Scanner):
    """Probes uniform over the target space (the worm's ``exclude`` should be :func:`worms.mirai.excluded_cidrs`).

    A probe that lands on a device reaches it when its port (23, or 2323 for one probe in ten) is one the
    device listens on; a reached device gets one brute-force session, which gets in with probability
    ``session_success`` of the device's credential pair; a loader then installs the bot with probability
    ``loader_success`` (ASSUMPTION, default 1). Each contact is an independent thinning of the uniform hits,
    so the step stays exact. Returns the probes that reached a device on a listening port as the vulnerable
    hits, and the devices got into as reached hosts (the engine keeps those it can infect: so the worm's
    ``infection_success`` should be 1, the per-contact chance being here).

    ``device_class[h]``: index of host h's pair in :func:`credential_classes` (-1: a pair not in the table,
    never got into). ``listening[h]``: a :class:`Listening` value.
    """

    def __init__(self, world, worm, rates, streams, device_class: np.ndarray, listening: np.ndarray,
                 loader_success: float = 1.0, tries: int | None = None):
        # Not registered yet (issue 10): built directly by its tests with the worm's config; every reached host
        # is offered to the caller, which checks the states itself.
        super().__init__(worm.scanning, TargetSpace.of(worm, world), world, rates, streams,
                         lambda ids: np.ones(ids.size, dtype=bool))
        device_class = np.asarray(device_class, dtype=np.int64)
        if device_class.size != world.n or np.asarray(listening).size != world.n:
            raise ValueError("device_class and listening need one entry per host")
        weights = credential_classes().weight
        ok = device_class >= 0
        success = np.zeros(world.n)
        kw = {} if tries is None else {"tries": tries}
        success[ok] = session_success(weights[device_class[ok]], **kw)
        self.reach = Listening.reach_probability(listening)
        self.accept = success * loader_success
        denom = self.space.denominator
        self.p_hit = self.targetable.size / denom

    def step(self, dt: float) -> tuple[int, int, np.ndarray]:
        s = self.streams
        probes = reached = 0
        found = []
        for c, rate in self._class_rates():
            p = int(s["probes"].poisson(rate * dt))
            h = int(s["hits"].binomial(p, self.p_hit)) if p else 0
            hosts = self._delivered(c, self.targetable[s["targets"].integers(0, self.targetable.size, h)])
            answer = hosts[s["ports"].random(hosts.size) < self.reach[hosts]]
            probes, reached = probes + p, reached + answer.size
            found.append(answer[s["bruteforce"].random(answer.size) < self.accept[answer]])
        if not found:
            return 0, 0, np.empty(0, dtype=np.int64)
        return probes, reached, found[0] if len(found) == 1 else np.concatenate(found)
