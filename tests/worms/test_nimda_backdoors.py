"""Code Red II's backdoors feed Nimda, through rules a worm declares (``infectable``, ``extra_hazard``).

A scenario of 3,000 hosts: Code Red II (localized, backdoor, 24 h lifetime) from the start; Nimda from 30 h,
open to the Unicode traversal on 30% of the hosts (``exploit_share``), entering backdoored hosts too
(``through_backdoors``), with its extra hazard on. By the end (60 h), Nimda runs on more than 80% of the
backdoored hosts its exploit cannot reach (3 seeds), and on no host outside its target set. Negative
control: the same scenario with Code Red II leaving no backdoor: Nimda never runs on a host outside the
exploit's 30% (not even through the extra hazard), so the positive result comes from the backdoors. Also:
a patched host Nimda entered through a backdoor is patched again when Nimda ends, not susceptible.
"""

import numpy as np
import pytest

from wormcast.config.loading import from_dict
from wormcast.core.loop import Simulation
from wormcast.core.states import PATCHED, SCANNING, SUSCEPTIBLE

CRII = {"name": "Code Red II", "scanning": "localized", "skip_self": True, "lifetime": "24h", "backdoor": True,
        "local_preference": [{"prefix": 0, "probability": 0.125}, {"prefix": 8, "probability": 0.5},
                             {"prefix": 16, "probability": 0.375}],
        "scan_rate": {"distribution": "constant", "mean": 10.0}, "initial_infected": 3}
NIMDA = {"name": "Nimda", "scanning": "localized", "skip_self": True, "release": "2001-08-05T06:00:00Z",
         "local_preference": [{"prefix": 16, "probability": 0.5}, {"prefix": 8, "probability": 0.25},
                              {"prefix": 0, "probability": 0.25}],
         "displaces": ["Code Red II"], "reboot": "restart",
         "infectable": {"exploit_share": 0.3, "through_backdoors": True},
         "extra_hazard": {"kind": "per-infected", "rate_per_hour": 0.5},
         "scan_rate": {"distribution": "constant", "mean": 5.0}, "initial_infected": 1}


def _scenario(backdoor=True, patch=0.0):
    data = {"name": "crii-then-nimda", "start": "2001-08-04T00:00:00Z", "end": "2001-08-06T12:00:00Z",
            "step": "60s", "interval": "10min", "population": {"vulnerable": 3000, "active_slash8": 10},
            "worm": [{**CRII, "backdoor": backdoor}, NIMDA], "hosts": {"reboot_rate_per_hour": 0.02}}
    if patch:
        data["hosts"]["patch"] = [{"from": "2001-08-04T00:00:00Z", "rate_per_hour": patch}]
    return from_dict(data, "test")


def _run(scenario, seed):
    sim = Simulation(scenario, seed)
    sim.run()
    h = sim.hosts
    nimda = (h.worm == 1) & ((h.state == SCANNING) | (h.state == 2))
    return sim, nimda, ~sim.worms[1].exploitable


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nimda_enters_hosts_code_red_ii_backdoored(seed):
    sim, nimda, closed = _run(_scenario(), seed)
    backdoored_only = sim.hosts.backdoor & closed
    assert backdoored_only.sum() > 300  # Code Red II did spread and leave backdoors
    assert nimda[backdoored_only].mean() > 0.8
    assert not np.any(nimda & closed & ~sim.hosts.backdoor)  # never outside its target set


def test_without_backdoors_nimda_stays_in_its_exploit_share():
    sim, nimda, closed = _run(_scenario(backdoor=False), 0)
    assert nimda[~closed].sum() > 300  # Nimda spread among the hosts its exploit reaches
    assert not np.any(nimda & closed)  # and nowhere else, extra hazard included


def test_a_patched_host_entered_through_its_backdoor_is_patched_again_when_nimda_ends():
    sc = _scenario(patch=0.05)
    sim = Simulation(sc, 4)
    sim.run()
    h = sim.hosts
    entered = np.flatnonzero(sim.patched_under)  # patched hosts now running Nimda through a backdoor
    assert entered.size > 20
    assert np.all(h.state[entered] == SCANNING)
    sim._end_infection(entered, SUSCEPTIBLE, sc.duration)  # a reboot that ends Nimda there
    assert np.all(h.state[entered] == PATCHED)
    assert np.array_equal(np.bincount(h.state, minlength=h.counts.size), h.counts)  # the state counts stay true
