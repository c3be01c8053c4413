"""The log a web server would have written: worm probes at known times from known sources, answered as
the server's own state dictates, mixed with ordinary browser traffic, in Apache combined or IIS W3C
extended format (with its ``#Fields:`` header).

Request lines are the audit's own: :mod:`wormcast.audit.synth` (``CODERED1``, ``CODERED2``, ``NIMDA``,
``GENERIC``, ``PAGES``, ``AGENTS``, ``IIS_FIELDS``; the month names ``_MONS`` are private there and imported
anyway), so a probe written here is what ``wormcast/rules/default.toml`` classifies. A Nimda probe is its
fixed sequence of 16 requests (each ``?/c+dir``), one second apart.

Response codes (docs/audit.md, the rules' ``compromise`` texts, and the real logs' PROVENANCE.md):
- vulnerable or infected IIS: the worm's request reaches the handler and is answered 200 (ASSUMPTION
  where no log shows it: the audit reports such a 2xx as compromise evidence; the real IIS log's one
  200 is of this kind);
- patched IIS: 404 (the real IIS 5 log: no ``.ida`` mapping, 404);
- a server the worm cannot infect (Apache): 400 for the ``.ida`` request (the real Apache log: every
  Code Red request answered ``400 252``), 404 for the others.
Background: browsers GET (or HEAD) ordinary pages at ``background_rate`` requests per second (a Poisson
process, ASSUMPTION value), from random addresses, with ordinary user agents, answered 200. Code Red
sent no User-Agent, so worm lines carry ``-``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..audit.synth import (
    _MONS,
    AGENTS,
    CODERED1,
    CODERED2,
    GENERIC,
    IIS_FIELDS,
    NIMDA,
    PAGES,
)
from ..util.atomic import write_text_atomic
from ..world.addresses import format_address

STATES = ("vulnerable", "infected", "patched", "immune")
FORMATS = ("combined", "iis")


def worm_requests(signature: str) -> list[str]:
    """The URIs (path and query) of one probe of the worm the audit rule ``signature`` names."""
    if signature == "codered1":
        return [CODERED1]
    if signature == "codered2":
        return [CODERED2]
    if signature == "nimda":
        return [p + "?/c+dir" for p in NIMDA]
    if signature in GENERIC:
        return [GENERIC[signature]]
    raise ValueError(f"no request line for signature {signature!r}")


@dataclass(frozen=True)
class ServerStates:
    """The server's state over time: ``states[i]`` holds from ``times[i]`` (``times[0]`` = -inf implied)."""

    initial: str = "vulnerable"
    times: tuple[float, ...] = ()
    states: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for s in (self.initial, *self.states):
            if s not in STATES:
                raise ValueError(f"server state {s!r}: expected one of {STATES}")
        if list(self.times) != sorted(self.times) or len(self.times) != len(self.states):
            raise ValueError("state changes must be in time order, one state per time")

    def at(self, t: float) -> str:
        i = bisect.bisect_right(self.times, t)
        return self.initial if i == 0 else self.states[i - 1]


def status_for(state: str, uri: str) -> int:
    if state in ("vulnerable", "infected"):
        return 200
    if state == "patched":
        return 404
    return 400 if ".ida?" in uri else 404


@dataclass(frozen=True)
class LoggedRequest:
    time: float  # whole seconds since the epoch, UTC (what the log can record)
    source: str
    uri: str
    status: int
    worm: str | None


@dataclass
class ServerLog:
    """What was written: every request line in file order, and the worm requests among them."""

    path: Path
    fmt: str
    requests: list[LoggedRequest] = field(default_factory=list)

    @property
    def worm_requests(self) -> list[LoggedRequest]:
        return [r for r in self.requests if r.worm is not None]


def _combined(r: LoggedRequest, method: str, agent: str, size: int) -> str:
    d = datetime.fromtimestamp(r.time, tz=timezone.utc)
    stamp = f"{d:%d}/{_MONS[d.month - 1]}/{d:%Y:%H:%M:%S} +0000"
    return f'{r.source} - - [{stamp}] "{method} {r.uri} HTTP/1.0" {r.status} {size} "-" "{agent}"'


def _iis(r: LoggedRequest, method: str, agent: str) -> str:
    d = datetime.fromtimestamp(r.time, tz=timezone.utc)
    path, _, query = r.uri.partition("?")
    vals = {"date": f"{d:%Y-%m-%d}", "time": f"{d:%H:%M:%S}", "c-ip": r.source, "cs-username": "-",
            "s-ip": "10.0.0.1", "s-port": "80", "cs-method": method, "cs-uri-stem": path,
            "cs-uri-query": query or "-", "sc-status": str(r.status), "cs(User-Agent)": agent.replace(" ", "+")}
    return " ".join(vals[f] for f in IIS_FIELDS[0].split())


def render_server_log(fmt: str, probe_times, probe_sources, signature, states, rng: np.random.Generator,
                      background_rate: float = 0.01,
                      span: tuple[float, float] | None = None) -> tuple[str, list[LoggedRequest]]:
    """The text of one server's log and its requests in file order (see :func:`write_server_log`).
    ``signature`` and ``states`` are one for every probe, or one per probe (several worms; the front-ends
    of an organisation, each with its own state)."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: expected one of {FORMATS}")
    times = np.floor(np.asarray(probe_times, dtype=float))
    sources = [s if isinstance(s, str) else format_address(int(s)) for s in probe_sources]
    sigs = [signature] * times.size if isinstance(signature, str) else list(signature)
    sts = [states] * times.size if isinstance(states, ServerStates) else list(states)
    if not (len(sources) == len(sigs) == len(sts) == times.size):
        raise ValueError("one source, signature and state history per probe")
    entries: list[tuple[float, int, LoggedRequest, str, str]] = []
    seq = 0
    longest = 1
    for t, src, sig, st in zip(times, sources, sigs, sts):
        uris = worm_requests(sig)
        longest = max(longest, len(uris))
        for k, uri in enumerate(uris):
            tk = float(t + k)
            req = LoggedRequest(tk, src, uri, status_for(st.at(tk), uri), sig)
            entries.append((tk, seq, req, "GET", "-"))
            seq += 1
    lo, hi = span if span is not None else ((float(times.min()), float(times.max()) + longest)
                                             if times.size else (0.0, 0.0))
    n_bg = int(rng.poisson(background_rate * max(hi - lo, 0.0)))
    bg_t = np.floor(lo + rng.random(n_bg) * (hi - lo))
    for t in bg_t:
        page = PAGES[int(rng.integers(len(PAGES)))].format(int(rng.integers(1000)))
        src = format_address(int(rng.integers(1 << 24, 223 << 24)))
        method = "HEAD" if rng.random() < 0.1 else "GET"
        entries.append((float(t), seq, LoggedRequest(float(t), src, page, 200, None), method,
                        AGENTS[int(rng.integers(len(AGENTS)))]))
        seq += 1
    entries.sort(key=lambda e: (e[0], e[1]))
    lines = []
    if fmt == "iis":
        first = datetime.fromtimestamp(entries[0][0] if entries else lo, tz=timezone.utc)
        lines += ["#Software: Microsoft Internet Information Services 5.0", "#Version: 1.0",
                  f"#Date: {first:%Y-%m-%d %H:%M:%S}", f"#Fields: {IIS_FIELDS[0]}"]
    for _, _, req, method, agent in entries:
        size = int(rng.integers(200, 9000))
        lines.append(_combined(req, method, agent, size) if fmt == "combined" else _iis(req, method, agent))
    return "\n".join(lines) + "\n", [e[2] for e in entries]


def write_server_log(path, fmt: str, probe_times, probe_sources, signature, states, rng: np.random.Generator,
                     background_rate: float = 0.01, span: tuple[float, float] | None = None) -> ServerLog:
    """Write the log of one server. ``probe_times``: seconds since the epoch (UTC) at which worm probes
    arrived; ``probe_sources``: their source addresses (int or dotted strings); ``signature``: the audit
    rule naming the worm (``Worm.signature``). Background requests fill ``span`` (default: the probes'
    first to last second). Written atomically."""
    text, requests = render_server_log(fmt, probe_times, probe_sources, signature, states, rng, background_rate,
                                       span)
    path = Path(path)
    write_text_atomic(path, text)
    return ServerLog(path, fmt, requests)
