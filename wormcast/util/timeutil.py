"""Durations and UTC instants as the scenario files write them ("10s", "1min", "24h"; ISO 8601)."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone

MAX_DURATION = 100 * 365 * 86400.0  # seconds (config/limits.py)

_UNITS = {
    "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}
_DURATION = re.compile(r"^\s*(-?[0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)\s*([a-z]+)\s*$")


def parse_duration(value: str | int | float | timedelta) -> float:
    """Seconds in a duration such as ``"90s"``, ``"1min"``, ``"24h"`` or a :class:`~datetime.timedelta`; bare
    numbers are seconds (scenarios refuse them: see :func:`scenario_duration`)."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value).lower())
        if not m or m.group(2) not in _UNITS:
            raise ValueError(f"{value!r} is not a duration (examples: 10s, 1min, 2h, 1d)")
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if not math.isfinite(seconds):
        raise ValueError(f"{value!r} is not a finite duration")
    if seconds < 0:
        raise ValueError(f"{value!r}: a duration cannot be negative")
    if seconds > MAX_DURATION:
        raise ValueError(f"{value!r} is longer than 100 years")
    return seconds


def is_bare_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def scenario_duration(value) -> float:
    """A duration as a scenario gives one: text with a unit or a timedelta; a bare number is refused, since
    ``lifetime = 12`` could mean 12 s or 12 h (but 0, the same in every unit, reads: ``audit.interval = 0``)."""
    if is_bare_number(value) and value != 0:
        raise ValueError(f"{value!r} has no unit; write it with one, e.g. \"{value:g}s\", \"{value:g}min\" or "
                         f"\"{value:g}h\"")
    return parse_duration(value)


def duration_text(seconds: float) -> str:
    """Seconds as a duration that :func:`parse_duration` reads back exactly: ``"1d"``, ``"6h"``, ``"10min"``,
    ``"30s"``, ``"0.5s"``."""
    seconds = float(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s" if seconds.is_integer() else f"{seconds!r}s"


def steps_per(interval: float, step: float) -> int | None:
    """How many steps make one interval, or None when the interval is not a positive multiple of the step."""
    k = round(interval / step) if step > 0 else 0
    return k if k >= 1 and abs(k * step - interval) <= 1e-9 * max(1.0, interval) else None


def as_utc(value: datetime) -> datetime:
    """Treat naive datetimes as UTC; convert aware ones to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a trailing Z, to the second (or None)."""
    if value is None:
        return None
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_epoch(t: float | None) -> str | None:
    """Seconds since the Unix epoch as ISO 8601 in UTC (or None)."""
    return None if t is None else iso(datetime.fromtimestamp(float(t), tz=timezone.utc))


def at(start: datetime, seconds: float) -> datetime:
    return start + timedelta(seconds=float(seconds))


def check_interval(interval, step: float) -> float | None:
    """Seconds of a reporting interval given as text with a unit (``"5min"``), a number of seconds or a
    :class:`~datetime.timedelta`; None stays None (the scenario's). It must be a positive multiple of ``step``;
    otherwise one line naming ``--interval`` (CLI) or ``interval`` (API)."""
    from ..errors import WormcastError, flag

    if interval is None:
        return None
    try:
        seconds = parse_duration(interval)
    except (ValueError, TypeError) as exc:
        raise WormcastError(f"{flag('--interval')}: {exc}") from None
    if steps_per(seconds, step) is None:
        shown = interval if isinstance(interval, str) else duration_text(seconds)
        raise WormcastError(f"{flag('--interval', shown)}: must be a positive multiple of the step ({step:g}s)")
    return seconds
