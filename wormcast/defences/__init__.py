"""Defences: components that slow or stop the spread (throttling, containment, egress filtering)."""

from . import containment, egress, throttle  # noqa: F401  (each registers itself)
