"""The names a third-party scanner, host dynamic, defence or observer needs, in one public place.

A plugin package imports from here only (see examples/plugins/ and docs/architecture.md), registers its
classes through entry points (groups ``wormcast.scanners``, ``wormcast.dynamics``, ``wormcast.defences``,
``wormcast.observers``) or is named by a dotted path ``package.module:Class`` in a scenario.
"""

from .config.components import ComponentConfig
from .core.component import Component, Context, StepTotals
from .core.delivery import DeliveryRule
from .core.hosts import HostView
from .core.registry import DEFENCES, DYNAMICS, OBSERVERS, SCANNERS
from .core.requests import Change, Request
from .core.states import HostState
from .results.columns import Column, Kind, flow, stock
from .scanners.base import (
    EMPTY,
    Landing,
    ProbeBatch,
    ProbeRule,
    Scanner,
    ScannerConfig,
    TargetSpace,
    WatchBlock,
)

__all__ = [
    "ComponentConfig", "Component", "Context", "StepTotals", "DeliveryRule", "HostView", "DEFENCES", "DYNAMICS",
    "OBSERVERS", "SCANNERS", "Change", "Request", "HostState", "Column", "Kind", "flow", "stock", "EMPTY",
    "Landing", "ProbeBatch", "ProbeRule", "Scanner", "ScannerConfig", "TargetSpace", "WatchBlock",
]
