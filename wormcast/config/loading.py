"""Loading scenarios: a preset name or a TOML path, with overrides, validated into a :class:`Scenario`."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from ..errors import WormcastError
from .overrides import apply_overrides
from .schema import Scenario

# ---------------------------------------------------------------- loading


def preset_names() -> list[str]:
    files = resources.files("wormcast.config.presets")
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".toml"))


def _read_toml(text: str, origin: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WormcastError(f"{origin}: malformed TOML ({exc})") from None


def _format_validation(exc: ValidationError, origin: str, single_worm: bool = False) -> str:
    err = exc.errors()[0]
    parts = list(err["loc"])
    if single_worm and parts[:2] == ["worm", 0]:  # the file wrote one [worm] table: say worm.x, not worm.0.x
        parts = ["worm"] + parts[2:]
    loc = ".".join(str(p) for p in parts) or "scenario"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
    return f"{origin}: {loc}: {msg}{more}"


def load_raw(name_or_path: str) -> tuple[dict, str, str]:
    """(data, origin for messages, base dir) for a preset name or a TOML path."""
    path = Path(name_or_path)
    if name_or_path in preset_names():
        text = resources.files("wormcast.config.presets").joinpath(f"{name_or_path}.toml").read_text("utf-8")
        return _read_toml(text, f"preset {name_or_path}"), f"preset {name_or_path}", str(Path.cwd())
    if path.suffix == ".toml" or path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise WormcastError(f"{path}: no such scenario file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise WormcastError(f"{path}: cannot read scenario ({exc})") from None
        return _read_toml(text, str(path)), str(path), str(path.resolve().parent)
    raise WormcastError(
        f"unknown scenario {name_or_path!r}: not a preset ({', '.join(preset_names())}) nor a .toml file"
    )


def from_dict(data: dict, origin: str = "scenario", base_dir: str | None = None) -> Scenario:
    try:
        scenario = Scenario.model_validate({**data, "base_dir": base_dir})
    except ValidationError as exc:
        raise WormcastError(_format_validation(exc, origin, isinstance(data.get("worm"), dict))) from None
    return scenario


def load_scenario(name_or_path: str, overrides: list[str] | None = None) -> Scenario:
    """A preset name or TOML path, with optional ``key=value`` overrides, validated."""
    data, origin, base = load_raw(name_or_path)
    if overrides:
        data = apply_overrides(data, overrides)
    return from_dict(data, origin, base)
