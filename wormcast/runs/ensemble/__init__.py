"""Ensembles: K runs of one scenario, reduced to percentiles (``simulate_many``)."""

from .api import Ensemble, simulate_many

__all__ = ["Ensemble", "simulate_many"]
