"""A network telescope as an observer: the probes that land in its address blocks, per interval and per
source, what its estimators make of them, and when its early-warning detectors would have raised the alarm.

Per step it takes, from every worm's probe batch, the :class:`~wormcast.scanners.base.Landing` of its block
(the scanner draws it by thinning, from a stream of its own, so watching never changes the outbreak), adds
background radiation (``background.py``) and, at the end of each interval, hands the interval's sources
and packets to a :class:`~.telescope_counts.TelescopeCounter` (with address churn, ``churn.py``, if asked).
Detectors (``detectors/``) read the new sources of each interval (addresses: what a telescope counts),
background included; estimators (``estimators.py``) read the worm's probes only (as CAIDA filtered Code Red
by port and payload) over the last ``estimate_window`` of the run, each source with its share of that
window scanned (exposure: every worm's scanning episodes are logged, ``episodes.py``).

That is the exact accounting (``accounting = "exact"``, the reference). The default, ``"fast"``, watches no
block: it logs who scans when (``episodes.py``, fed by the scanner's start and stop) and draws the worm's
packets once, after the run (``telescope_fast.py``), then joins the background's record and runs the
detectors over the joined series; it falls back to exact accounting where unsupported (``follow``).
docs/observers.md.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal, Optional

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..core.component import Component, Context, StepTotals
from ..core.registry import OBSERVERS
from ..core.states import DORMANT, SCANNING
from ..results.observed import ObserverOutput
from ..scanners.base import WatchBlock
from ..util.timeutil import iso, parse_duration, steps_per
from ..world.addresses import SPACE, format_addresses, merge_ranges, overlap, parse_cidr
from .background import BackgroundRadiation
from .churn import AddressChurn
from .detectors.kalman import KalmanDetector
from .detectors.threshold import ThresholdDetector
from .detectors.trend import CusumDetector, IncreasingRunDetector
from .named import NamedObserverConfig
from .telescope_counts import SourceTable, TelescopeCounter, TelescopeSeries

DETECTORS = {"kalman": KalmanDetector, "threshold": ThresholdDetector, "cusum": CusumDetector,
             "increasing-run": IncreasingRunDetector}


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class ChurnSettings(_Settings):
    """DHCP-style address reassignment of the sources (ASSUMPTION unless sourced: churn.py)."""

    rate_per_hour: float = Field(ge=0, le=60, description="address changes per host per hour")


class BackgroundSettings(_Settings):
    """Non-worm traffic reaching the telescope (background.py; every default an ASSUMPTION for a /8)."""

    scanners_per_hour: float = Field(2000.0, ge=0, le=1e7, description="new background scanner sources per hour")
    scanner_mean_steps: float = Field(3.0, ge=1, le=1e6, description="steps a background scanner stays active")
    scanner_packets: float = Field(3.0, ge=0, le=1e6, description="packets per active step per scanner")
    misconfigured: int = Field(50, ge=0, le=1_000_000, description="misconfigured sources, always on")
    misconfigured_rate: float = Field(0.01, ge=0, le=1e3, description="packets per second each")
    diurnal_amplitude: float = Field(0.0, ge=0, le=1, description="time-of-day modulation of arrivals")

    def radiation(self) -> BackgroundRadiation:
        return BackgroundRadiation(self.scanners_per_hour / 3600.0, self.scanner_mean_steps, self.scanner_packets,
                                   self.misconfigured, self.misconfigured_rate, self.diurnal_amplitude)


class TelescopeConfig(NamedObserverConfig):
    kind: str = "telescope"
    blocks: list[str] = Field(default_factory=lambda: ["44.0.0.0/8"], min_length=1,
                              description="CIDR blocks of unused addresses (default CAIDA's /8)")
    interval: Optional[float] = Field(None, gt=0, description="accounting interval (default: the scenario's)")
    churn: Optional[ChurnSettings] = None
    background: Optional[BackgroundSettings] = None
    detectors: list[Literal["kalman", "threshold", "cusum", "increasing-run"]] = Field(default_factory=list)
    training: int = Field(120, ge=2, le=100_000, description="intervals each detector learns the background on")
    estimate_window: float = Field(3600.0, gt=0, description="the estimators read the run's last window")
    level: float = Field(0.9, gt=0, lt=1, description="level of the estimates' intervals")
    accounting: Literal["fast", "exact"] = Field(
        "fast", description="fast: the worm's packets drawn after the run from who scanned when "
        "(telescope_fast.py); exact: drawn per step and interval (the reference; also where fast is unsupported)")

    _dur = field_validator("interval", "estimate_window", mode="before")(
        lambda v: None if v is None else parse_duration(v))
    _cidrs = field_validator("blocks")(lambda v: [parse_cidr(b) and b for b in v])


@OBSERVERS.register("telescope")
class Telescope(Component):
    Config = TelescopeConfig
    streams_used = ("telescope:*",)

    def __init__(self, config: TelescopeConfig):
        super().__init__(config)
        self.ranges = merge_ranges([parse_cidr(b) for b in config.blocks])

    @property
    def name(self) -> str:
        return self.config.name

    def follow(self, scanners: list) -> None:
        """Fast accounting where it is supported: log who scans when, watch no block. Either way each worm's
        episodes are logged: the estimators' exposure (each source's share of the window it scanned)."""
        from .episodes import EpisodeLog

        self.log, self.accounting = None, "exact"
        self.logs = [EpisodeLog(self.ctx.hosts.n) for _ in scanners]
        for scanner, log in zip(scanners, self.logs):
            scanner.episode_logs.append(log)
        if self.config.accounting == "exact":
            return
        why = self._fast_unsupported(scanners)
        if why is not None:
            self.accounting = f"exact (fast unsupported: {why})"
            return
        self.accounting, self.log = "fast", self.logs[0]
        scanner = scanners[0]
        self.share = self._landing_share(scanner)
        self.per_step = scanner.rates * self.share * self.ctx.dt

    def _fast_unsupported(self, scanners: list) -> Optional[str]:
        worms = self.ctx.scenario.worms
        if len(scanners) != 1:
            return "several worms"
        if worms[0].scanning.kind not in ("uniform", "localized"):
            return f"scanning {worms[0].scanning.kind!r} (not independent probes)"
        if self.config.churn is not None:
            return "address churn"
        if worms[0].backbone_cap is not None:
            return "backbone cap"
        return None

    def _landing_share(self, scanner) -> np.ndarray:
        """p_h: the share of each host's probes landing here, as the scanner's own watch path has it."""
        if self.ctx.scenario.worms[0].scanning.kind == "uniform":
            size = sum(hi - lo - overlap(lo, hi, scanner.space.excluded) for lo, hi in self.ranges)
            return np.full(self.ctx.hosts.n, size / scanner.space.denominator)
        from .landing import ScannerDescription, landing_probability

        desc = ScannerDescription.from_worm(self.ctx.scenario.worms[0])
        return landing_probability(self.ctx.world.addresses, self.ranges, desc)

    def watch(self):
        if self.log is not None:
            return []
        every = self.per_interval if self.ctx.n_steps % self.per_interval == 0 else 1
        return [WatchBlock(self.ranges, every)]  # sources once per interval: all the counter needs

    def setup(self, ctx: Context):
        cfg, self.ctx = self.config, ctx
        interval = cfg.interval if cfg.interval is not None else ctx.scenario.interval
        k = steps_per(interval, ctx.dt)
        if k is None:
            from ..errors import WormcastError

            raise WormcastError(f"observer {cfg.name!r}: interval {interval:g}s is not a multiple of the step "
                                f"{ctx.dt:g}s")
        self.per_interval = k
        rngs = lambda what: ctx.streams[f"telescope:{cfg.name}:{what}"]  # noqa: E731
        churn = None
        if cfg.churn is not None:
            churn = _HostAndBackgroundChurn(ctx.hosts.n, cfg.churn.rate_per_hour / 3600.0)
        self.counter = TelescopeCounter(churn, rngs("churn") if churn is not None else None, ctx.hosts.n)
        self.background = cfg.background.radiation().stream(rngs("background")) if cfg.background else None
        self.detectors = [DETECTORS[d](training=cfg.training) for d in cfg.detectors]
        self.alarms: list[dict] = []
        self.landed = np.zeros(ctx.hosts.n, dtype=np.int64)  # the interval's packets per worm host so far
        self.pending: list[tuple[np.ndarray, np.ndarray]] = []  # the interval's background (ids, counts)
        window = max(ctx.n_steps - int(round(cfg.estimate_window / ctx.dt)), 0)
        self.window_from = (window // k) * k  # whole intervals (sources may come once per interval)
        self.window_packets = np.zeros(ctx.hosts.n, dtype=np.int64)
        self.window_scanning = 0.0
        self.worm_packets = 0
        self.start = ctx.scenario.start
        self.step_now = 0
        self.log, self.accounting, self.logs = None, "exact", []
        self.infected: list[int] = []  # per interval, at its end (fast: the alarms' infected_fraction)

    def _landed(self, batch) -> None:
        for landing in batch.landed:
            if landing.block == self.watch_index[0]:  # a landing names each source once
                self.landed[landing.sources] += landing.counts
                self.worm_packets += landing.probes
                if self.step_now >= self.window_from:
                    self.window_packets[landing.sources] += landing.counts

    def on_probes(self, batch) -> None:
        for log in self.logs:  # hosts started from now on scan from the next step
            log.s = self.step_now + 1
        if self.log is None:
            self._landed(batch)

    def record(self, totals: StepTotals) -> None:
        s, dt = totals.step, self.ctx.dt
        self.step_now = s + 1  # the next step's (no begin_step hook: hosts started from now scan from s + 1)
        for log in self.logs:
            log.s = s + 1
        if self.background is not None:
            self.pending.append(self.background.step(s * dt, dt))
        if s >= self.window_from:
            self.window_scanning += float(totals.counts[SCANNING])
        if (s + 1) % self.per_interval and s + 1 < self.ctx.n_steps:
            return
        first = (s // self.per_interval) * self.per_interval
        infected = int(totals.counts[SCANNING] + totals.counts[DORMANT])
        if self.log is not None:  # the worm's packets come after the run; the detectors too
            self.infected.append(infected)
            if self.background is not None:
                self.counter.observe(first * dt, (s + 1) * dt, *self._background())
            return
        hosts = np.flatnonzero(self.landed)
        bg_ids, bg_counts = self._background()
        ids = np.concatenate([hosts, bg_ids])  # sorted, one entry per source: background ids lie above hosts'
        counts = np.concatenate([self.landed[hosts], bg_counts])
        self.landed[hosts] = 0
        row = self.counter.observe(first * dt, (s + 1) * dt, ids, counts)
        self._detect((s + 1) * dt, row.new_addresses, infected)

    def _background(self) -> tuple[np.ndarray, np.ndarray]:
        """The interval's background sources (sorted) and their packets; the pending steps emptied."""
        bg_ids, bg_counts = np.zeros(0, np.int64), np.zeros(0, np.int64)
        if self.pending:
            bg_ids, inv = np.unique(np.concatenate([p[0] for p in self.pending]), return_inverse=True)
            bg_counts = np.bincount(inv, weights=np.concatenate([p[1] for p in self.pending])).astype(np.int64)
        self.pending = []
        return bg_ids, bg_counts

    def _background_tables(self) -> tuple[TelescopeSeries, SourceTable]:
        """Fast accounting: the background's own record (all zeros without background radiation)."""
        if self.background is not None:
            return self.counter.series(), self.counter.sources()
        ctx, k = self.ctx, self.per_interval
        t_start = np.arange(0, ctx.n_steps, k) * ctx.dt
        t_end = np.minimum(np.arange(k, ctx.n_steps + k, k), ctx.n_steps) * ctx.dt
        z, none = np.zeros(t_start.size, np.int64), np.zeros(0, np.int64)
        return TelescopeSeries(t_start, t_end, z, z, z, z, z, z, z), SourceTable(none, none * 1.0, none * 1.0, none,
                                                                              none)

    def _detect(self, t_end: float, new_addresses: int, infected: int) -> None:
        for det in self.detectors:
            alarm = det.update(t_end, new_addresses)
            if alarm is not None:
                self.alarms.append({"detector": alarm.detector,
                                    "time": iso(self.start + timedelta(seconds=alarm.time)),
                                    "infected_fraction": infected / max(self.ctx.hosts.n, 1),
                                    "infected": infected, "reason": alarm.reason})

    def finish(self, t: float) -> None:
        """Fast accounting: the worm's packets, drawn now, joined with the background's; then the detectors."""
        self._first = None
        if self.log is None:
            self.ser, self.src = self.counter.series(), self.counter.sources()
            self.unique_total = int(self.counter._unique_addresses)
            return
        from .telescope_fast import draw_landings

        ctx, k = self.ctx, self.per_interval
        self._episodes = self.log.episodes(ctx.n_steps)  # (the estimators' exposure reads them too)
        fast = draw_landings(self._episodes, self.per_step, k, ctx.n_steps, self.window_from // k,
                             ctx.streams[f"telescope:{self.config.name}:fast"])
        self.worm_packets = int(fast.packets.sum())
        self.window_packets[fast.ids] = fast.window_packets
        bg, bgs = self._background_tables()
        new = fast.new + bg.new_hosts
        unique = np.cumsum(new)
        self.ser = TelescopeSeries(bg.t_start, bg.t_end, fast.packets + bg.packets, fast.active + bg.active_hosts,
                                   new, unique, fast.active + bg.active_addresses, new, unique)
        interval = k * ctx.dt
        # in the order first seen, hosts (in id order) before background sources (ids above theirs)
        first, ids, last, packets = fast.first, fast.ids, fast.last, fast.source_packets
        t_end = np.minimum((last + 1) * k, ctx.n_steps) * ctx.dt
        addresses = np.ones(ids.size, np.int64)
        if bgs.ids.size:
            first = np.concatenate([first, np.rint(bgs.first_seen / interval).astype(np.int64)])
            ids, t_end = np.concatenate([ids, bgs.ids]), np.concatenate([t_end, bgs.last_seen])
            packets, addresses = np.concatenate([packets, bgs.packets]), np.concatenate([addresses, bgs.addresses])
        self.src, self._first = SourceTable(ids, first * interval, t_end, packets, addresses), first
        self.unique_total = int(unique[-1]) if unique.size else 0
        for end, n_new, infected in zip(bg.t_end, new, self.infected):
            self._detect(float(end), int(n_new), infected)

    def _sources_in_order(self) -> SourceTable:
        """The sources table in the order first seen (fast accounting sorts it when first read)."""
        first, self._first = self._first, None
        if first is not None:
            order = np.argsort(first.astype(np.int16) if first.size and first.max() < 2 ** 15 else first,
                               kind="stable")
            src = self.src
            self.src = SourceTable(src.ids[order], src.first_seen[order], src.last_seen[order], src.packets[order],
                                   src.addresses[order])
        return self.src

    # ---------------------------------------------------------------- after the run

    def _fraction(self, seen: np.ndarray) -> float:
        """f: the share of a worm probe that lands here (landing.py), mean over the sources the estimators
        read (``seen``); for scanners without a per-probe law, the telescope's share of the target space."""
        from .landing import ScannerDescription, landing_probability

        worm = self.ctx.scenario.worms[0]
        if self.log is not None and seen.size:  # fast accounting: each host's share is at hand
            return float(self.share[seen].mean())
        try:
            desc = ScannerDescription.from_worm(worm)
        except ValueError:
            desc = None
        if desc is not None and seen.size:
            return float(landing_probability(self.ctx.world.addresses[seen], self.ranges, desc).mean())
        from ..world.population import target_ranges

        excl = target_ranges(worm.exclude)
        size = sum(hi - lo - overlap(lo, hi, excl) for lo, hi in self.ranges)
        return size / max(SPACE - sum(hi - lo for lo, hi in excl), 1)

    def _estimates(self) -> dict:
        from .estimators import estimate

        cfg, dt = self.config, self.ctx.dt
        duration = (self.ctx.n_steps - self.window_from) * dt
        seen = np.flatnonzero(self.window_packets)
        exposure = None
        if self.logs:  # each source's share of the window it scanned (a host may scan in several episodes)
            n = self.ctx.n_steps
            eps = [self._episodes] if self.log is not None else [log.episodes(n) for log in self.logs]
            steps = np.zeros(self.ctx.hosts.n, dtype=np.int64)
            for ep in eps:
                steps[ep.host] += ep.scanned(self.window_from, n)
            steps = steps[seen]
            exposure = np.clip(steps / max(self.ctx.n_steps - self.window_from, 1), 1e-12, 1.0)
        none = {"value": None, "low": None, "high": None}
        try:
            est = estimate(self.window_packets[seen], duration, self._fraction(seen), cfg.level, exposure)
        except ValueError:  # nothing seen, or every source seen once: not identified
            return {"estimated_infected": none, "estimated_scan_rate": none}
        as_dict = lambda e: {"value": float(e.value), "low": float(e.low), "high": float(e.high)}  # noqa: E731
        return {"estimated_infected": as_dict(est.infected), "estimated_scan_rate": as_dict(est.scan_rate),
                "naive_scan_rate": float(est.naive_scan_rate)}

    def observed(self) -> ObserverOutput:
        import pandas as pd

        cfg, ctx = self.config, self.ctx
        ser, src = self.ser, self.src  # (fast accounting: in host order until the table is read)
        t0 = pd.Timestamp(self.start)
        series = pd.DataFrame({
            "time": t0 + pd.to_timedelta(ser.t_start, unit="s"), "packets": ser.packets,
            "unique_sources": ser.unique_addresses, "new_sources": ser.new_addresses,
            "active_sources": ser.active_addresses, "unique_hosts": ser.unique_hosts, "new_hosts": ser.new_hosts})
        worm = src.ids < ctx.hosts.n

        def sources():  # built when read (formatting every address costs more than drawing the packets)
            src = self._sources_in_order()
            worm = src.ids < ctx.hosts.n
            addresses = pd.array(format_addresses(ctx.world.addresses[np.where(worm, src.ids, 0)]), dtype="string")
            addresses[~worm] = pd.NA  # background sources have no host address
            return pd.DataFrame({
                "address": addresses,
                "first_seen": t0 + pd.to_timedelta(src.first_seen, unit="s"),
                "last_seen": t0 + pd.to_timedelta(src.last_seen, unit="s"),
                "packets": src.packets, "addresses": src.addresses, "background": ~worm})
        window_h = (ctx.n_steps - self.window_from) * ctx.dt / 3600.0
        summary = {
            "kind": "telescope", "blocks": list(cfg.blocks),
            "packets_total": int(ser.packets.sum()), "worm_packets_total": int(self.worm_packets),
            "unique_sources_total": self.unique_total,
            "unique_hosts_total": int(src.ids.size),
            "worm_sources_total": int(np.count_nonzero(worm)),
            **self._estimates(),
            "estimate_window_h": window_h,
            "true_infected": self.window_scanning / max(ctx.n_steps - self.window_from, 1),
            "true_scan_rate": float(ctx.scenario.worms[0].scan_rate.mean),
            "alarms": [{k: a[k] for k in ("detector", "time", "infected_fraction")} for a in self.alarms],
            "first_alarm_time": self.alarms[0]["time"] if self.alarms else None,
            "accounting": self.accounting,
        }
        out = ObserverOutput(cfg.name, "telescope", {"series": series, "sources": sources}, {}, summary)
        out.files = {f"telescope-{cfg.name}.parquet": lambda path, df=series[
                         ["time", "packets", "unique_sources", "new_sources", "active_sources", "unique_hosts",
                          "new_hosts"]]: _parquet(df, path),
                     f"telescope-{cfg.name}-sources.parquet": lambda path: _parquet(out["sources"], path)}
        return out


def _parquet(df, path) -> None:
    from ..reporting.output import write_parquet

    write_parquet(df, path)


class _HostAndBackgroundChurn(AddressChurn):
    """Churn at one rate for every source, background sources (ids beyond the hosts) included."""

    def __init__(self, n_hosts: int, rate: float):
        super().__init__(np.zeros(1, dtype=np.int64), np.array([rate]))

    def rate(self, host_ids: np.ndarray) -> np.ndarray:
        return np.full(np.shape(host_ids), float(self.rate_per_network[0]))
