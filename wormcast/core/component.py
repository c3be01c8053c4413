"""The component protocol: what the loop calls on host dynamics, defences and observers, and when.

A component is a class with an optional pydantic ``Config`` (a :class:`ComponentConfig` subclass), the
names of the random streams it draws from (``streams_used``), and any of the hooks below; each hook's
default does nothing. Components read the hosts through a read-only :class:`HostView` and change them only
by returning :class:`Request` objects. The loop (``core/loop.py``) documents the order of the stages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..config.components import ComponentConfig
from .hosts import HostView
from .requests import Requests
from .streams import StreamSet


@dataclass
class Context:
    """What a component gets at setup."""

    scenario: object  # the validated Scenario
    world: object  # the World (sorted addresses, organisations)
    hosts: HostView
    dt: float  # seconds per step
    n_steps: int
    streams: StreamSet  # the component's declared streams
    worm_names: list[str] = field(default_factory=list)
    target_addresses: int = 0  # addresses the first worm can probe


@dataclass
class StepTotals:
    """What the loop measured during one step (the flows of its time series)."""

    step: int
    counts: np.ndarray  # hosts per HostState at the end of the step
    backdoored: int = 0
    ever_infected: int = 0
    new_infections: int = 0  # re-infections included
    probes: int = 0
    vulnerable_hits: int = 0
    cleared: int = 0  # worms ended by reboot or lifetime
    patched: int = 0
    flood_packets: float = 0.0
    worm_probes: list[int] = field(default_factory=list)  # per worm, when several run
    worm_infected: list[int] = field(default_factory=list)


class Component:
    """Base class of host dynamics, defences and observers (scanners have their own, scanners/base.py)."""

    Config: ClassVar[type[ComponentConfig]] = ComponentConfig  # settings: only kind, unless a subclass says more
    kind: ClassVar[str] = ""
    streams_used: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: ComponentConfig | None = None):
        self.config = config
        self.index = -1  # position in the loop's component list (the tag of its REFILTER requests)

    # ---------------------------------------------------------------- before the first step

    def setup(self, ctx: Context) -> Requests:
        """Prepare; may return requests (e.g. every host's patch time)."""

    def scan_rates(self, worm: int, rates: np.ndarray) -> np.ndarray:
        """A worm's per-host scan rates, once drawn; a defence may lower them (throttling)."""
        return rates

    def watch(self) -> list[list[tuple[int, int]]]:
        """Address blocks (each a list of half-open address ranges) whose landed probes this observer wants:
        every step's ProbeBatch then says, per block, how many probes landed there and from which sources."""
        return []

    def follow(self, scanners: list) -> None:
        """The worms' scanners, once built (before :meth:`watch`): an observer may log who scans when
        (``scanner.episode_logs``) instead of watching blocks."""

    def delivery_rule(self):
        """A :class:`~wormcast.core.delivery.DeliveryRule` when this component filters probes, else None."""
        return None

    # ---------------------------------------------------------------- each step, in the loop's order

    def begin_step(self, step: int, t: float) -> Requests:
        """Stage 3: the step starts at ``t`` seconds (after calendar phases and releases)."""

    def on_probes(self, batch) -> None:
        """Stage 5: one worm's :class:`~wormcast.scanners.base.ProbeBatch` of the step."""

    def on_infected(self, ids: np.ndarray, worm: int, t: float) -> Requests:
        """Stage 6: ``ids`` were infected by ``worm`` at ``t`` (the table already says so)."""

    def on_changed(self, ids: np.ndarray, t: float) -> None:
        """Whenever hosts' states change (infection, end of an infection, clean-up), after the change."""

    def on_cleaned(self, ids: np.ndarray, closed: np.ndarray, t: float) -> None:
        """``ids`` were cleaned by an audit at ``t``; ``closed``: those whose backdoor was closed."""

    def refilter(self, ids: np.ndarray, t: float) -> None:
        """This component's REFILTER request for ``ids`` is applied now: update its own filter state."""

    def record(self, totals: StepTotals) -> None:
        """Stage 7: the step is over; record its columns."""

    # ---------------------------------------------------------------- after the last step

    def finish(self, end: float) -> None:
        """The run is over at ``end`` seconds."""

    def columns(self) -> list:
        """The per-step :class:`~wormcast.results.columns.Column` objects this component declares."""
        return []

    def summary(self) -> dict:
        """Figures for summary.json (merged in component order)."""
        return {}

    def observed(self):
        """A named observer's :class:`~wormcast.results.observed.ObserverOutput` (tables, files, and the
        figures of summary.json's ``observers.<name>``), after :meth:`finish`; None for other components."""
        return None
