"""Organisations inside an outbreak: their servers' compromise over time, audits, and users' exposure.

The engine owns host state; this book-keeper watches the organisations' servers through hooks the engine
calls on every state change, schedules audits (periodic, or continuous when the interval is 0), and at the
end turns the servers' compromise intervals into the users' exposure under each login policy.
"""

from __future__ import annotations

import numpy as np

from ..core.states import DORMANT, SCANNING
from ..util.timeutil import at, iso
from .exposure import Intervals, exposure


class OrgBook:
    def __init__(self, scenario, world, streams, dt: float, n_steps: int):
        self.scenario, self.world, self.streams, self.dt, self.n_steps = scenario, world, streams, dt, n_steps
        self.orgs = scenario.orgs
        self.hosts = np.flatnonzero(world.org >= 0)  # vulnerable org servers, by host id
        self.org_of = world.org
        self.pending = np.zeros(world.n, dtype=bool)  # a clean-up is scheduled
        self.since = np.full(world.n, np.nan)  # compromised since (seconds), org servers only
        self.backdoor_since = np.full(world.n, np.nan)
        self.closed: list[tuple[int, int, float, float]] = []  # (org, front-end, start, end)
        self.backdoor_hours = [[] for _ in self.orgs]
        k = len(self.orgs)
        self.infected = np.zeros((n_steps, k), dtype=np.int64)
        self.backdoored = np.zeros((n_steps, k), dtype=np.int64)
        self.audit_steps: dict[int, list[int]] = {}
        for i, org in enumerate(self.orgs):
            a = org.audit
            if a is None or a.interval == 0:
                continue
            first = a.interval if a.first is None else (a.first - scenario.start).total_seconds()
            t = max(first, 0.0)
            while t < n_steps * dt:
                self.audit_steps.setdefault(int(t // dt), []).append(i)
                t += a.interval
        self.continuous = np.array([o.audit is not None and o.audit.interval == 0 for o in self.orgs])
        self.over_time: dict[str, dict] = {}  # users' exposure per step, filled by summary()

    # -------------------------------------------------------------- hooks

    def compromised_now(self, sim, ids: np.ndarray) -> np.ndarray:
        st = sim.state[ids]
        return (st == SCANNING) | (st == DORMANT) | sim.backdoor[ids]

    def changed(self, sim, ids: np.ndarray, t: float) -> None:
        """Record compromise intervals of org servers among ``ids`` after a state change at time t."""
        ids = ids[self.org_of[ids] >= 0]
        if ids.size == 0:
            return
        now = self.compromised_now(sim, ids)
        was = ~np.isnan(self.since[ids])
        start = ids[now & ~was]
        self.since[start] = t
        end = ids[was & ~now]
        for h in end:
            self.closed.append((int(self.org_of[h]), int(self.world.frontend[h]), float(self.since[h]), t))
        self.since[end] = np.nan
        opened = ids[sim.backdoor[ids] & np.isnan(self.backdoor_since[ids])]
        self.backdoor_since[opened] = t

    def backdoor_closed(self, ids: np.ndarray, t: float) -> None:
        for h in ids[self.org_of[ids] >= 0]:
            self.backdoor_hours[int(self.org_of[h])].append((t - self.backdoor_since[h]) / 3600.0)
        self.backdoor_since[ids] = np.nan

    def infected_hook(self, sim, ids: np.ndarray, t: float) -> None:
        """Continuous audits check a server the moment it is compromised."""
        ids = ids[self.org_of[ids] >= 0]
        if ids.size == 0 or not self.continuous.any():
            return
        ids = ids[self.continuous[self.org_of[ids]] & ~self.pending[ids]]
        self._detect(sim, ids, t)

    def _detect(self, sim, ids: np.ndarray, t: float) -> None:
        if ids.size == 0:
            return
        q = np.array([self.orgs[i].audit.detection for i in self.org_of[ids]])
        found = ids[self.streams["audit"].random(ids.size) < q]
        if found.size == 0:
            return
        delay = np.array([self.orgs[i].audit.delay for i in self.org_of[found]])
        self.pending[found] = True
        sim.schedule_clean(found, t + delay, t)

    def audit(self, sim, step: int) -> None:
        for i in self.audit_steps.get(step, ()):
            ids = self.hosts[self.org_of[self.hosts] == i]
            ids = ids[self.compromised_now(sim, ids) & ~self.pending[ids]]
            self._detect(sim, ids, step * self.dt)

    def cleaned(self, ids: np.ndarray) -> None:
        self.pending[ids] = False

    def record(self, sim, step: int) -> None:
        org = self.org_of[self.hosts]
        st = sim.state[self.hosts]
        k = len(self.orgs)
        self.infected[step] = np.bincount(org[(st == SCANNING) | (st == DORMANT)], minlength=k)
        self.backdoored[step] = np.bincount(org[sim.backdoor[self.hosts]], minlength=k)

    # -------------------------------------------------------------- results

    def columns(self) -> tuple[dict[str, np.ndarray], set[str]]:
        """Per-step columns and which of them are flows (summed over an interval); call after summary()."""
        out, flows = {}, set()
        for i, org in enumerate(self.orgs):
            out[f"org_{org.name}_infected"] = self.infected[:, i]
            out[f"org_{org.name}_backdoored"] = self.backdoored[:, i]
            for policy, cols in self.over_time.get(org.name, {}).items():
                if f"org_{org.name}_logins" not in out:  # the same logins for every policy
                    out[f"org_{org.name}_logins"] = cols["logins"]
                    flows.add(f"org_{org.name}_logins")
                out[f"org_{org.name}_logins_compromised_{policy}"] = cols["logins_compromised"]
                flows.add(f"org_{org.name}_logins_compromised_{policy}")
                out[f"org_{org.name}_users_exposed_{policy}"] = cols["users_exposed"]
        return out, flows

    def summary(self, sim, end_s: float) -> dict:
        """Per organisation: servers, first infection, peaks, backdoor hours, users' exposure per policy."""
        open_now = self.hosts[~np.isnan(self.since[self.hosts])]
        rows = self.closed + [(int(self.org_of[h]), int(self.world.frontend[h]), float(self.since[h]), end_s)
                              for h in open_now]
        arr = np.array(rows, dtype=float).reshape(-1, 4)
        out = {}
        for i, org in enumerate(self.orgs):
            mine = self.hosts[self.org_of[self.hosts] == i]
            first = np.nanmin(sim.first_infected_at[mine]) if mine.size and np.isfinite(
                sim.first_infected_at[mine]).any() else None
            hours = list(self.backdoor_hours[i])
            still = mine[~np.isnan(self.backdoor_since[mine])]
            hours += [(end_s - self.backdoor_since[h]) / 3600.0 for h in still]
            entry = {
                "servers": org.servers,
                "vulnerable_servers": int(mine.size),
                "first_infection_time": None if first is None else iso(at(self.scenario.start, first)),
                "max_infected_servers": int(self.infected[:, i].max(initial=0)),
                "max_backdoored_servers": int(self.backdoored[:, i].max(initial=0)),
                "backdoors": len(hours),
                "backdoor_open_hours": float(np.sum(hours)) if hours else 0.0,
                "backdoor_open_hours_max": float(np.max(hours)) if hours else 0.0,
            }
            if org.users is not None:
                sel = arr[arr[:, 0] == i]
                iv = Intervals(sel[:, 1].astype(np.int64), sel[:, 2], sel[:, 3])
                res = exposure(iv, org.servers, org.users.count, org.users.logins_per_day, 0.0, end_s,
                               self.streams[f"logins:{org.name}"], step_s=self.dt)
                res = {p: r for p, r in res.items() if p in org.users.policies}
                self.over_time[org.name] = {p: r.pop("over_time") for p, r in res.items()}
                entry["users"] = org.users.count
                entry["logins"] = next(iter(res.values()))["logins"] if res else 0
                entry["logins_compromised_fraction"] = {p: r["logins_compromised_fraction"] for p, r in res.items()}
                entry["users_exposed"] = {p: r["users_exposed"] for p, r in res.items()}
                entry["users_exposed_fraction"] = {p: r["users_exposed_fraction"] for p, r in res.items()}
            out[org.name] = entry
        return out
