"""What a worm does by day of the month (UTC): its calendar phases. Code Red I: days 1-19 spread,
20-27 flood, 28- sleep."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum


class Phase(Enum):
    SPREAD = "spread"  # copies scan
    FLOOD = "flood"  # copies flood their target and do not scan
    SLEEP = "sleep"  # copies idle


SPREAD, FLOOD, SLEEP = Phase.SPREAD, Phase.FLOOD, Phase.SLEEP


def codered1_phase(when: datetime) -> Phase:
    day = when.day
    if day <= 19:
        return SPREAD
    if day <= 27:
        return FLOOD
    return SLEEP


def phase_steps(kind: str, start: datetime, step: float, n_steps: int) -> list[tuple[int, Phase]]:
    """[(first step index, phase)] for each phase run over the steps (step i covers start + i*step)."""
    if kind == "none":
        return [(0, SPREAD)]
    out = [(0, codered1_phase(start))]
    midnight = datetime(start.year, start.month, start.day, tzinfo=start.tzinfo) + timedelta(days=1)
    end = start + timedelta(seconds=step * n_steps)
    while midnight < end:
        phase = codered1_phase(midnight)
        if phase != out[-1][1]:
            idx = int(-(-(midnight - start).total_seconds() // step))  # first step starting at/after midnight
            if idx < n_steps:
                out.append((idx, phase))
        midnight += timedelta(days=1)
    return out
