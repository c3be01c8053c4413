"""Words and units for the figures of summary.json, and numbers as people read them.

Reports show ``time_to_half_infected_h`` as "time to half of the vulnerable hosts infected" with the value
"3.2 h", and ``4294967296`` as "4,294,967,296". :func:`figure_rows` turns a summary (or an organisation's
part of it) into (label, text) rows, leaving out what is constant or empty (a zero flood, no backdoors).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable


def count(v) -> str:
    """A whole number with thousands separators."""
    return f"{int(round(v)):,}"


def number(v, digits: int = 3) -> str:
    """A number with ``digits`` significant digits and thousands separators (1,234,567 or 0.0123)."""
    v = float(v)
    if v == 0:
        return "0"
    if abs(v) >= 10 ** digits:
        return f"{v:,.0f}"
    return f"{v:,.{digits}g}" if abs(v) >= 1e-4 else f"{v:.{digits}g}"


def share(v) -> str:
    return f"{100 * float(v):.1f}%"


def hours(v) -> str:
    return f"{float(v):,.1f} h"


def _text(v) -> str:
    return "" if v is None else str(v)


@dataclass(frozen=True)
class Figure:
    label: str
    fmt: Callable[[object], str]
    hide_zero: bool = False  # a zero means "none of this happened": leave the row out


FIGURES: dict[str, Figure] = {
    "scenario": Figure("scenario", _text),
    "seed": Figure("seed", _text),
    "start": Figure("start (UTC)", _text),
    "end": Figure("end (UTC)", _text),
    "worm": Figure("worm", _text),
    "signature": Figure("log signature", _text),
    "vulnerable": Figure("vulnerable hosts", count),
    "target_addresses": Figure("addresses the worm scans", count),
    "ever_infected": Figure("hosts ever infected", count),
    "ever_infected_fraction": Figure("share of the vulnerable hosts ever infected", share),
    "peak_infected": Figure("most hosts infected at once", count),
    "peak_infected_time": Figure("when most hosts were infected (UTC)", _text),
    "peak_new_infections_per_min": Figure("new infections in the fastest minute", count),
    "time_to_half_infected_h": Figure("time to half of the vulnerable hosts ever infected", hours),
    "infected_at_end": Figure("hosts infected at the end", count),
    "backdoored_at_end": Figure("backdoors open at the end", count, hide_zero=True),
    "patched_at_end": Figure("hosts patched by the end", count, hide_zero=True),
    "probes_total": Figure("worm probes sent", count),
    "probes_per_address": Figure("probes per scanned address", lambda v: number(v)),
    "flood_target": Figure("flood target", _text),
    "flood_packets_total": Figure("flood packets sent", count, hide_zero=True),
    "step_seconds": Figure("engine step", lambda v: f"{float(v):g} s"),
    "throttled_hosts": Figure("hosts with a throttled scan rate", count),
    "wall_seconds": Figure("simulation time on this computer", lambda v: f"{float(v):,.1f} s"),
    "version": Figure("wormcast version", _text),
    # an organisation's figures (summary["orgs"][name])
    "servers": Figure("front-end servers", count),
    "vulnerable_servers": Figure("vulnerable servers", count),
    "first_infection_time": Figure("first server infected (UTC)", lambda v: "never" if v is None else str(v)),
    "max_infected_servers": Figure("most servers infected at once", count),
    "max_backdoored_servers": Figure("most servers backdoored at once", count),
    "backdoors": Figure("backdoors opened", count),
    "backdoor_open_hours": Figure("backdoor server-hours (all servers)", hours),
    "backdoor_open_hours_max": Figure("longest a backdoor stayed open", hours),
    "users": Figure("users (sample)", count),
    "logins": Figure("logins", count),
}

# Keys that are not figures of their own (lists, the per-worm and per-organisation parts, shown elsewhere).
_SKIP = {"signatures", "worms", "orgs", "containment", "audit_comparison"}

_POLICY = {"round_robin": "round-robin DNS", "random": "random assignment", "sticky": "sticky assignment"}


def label(key: str) -> str:
    """The words for a summary key (the key itself, with spaces, when it has none)."""
    f = FIGURES.get(key)
    return f.label if f else key.replace("_", " ")


def value_text(key: str, v) -> str:
    if isinstance(v, dict):
        fmt = share if key.endswith("_fraction") else count
        return "; ".join(f"{_POLICY.get(k, k.replace('_', ' '))} {fmt(x)}" for k, x in v.items())
    f = FIGURES.get(key)
    if f is not None:
        return f.fmt(v)
    if isinstance(v, bool) or v is None:
        return _text(v)
    if isinstance(v, int):
        return count(v)
    if isinstance(v, float):
        return number(v)
    return str(v)


_DICT_LABELS = {
    "users_exposed_fraction": "users with a session on a compromised front-end",
    "users_exposed": "users exposed",
    "logins_compromised_fraction": "logins that reached a compromised front-end",
}


def figure_rows(summary: dict, skip: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(label, value) rows of the figures in ``summary``, in its order, without the constant and empty ones
    (None values, zeros of figures that count things that did not happen, keys in ``skip``)."""
    skip = set(skip) | _SKIP
    if not summary.get("flood_packets_total"):
        skip.add("flood_target")  # a target no flood reached during the run
    rows = []
    for k, v in summary.items():
        if k in skip or v is None or isinstance(v, list):
            continue
        f = FIGURES.get(k)
        if f is not None and f.hide_zero and not v:
            continue
        rows.append((_DICT_LABELS.get(k, label(k)), value_text(k, v)))
    return rows
