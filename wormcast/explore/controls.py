"""The explorer's controls: each a scenario setting (an override path) with its bounds, read from a preset.

A control is offered only where the preset has the setting (a patch campaign, an organisation with
audits and users); its default is the preset's own value. Values from the page are checked here against
the control's bounds before any override is made, so a hostile or careless request cannot ask for a
run outside what the page offers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..config.loading import load_raw
from ..errors import WormcastError

AUDIT_INTERVALS = ("0s", "6h", "24h", "72h", "7d")  # 0s: continuous monitoring
SCANNING = {
    "uniform": [],
    "localized": ["local_preference=[{prefix = 0, probability = 0.125}, {prefix = 8, probability = 0.5}, "
                  "{prefix = 16, probability = 0.375}]"],  # Code Red II's (background.md section 2)
}


@dataclass(frozen=True)
class Control:
    """One input of the page. ``kind``: "number" (min..max, step) or "choice" (one of ``choices``)."""

    key: str  # override path, e.g. worm.0.scan_rate.mean
    label: str
    kind: str
    default: object
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = field(default_factory=tuple)
    unit: str = ""

    def overrides(self, value) -> list[str]:
        """The ``key=value`` overrides for a value from the page, checked against the bounds."""
        if self.kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise WormcastError(f"{self.label}: expected a number, got {value!r}")
            if not (self.min <= value <= self.max):  # NaN fails too
                raise WormcastError(f"{self.label}: {value!r} is outside {self.min:g}..{self.max:g}")
            value = int(value) if self.step is not None and float(self.step).is_integer() else float(value)
            return [f"{self.key}={value!r}"]
        if value not in self.choices:
            raise WormcastError(f"{self.label}: {value!r} is not one of {', '.join(self.choices)}")
        if self.key.endswith(".scanning"):
            base = self.key.rsplit(".", 1)[0]
            return [f'{self.key}="{value}"'] + [f"{base}.{o}" for o in SCANNING[value]]
        if self.key.endswith(".policies"):
            return [f'{self.key}=["{value}"]']
        return [f'{self.key}="{value}"']

    def to_json(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


def _worms(data: dict) -> list[tuple[str, dict]]:
    worm = data.get("worm")
    if isinstance(worm, list):
        return [(f"worm.{i}", w) for i, w in enumerate(worm)]
    return [("worm", worm)] if isinstance(worm, dict) else []


def controls_for(preset: str) -> list[Control]:
    """The controls a preset offers, with its own values as defaults."""
    data, _, _ = load_raw(preset)
    out: list[Control] = []
    worms = _worms(data)
    for key, w in worms:
        rate = w.get("scan_rate")
        mean = rate.get("mean") if isinstance(rate, dict) else rate
        if isinstance(mean, (int, float)) and mean > 0:
            name = f" ({w.get('name', key)})" if len(worms) > 1 else ""
            out.append(Control(f"{key}.scan_rate.mean", "scan rate" + name, "number", float(mean),
                               round(mean / 10, 3), round(mean * 10, 3), None, unit="probes/s per host"))
    vulnerable = data.get("population", {}).get("vulnerable")
    if isinstance(vulnerable, int):
        out.append(Control("population.vulnerable", "vulnerable hosts", "number", vulnerable,
                           max(100, vulnerable // 10), max(vulnerable, min(4_000_000, vulnerable * 4)), 1,
                           unit="hosts"))
    patch = data.get("hosts", {}).get("patch")
    if isinstance(patch, list) and patch:
        r = float(patch[0].get("rate_per_hour", 0.0))
        out.append(Control("hosts.patch.0.rate_per_hour", "patch rate", "number", r, 0.0,
                           max(0.05, 10 * r), None, unit="per host per hour"))
    scanning = worms[0][1].get("scanning") if len(worms) == 1 else None
    if isinstance(scanning, str) and scanning in SCANNING:
        out.append(Control(f"{worms[0][0]}.scanning", "scanning strategy", "choice", worms[0][1]["scanning"],
                           choices=tuple(SCANNING)))
    for i, org in enumerate(data.get("orgs", []) or []):
        name = org.get("name", f"organisation {i}")
        audit = org.get("audit")
        if isinstance(audit, dict) and "interval" in audit:
            now = str(audit["interval"])
            choices = AUDIT_INTERVALS if now in AUDIT_INTERVALS else (now, *AUDIT_INTERVALS)
            out.append(Control(f"orgs.{i}.audit.interval", f"{name}: audit interval", "choice", now,
                               choices=choices))
        users = org.get("users")
        if isinstance(users, dict):
            pol = users.get("policies") or ["round_robin", "random", "sticky"]
            out.append(Control(f"orgs.{i}.users.policies", f"{name}: login policy", "choice", pol[0],
                               choices=tuple(pol)))
    return out


def overrides_for(controls: list[Control], values: dict) -> list[str]:
    """Overrides for the page's values (unknown keys refused; missing ones keep the preset's value)."""
    by_key = {c.key: c for c in controls}
    unknown = sorted(set(values) - set(by_key))
    if unknown:
        raise WormcastError(f"unknown control {unknown[0]!r} (this preset has {', '.join(by_key) or 'none'})")
    out: list[str] = []
    for key, value in values.items():
        out += by_key[key].overrides(value)
    return out


__all__ = ["Control", "controls_for", "overrides_for"]
