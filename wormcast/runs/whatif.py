"""What-if reruns: the same scenario and seed with one setting changed, to show what that setting is worth.

Used for organisations' audits: ``audit.compare = ["0s", "6h", "72h"]`` reruns the scenario with each of
those audit intervals (same seed, so the same outbreak outside until the audits make a difference) and
reports each organisation's backdoor hours and users' exposure side by side.
"""

from __future__ import annotations


def audit_comparison(scenario, seed: int) -> dict[str, list[dict]]:
    """{org name: [one row per compared interval]} for the organisations whose audit asks for it."""
    from ..api import resolve
    from ..core.loop import Simulation
    from ..util.timeutil import duration_text

    out: dict[str, list[dict]] = {}
    for i, org in enumerate(scenario.orgs):
        if org.audit is None or not org.audit.compare:
            continue
        rows = []
        for interval in org.audit.compare:
            alt = resolve(scenario, [f"orgs.{i}.audit.interval={duration_text(interval)}",
                                     f"orgs.{i}.audit.compare=[]"])
            o = Simulation(alt, seed).run().summary["orgs"][org.name]
            rows.append({
                "audit_interval_h": interval / 3600.0,
                "backdoor_open_hours": o["backdoor_open_hours"],
                "backdoor_open_hours_max": o["backdoor_open_hours_max"],
                "max_infected_servers": o["max_infected_servers"],
                "users_exposed_fraction": o.get("users_exposed_fraction"),
            })
        out[org.name] = rows
    return out
