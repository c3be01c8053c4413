"""Test-only pieces of the closed loop (simulate -> observe -> audit -> calibrate): a toy outbreak that runs
in about 10 ms, observed by the scenario's own observers (a telescope; an organisation's front-ends logged
by the `server` observer).

Toy: 5,000 vulnerable hosts on the real 2^32 space scanning uniformly at 4,000 probes/s (Slammer-like
speed), 100 seeded: K = r N / 2^32 = 0.0047/s, half infected after ~14 minutes; 40 minutes in 20 s steps.
With ``org=True`` the world also holds the monitored organisation: 1,024 vulnerable IIS front-ends filling
SERVERS (one log for the farm, as behind a load balancer), infected like any other host, so the log's
response codes follow their state; ``population.vulnerable`` still counts the 5,000 outside hosts.
"""

from __future__ import annotations

import pandas as pd

from wormcast.config.loading import from_dict

TRUTH = {"worm.scan_rate.mean": 4000.0, "population.vulnerable": 5000}
TELESCOPE = "44.0.0.0/8"
SERVERS = "10.20.0.0/22"  # the organisation's 1,024 front-end addresses, logged together
ORG = {"name": "monitored", "blocks": [SERVERS], "servers": 1024}  # every address a vulnerable front-end


def toy_data(rate: float = TRUTH["worm.scan_rate.mean"], hosts: int = TRUTH["population.vulnerable"],
             observers: list | None = None, org: bool = False) -> dict:
    data = {"name": "toy", "start": "2001-07-19T00:00:00Z", "end": "2001-07-19T00:40:00Z", "step": "20s",
            "interval": "1min", "population": {"vulnerable": int(hosts)}, "seeding": {"initial_infected": 100},
            "worm": {"name": "toy worm", "signature": "codered1", "scanning": "uniform",
                     "scan_rate": {"distribution": "constant", "mean": float(rate)}},
            "observers": observers or []}
    if org:
        data["orgs"] = [dict(ORG)]
    return data


def toy(**kw):
    return from_dict(toy_data(**kw), "toy scenario")


def telescope_observer(block: str = TELESCOPE, name: str = "caida") -> dict:
    return {"kind": "telescope", "name": name, "blocks": [block]}


def server_observer(name: str = "farm", background_rate: float = 0.05) -> dict:
    return {"kind": "server", "name": name, "org": ORG["name"], "format": "combined",
            "background_rate": background_rate}


def observed_run(seed: int, **kw):
    """Run the toy with the telescope observer on TELESCOPE; returns (simulation, result)."""
    from wormcast.core.loop import Simulation

    sim = Simulation(toy(observers=[telescope_observer()], **kw), seed)
    return sim, sim.run()


def telescope_frame(result, name: str = "caida") -> pd.DataFrame:
    """The telescope observer's series as its parquet holds it, in the columns calibrate reads (time, packets,
    unique_sources: cumulative, new_sources, active_sources: the interval's own sources, predict.py's (P3))."""
    s = result.observers[name].tables["series"]
    return s[["time", "packets", "unique_sources", "new_sources", "active_sources"]].copy()


def one_copy(rate: float = TRUTH["worm.scan_rate.mean"], hosts: int = TRUTH["population.vulnerable"],
             observers: list | None = None, end: str = "01:00"):
    """The toy started from one copy, with codered-v2's rate law (lognormal, cv 0.5): its take-off time is
    random by minutes (1/K ~ 3.5 min per doubling at the start). ``end``: hh:mm on the day; a calibrated
    copy runs longer than the observations so that every aligned seed has data to be read (predict.py)."""
    data = toy_data(rate, hosts, observers)
    data["end"] = f"2001-07-19T{end}:00Z"
    data["seeding"]["initial_infected"] = 1
    data["worm"]["scan_rate"] = {"distribution": "lognormal", "mean": float(rate), "cv": 0.5}
    return from_dict(data, "one-copy toy")
