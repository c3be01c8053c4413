"""A hit-list scanner: the copies first work through a shared list of vulnerable addresses, then scan
uniformly (Staniford, Paxson and Weaver, "How to 0wn the Internet in Your Spare Time", USENIX Security 2002).

All copies share one list, handed out in order: a probe either takes the next list entry (while any is
left) or goes to a uniform address. Per step the copies send Poisson(total rate x dt) probes; the first of
them take the list's next entries, the rest are uniform (binomial hits). The per-probe rule below does the
same probe by probe, so the engine can be checked against the brute-force reference.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from wormcast.plugins import EMPTY, ProbeBatch, ProbeRule, Scanner, ScannerConfig


class HitListConfig(ScannerConfig):
    kind: str = "hitlist"
    entries: int = Field(ge=0, description="vulnerable hosts on the list, drawn at random per seed")


class HitListRule(ProbeRule):
    def __init__(self, *args):
        super().__init__(*args)
        hosts = self.addresses[np.isin(self.addresses, self.targets)]
        k = min(self.config.entries, hosts.size)
        self.list = self.rng.choice(hosts, size=k, replace=False)
        self.used = 0

    def targets_for(self, src: np.ndarray) -> np.ndarray:
        out = self.targets[self.rng.integers(0, self.targets.size, src.size)]
        take = min(max(self.list.size - self.used, 0), src.size)
        out[:take] = self.list[self.used:self.used + take]
        return out

    def sent(self, src: np.ndarray) -> None:
        self.used += src.size


class HitListScanner(Scanner):
    Config = HitListConfig
    Rule = HitListRule
    streams_used = ("probes", "hits", "targets", "hitlist")

    @classmethod
    def example_config(cls) -> dict:
        return {"kind": cls.kind, "entries": 20}

    def __init__(self, *args):
        super().__init__(*args)
        k = min(self.config.entries, self.targetable.size)
        self.list = self.streams["hitlist"].choice(self.targetable, size=k, replace=False)
        self.used = 0
        self.p_hit = self.targetable.size / self.space.denominator

    def set_delivery(self, klass, deliver) -> None:
        if len(deliver) > 1:
            raise ValueError("the example hit-list scanner does not support delivery filters")

    def step(self, dt: float, worm: int) -> ProbeBatch:
        if self.total_rate <= 0:
            return ProbeBatch(worm, 0, 0, EMPTY)
        s = self.streams
        p = int(s["probes"].poisson(self.total_rate * dt))
        take = min(self.list.size - self.used, p)
        listed = self.list[self.used:self.used + take]
        self.used += take
        h = int(s["hits"].binomial(p - take, self.p_hit)) if p > take else 0
        uniform = self.targetable[s["targets"].integers(0, self.targetable.size, h)]
        return ProbeBatch(worm, p, take + h, np.concatenate([listed, uniform]))
