"""What the named observers (``[[observers]]`` with a ``name``: telescopes, monitored servers) share: a name
that can be part of a file name and is the observer's key in summary.json's ``observers``."""

from __future__ import annotations

from pydantic import Field

from ..config.components import ComponentConfig

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class NamedObserverConfig(ComponentConfig):
    name: str = Field(pattern=NAME_PATTERN, description="the observer's name: its output files and its key in "
                      "summary.json's observers (letters, digits, '_', '.', '-'; at most 64)")
