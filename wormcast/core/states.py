"""Host states, shared by the loop, its components and the reference simulator.

Mutually exclusive; a backdoor is a separate flag (it outlives the worm and survives patching). The codes
are small integers so that a state array is one byte per host.
"""

from enum import IntEnum


class HostState(IntEnum):
    SUSCEPTIBLE = 0
    SCANNING = 1  # infected, the worm is probing
    DORMANT = 2  # infected, the worm is idle (flood or sleep phase of its calendar)
    PATCHED = 3
    OFFLINE = 4  # a device that is away (churn): it neither scans nor can be reached; back susceptible
    DEAD = 5  # the worm destroyed its host (Witty's disk writes): never infected again, not patched


SUSCEPTIBLE, SCANNING, DORMANT, PATCHED, OFFLINE, DEAD = (int(s) for s in HostState)
N_STATES = len(HostState)
