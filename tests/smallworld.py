"""A small address space (16.0.0.0/14, 2^18 addresses) inside the real 2^32 one, for reference comparisons.

The worm excludes everything outside the /14, so the engine and the per-probe reference scan the same
2^18 addresses. Hosts sit in clusters of /24s so that localized scanning matters.
"""

from __future__ import annotations

import ipaddress

import numpy as np

from wormcast.config.loading import from_dict
from wormcast.world.population import World

SPACE_CIDR = "16.0.0.0/14"
BASE = int(ipaddress.IPv4Address("16.0.0.0"))
OUTSIDE = [str(n) for n in ipaddress.ip_network("0.0.0.0/0").address_exclude(ipaddress.ip_network(SPACE_CIDR))]


def small_world(n: int = 200, seed: int = 12345, clustered: bool = False) -> World:
    rng = np.random.default_rng(seed)
    if clustered:
        # 20 /24s spread over 4 of the 16 /18 blocks, 10 hosts each
        blocks = rng.choice(4, size=20) * (1 << 14) + rng.choice(64, size=20, replace=False) * 256
        offs = np.concatenate([rng.choice(256, size=n // 20, replace=False) for _ in range(20)])
        addrs = BASE + np.repeat(blocks, n // 20) + offs
    else:
        addrs = BASE + rng.choice(1 << 18, size=n, replace=False)
    return World(np.sort(addrs.astype(np.int64)))


def small_scenario(**worm_and_hosts) -> "object":
    """Time unit: seconds; one probe per second per host; 200 hosts in 2^18 gives K ~ 1/1300 s."""
    worm = {
        "name": "test worm",
        "scanning": "uniform",
        "exclude": OUTSIDE,
        "scan_rate": {"distribution": "constant", "mean": 1.0},
    }
    hosts = {}
    data = {"name": "small", "start": "2001-07-19T00:00:00Z", "end": "2001-07-19T05:00:00Z",
            "step": "5s", "interval": "1min", "population": {"vulnerable": 200}, "seeding": {"initial_infected": 2}}
    for key, value in worm_and_hosts.items():
        if key in ("reboot_rate_per_hour", "patch"):
            hosts[key] = value
        elif key in ("start", "end", "step", "seeding"):
            data[key] = value
        else:
            worm[key] = value
    data["worm"], data["hosts"] = worm, hosts
    return from_dict(data, "test scenario")
