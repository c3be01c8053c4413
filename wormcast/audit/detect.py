"""Classify requests with the rules and accumulate what the audit reports, in bounded memory.

Per signature: requests, first and last seen, fingerprint mismatches, pattern timeouts, probes per
time bin (:class:`~wormcast.audit.timeline.Bins`) and a bounded sample of arrival times (for
``--compare``). Per source (:class:`SourceTable`): first and last seen, requests and requests per
signature, in flat arrays (O(1) per source, at most :data:`MAX_SOURCES` sources). Scans of sequence
rules (Nimda) are followed per (rule, source) as the probes arrive, with O(1) state each; a scan with
fewer distinct steps than the rule's ``min_steps`` is not the worm: its probes go to the next rule
that claims them. Compromise evidence: the first :data:`MAX_EVIDENCE` requests of a rule with a
``compromise`` text answered 2xx. docs/audit.md states the bounds.
"""

from __future__ import annotations

import random
from array import array
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .formats import Request, iso
from .rules import RuleSet, Verdict
from .timeline import MAX_BINS, Bins

MAX_EVIDENCE = 1000
MAX_SOURCES = 150_000  # distinct source addresses kept per audit (about 170 bytes each; docs/audit.md)
RESERVOIR = 100_000  # arrival times kept per signature for --compare: all of them up to this many
_PAIR_WEIGHT = 3  # a source with several signatures costs about three single ones


class SourceTable:
    """Per source address: first, last, requests, and requests and first time per signature.

    Flat arrays indexed by the order sources are first seen; a source with more than one signature
    keeps the extra ones in a small dict. Once the table holds :data:`MAX_SOURCES` (weighted) entries,
    a new source, or a new signature of a known source, is not kept; its requests still count in the
    signature totals and in ``untracked`` (per signature)."""

    def __init__(self, cap: int = MAX_SOURCES):
        self.cap = cap
        self.index: dict[str, int] = {}
        self.first = array("d")
        self.last = array("d")
        self.requests = array("q")
        self.sig = array("h")  # the source's first signature
        self.multi: dict[int, dict[int, list]] = {}  # source -> {signature: [requests, first time]}
        self.untracked: Counter = Counter()

    def __len__(self) -> int:
        return len(self.index)

    @property
    def full(self) -> bool:
        return len(self.index) + _PAIR_WEIGHT * len(self.multi) >= self.cap

    def add(self, addr: str, t: float, sig: int) -> None:
        i = self.index.get(addr)
        if i is None:
            if self.full:
                self.untracked[sig] += 1
                return
            self.index[addr] = len(self.first)
            self.first.append(t)
            self.last.append(t)
            self.requests.append(1)
            self.sig.append(sig)
            return
        m = self.multi.get(i)
        if m is None and self.sig[i] != sig:
            if self.full:
                self.untracked[sig] += 1
            else:
                m = self.multi[i] = {self.sig[i]: [self.requests[i], self.first[i]]}
        if m is not None:
            e = m.get(sig)
            if e is None:
                if self.full:
                    self.untracked[sig] += 1
                else:
                    m[sig] = [1, t]
            else:
                e[0] += 1
                e[1] = min(e[1], t)
        if t < self.first[i]:
            self.first[i] = t
        if t > self.last[i]:
            self.last[i] = t
        self.requests[i] += 1

    def per_signature(self, i: int) -> dict[int, tuple[int, float]]:
        """Source ``i``'s requests and first time per signature (kept ones)."""
        m = self.multi.get(i)
        if m is None:
            return {self.sig[i]: (self.requests[i], self.first[i])}
        return {s: (e[0], e[1]) for s, e in m.items()}


@dataclass(slots=True)
class _Scan:
    """One source's scans of one sequence rule: the open scan, the counts of closed ones."""

    steps: int = 0  # bit mask of the steps in the open scan
    prev_t: float = 0.0
    prev_step: int = -1
    pending: list = field(default_factory=list)  # probes held until the scan has min_steps steps
    complete: int = 0
    partial: int = 0


@dataclass(slots=True)
class _Probe:
    file: str
    line: int
    t: float
    addr: str
    status: int | None
    req: Request | None  # to classify with the next rules if its scan turns out too short
    raw: str | None


class Detector:
    """Feed requests with :meth:`feed` (or :meth:`record`); read the findings with :meth:`signatures`
    and friends (which first close the open scans: see :meth:`finish`)."""

    def __init__(self, rules: RuleSet, bin_seconds: int = 3600, max_sources: int = MAX_SOURCES,
                 max_bins: int = MAX_BINS):
        self.rules = rules
        self.names = [r.name for r in rules.rules]
        n = len(self.names)
        self.sources = SourceTable(max_sources)
        self.requests = [0] * n
        self.first_seen: list[float | None] = [None] * n
        self.last_seen: list[float | None] = [None] * n
        self.mismatches = [0] * n
        self.timeouts = [0] * n
        self.bins = Bins(n, bin_seconds, max_bins)
        self._sample: list[array] = [array("d") for _ in range(n)]
        self._rng = random.Random(0)
        self._scans: dict[tuple[int, str], _Scan] = {}
        self._open: set[tuple[int, str]] = set()
        self._evidence: list[tuple[int, int, dict]] = []
        self.evidence_total = 0
        self._files: dict[str, int] = {}

    # ------------------------------------------------------------------ input
    def held(self, v: Verdict) -> bool:
        """Whether a request so classified may be held until its scan is known (a sequence rule whose
        scans need several steps): :meth:`record` then needs the request itself."""
        return v.index is not None and self.rules.rules[v.index].min_steps > 1

    def feed(self, file: str, line_no: int, req: Request, raw: str) -> None:
        v = self.rules.classify(req)
        if v.index is None and not v.mismatched and not v.timed_out:
            return
        self.record(file, line_no, req.time, req.client, req.status, v, req if self.held(v) else None, raw)

    def wants_raw(self, v: Verdict, status: int | None) -> bool:
        """Whether a request so classified can become compromise evidence (and so needs its log line):
        2xx, and a rule with a ``compromise`` text, or held (the rule after it may have one)."""
        if v.index is None or status is None or not 200 <= status < 300:
            return False
        return bool(self.rules.rules[v.index].compromise) or self.held(v)

    def record(self, file: str, line_no: int, t: float, addr: str, status: int | None, v: Verdict,
               req: Request | None, raw: str | None) -> None:
        """Account for one request already classified as ``v``: what :meth:`feed` does after
        classifying. ``req`` is the request when :meth:`held` (else ``None``). The parallel reader
        classifies in its workers and records here, in file order, so the detector ends in the same
        state as after a serial read. ``raw`` may be ``None`` only when :meth:`wants_raw` is false
        or the evidence list is already full."""
        for i in v.mismatched:
            self.mismatches[i] += 1
        for i in v.timed_out:
            self.timeouts[i] += 1
        if v.index is None:
            return
        rule = self.rules.rules[v.index]
        if rule.sequence and rule.min_steps > 1:
            self._sequence(v.index, v.step, _Probe(file, line_no, t, addr, status, req, raw))
        else:
            self._account(file, line_no, t, addr, status, v.index, raw)

    def _account(self, file: str, line_no: int, t: float, addr: str, status: int | None, ri: int,
                 raw: str | None) -> None:
        self.sources.add(addr, t, ri)
        n = self.requests[ri]
        self.requests[ri] = n + 1
        f = self.first_seen[ri]
        if f is None or t < f:
            self.first_seen[ri] = t
        la = self.last_seen[ri]
        if la is None or t > la:
            self.last_seen[ri] = t
        self.bins.add(ri, t)
        sample = self._sample[ri]
        if n < RESERVOIR:  # reservoir sampling (algorithm R): a uniform sample of the arrival times
            sample.append(t)
        else:
            j = self._rng.randrange(n + 1)
            if j < RESERVOIR:
                sample[j] = t
        rule = self.rules.rules[ri]
        if rule.compromise and status is not None and 200 <= status < 300:
            self.evidence_total += 1
            if len(self._evidence) < MAX_EVIDENCE:
                if raw is None:
                    raise AssertionError("compromise evidence recorded without its log line")
                order = self._files.setdefault(file, len(self._files))
                self._evidence.append((order, line_no, {
                    "file": file, "line": line_no, "signature": rule.name, "status": status,
                    "source": addr, "time": iso(t), "request": raw[:500], "meaning": rule.compromise,
                }))

    # ------------------------------------------------------------------ sequence rules
    def _sequence(self, ri: int, step: int, p: _Probe) -> None:
        """A source's probes, in the order read, form one scan while each is a later step of the
        sequence than the one before and comes within the rule's ``scan_gap_seconds``; the probes of
        a scan count for the rule once it holds ``min_steps`` distinct steps."""
        rule = self.rules.rules[ri]
        key = (ri, p.addr)
        sc = self._scans.get(key)
        if sc is None:
            if len(self._scans) >= self.sources.cap:  # no room to follow this source's scans
                self._account(p.file, p.line, p.t, p.addr, p.status, ri, p.raw)
                return
            sc = self._scans[key] = _Scan()
        elif sc.steps and (step <= sc.prev_step or p.t < sc.prev_t or p.t - sc.prev_t > rule.scan_gap_seconds):
            self._close(ri, sc)
        sc.steps |= 1 << step
        sc.prev_t, sc.prev_step = p.t, step
        self._open.add(key)
        if sc.steps.bit_count() < rule.min_steps:
            sc.pending.append(p)
            return
        for q in sc.pending:
            self._account(q.file, q.line, q.t, q.addr, q.status, ri, q.raw)
        sc.pending.clear()
        self._account(p.file, p.line, p.t, p.addr, p.status, ri, p.raw)

    def _close(self, ri: int, sc: _Scan) -> None:
        rule = self.rules.rules[ri]
        n = sc.steps.bit_count()
        if n >= rule.min_steps:
            if n == len(rule.sequence):
                sc.complete += 1
            else:
                sc.partial += 1
        for q in sc.pending:  # too short a scan: not the worm, whatever the next rules call it
            self.mismatches[ri] += 1
            fb = self.rules.classify(q.req, start=ri + 1)
            self.record(q.file, q.line, q.t, q.addr, q.status, fb, q.req if self.held(fb) else None, q.raw)
        sc.pending.clear()
        sc.steps, sc.prev_step = 0, -1

    def finish(self) -> None:
        """Close the open scans (their held probes are then attributed); reading methods call it."""
        for key in sorted(self._open, key=lambda k: (k[0], k[1])):
            sc = self._scans[key]
            if sc.steps:
                self._close(key[0], sc)
        self._open.clear()

    # ------------------------------------------------------------------ output
    @property
    def evidence(self) -> list[dict]:
        self.finish()
        return [e for _, _, e in sorted(self._evidence, key=lambda x: (x[0], x[1]))]

    def scans(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(rule, source) -> (complete, partial) scans of each sequence rule."""
        self.finish()
        return {(self.names[ri], addr): (sc.complete, sc.partial) for (ri, addr), sc in self._scans.items()
                if sc.complete or sc.partial}

    @property
    def untracked_sources(self) -> bool:
        """Whether some sources were not kept (the table reached MAX_SOURCES)."""
        return bool(self.sources.untracked)

    def signatures(self) -> dict[str, dict]:
        """The per-rule object of audit.json (every rule listed, matched or not)."""
        self.finish()
        counts = Counter()
        tab = self.sources
        single = np.ones(len(tab), dtype=bool)
        for i, m in tab.multi.items():
            single[i] = False
            counts.update(m.keys())
        if len(tab):
            sig = np.frombuffer(tab.sig, dtype=np.int16)
            for s, c in zip(*np.unique(sig[single], return_counts=True)):
                counts[int(s)] += int(c)
        scans = Counter()
        for (ri, _), sc in self._scans.items():
            scans[(ri, 0)] += sc.complete
            scans[(ri, 1)] += sc.partial
        out = {}
        for ri, r in enumerate(self.rules.rules):
            d = {"title": r.title, "requests": self.requests[ri], "sources": counts[ri],
                 "first_seen": iso(self.first_seen[ri]), "last_seen": iso(self.last_seen[ri])}
            if r.sequence:
                d.update(complete_scans=scans[(ri, 0)], partial_scans=scans[(ri, 1)])
            if r.fingerprint is not None:
                d["fingerprint_mismatches"] = self.mismatches[ri]
            if self.timeouts[ri]:
                d["pattern_timeouts"] = self.timeouts[ri]
            if tab.untracked[ri]:
                d["untracked_requests"] = tab.untracked[ri]
            out[r.name] = d
        return out

    @property
    def fingerprint_mismatches(self) -> int:
        """Requests that matched a worm rule's path but not its fingerprint (all rules)."""
        self.finish()
        return sum(self.mismatches)

    def _order(self) -> np.ndarray:
        """Source indices, most requests first, then earliest first seen, then in the order the
        sources appeared in the logs (a stable sort: no per-source key objects)."""
        tab = self.sources
        if not len(tab):
            return np.empty(0, dtype=np.int64)
        req = np.frombuffer(tab.requests, dtype=np.int64)
        first = np.frombuffer(tab.first, dtype=np.float64)
        return np.lexsort((first, -req))

    def iter_source_rows(self, limit: int | None = None):
        """Rows of sources.csv (one per kept source address, most requests first); ``limit`` the first."""
        self.finish()
        tab = self.sources
        scans: dict[str, list[int]] = {}
        for (_, addr), sc in self._scans.items():
            acc = scans.setdefault(addr, [0, 0])
            acc[0] += sc.complete
            acc[1] += sc.partial
        addrs = list(tab.index)
        order = self._order()
        for i in (order if limit is None else order[:limit]):
            i = int(i)
            addr = addrs[i]
            per = {self.names[s]: c for s, (c, _) in tab.per_signature(i).items()}
            main = max(per.items(), key=lambda kv: (kv[1], kv[0]))[0]
            complete, partial = scans.get(addr, (0, 0))
            yield {
                "address": addr, "first_seen": iso(tab.first[i]), "last_seen": iso(tab.last[i]),
                "requests": tab.requests[i], "signature": main,
                "signatures": ";".join(f"{k}:{v}" for k, v in sorted(per.items(), key=lambda kv: -kv[1])),
                "complete_scans": complete, "partial_scans": partial,
            }

    def drop_sources(self) -> None:
        """Free the per-source table (once sources.csv is written), so that what comes after (the
        report's figure) does not add to it; later source rows are empty."""
        self.finish()
        self.sources = SourceTable(self.sources.cap)
        self._scans.clear()

    def source_rows(self, limit: int | None = None) -> list[dict]:
        return list(self.iter_source_rows(limit))

    def timeline(self):
        """Probes and new sources per bin and signature (see :class:`~wormcast.audit.timeline.Bins`)."""
        self.finish()
        tab = self.sources
        new = [Counter() for _ in self.names]
        new_all: Counter = Counter()
        if len(tab):
            width = self.bins.width
            first = np.frombuffer(tab.first, dtype=np.float64)
            b = np.floor_divide(first, width).astype(np.int64)
            sig = np.frombuffer(tab.sig, dtype=np.int16).astype(np.int64)
            for x, c in zip(*np.unique(b, return_counts=True)):
                new_all[int(x)] += int(c)
            single = np.ones(len(tab), dtype=bool)
            single[list(tab.multi)] = False
            key = sig[single] * (1 << 40) + (b[single] - b.min())
            lo = int(b.min())
            for k, c in zip(*np.unique(key, return_counts=True)):
                new[int(k) >> 40][int(k) % (1 << 40) + lo] += int(c)
            for m in tab.multi.values():
                for s, (_, ft) in m.items():
                    new[s][self.bins.bin_of(ft)] += 1
        return self.bins.timeline(self.names, new, new_all)

    @property
    def bin_seconds(self) -> int:
        """The timeline's bin width: the requested one, doubled as often as the span needed."""
        return self.bins.width

    def arrivals(self, signatures: list[str]) -> tuple[np.ndarray, int]:
        """Arrival times (epoch seconds, sorted) of ``signatures``' requests and how many there were:
        every time while a signature has at most RESERVOIR requests, else a uniform sample of them."""
        self.finish()
        times, total = [], 0
        for name in signatures:
            if name in self.names:
                ri = self.names.index(name)
                times.append(np.frombuffer(self._sample[ri], dtype=np.float64))
                total += self.requests[ri]
        t = np.sort(np.concatenate(times)) if times else np.empty(0)
        return t, total
