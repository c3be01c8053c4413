"""The record a detector returns when it raises its alarm (once; later updates return None)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Alarm:
    """``time``: the ``t`` of the update that raised it; ``detector``: its name; ``statistic``: the value
    that crossed (the estimate, the level or the CUSUM sum); ``reason``: the rule in words."""

    time: float
    detector: str
    statistic: float
    reason: str
