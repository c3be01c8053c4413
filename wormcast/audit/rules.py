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

import regex

from ..errors import WormcastError, flag
from ..util.files import NotRegular, read_regular_text
from .formats import Request

# Every rule pattern runs under the `regex` module's timeout: a match that takes longer than this is
# abandoned (the request counts as not matched by that rule, and the rule's `timeouts` count grows),
# so no pattern, however catastrophic its backtracking, can stop the audit (docs/audit.md).
MATCH_TIMEOUT = 0.05  # seconds per search
MAX_RULES_BYTES = 1 << 20  # a rules file is a short text

_NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")
_KEYS = {"name", "title", "regex", "sequence", "query_prefix", "scan_gap_seconds", "ignore_case", "markers",
         "compromise", "origin", "references", "examples", "not_examples", "fingerprint"}
_FP_KEYS = {"method", "version", "uri", "min_steps"}


class RuleTimeout(Exception):
    """A rule's pattern ran past :data:`MATCH_TIMEOUT` on one request."""


def _search(pattern, text: str) -> bool:
    try:
        return pattern.search(text, timeout=MATCH_TIMEOUT) is not None
    except TimeoutError:
        raise RuleTimeout from None


@dataclass(frozen=True)
class Fingerprint:
    """What a worm's request is, beyond the path its rule matches: compared where the log records it.

    ``method`` and ``version`` are compared exactly (case included) when the log records them (NCSA
    request lines; IIS ``cs-method`` / ``cs-version``); ``uri`` must match the whole ``path?query``;
    ``min_steps`` (sequence rules): a scan with fewer distinct steps is not the worm.
    """

    method: str | None = None
    version: str | None = None
    uri: object | None = None  # a compiled `regex` pattern, matched in full
    min_steps: int = 1

    def accepts(self, req: Request) -> bool:
        if self.method is not None and req.method and req.method != self.method:
            return False
        if self.version is not None and req.version is not None and req.version != self.version:
            return False
        if self.uri is not None:
            try:
                return self.uri.fullmatch(req.uri, timeout=MATCH_TIMEOUT) is not None
            except TimeoutError:
                raise RuleTimeout from None
        return True


@dataclass(slots=True)
class Verdict:
    """How the rules classify one request: the rule (index) and step that name it, if any; the rules
    whose path pattern matched but whose fingerprint did not (``mismatched``); those that timed out."""

    index: int | None = None
    step: int = 0
    mismatched: tuple[int, ...] = ()
    timed_out: tuple[int, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One signature. Either ``regex`` (searched in the URI) or ``sequence`` (exact paths, in order)."""

    name: str
    title: str
    regex: object | None = None  # a compiled `regex` pattern
    sequence: tuple[str, ...] = ()
    query_prefix: str | None = None
    scan_gap_seconds: float = 600.0
    markers: tuple[str, ...] | None = None
    compromise: str | None = None
    origin: str = ""
    references: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    not_examples: tuple[str, ...] = ()
    fingerprint: Fingerprint | None = None
    _steps: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def min_steps(self) -> int:
        return self.fingerprint.min_steps if self.fingerprint is not None else 1

    def example_request(self, uri: str) -> Request:
        """``uri`` sent as this rule's worm sends it (its fingerprint's method and version)."""
        fp = self.fingerprint or Fingerprint()
        return Request(0.0, "-", fp.method or "GET", uri, None, fp.version)

    def match(self, uri: str) -> int | None:
        """``None`` when the URI does not match; else the step in the sequence (0 for a regex rule).
        Raises :class:`RuleTimeout` when the pattern runs out of time."""
        if self.regex is not None:
            return 0 if _search(self.regex, uri) else None
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
        self._folded = [tuple(m.lower() for m in r.markers) if r.markers else None for r in self.rules]

    def classify(self, req: Request | str, start: int = 0) -> Verdict:
        """The first rule from ``start`` whose pattern matches ``req`` and whose fingerprint accepts it.

        A rule whose pattern matches but whose fingerprint refuses the request (another tool, a browser,
        a line without the worm's method or version) does not name it: the next rules are tried (a
        generic probe rule usually claims it) and the refusal is reported in ``mismatched``. A string is
        taken as a URI whose method and version the log did not record."""
        if isinstance(req, str):
            req = Request(0.0, "-", "", req, None, None)
        mismatched: list[int] = []
        timed_out: list[int] = []
        low = req.uri.lower()
        for i in range(start, len(self.rules)):
            rule = self.rules[i]
            folded = self._folded[i]
            if folded is not None:
                # A rule's markers are in every request it can match (the fast scanner's contract):
                # without one, its pattern need not run (a timed search costs microseconds).
                for m in folded:
                    if m in low:
                        break
                else:
                    continue
            try:
                step = rule.match(req.uri)
                if step is None:
                    continue
                if rule.fingerprint is not None and not rule.fingerprint.accepts(req):
                    mismatched.append(i)
                    continue
            except RuleTimeout:
                timed_out.append(i)
                continue
            return Verdict(i, step, tuple(mismatched), tuple(timed_out))
        return Verdict(None, 0, tuple(mismatched), tuple(timed_out))

    def label(self, req: Request | str) -> str | None:
        """The name of the rule that claims ``req`` (see :meth:`classify`), or ``None``."""
        v = self.classify(req)
        return None if v.index is None else self.rules[v.index].name

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
            utext = read_regular_text(path, MAX_RULES_BYTES)  # the one safe reader: never blocks on a FIFO
        except NotRegular as exc:  # not a regular file, or too large for a rules file
            raise WormcastError(f"{flag('--rules', path)}: not a regular file of at most {MAX_RULES_BYTES:,} "
                                f"bytes: it {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise WormcastError(f"{flag('--rules', path)}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
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
    pattern, sequence, steps = None, (), {}
    if "regex" in r:
        if not isinstance(r["regex"], str) or not r["regex"]:
            raise WormcastError(f"{where}: regex must be a non-empty string")
        pattern = _compile(r["regex"], bool(r.get("ignore_case")), where, "regex")
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
    fingerprint = _fingerprint(r["fingerprint"], bool(sequence), f"{where}: fingerprint") if "fingerprint" in r else None
    rule = Rule(
        name=name, title=r.get("title", name), regex=pattern, sequence=sequence, fingerprint=fingerprint,
        query_prefix=r.get("query_prefix"), scan_gap_seconds=float(gap), markers=markers,
        compromise=r.get("compromise"), origin=r.get("origin", ""),
        references=_strs(r.get("references", []), "references", where),
        examples=_strs(r.get("examples", []), "examples", where),
        not_examples=_strs(r.get("not_examples", []), "not_examples", where), _steps=steps,
    )
    for ex in rule.examples:
        try:
            ok = rule.match(ex) is not None and (fingerprint is None or fingerprint.accepts(rule.example_request(ex)))
        except RuleTimeout:
            raise WormcastError(f"{where}: the pattern takes more than {MATCH_TIMEOUT} s on its example "
                                f"{ex[:60]!r}; simplify it (nested quantifiers backtrack exponentially)") from None
        if not ok:
            raise WormcastError(f"{where}: example {ex[:60]!r} does not match the rule")
        if markers is not None and not any(m.lower() in ex.lower() for m in markers):
            raise WormcastError(f"{where}: example {ex[:60]!r} contains none of the markers")
    return rule


def _compile(text, ignore_case: bool, where: str, what: str):
    if not isinstance(text, str) or not text:
        raise WormcastError(f"{where}: {what} must be a non-empty string")
    try:
        return regex.compile(text, regex.IGNORECASE if ignore_case else 0)
    except (regex.error, ValueError, OverflowError) as exc:
        raise WormcastError(f"{where}: bad {what} ({exc})") from None


def _fingerprint(fp, is_sequence: bool, where: str) -> Fingerprint:
    if not isinstance(fp, dict):
        raise WormcastError(f"{where}: must be a table ([rule.fingerprint])")
    unknown = set(fp) - _FP_KEYS
    if unknown:
        raise WormcastError(f"{where}: unknown key {sorted(unknown)[0]!r} (expected {', '.join(sorted(_FP_KEYS))})")
    for key in ("method", "version"):
        if key in fp and (not isinstance(fp[key], str) or not fp[key] or " " in fp[key]):
            raise WormcastError(f"{where}: {key} must be a non-empty string without spaces")
    steps = fp.get("min_steps", 1)
    if "min_steps" in fp and not is_sequence:
        raise WormcastError(f"{where}: min_steps applies to sequence rules only")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise WormcastError(f"{where}: min_steps must be a whole number of 1 or more")
    uri = _compile(fp["uri"], False, where, "uri regex") if "uri" in fp else None
    return Fingerprint(fp.get("method"), fp.get("version"), uri, steps)
