"""The analytic twin of a scenario: the model whose assumptions the scenario meets, in the engine's units.

Rules (docs/models.md, "Which model twins which scenario"):

- one worm, uniform scanning, no calendar phase change inside the run, no worm lifetime, no organisations,
  no defences, a clustered or CSV population; the scan rate's mean stands for a constant or lognormal rate
  (in the mean field the aggregate scan rate is the mean rate times the infected hosts);
- no patching and no reboots: random constant spread (:class:`~wormcast.analytic.rcs.RCS`);
- a constant patch rate from the start (one period, or several with one rate), with or without reboots:
  AAWP (:class:`~wormcast.analytic.aawp.AAWP`) with the engine's step as its tick and the reboot rate as
  its death rate (a rebooted host stays vulnerable, as AAWP's dead hosts do);
- reboots without patching: SIS (:class:`~wormcast.analytic.sis.SIS`), re-infection without churn;
- Slammer, Witty and permutation scanning: their twins in :mod:`wormcast.analytic.fast_twins`;
- Mirai's scanning counts as uniform with the mean contact success (port, session, loader) over its devices'
  shares as the success (exact for the early growth; with pairs of unequal chances the endemic level lies
  somewhat below the twin's); churn (``[[dynamics]] kind = "churn"``) without patching: SIS with devices
  that leave at the off rate and come back at the on rate;
- sequential scanning (Blaster): the same models with the walk's length as Omega and the infection
  success times the chance that a copy's exploit variant matches the host's; this is random constant spread
  for copies that start at random (each sweeps addresses it has not probed), an approximation that ignores
  local starts (they speed the spread in a clustered population); a reboot that restarts the worm is no cure
  (death rate 0);
- localized scanning (Code Red II, Nimda): the mean-field model of :mod:`wormcast.analytic.localized` on the
  world the engine builds with the run's seed (its levels, exclusions and skipped source), with the lifetime,
  reboots (none for a worm that restarts at boot), a constant patch rate from the start, the exploit share and
  the extra hazard (constant or per infected); entry through backdoors adds nothing with one worm (no other
  worm leaves any), but a worm that enters through its own backdoors, ``[[dynamics]]``, a hit-list schedule,
  a backbone cap or a calendar that leaves the spreading phase: no twin;
- anything else (several worms, shared-sequence scanning, a lifetime with uniform scanning, a patch campaign
  that changes rate, a calendar that leaves the spreading phase, organisations, defences, other
  ``[[dynamics]]``, churn with patching): no twin (None).

N is the number of vulnerable hosts inside the worm's target space: for the clustered generator, its
expectation (a /8 or /16 is chosen uniformly, so an excluded range holds its share of the eligible space);
for a CSV population, the hosts of one placement that fall inside the targets.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..config.schema import Scenario
from ..world.addresses import overlap
from ..world.population import ELIGIBLE_SLASH8, target_ranges, target_size
from .aawp import AAWP
from .base import AnalyticModel
from .fast_twins import KINDS as FAST_KINDS
from .fast_twins import fast_twin
from .rcs import RCS
from .sis import SIS


def _vulnerable_in_targets(scenario: Scenario, excluded: list[tuple[int, int]]) -> Optional[float]:
    pop = scenario.population
    if pop.csv is not None:
        from pathlib import Path

        from ..world.addresses import in_ranges
        from ..world.population import from_csv

        path = Path(pop.csv)
        if not path.is_absolute() and scenario.base_dir:
            path = Path(scenario.base_dir) / path
        world = from_csv(path, np.random.default_rng(0), pop.vulnerable)
        return float(world.n - (in_ranges(world.addresses, excluded).sum() if excluded else 0))
    share = np.mean([overlap(int(b) << 24, (int(b) + 1) << 24, excluded) / float(1 << 24) for b in ELIGIBLE_SLASH8]) \
        if excluded else 0.0
    return float(pop.vulnerable) * (1.0 - share)


def _spreads_throughout(scenario: Scenario) -> bool:
    from ..core.phases import SPREAD, phase_steps

    n_steps = int(np.ceil(scenario.duration / scenario.step - 1e-9))
    return all(phase == SPREAD for _, phase in phase_steps(scenario.worms[0].calendar, scenario.start,
                                                           scenario.step, n_steps))


def release_offset(scenario: Scenario) -> float:
    """Seconds from the scenario's start to the first worm's release (the engine's step-rounded instant)."""
    worm = scenario.worms[0]
    if worm.release is None:
        return 0.0
    t = (worm.release - scenario.start).total_seconds()
    return float(np.ceil(t / scenario.step - 1e-9) * scenario.step)


def _constant_patch_rate(scenario: Scenario) -> Optional[float]:
    """The patch rate per hour of a campaign with one rate from the start (0 without one), else None."""
    hosts = scenario.hosts
    rates = {p.rate_per_hour for p in hosts.patch}
    if hosts.patch and (len(rates) > 1 or hosts.patch[0].start > scenario.start):
        return None  # a campaign that starts late or changes rate: no constant-rate twin
    return rates.pop() if rates else 0.0


def _localized_twin(scenario: Scenario, seed: int) -> Optional[AnalyticModel]:
    """Localized scanning: the mean-field model over the world the engine builds with ``seed``."""
    from ..core.streams import Streams
    from ..world.population import build_world
    from .localized import LocalWorld, Localized

    worm = scenario.worms[0]
    patch = _constant_patch_rate(scenario)
    if patch is None or scenario.dynamics or scenario.seeding.hitlist is not None or worm.backbone_cap is not None \
            or (worm.backdoor and worm.infectable.through_backdoors) or not _spreads_throughout(scenario):
        return None
    levels = [(p.prefix, p.probability) for p in worm.scanning.local_preference]
    pop = scenario.population
    world = build_world(pop, Streams(seed)["population"], scenario.base_dir, scenario.orgs)
    local = LocalWorld.of(world.addresses, [k for k, _ in levels], target_ranges(worm.exclude), worm.skip_self)
    N = float(local.hosts.sum())
    share = worm.infectable.exploit_share
    seeded = scenario.seeding.initial_infected if worm.initial_infected is None else worm.initial_infected
    i0 = float(min(seeded, np.floor(N * share)))
    if i0 < 1:
        return None
    extra = worm.extra_hazard
    gen = {} if pop.csv is not None else dict(active_slash8=pop.active_slash8, slash8_tail=pop.slash8_tail,
                                             slash16_occupancy=pop.slash16_occupancy, slash16_sigma=pop.slash16_sigma)
    return Localized(**gen, vulnerable=N, world_seed=seed, levels=",".join(f"{k}:{p!r}" for k, p in levels),
                     exclude=",".join(worm.exclude), skip_self=int(worm.skip_self), scan_rate=worm.scan_rate.mean,
                     success=worm.infection_success, exploit_share=share, initial_infected=i0, patch_rate=patch,
                     reboot_rate=0.0 if worm.reboot == "restart" else scenario.hosts.reboot_rate_per_hour,
                     lifetime=worm.lifetime or 0.0,
                     extra_rate=extra.rate_per_hour if extra is not None and extra.kind == "constant" else 0.0,
                     extra_per_infected=extra.rate_per_hour if extra is not None and extra.kind == "per-infected"
                     else 0.0, step=scenario.step, world=local)


def twin_for(scenario: Scenario, seed: int = 0) -> Optional[AnalyticModel]:
    """The analytic model whose assumptions ``scenario`` meets (its clock starts at the worm's release), or
    None when none does (see the module's rules). ``seed``: the run whose world a localized twin is built on
    (the engine's world depends on the seed)."""
    if len(scenario.worms) != 1 or scenario.orgs or scenario.defences.throttle or scenario.defences.containment:
        return None
    worm, hosts = scenario.worms[0], scenario.hosts
    if worm.scanning.kind == "localized" and worm.infection_success > 0:
        return _localized_twin(scenario, seed)
    if worm.scanning.kind in FAST_KINDS and worm.infection_success > 0 and _spreads_throughout(scenario):
        excluded = target_ranges(worm.exclude)
        N = _vulnerable_in_targets(scenario, excluded)
        return fast_twin(scenario, N, float(target_size(excluded))) if N and N > 0 else None
    if worm.scanning.kind not in ("uniform", "mirai", "sequential") or worm.lifetime is not None \
            or worm.infection_success <= 0:
        return None
    if worm.extra_hazard is not None or worm.infectable.exploit_share < 1 or worm.infectable.through_backdoors:
        return None
    churn = [c for c in scenario.dynamics if c.kind == "churn"]
    if len(churn) != len(scenario.dynamics) or len(churn) > 1:
        return None
    if not _spreads_throughout(scenario):
        return None
    excluded = target_ranges(worm.exclude)
    N = _vulnerable_in_targets(scenario, excluded)
    if not N or N <= 0:
        return None
    omega = float(target_size(excluded))
    success = worm.infection_success
    if worm.scanning.kind == "sequential":
        sc = worm.scanning
        if sc.walk == "blaster":
            from ..worms.blaster import CYCLE_LENGTH

            omega = float(CYCLE_LENGTH)
        if sc.offset_probabilities:
            success *= float(np.dot(sc.offset_probabilities, sc.host_variant_share))
    seeded = scenario.seeding.initial_infected if worm.initial_infected is None else worm.initial_infected
    i0 = float(min(seeded, N))
    if i0 < 1:
        return None
    patch = _constant_patch_rate(scenario)
    if patch is None:
        return None
    reboot = 0.0 if worm.reboot == "restart" else hosts.reboot_rate_per_hour
    if worm.scanning.kind == "mirai":
        from ..scanners.mirai import mean_contact_success

        success *= mean_contact_success(worm.scanning)
    common = dict(vulnerable=N, scan_rate=worm.scan_rate.mean, addresses=omega, initial_infected=i0,
                  success=success)
    if churn:
        if patch > 0:
            return None
        c = churn[0]
        online = c.online_share if c.online_at_start is None else c.online_at_start
        return SIS(**{**common, "vulnerable": N * online, "initial_infected": min(i0, N * online)},
                   reboot_rate=reboot, departure_rate=c.off_rate_per_hour, return_rate=c.on_rate_per_hour,
                   offline=N * (1.0 - online))
    if patch > 0:
        return AAWP(**common, patch_rate=patch, reboot_rate=reboot, step=scenario.step)
    if reboot > 0:
        return SIS(**common, reboot_rate=reboot)
    return RCS(**common)


def twin_series(scenario: Scenario, times_s, model: Optional[AnalyticModel] = None, seed: int = 0
                ) -> Optional["pandas.DataFrame"]:  # noqa: F821
    """The twin's curve at ``times_s`` seconds after the scenario's start: columns time (UTC), infected,
    ever_infected (NaN where the model does not define it) and model; None when the scenario has no twin.
    ``model`` replaces :func:`twin_for`'s choice (to overlay another model, or a deliberately wrong one);
    ``seed``: the run whose world a localized twin is built on.

    Hosts are counts, as in :meth:`Result.to_df`. Mind that table's convention when overlaying: a row is
    labelled by the start of its interval but holds the stocks at its end; :func:`overlay` aligns for you.
    """
    model = twin_for(scenario, seed) if model is None else model
    if model is None:
        return None
    t = np.atleast_1d(np.asarray(times_s, dtype=float))
    shifted = t - release_offset(scenario)
    before = shifted < 0
    curve = model.curve(np.where(before, 0.0, shifted))
    df = curve.to_df(start=scenario.start)
    df["time"] = scenario_times(scenario, t)
    for col in ("infected", "ever_infected"):
        df.loc[before, col] = 0.0
    return df


def scenario_times(scenario: Scenario, t_seconds):
    import pandas as pd

    return pd.Timestamp(scenario.start) + pd.to_timedelta(np.asarray(t_seconds, dtype=float), unit="s")


def overlay(result, interval=None, model: Optional[AnalyticModel] = None
            ) -> Optional["pandas.DataFrame"]:  # noqa: F821
    """The twin (or ``model``) beside ``result.to_df(interval)``: one row per row of that table (same ``time``
    labels), evaluated where the table's stocks are, at the end of each interval (a localized twin on the
    run's own world). None when there is no twin."""
    sc = result.scenario
    cols = result.columns(interval)
    k = result.interval_seconds(interval)  # "5min", seconds or a timedelta, as Result.to_df takes
    ends = np.minimum(cols["t_seconds"] + k, sc.duration)
    df = twin_series(sc, ends, model, result.seed)
    if df is not None:
        df["time"] = scenario_times(sc, cols["t_seconds"])
    return df
