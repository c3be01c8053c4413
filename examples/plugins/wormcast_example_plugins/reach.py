"""An observer: how many /8 blocks hold at least one infected host, step by step, and when half of the
/8s that hold vulnerable hosts were first reached."""

from __future__ import annotations

import numpy as np

from wormcast.plugins import Component, stock


class Slash8Reach(Component):
    def setup(self, ctx):
        self.ctx, self.hosts = ctx, ctx.hosts
        self.block = (ctx.hosts.addresses >> 24).astype(np.int64)
        self.reached = np.zeros(256, dtype=bool)
        self.column = stock("slash8_reached", "/8 blocks", "/8 blocks with an infection so far", ctx.n_steps)

    def on_infected(self, ids, worm, t):
        self.reached[self.block[ids]] = True

    def record(self, totals):
        self.column.values[totals.step] = int(self.reached.sum())

    def columns(self):
        return [self.column]

    def summary(self) -> dict:
        occupied = np.unique(self.block).size
        half = np.flatnonzero(self.column.values * 2 >= occupied)
        return {"slash8_reach": {"occupied": int(occupied), "reached": int(self.reached.sum()),
                                 "half_reached_h": float((half[0] + 1) * self.ctx.dt / 3600) if half.size else None}}
