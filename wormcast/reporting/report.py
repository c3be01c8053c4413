"""The self-contained HTML report of one run: summary in words, the figures, the numbers."""

from __future__ import annotations

from .htmlpage import esc, img_from_png, page, png_img, table


def words(summary: dict) -> str:
    """A short plain-words summary (also printed by the CLI)."""
    s = summary
    lines = [
        f"{s['worm']} ({s['scenario']}, seed {s['seed']}), {s['start']} to {s['end']}:",
        f"  {s['ever_infected']:,} of {s['vulnerable']:,} vulnerable hosts were infected "
        f"({100 * s['ever_infected_fraction']:.1f}%); {s['infected_at_end']:,} still infected at the end.",
    ]
    if s["time_to_half_infected_h"] is not None:
        lines.append(f"  Half of them were infected {s['time_to_half_infected_h']:.1f} h after the start; "
                     f"the fastest minute saw {s['peak_new_infections_per_min']:,.0f} new infections.")
    else:
        lines.append("  Fewer than half of the vulnerable hosts were ever infected.")
    lines.append(f"  Worm probes sent: {s['probes_total']:.3g} ({s['probes_per_address']:.1f} per address "
                 f"of the {s['target_addresses']:,} it scans).")
    c = s.get("containment")
    if c:
        extra = f", {c['blacklisted_hosts']:,} addresses blacklisted" if c["strategy"] == "blacklist" else ""
        lines.append(f"  Containment ({c['strategy']}, acting after {c['reaction_time_h']:.3g} h): {c['covered_hosts']:,} "
                     f"vulnerable hosts behind filters, {c['covered_infected']:,} of them infected{extra}.")
    if s.get("throttled_hosts") is not None:
        lines.append(f"  Throttled hosts (capped scan rate): {s['throttled_hosts']:,}.")
    if s.get("backdoored_at_end"):
        lines.append(f"  Backdoors left open: {s['backdoored_at_end']:,}.")
    if s.get("flood_packets_total"):
        lines.append(f"  Flood packets aimed at {s['flood_target']}: {s['flood_packets_total']:.3g}.")
    for name, o in (s.get("orgs") or {}).items():
        first = o["first_infection_time"] or "never"
        lines.append(f"  {name}: {o['servers']:,} servers ({o['vulnerable_servers']:,} vulnerable); first infected: "
                     f"{first}; at most {o['max_infected_servers']:,} infected and {o['max_backdoored_servers']:,} "
                     f"backdoored at once; backdoors open {o['backdoor_open_hours']:.1f} server-hours in all "
                     f"(longest {o['backdoor_open_hours_max']:.1f} h).")
        if "users_exposed_fraction" in o:
            parts = ", ".join(f"{p.replace('_', '-')} {100 * v:.1f}%" for p, v in o["users_exposed_fraction"].items())
            lines.append(f"    Users with a session on a compromised front-end ({o['users']:,} users): {parts}.")
        rows = o.get("audit_comparison", [])
        if rows:
            lines.append(f"    What the audit interval changes: medians of {rows[0]['runs']} runs per interval, with "
                         "the same seeds for every interval (5-95% of runs in brackets"
                         + ("; fewer than 20 runs, so the brackets are rough" if rows[0]["rough"] else "") + "):")
        for row in rows:
            lines.append(f"      audit every {row['audit_interval_h']:g} h: backdoors open "
                         f"{_with_interval(row, 'backdoor_open_hours', '{:.1f}')} server-hours, at most "
                         f"{_with_interval(row, 'max_infected_servers', '{:.0f}')} servers infected"
                         + (f", users exposed (round-robin) "
                            f"{_with_interval(row, 'users_exposed_fraction.round_robin', '{:.1%}')}"
                            if (row.get("users_exposed_fraction") or {}).get("round_robin") is not None else "")
                         + ".")
    return "\n".join(lines)


def _with_interval(row: dict, figure: str, fmt: str) -> str:
    """A compared figure's median with its 5-95% interval across runs: ``12.0 [3.1-20.5]``."""
    value = row
    for part in figure.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return "n/a"
    lo, hi = row.get("intervals", {}).get(figure, [None, None])
    return fmt.format(value) + (f" [{fmt.format(lo)}-{fmt.format(hi)}]" if lo is not None else "")


def render(summary: dict, df, scenario, outbreak_png: bytes | None = None) -> str:
    """The report page; ``outbreak_png`` reuses an already rendered outbreak figure."""
    from .htmlpage import png_bytes
    from .plots import flood_figure, outbreak_figure

    if outbreak_png is None:
        outbreak_png = png_bytes(outbreak_figure(df, summary))
    body = [f"<h1>wormcast: {esc(summary['scenario'])}</h1>",
            f"<p class=\"muted\">{esc(scenario.description)}</p>",
            "<h2>In words</h2>", f"<pre>{esc(words(summary))}</pre>",
            "<h2>Outbreak</h2>", img_from_png(outbreak_png, "hosts by state and new infections")]
    if summary.get("flood_packets_total"):
        body.append(png_img(flood_figure(df, summary), "flood traffic"))
    for name, o in (summary.get("orgs") or {}).items():
        from .plots import org_figure

        body.append(f"<h2>Organisation {esc(name)}</h2>")
        body.append(png_img(org_figure(df, name, o), f"servers of {name}"))
        rows = []
        for k, v in o.items():
            if k == "audit_comparison":
                continue
            if isinstance(v, dict):
                v = ", ".join(f"{p}: {round(x, 4) if isinstance(x, float) else x}" for p, x in v.items())
            rows.append((k, round(v, 4) if isinstance(v, float) else v))
        body.append(table(["figure", "value"], rows))
        if o.get("audit_comparison"):
            rows = o["audit_comparison"]
            body.append("<h3>What the audit interval changes</h3>")
            body.append(f'<p class="muted">Medians of {rows[0]["runs"]} runs per interval with common random '
                        "numbers (the same seeds for every interval), 5-95% of runs in brackets."
                        + (" Fewer than 20 runs: the brackets are rough." if rows[0]["rough"] else "") + "</p>")
            policies = list((rows[0].get("users_exposed_fraction") or {}))
            body.append(table(
                ["audit every (h)", "backdoor server-hours", "longest backdoor (h)", "max infected servers"]
                + [f"users exposed ({p.replace('_', '-')})" for p in policies],
                [(f"{r['audit_interval_h']:g}", _with_interval(r, "backdoor_open_hours", "{:.1f}"),
                  _with_interval(r, "backdoor_open_hours_max", "{:.1f}"),
                  _with_interval(r, "max_infected_servers", "{:.0f}"),
                  *(_with_interval(r, f"users_exposed_fraction.{p}", "{:.1%}") for p in policies))
                 for r in rows]))
    body.append("<h2>Summary</h2>")
    body.append(table(["figure", "value"], [(k, round(v, 4) if isinstance(v, float) else v)
                                            for k, v in summary.items() if not isinstance(v, dict)]))
    body.append("<h2>Scenario</h2>")
    body.append(f"<pre>{esc(scenario.model_dump_json(indent=2, by_alias=True, exclude={'base_dir'}))}</pre>")
    body.append('<p class="muted">Made by wormcast, a simulator: no packet was sent to anyone.</p>')
    return page(f"wormcast: {summary['scenario']}", "\n".join(body))
