"""One named random stream per stochastic decision, all spawned from one seed (Starsim's approach).

The stream for a name depends only on (seed, name), so adding a new decision somewhere, or drawing more
from one stream, never reshuffles the draws of another. Components declare the names they draw from and
get a :class:`StreamSet` that knows only those: a misspelt name fails instead of silently opening a new,
independent stream. A name ending in ``:*`` declares a family (one stream per organisation, say).
"""

from __future__ import annotations

import zlib
from typing import Iterable

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

    def subset(self, names: Iterable[str], suffix: str = "") -> "StreamSet":
        """The declared ``names`` (each drawn as ``name + suffix``), and no others."""
        return StreamSet(self, tuple(names), suffix)


class StreamSet:
    """A component's declared streams: ``streams["probes"]``; an undeclared name raises KeyError."""

    def __init__(self, streams: Streams, names: tuple[str, ...], suffix: str = ""):
        self._streams, self.names, self.suffix = streams, names, suffix
        self._gens: dict[str, np.random.Generator] = {}  # the ones asked for so far (looked up every step)

    def declares(self, name: str) -> bool:
        """A declared name, or one under a declared family ``"family:*"`` (e.g. ``patching:webmail``)."""
        return name in self.names or any(n.endswith(":*") and name.startswith(n[:-1]) for n in self.names)

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is not None:
            return gen
        if not self.declares(name):
            raise KeyError(f"random stream {name!r} was not declared (declared: {', '.join(self.names)})")
        gen = self._gens[name] = self._streams[name + self.suffix]
        return gen
