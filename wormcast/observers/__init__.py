"""Observers: components that watch the run and declare its outputs (time series, summary figures)."""

from . import outbreak  # noqa: F401  (registers itself)
