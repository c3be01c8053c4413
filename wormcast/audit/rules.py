"""Worm signatures as data: load the packaged rules file, merge a user's file, classify URIs.

The rules live in ``wormcast/rules/default.toml`` so that a signature can be read, cited and
changed without touching code; docs/audit.md documents the file format.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..errors import WormcastError

_NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")
_KEYS = {"name", "title", "regex", "sequence", "query_prefix", "scan_gap_seconds", "ignore_case", "markers",
         "compromise", "origin", "references", "examples", "not_examples"}


@dataclass(frozen=True)
class Rule:
    """One signature. Either ``regex`` (searched in the URI) or ``sequence`` (exact paths, in order)."""

    name: str
    title: str
    regex: re.Pattern | None = None
    sequence: tuple[str, ...] = ()
    query_prefix: str | None = None
    scan_gap_seconds: float = 600.0
    markers: tuple[str, ...] | None = None
    compromise: str | None = None
    origin: str = ""
    references: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    not_examples: tuple[str, ...] = ()
    _steps: dict = field(default_factory=dict, compare=False, repr=False)

    def match(self, uri: str) -> int | None:
        """``None`` when the URI does not match; else the step in the sequence (0 for a regex rule)."""
        if self.regex is not None:
            return 0 if self.regex.search(uri) else None
        path, sep, query = uri.partition("?")
        step = self._steps.get(path.lower())
        if step is None:
            return None
        if sep and self.query_prefix is not None and not query.lower().startswith(self.query_prefix.lower()):
            return None
        return step


class RuleSet:
    """An ordered list of rules; the first that matches names a request."""

    def __init__(self, rules: list[Rule]):
        self.rules = list(rules)
        self.by_name = {r.name: r for r in self.rules}

    def classify(self, uri: str) -> tuple[Rule, int] | None:
        for rule in self.rules:
            step = rule.match(uri)
            if step is not None:
                return rule, step
        return None

    @property
    def markers(self) -> tuple[bytes, ...] | None:
        """Lower-case byte markers for the fast scanner, or ``None`` if some rule declares none."""
        out: set[bytes] = set()
        for r in self.rules:
            if not r.markers:
                return None
            out.update(m.lower().encode("latin-1", "replace") for m in r.markers)
        # A marker that contains another one is redundant for a prefilter.
        return tuple(sorted(m for m in out if not any(o != m and o in m for o in out)))

    @classmethod
    def load(cls, user_file: str | Path | None = None) -> "RuleSet":
        """The packaged rules, extended or replaced by ``user_file`` (see docs/audit.md)."""
        text = resources.files("wormcast").joinpath("rules/default.toml").read_text(encoding="utf-8")
        _, rules = _parse(text, "wormcast/rules/default.toml")
        if user_file is None:
            return cls(rules)
        path = Path(user_file)
        try:
            utext = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise WormcastError(f"--rules {path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
        mode, user = _parse(utext, str(path))
        if mode == "replace":
            return cls(user)
        names = {r.name for r in user}
        return cls(user + [r for r in rules if r.name not in names])


def _parse(text: str, where: str) -> tuple[str, list[Rule]]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WormcastError(f"{where}: not valid TOML ({exc})") from None
    mode = doc.get("mode", "extend")
    if mode not in ("extend", "replace"):
        raise WormcastError(f"{where}: mode must be 'extend' or 'replace', not {mode!r}")
    unknown = set(doc) - {"mode", "rule"}
    if unknown:
        raise WormcastError(f"{where}: unknown top-level key {sorted(unknown)[0]!r} (expected mode, [[rule]])")
    raw = doc.get("rule", [])
    if not isinstance(raw, list) or not raw:
        raise WormcastError(f"{where}: no [[rule]] tables")
    rules, seen = [], set()
    for i, r in enumerate(raw, start=1):
        rules.append(_rule(r, f"{where}: rule {i}"))
        if rules[-1].name in seen:
            raise WormcastError(f"{where}: rule {i}: duplicate name {rules[-1].name!r}")
        seen.add(rules[-1].name)
    return mode, rules


def _strs(value, what: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise WormcastError(f"{where}: {what} must be a list of strings")
    return tuple(value)


def _rule(r: dict, where: str) -> Rule:
    if not isinstance(r, dict):
        raise WormcastError(f"{where}: not a table")
    unknown = set(r) - _KEYS
    if unknown:
        raise WormcastError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    name = r.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise WormcastError(f"{where}: name must be 1-40 letters, digits, '-' or '_'")
    where = f"{where} ({name})"
    if ("regex" in r) == ("sequence" in r):
        raise WormcastError(f"{where}: give exactly one of regex or sequence")
    regex, sequence, steps = None, (), {}
    if "regex" in r:
        if not isinstance(r["regex"], str) or not r["regex"]:
            raise WormcastError(f"{where}: regex must be a non-empty string")
        try:
            regex = re.compile(r["regex"], re.IGNORECASE if r.get("ignore_case") else 0)
        except re.error as exc:
            raise WormcastError(f"{where}: bad regex ({exc})") from None
    else:
        sequence = _strs(r["sequence"], "sequence", where)
        if not sequence:
            raise WormcastError(f"{where}: sequence is empty")
        steps = {p.lower(): i for i, p in enumerate(sequence)}
    markers = _strs(r["markers"], "markers", where) if "markers" in r else None
    if markers is not None and (not markers or any(not m or not m.isascii() for m in markers)):
        raise WormcastError(f"{where}: markers must be non-empty ASCII strings")
    gap = r.get("scan_gap_seconds", 600)
    if not isinstance(gap, (int, float)) or gap <= 0:
        raise WormcastError(f"{where}: scan_gap_seconds must be a positive number")
    for key in ("title", "compromise", "origin", "query_prefix"):
        if key in r and not isinstance(r[key], str):
            raise WormcastError(f"{where}: {key} must be a string")
    rule = Rule(
        name=name, title=r.get("title", name), regex=regex, sequence=sequence,
        query_prefix=r.get("query_prefix"), scan_gap_seconds=float(gap), markers=markers,
        compromise=r.get("compromise"), origin=r.get("origin", ""),
        references=_strs(r.get("references", []), "references", where),
        examples=_strs(r.get("examples", []), "examples", where),
        not_examples=_strs(r.get("not_examples", []), "not_examples", where), _steps=steps,
    )
    for ex in rule.examples:
        if rule.match(ex) is None:
            raise WormcastError(f"{where}: example {ex[:60]!r} does not match the rule")
        if markers is not None and not any(m.lower() in ex.lower() for m in markers):
            raise WormcastError(f"{where}: example {ex[:60]!r} contains none of the markers")
    return rule
