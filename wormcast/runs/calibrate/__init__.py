"""Calibration: fit a scenario's parameters to observations (docs/calibration.md). scipy and the engine
load when a calibration runs, not when wormcast is imported."""

from __future__ import annotations


def calibrate(scenario, observed, fit, **options):
    """Fit ``fit`` (scenario keys) of ``scenario`` to ``observed``; returns the fitted
    :class:`~wormcast.runs.calibrate.fit.Calibration` (options: see that class)."""
    from ...errors import api_names
    from .fit import calibrate as run

    with api_names():  # messages name the parameters (fit=..., bounds=...), not the CLI's flags
        return run(scenario, observed, fit, **options)


def __getattr__(name):
    if name == "Calibration":
        from .fit import Calibration

        return Calibration
    raise AttributeError(name)


__all__ = ["Calibration", "calibrate"]
