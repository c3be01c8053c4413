"""Churn: devices that come and go. An online device goes away at ``off_rate_per_hour`` and an offline one
comes back at ``on_rate_per_hour`` (a two-state Markov chain per device, stream ``churn``), whatever the worm
does. An offline device neither scans nor can be reached (the host state OFFLINE); going away loses a
memory-resident worm (a power cycle clears it, Mirai's case), and the device comes back susceptible. A
patched device stays patched.

Each device's next transition is drawn in continuous time when it makes the previous one (exponential
holding times) and kept in this component's own calendar queue; at the start of each step the transitions
due in it are handed to the loop as OFFLINE / ONLINE requests at the step's start (the same step rounding as
reboots). A device that goes away and back within one step loses its worm and is back susceptible. At t = 0
each device is online with probability ``online_at_start`` (default: the long-run share on / (on + off)).
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from pydantic import Field

from ..config.components import ComponentConfig
from ..core.component import Component, Context, StepTotals
from ..core.events import EventQueue
from ..core.registry import DYNAMICS
from ..core.requests import Change, Request
from ..core.states import OFFLINE
from ..results.columns import flow, stock


class ChurnConfig(ComponentConfig):
    kind: str = "churn"
    off_rate_per_hour: float = Field(gt=0, description="hazard that an online device goes away")
    on_rate_per_hour: float = Field(gt=0, description="hazard that an offline device comes back")
    online_at_start: Optional[float] = Field(
        None, ge=0, le=1, description="share of devices online at t = 0 (default: the long-run share)")

    @property
    def online_share(self) -> float:
        """The long-run share of devices online."""
        return self.on_rate_per_hour / (self.on_rate_per_hour + self.off_rate_per_hour)


@DYNAMICS.register("churn")
class Churn(Component):
    Config = ChurnConfig
    streams_used = ("churn",)

    def setup(self, ctx: Context):
        c: ChurnConfig = self.config
        n, self.dt = ctx.hosts.n, ctx.dt
        self.rng = ctx.streams["churn"]
        self.rate = np.array([c.on_rate_per_hour, c.off_rate_per_hour]) / 3600.0  # by current state: off, on
        share = c.online_share if c.online_at_start is None else c.online_at_start
        self.online = self.rng.random(n) < share  # as this component has scheduled it
        self.next_at = self.rng.exponential(1.0, n) / self.rate[self.online.astype(np.int64)]
        self.queue = EventQueue(ctx.n_steps)
        self._push(np.arange(n, dtype=np.int64))
        m = ctx.n_steps
        self.cols = [stock("offline", "hosts", "devices away (churn)", m),
                     flow("went_offline", "hosts", "devices that went away", m),
                     flow("came_online", "hosts", "devices that came back", m)]
        self.flows = [0, 0]
        away = np.flatnonzero(~self.online)
        return [Request(Change.OFFLINE, away, 0.0)] if away.size else []

    def _push(self, ids: np.ndarray) -> None:
        steps = np.floor(self.next_at[ids] / self.dt).astype(np.int64)
        self.queue.push(steps, ids, np.zeros(ids.size, dtype=np.int64), 0)

    def begin_step(self, step: int, t: float):
        ids = self.queue.pop(step)[0]
        if ids.size == 0:
            self.flows = [0, 0]
            return None
        was_online = self.online[ids]  # (a copy: fancy indexing; the queue holds one transition per device)
        went_off = np.zeros(ids.size, dtype=bool)
        end = (step + 1) * self.dt
        todo = np.arange(ids.size)
        while todo.size:  # every transition due in this step (rarely more than one per device)
            h = ids[todo]
            off = self.online[h]
            went_off[todo[off]] = True
            self.online[h] = ~off
            self.next_at[h] += self.rng.exponential(1.0, h.size) / self.rate[(~off).astype(np.int64)]
            todo = todo[self.next_at[h] < end]
        self._push(ids)
        now_online = self.online[ids]
        back = now_online & (~was_online | went_off)
        self.flows = [int(went_off.sum()), int(back.sum())]
        out = []
        if went_off.any():
            out.append(Request(Change.OFFLINE, ids[went_off], t))
        if back.any():
            out.append(Request(Change.ONLINE, ids[back], t))
        return out

    def record(self, totals: StepTotals) -> None:
        s = totals.step
        self.cols[0].values[s] = totals.counts[OFFLINE]
        self.cols[1].values[s], self.cols[2].values[s] = self.flows
        self.flows = [0, 0]

    def columns(self) -> list:
        return self.cols

    def summary(self) -> dict:
        v = self.cols[0].values
        return {"offline_at_end": int(v[-1]) if v.size else 0}
