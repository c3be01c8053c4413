"""What a worm does by date (UTC): its calendar. Code Red I switches phase by day of the month: days 1-19
spread, 20-27 flood, 28- sleep. Blaster never stops scanning: each copy decides when its process starts
whether it also floods (its flood thread runs beside the scanning until the process ends), by the date
then (:func:`floods_at_start`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Callable, Optional


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
    if kind != "codered1":
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


def floods_at_start(kind: str) -> Optional[Callable[[datetime], bool]]:
    """For a calendar whose copies decide at their start whether to flood beside scanning: the rule (the
    instant the copy starts -> whether it floods until it ends); None for the other calendars.

    ``blaster``: what the decompiled code tests, day > 15 and month > 8 (16th-end of September to December);
    ``blaster-comment``: the decompiler's comment and the press, from the 16th of August too
    (worms/blaster.py :class:`FloodCondition`, docs/worms/blaster.md). The worm reads the host's local date;
    here the UTC date (ASSUMPTION: host time zones are not modelled)."""
    if kind not in ("blaster", "blaster-comment"):
        return None
    from ..worms.blaster import FloodCondition, flood_on

    condition = FloodCondition.CODE if kind == "blaster" else FloodCondition.COMMENT
    return lambda when: flood_on(when.date(), condition)
