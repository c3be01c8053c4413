"""Organisations' audits: periodic checks (or continuous monitoring) that find compromised servers.

Each compromised server (worm running, or backdoor open) is found with probability ``detection``; a found
server is cleaned (worm and backdoor removed) and patched ``delay`` later, through a CLEAN request.
``interval`` 0 means continuous monitoring: a server is checked the moment it is compromised.
"""

from __future__ import annotations

import numpy as np

from ..core.component import Component, Context
from ..core.registry import DEFENCES
from ..core.requests import Change, Request
from ..core.states import DORMANT, SCANNING


def compromised(hosts, ids: np.ndarray) -> np.ndarray:
    """A server is compromised while a worm runs on it or its backdoor is open."""
    st = hosts.state[ids]
    return (st == SCANNING) | (st == DORMANT) | hosts.backdoor[ids]


@DEFENCES.register("org-audits")
class OrgAudits(Component):
    streams_used = ("audit",)

    def setup(self, ctx: Context):
        sc, hosts = ctx.scenario, ctx.hosts
        self.hosts, self.orgs = hosts, sc.orgs
        self.servers = np.flatnonzero(hosts.org >= 0)  # vulnerable org servers, by host id
        self.org_of = hosts.org
        self.pending = np.zeros(hosts.n, dtype=bool)  # a clean-up is scheduled
        self.rng = ctx.streams["audit"]
        self.audit_steps: dict[int, list[int]] = {}
        for i, org in enumerate(self.orgs):
            a = org.audit
            if a is None or a.interval == 0:
                continue
            first = a.interval if a.first is None else (a.first - sc.start).total_seconds()
            t = max(first, 0.0)
            while t < ctx.n_steps * ctx.dt:
                self.audit_steps.setdefault(int(t // ctx.dt), []).append(i)
                t += a.interval
        self.continuous = np.array([o.audit is not None and o.audit.interval == 0 for o in self.orgs])

    def _detect(self, ids: np.ndarray, t: float):
        if ids.size == 0:
            return None
        q = np.array([self.orgs[i].audit.detection for i in self.org_of[ids]])
        found = ids[self.rng.random(ids.size) < q]
        if found.size == 0:
            return None
        delay = np.array([self.orgs[i].audit.delay for i in self.org_of[found]])
        self.pending[found] = True
        return [Request(Change.CLEAN, found, t + delay)]

    def begin_step(self, step: int, t: float):
        out = []
        for i in self.audit_steps.get(step, ()):
            ids = self.servers[self.org_of[self.servers] == i]
            ids = ids[compromised(self.hosts, ids) & ~self.pending[ids]]
            out += self._detect(ids, t) or []
        return out

    def on_infected(self, ids: np.ndarray, worm: int, t: float):
        """Continuous audits check a server the moment it is compromised."""
        ids = ids[self.org_of[ids] >= 0]
        if ids.size == 0 or not self.continuous.any():
            return None
        return self._detect(ids[self.continuous[self.org_of[ids]] & ~self.pending[ids]], t)

    def on_cleaned(self, ids: np.ndarray, closed: np.ndarray, t: float) -> None:
        self.pending[ids] = False
