"""A scenario as plain data and as TOML text that loads back to an equal scenario.

Durations are written with a unit (``"10min"``, ``"6h"``), since a scenario refuses a bare number for one;
times as TOML datetimes in UTC; values left at None are left out (TOML has no null). One worm is written as a
``[worm]`` table, several as ``[[worm]]``, as the presets do.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from ..util.timeutil import duration_text

HEADER = ("# Written by wormcast (Scenario.to_toml): every value spelled out, durations with their unit.\n"
          "# Load it with `wormcast run FILE` or wormcast.load_scenario(FILE).\n")


def _value(value, is_duration: bool):
    if isinstance(value, BaseModel):
        return model_data(value)
    if isinstance(value, (list, tuple)):
        return [_value(v, is_duration) for v in value]
    if is_duration and isinstance(value, (int, float)) and not isinstance(value, bool):
        return duration_text(value)
    if isinstance(value, datetime):
        return value
    return value


def model_data(model: BaseModel) -> dict:
    """The fields of ``model`` (by alias, nested models as tables), ready for TOML or for validation again."""
    out = {}
    durations = getattr(type(model), "durations", ())
    for name, field in type(model).model_fields.items():
        if field.exclude:
            continue
        value = getattr(model, name)
        if value is None:
            continue
        out[field.alias or name] = _value(value, name in durations)
    return out


def scenario_data(scenario) -> dict:
    """What a scenario file would hold for ``scenario`` (one worm as a table, so overrides say ``worm.x``)."""
    data = model_data(scenario)
    if len(data["worm"]) == 1:
        data["worm"] = data["worm"][0]
    return data


def to_toml(scenario) -> str:
    import tomli_w

    return HEADER + tomli_w.dumps(scenario_data(scenario))
