"""What-if reruns of organisations' audits: ``audit.compare = ["0s", "6h", "72h"]`` reruns the scenario
with each of those audit intervals, ``audit.compare_runs`` seeds each with common random numbers
(runs/compare.py), and reports each organisation's backdoor hours and users' exposure as medians with
5-95% intervals across runs: one seed is never presented as the answer.
"""

from __future__ import annotations

FIGURES = ("backdoor_open_hours", "backdoor_open_hours_max", "max_infected_servers")


def audit_comparison(scenario, seed: int, workers: int | None = None, progress: bool = False) -> dict[str, list[dict]]:
    """{org name: [one row per compared interval]} for the organisations whose audit asks for it. Each row:
    ``audit_interval_h``, the median of each figure (``backdoor_open_hours``, ...,
    ``users_exposed_fraction`` per policy), ``intervals`` {figure: [low, high]}, ``runs``, ``rough``."""
    from ..util.timeutil import duration_text
    from .compare import compare

    out: dict[str, list[dict]] = {}
    for i, org in enumerate(scenario.orgs):
        if org.audit is None or not org.audit.compare:
            continue
        values = [f'"{duration_text(v)}"' for v in org.audit.compare]  # exact, with a unit
        cmp = compare(scenario, f"orgs.{i}.audit.interval", values, runs=org.audit.compare_runs, seed=seed,
                      workers=workers, extra=[f"orgs.{i}.audit.compare=[]"], progress=progress)
        base = f"orgs.{org.name}."
        policies = list(org.users.policies) if org.users is not None else []
        rows = []
        for j, interval in enumerate(org.audit.compare):
            row: dict = {"audit_interval_h": interval / 3600.0, "runs": len(cmp.seeds), "rough": cmp.rough,
                         "intervals": {}}
            for f in FIGURES:
                iv = cmp.interval(base + f, j)
                row[f] = iv.median
                row["intervals"][f] = [iv.low, iv.high]
            if policies:
                row["users_exposed_fraction"] = {}
                for p in policies:
                    iv = cmp.interval(f"{base}users_exposed_fraction.{p}", j)
                    row["users_exposed_fraction"][p] = iv.median
                    row["intervals"][f"users_exposed_fraction.{p}"] = [iv.low, iv.high]
            else:
                row["users_exposed_fraction"] = None
            rows.append(row)
        out[org.name] = rows
    return out
