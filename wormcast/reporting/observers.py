"""The named observers in a run's outputs: their files (telescope series and sources, server logs) and the
report's section on what each observer saw and when its detectors raised the alarm."""

from __future__ import annotations

from pathlib import Path

from .htmlpage import esc, table


def write_observer_files(result, directory: Path) -> list[str]:
    """Each observer's files into ``directory`` (a staged output directory); returns their names."""
    names = []
    for obs in result.observers.values():
        for name, write in obs.files.items():
            write(Path(directory) / name)
            names.append(name)
    return names


def _figure(v) -> str:
    if isinstance(v, dict) and "value" in v:
        if v["value"] is None:
            return "not identified"
        return f"{v['value']:,.4g} (90% interval {v['low']:,.4g} to {v['high']:,.4g})"
    if isinstance(v, float):
        return f"{v:,.4g}"
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    return "" if v is None else str(v)


def observer_words(name: str, o: dict) -> list[str]:
    """What one observer saw, in plain words."""
    if o.get("kind") == "telescope":
        lines = [f"Telescope {name} ({', '.join(o['blocks'])}): {o['packets_total']:,} packets "
                 f"({o['worm_packets_total']:,} from the worm), {o['unique_sources_total']:,} unique source "
                 f"addresses ({o['worm_sources_total']:,} of them infected hosts; {o['unique_hosts_total']:,} "
                 "distinct sources in all)."]
        inf, rate = o["estimated_infected"], o["estimated_scan_rate"]
        if inf["value"] is not None:
            lines.append(f"  Over the last {o['estimate_window_h']:g} h it estimates {_figure(inf)} infected hosts "
                         f"(truth: {o['true_infected']:,.0f} scanning on average) and a scan rate of "
                         f"{_figure(rate)} probes/s (scenario mean {o['true_scan_rate']:g}).")
        for a in o["alarms"]:
            lines.append(f"  Alarm: {a['detector']} at {a['time']}, with {100 * a['infected_fraction']:.2f}% of the "
                         "vulnerable hosts infected.")
        if not o["alarms"]:
            lines.append("  No detector raised an alarm.")
        return lines
    first = o.get("first_probe_time") or "never"
    codes = ", ".join(f"{k}: {v:,}" for k, v in o.get("statuses", {}).items()) or "none"
    return [f"Server {name} ({o['front_ends']:,} address(es), {o['format']} log): {o['worm_requests']:,} worm "
            f"requests from {o['unique_sources_total']:,} sources, the first at {first}; responses {codes}; "
            f"{o['background_requests']:,} ordinary requests."]


def observer_sections(summary: dict) -> list[str]:
    """HTML blocks of the report: one per observer (empty without observers). Every string from the run is
    escaped."""
    observers = summary.get("observers") or {}
    if not observers:
        return []
    body = ["<h2>Observers: what each saw, and when</h2>"]
    for name, o in observers.items():
        body.append(f"<h3>{esc(o.get('kind', 'observer'))} {esc(name)}</h3>")
        body.append(f"<pre>{esc(chr(10).join(observer_words(name, o)))}</pre>")
        rows = [(k, _figure(v)) for k, v in o.items() if k not in ("alarms", "statuses", "kind")]
        body.append(table(["figure", "value"], rows))
        if o.get("alarms"):
            body.append(table(["detector", "alarm time", "infected at the alarm"],
                              [(a["detector"], a["time"], f"{100 * a['infected_fraction']:.3f}%") for a in o["alarms"]]))
    return body
