"""Generate web-server logs with known ground truth, for tests, benchmarks and demonstrations.

The generator writes ordinary traffic mixed with worm requests (Code Red I and II, Nimda scans,
generic root.exe / cmd.exe / traversal probes) and, on request, the mess real logs have. Labels
in :class:`Truth` come from what was emitted, never from the audit's own classifier.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

CR_TAIL = ("%u9090%u6858%ucbd3%u7801%u9090%u6858%ucbd3%u7801%u9090%u6858%ucbd3%u7801%u9090%u9090%u8190"
           "%u00c3%u0003%u8b00%u531b%u53ff%u0078%u0000%u00=a")
CODERED1 = "/default.ida?" + "N" * 224 + CR_TAIL
CODERED2 = "/default.ida?" + "X" * 224 + CR_TAIL
NIMDA = [
    "/scripts/root.exe", "/MSADC/root.exe", "/c/winnt/system32/cmd.exe", "/d/winnt/system32/cmd.exe",
    "/scripts/..%255c../winnt/system32/cmd.exe", "/_vti_bin/..%255c../..%255c../..%255c../winnt/system32/cmd.exe",
    "/_mem_bin/..%255c../..%255c../..%255c../winnt/system32/cmd.exe",
    "/msadc/..%255c../..%255c../..%255c/..%c1%1c../..%c1%1c../..%c1%1c../winnt/system32/cmd.exe",
    "/scripts/..%c1%1c../winnt/system32/cmd.exe", "/scripts/..%c0%2f../winnt/system32/cmd.exe",
    "/scripts/..%c0%af../winnt/system32/cmd.exe", "/scripts/..%c1%9c../winnt/system32/cmd.exe",
    "/scripts/..%%35%63../winnt/system32/cmd.exe", "/scripts/..%%35c../winnt/system32/cmd.exe",
    "/scripts/..%25%35%63../winnt/system32/cmd.exe", "/scripts/..%252f../winnt/system32/cmd.exe",
]
GENERIC = {
    "root-exe": "/cgi-bin/root.exe?/c+dir",
    "cmd-exe": "/winnt/system32/CMD.EXE?/c+dir+c:\\",
    "iis-traversal": "/iisadmpwd/..%c0%af../..%c0%af../boot.ini",
}
PAGES = ["/", "/index.html", "/images/logo.gif", "/css/site.css", "/products/item{}.htm", "/search?q=worm+{}",
         "/docs/setup.html", "/news/2001/07/{}.html"]
AGENTS = ["Mozilla/4.0 (compatible; MSIE 5.01; Windows NT 5.0)", "Mozilla/5.0 (X11; U; Linux i686; en-US) Gecko/20010726",
          "Googlebot/2.1 (+http://www.googlebot.com/bot.html)", "Mozilla/4.77 [en] (Win98; U)"]
START = datetime(2001, 7, 19, 10, 0, 0, tzinfo=timezone.utc)
_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_MONS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
IIS_FIELDS = [
    "date time c-ip cs-username s-ip s-port cs-method cs-uri-stem cs-uri-query sc-status cs(User-Agent)",
    "time c-ip cs-method cs-uri-stem cs-uri-query sc-status date",
]


@dataclass
class Truth:
    """What a generated log holds."""

    lines: int = 0
    blank_lines: int = 0
    malformed_lines: int = 0
    first_time: float | None = None
    last_time: float | None = None
    requests: dict = field(default_factory=lambda: defaultdict(int))
    sources: dict = field(default_factory=lambda: defaultdict(set))
    complete_scans: int = 0
    partial_scans: int = 0
    compromise: int = 0
    # requests a worm rule's pattern matches but its fingerprint refuses (see default.toml), per rule
    mismatches: dict = field(default_factory=lambda: defaultdict(int))


class _Writer:
    def __init__(self, fmt: str, rng: random.Random):
        self.fmt, self.rng = fmt, rng
        self.iis_fields = 0

    def render(self, t: datetime, ip: str, method: str, uri: str, status: int, mess: str = "") -> bytes:
        r = self.rng
        if self.fmt in ("combined", "common"):
            tz = r.choice([0, -6, 2, 9]) if mess != "utc" else 0
            lt = t + timedelta(hours=tz)
            stamp = f"{lt:%d}/{_MONS[lt.month - 1]}/{lt:%Y:%H:%M:%S} {'-' if tz < 0 else '+'}{abs(tz):02d}00"
            sep = "  " if mess == "twospace" else " "
            m = method.lower() if mess == "lowercase" else method
            req = f"{m} {uri}" + ("" if mess == "noversion" else f"{sep}HTTP/1.0")
            line = f'{ip} - - [{stamp}] "{req}"'
            line += f" {status} {r.randrange(100, 9000)}"
            if self.fmt == "combined":
                ua = r.choice(AGENTS)
                raw = (line + f' "-" "{ua}"').encode()
                if mess == "latin1":
                    raw = raw[:-1] + b" \xe9\xff\xfe" + b'"'
                return raw
            return line.encode()
        if self.fmt == "iis":
            path, _, query = uri.partition("?")
            vals = {"date": f"{t:%Y-%m-%d}", "time": f"{t:%H:%M:%S}", "c-ip": ip, "cs-username": "-",
                    "s-ip": "10.0.0.1", "s-port": "80", "cs-method": method, "cs-uri-stem": path,
                    "cs-uri-query": query or "-", "sc-status": str(status),
                    "cs(User-Agent)": r.choice(AGENTS).replace(" ", "+")}
            return " ".join(vals[f] for f in IIS_FIELDS[self.iis_fields].split()).encode()
        # UrlScan logs the path only, and in local time without a zone (read as UTC).
        path = uri.partition("?")[0]
        return (f"[{_DAYS[t.weekday()]}, {_MONS[t.month - 1]} {t.day:02d} {t:%Y - %H:%M:%S}] Client at {ip}: "
                f"URL contains extension '.exe', which is disallowed. Request will be rejected.  Raw URL='{path}'").encode()


def generate(fmt: str, n_events: int = 2000, seed: int = 0, worm_share: float = 0.05, mess: bool = True):
    """Return (lines as bytes without newlines, Truth). ``n_events`` counts requests and mess lines."""
    rng = random.Random(seed)
    w = _Writer(fmt, rng)
    truth = Truth()
    out: list[bytes] = []
    t = START
    pools = defaultdict(list)
    ip_counter = [0]

    def new_ip(kind: str) -> str:
        ip_counter[0] += 1
        k = ip_counter[0]
        return f"{20 + k // 65536}.{(k // 256) % 256}.{k % 256}.{1 + len(kind)}"

    def source(kind: str) -> str:
        pool = pools[kind]
        if not pool or rng.random() < 0.6:
            pool.append(new_ip(kind))
        return rng.choice(pool)

    def valid(line: bytes, when: datetime) -> None:
        out.append(line)
        ts = when.timestamp()
        if truth.first_time is None:
            truth.first_time = ts
        truth.last_time = ts

    def label(kind: str) -> str:
        return "ida-probe" if fmt == "urlscan" and kind in ("codered1", "codered2") else kind

    if fmt == "iis":
        out += [b"#Software: Microsoft Internet Information Services 5.0", b"#Version: 1.0",
                f"#Date: {t:%Y-%m-%d %H:%M:%S}".encode(), f"#Fields: {IIS_FIELDS[0]}".encode()]
    if fmt == "urlscan":
        out.append(f"[{_DAYS[t.weekday()]}, Jul 19 2001 - 09:59:59] ---------- UrlScan.dll Initializing ----------".encode())
    i = 0
    while i < n_events:
        i += 1
        t += timedelta(seconds=rng.randrange(1, 40))
        u = rng.random()
        kind = None
        if mess and u < 0.03 and i > 1:
            what = rng.choice(["truncate", "freetext", "blank", "megabyte", "tabs", "fieldschange"])
            if what == "blank":
                out.append(b"")
                truth.blank_lines += 1
            elif what == "freetext":
                out.append(b"Note from the admin: server rebooted here, ignore the gap")
                truth.malformed_lines += 1
            elif what == "tabs":
                out.append(b"\t\x00\x01 garbage \xff\xfe cmd.exe \x1b[31m")
                truth.malformed_lines += 1
            elif what == "megabyte":
                out.append(b"GET /" + b"A" * (1 << 20) + b" root.exe " + b"B" * 1000)
                truth.malformed_lines += 1
            elif what == "fieldschange" and fmt == "iis":
                w.iis_fields = 1 - w.iis_fields
                out.append(f"#Fields: {IIS_FIELDS[w.iis_fields]}".encode())
            else:
                full = w.render(t, new_ip("x"), "GET", CODERED1 if rng.random() < 0.5 else "/index.html", 404)
                if fmt == "iis":
                    cut = full.rsplit(b" ", 3)[0]  # drop fields: a field-count mismatch
                elif fmt == "urlscan":
                    cut = full[: full.index(b"Raw URL")]
                else:
                    q = full.index(b'"')
                    cut = full[: rng.randrange(q + 2, full.index(b'"', q + 1))]
                out.append(cut)
                truth.malformed_lines += 1
            continue
        if u < worm_share:
            kind = rng.choice(["codered1", "codered1", "codered2", "nimda", "root-exe", "cmd-exe", "iis-traversal"])
        if kind is None:
            page = rng.choice(PAGES).format(rng.randrange(1000))
            m = rng.choice(["", "", "", "twospace", "noversion", "lowercase", "latin1"]) if mess else ""
            method = rng.choice(["GET", "GET", "HEAD", "POST"])
            valid(w.render(t, new_ip("web"), method, page, 200, m), t)
            continue
        ip = source(kind)
        if kind == "nimda":
            steps = 16 if rng.random() < 0.7 else rng.randrange(1, 16)
            # One probe alone is not a Nimda scan (its fingerprint needs 2 steps): a root.exe request.
            lab = "nimda" if steps >= 2 else "root-exe"
            for s in range(steps):
                valid(w.render(t, ip, "GET", NIMDA[s] + "?/c+dir", 404), t)
                truth.requests[lab] += 1
                t += timedelta(seconds=rng.randrange(0, 2))
            truth.sources[lab].add(ip)
            if steps == 1:
                truth.mismatches["nimda"] += 1
            elif steps == 16:
                truth.complete_scans += 1
            else:
                truth.partial_scans += 1
            t += timedelta(seconds=700)  # the next scan from this source is a new one
            continue
        uri = {"codered1": CODERED1, "codered2": CODERED2}.get(kind) or GENERIC[kind]
        status = 200 if (rng.random() < 0.1 and fmt != "urlscan") else 404
        m = rng.choice(["", "twospace", "noversion", "lowercase"]) if mess else ""
        valid(w.render(t, ip, "GET", uri, status, m), t)
        lab = label(kind)
        if lab in ("codered1", "codered2") and fmt in ("combined", "common") and m in ("noversion", "lowercase"):
            # Not the worm's request (no HTTP/1.0, or "get"): its fingerprint refuses it; ida-probe claims it.
            truth.mismatches[lab] += 1
            lab = "ida-probe"
        truth.requests[lab] += 1
        truth.sources[lab].add(ip)
        if status == 200:
            truth.compromise += 1
    truth.lines = len(out)
    return out, truth


def write_combined(path, size_bytes: int, seed: int = 0, worm_share: float = 0.01, chunk_events: int = 20000) -> int:
    """Stream a combined log of about ``size_bytes`` to ``path`` (no mess); returns the bytes written."""
    written = 0
    k = 0
    with open(path, "wb") as fh:
        while written < size_bytes:
            lines, _ = generate("combined", chunk_events, seed=seed * 100003 + k, worm_share=worm_share, mess=False)
            data = b"\n".join(lines) + b"\n"
            fh.write(data)
            written += len(data)
            k += 1
    return written


def codered_line(i: int, when: datetime = START, distinct: bool = False) -> bytes:
    """One combined line holding Code Red I's request, from 10.0.0.1 (or a distinct address per ``i``)."""
    ip = f"{10 + (i >> 24) % 200}.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}" if distinct else "10.0.0.1"
    stamp = f"{when:%d}/{_MONS[when.month - 1]}/{when:%Y:%H:%M:%S} +0000"
    return f'{ip} - - [{stamp}] "GET {CODERED1}  HTTP/1.0" 400 252 "-" "-"\n'.encode()


def write_gzip_log(path, size_bytes: int, distinct_sources: int = 0, span: bool = True,
                   chunk_bytes: int = 8 << 20) -> int:
    """Write a highly compressible .gz combined log of about ``size_bytes`` unpacked, for memory tests.

    Its body is identical Code Red lines (one chunk compressed once and written as repeated gzip
    members, so a multi-GB log takes seconds); then ``distinct_sources`` lines from as many distinct
    addresses; with ``span``, a first line dated 1990-01-01 and a last dated 2099-12-31 (the widest
    span the audit accepts) and lines dated 0001 and 9999 (malformed). Returns the unpacked size."""
    import gzip
    import zlib

    first = codered_line(0, datetime(1990, 1, 1, 0, 0, 1, tzinfo=timezone.utc))
    last = codered_line(0, datetime(2099, 12, 31, 23, 0, 0, tzinfo=timezone.utc))
    bad = (b'10.0.0.2 - - [31/Dec/9999:23:59:59 -1400] "GET /index.html HTTP/1.0" 200 1 "-" "-"\n'
           b'10.0.0.2 - - [01/Jan/0001:00:00:00 +0100] "GET ' + CODERED1.encode() + b' HTTP/1.0" 400 1 "-" "-"\n')
    line = codered_line(0)
    chunk = line * max(1, chunk_bytes // len(line))
    member = gzip.compress(chunk, compresslevel=9, mtime=0)
    written = 0
    with open(path, "wb") as fh:
        if span:
            fh.write(gzip.compress(first + bad, mtime=0))
            written += len(first) + len(bad)
        distinct = sum(len(codered_line(i + 1, START, distinct=True)) for i in range(distinct_sources))
        body = size_bytes - (len(last) if span else 0) - distinct
        while body - written >= len(chunk):
            fh.write(member)
            written += len(chunk)
        if distinct_sources:
            z = zlib.compressobj(1, zlib.DEFLATED, 31)
            for i in range(distinct_sources):
                data = codered_line(i + 1, START, distinct=True)
                fh.write(z.compress(data))
                written += len(data)
            fh.write(z.flush())
        if span:
            fh.write(gzip.compress(last, mtime=0))
            written += len(last)
    return written
