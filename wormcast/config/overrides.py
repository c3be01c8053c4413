"""``key.sub=value`` overrides of a scenario's data (values in TOML syntax)."""

from __future__ import annotations

import tomllib
from typing import Any

from ..errors import WormcastError


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


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Apply ``key.sub=value`` settings (values in TOML syntax; bare words are strings)."""
    for item in overrides:
        if "=" not in item:
            raise WormcastError(f"--set {item!r}: expected key=value")
        key, text = item.split("=", 1)
        parts = [p for p in key.strip().split(".") if p]
        if not parts:
            raise WormcastError(f"--set {item!r}: empty key")
        node = data
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise WormcastError(f"--set {key}: {'.'.join(parts[:i]) or key} is a list; "
                                        f"index it with 0..{len(node) - 1}")
                part = int(part)
            elif not isinstance(node, dict):
                raise WormcastError(f"--set {key}: {'.'.join(parts[:i])} is not a table")
            if last:
                node[part] = parse_value(text, f"--set {item}")
            else:
                child = node[part] if isinstance(node, list) else node.get(part)
                if child is None:
                    child = node[part] = {}
                node = child
    return data


