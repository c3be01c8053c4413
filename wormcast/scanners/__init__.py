"""Scanning strategies, one file each; :func:`make_scanner` picks the worm's."""

from __future__ import annotations

import numpy as np

from .base import Scanner
from .localized import LocalizedScanner
from .shared_sequence import SharedSequenceScanner
from .uniform import UniformScanner


def make_scanner(world, worm, rates: np.ndarray, streams) -> Scanner:
    cls = {"uniform": UniformScanner, "localized": LocalizedScanner, "shared-sequence": SharedSequenceScanner}
    return cls[worm.scanning](world, worm, rates, streams)


__all__ = ["Scanner", "make_scanner"]

