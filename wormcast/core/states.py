"""Host states, shared by the engine, its book-keepers and the reference simulator.

Mutually exclusive; a backdoor is a separate flag (it outlives the worm and survives patching).
"""

SUSCEPTIBLE, SCANNING, DORMANT, PATCHED = 0, 1, 2, 3
