"""The end of an infection: a reboot clears a memory-resident worm, and a worm may end itself.

An infection at time t ends at the first of a reboot (constant hazard ``hosts.reboot_rate_per_hour``,
stream ``reboots``) and t + the worm's ``lifetime``; the host is then susceptible again. The request
carries the infection's epoch, so the end of an infection that was already ended another way is dropped.
"""

from __future__ import annotations

import numpy as np

from ..core.component import Component, Context
from ..core.hazard import Hazard
from ..core.registry import DYNAMICS
from ..core.requests import Change, Request


@DYNAMICS.register("clearing")
class Clearing(Component):
    streams_used = ("reboots",)

    def setup(self, ctx: Context):
        self.reboot = Hazard.constant(ctx.scenario.hosts.reboot_rate_per_hour / 3600.0)
        self.lifetimes = [w.lifetime for w in ctx.scenario.worms]
        self.rng = ctx.streams["reboots"]
        self.epoch = ctx.hosts.epoch

    def on_infected(self, ids: np.ndarray, worm: int, t: float):
        lifetime = self.lifetimes[worm]
        if lifetime is None and self.reboot.is_zero:  # never cleared (and nothing drawn either way)
            return None
        clear_at = self.reboot.sample_after(t, self.rng, ids.size)  # a constant rate above 0: every time finite
        if lifetime is not None:  # finite too
            clear_at = np.minimum(clear_at, t + lifetime)
        return [Request(Change.CLEAR, ids.copy(), clear_at, self.epoch[ids])]
