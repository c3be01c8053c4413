"""The self-contained HTML report of one run: summary in words, the figures, the numbers."""

from __future__ import annotations

from .htmlpage import esc, img_from_png, page, png_img, table
from .observers import observer_sections


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
            lines.append(f"      audit every {row['audit_interval_h']:g} h{_continuous(row['audit_interval_h'])}: "
                         f"backdoors open {_with_interval(row, 'backdoor_open_hours', '{:.1f}')} server-hours, at most "
                         f"{_with_interval(row, 'max_infected_servers', '{:.0f}')} servers infected"
                         + (f", users exposed (round-robin) "
                            f"{_with_interval(row, 'users_exposed_fraction.round_robin', '{:.1%}')}"
                            if (row.get("users_exposed_fraction") or {}).get("round_robin") is not None else "")
                         + ".")
    return "\n".join(lines)


def _with_interval(row: dict, figure: str, fmt: str) -> str:
    """A compared figure's median with its 5-95% interval across runs: ``12.0 [3.1-20.5]``."""
    from ..runs.ensemble.stats import flatten

    value = flatten(row).get(figure)
    if value is None:
        return "n/a"
    lo, hi = row.get("intervals", {}).get(figure, [None, None])
    return fmt.format(value) + (f" [{fmt.format(lo)}-{fmt.format(hi)}]" if lo is not None else "")


def _continuous(interval_h: float) -> str:
    return " (continuous monitoring)" if interval_h == 0 else ""


CONTINUOUS_NOTE = (
    "An audit every 0 h is continuous monitoring: each server is checked once, the moment it is compromised. "
    "A server missed then (1 - detection of them) is never looked at again, and a found one stays open for "
    "the clean-up delay; periodic audits look at every compromised server again at each audit, so they can end "
    "with fewer backdoor hours than continuous monitoring.")


def audit_comparison_section(org: dict) -> list[str]:
    """An organisation's audit intervals compared: medians over runs with common random numbers, 5-95% of
    runs in brackets, and what continuous monitoring (interval 0) means."""
    rows = org.get("audit_comparison") or []
    if not rows:
        return []
    policies = list((rows[0].get("users_exposed_fraction") or {}))
    note = (f"Medians of {rows[0]['runs']} runs per interval with common random numbers (the same seeds for "
            "every interval), 5-95% of runs in brackets."
            + (" Fewer than 20 runs: the brackets are rough." if rows[0]["rough"] else ""))
    if any(r["audit_interval_h"] == 0 for r in rows):
        note += " " + CONTINUOUS_NOTE
    return ["<h3>What the audit interval changes</h3>", f'<p class="muted">{esc(note)}</p>',
            table(["audit every (h)", "backdoor server-hours", "longest backdoor (h)", "max infected servers"]
                  + [f"users exposed ({p.replace('_', '-')})" for p in policies],
                  [(f"{r['audit_interval_h']:g}" + _continuous(r["audit_interval_h"]),
                    _with_interval(r, "backdoor_open_hours", "{:.1f}"),
                    _with_interval(r, "backdoor_open_hours_max", "{:.1f}"),
                    _with_interval(r, "max_infected_servers", "{:.0f}"),
                    *(_with_interval(r, f"users_exposed_fraction.{p}", "{:.1%}") for p in policies))
                   for r in rows])]


def summary_section(summary: dict) -> list[str]:
    """The summary's figures in words with units; constant and empty rows left out."""
    from .labels import figure_rows

    return ["<h2>Summary</h2>", table(["figure", "value"], figure_rows(summary))]


def org_table(org: dict) -> str:
    from .labels import figure_rows

    return table(["figure", "value"], figure_rows(org))


def map_section(map_png: bytes | None, interactive_href: str | None = None) -> list[str]:
    """The address map's small multiples (and a link to the page with its time slider)."""
    if map_png is None:
        return []
    link = (f' The <a href="{esc(interactive_href)}">interactive report</a> has every frame on a time slider.'
            if interactive_href else "")
    return ["<h2>Where the hosts are: the address space</h2>",
            '<p class="muted">The IPv4 space on a Hilbert curve (neighbouring addresses near each other, each '
            "square of the grid a /8), coloured by host state at several moments of the run; organisations' "
            f"blocks outlined.{link}</p>",
            img_from_png(map_png, "the address space at several times of the run")]


def overlay_note(twin, measured) -> str:
    """What the outbreak figure shows beside the simulation: the twin's model and each measured figure with
    its source, or that there is none."""
    model = twin["model"].iloc[0] if twin is not None else None
    parts = [f"Dashed black: the analytic twin ({model}) of the scenario's parameters."
             if twin is not None else "No analytic model twins this scenario (several worms, shared-sequence "
             "scanning, a worm lifetime with uniform scanning, organisations or defences: docs/models.md)."]
    if model == "localized":
        parts.append("It is a mean field on this run's world, with the first copies spread over the /16s as "
                     "their mean: a run from a few first copies leads or lags it by the time they take to "
                     "reach a dense /16.")
    if measured:
        parts += [f"Amber: {m.describe()} ({m.source})." for m in measured]
    else:
        parts.append("No measured figure of this outbreak is recorded (analytic/measured.py).")
    return " ".join(parts)


def render(summary: dict, df, scenario, outbreak_png: bytes | None = None, *, per_minute=None,
           worms_png: bytes | None = None, map_png: bytes | None = None, interactive_href: str | None = None,
           source: str | None = None, overlay: str = "") -> str:
    """The report page; ``outbreak_png`` reuses an already rendered outbreak figure. ``worms_png``: one panel
    per worm (several worms); ``map_png``: the address map; ``interactive_href``: the interactive page, linked;
    ``source``: the preset name or TOML path the scenario came from (its notes are shown); ``overlay``: what
    the figure shows beside the simulation (:func:`overlay_note`)."""
    from .htmlpage import png_bytes
    from .plots import flood_figure, outbreak_figure
    from .provenance import section as scenario_section

    if outbreak_png is None:
        outbreak_png = png_bytes(outbreak_figure(df, summary, per_minute=per_minute))
    link = (f'<p><a href="{esc(interactive_href)}">Interactive report</a>: hover, zoom and toggle the curves, '
            "and move through the address map in time (opens offline).</p>" if interactive_href else "")
    body = [f"<h1>wormcast: {esc(summary['scenario'])}</h1>",
            f"<p class=\"muted\">{esc(scenario.description)}</p>", link,
            "<h2>In words</h2>", f"<pre class=\"words\">{esc(words(summary))}</pre>",
            "<h2>Outbreak</h2>", img_from_png(outbreak_png, "hosts by state and new infections")]
    if overlay:
        body.append(f'<p class="muted">{esc(overlay)}</p>')
    if worms_png is not None:
        body += ["<h3>Each worm on its own</h3>", img_from_png(worms_png, "hosts running each worm")]
    body += map_section(map_png, interactive_href)
    if summary.get("flood_packets_total"):
        body.append(png_img(flood_figure(df, summary), "flood traffic"))
    for name, o in (summary.get("orgs") or {}).items():
        from .plots import org_figure

        body.append(f"<h2>Organisation {esc(name)}</h2>")
        body.append(png_img(org_figure(df, name, o), f"servers of {name}"))
        body.append(org_table(o))
        body += audit_comparison_section(o)
    body += observer_sections(summary)
    body += summary_section(summary)
    body.append("<h2>Scenario</h2>")
    body.append(scenario_section(scenario, source))
    body.append('<p class="muted">Made by wormcast, a simulator: no packet was sent to anyone.</p>')
    return page(f"wormcast: {summary['scenario']}", "\n".join(body))
