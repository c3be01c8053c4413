"""DHCP-style address churn: a host's address is reassigned at random times, so a telescope counts
more unique addresses than hosts.

Moore, Shannon & Brown (IMW 2002, section 3) warn that unique source addresses are not hosts beyond about a
day, because of DHCP. ASSUMPTION (no published rate): each host's address epochs form a Poisson process
whose rate depends only on the host's network (``network_of[h]``, rates ``rate_per_network[g]`` per unit
time; 0 for statically addressed hosts), independent across hosts. Each epoch is a fresh address never seen
before by the observer (ASSUMPTION: an upper bound on unique addresses; a small DHCP pool reuses them).
Within one observation step a host keeps one address (step much shorter than 1 / rate).

The process is exact on the observer's sampling times: increments over disjoint intervals are independent
Poisson counts, so drawing ``Poisson(rate * (t - t_last))`` when the host is next observed gives the
right law of its epoch at ``t`` without simulating the reassignments in between.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AddressChurn:
    """``network_of``: int array, host id -> network index; ``rate_per_network``: epochs per unit time."""

    network_of: np.ndarray
    rate_per_network: np.ndarray

    def __post_init__(self) -> None:
        rates = np.asarray(self.rate_per_network, dtype=float)
        if np.any(rates < 0):
            raise ValueError("churn rates must be non-negative")
        object.__setattr__(self, "rate_per_network", rates)
        object.__setattr__(self, "network_of", np.asarray(self.network_of, dtype=np.int64))

    @classmethod
    def uniform(cls, n_hosts: int, rate: float) -> "AddressChurn":
        return cls(np.zeros(n_hosts, dtype=np.int64), np.array([rate]))

    def rate(self, host_ids: np.ndarray) -> np.ndarray:
        return self.rate_per_network[self.network_of[np.asarray(host_ids, dtype=np.int64)]]

    def advance(self, rng: np.random.Generator, host_ids: np.ndarray, elapsed: np.ndarray) -> np.ndarray:
        """Number of reassignments of each host over ``elapsed`` time (Poisson)."""
        return rng.poisson(self.rate(host_ids) * np.maximum(np.asarray(elapsed, dtype=float), 0.0))
