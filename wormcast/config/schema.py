"""Scenarios: validated, documented descriptions of one outbreak (world + worm + host dynamics).

A scenario is a TOML file (or a preset shipped in ``wormcast/config/presets``) loaded into pydantic models, so
code can load one, change it and run it. Every rule a value must satisfy is checked here, before any work.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar, Literal, Optional

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    field_validator,
    model_validator,
)

from ..util.timeutil import as_utc, scenario_duration, steps_per
from ..world.addresses import parse_address, parse_cidr, target_ranges, target_size
from ..world.addresses import overlap
from . import limits
from .components import ComponentConfig, resolve_component


class _Model(BaseModel):
    """Unknown keys are errors, and every number must be finite (no inf, no nan)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)
    durations: ClassVar[tuple[str, ...]] = ()  # fields that are durations (seconds; written "10min" in TOML)


def _duration(value: Any) -> float:
    return scenario_duration(value)


def _cidr_list(blocks: list[str]) -> list[str]:
    """Check every CIDR block of a list (parse_cidr raises ValueError with the culprit)."""
    for block in blocks:
        parse_cidr(block)
    return blocks


class AccessLink(_Model):
    """One access-link speed and the share of hosts behind it (a bandwidth-limited worm fills its link)."""

    name: str = ""
    bits_per_second: float = Field(gt=0, le=1e12)
    share: float = Field(gt=0, le=1)


class ScanRate(_Model):
    """Probes per second sent by one scanning host; drawn once per host. ``distribution = "links"``: each host
    sits behind one of ``links`` (drawn by share) and fills it with ``frame_bytes``-byte probes (Slammer);
    ``mean`` is then derived from the links."""

    distribution: Literal["constant", "lognormal", "links"] = "lognormal"
    mean: float = Field(gt=0, le=limits.MAX_SCAN_RATE, description="mean probes per second per host")
    cv: float = Field(0.0, ge=0, le=limits.MAX_CV, description="coefficient of variation across hosts (lognormal)")
    links: list[AccessLink] = Field(default_factory=list, description="access-link classes (distribution = links)")
    frame_bytes: Optional[int] = Field(None, gt=0, le=65_535, description="bytes on the wire per probe (links)")

    @model_validator(mode="before")
    @classmethod
    def _links_mean(cls, data: Any) -> Any:
        """With distribution = links the mean is the links' share-weighted rate (giving it too is an error)."""
        if not isinstance(data, dict) or data.get("distribution") != "links":
            return data
        links, frame = data.get("links") or [], data.get("frame_bytes")
        if not links or not frame:
            raise ValueError("scan_rate.distribution = \"links\" needs scan_rate.links and scan_rate.frame_bytes")
        try:
            shares = np.array([float(x["share"]) for x in links])
            bps = np.array([float(x["bits_per_second"]) for x in links])
            mean = float((shares * bps).sum() / shares.sum() / (8.0 * float(frame)))
        except (KeyError, TypeError, ValueError):
            return data  # the field validators name what is wrong
        given = data.get("mean")
        if given is not None and not (isinstance(given, (int, float)) and abs(given - mean) <= 1e-9 * mean):
            raise ValueError(f"scan_rate.mean is derived from scan_rate.links ({mean:g}); do not give another")
        return {**data, "mean": mean}

    @model_validator(mode="after")
    def _links_only(self) -> "ScanRate":
        if (self.distribution == "links") != bool(self.links):
            raise ValueError("scan_rate.links belongs with distribution = \"links\" (and only there)")
        return self

    def link_rates(self) -> np.ndarray:
        """Probes per second of a host behind each link class."""
        return np.array([k.bits_per_second / (8.0 * self.frame_bytes) for k in self.links])

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Per-host rates for ``n`` hosts (a lognormal with this mean and cv, the constant, or link classes)."""
        if self.distribution == "links":
            shares = np.array([k.share for k in self.links])
            return self.link_rates()[rng.choice(shares.size, size=n, p=shares / shares.sum())]
        if self.distribution == "constant" or self.cv == 0:
            return np.full(n, self.mean)
        sigma2 = np.log1p(self.cv ** 2)
        return rng.lognormal(np.log(self.mean) - sigma2 / 2, np.sqrt(sigma2), n)


_HOSTNAME = re.compile(r"(?=.{1,253}$)(?!\d+(\.\d+)*$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
                       r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


class BackboneCapConfig(_Model):
    """Delivered aggregate R_eff = R / (1 + (R/C)^n)^(1/n) of the sent aggregate R (core/backbone.py)."""

    capacity: float = Field(gt=0, le=1e15, description="C, probes per second")
    sharpness: float = Field(2.0, gt=0, le=1000, description="n: small is gradual, large a hard ceiling")

    def cap(self):
        from ..core.backbone import BackboneCap

        return BackboneCap(self.capacity, self.sharpness)


def _signature_names() -> set[str]:
    """The names of the packaged audit rules (a worm's ``signature`` must be one of them)."""
    from ..audit.rules import RuleSet

    return set(RuleSet.load().by_name)


def _scanner(value: Any) -> ComponentConfig:
    from ..core.registry import SCANNERS

    return resolve_component(SCANNERS, value)


class Infectability(_Model):
    """Which hosts a worm can infect (core/infectability.py): those open to it (susceptible, or running a worm
    it displaces) on which its exploit works, and, with ``through_backdoors``, any host with an open backdoor
    (left by another worm), patched or not."""

    exploit_share: float = Field(1.0, ge=0, le=1, description="share of the vulnerable hosts its exploit "
                                 "works on, drawn once per host (Nimda: IIS open to the Unicode traversal)")
    through_backdoors: bool = Field(False, description="hosts with an open backdoor are infectable through it")


class ExtraHazardConfig(_Model):
    """Infection by other vectors than scanning (core/extra_hazard.py), per host the worm can infect."""

    kind: Literal["constant", "per-infected"] = "per-infected"
    rate_per_hour: float = Field(ge=0, le=1e6, description="per infectable host (per-infected: times the share "
                                 "of hosts running the worm)")


class Worm(_Model):
    name: str
    signature: Optional[str] = Field(None, description="audit rule whose log probes this worm makes (e.g. codered1)")
    scanning: SerializeAsAny[ComponentConfig] = Field(
        "uniform", validate_default=True,
        description="the scanner: a registered kind (uniform, localized, shared-sequence, ...) or a table "
        "{kind = ..., its settings}")
    exclude: list[str] = Field(default_factory=list, description="CIDR blocks the worm never targets")
    skip_self: bool = False
    scan_rate: ScanRate
    infection_success: float = Field(1.0, ge=0, le=1)
    calendar: Literal["none", "codered1", "blaster", "blaster-comment"] = Field(
        "none", description="what it does by date (core/phases.py): codered1 spreads, floods and sleeps by day of "
        "the month; blaster (the decompiled code's test) and blaster-comment (its comment's dates) flood beside "
        "scanning from copies started on a flood day")
    wrong_clock_fraction: float = Field(0.0, ge=0, le=1)
    lifetime: Optional[float] = Field(None, description="the worm ends itself this long after infection")
    backdoor: bool = False
    reboot: Literal["clear", "restart"] = Field(
        "clear", description="what the end of an infection by reboot does: clear the worm (memory-resident), "
        "or restart it at once with a new copy (it runs from the disk at boot, as Blaster from its Run key)")
    infectable: Infectability = Field(default_factory=Infectability)
    extra_hazard: Optional[ExtraHazardConfig] = None
    flood_target: Optional[str] = None
    flood_rate: float = Field(0.0, ge=0, le=limits.MAX_FLOOD_RATE, description="packets per second per flooding host")
    initial_infected: Optional[int] = Field(
        None, ge=0, description="hosts infected at release (default: seeding.initial_infected for the first worm, "
        "1 for the others)")
    release: Optional[datetime] = Field(None, description="when the first copies appear (default: start)")
    displaces: list[str] = Field(default_factory=list, description="names of worms whose running copies this one "
                                 "takes over (a host runs one worm at a time)")
    backbone_cap: Optional[BackboneCapConfig] = Field(
        None, description="a global limit on delivered probes as backbone links saturate (core/backbone.py)")

    _release_utc = field_validator("release")(lambda v: None if v is None else as_utc(v))

    durations = ("lifetime",)
    _dur = field_validator("lifetime", mode="before")(lambda v: None if v is None else _duration(v))

    _cidrs = field_validator("exclude")(lambda v: _cidr_list(v))

    _scanning = field_validator("scanning", mode="before")(lambda v: _scanner(v))

    @model_validator(mode="before")
    @classmethod
    def _legacy_local_preference(cls, data: Any) -> Any:
        """The spelling before scanners were plugins: ``scanning = "localized"`` beside a worm-level
        ``local_preference`` list. It still reads as ``scanning = {kind = "localized", local_preference = ...}``."""
        if isinstance(data, dict) and "local_preference" in data:
            data = dict(data)
            levels = data.pop("local_preference")
            scanning = data.get("scanning", "uniform")
            if isinstance(scanning, str):
                data["scanning"] = {"kind": scanning, "local_preference": levels}
            elif isinstance(scanning, dict) and "local_preference" not in scanning:
                data["scanning"] = {**scanning, "local_preference": levels}
            else:
                raise ValueError("local_preference is given twice (beside scanning and inside it)")
        return data

    @field_validator("flood_target")
    @classmethod
    def _addr(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not _HOSTNAME.fullmatch(v):  # a host name (windowsupdate.com) or an address
            parse_address(v)
        return v

    @model_validator(mode="after")
    def _check(self) -> "Worm":
        if self.lifetime is not None and self.lifetime <= 0:
            raise ValueError("lifetime must be positive")
        if self.reboot == "restart" and self.lifetime is not None:
            raise ValueError("reboot = 'restart' and a lifetime contradict each other (a worm that restarts at "
                             "boot does not end itself)")
        if target_size(target_ranges(self.exclude)) == 0:
            raise ValueError("exclude leaves no address to probe")
        if self.signature is not None:
            known = _signature_names()
            if self.signature not in known:
                raise ValueError(f"signature {self.signature!r} names no audit rule (known: {', '.join(sorted(known))})")
        return self


class Population(_Model):
    """The vulnerable hosts: a seeded clustered generator, or a CSV of ``prefix,count`` lines."""

    vulnerable: Optional[int] = Field(None, gt=0, description="number of vulnerable hosts")
    csv: Optional[str] = Field(None, description="path to prefix,count lines (relative to the scenario file)")
    active_slash8: int = Field(100, ge=1, le=220, description="how many /8 blocks hold any host")
    slash8_tail: float = Field(1.0, ge=0.1, le=100, description="Pareto shape of the hosts-per-/8 weights (smaller = heavier)")
    slash16_occupancy: float = Field(0.4, gt=0, le=1, description="share of /16s in an active /8 that hold hosts")
    slash16_sigma: float = Field(1.5, ge=0, le=10, description="lognormal sigma of the hosts-per-/16 weights")

    @model_validator(mode="after")
    def _check(self) -> "Population":
        if self.csv is None and self.vulnerable is None:
            raise ValueError("give population.vulnerable (clustered generator) or population.csv")
        if self.vulnerable is not None and self.vulnerable > limits.MAX_HOSTS:
            raise ValueError(f"population.vulnerable = {self.vulnerable} is above the limit of "
                             f"{limits.MAX_HOSTS:,} hosts")
        # The clustered generator fills at most half of each /16 of its active /8s.
        most = self.active_slash8 * 256 * (1 << 15)
        if self.csv is None and self.vulnerable is not None and self.vulnerable > most:
            raise ValueError(f"population.vulnerable = {self.vulnerable} is more than the clustered generator can "
                             f"place: at most {most:,} (half of every /16 of population.active_slash8 = "
                             f"{self.active_slash8} /8s); raise active_slash8 (up to 220) or give population.csv")
        return self


class PatchPeriod(_Model):
    start: datetime = Field(alias="from")
    rate_per_hour: float = Field(ge=0, description="patch hazard per unpatched host")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    _utc = field_validator("start")(lambda v: as_utc(v))


class Hosts(_Model):
    """Host dynamics independent of the worm: patching and reboots."""

    patch: list[PatchPeriod] = Field(default_factory=list)
    reboot_rate_per_hour: float = Field(0.0, ge=0, description="reboots clear a memory-resident worm")

    @field_validator("patch")
    @classmethod
    def _sorted(cls, v: list[PatchPeriod]) -> list[PatchPeriod]:
        starts = [p.start for p in v]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ValueError("patch periods must be in strictly increasing time order")
        return v


class OrgAudit(_Model):
    """Periodic audits: each compromised server is found with probability ``detection``; a found server is
    cleaned (worm and backdoor removed) and patched ``delay`` later. ``interval`` 0 means continuous
    monitoring: a server is checked the moment it is compromised."""

    interval: float = Field(description="time between audits (0: continuous)")
    detection: float = Field(1.0, ge=0, le=1)
    delay: float = Field(0.0, description="from detection to clean and patched")
    first: Optional[datetime] = Field(None, description="first audit (default: start + interval)")
    compare: list[float] = Field(default_factory=list,
                                 description="other intervals to rerun the scenario with, to show what they change")
    compare_runs: int = Field(8, ge=2, le=1000, description="seeds per compared interval (common random numbers)")

    durations = ("interval", "delay", "compare")
    _dur = field_validator("interval", "delay", mode="before")(lambda v: _duration(v))
    _durs = field_validator("compare", mode="before")(lambda v: [_duration(x) for x in v])
    _utc = field_validator("first")(lambda v: None if v is None else as_utc(v))


class OrgUsers(_Model):
    """Users reaching the organisation's front-ends through DNS, each login on one front-end."""

    count: int = Field(ge=0, le=limits.MAX_USERS)
    logins_per_day: float = Field(ge=0, le=10_000)
    policies: list[str] = Field(default_factory=lambda: ["round_robin", "random", "sticky"])

    @field_validator("policies")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        from ..orgs.exposure import POLICIES

        for p in v:
            if p not in POLICIES:
                raise ValueError(f"unknown login policy {p!r} (use {', '.join(POLICIES)})")
        return v


class Organisation(_Model):
    """A server farm in its own address blocks, e.g. a web mail service's front-ends."""

    name: str = Field(min_length=1)
    blocks: list[str] = Field(min_length=1, description="CIDR blocks that hold the servers")
    servers: int = Field(gt=0)
    vulnerable_fraction: float = Field(1.0, ge=0, le=1, description="share of servers vulnerable at the start")
    patch: list[PatchPeriod] = Field(default_factory=list, description="the organisation's own patch campaign")
    audit: Optional[OrgAudit] = None
    users: Optional[OrgUsers] = None
    egress_filtering: bool = Field(False, description="its infected servers cannot scan outside its blocks")

    _cidrs = field_validator("blocks")(lambda v: _cidr_list(v))

    @model_validator(mode="after")
    def _fits(self) -> "Organisation":
        ranges = [parse_cidr(b) for b in self.blocks]
        ordered = sorted(ranges)
        for (_, hi1), (lo2, _) in zip(ordered, ordered[1:]):
            if lo2 < hi1:
                raise ValueError(f"organisation {self.name!r}: its blocks overlap")
        room = sum(hi - lo for lo, hi in ranges)
        if self.servers > room:
            raise ValueError(f"organisation {self.name!r}: {self.servers} servers do not fit in its blocks "
                             f"({room} addresses)")
        return self


class Throttle(_Model):
    """Host scan-rate throttling (Williamson's virus throttle): on a share of hosts, at most ``max_rate``
    new destinations per second. Every worm probe goes to a new destination, so it caps the scan rate."""

    share: float = Field(ge=0, le=1, description="share of vulnerable hosts that run the throttle")
    max_rate: float = Field(ge=0, description="new destinations per second")


class Containment(_Model):
    """Containment after Moore, Shannon, Voelker and Savage (Internet Quarantine, 2003).

    Filters sit in front of the covered addresses (a share of the /8 blocks, listed blocks, or whole
    organisations): every worm probe to or from a covered address is inspected. ``content`` filtering drops
    all worm probes there once deployed, ``reaction_time`` after the start; ``blacklist`` drops the probes of
    an infected address ``reaction_time`` after that address was infected (the entry then stays)."""

    strategy: Literal["blacklist", "content"]
    coverage: float = Field(0.0, ge=0, le=1, description="share of the 256 /8 blocks covered, drawn per seed")
    blocks: list[str] = Field(default_factory=list, description="CIDR blocks covered as well")
    orgs: list[str] = Field(default_factory=list, description="organisations whose blocks are covered")
    reaction_time: float = Field(description="delay before the filter acts")

    durations = ("reaction_time",)
    _dur = field_validator("reaction_time", mode="before")(lambda v: _duration(v))

    _cidrs = field_validator("blocks")(lambda v: _cidr_list(v))


def _components(registry_name: str):
    """A validator turning a list of ``{kind = ..., ...}`` tables into the named components' configs."""

    def check(value: Any) -> list:
        from ..core import registry

        if not isinstance(value, list):
            raise ValueError("expected a list of tables, each with kind = \"...\"")
        return [resolve_component(getattr(registry, registry_name), v) for v in value]

    return check


class Defences(_Model):
    throttle: Optional[Throttle] = None
    containment: Optional[Containment] = None
    custom: list[SerializeAsAny[ComponentConfig]] = Field(
        default_factory=list, description="other defences by kind (a registered name, an entry point of the "
        "wormcast.defences group, or package.module:Class), each with its own settings")

    _custom = field_validator("custom", mode="before")(lambda v: _components("DEFENCES")(v))


class HitListSeeding(_Model):
    """A hit-list (Staniford, Paxson & Weaver 2002; worms/hitlist.py): ``entries`` vulnerable hosts, drawn at
    random, infected by the list phase on a schedule (at-start, constant-rate, doubling), the first at release.
    It replaces ``initial_infected`` for the first worm; ``"all"`` is a complete list (a flash worm)."""

    entries: int | Literal["all"] = Field(description="hosts on the list (10,000-50,000 in the paper), or all")
    mode: Literal["at-start", "constant-rate", "doubling"] = "at-start"
    rate: float = Field(0.0, ge=0, le=1e9, description="per second: list infections (constant-rate) or "
                        "doublings (doubling)")

    @model_validator(mode="after")
    def _check(self) -> "HitListSeeding":
        if isinstance(self.entries, int) and self.entries < 1:
            raise ValueError("seeding.hitlist.entries must be at least 1 (or \"all\")")
        if self.mode != "at-start" and self.rate <= 0:
            raise ValueError(f"seeding.hitlist.mode = {self.mode!r} needs a positive rate")
        return self

    def schedule(self, candidates: int):
        """The hit-list of ``candidates`` eligible hosts (worms/hitlist.py HitList)."""
        from ..worms.hitlist import HitList, HitListMode

        n = candidates if self.entries == "all" else self.entries
        return HitList(n, HitListMode(self.mode), self.rate)


class Seeding(_Model):
    initial_infected: int = Field(1, ge=0)
    hitlist: Optional[HitListSeeding] = Field(None, description="a hit-list instead of initial_infected")


class Scenario(_Model):
    name: str
    description: str = ""
    start: datetime
    end: datetime
    step: float = Field(10.0, description="engine time step (none given: the step rule's, core/stepsize.py)")
    interval: float = Field(60.0, description="reporting interval of the time series")
    population: Population
    worm: list[Worm] = Field(description="one worm (a table), or several competing for the hosts ([[worm]])")
    hosts: Hosts = Field(default_factory=Hosts)
    seeding: Seeding = Field(default_factory=Seeding)
    orgs: list[Organisation] = Field(default_factory=list)
    defences: Defences = Field(default_factory=Defences)
    dynamics: list[SerializeAsAny[ComponentConfig]] = Field(
        default_factory=list, description="other host dynamics by kind ([[dynamics]] tables)")
    observers: list[SerializeAsAny[ComponentConfig]] = Field(
        default_factory=list, description="observers by kind ([[observers]] tables)")
    base_dir: Optional[str] = Field(None, exclude=True, description="where relative paths resolve")

    _utc = field_validator("start", "end")(lambda v: as_utc(v))
    durations = ("step", "interval")
    _dur = field_validator("step", "interval", mode="before")(lambda v: _duration(v))
    _dynamics = field_validator("dynamics", mode="before")(lambda v: _components("DYNAMICS")(v))
    _observers = field_validator("observers", mode="before")(lambda v: _components("OBSERVERS")(v))
    _one_worm = field_validator("worm", mode="before")(lambda v: [v] if isinstance(v, (dict, Worm)) else v)

    @model_validator(mode="after")
    def _check(self) -> "Scenario":
        if self.end <= self.start:
            raise ValueError(f"end ({self.end.isoformat()}) must be after start ({self.start.isoformat()})")
        if "step" not in self.model_fields_set:  # the step rule picks it (bypassing validate_assignment)
            from ..core.stepsize import auto_step

            known = self.population.vulnerable
            if known is not None:
                known += sum(int(round(o.vulnerable_fraction * o.servers)) for o in self.orgs)
            self.__dict__["step"] = auto_step(self, known, limits.MIN_STEP)
        if self.step <= 0:
            raise ValueError("step must be positive")
        for name, when in (("start", self.start), ("end", self.end)):
            if not limits.YEARS[0] <= when.year < limits.YEARS[1]:
                raise ValueError(f"{name} ({when.isoformat()}) must lie between {limits.YEARS[0]} and "
                                 f"{limits.YEARS[1]}")
        if self.step < limits.MIN_STEP:
            raise ValueError(f"step ({self.step:g}s) must be at least {limits.MIN_STEP:g}s")
        n_steps = self.duration / self.step
        if n_steps > limits.MAX_STEPS:
            raise ValueError(f"step ({self.step:g}s) makes {n_steps:,.0f} steps from start to end; at most "
                             f"{limits.MAX_STEPS:,} (a longer step or a shorter scenario)")
        if steps_per(self.duration, self.step) is None:
            raise ValueError(f"step ({self.step:g}s) must divide the scenario's duration ({self.duration:g}s from "
                             "start to end), so the last step ends at end")
        if steps_per(self.interval, self.step) is None:
            raise ValueError(f"interval ({self.interval:g}s) must be a positive multiple of step ({self.step:g}s)")
        if self.population.vulnerable is not None and self.seeding.initial_infected > self.population.vulnerable:
            raise ValueError("seeding.initial_infected exceeds population.vulnerable")
        hl = self.seeding.hitlist
        if hl is not None and hl.entries != "all" and self.population.vulnerable is not None \
                and hl.entries > self.population.vulnerable:
            raise ValueError(f"seeding.hitlist.entries ({hl.entries}) exceeds population.vulnerable")
        if not self.worm:
            raise ValueError("worm: give at least one worm")
        if len({w.name for w in self.worm}) != len(self.worm):
            raise ValueError("worm: two worms have the same name")
        for w in self.worm:
            for other in w.displaces:
                if other not in {x.name for x in self.worm} or other == w.name:
                    raise ValueError(f"worm {w.name!r}: displaces {other!r}, which is not another worm of the scenario")
        for w in self.worms:
            if w.release is not None and not (self.start <= w.release < self.end):
                raise ValueError(f"worm {w.name!r}: release {w.release.isoformat()} is outside start..end")
        servers = sum(o.servers for o in self.orgs)
        if (self.population.vulnerable or 0) + servers > limits.MAX_HOSTS:
            raise ValueError(f"population.vulnerable and the organisations' servers make more than "
                             f"{limits.MAX_HOSTS:,} hosts")
        days = self.duration / 86400.0
        for o in self.orgs:
            if o.audit is not None and 0 < o.audit.interval < self.step:
                raise ValueError(f"organisation {o.name!r}: audit.interval ({o.audit.interval:g}s) must be 0 "
                                 f"(continuous) or at least the step ({self.step:g}s)")
            if o.audit is not None and any(0 < c < self.step for c in o.audit.compare):
                raise ValueError(f"organisation {o.name!r}: audit.compare intervals must be 0 or at least the step")
            if o.users is not None and o.users.count * o.users.logins_per_day * days > limits.MAX_LOGINS:
                raise ValueError(f"organisation {o.name!r}: users.count x users.logins_per_day over the scenario "
                                 f"makes more than {limits.MAX_LOGINS:,} logins")
            blocks = [parse_cidr(b) for b in o.blocks]
            for w in self.worms:
                excluded = target_ranges(w.exclude)
                if all(overlap(lo, hi, excluded) == hi - lo for lo, hi in blocks):
                    raise ValueError(f"organisation {o.name!r}: its blocks lie inside worm {w.name!r}'s "
                                     "excluded ranges, so that worm can never reach them")
        names = [o.name for o in self.orgs]
        if len(set(names)) != len(names):
            raise ValueError("two organisations have the same name")
        named = [o.name for o in self.observers if getattr(o, "name", None) is not None]
        if len(set(named)) != len(named):
            raise ValueError("observers: two observers have the same name")
        cont = self.defences.containment
        for name in (cont.orgs if cont is not None else []):
            if name not in names:
                raise ValueError(f"defences.containment.orgs: no organisation named {name!r}")
        blocks = sorted((*parse_cidr(b), o.name) for o in self.orgs for b in o.blocks)
        for (_, hi1, n1), (lo2, _, n2) in zip(blocks, blocks[1:]):
            if lo2 < hi1:
                raise ValueError(f"organisations {n1!r} and {n2!r} have overlapping blocks")
        return self

    @property
    def duration(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def worms(self) -> list[Worm]:
        """The worms of the scenario (most scenarios have one)."""
        return self.worm

    def to_toml(self) -> str:
        """This scenario as a TOML file's text; :meth:`from_toml` (or ``wormcast run FILE``) reads it back to an
        equal scenario."""
        from .totoml import to_toml

        return to_toml(self)

    @classmethod
    def from_toml(cls, text: str, base_dir: str | None = None, origin: str = "scenario TOML") -> "Scenario":
        """A scenario from TOML text (``base_dir``: where its relative paths resolve)."""
        from .loading import loads_scenario

        return loads_scenario(text, origin, base_dir)
