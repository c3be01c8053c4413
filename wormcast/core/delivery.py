"""Who may deliver probes to whom: the delivery classes that filtering defences combine into.

Each filtering component supplies a :class:`DeliveryRule`: a state per host (0..n_states-1) and, per state,
the destinations a scanning host in that state reaches (None: every host). A host's delivery class is its
rule states in mixed radix (the first rule most significant), and the class's mask is the AND of its rules'
masks. Scanners draw each class's probes and drop those whose destination the class cannot reach, which
keeps every draw exact (thinning). A host's class changes only while it does not scan: the loop stops it,
re-classes it and starts it again.
"""

from __future__ import annotations

import itertools

import numpy as np


class DeliveryRule:
    """One filter's view of the hosts (see the module docstring)."""

    n_states: int = 1

    def state(self, ids: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def mask(self, state: int) -> np.ndarray | None:
        raise NotImplementedError


def _and(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return b
    if b is None:
        return a
    return a & b


class Delivery:
    """The classes and masks of a run's delivery rules (none: one class that reaches everyone)."""

    def __init__(self, rules: list[DeliveryRule], n_hosts: int):
        self.rules = rules
        self.radix = [r.n_states for r in rules]
        self.masks: list = [None]
        if rules:
            self.masks = []
            for combo in itertools.product(*(range(k) for k in self.radix)):
                m = None
                for rule, s in zip(rules, combo):
                    m = _and(m, rule.mask(s))
                self.masks.append(m)
        self.klass = self.classes(np.arange(n_hosts)) if rules else np.zeros(n_hosts, dtype=np.int64)

    @property
    def active(self) -> bool:
        return bool(self.rules)

    def classes(self, ids: np.ndarray) -> np.ndarray:
        """The delivery class the hosts ``ids`` have now."""
        out = np.zeros(ids.size, dtype=np.int64)
        for rule, k in zip(self.rules, self.radix):
            out = out * k + rule.state(ids)
        return out
