"""One named random stream per stochastic decision, all spawned from one seed.

The stream for a name depends only on (seed, name), so adding a new decision somewhere, or drawing more
from one stream, never reshuffles the draws of another (Starsim's approach).
"""

from __future__ import annotations

import zlib

import numpy as np


class Streams:
    """Lazily created ``numpy.random.Generator`` objects keyed by decision name."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._gens: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:
            key = zlib.crc32(name.encode("utf-8"))
            gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(key,))))
            self._gens[name] = gen
        return gen
