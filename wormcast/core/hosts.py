"""The host table: per-host state as parallel NumPy arrays, written by the loop alone.

Host ids are positions in the world's sorted address array. Components read the table through
:meth:`HostTable.view` (read-only arrays) and change it only through requests (see requests.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .states import DORMANT, N_STATES, SCANNING, SUSCEPTIBLE


def _read_only(a: np.ndarray) -> np.ndarray:
    v = a.view()
    v.flags.writeable = False
    return v


@dataclass(frozen=True)
class HostView:
    """What components see of the hosts: read-only arrays, and the world they live in."""

    state: np.ndarray  # HostState codes (int8)
    worm: np.ndarray  # index of the worm running on the host, -1 for none (int8)
    epoch: np.ndarray  # infections begun or ended on the host so far: stale clears are recognised by it
    backdoor: np.ndarray  # a backdoor is open (it outlives the worm)
    ever_infected: np.ndarray
    first_infected_at: np.ndarray  # seconds after the start, nan when never
    addresses: np.ndarray
    org: np.ndarray  # organisation index, -1 for hosts outside organisations
    frontend: np.ndarray  # front-end number within its organisation, -1 elsewhere

    @property
    def n(self) -> int:
        return int(self.state.size)


class HostTable:
    """The arrays, plus running counts per state, of backdoors and of hosts ever infected."""

    def __init__(self, world):
        n = world.n
        self.world = world
        self.state = np.full(n, SUSCEPTIBLE, dtype=np.int8)
        self.worm = np.full(n, -1, dtype=np.int8)
        self.epoch = np.zeros(n, dtype=np.int64)
        self.backdoor = np.zeros(n, dtype=bool)
        self.ever_infected = np.zeros(n, dtype=bool)
        self.first_infected_at = np.full(n, np.nan)
        self.counts = np.zeros(N_STATES, dtype=np.int64)
        self.counts[SUSCEPTIBLE] = n
        self.n_backdoored = 0
        self.n_ever = 0
        self.running = np.zeros(128, dtype=np.int64)  # hosts running worm k (int8 worm codes)
        self._view = HostView(*(_read_only(a) for a in (
            self.state, self.worm, self.epoch, self.backdoor, self.ever_infected, self.first_infected_at,
            world.addresses, world.org, world.frontend)))

    @property
    def n(self) -> int:
        return int(self.state.size)

    def view(self) -> HostView:
        return self._view

    def set_state(self, ids: np.ndarray, new: int, old: int | None = None, by_state=None) -> None:
        """Move ``ids`` to state ``new`` (cheaper when known: ``old``, their common current state, or
        ``by_state``, the bincount of their current states)."""
        if by_state is not None:
            self.counts -= by_state
        elif old is None:
            self.counts -= np.bincount(self.state[ids], minlength=N_STATES)
        else:
            self.counts[old] -= ids.size
        self.counts[new] += ids.size
        self.state[ids] = new

    def mark_infected(self, ids: np.ndarray, worm: int, t: float, backdoor: bool) -> None:
        """Book-keeping of a new infection (the state itself is set by the caller; ``ids`` run no worm now)."""
        self.worm[ids] = worm
        self.running[worm] += ids.size
        self.epoch[ids] += 1
        before = self.ever_infected[ids]
        n_first = ids.size - int(np.count_nonzero(before))
        if n_first:
            self.first_infected_at[ids if n_first == ids.size else ids[~before]] = t
            self.ever_infected[ids] = True
            self.n_ever += n_first
        if backdoor:
            fresh = ~self.backdoor[ids]
            self.n_backdoored += int(fresh.sum())
            self.backdoor[ids] = True

    def mark_ended(self, ids: np.ndarray, new_state: int, by_state: np.ndarray | None = None,
                   worm: int | None = None) -> None:
        """The worm (if any) stops on ``ids``, which go to ``new_state``. When the caller has them (cheaper, the
        loop calls this every step): ``by_state``, the bincount of the ids' current states, and ``worm``, the one
        worm that those of them running one run."""
        if by_state is not None and worm is not None:  # a host runs a worm exactly while scanning or dormant
            self.running[worm] -= by_state[SCANNING] + by_state[DORMANT]
        else:
            old = self.worm[ids]
            old = old[old >= 0]
            if old.size:
                self.running[:old.max() + 1] -= np.bincount(old)
        self.worm[ids] = -1
        self.epoch[ids] += 1
        self.set_state(ids, new_state, by_state=by_state)

    def close_backdoors(self, ids: np.ndarray) -> np.ndarray:
        """Close the backdoors open among ``ids``; returns the hosts whose backdoor was closed."""
        closed = ids[self.backdoor[ids]]
        self.backdoor[closed] = False
        self.n_backdoored -= int(closed.size)
        return closed
