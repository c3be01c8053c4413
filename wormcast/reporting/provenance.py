"""A scenario as the TOML it came from, each value with its provenance note, for the report.

Presets tag every value with a comment: a source (``B §2``, a paper), CALIBRATED (against what) or
ASSUMPTION. :func:`annotated_toml` reads the comments of a TOML text line by line, gives each one a class
(sourced, calibrated, assumption; an untagged continuation line inherits the class of the line above) and
returns escaped HTML with the notes coloured. :func:`changes` lists the values of the run that differ from
that text (``--set`` overrides), so the page shows both the file and what the run used.
"""

from __future__ import annotations

from dataclasses import dataclass

from .htmlpage import esc, table

KINDS = ("sourced", "calibrated", "assumption")
STYLE = ("<style>.toml{background:#f8fafc;border:1px solid #e5e7ee;padding:.6em;white-space:pre-wrap;"
         "}.toml .sourced{color:#166534}.toml .calibrated{color:#1d4ed8}"
         ".toml .assumption{color:#b45309}.toml .note{font-style:italic}</style>")


@dataclass(frozen=True)
class Line:
    code: str  # the TOML before the comment
    note: str  # the comment, '#' included ("" where none)
    kind: str  # one of KINDS, or "" for a line without a note


def _split_comment(line: str) -> tuple[str, str]:
    """(code, comment) of one TOML line: the first '#' outside a string starts the comment."""
    quote = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i], line[i:]
        i += 1
    return line, ""


def _kind(note: str, previous: str) -> str:
    """A value's own note: its tag in any case; a continuation line: its tag in capitals, else the class of
    the note it continues."""
    text = note if previous else note.upper()
    if "ASSUMPTION" in text:
        return "assumption"
    if "CALIBRATED" in text:
        return "calibrated"
    return previous or "sourced"


def lines(text: str) -> list[Line]:
    """Every line of a TOML text with its note classified."""
    out: list[Line] = []
    previous = ""
    for raw in text.splitlines():
        code, note = _split_comment(raw)
        if not note:
            out.append(Line(code, "", ""))
            previous = "" if code.strip() else previous
            continue
        # A comment-only line continues the note above it; a value's own comment starts a new one.
        kind = _kind(note, previous if not code.strip() else "")
        out.append(Line(code, note, kind))
        previous = kind
    return out


def value_lines(text: str) -> list[Line]:
    """The lines that set a value (``key = ...``)."""
    return [ln for ln in lines(text) if "=" in ln.code and not ln.code.lstrip().startswith("[")]


def counts(text: str) -> dict[str, int]:
    """Values per provenance kind, and ``untagged``: values without a note."""
    out = dict.fromkeys(KINDS, 0)
    out["untagged"] = 0
    for ln in value_lines(text):
        out[ln.kind or "untagged"] += 1
    return out


def annotated_toml(text: str) -> str:
    """Escaped HTML of the TOML text, notes coloured by kind."""
    parts = []
    for ln in lines(text):
        note = f'<span class="note {ln.kind}">{esc(ln.note)}</span>' if ln.note else ""
        parts.append(esc(ln.code) + note)
    return '<pre class="toml">' + "\n".join(parts) + "</pre>"


def _flat(value, prefix: str = "") -> dict:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}{k}."))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(_flat(v, f"{prefix}{i}."))
        return out
    return {prefix[:-1]: value}


def _dump(scenario) -> dict:
    data = scenario.model_dump(mode="json", by_alias=True, exclude={"base_dir"})
    data["observers"] = [o for o in data.get("observers", []) if o.get("kind") != "snapshots"]
    return _flat(data)


def changes(scenario, base) -> list[tuple[str, object, object]]:
    """(key, value in the file, value in the run) for every value that differs (the map's snapshot observer,
    which ``wormcast run`` adds, is not a change)."""
    a, b = _dump(base), _dump(scenario)
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def source_text(scenario, source: str | None = None) -> tuple[str, str] | None:
    """(TOML text, origin) of a scenario: ``source`` (a preset name or a path) or, without it, the preset
    of the scenario's name; None when neither can be read."""
    from ..config.loading import MAX_SCENARIO_BYTES, preset_names, preset_text
    from ..util.files import read_regular_text

    if source is None:
        if scenario.name not in preset_names():
            return None
        source = scenario.name
    if source in preset_names():
        return preset_text(source), f"preset {source}"
    try:
        return read_regular_text(source, MAX_SCENARIO_BYTES), str(source)
    except (OSError, ValueError):
        return None


def section(scenario, source: str | None = None) -> str:
    """The report's Scenario section: the TOML with its notes, and the run's changes to it."""
    from ..config.loading import load_scenario

    found = source_text(scenario, source)
    if found is None:
        return (f"<pre>{esc(scenario.model_dump_json(indent=2, by_alias=True, exclude={'base_dir'}))}</pre>"
                '<p class="muted">No TOML source for this scenario: its settings as JSON (durations in '
                "seconds).</p>")
    text, origin = found
    n = counts(text)
    out = [STYLE, f'<p class="muted">From {esc(origin)}: {n["sourced"]} values with a source '
           f'(<span class="toml"><span class="sourced">green</span></span>), {n["calibrated"]} CALIBRATED '
           f'(<span class="toml"><span class="calibrated">blue</span></span>), {n["assumption"]} ASSUMPTION '
           f'(<span class="toml"><span class="assumption">amber</span></span>)'
           + (f", {n['untagged']} without a note" if n["untagged"] else "") + ".</p>",
           annotated_toml(text)]
    try:
        diff = changes(scenario, load_scenario(source or scenario.name))
    except Exception:  # noqa: BLE001  (the file changed since the run, or is gone: show it as it is)
        diff = None
    if diff:
        out.append("<h3>Changed for this run</h3>")
        out.append(table(["setting", "in the file", "in this run"],
                         [(k, "(not set)" if a is None else str(a), "(not set)" if b is None else str(b))
                          for k, a, b in diff]))
    elif diff is None:
        out.append('<p class="muted">The file could not be read again to list the changes made for this '
                   "run.</p>")
    return "\n".join(out)
