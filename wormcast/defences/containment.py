"""Containment after Moore, Shannon, Voelker and Savage (Internet Quarantine, INFOCOM 2003).

Filters sit in front of the covered addresses (a share of the /8 blocks drawn per seed, listed blocks, or
whole organisations): every worm probe to or from a covered address is inspected. ``content`` filtering
drops all worm probes there once deployed, ``reaction_time`` after the start; ``blacklist`` drops the
probes of an infected address ``reaction_time`` after that address was infected (the entry then stays).
"""

from __future__ import annotations

import numpy as np

from ..core.component import Component, Context
from ..core.delivery import DeliveryRule
from ..core.registry import DEFENCES
from ..core.requests import Change, Request
from ..world.addresses import in_ranges, merge_ranges, parse_cidr

FREE, DST_FILTERED, BLOCKED = 0, 1, 2  # a source's filter state: probes free; covered hosts unreachable; none


class ContainmentRule(DeliveryRule):
    n_states = 3

    def __init__(self, defence: "ContainmentDefence"):
        self.defence = defence
        n = defence.covered.size
        self._masks = [None, ~defence.covered, np.zeros(n, dtype=bool)]

    def state(self, ids: np.ndarray) -> np.ndarray:
        d = self.defence
        filtered = d.blacklisted[ids] | d.content_on
        return np.where(filtered, np.where(d.covered[ids], BLOCKED, DST_FILTERED), FREE)

    def mask(self, state: int):
        return self._masks[state]


@DEFENCES.register("containment")
class ContainmentDefence(Component):
    streams_used = ("containment",)

    def setup(self, ctx: Context):
        cont, n = self.config, ctx.hosts.n
        self.dt = ctx.dt
        rng = ctx.streams["containment"]
        chosen = rng.random(256) < 0  # no /8 unless coverage > 0
        k = int(round(cont.coverage * 256))
        if k:
            chosen[rng.choice(256, size=k, replace=False)] = True
        self.covered = chosen[ctx.hosts.addresses >> 24]
        ranges = [parse_cidr(b) for b in cont.blocks]
        ranges += [parse_cidr(b) for o in ctx.scenario.orgs if o.name in cont.orgs for b in o.blocks]
        if ranges:
            self.covered |= in_ranges(ctx.hosts.addresses, merge_ranges(ranges))
        self.blacklisted = np.zeros(n, dtype=bool)
        self.content_on = False
        self.everyone = np.arange(n)
        self.acting = bool(self.covered.any())  # nothing covered: the filter never sees a probe
        self.content_step = (int(np.ceil(cont.reaction_time / ctx.dt - 1e-9))
                             if self.acting and cont.strategy == "content" else None)
        self.ever_infected = ctx.hosts.ever_infected

    def delivery_rule(self):
        return ContainmentRule(self) if self.acting else None

    def begin_step(self, step: int, t: float):
        if step == self.content_step:  # content filters deployed everywhere covered
            return [Request(Change.REFILTER, self.everyone, t, self.index)]

    def on_infected(self, ids: np.ndarray, worm: int, t: float):
        if not self.acting or self.config.strategy != "blacklist":
            return None
        fresh = ids[~self.blacklisted[ids]]
        return [Request(Change.REFILTER, fresh, t + self.config.reaction_time, self.index)]

    def refilter(self, ids: np.ndarray, t: float) -> np.ndarray:
        if self.config.strategy == "content":
            self.content_on = True
            return ids
        ids = np.unique(ids[~self.blacklisted[ids]])
        self.blacklisted[ids] = True
        return ids

    def summary(self) -> dict:
        if not self.acting:
            return {}
        cont = self.config
        return {"containment": {
            "strategy": cont.strategy, "reaction_time_h": cont.reaction_time / 3600.0,
            "covered_hosts": int(self.covered.sum()),
            "covered_infected": int((self.covered & self.ever_infected).sum()),
            "blacklisted_hosts": int(self.blacklisted.sum())}}
