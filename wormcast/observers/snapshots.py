"""Snapshots of every host's state at a few chosen times of the run, for the address map.

A frame is taken at the end of a step: at given times after the start (``at``), when the share of the
vulnerable hosts ever infected first reaches each of ``milestones``, at the release of each worm released
after the start and halfway from there to the end (``releases``), and at the end. A frame holds the
engine's state codes (int8, one per host) and the backdoor flags packed eight to a byte: about 1.1 bytes a
host a frame, never a per-host object; at most :data:`MAX_FRAMES` frames, so memory stays bounded.

The observer reads the read-only host view and draws no random number, so it never changes the outbreak
(the outbreak's series are byte-identical with or without it: tests/observers/test_snapshots.py).
``wormcast run`` adds one (with these defaults) unless the scenario declares its own (``[[observers]]
kind = "snapshots"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from ..config.components import ComponentConfig
from ..core.component import Component, Context, StepTotals
from ..core.registry import OBSERVERS
from ..util.timeutil import parse_duration

MAX_FRAMES = 16
MAX_RELEASES = 2  # later releases given frames of their own (the first ones)


class SnapshotsConfig(ComponentConfig):
    kind: Literal["snapshots"] = "snapshots"
    at: list[float] = Field(default_factory=list, description="times after the start (durations, e.g. \"6h\")")
    milestones: list[float] = Field(
        default_factory=lambda: [0.001, 0.01, 0.1, 0.5, 0.9],
        description="shares of the vulnerable hosts ever infected; a frame when each is first reached")
    end: bool = Field(True, description="a frame of the final states")
    releases: bool = Field(True, description="for each worm released after the start: a frame at its release "
                                             "and one halfway from there to the end")

    @field_validator("at", mode="before")
    @classmethod
    def _durations(cls, v: Any) -> list[float]:
        if not isinstance(v, (list, tuple)):
            raise ValueError("expected a list of durations, e.g. [\"1h\", \"6h\"]")
        out = [parse_duration(x) for x in v]
        if any(x < 0 for x in out):
            raise ValueError("times must not be negative")
        return out

    @field_validator("milestones")
    @classmethod
    def _shares(cls, v: list[float]) -> list[float]:
        if any(not 0 < x <= 1 for x in v):
            raise ValueError("milestones are shares of the vulnerable hosts, in (0, 1]")
        return v

    @model_validator(mode="after")
    def _bounded(self):
        if len(self.at) + len(self.milestones) + int(self.end) > MAX_FRAMES - 2 * MAX_RELEASES * self.releases:
            raise ValueError(f"at most {MAX_FRAMES} frames (at + milestones + end, and 2 per released worm)")
        return self


@dataclass(frozen=True)
class Frame:
    """One snapshot: seconds after the start (the end of the step it was taken at), why it was taken,
    the engine state of every host and the packed backdoor flags."""

    t: float
    reason: str
    state: np.ndarray  # int8, one per host (core.states codes)
    backdoor_bits: np.ndarray  # uint8, np.packbits of the backdoor flags

    def backdoor(self) -> np.ndarray:
        return np.unpackbits(self.backdoor_bits, count=self.state.size).astype(bool)


@dataclass(frozen=True)
class SnapshotSet:
    """The frames of one run, in time order, and the hosts' addresses (parallel to each frame's arrays)."""

    addresses: np.ndarray
    frames: tuple[Frame, ...]

    def nbytes(self) -> int:
        return sum(f.state.nbytes + f.backdoor_bits.nbytes for f in self.frames)


def _share_label(share: float) -> str:
    return f"{100 * share:g}% ever infected"


@OBSERVERS.register("snapshots")
class Snapshots(Component):
    """Per-host state codes at chosen times (see the module)."""

    Config = SnapshotsConfig

    def __init__(self, config: SnapshotsConfig | None = None):
        super().__init__(config if config is not None else SnapshotsConfig())

    def setup(self, ctx: Context):
        self.hosts, self.n_steps, self.dt = ctx.hosts, ctx.n_steps, ctx.dt
        c = self.config
        # A time t after the start is shown by the state at the end of the step that covers it.
        self.at_steps: dict[int, list[str]] = {}
        for t in c.at:
            s = min(max(int(np.ceil(t / ctx.dt - 1e-9)) - 1, 0), ctx.n_steps - 1)
            self.at_steps.setdefault(s, []).append(f"+{_hours(t)}")
        if c.releases:
            later = [w for w in ctx.scenario.worms if w.release is not None and w.release > ctx.scenario.start]
            for w in later[:MAX_RELEASES]:
                t = (w.release - ctx.scenario.start).total_seconds()
                for when, why in ((t, f"{w.name} released"), ((t + ctx.scenario.duration) / 2, f"{w.name} +"
                                                              f"{_hours((ctx.scenario.duration - t) / 2)}")):
                    s = min(max(int(np.ceil(when / ctx.dt - 1e-9)), 1) - 1, ctx.n_steps - 1)
                    if s >= 0:
                        self.at_steps.setdefault(s, []).append(why)
        if c.end and ctx.n_steps:
            self.at_steps.setdefault(ctx.n_steps - 1, []).append("end")
        self.pending = sorted(set(c.milestones))
        self.frames: list[Frame] = []

    def record(self, totals: StepTotals) -> None:
        s = totals.step
        reasons = list(self.at_steps.get(s, ()))
        n = self.hosts.n
        while self.pending and n and totals.ever_infected >= self.pending[0] * n:
            reasons.append(_share_label(self.pending.pop(0)))
        if reasons:
            self.frames.append(Frame((s + 1) * self.dt, ", ".join(reasons), np.array(self.hosts.state, dtype=np.int8),
                                     np.packbits(self.hosts.backdoor)))

    def taken(self) -> SnapshotSet:
        return SnapshotSet(np.asarray(self.hosts.addresses), tuple(self.frames))


def _hours(seconds: float) -> str:
    h = seconds / 3600.0
    return f"{h:g} h" if h >= 1 else f"{seconds / 60.0:g} min"


def with_snapshots(scenario):
    """``scenario`` with a default snapshot observer added, unless it declares one already."""
    if any(o.kind == "snapshots" for o in scenario.observers):
        return scenario
    return scenario.model_copy(update={"observers": [*scenario.observers, SnapshotsConfig()]})


def run_with_snapshots(scenario, seed: int, progress=None):
    """Run ``scenario`` with a snapshot observer (it changes nothing in the run) and keep its frames on the
    result (``result.snapshots``): what ``wormcast run``, ``simulate`` and the explorer draw maps from."""
    from ..core.loop import Simulation

    sim = Simulation(with_snapshots(scenario), seed)
    result = sim.run(progress)
    result.snapshots = sim.component("snapshots").taken()
    return result
