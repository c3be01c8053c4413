"""Who may deliver probes to whom: containment (Internet Quarantine) and organisations' egress filtering.

Each host has a delivery class; a scanning host of class c reaches only hosts where ``masks[c]`` is True
(None: everyone). Classes combine an egress rule (none, or "inside organisation e only") with a filter
state (free; filtered at the destinations: covered hosts unreachable; blocked at the source: nothing).
"""

from __future__ import annotations

import numpy as np

from ..world.addresses import in_ranges, merge_ranges, parse_cidr

FREE, DST_FILTERED, BLOCKED = 0, 1, 2


class Delivery:
    def __init__(self, scenario, world, rng: np.random.Generator):
        n = world.n
        cont = scenario.defences.containment
        self.covered = np.zeros(n, dtype=bool)
        if cont is not None:
            chosen = rng.random(256) < 0  # no /8 unless coverage > 0
            k = int(round(cont.coverage * 256))
            if k:
                chosen[rng.choice(256, size=k, replace=False)] = True
            self.covered = chosen[world.addresses >> 24]
            ranges = [parse_cidr(b) for b in cont.blocks]
            ranges += [parse_cidr(b) for o in scenario.orgs if o.name in cont.orgs for b in o.blocks]
            if ranges:
                self.covered |= in_ranges(world.addresses, merge_ranges(ranges))
        self.containment = cont if (cont is not None and self.covered.any()) else None
        egress = [i for i, o in enumerate(scenario.orgs) if o.egress_filtering]
        self.egress_index = np.zeros(n, dtype=np.int64)  # 0: no egress rule; 1 + j: egress org egress[j]
        masks: list = [None, ~self.covered, np.zeros(n, dtype=bool)]
        for j, org in enumerate(egress):
            inside = world.org == org
            self.egress_index[inside] = 1 + j
            masks += [inside, inside & ~self.covered, np.zeros(n, dtype=bool)]
        self.active = self.containment is not None or bool(egress)
        self.masks = masks if self.active else [None]
        self.blacklisted = np.zeros(n, dtype=bool)
        self.content_on = False
        self.klass = self.egress_index * 3  # everyone free at the start

    def content_step(self, dt: float) -> int | None:
        c = self.containment
        return None if c is None or c.strategy != "content" else int(np.ceil(c.reaction_time / dt - 1e-9))

    def blacklist_delay(self) -> float | None:
        c = self.containment
        return None if c is None or c.strategy != "blacklist" else c.reaction_time

    def classes(self, ids: np.ndarray) -> np.ndarray:
        """The delivery class the hosts ``ids`` have now."""
        filtered = self.blacklisted[ids] | self.content_on
        state = np.where(filtered, np.where(self.covered[ids], BLOCKED, DST_FILTERED), FREE)
        return self.egress_index[ids] * 3 + state
