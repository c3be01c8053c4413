"""Patching: each host's patch time drawn once from the patch campaign's time-varying hazard.

The scenario's ``hosts.patch`` periods apply to every host; an organisation's own ``patch`` campaign
replaces them for its servers (streams ``patching`` and ``patching:<org>``).
"""

from __future__ import annotations

import numpy as np

from ..core.component import Component, Context
from ..core.hazard import Hazard
from ..core.registry import DYNAMICS
from ..core.requests import Change, Request


def patch_hazard(scenario, periods) -> Hazard:
    """The hazard of patch ``periods`` (rate per hour from each period's start), in seconds after the start."""
    breaks = [(p.start - scenario.start).total_seconds() for p in periods]
    rates = [p.rate_per_hour / 3600.0 for p in periods]
    # Periods that began before the start collapse onto t=0, the latest one winning.
    b, r = [], []
    for t, rate in zip(breaks, rates):
        t = max(t, 0.0)
        if b and t <= b[-1]:
            r[-1] = rate
        else:
            b.append(t)
            r.append(rate)
    return Hazard(b, r)


@DYNAMICS.register("patching")
class Patching(Component):
    streams_used = ("patching", "patching:*")

    def setup(self, ctx: Context):
        sc, n = ctx.scenario, ctx.hosts.n
        patch_at = patch_hazard(sc, sc.hosts.patch).sample_after(np.zeros(n), ctx.streams["patching"])
        for i, org in enumerate(sc.orgs):  # an organisation's own campaign replaces the general one
            mine = np.flatnonzero(ctx.hosts.org == i)
            if org.patch and mine.size:
                patch_at[mine] = patch_hazard(sc, org.patch).sample_after(
                    np.zeros(mine.size), ctx.streams[f"patching:{org.name}"])
        ids = np.flatnonzero(np.isfinite(patch_at))
        return [Request(Change.PATCH, ids, patch_at[ids])]
