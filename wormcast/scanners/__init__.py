"""Scanning strategies, one file each, registered by name in :data:`wormcast.core.registry.SCANNERS`."""

from . import localized, mirai, permutation, sequential, shared_sequence, slammer, uniform, witty  # noqa: F401  (each registers)
from .base import Landing, ProbeBatch, ProbeRule, Scanner, ScannerConfig, TargetSpace

__all__ = ["Landing", "ProbeBatch", "ProbeRule", "Scanner", "ScannerConfig", "TargetSpace"]
