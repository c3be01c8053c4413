"""Host scan-rate throttling (Williamson's virus throttle) on a share of the hosts."""

from __future__ import annotations

import numpy as np

from ..core.component import Component, Context
from ..core.registry import DEFENCES


@DEFENCES.register("throttle")
class ThrottleDefence(Component):
    """On a share of hosts (drawn once), at most ``max_rate`` new destinations per second. Every worm probe
    goes to a new destination, so it caps each throttled host's scan rate, for every worm."""

    streams_used = ("throttle",)

    def setup(self, ctx: Context):
        self.throttled = ctx.streams["throttle"].random(ctx.hosts.n) < self.config.share

    def scan_rates(self, worm: int, rates: np.ndarray) -> np.ndarray:
        if self.throttled.any():
            rates[self.throttled] = np.minimum(rates[self.throttled], self.config.max_rate)
        return rates

    def summary(self) -> dict:
        return {"throttled_hosts": int(self.throttled.sum())}
