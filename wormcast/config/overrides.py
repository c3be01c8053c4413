"""``key.sub=value`` overrides of a scenario's data (values in TOML syntax)."""

from __future__ import annotations

import tomllib
from typing import Any

from ..errors import WormcastError, in_api


def parse_value(text: str, where: str = "value") -> Any:
    """A value as overrides (``--set``, ``--grid``, ``--points``) read it: TOML, else the bare text; but text
    that starts like a TOML array, table or quoted string must be one (``where`` names it in the error)."""
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError as exc:
        if text and text[0] in "[{\"'":
            reason = str(exc).split(" (at line", 1)[0]
            raise WormcastError(f"{where}: the value {text!r} is not valid TOML ({reason})") from None
        return text


class Override:
    """One ``key.sub=value`` setting: ``text`` as typed (``--set``, an API string) or a Python ``value`` (an API
    dict). :meth:`name` is how messages name it: ``--set key=value`` on the command line, ``overrides['key']``
    in the Python API."""

    _TEXT = object()

    def __init__(self, key: str, text: str | None = None, value: Any = _TEXT, item: str | None = None):
        self.key, self.text, self.value = key, text, value
        self.item = item if item is not None else key if text is None else f"{key}={text}"

    @property
    def parts(self) -> list[str]:
        return [p for p in self.key.strip().split(".") if p]

    def name(self) -> str:
        if in_api():
            return f"overrides[{'.'.join(self.parts)!r}]" if self.parts else f"overrides: {self.item!r}"
        return f"--set {self.item}"

    def parsed(self) -> Any:
        return parse_value(self.text, self.name()) if self.value is Override._TEXT else self.value


def as_overrides(overrides) -> list[Override]:
    """Overrides as the API and the CLI take them: ``key=value`` strings (a list, or one string: one setting),
    or a dict ``{"worm.scan_rate.mean": 10}`` of Python values."""
    if overrides is None:
        return []
    if isinstance(overrides, (str, Override)):
        overrides = [overrides]
    if isinstance(overrides, dict):
        out = []
        for key, value in overrides.items():
            if not isinstance(key, str):
                raise WormcastError(f"overrides: key {key!r} is not text (write keys like 'worm.scan_rate.mean')")
            out.append(Override(key, value=value, item=key))
        return out
    try:
        items = list(overrides)
    except TypeError:
        raise WormcastError(f"overrides: expected a dict or a list of 'key=value' strings, not "
                            f"{type(overrides).__name__}") from None
    out = []
    for item in items:
        if isinstance(item, Override):
            out.append(item)
            continue
        if not isinstance(item, str):
            raise WormcastError(f"overrides: {item!r} is not a 'key=value' string (or give a dict)")
        if "=" not in item:
            where = f"overrides: {item!r}" if in_api() else f"--set {item!r}"
            raise WormcastError(f"{where}: expected key=value")
        key, text = item.split("=", 1)
        out.append(Override(key, text, item=item))
    return out


def apply_overrides(data: dict, overrides) -> dict:
    """Apply ``key.sub=value`` settings (values in TOML syntax; bare words are strings; see :func:`as_overrides`
    for the forms taken)."""
    for ov in as_overrides(overrides):
        key, parts = ov.key, ov.parts
        if not parts:
            where = f"overrides: {ov.item!r}" if in_api() else f"--set {ov.item!r}"
            raise WormcastError(f"{where}: empty key")
        where = ov.name() if in_api() else f"--set {key}"
        node = data
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise WormcastError(f"{where}: {'.'.join(parts[:i]) or key} is a list; "
                                        f"index it with 0..{len(node) - 1}")
                part = int(part)
            elif not isinstance(node, dict):
                raise WormcastError(f"{where}: {'.'.join(parts[:i])} is not a table")
            if last:
                node[part] = ov.parsed()
            else:
                child = node[part] if isinstance(node, list) else node.get(part)
                if child is None:
                    child = node[part] = {}
                node = child
    return data
