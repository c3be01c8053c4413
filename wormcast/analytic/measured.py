"""Measured figures of real outbreaks that a preset's run can be shown against (beside its analytic twin).

Each is a value of one of the engine's time-series columns at an instant, with how it bounds the truth and
its source (the project's background notes, ../shared/docs/background.md §3, give the figures and tags).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal


@dataclass(frozen=True)
class Measurement:
    column: str  # a column of Result.to_df(), e.g. ever_infected
    at: datetime
    value: float
    relation: Literal["at_least", "about"]
    source: str


_CODERED_V2 = (
    Measurement("ever_infected", datetime(2001, 7, 20, 0, 0, tzinfo=timezone.utc), 359000, "at_least",
                "Moore, Shannon and Brown, 'Code-Red: a case study on the spread and victims of an Internet "
                "worm', IMW 2002: more than 359,000 hosts infected in under 14 hours on 19 Jul 2001"),
)

_BLASTER = (
    Measurement("ever_infected", datetime(2003, 8, 12, 8, 0, tzinfo=timezone.utc), 100000, "at_least",
                "Bailey, Cooke, Jahanian, Watson and Nazario, 'The Blaster worm: then and now', IEEE S&P 2005: "
                "at least 100,000 hosts infected (a floor for the whole outbreak, shown at the preset's end, "
                "which the preset is calibrated to exceed)"),
)

MEASURED: dict[str, tuple[Measurement, ...]] = {"codered-v2": _CODERED_V2, "blaster": _BLASTER}


def measured_for(scenario) -> tuple[Measurement, ...]:
    """The measurements of a preset (by the scenario's name) that fall inside its time window."""
    return tuple(m for m in MEASURED.get(scenario.name, ()) if scenario.start <= m.at <= scenario.end)
