"""Host dynamics: what happens to hosts whatever the worm does (patching, reboots, and later churn)."""

from . import clearing, patching  # noqa: F401  (each registers itself)
