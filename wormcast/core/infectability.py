"""Which hosts a worm can infect: its exploit's reach and the backdoors it can use (a rule a worm declares).

A host is infectable by a worm when it is *open* to a new infection (susceptible, or running a worm this one
displaces) and the worm's exploit works on it (``exploitable``: a share of the vulnerable hosts, drawn once),
or, for a worm that enters through backdoors (Nimda through Code Red II's ``root.exe``), when a backdoor is
open on it, whether it is open or patched: a backdoor outlives the patch against the hole that let it in.
"""

from __future__ import annotations

import numpy as np


def infectable(open_state: np.ndarray, patched: np.ndarray, exploitable: np.ndarray,
               backdoor: np.ndarray) -> np.ndarray:
    """``(open & exploitable) | ((open | patched) & backdoor)``, elementwise (see the module's rule)."""
    return (open_state & exploitable) | ((open_state | patched) & backdoor)
