"""The analytic twins of the fast worms' scanners (slammer, witty, permutation), for :func:`twin.twin_for`.

- slammer: random constant spread (:class:`~wormcast.analytic.rcs.RCS`) at the mean link rate. A copy on a
  cycle of length L meets hosts at the density of a uniform scanner (docs/worms/slammer.md), so the early
  logistic holds; the twin has no backbone cap, so with one it runs ahead once the links saturate.
- witty: the two-factor model (:class:`~wormcast.analytic.two_factor.TwoFactor`) with removal only (eta = 0,
  no patching): N the reachable hosts (the generator's unreachable share removed), K = r N_all / Omega (every
  reachable address is generated, on average, 1/(1 - unreachable) times as often as a uniform one), and the
  death rate gamma = r E[n_disks/8] q / packets_per_round (one write chance per round of packets).
- permutation with a hit-list of h hosts: the permutation-scanning model
  (:class:`~wormcast.analytic.permutation.Permutation`) from h hosts at t = 0 (the list phase, at most
  log2(h)/rate seconds, is not in it); a complete list (h = N): the hit-list model
  (:class:`~wormcast.analytic.hitlist.HitList`), whose list phase grows as e^(list_rate t), list_rate =
  rate ln 2 for a doubling list, 0 for one infected at release.

Rates are means (per-host spread ignored); no twin with patching, reboots or a worm lifetime.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from .base import AnalyticModel
from .hitlist import HitList
from .permutation import Permutation
from .rcs import RCS
from .two_factor import TwoFactor

KINDS = ("slammer", "witty", "permutation")


def _seeded(scenario, N: float) -> float:
    """Hosts the worm starts from: its hit-list's entries, or its initial copies."""
    hl = scenario.seeding.hitlist
    if hl is not None:
        return float(N if hl.entries == "all" else min(hl.entries, N))
    w = scenario.worms[0]
    return float(min(scenario.seeding.initial_infected if w.initial_infected is None else w.initial_infected, N))


def fast_twin(scenario, N: float, omega: float) -> Optional[AnalyticModel]:
    """The twin of a one-worm scenario whose scanner is one of :data:`KINDS` (N vulnerable in its targets)."""
    worm, hosts = scenario.worms[0], scenario.hosts
    if hosts.patch or hosts.reboot_rate_per_hour > 0 or worm.lifetime is not None or scenario.dynamics:
        return None
    i0 = _seeded(scenario, N)
    if i0 < 1:
        return None
    r, kind, cfg = worm.scan_rate.mean * worm.infection_success, worm.scanning.kind, worm.scanning
    if kind == "slammer":
        return RCS(vulnerable=N, scan_rate=worm.scan_rate.mean, addresses=omega, initial_infected=i0,
                   success=worm.infection_success)
    if kind == "witty":
        par = cfg.params()
        reach = N * (1.0 - par.generator.unreachable_share)
        shares = np.asarray(par.death.disk_shares, dtype=float)
        disks = np.arange(1, shares.size + 1)
        p_death = float((shares / shares.sum() * par.death.write_probability(disks)).sum()) * par.death.crash_per_write
        gamma = worm.scan_rate.mean * p_death / par.packets_per_round * 3600.0
        return TwoFactor(vulnerable=reach, K=r * N / omega * 3600.0, gamma=gamma, mu_N=0.0, eta=0.0,
                         initial_infected=min(i0, reach))
    hl = scenario.seeding.hitlist
    if i0 >= N:
        list_rate = 0.0 if hl is None or hl.mode == "at-start" else (
            float(np.log(2.0) * hl.rate) if hl.mode == "doubling" else None)
        if list_rate is None:
            return None
        return HitList(vulnerable=N, scan_rate=r, addresses=omega, hitlist=N, list_rate=list_rate)
    return Permutation(vulnerable=N, scan_rate=r, addresses=omega, hitlist=i0)
