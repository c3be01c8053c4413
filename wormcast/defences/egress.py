"""Organisations' egress filtering: their infected servers cannot scan outside their own blocks."""

from __future__ import annotations

import numpy as np

from ..core.component import Component, Context
from ..core.delivery import DeliveryRule
from ..core.registry import DEFENCES


class EgressRule(DeliveryRule):
    """State 0: no egress rule; state 1 + j: a server of the j-th filtering organisation (reaches only it)."""

    def __init__(self, egress_index: np.ndarray, inside: list[np.ndarray]):
        self.egress_index, self.inside = egress_index, inside
        self.n_states = 1 + len(inside)

    def state(self, ids: np.ndarray) -> np.ndarray:
        return self.egress_index[ids]

    def mask(self, state: int):
        return None if state == 0 else self.inside[state - 1]


@DEFENCES.register("egress")
class EgressDefence(Component):
    def setup(self, ctx: Context):
        org = ctx.hosts.org
        filtering = [i for i, o in enumerate(ctx.scenario.orgs) if o.egress_filtering]
        self.egress_index = np.zeros(ctx.hosts.n, dtype=np.int64)
        inside = []
        for j, i in enumerate(filtering):
            mine = org == i
            self.egress_index[mine] = 1 + j
            inside.append(mine)
        self.rule = EgressRule(self.egress_index, inside) if filtering else None

    def delivery_rule(self):
        return self.rule
