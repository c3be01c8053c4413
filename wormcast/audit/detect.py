"""Classify requests with the rules and accumulate what the audit reports.

Per signature: requests and distinct sources; per source: first and last seen, requests,
signatures; scans of sequence rules (Nimda) grouped per source into complete and partial ones;
compromise evidence (a rule with a ``compromise`` text whose request was answered 2xx); and one
compact event per matched request (time, signature, source) for timelines and fits.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field

from .formats import Request, iso
from .rules import RuleSet

MAX_EVIDENCE = 1000


@dataclass
class Source:
    first: float
    last: float
    requests: int = 0
    signatures: Counter = field(default_factory=Counter)


class Detector:
    """Feed requests with :meth:`feed`; read the findings with :meth:`signatures` and friends."""

    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.names = [r.name for r in rules.rules]
        self._index = {n: i for i, n in enumerate(self.names)}
        self.sources: dict[str, Source] = {}
        self._src_index: dict[str, int] = {}
        self.ev_time = array("d")
        self.ev_sig = array("h")
        self.ev_src = array("l")
        self._steps: dict[tuple[str, str], list[tuple[float, int, int]]] = {}
        self.evidence: list[dict] = []
        self.evidence_total = 0
        self._seq = 0

    def feed(self, file: str, line_no: int, req: Request, raw: str) -> None:
        hit = self.rules.classify(req.uri)
        if hit is None:
            return
        rule, step = hit
        self.record(file, line_no, req.time, req.client, req.status, rule, step, raw)

    @staticmethod
    def wants_raw(rule, status: int | None) -> bool:
        """Whether a classified request can become compromise evidence (and so needs its log line)."""
        return bool(rule.compromise) and status is not None and 200 <= status < 300

    def record(self, file: str, line_no: int, t: float, addr: str, status: int | None, rule, step: int,
               raw: str | None) -> None:
        """Account for one request already classified as ``rule`` (step ``step``): what :meth:`feed`
        does after classifying. The parallel reader classifies in its workers and records here, in
        file order, so the detector ends in the same state as after a serial read. ``raw`` may be
        ``None`` only when :meth:`wants_raw` is false or the evidence list is already full."""
        src = self.sources.get(addr)
        if src is None:
            src = self.sources[addr] = Source(t, t)
            self._src_index[addr] = len(self._src_index)
        src.first = min(src.first, t)
        src.last = max(src.last, t)
        src.requests += 1
        src.signatures[rule.name] += 1
        self.ev_time.append(t)
        self.ev_sig.append(self._index[rule.name])
        self.ev_src.append(self._src_index[addr])
        if rule.sequence:
            self._seq += 1
            self._steps.setdefault((rule.name, addr), []).append((t, self._seq, step))
        if self.wants_raw(rule, status):
            self.evidence_total += 1
            if len(self.evidence) < MAX_EVIDENCE:
                if raw is None:
                    raise AssertionError("compromise evidence recorded without its log line")
                self.evidence.append({
                    "file": file, "line": line_no, "signature": rule.name, "status": status,
                    "source": addr, "time": iso(t), "request": raw[:500], "meaning": rule.compromise,
                })

    def scans(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(rule, source) -> (complete, partial) scans of each sequence rule.

        A source's probes, in time order, form one scan while each probe is a later step of the
        sequence than the one before and comes within the rule's ``scan_gap_seconds``; a scan is
        complete when it holds every step.
        """
        out = {}
        for (name, addr), probes in self._steps.items():
            rule = self.rules.by_name[name]
            probes.sort()
            complete = partial = 0
            steps: set[int] = set()
            prev_t, prev_step = None, -1
            for t, _, step in probes:
                if prev_t is not None and (step <= prev_step or t - prev_t > rule.scan_gap_seconds):
                    complete, partial = _close(steps, len(rule.sequence), complete, partial)
                    steps = set()
                steps.add(step)
                prev_t, prev_step = t, step
            complete, partial = _close(steps, len(rule.sequence), complete, partial)
            out[(name, addr)] = (complete, partial)
        return out

    def signatures(self) -> dict[str, dict]:
        """The per-rule object of audit.json (every rule listed, matched or not)."""
        out = {r.name: {"title": r.title, "requests": 0, "sources": 0, "first_seen": None, "last_seen": None}
               for r in self.rules.rules}
        for r in self.rules.rules:
            if r.sequence:
                out[r.name].update(complete_scans=0, partial_scans=0)
        firsts: dict[str, float] = {}
        lasts: dict[str, float] = {}
        for t, s in zip(self.ev_time, self.ev_sig):
            name = self.names[s]
            firsts[name] = min(firsts.get(name, t), t)
            lasts[name] = max(lasts.get(name, t), t)
        for src in self.sources.values():
            for name, n in src.signatures.items():
                out[name]["requests"] += n
                out[name]["sources"] += 1
        for name in firsts:
            out[name]["first_seen"] = iso(firsts[name])
            out[name]["last_seen"] = iso(lasts[name])
        for (name, _), (c, p) in self.scans().items():
            out[name]["complete_scans"] += c
            out[name]["partial_scans"] += p
        return out

    def source_rows(self) -> list[dict]:
        """One row per source address, most requests first."""
        per_addr: dict[str, list[int]] = {}
        for (_, addr), (c, p) in self.scans().items():
            acc = per_addr.setdefault(addr, [0, 0])
            acc[0] += c
            acc[1] += p
        rows = []
        for addr, s in self.sources.items():
            complete, partial = per_addr.get(addr, (0, 0))
            main = max(s.signatures.items(), key=lambda kv: (kv[1], kv[0]))[0]
            rows.append({
                "address": addr, "first_seen": iso(s.first), "last_seen": iso(s.last), "requests": s.requests,
                "signature": main,
                "signatures": ";".join(f"{k}:{v}" for k, v in sorted(s.signatures.items(), key=lambda kv: -kv[1])),
                "complete_scans": complete, "partial_scans": partial,
            })
        rows.sort(key=lambda r: (-r["requests"], r["first_seen"], r["address"]))
        return rows

    def events(self):
        """Matched requests as a DataFrame: time (UTC), signature, source."""
        import numpy as np
        import pandas as pd

        addrs = list(self._src_index)
        t = np.frombuffer(self.ev_time, dtype=float) if len(self.ev_time) else np.empty(0)
        return pd.DataFrame({
            "time": pd.to_datetime(t, unit="s", utc=True),
            "signature": pd.Categorical.from_codes(np.asarray(self.ev_sig, dtype=int), categories=self.names),
            "source": [addrs[i] for i in self.ev_src],
        })


def _close(steps: set[int], total: int, complete: int, partial: int) -> tuple[int, int]:
    if not steps:
        return complete, partial
    return (complete + 1, partial) if len(steps) == total else (complete, partial + 1)
