"""Nimda (18 September 2001): facts, its web target choice, which hosts it can infect, and its other vectors.

Sources: CERT Advisory CA-2001-26 "Nimda Worm" (18 Sep 2001) [P] for the vectors (IIS Unicode directory
traversal, Code Red II's and sadmind/IIS's backdoors, e-mail, open network shares, infected pages browsed by
clients) and the target choice (50% same /16, 25% same /8, 25% random, as also given in background.md).
Design notes for the engine: docs/worms/nimda.md.

Nimda's web scanning is the existing ``localized`` scanner with :data:`LOCAL_PREFERENCE`. What is new is its
target set: a host is infectable when it is open to the Unicode traversal OR carries a Code Red II backdoor
(``root.exe`` in the scripts directories), which patching against Code Red does not remove. So Code Red II's
backdoors feed Nimda. Its e-mail and share vectors are an extra infection hazard, not scanning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum

import numpy as np

RELEASE = datetime(2001, 9, 18, 12, 0, tzinfo=timezone.utc)  # first reports on the morning of 18 Sep (US
                                                             # Eastern); the hour is an ASSUMPTION
PORT = 80
LOCAL_PREFERENCE = ((16, 0.5), (8, 0.25), (0, 0.25))  # (prefix, probability), CERT CA-2001-26
WEB_PROBES_PER_SEQUENCE = 16  # the fixed request sequence per target (../data/real-logs nimda log)


def local_preference_table() -> list[dict]:
    """The ``[[worm.local_preference]]`` entries of the scenario schema."""
    return [{"prefix": k, "probability": p} for k, p in LOCAL_PREFERENCE]


def infectable(open_state: np.ndarray, patched: np.ndarray, unicode_open: np.ndarray,
               backdoor: np.ndarray) -> np.ndarray:
    """Which hosts Nimda can infect now.

    ``open_state``: the host runs no Nimda and is in a state a new infection may take (susceptible, or running
    a worm Nimda displaces); ``patched``: patched (PATCHED state); ``unicode_open``: its IIS answers the
    Unicode traversal; ``backdoor``: a Code Red II backdoor is present. A patched host with a backdoor stays
    infectable through it (the backdoor outlives the patch); the Unicode hole is closed by the patch
    (ASSUMPTION: the cumulative IIS patch of August 2001, MS01-044, fixed both)."""
    return (open_state & unicode_open) | ((open_state | patched) & backdoor)


class HazardKind(Enum):
    """CONSTANT: each infectable host is infected at ``rate`` per hour by other vectors whatever the outbreak's
    size; PER_INFECTED: at ``rate * infected / hosts`` per hour (mass action: e-mail and shares come from
    infected machines)."""

    CONSTANT = "constant"
    PER_INFECTED = "per-infected"


@dataclass(frozen=True)
class ExtraHazard:
    """Nimda's non-scanning vectors (e-mail, open shares, browsed pages) as a per-host infection hazard.
    ASSUMPTION: the rate is not established; the preset documents how it is to be calibrated."""

    kind: HazardKind
    rate_per_hour: float

    def probability(self, dt: float, infected: int, hosts: int) -> float:
        """Chance that one infectable host is infected by these vectors within a step of ``dt`` seconds."""
        lam = self.rate_per_hour / 3600.0
        if self.kind is HazardKind.PER_INFECTED:
            lam *= infected / max(hosts, 1)
        return float(-np.expm1(-lam * dt))

    def draw(self, candidates: np.ndarray, dt: float, infected: int, hosts: int,
             rng: np.random.Generator) -> np.ndarray:
        """The candidates (infectable host ids) these vectors infect in the step."""
        p = self.probability(dt, infected, hosts)
        return candidates[rng.random(candidates.size) < p] if p > 0 else candidates[:0]
