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

_SLAMMER = (
    Measurement("ever_infected", datetime(2003, 1, 25, 5, 44, tzinfo=timezone.utc), 75000, "at_least",
                "Moore, Paxson, Savage, Shannon, Staniford and Weaver, 'Inside the Slammer Worm', IEEE S&P 1(4) "
                "2003: at least 75,000 hosts infected, 90% of the vulnerable ones within 10 minutes"),
)
_WITTY = (
    Measurement("ever_infected", datetime(2004, 3, 20, 6, 0, tzinfo=timezone.utc), 12000, "about",
                "Shannon and Moore, 'The Spread of the Witty Worm', IEEE S&P 2(4) 2004, and Kumar, Paxson and "
                "Weaver, IMC 2005: about 12,000 hosts infected within 75 minutes"),
)

MEASURED: dict[str, tuple[Measurement, ...]] = {"codered-v2": _CODERED_V2, "slammer": _SLAMMER, "witty": _WITTY}


def measured_for(scenario) -> tuple[Measurement, ...]:
    """The measurements of a preset (by the scenario's name) that fall inside its time window."""
    return tuple(m for m in MEASURED.get(scenario.name, ()) if scenario.start <= m.at <= scenario.end)
