"""Measured figures of real outbreaks that a preset's run can be shown against (beside its analytic twin).

Each is a value of one of the engine's time-series columns at an instant (``at``), or a bound on a column's
peak (``at`` None, relation ``peak_at_least``), with how it bounds the truth and its source (the project's background notes, ../shared/docs/background.md §3, give the figures and tags).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal


@dataclass(frozen=True)
class Measurement:
    column: str  # a column of Result.to_df(), e.g. ever_infected; new_infections_per_min: 1-minute bins
    at: datetime | None  # None: a bound on the column's peak, whenever it came
    value: float
    relation: Literal["at_least", "about", "peak_at_least"]
    source: str

    def describe(self) -> str:
        bound = {"at_least": "more than ", "peak_at_least": "more than ", "about": "about "}[self.relation]
        what = "new infections per minute at the peak" if self.column == "new_infections_per_min" else \
            self.column.replace("_", " ")
        when = f" by {self.at:%d %b %H:%M} UTC" if self.at is not None else ""
        return f"measured: {bound}{self.value:,.0f} {what}{when}"


_CODERED_V2 = (
    Measurement("ever_infected", datetime(2001, 7, 20, 0, 0, tzinfo=timezone.utc), 359000, "at_least",
                "Moore, Shannon and Brown, 'Code-Red: a case study on the spread and victims of an Internet "
                "worm', IMW 2002: more than 359,000 hosts infected in under 14 hours on 19 Jul 2001"),
    Measurement("new_infections_per_min", None, 2000, "peak_at_least",
                "Moore, Shannon and Brown, IMW 2002: at the peak, more than 2,000 new hosts infected each minute"),
)

_ANTONAKAKIS = "Antonakakis et al., 'Understanding the Mirai Botnet', USENIX Security 2017"
_MIRAI_BOOTSTRAP = Measurement(
    "infected", datetime(2016, 8, 1, 20, 0, tzinfo=timezone.utc), 65000, "about",
    _ANTONAKAKIS + ": nearly 65,000 devices in the first 20 hours (as restated by Wired)")


def _mirai_steady(day: int) -> Measurement:
    return Measurement("infected", datetime(2016, 8, day, 0, 0, tzinfo=timezone.utc), 250000, "about",
                       _ANTONAKAKIS + ": a steady state of 200,000-300,000 infected devices (the band's middle)")


_MIRAI = (_MIRAI_BOOTSTRAP, _mirai_steady(3))
_MIRAI_SCALE = (
    Measurement("infected", datetime(2016, 8, 1, 10, 0, tzinfo=timezone.utc), 600000, "about",
                _ANTONAKAKIS + ": a peak of about 600,000 infected devices (in Nov 2016; shown at this "
                "scenario's peak, the instant it is calibrated to)"),
    *(_mirai_steady(d) for d in (4, 6, 8)),
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


_BLASTER = (
    Measurement("ever_infected", datetime(2003, 8, 12, 8, 0, tzinfo=timezone.utc), 100000, "at_least",
                "Bailey, Cooke, Jahanian, Watson and Nazario, 'The Blaster worm: then and now', IEEE S&P 2005: "
                "at least 100,000 hosts infected (a floor for the whole outbreak, shown at the preset's end, "
                "which the preset is calibrated to exceed)"),
)

MEASURED: dict[str, tuple[Measurement, ...]] = {"codered-v2": _CODERED_V2, "mirai": _MIRAI,
                                                "mirai-scale": _MIRAI_SCALE, "blaster": _BLASTER,
                                                "slammer": _SLAMMER, "witty": _WITTY}


def measured_for(scenario) -> tuple[Measurement, ...]:
    """The measurements of a preset (by the scenario's name) that fall inside its time window."""
    return tuple(m for m in MEASURED.get(scenario.name, ())
                 if m.at is None or scenario.start <= m.at <= scenario.end)
