"""A Dask scheduler address, checked before anything connects: ``SCHEME://HOST:PORT``.

Schemes are those dask.distributed speaks: ``tcp`` (the default when none is written), ``tls``, ``ucx``,
``ws``, ``wss``, and ``inproc`` (a scheduler in this same Python process; API use only). HOST is a DNS name,
an IPv4 address or a bracketed IPv6 address; PORT is 1-65535. Anything else is refused with one line rather
than handed to Dask, which would wait out its connect timeout before saying the scheme is unknown.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from ..errors import WormcastError

SCHEMES = ("tcp", "tls", "ucx", "ws", "wss", "inproc")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class SchedulerAddress:
    scheme: str
    host: str  # without brackets
    port: int | None  # None for inproc

    def __str__(self) -> str:
        if self.port is None:
            return f"{self.scheme}://{self.host}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def _valid_host(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
        return True
    except ValueError:
        pass
    if len(host) > 253 or re.fullmatch(r"[0-9.]+", host):  # digits and dots only: a malformed IPv4 address
        return False
    return all(_LABEL.match(label) for label in host.rstrip(".").split("."))


def parse_scheduler(text: str, option: str = "--scheduler") -> SchedulerAddress:
    """The address in ``text``, or a WormcastError naming what is wrong with it."""
    where = f"{option} {text}"
    expected = f"expected SCHEME://HOST:PORT with SCHEME one of {', '.join(SCHEMES)} (e.g. tcp://10.0.0.5:8786)"
    if not isinstance(text, str) or not text.strip() or text != text.strip():
        raise WormcastError(f"{where}: {expected}")
    scheme, sep, rest = text.partition("://")
    if not sep:
        if "/" in text:
            raise WormcastError(f"{where}: {expected}")
        scheme, rest = "tcp", text
    scheme = scheme.lower()
    if scheme not in SCHEMES:
        raise WormcastError(f"{where}: unknown scheme {scheme!r}; {expected}")
    if scheme == "inproc":
        if not rest or any(c.isspace() for c in rest):
            raise WormcastError(f"{where}: an inproc address names a scheduler in this process (inproc://ADDR)")
        return SchedulerAddress(scheme, rest, None)
    if "/" in rest or "?" in rest or "#" in rest or "@" in rest:
        raise WormcastError(f"{where}: {expected} (no path, query or user part)")
    if rest.startswith("["):
        host, close, tail = rest[1:].partition("]")
        if not close or not tail.startswith(":"):
            raise WormcastError(f"{where}: {expected} (an IPv6 host is written [ADDR]:PORT)")
        port_text = tail[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise WormcastError(f"{where}: {host!r} is not an IPv6 address") from None
    else:
        host, colon, port_text = rest.rpartition(":")
        if not colon:
            raise WormcastError(f"{where}: no port; {expected}")
        if not host or not _valid_host(host):
            raise WormcastError(f"{where}: {host!r} is not a host name or IP address")
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise WormcastError(f"{where}: port {port_text!r} is not a number from 1 to 65535")
    return SchedulerAddress(scheme, host, int(port_text))
