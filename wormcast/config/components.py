"""Settings of pluggable components: a ``kind`` naming a registered component, plus that component's own
fields, validated by the component's ``Config`` class (a pydantic model)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ComponentConfig(BaseModel):
    """The base of every component's settings: ``{kind = "...", ...}`` in a scenario."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    kind: str


def resolve_component(registry, value: Any) -> ComponentConfig:
    """Settings for a component of ``registry``: a bare kind name, a table with ``kind``, or a config object."""
    if isinstance(value, ComponentConfig):
        return value
    if isinstance(value, str):
        value = {"kind": value}
    if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
        raise ValueError(f"expected a {registry.what} name or a table with kind = \"...\"")
    cls = registry.get(value["kind"])
    config_cls = getattr(cls, "Config", None)
    if not (isinstance(config_cls, type) and issubclass(config_cls, ComponentConfig)):
        raise ValueError(f"{registry.what} {value['kind']!r} has no Config (a ComponentConfig subclass)")
    return config_cls.model_validate(value)
