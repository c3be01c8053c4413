"""Analytic twins of the stochastic engine: one model per module (rcs, aawp, two_factor, sis, hitlist,
permutation), the registry of their names (registry.MODELS), the model that fits a scenario (twin), and a
per-probe reference simulator (reference). Units: :mod:`wormcast.analytic.base`; equations: docs/models.md."""
