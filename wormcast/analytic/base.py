"""What every analytic model shares: named parameters with units, validation, and the curve it returns.

Units, everywhere in :mod:`wormcast.analytic`: a model's ``curve(times)`` takes times in **seconds** since
the outbreak's start (the engine's unit) and returns hosts (counts, not fractions); rates that people quote
per hour (patching, reboots, the logistic K) are parameters per hour, scan rates are probes per second, and
a model converts internally. A parameter's unit is in its field metadata, which the command line shows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Optional

import numpy as np

from ..util.timeutil import parse_duration

SPACE = 2 ** 32  # IPv4 addresses: the default target space


def param(default: Any, unit: str, help: str, kind: str = "float") -> Any:
    """A model parameter: ``kind`` is float, count (an integer), duration (parsed like "10s", "1h") or text
    (kept as written; the model parses it)."""
    return dataclasses.field(default=default, metadata={"unit": unit, "help": help, "kind": kind})


@dataclass(frozen=True)
class Curve:
    """A model's prediction at ``t_seconds``: hosts infected now, and hosts ever infected (None where the
    model does not define it), out of ``population`` vulnerable hosts."""

    model: str
    t_seconds: np.ndarray
    infected: np.ndarray
    ever_infected: Optional[np.ndarray]
    population: float

    @property
    def fraction(self) -> np.ndarray:
        return self.infected / self.population

    def to_df(self, start=None):
        """A table with columns time (seconds, or UTC instants when ``start`` is given), infected,
        ever_infected (NaN where undefined) and model."""
        import pandas as pd

        t = self.t_seconds
        time = pd.Timestamp(start) + pd.to_timedelta(t, unit="s") if start is not None else t
        ever = self.ever_infected if self.ever_infected is not None else np.full(t.shape, np.nan)
        return pd.DataFrame({"time": time, "infected": self.infected, "ever_infected": ever, "model": self.model})


def _check_times(times) -> np.ndarray:
    t = np.atleast_1d(np.asarray(times, dtype=float))
    if t.ndim != 1 or not np.all(np.isfinite(t)) or (t.size and t.min() < 0):
        raise ValueError("times must be finite seconds >= 0")
    return t


class AnalyticModel:
    """Base of the model dataclasses: ``name`` and ``summary`` line for the registry, parameter parsing for
    the command line, and the shared checks. Subclasses are frozen dataclasses made of :func:`param` fields."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    default_until: ClassVar[float] = 86400.0  # seconds the command line shows by default

    # -- construction from the command line
    @classmethod
    def parameters(cls) -> list[dataclasses.Field]:
        """The :func:`param` fields (a field without a unit, such as a model's world, is not a parameter)."""
        return [f for f in dataclasses.fields(cls) if "unit" in f.metadata]

    @classmethod
    def from_strings(cls, values: dict[str, str]) -> "AnalyticModel":
        """Build from ``name -> text`` (the command line's --set); ValueError names the bad parameter."""
        fields = {f.name: f for f in cls.parameters()}
        kwargs: dict[str, Any] = {}
        for key, text in values.items():
            if key not in fields:
                raise ValueError(f"no parameter {key!r} (it has {', '.join(fields)})")
            kind = fields[key].metadata.get("kind", "float")
            try:
                if kind == "text":
                    kwargs[key] = text
                elif kind == "duration":
                    kwargs[key] = parse_duration(text)
                elif kind == "count":
                    v = float(text)
                    if not v.is_integer():
                        raise ValueError
                    kwargs[key] = int(v)
                else:
                    kwargs[key] = float(text)
                    if not np.isfinite(kwargs[key]):
                        raise ValueError
            except ValueError as exc:
                what = {"duration": "a duration such as 10s or 2h",
                        "count": "a whole number"}.get(kind, "a finite number")
                detail = f" ({exc})" if kind == "duration" and str(exc) else ""
                raise ValueError(f"{key}={text!r} is not {what}{detail}") from None
        return cls(**kwargs)

    def params(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in self.parameters()}

    # -- shared checks, for __post_init__
    def _require(self, ok: bool, name: str, what: str) -> None:
        if not ok:
            raise ValueError(f"{name} = {getattr(self, name)!r}: {what}")

    def _check_common(self) -> None:
        """Checks for the fields most models share (those it has)."""
        names = {f.name for f in self.parameters()}
        for n in ("vulnerable", "addresses"):
            if n in names:
                self._require(getattr(self, n) > 0, n, "must be positive")
        if "scan_rate" in names:
            self._require(np.isfinite(self.scan_rate) and self.scan_rate > 0, "scan_rate", "must be positive")
        if "success" in names:
            self._require(0 < self.success <= 1, "success", "must be in (0, 1]")
        if "initial_infected" in names:
            self._require(0 < self.initial_infected <= self.vulnerable, "initial_infected",
                          "must be at least 1 and at most vulnerable")
        for n in ("patch_rate", "reboot_rate", "arrival_rate", "departure_rate"):
            if n in names:
                self._require(np.isfinite(getattr(self, n)) and getattr(self, n) >= 0, n, "must be 0 or more")

    def curve(self, times) -> Curve:  # pragma: no cover - every model defines it
        raise NotImplementedError

    def figures(self) -> dict[str, float]:
        """Derived figures worth printing (growth rate, equilibrium, ...); per model."""
        return {}

