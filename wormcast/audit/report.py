"""Turn an audit into its outputs: audit.json, sources.csv, report.html and a terminal summary.

Every string that came from a log is attacker-controlled: HTML goes through htmlpage's escaping
(and a CSP that forbids scripts), CSV cells that a spreadsheet would run as formulas are
neutralised, and the terminal summary shows control characters as escapes.
"""

from __future__ import annotations

import csv
import json
import re
import time
from pathlib import Path

import numpy as np

from ..reporting import htmlpage as H
from ..util.timeutil import iso_epoch

SOURCE_COLUMNS = ["address", "first_seen", "last_seen", "requests", "signature", "signatures",
                  "complete_scans", "partial_scans"]
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029" + H.BIDI_CLASS + "]")
MAX_JSON_SOURCES = 1000  # sources listed in audit.json (all kept ones are in sources.csv)


def build_json(audit, tl=None, fits=None, compare=None) -> dict:
    """The audit.json document."""
    det = audit.detector
    files = []
    for f in audit.files:
        files.append({
            "path": f.path, "format": f.format, "compression": f.compression, "mode": f.mode,
            "lines": f.lines, "blank_lines": f.blank_lines, "malformed_lines": f.malformed_lines,
            "first_time": iso_epoch(f.first_time), "last_time": iso_epoch(f.last_time),
            "malformed_examples": f.malformed_examples, "error": f.error,
        })
    doc = {
        "files": files,
        "signatures": det.signatures(),
        "fingerprint_mismatches": det.fingerprint_mismatches,
        "sources": det.source_rows(MAX_JSON_SOURCES),
        "sources_total": len(det.sources),
        "sources_complete": not det.untracked_sources,
        "compromise": det.evidence,
        "compromise_total": det.evidence_total,
        "rules": [{"name": r.name, "title": r.title, "origin": r.origin, "references": list(r.references)}
                  for r in audit.rules.rules],
        "partial": audit.partial,
    }
    if tl is not None:
        doc["timeline"] = {
            "bin_seconds": det.bin_seconds,
            "bin_seconds_requested": det.bins.requested,
            "rows": [{"bin_start": iso_epoch(t), "signature": sig, "probes": p, "new_sources": n}
                     for t, sig, p, n in tl.rows()],
        }
    if fits is not None:
        doc["fits"] = [{k: v for k, v in f.items() if not k.startswith("_")} for f in fits]
    if compare is not None:
        doc["compare"] = compare
    return doc


def _csv_cell(v):
    if isinstance(v, str) and v[:1] in ("=", "+", "@", "\t", "\r") or (isinstance(v, str) and len(v) > 1 and v[0] == "-"):
        return "'" + v
    return v


def write_sources_csv(rows, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=SOURCE_COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: _csv_cell(r[k]) for k in SOURCE_COLUMNS})


def write_outputs(doc: dict, stage: Path, tl=None, fits=None, detector=None) -> None:
    """Write audit.json, sources.csv and report.html into ``stage``. With ``detector``, sources.csv
    lists every source it kept (streamed), and its source table is then freed before the report is
    drawn (bounded memory: the two are not held at once); else the document's list is written."""
    (stage / "audit.json").write_text(json.dumps(doc, indent=1, allow_nan=False, default=_json_default) + "\n",
                                      encoding="utf-8")
    if detector is None:
        write_sources_csv(doc["sources"], stage / "sources.csv")
    else:
        write_sources_csv(detector.iter_source_rows(), stage / "sources.csv")
        detector.drop_sources()
    (stage / "report.html").write_text(render_html(doc, tl, fits), encoding="utf-8")


def _json_default(o):
    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def clean_json(obj):
    """NaN and infinities become null, so the JSON stays standard."""
    if isinstance(obj, float):
        return obj if obj == obj and abs(obj) != float("inf") else None
    if isinstance(obj, dict):
        return {k: clean_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_json(v) for v in obj]
    return obj


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 request", "2 requests" (``many``: an irregular plural, "1 address", "2 addresses")."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def printable(s: object) -> str:
    """A log string made safe for a terminal: control characters shown as escapes."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(s))


def summary_text(doc: dict, out_dir: str | None) -> str:
    """Plain words for the terminal."""
    files = doc["files"]
    lines = [f"Audited {len(files)} file{'s' * (len(files) != 1)}: "
             f"{sum(f['lines'] for f in files)} lines, {sum(f['malformed_lines'] for f in files)} malformed."]
    for f in files:
        span = f"{f['first_time']} to {f['last_time']}" if f["first_time"] else "no dated lines"
        lines.append(f"  {printable(f['path'])}: {f['format']}, {f['lines']} lines, "
                     f"{f['malformed_lines']} malformed, {span}")
        for ex in f["malformed_examples"][:3]:
            lines.append(f"    line {ex['line']}: {ex['reason']}: {printable(ex['text'][:80])}")
        if f["error"]:
            lines.append(f"    DAMAGED: {printable(f['error'])}")
    hits = [(n, s) for n, s in doc["signatures"].items() if s["requests"]]
    if hits:
        lines.append("Worm and exploit traffic:")
        for n, s in sorted(hits, key=lambda kv: -kv[1]["requests"]):
            extra = (f"; {s['complete_scans']} complete and {s['partial_scans']} partial scans"
                     if "complete_scans" in s else "")
            lines.append(f"  {n}: {plural(s['requests'], 'request')} from {plural(s['sources'], 'source')}, "
                         f"{s['first_seen']} to {s['last_seen']}{extra}")
    else:
        lines.append("No request matched a worm signature.")
    miss = doc.get("fingerprint_mismatches", 0)
    if miss:
        per = ", ".join(f"{n} {s['fingerprint_mismatches']}" for n, s in doc["signatures"].items()
                        if s.get("fingerprint_mismatches"))
        lines.append(f"{plural(miss, 'request')} matched a worm's path but not its whole fingerprint (method, version, "
                     f"exact request, sequence), counted as generic probes, not the worm: {per}")
    for n, s in doc["signatures"].items():
        if s.get("pattern_timeouts"):
            lines.append(f"Rule {n}: its pattern ran out of time on {plural(s['pattern_timeouts'], 'request')}, "
                         "counted as not matching it")
    if not doc.get("sources_complete", True):
        lines.append(f"More distinct sources than the audit keeps: {doc['sources_total']} kept; the requests "
                     "of the others count in the signature totals (untracked_requests)")
    tlw = doc.get("timeline")
    if tlw and tlw["bin_seconds"] != tlw["bin_seconds_requested"]:
        lines.append(f"Timeline bins widened from {tlw['bin_seconds_requested']} s to {tlw['bin_seconds']} s "
                     "to cover the span in at most 10000 bins")
    ev = doc["compromise"]
    if ev:
        lines.append(f"Evidence of compromise (to check, not proof): {plural(doc['compromise_total'], 'request')} "
                     "answered 2xx:")
        for e in ev[:10]:
            lines.append(f"  {printable(e['file'])}:{e['line']} {e['signature']} from {printable(e['source'])} "
                         f"answered {e['status']} at {e['time']}")
    else:
        lines.append("No evidence of compromise: no worm request was answered 2xx.")
    for f in doc.get("fits", []):
        if "error" in f:
            lines.append(f"Fit {f['model']} to {f['signature']}: {f['error']}")
            continue
        ps = ", ".join(f"{k} = {v:.3g}" for k, v in f["params"].items())
        loose = not_identified(f)
        flag = f"; NOT IDENTIFIED: {', '.join(loose)} (95% interval spans more than a factor {IDENTIFIED_RATIO:g})" \
            if loose else ""
        lines.append(f"Fit {f['model']} to {f['signature']} ({plural(f['events'], 'probe')}, "
                     f"{plural(f['bins'], 'bin')}): {ps}{flag}")
    if "compare" in doc:
        c = doc["compare"]
        lines.append(f"Compared with scenario {c.get('scenario')} over {c['window_start']} to {c['window_end']} "
                     f"({plural(c['monitored'], 'monitored address', 'monitored addresses')}): {c['verdict']}")
    if out_dir:
        lines.append(f"Wrote audit.json, sources.csv and report.html in {printable(out_dir)}")
    return "\n".join(lines)


IDENTIFIED_RATIO = 10.0  # a fit whose 95% interval spans more than this factor is "not identified"
LOG_SPAN = 100.0  # counts per bin spanning this factor or more are drawn on a log scale
MAX_PANELS = 6


def not_identified(fit: dict) -> list[str]:
    """The parameters of a fit whose 95% bootstrap interval spans more than a factor IDENTIFIED_RATIO
    (or crosses zero, or is missing): the data do not pin them down."""
    out = []
    for k in fit.get("params", {}):
        ci = fit.get("ci95", {}).get(k) or []
        if len(ci) != 2 or any(x is None or x != x for x in ci):
            out.append(k)
            continue
        lo, hi = sorted(abs(float(x)) for x in ci)
        if (ci[0] < 0) != (ci[1] < 0) or lo == 0 or hi / lo > IDENTIFIED_RATIO:
            out.append(k)
    return out


def active_window(series) -> slice:
    """The bins of one signature's timeline from its first to its last bin with probes."""
    hit = np.flatnonzero(np.asarray(series.probes) > 0)
    return slice(int(hit[0]), int(hit[-1]) + 1) if hit.size else slice(0, 0)


def spans_decades(counts) -> bool:
    pos = np.asarray(counts, dtype=float)
    pos = pos[pos > 0]
    return bool(pos.size and pos.max() / pos.min() >= LOG_SPAN)


def timeline_panels(tl) -> list[str]:
    """The signatures drawn, most probes first (at most MAX_PANELS)."""
    top = sorted((s for s in tl.series if s.signature != "all" and s.probes.sum() > 0),
                 key=lambda s: (-int(s.probes.sum()), s.signature))
    return [str(s.signature) for s in top[:MAX_PANELS]]


def _when(epoch):
    """Epoch seconds as datetime64 (matplotlib reads them without pandas, which the audit never loads)."""
    return np.asarray(np.rint(epoch), dtype=np.int64).astype("datetime64[s]")


def _day(epoch: float) -> str:
    return time.strftime("%d %b %Y", time.gmtime(float(epoch)))


def _date_axis(ax) -> None:
    import matplotlib.dates as mdates

    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %H:%M"))
    for label in ax.get_xticklabels():
        label.set_rotation(20)
        label.set_ha("right")


def _timeline_figure(tl, fits):
    """One panel per signature, each over its own active window, log-scaled where its counts span decades;
    a fit drawn over the panel of its signature."""
    from matplotlib.figure import Figure

    names = timeline_panels(tl)
    fig = Figure(figsize=(9, 2.3 * max(1, len(names)) + 0.4), constrained_layout=True)
    axes = fig.subplots(max(1, len(names)), 1, squeeze=False)[:, 0]
    width = float(tl.bin_seconds)
    for ax, name in zip(axes, names):
        sig = tl[name]
        win = active_window(sig)
        starts, probes = sig.starts[win].astype(float), sig.probes[win].astype(float)
        x = np.append(starts, starts[-1] + width)
        ax.step(_when(x), np.append(probes, probes[-1:]), where="post", color="#1d4ed8",
                label=f"{name}: probes per bin")
        ax.set_xlim(_when(x[0] - width), _when(x[-1] + width))
        colours = iter(("#b45309", "#047857", "#7c3aed", "#be123c"))
        for f in fits or []:
            est = f.get("_estimator")
            if est is None or f["signature"] != name:
                continue
            t = np.linspace(0, len(sig) * f["bin_hours"], 200)
            epoch = sig.starts[0] + (t - f["bin_hours"] / 2) * 3600
            keep = (epoch >= x[0]) & (epoch <= x[-1])
            flag = " (not identified)" if not_identified(f) else ""
            ax.plot(_when(epoch[keep]), est.predict(t)[keep], "--", color=next(colours, "#6b7280"),
                    label=f"{f['model']} fit{flag}")
        log = spans_decades(probes)
        if log:
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
        ax.set_title(f"{name}: {plural(int(probes.sum()), 'probe')}, {_day(x[0])} to {_day(starts[-1])}"
                     + (" (log scale)" if log else ""), fontsize=9)
        ax.set_ylabel("probes per bin")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper right")
        _date_axis(ax)
    axes[-1].set_xlabel("time (UTC)")
    return fig


def compare_figure(c: dict):
    """Observed against predicted cumulative probes over the comparison's window."""
    from matplotlib.figure import Figure

    pts = c.get("cumulative") or []
    if not pts:
        return None
    t = np.array([np.datetime64(p[0].rstrip("Z"), "s") for p in pts])
    fig = Figure(figsize=(9, 3.4), constrained_layout=True)
    ax = fig.add_subplot()
    ax.plot(t, [p[1] for p in pts], "--", color="#111827", label=f"predicted by {c.get('scenario', 'the scenario')}")
    ax.step(t, [p[2] for p in pts], where="post", color="#1d4ed8",
            label="observed" + ("" if c.get("observed_exact", True) else " (scaled from a sample)"))
    ax.set_ylabel("cumulative probes")
    ax.set_xlabel("time (UTC)")
    ax.set_title(f"Probes on {plural(c['monitored'], 'monitored address', 'monitored addresses')}: observed "
                 "against predicted", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    _date_axis(ax)
    return fig


def render_html(doc: dict, tl=None, fits=None) -> str:
    """The self-contained report; every log-derived string is escaped by htmlpage."""
    parts = ["<h1>wormcast audit</h1>",
             '<p class="muted">Strings from the logs are shown escaped; this page runs no scripts.</p>',
             "<h2>Files</h2>",
             H.table(["path", "format", "compression", "lines", "malformed", "first (UTC)", "last (UTC)", "damage"],
                     [[f["path"], f["format"], f["compression"], f["lines"], f["malformed_lines"],
                       f["first_time"] or "", f["last_time"] or "", f["error"] or ""] for f in doc["files"]])]
    examples = [[f["path"], ex["line"], ex["reason"], ex["text"]] for f in doc["files"] for ex in f["malformed_examples"]]
    if examples:
        parts += ["<h3>First malformed lines</h3>", H.table(["file", "line", "why", "text"], examples)]
    parts += ["<h2>Signatures</h2>", H.table(
        ["rule", "what", "requests", "sources", "first seen", "last seen", "complete scans", "partial scans",
         "path matched, fingerprint not"],
        [[n, s["title"], s["requests"], s["sources"], s["first_seen"] or "", s["last_seen"] or "",
          s.get("complete_scans", ""), s.get("partial_scans", ""), s.get("fingerprint_mismatches", "")]
         for n, s in doc["signatures"].items()])]
    if doc.get("fingerprint_mismatches"):
        parts.append(f"<p>{H.esc(plural(doc['fingerprint_mismatches'], 'request'))} matched a worm's path but not its "
                     "whole fingerprint (method, HTTP version, exact request, sequence): they are counted as "
                     "generic probes, not as the worm.</p>")
    parts.append("<h2>Evidence of compromise</h2>")
    if doc["compromise"]:
        n = doc["compromise_total"]
        parts.append(f"<p>{H.esc(plural(n, 'worm or backdoor request'))} {'was' if n == 1 else 'were'} answered 2xx. "
                     "This is evidence to check on the server, not proof of infection.</p>")
        parts.append(H.table(["file", "line", "signature", "status", "source", "time", "what it suggests", "log line"],
                             [[e["file"], e["line"], e["signature"], e["status"], e["source"], e["time"],
                               e["meaning"], e["request"]] for e in doc["compromise"]]))
    else:
        parts.append("<p>No worm request was answered 2xx.</p>")
    if tl is not None and len(tl):
        parts += ["<h2>Timeline</h2>",
                  '<p class="muted">One panel per signature, each over its own active window (first to last bin '
                  f"with probes); log scale where a signature's counts per bin span a factor {LOG_SPAN:g} or "
                  "more.</p>",
                  H.png_img(_timeline_figure(tl, fits), "probes per bin by signature")]
    for f in doc.get("fits", []):
        parts.append(f"<h3>Fit: {H.esc(f['model'])} to {H.esc(f['signature'])}</h3>")
        if "error" in f:
            parts.append(f"<p>{H.esc(f['error'])}</p>")
            continue
        loose = not_identified(f)
        if loose:
            parts.append(f'<p class="warning"><strong>Not identified: {H.esc(", ".join(loose))}</strong>: the 95% '
                         f"interval spans more than a factor {IDENTIFIED_RATIO:g}, so these logs do not pin the "
                         "value down; read the estimate as a shape, not a measurement.</p>")
        parts.append(H.table(["parameter", "estimate", "std. error", "95% bootstrap interval", "identified"],
                             [[k, round(v, 6), _fmt(f["stderr"].get(k)),
                               " to ".join(_fmt(x) for x in f["ci95"].get(k, [])) or "n/a",
                               "not identified" if k in loose else "yes"]
                              for k, v in f["params"].items()]))
    if "compare" in doc:
        c = doc["compare"]
        parts += ["<h2>Observed against simulated</h2>", f"<p>{H.esc(c['verdict'])}</p>"]
        cfig = compare_figure(c)
        if cfig is not None:
            parts.append(H.png_img(cfig, "observed against predicted cumulative probes"))
        parts.append(H.table(["quantity", "value"], [[k, v if not isinstance(v, list) else ", ".join(map(str, v))]
                                                     for k, v in c.items() if k not in ("verdict", "cumulative")]))
    rows = doc["sources"]
    total = doc.get("sources_total", len(rows))
    parts += [f"<h2>Sources ({H.esc(total)})</h2>",
              H.table(SOURCE_COLUMNS, [[r[k] for k in SOURCE_COLUMNS] for r in rows[:500]])]
    if total > 500:
        parts.append('<p class="muted">First 500 shown; all are in sources.csv.</p>')
    parts += ["<h2>Rules</h2>", H.table(["rule", "origin"], [[r["name"], r["origin"]] for r in doc["rules"]])]
    return H.page("wormcast audit", "\n".join(parts))


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "n/a"
    return f"{v:.4g}"
