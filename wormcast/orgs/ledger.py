"""Organisations inside an outbreak: their servers' compromise over time, and users' exposure.

This observer watches the organisations' servers through the loop's ``on_changed`` calls, keeps each
front-end's compromise intervals and backdoor hours, counts infected and backdoored servers per step, and
at the end turns the intervals into the users' exposure under each login policy (orgs/exposure.py).
"""

from __future__ import annotations

import numpy as np

from ..core.component import Component, Context, StepTotals
from ..core.registry import OBSERVERS
from ..core.states import DORMANT, SCANNING
from ..results.columns import flow, stock
from ..util.timeutil import at, iso
from .audits import compromised
from .exposure import Intervals, exposure


@OBSERVERS.register("org-ledger")
class OrgLedger(Component):
    streams_used = ("logins:*",)

    def setup(self, ctx: Context):
        self.ctx = ctx
        hosts = ctx.hosts
        self.hosts, self.orgs = hosts, ctx.scenario.orgs
        self.servers = np.flatnonzero(hosts.org >= 0)
        self.org_of = hosts.org
        self.since = np.full(hosts.n, np.nan)  # compromised since (seconds), org servers only
        self.backdoor_since = np.full(hosts.n, np.nan)
        self.closed: list[tuple[int, int, float, float]] = []  # (org, front-end, start, end)
        self.backdoor_hours: list[list[float]] = [[] for _ in self.orgs]
        k = len(self.orgs)
        self.infected = np.zeros((ctx.n_steps, k), dtype=np.int64)
        self.backdoored = np.zeros((ctx.n_steps, k), dtype=np.int64)
        self.over_time: dict[str, dict] = {}  # users' exposure per step, filled by finish()
        self._summary: dict = {}

    def on_changed(self, ids: np.ndarray, t: float) -> None:
        """Record compromise intervals of org servers among ``ids`` after a state change at time t."""
        ids = ids[self.org_of[ids] >= 0]
        if ids.size == 0:
            return
        now = compromised(self.hosts, ids)
        was = ~np.isnan(self.since[ids])
        start = ids[now & ~was]
        self.since[start] = t
        end = ids[was & ~now]
        for h in end:
            self.closed.append((int(self.org_of[h]), int(self.hosts.frontend[h]), float(self.since[h]), t))
        self.since[end] = np.nan
        opened = ids[self.hosts.backdoor[ids] & np.isnan(self.backdoor_since[ids])]
        self.backdoor_since[opened] = t

    def on_cleaned(self, ids: np.ndarray, closed: np.ndarray, t: float) -> None:
        for h in closed[self.org_of[closed] >= 0]:
            self.backdoor_hours[int(self.org_of[h])].append((t - self.backdoor_since[h]) / 3600.0)
        self.backdoor_since[closed] = np.nan

    def record(self, totals: StepTotals) -> None:
        org = self.org_of[self.servers]
        st = self.hosts.state[self.servers]
        k = len(self.orgs)
        self.infected[totals.step] = np.bincount(org[(st == SCANNING) | (st == DORMANT)], minlength=k)
        self.backdoored[totals.step] = np.bincount(org[self.hosts.backdoor[self.servers]], minlength=k)

    def finish(self, end: float) -> None:
        """Per organisation: servers, first infection, peaks, backdoor hours, users' exposure per policy."""
        ctx, hosts = self.ctx, self.hosts
        open_now = self.servers[~np.isnan(self.since[self.servers])]
        rows = self.closed + [(int(self.org_of[h]), int(hosts.frontend[h]), float(self.since[h]), end)
                              for h in open_now]
        arr = np.array(rows, dtype=float).reshape(-1, 4)
        out = {}
        for i, org in enumerate(self.orgs):
            mine = self.servers[self.org_of[self.servers] == i]
            first_at = hosts.first_infected_at[mine]
            first = np.nanmin(first_at) if mine.size and np.isfinite(first_at).any() else None
            hours = list(self.backdoor_hours[i])
            still = mine[~np.isnan(self.backdoor_since[mine])]
            hours += [(end - self.backdoor_since[h]) / 3600.0 for h in still]
            entry = {
                "servers": org.servers,
                "vulnerable_servers": int(mine.size),
                "first_infection_time": None if first is None else iso(at(ctx.scenario.start, first)),
                "max_infected_servers": int(self.infected[:, i].max(initial=0)),
                "max_backdoored_servers": int(self.backdoored[:, i].max(initial=0)),
                "backdoors": len(hours),
                "backdoor_open_hours": float(np.sum(hours)) if hours else 0.0,
                "backdoor_open_hours_max": float(np.max(hours)) if hours else 0.0,
            }
            if org.users is not None:
                sel = arr[arr[:, 0] == i]
                iv = Intervals(sel[:, 1].astype(np.int64), sel[:, 2], sel[:, 3])
                res = exposure(iv, org.servers, org.users.count, org.users.logins_per_day, 0.0, end,
                               ctx.streams[f"logins:{org.name}"], step_s=ctx.dt)
                res = {p: r for p, r in res.items() if p in org.users.policies}
                self.over_time[org.name] = {p: r.pop("over_time") for p, r in res.items()}
                entry["users"] = org.users.count
                entry["logins"] = next(iter(res.values()))["logins"] if res else 0
                entry["logins_compromised_fraction"] = {p: r["logins_compromised_fraction"] for p, r in res.items()}
                entry["users_exposed"] = {p: r["users_exposed"] for p, r in res.items()}
                entry["users_exposed_fraction"] = {p: r["users_exposed_fraction"] for p, r in res.items()}
            out[org.name] = entry
        self._summary = {"orgs": out}

    def columns(self) -> list:
        n = self.ctx.n_steps
        cols = []
        for i, org in enumerate(self.orgs):
            p = f"org_{org.name}"
            c = stock(f"{p}_infected", "servers", f"{org.name}: servers infected", n)
            c.values[:] = self.infected[:, i]
            cols.append(c)
            c = stock(f"{p}_backdoored", "servers", f"{org.name}: servers with an open backdoor", n)
            c.values[:] = self.backdoored[:, i]
            cols.append(c)
            for j, (policy, series) in enumerate(self.over_time.get(org.name, {}).items()):
                if j == 0:  # the same logins for every policy
                    c = flow(f"{p}_logins", "logins", f"{org.name}: logins", n)
                    c.values[:] = series["logins"]
                    cols.append(c)
                c = flow(f"{p}_logins_compromised_{policy}", "logins",
                         f"{org.name}: logins on a compromised front-end ({policy})", n)
                c.values[:] = series["logins_compromised"]
                cols.append(c)
                c = stock(f"{p}_users_exposed_{policy}", "users",
                          f"{org.name}: users with a session on a compromised front-end so far ({policy})", n)
                c.values[:] = series["users_exposed"]
                cols.append(c)
        return cols

    def summary(self) -> dict:
        return self._summary
