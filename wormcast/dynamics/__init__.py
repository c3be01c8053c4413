"""Host dynamics: what happens to hosts whatever the worm does (patching, reboots, churn)."""

from . import churn, clearing, patching  # noqa: F401  (each registers itself)
