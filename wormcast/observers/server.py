"""A monitored web server as an observer: the log it would have written during the run.

The server is one address (``address``) or an organisation's front-ends (``org``: its vulnerable servers
in the world, one log for the farm, as behind a load balancer). Per step it takes the
:class:`~wormcast.scanners.base.Landing` of its addresses from every worm's probe batch (the probes that
reached them and their sources, drawn from the scanner's own watch stream); at the end each probe gets a
uniform arrival time within its step and, for a farm, a front-end drawn uniformly among the farm's
addresses (exact for uniform scanning, and for localized scanning while the front-ends share the prefixes
the worm prefers), both from the observer's own stream. server_log.py writes the lines: the worm's request
line from its ``signature`` (the audit's own), the response code from the front-end's state at that second
(a vulnerable or infected IIS 200, patched 404; an address that holds no vulnerable host answers as
``state`` says, by default an Apache server: 400 for ``.ida``), and ordinary browser traffic at
``background_rate`` (ASSUMPTION value) over the whole run.
"""

from __future__ import annotations

from typing import Literal, Optional

import numpy as np
from pydantic import Field, field_validator, model_validator

from ..core.component import Component, Context
from ..core.registry import OBSERVERS
from ..core.states import DORMANT, PATCHED, SCANNING
from ..errors import WormcastError
from ..results.observed import ObserverOutput
from ..world.addresses import format_address, parse_address
from .named import NamedObserverConfig
from .server_log import ServerStates, render_server_log

_STATE_NAME = {SCANNING: "infected", DORMANT: "infected", PATCHED: "patched"}  # otherwise vulnerable


class ServerConfig(NamedObserverConfig):
    kind: str = "server"
    address: Optional[str] = Field(None, description="the monitored server's address")
    org: Optional[str] = Field(None, description="or: an organisation whose front-ends are monitored")
    format: Literal["combined", "iis"] = Field("combined", description="Apache combined or IIS W3C extended")
    background_rate: float = Field(0.01, ge=0, le=100, description="ordinary requests per second (ASSUMPTION)")
    state: Literal["immune", "patched", "vulnerable"] = Field(
        "immune", description="how an address without a vulnerable host answers (immune: Apache)")

    _addr = field_validator("address")(lambda v: None if v is None else (parse_address(v), v)[1])

    @model_validator(mode="after")
    def _one(self) -> "ServerConfig":
        if (self.address is None) == (self.org is None):
            raise ValueError(f"server {self.name!r}: give address or org (one of them)")
        return self


@OBSERVERS.register("server")
class Server(Component):
    Config = ServerConfig
    streams_used = ("server:*",)

    @property
    def name(self) -> str:
        return self.config.name

    def setup(self, ctx: Context):
        cfg, self.ctx = self.config, ctx
        world = ctx.world
        if cfg.org is not None:
            names = [o.name for o in ctx.scenario.orgs]
            if cfg.org not in names:
                raise WormcastError(f"observer {cfg.name!r}: no organisation named {cfg.org!r}")
            self.hosts = np.flatnonzero(world.org == names.index(cfg.org))
            self.addresses = world.addresses[self.hosts]
            if self.hosts.size == 0:
                raise WormcastError(f"observer {cfg.name!r}: organisation {cfg.org!r} has no vulnerable server")
        else:
            a = parse_address(cfg.address)
            i = int(np.searchsorted(world.addresses, a))
            found = i < world.n and int(world.addresses[i]) == a
            self.hosts = np.array([i] if found else [-1], dtype=np.int64)
            self.addresses = np.array([a], dtype=np.int64)
        missing = [w.name for w in ctx.scenario.worms if w.signature is None]
        if missing:
            raise WormcastError(f"observer {cfg.name!r}: worm {missing[0]!r} has no signature, so its request "
                                "line is unknown (set worm.signature)")
        self.signatures = [w.signature for w in ctx.scenario.worms]
        here = self.hosts >= 0
        self.is_mine = np.zeros(world.n, dtype=bool)
        self.is_mine[self.hosts[here]] = True
        self.history: dict[int, list[tuple[float, str]]] = {
            int(h): [(-np.inf, _STATE_NAME.get(int(ctx.hosts.state[h]), "vulnerable"))] for h in self.hosts[here]}
        self.probes: list[tuple[int, int, np.ndarray, np.ndarray]] = []  # (step, worm, sources, counts)
        self.step_now = 0

    def watch(self):
        return [[(int(a), int(a) + 1) for a in np.sort(self.addresses)]]

    def begin_step(self, step: int, t: float):
        self.step_now = step

    def on_probes(self, batch) -> None:
        for landing in batch.landed:
            if landing.block == self.watch_index[0] and landing.counts.size:
                self.probes.append((self.step_now, batch.worm, landing.sources, landing.counts))

    def on_changed(self, ids: np.ndarray, t: float) -> None:
        ids = ids[self.is_mine[ids]]
        for h in ids.tolist():
            state = _STATE_NAME.get(int(self.ctx.hosts.state[h]), "vulnerable")
            if self.history[h][-1][1] != state:
                self.history[h].append((t, state))

    def observed(self) -> ObserverOutput:
        import pandas as pd

        cfg, ctx = self.config, self.ctx
        rng = ctx.streams[f"server:{cfg.name}"]
        t0, dt = ctx.scenario.start.timestamp(), ctx.dt
        states = {h: ServerStates(hist[0][1], tuple(t0 + t for t, _ in hist[1:]), tuple(s for _, s in hist[1:]))
                  for h, hist in self.history.items()}
        fixed = ServerStates(cfg.state)
        times, sources, sigs, sts, fronts = [], [], [], [], []
        for step, worm, src, counts in self.probes:
            n = int(counts.sum())
            times.append(t0 + (step + rng.random(n)) * dt)
            sources.append(np.repeat(ctx.world.addresses[src], counts))
            sigs += [self.signatures[worm]] * n
            front = self.hosts[rng.integers(0, self.hosts.size, n)] if self.hosts.size > 1 else \
                np.repeat(self.hosts, n)
            fronts.append(front)
            sts += [states.get(int(h), fixed) for h in front]
        times = np.concatenate(times) if times else np.zeros(0)
        sources = np.concatenate(sources) if sources else np.zeros(0, np.int64)
        fronts = np.concatenate(fronts) if fronts else np.zeros(0, np.int64)
        text, requests = render_server_log(cfg.format, times, sources, sigs, sts, rng, cfg.background_rate,
                                           (t0, t0 + ctx.n_steps * dt))
        log = pd.DataFrame({
            "time": pd.to_datetime([r.time for r in requests], unit="s", utc=True),
            "source": pd.array([r.source for r in requests], dtype="string"),
            "request": pd.array([r.uri for r in requests], dtype="string"),
            "status": np.array([r.status for r in requests], dtype=np.int64),
            "worm": pd.array([r.worm for r in requests], dtype="string")})
        worm_lines = log[log["worm"].notna()]
        first = worm_lines["time"].min() if len(worm_lines) else None
        summary = {
            "kind": "server", "format": cfg.format,
            "addresses": [format_address(int(a)) for a in self.addresses[:20]],
            "front_ends": int(self.addresses.size),
            "worm_probes": int(times.size), "worm_requests": int(len(worm_lines)),
            "background_requests": int(len(log) - len(worm_lines)),
            "unique_sources_total": int(np.unique(sources).size),
            "first_probe_time": None if first is None else first.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "statuses": {str(k): int(v) for k, v in sorted(worm_lines["status"].value_counts().items())},
            "alarms": [],
        }
        files = {f"server-{cfg.name}.log": lambda path, text=text: path.write_text(text, encoding="utf-8")}
        return ObserverOutput(cfg.name, "server", {"log": log}, files, summary)
