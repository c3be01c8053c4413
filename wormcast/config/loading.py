"""Loading scenarios: a preset name or a TOML path, with overrides, validated into a :class:`Scenario`."""

from __future__ import annotations

import errno
import os
import tomllib
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from ..errors import WormcastError, in_api
from ..util.files import NotRegular, read_regular_text

MAX_SCENARIO_BYTES = 10 << 20
from .overrides import Override, apply_overrides, as_overrides
from .schema import Scenario

# ---------------------------------------------------------------- loading


def preset_names() -> list[str]:
    files = resources.files("wormcast.config.presets")
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".toml"))


def preset_text(name: str) -> str:
    """The shipped TOML of a preset, comments and all."""
    if name not in preset_names():
        raise WormcastError(f"unknown preset {name!r} (presets: {', '.join(preset_names())})")
    return resources.files("wormcast.config.presets").joinpath(f"{name}.toml").read_text("utf-8")


def _read_toml(text: str, origin: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WormcastError(f"{origin}: malformed TOML ({exc})") from None
    except RecursionError:
        raise WormcastError(f"{origin}: arrays or tables nested too deeply to be a scenario") from None


def _format_validation(exc: ValidationError, origin: str, single_worm: bool = False,
                       overrides: list[str] | None = None) -> str:
    err = exc.errors()[0]
    parts = list(err["loc"])
    if single_worm and parts[:2] == ["worm", 0]:  # the file wrote one [worm] table: say worm.x, not worm.0.x
        parts = ["worm"] + parts[2:]
    loc = ".".join(str(p) for p in parts) or "scenario"
    setting = _override_for(loc, as_overrides(overrides))
    if setting is not None:  # the bad value came from an override: name it (--set, or overrides[...]), not the file
        origin = setting.name()
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
    if setting is not None and in_api() and loc == ".".join(setting.parts):  # overrides['k'] names the key
        return f"{origin}: {msg}{more}"
    return f"{origin}: {loc}: {msg}{more}"


def _override_for(loc: str, overrides: list[Override]) -> Override | None:
    """The last override whose key is the failing location or a table holding it."""
    for ov in reversed(overrides):
        key = ".".join(ov.parts)
        if key and (loc == key or loc.startswith(key + ".") or key.startswith(loc + ".")):
            return ov
    return None


def load_raw(name_or_path: str) -> tuple[dict, str, str]:
    """(data, origin for messages, base dir) for a preset name or a TOML path."""
    path = Path(name_or_path)
    if name_or_path in preset_names():
        text = preset_text(name_or_path)
        return _read_toml(text, f"preset {name_or_path}"), f"preset {name_or_path}", str(Path.cwd())
    if path.suffix == ".toml" or path.exists() or path.is_symlink():
        try:
            text = read_regular_text(path, MAX_SCENARIO_BYTES)  # a UTF-8 byte-order mark, if any, is skipped
        except FileNotFoundError:
            if path.is_symlink():
                raise WormcastError(f"{path}: a symbolic link to {os.readlink(path)!r}, which does not exist") \
                    from None
            raise WormcastError(f"{path}: no such scenario file") from None
        except NotRegular as exc:
            raise WormcastError(f"{path}: {exc}") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise WormcastError(f"{path}: a loop of symbolic links, which never reaches a file") from None
            raise WormcastError(f"{path}: cannot read scenario ({exc.strerror or exc})") from None
        except UnicodeDecodeError as exc:
            raise WormcastError(f"{path}: cannot read scenario (not UTF-8 text: {exc.reason} at byte "
                                f"{exc.start})") from None
        return _read_toml(text, str(path)), str(path), str(path.resolve().parent)
    raise WormcastError(
        f"unknown scenario {name_or_path!r}: not a preset ({', '.join(preset_names())}) nor a .toml file"
    )


def from_dict(data: dict, origin: str = "scenario", base_dir: str | None = None,
              overrides=None) -> Scenario:
    """Validate; a message about a value that an override set names that ``--set`` instead of ``origin``."""
    try:
        scenario = Scenario.model_validate({**data, "base_dir": base_dir})
    except ValidationError as exc:
        raise WormcastError(_format_validation(exc, origin, isinstance(data.get("worm"), dict), overrides)) \
            from None
    return scenario


def loads_scenario(text: str, origin: str = "scenario TOML", base_dir: str | None = None) -> Scenario:
    """A scenario from TOML text, validated (messages start with ``origin``)."""
    return from_dict(_read_toml(text, origin), origin, base_dir)


def load_scenario(name_or_path: str, overrides=None) -> Scenario:
    """A preset name or TOML path, with optional overrides (``key=value`` strings or a dict), validated."""
    data, origin, base = load_raw(name_or_path)
    overrides = as_overrides(overrides)
    if overrides:
        data = apply_overrides(data, overrides)
    return from_dict(data, origin, base, overrides)
