"""Background radiation: non-worm traffic a telescope receives, to measure detectors' false alarms.

Pang, Yegneswaran, Barford, Paxson & Peterson, "Characteristics of Internet Background Radiation"
(IMC 2004) find that unsolicited traffic to unused address space is ceaseless, dominated by scanning
(worms long past, autorooters, scanners) plus misconfiguration and backscatter, and varies with the time
of day. The rates here are ASSUMPTIONS, not their figures (none of theirs is reproduced here): set them
for the telescope at hand.

Two components, per step [t, t + dt):
- scanner sources: new sources arrive as a Poisson process of rate ``scanner_arrivals`` (optionally
  modulated by ``1 + diurnal_amplitude * sin(2 pi t / day)``), each stays active for a geometric number of
  steps with mean ``scanner_mean_steps`` and sends Poisson(``scanner_packets``) packets per active step;
- misconfigured sources: ``misconfigured`` fixed sources, each Poisson(``misconfigured_rate * dt``)
  packets per step (they are seen early and then add packets, never new sources).
Source ids start at ``id_offset`` so they never collide with the engine's host ids.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BackgroundRadiation:
    scanner_arrivals: float = 2000.0 / 3600.0  # new scanner sources per second (ASSUMPTION, /8 telescope)
    scanner_mean_steps: float = 3.0  # ASSUMPTION
    scanner_packets: float = 3.0  # packets per active step per scanner (ASSUMPTION)
    misconfigured: int = 50  # ASSUMPTION
    misconfigured_rate: float = 0.01  # packets per second each (ASSUMPTION)
    diurnal_amplitude: float = 0.0
    day: float = 86400.0
    id_offset: int = 1 << 40

    def stream(self, rng: np.random.Generator) -> "BackgroundStream":
        return BackgroundStream(self, rng)


class BackgroundStream:
    """Stateful generator: call :meth:`step` once per step, in time order."""

    def __init__(self, spec: BackgroundRadiation, rng: np.random.Generator):
        self.spec, self.rng = spec, rng
        self._active = np.zeros(0, dtype=np.int64)
        self._next_id = spec.id_offset + spec.misconfigured

    def step(self, t: float, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """(source ids, packet counts) landing in the telescope during [t, t + dt)."""
        s, rng = self.spec, self.rng
        mod = 1.0 + s.diurnal_amplitude * math.sin(2 * math.pi * (t + dt / 2) / s.day)
        k = int(rng.poisson(s.scanner_arrivals * dt * max(mod, 0.0)))
        new = np.arange(self._next_id, self._next_id + k, dtype=np.int64)
        self._next_id += k
        p_stop = 1.0 / max(s.scanner_mean_steps, 1.0)
        survive = rng.random(self._active.size) >= p_stop
        self._active = np.concatenate([self._active[survive], new])
        scan_counts = rng.poisson(s.scanner_packets, self._active.size)
        mis_ids = np.arange(s.id_offset, s.id_offset + s.misconfigured, dtype=np.int64)
        mis_counts = rng.poisson(s.misconfigured_rate * dt, s.misconfigured)
        ids = np.concatenate([self._active, mis_ids])
        counts = np.concatenate([scan_counts, mis_counts])
        keep = counts > 0
        return ids[keep], counts[keep]
