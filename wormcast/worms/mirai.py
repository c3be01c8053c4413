"""Mirai (from 1 August 2016): ports, the never-scanned ranges, the default-credential table, and the chance that
one brute-force session gets into a device. The scanner is scanners/mirai.py; churn is dynamics/churn.py.

Sources: the published source (jgamblin/Mirai-Source-Code, ``mirai/bot/scanner.c`` and ``scanner.h``) [P], read
for the rules below; Antonakakis et al., "Understanding the Mirai Botnet", USENIX Security 2017 [P] for the
published figures. The credential table is data that decides which simulated devices are infectable; nothing
here logs into anything. Derivations and the source's own inconsistencies: docs/worms/mirai.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..world.addresses import merge_ranges, parse_cidr

PORTS = (23, 2323)
PORT_2323_SHARE = 0.1       # scanner.c: probe i of each round goes to 2323 when i % 10 == 0, else to 23
PROBES_PER_ROUND = 160      # SCANNER_RAW_PPS: SYN probes per pass of the main loop (about one pass a second)
MAX_CONNS = 128             # SCANNER_MAX_CONNS: brute-force sessions a bot holds at once
TRIES = 10                  # a session that gets a login prompt is retried until 10 failures, then dropped
PEAK_INFECTED = 600_000     # Antonakakis et al. 2017: a peak of about 600,000 infected devices
STEADY_STATE = (200_000, 300_000)  # the same paper: 200,000-300,000 infected most of the time

# get_random_ip() redraws an address whose octets o1.o2 match any of these tests (in the source's order).
# Each entry: the CIDR block the test covers exactly, and the source's own comment where it differs.
EXCLUDED: tuple[tuple[str, str], ...] = (
    ("127.0.0.0/8", "o1 == 127, loopback"),
    ("0.0.0.0/8", "o1 == 0, invalid"),
    ("3.0.0.0/8", "o1 == 3, General Electric"),
    ("15.0.0.0/8", "o1 == 15, Hewlett-Packard (commented as 15.0.0.0/7)"),
    ("16.0.0.0/8", "o1 == 16, Hewlett-Packard (commented as 15.0.0.0/7)"),
    ("56.0.0.0/8", "o1 == 56, US Postal Service"),
    ("10.0.0.0/8", "o1 == 10, private"),
    ("192.168.0.0/16", "o1 == 192 && o2 == 168, private"),
    ("172.16.0.0/12", "o1 == 172 && 16 <= o2 < 32: the /12, though commented as 172.16.0.0/14"),
    ("100.64.0.0/11", "o1 == 100 && 64 <= o2 < 127: 100.64-100.126, commented as 100.64.0.0/10; "
                      "100.127/16 is scanned"),
    ("100.96.0.0/12", "(part of the same test)"),
    ("100.112.0.0/13", "(part of the same test)"),
    ("100.120.0.0/14", "(part of the same test)"),
    ("100.124.0.0/15", "(part of the same test)"),
    ("100.126.0.0/16", "(part of the same test)"),
    ("169.255.0.0/16", "o1 == 169 && o2 > 254: only 169.255/16, though commented as 169.254.0.0/16"),
    ("198.18.0.0/15", "o1 == 198 && 18 <= o2 < 20, special use"),
    ("224.0.0.0/3", "o1 >= 224, multicast and reserved"),
    ("6.0.0.0/8", "Department of Defense"),
    ("7.0.0.0/8", "Department of Defense"),
    ("11.0.0.0/8", "Department of Defense"),
    ("21.0.0.0/8", "Department of Defense"),
    ("22.0.0.0/8", "Department of Defense"),
    ("26.0.0.0/8", "Department of Defense"),
    ("28.0.0.0/8", "Department of Defense"),
    ("29.0.0.0/8", "Department of Defense"),
    ("30.0.0.0/8", "Department of Defense"),
    ("33.0.0.0/8", "Department of Defense"),
    ("55.0.0.0/8", "Department of Defense"),
    ("214.0.0.0/8", "Department of Defense"),
    ("215.0.0.0/8", "Department of Defense"),
)


def excluded_cidrs() -> list[str]:
    return [cidr for cidr, _ in EXCLUDED]


def excluded_ranges() -> list[tuple[int, int]]:
    return merge_ranges([parse_cidr(c) for c in excluded_cidrs()])


def source_excludes(o1: np.ndarray, o2: np.ndarray) -> np.ndarray:
    """The source's test itself, on first and second octets (for checking the CIDR list above)."""
    o1, o2 = np.asarray(o1), np.asarray(o2)
    dod = np.isin(o1, [6, 7, 11, 21, 22, 26, 28, 29, 30, 33, 55, 214, 215])
    return ((o1 == 127) | (o1 == 0) | (o1 == 3) | (o1 == 15) | (o1 == 16) | (o1 == 56) | (o1 == 10)
            | ((o1 == 192) & (o2 == 168)) | ((o1 == 172) & (o2 >= 16) & (o2 < 32))
            | ((o1 == 100) & (o2 >= 64) & (o2 < 127)) | ((o1 == 169) & (o2 > 254))
            | ((o1 == 198) & (o2 >= 18) & (o2 < 20)) | (o1 >= 224) | dod)


@dataclass(frozen=True)
class Credential:
    username: str
    password: str
    weight: int


# scanner.c's add_auth_entry() calls, in order: the strings as its deobf() decodes them (each byte XOR 0x22,
# the four key bytes DE AD BE EF folded), and their weights. Two of the source's comments misname an entry:
# its 27th is Administrator/meinsm (commented "admin"), its 58th admin/4321 (commented "1234").
CREDENTIALS: tuple[Credential, ...] = tuple(Credential(u, p, w) for u, p, w in (
    ("root", "xc3511", 10), ("root", "vizxv", 9), ("root", "admin", 8), ("admin", "admin", 7),
    ("root", "888888", 6), ("root", "xmhdipc", 5), ("root", "default", 5), ("root", "juantech", 5),
    ("root", "123456", 5), ("root", "54321", 5), ("support", "support", 5), ("root", "", 4),
    ("admin", "password", 4), ("root", "root", 4), ("root", "12345", 4), ("user", "user", 3),
    ("admin", "", 3), ("root", "pass", 3), ("admin", "admin1234", 3), ("root", "1111", 3),
    ("admin", "smcadmin", 3), ("admin", "1111", 2), ("root", "666666", 2), ("root", "password", 2),
    ("root", "1234", 2), ("root", "klv123", 1), ("Administrator", "meinsm", 1), ("service", "service", 1),
    ("supervisor", "supervisor", 1), ("guest", "guest", 1), ("guest", "12345", 1), ("guest", "12345", 1),
    ("admin1", "password", 1), ("administrator", "1234", 1), ("666666", "666666", 1), ("888888", "888888", 1),
    ("ubnt", "ubnt", 1), ("root", "klv1234", 1), ("root", "Zte521", 1), ("root", "hi3518", 1),
    ("root", "jvbzd", 1), ("root", "anko", 4), ("root", "zlxx.", 1), ("root", "7ujMko0vizxv", 1),
    ("root", "7ujMko0admin", 1), ("root", "system", 1), ("root", "ikwb", 1), ("root", "dreambox", 1),
    ("root", "user", 1), ("root", "realtek", 1), ("root", "00000000", 1), ("admin", "1111111", 1),
    ("admin", "1234", 1), ("admin", "12345", 1), ("admin", "54321", 1), ("admin", "123456", 1),
    ("admin", "7ujMko0admin", 1), ("admin", "4321", 1), ("admin", "pass", 1), ("admin", "meinsm", 1),
    ("tech", "tech", 1), ("mother", "fucker", 1),
))
TOTAL_WEIGHT = sum(c.weight for c in CREDENTIALS)  # 152: random_auth_entry() draws rand_next() % 152


@dataclass(frozen=True)
class CredentialClasses:
    """The distinct username/password pairs of the table (a device uses one) and each pair's summed weight
    (guest/12345 is listed twice, so 61 pairs)."""

    pairs: tuple[tuple[str, str], ...]
    weight: np.ndarray


def credential_classes() -> CredentialClasses:
    pairs: dict[tuple[str, str], int] = {}
    for c in CREDENTIALS:
        pairs[(c.username, c.password)] = pairs.get((c.username, c.password), 0) + c.weight
    return CredentialClasses(tuple(pairs), np.array(list(pairs.values()), dtype=np.int64))


def session_success(weight: np.ndarray, tries: int = TRIES, total: int = TOTAL_WEIGHT) -> np.ndarray:
    """P(one brute-force session gets into a device whose working pair has summed weight ``weight``).

    Each try draws an entry with probability weight/152, independently (random_auth_entry() on every
    reconnect); the session ends at the first success or after ``tries`` failures:
    1 - (1 - w/152)^tries. Assumes the device answers every try (no time-outs, which also count as tries)."""
    return 1.0 - (1.0 - np.asarray(weight, dtype=float) / total) ** tries


def draw_session(device_class: np.ndarray, rng: np.random.Generator, tries: int = TRIES) -> np.ndarray:
    """Per-probe rule for the reference: play out one session per device, try by try, as the source does
    (``rand_next() % 152`` mapped to the table by cumulative weight). True where a try matched."""
    classes = credential_classes()
    index = {pair: i for i, pair in enumerate(classes.pairs)}
    entry_class = np.array([index[(c.username, c.password)] for c in CREDENTIALS])
    upper = np.cumsum([c.weight for c in CREDENTIALS])
    r = rng.integers(0, TOTAL_WEIGHT, size=(np.asarray(device_class).size, tries))
    drawn = entry_class[np.searchsorted(upper, r, side="right")]
    return (drawn == np.asarray(device_class)[:, None]).any(axis=1)


class Listening:
    """Which Mirai ports a device's telnet answers on; a probe reaches it only on one of them."""

    PORT_23, PORT_2323, BOTH = 0, 1, 2

    @staticmethod
    def reach_probability(kind: np.ndarray) -> np.ndarray:
        share = np.array([1 - PORT_2323_SHARE, PORT_2323_SHARE, 1.0])
        return share[np.asarray(kind)]


def draw_device_classes(n: int, rng: np.random.Generator, share: np.ndarray | None = None) -> np.ndarray:
    """Each device's working pair (index into :func:`credential_classes`). ``share``: the pairs' shares among
    devices; default ASSUMPTION: proportional to the table's weights (the authors' ordering suggests they
    weighted pairs by how often they worked; Antonakakis et al. do not publish per-pair device counts)."""
    classes = credential_classes()
    p = classes.weight / classes.weight.sum() if share is None else np.asarray(share, dtype=float)
    return rng.choice(p.size, size=n, p=p / p.sum())


def mean_session_success(share: np.ndarray | None = None) -> float:
    """Average chance that a session gets into a device drawn by :func:`draw_device_classes`' shares."""
    classes = credential_classes()
    p = classes.weight / classes.weight.sum() if share is None else np.asarray(share, dtype=float) / np.sum(share)
    return float(np.sum(p * session_success(classes.weight)))
