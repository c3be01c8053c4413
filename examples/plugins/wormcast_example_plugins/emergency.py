"""A defence: an emergency patch campaign that, at one moment, patches a share of the hosts still
susceptible (say, after a vendor's alert). Named in a scenario by its dotted path."""

from __future__ import annotations

import numpy as np
from pydantic import Field, field_validator

from wormcast.plugins import Change, Component, ComponentConfig, HostState, Request


class EmergencyPatchConfig(ComponentConfig):
    at_hours: float = Field(ge=0, description="hours after the start")
    share: float = Field(ge=0, le=1, description="share of the susceptible hosts patched then")

    @field_validator("at_hours")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not np.isfinite(v):
            raise ValueError("must be a finite number of hours")
        return v


class EmergencyPatch(Component):
    Config = EmergencyPatchConfig
    streams_used = ("emergency-patch",)

    def setup(self, ctx):
        self.hosts, self.rng = ctx.hosts, ctx.streams["emergency-patch"]
        self.step_at = int(np.ceil(self.config.at_hours * 3600.0 / ctx.dt - 1e-9))
        self.patched = 0

    def begin_step(self, step: int, t: float):
        if step != self.step_at:
            return None
        ids = np.flatnonzero(self.hosts.state == HostState.SUSCEPTIBLE)
        ids = ids[self.rng.random(ids.size) < self.config.share]
        self.patched = int(ids.size)
        return [Request(Change.PATCH, ids, t)]

    def summary(self) -> dict:
        return {"emergency_patched": self.patched}
