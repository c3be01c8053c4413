"""Test-only pieces of the closed loop (simulate -> observe -> audit -> calibrate): a toy outbreak that runs
in about 10 ms, and an observer component that keeps the probes landing in watched blocks, step by step
and by source, from which the tests write a telescope series and a server's log.

Toy: 5,000 vulnerable hosts on the real 2^32 space scanning uniformly at 4,000 probes/s (Slammer-like
speed), 100 seeded: K = r N / 2^32 = 0.0047/s, half infected after ~14 minutes; 40 minutes in 20 s steps.
"""

from __future__ import annotations

import numpy as np

from wormcast.config.components import ComponentConfig
from wormcast.config.loading import from_dict
from wormcast.core.component import Component
from wormcast.world.addresses import parse_cidr

TRUTH = {"worm.scan_rate.mean": 4000.0, "population.vulnerable": 5000}
TELESCOPE = "44.0.0.0/8"
SERVERS = "10.20.0.0/22"  # an organisation's 1,024 front-end addresses, logged together


def toy_data(rate: float = TRUTH["worm.scan_rate.mean"], hosts: int = TRUTH["population.vulnerable"],
             observers: list | None = None) -> dict:
    return {"name": "toy", "start": "2001-07-19T00:00:00Z", "end": "2001-07-19T00:40:00Z", "step": "20s",
            "interval": "1min", "population": {"vulnerable": int(hosts)}, "seeding": {"initial_infected": 100},
            "worm": {"name": "toy worm", "signature": "codered1", "scanning": "uniform",
                     "scan_rate": {"distribution": "constant", "mean": float(rate)}},
            "observers": observers or []}


def toy(**kw):
    return from_dict(toy_data(**kw), "toy scenario")


class LandedConfig(ComponentConfig):
    kind: str = "closedloop:Landed"
    blocks: list[str]


class Landed(Component):
    """Per watched block: the landed probes of every step (source host ids and counts)."""

    Config = LandedConfig

    def setup(self, ctx):
        self.ctx = ctx
        self.steps: list[list[tuple[int, np.ndarray, np.ndarray]]] = [[] for _ in self.config.blocks]

    def watch(self):
        return [[parse_cidr(b)] for b in self.config.blocks]

    def begin_step(self, step, t):
        self.step = step

    def on_probes(self, batch):
        for land in batch.landed:
            b = self.watch_index.index(land.block)
            self.steps[b].append((self.step, land.sources.copy(), land.counts.copy()))


def observed_run(seed: int, **kw):
    """Run the toy with a telescope and the servers watched; returns (simulation, result, Landed)."""
    from wormcast.core.loop import Simulation

    sc = toy(observers=[{"kind": "closedloop:Landed", "blocks": [TELESCOPE, SERVERS]}], **kw)
    sim = Simulation(sc, seed)
    result = sim.run()
    landed = next(c for c in sim.components if isinstance(c, Landed))
    return sim, result, landed


def telescope_frame(sim, landed, block: int = 0):
    """The telescope series (time, packets, unique_sources, new_sources) per reporting interval, through
    wormcast's TelescopeCounter."""
    import pandas as pd

    from wormcast.observers.telescope_counts import TelescopeCounter

    sc, dt = sim.scenario, sim.dt
    k = int(round(sc.interval / dt))
    n_int = -(-sim.n_steps // k)
    per = [[] for _ in range(n_int)]
    for s, src, cnt in landed.steps[block]:
        per[s // k].append((src, cnt))
    counter = TelescopeCounter()
    for i, items in enumerate(per):
        ids = np.concatenate([a for a, _ in items]) if items else np.empty(0, np.int64)
        cnt = np.concatenate([c for _, c in items]) if items else np.empty(0, np.int64)
        if ids.size:  # a source in several steps of the interval: one row per source
            ids, inv = np.unique(ids, return_inverse=True)
            cnt = np.bincount(inv, weights=cnt).astype(np.int64)
        counter.observe(i * k * dt, (i + 1) * k * dt, ids, cnt)
    ser = counter.series()
    start = pd.Timestamp(sc.start)
    return pd.DataFrame({"time": start + pd.to_timedelta(np.arange(n_int) * k * dt, unit="s"),
                         "packets": ser.packets, "unique_sources": ser.active_hosts, "new_sources": ser.new_hosts})


def server_probes(sim, landed, block: int = 1, seed: int = 0):
    """(arrival times in seconds since the epoch, source addresses) of the probes that reached the servers;
    times uniform within their step."""
    rng = np.random.default_rng(seed)
    t0 = sim.scenario.start.timestamp()
    times, sources = [], []
    for s, src, cnt in landed.steps[block]:
        ids = np.repeat(src, cnt)
        times.append(t0 + (s + rng.random(ids.size)) * sim.dt)
        sources.append(sim.world.addresses[ids])
    order = np.argsort(np.concatenate(times), kind="stable")
    return np.concatenate(times)[order], np.concatenate(sources)[order]
