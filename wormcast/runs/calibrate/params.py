"""The scenario parameters a calibration fits: dotted keys as ``--set`` spells them, their bounds, and the
overrides one trial applies.

Any numeric scenario value can be fitted (``worm.scan_rate.mean``, ``population.vulnerable``,
``seeding.initial_infected``, ...): integers are rounded for each trial. ``worm.release`` is fitted as
seconds after the scenario's start (written back as a time). ``offset`` is no scenario value: the
observations are compared with the simulation shifted later by that many seconds (an unknown start, or
the random delay with which an outbreak takes off); it needs no runs of its own. Default bounds: a quarter
to four times the scenario's value (release: the first half of the run; offset: a tenth of the run either
way); ``--bounds key=lo:hi`` replaces them. Both ends are checked against the scenario schema before any
trial runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from ...errors import WormcastError, flag

RELEASE = "worm.release"
OFFSET = "offset"  # not a scenario value: the observations' clock against the simulation's (seconds)


@dataclass(frozen=True)
class FitKey:
    key: str
    start: float  # the scenario's own value: the optimiser's starting point
    low: float
    high: float
    integer: bool = False

    def applied(self, value: float) -> float:
        """The value a trial runs with."""
        v = min(max(float(value), self.low), self.high)
        return float(round(v)) if self.integer else v

    def override(self, value: float, scenario) -> str:
        v = self.applied(value)
        if self.key == RELEASE:
            return f"{self.key}={(scenario.start + timedelta(seconds=v)).isoformat().replace('+00:00', 'Z')}"
        return f"{self.key}={int(v) if self.integer else repr(v)}"


def _data(scenario) -> dict:
    data = scenario.model_dump(by_alias=True, exclude={"base_dir"})
    if len(data["worm"]) == 1:  # as --set spells it: worm.x
        data["worm"] = data["worm"][0]
    return data


def _lookup(data: dict, key: str):
    node = data
    for part in key.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise WormcastError(f"{flag('--fit', key)}: the scenario has no such value")
    return node


def parse_bounds(items) -> dict[str, tuple[float, float]]:
    out = {}
    for item in items or []:
        key, sep, rng = str(item).partition("=")
        lo, sep2, hi = rng.partition(":")
        try:
            if not (sep and sep2):
                raise ValueError
            pair = (float(lo), float(hi))
        except ValueError:
            raise WormcastError(f"{flag('--bounds', item)}: expected KEY=LOW:HIGH with numbers") from None
        out[key.strip()] = check_pair(item, pair)
    return out


def check_pair(what, pair) -> tuple[float, float]:
    """(low, high) as floats: finite, low below high (``what`` names them in the error)."""
    try:
        lo, hi = (float(v) for v in pair)
    except (TypeError, ValueError):
        raise WormcastError(f"{flag('--bounds', what)}: expected two numbers (low, high)") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise WormcastError(f"{flag('--bounds', what)}: the bounds must be finite numbers")
    if not lo < hi:
        raise WormcastError(f"{flag('--bounds', what)}: LOW must be below HIGH")
    return lo, hi


def fit_keys(scenario, keys, bounds: dict[str, tuple[float, float]] | None = None) -> list[FitKey]:
    """Check ``keys`` against ``scenario`` and ``bounds``; one line naming the key for anything wrong."""
    from ...api import resolve

    bounds = {k: check_pair(k, v) for k, v in dict(bounds or {}).items()}
    keys = [k.strip() for k in keys]
    if not keys or any(not k for k in keys):
        raise WormcastError(f"{flag('--fit')}: give one or more scenario keys, e.g. "
                            "worm.scan_rate.mean,population.vulnerable")
    if len(set(keys)) != len(keys):
        raise WormcastError(f"{flag('--fit', ','.join(keys))}: a key is named twice")
    for k in bounds:
        if k not in keys:
            raise WormcastError(f"{flag('--bounds', k)}: not one of the fitted keys ({', '.join(keys)})")
    data = _data(scenario)
    out = []
    for key in keys:
        if key == OFFSET:
            lo, hi = bounds.get(key, (-scenario.duration / 10, scenario.duration / 10))
            out.append(FitKey(key, min(max(0.0, lo), hi), lo, hi))
            continue
        if key == RELEASE:
            rel = scenario.worms[0].release
            start = (rel - scenario.start).total_seconds() if rel is not None else 0.0
            integer, default = False, (0.0, scenario.duration / 2)
        else:
            value = _lookup(data, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise WormcastError(f"{flag('--fit', key)}: {value!r} is not a number")
            start, integer = float(value), isinstance(value, int)
            if start <= 0 and key not in bounds:
                raise WormcastError(f"{flag('--fit', key)}: its value is {value!r}; give --bounds {key}=LOW:HIGH")
            default = (start / 4, start * 4)
        lo, hi = bounds.get(key, default)
        fk = FitKey(key, min(max(start, lo), hi), lo, hi, integer)
        if integer and math.floor(hi) < math.ceil(lo):
            raise WormcastError(f"{flag('--bounds', key)}={lo:g}:{hi:g}: holds no whole number")
        for end in (lo, hi):  # the schema has the last word on what a value may be
            try:
                resolve(scenario, [fk.override(end, scenario)])
            except WormcastError as exc:
                raise WormcastError(f"{flag('--bounds', key)}: {end:g} is not allowed ({exc})") from None
        out.append(fk)
    return out
