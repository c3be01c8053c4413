"""Requests: how components ask for a change of the host table without touching it.

A component never writes host state. It returns requests (clear these hosts' worm, patch them, clean
them, re-evaluate their delivery filters, kill them) for a time; the loop applies each at a defined stage (see
:mod:`wormcast.core.loop`): at once when the time is the current one, otherwise through the event queue
at the step that holds that time.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Iterable, Optional

import numpy as np


class Change(IntEnum):
    """What a request (or a queued event) does to its hosts, in the order the loop applies them."""

    PATCH = 0  # the host is patched: the worm (if any) stops, the host can never be infected again
    CLEAR = 1  # the worm stops (reboot, end of its lifetime); the host is susceptible again
    CLEAN = 2  # an audit found the host: worm and backdoor removed, host patched
    REFILTER = 3  # a delivery filter starts acting on the host (its owner says how)
    OFFLINE = 4  # the device goes away (churn): a running worm is lost, it cannot be reached (not if patched)
    ONLINE = 5  # an offline device comes back, susceptible
    KILL = 6  # the worm destroyed the host (it crashed for good): the worm stops, the host is DEAD


@dataclass
class Request:
    """``change`` for ``hosts`` at times ``at`` (seconds since the start; one per host, or one for all).

    ``tag``: for CLEAR, the host's infection epoch when the request was made (a clear for an infection that
    has ended already is dropped); for REFILTER, the index of the component that owns the filter.
    """

    change: Change
    hosts: np.ndarray
    at: np.ndarray | float
    tag: Optional[np.ndarray | int] = None


Requests = Optional[Iterable[Request]]
