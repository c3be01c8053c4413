"""Piecewise-constant event rates (patching, reboots) and exact sampling of the next event time.

A host whose hazard is h(t) has its next event at Lambda^-1(Lambda(t0) + E), E ~ Exp(1), with
Lambda the cumulative hazard. Drawing event times this way costs one draw per host, not per step.
"""

from __future__ import annotations

import numpy as np


class Hazard:
    """Rate ``rates[i]`` (per second) from ``breaks[i]`` (seconds after the start) to the next break."""

    def __init__(self, breaks, rates):
        breaks = np.asarray(breaks, dtype=float)
        rates = np.asarray(rates, dtype=float)
        if breaks.size == 0:
            breaks, rates = np.zeros(1), np.zeros(1)
        if breaks[0] > 0:
            breaks, rates = np.concatenate([[0.0], breaks]), np.concatenate([[0.0], rates])
        if np.any(np.diff(breaks) <= 0):
            raise ValueError("hazard breakpoints must be strictly increasing")
        if np.any(rates < 0):
            raise ValueError("rates cannot be negative")
        self.breaks, self.rates = breaks, rates
        self.cum = np.concatenate([[0.0], np.cumsum(rates[:-1] * np.diff(breaks))])
        self.is_zero = not np.any(rates > 0)
        self._constant = float(rates[0]) if np.all(rates == rates[0]) else None
        self.is_constant = self._constant is not None and not self.is_zero  # positive and constant: times finite
        self._scale = 1.0 / self._constant if self.is_constant else None  # mean time to the next event

    @classmethod
    def constant(cls, rate_per_s: float) -> "Hazard":
        return cls([0.0], [rate_per_s])

    def cumulative(self, t):
        t = np.asarray(t, dtype=float)
        seg = np.clip(np.searchsorted(self.breaks, t, side="right") - 1, 0, None)
        return self.cum[seg] + self.rates[seg] * (t - self.breaks[seg])

    def sample_after(self, t0, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
        """Next event time after each t0 (an array; or one time for ``size`` events: the same draws, cheaper);
        ``inf`` when the rate stays zero."""
        if size is not None and self.is_constant:  # (the reboot draw of every step: no arrays to build)
            return float(t0) + rng.exponential(self._scale, size=size)
        t0 = np.asarray(t0, dtype=float)
        shape = t0.shape if size is None else (size,)
        if self.is_zero:
            return np.full(shape, np.inf)
        if self.is_constant:
            return t0 + rng.exponential(self._scale, size=shape)
        t0 = np.broadcast_to(t0, shape)
        target = self.cumulative(t0) + rng.exponential(1.0, size=t0.shape)
        seg = np.searchsorted(self.cum, target, side="right") - 1
        rate = self.rates[seg]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(rate > 0, self.breaks[seg] + (target - self.cum[seg]) / rate, np.inf)
        return np.maximum(t, t0)
