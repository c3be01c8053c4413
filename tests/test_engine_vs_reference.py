"""The aggregate engine against the brute-force per-probe reference, over many seeds.

For each scanning strategy and host dynamic, two-sample Kolmogorov-Smirnov tests compare the engine's and
the reference's distributions of the number ever infected at 1/3, 2/3 and the end of the run, and of the time
to half infected. Seeds are fixed, so the verdicts are reproducible; the threshold p > 0.001 per test keeps
the family-wise false alarm rate below 3% over the 24 comparisons. A negative control shows the comparison
is sharp enough to catch a 25% error in the scan rate, and one for localized scanning that the same-/24
probes' blocks are drawn right. Hit-list seeding (``seeding.hitlist``) is compared the same way, with
controls for a list 25% too short, one worked through 25% too slowly, and no list at all.
"""

import numpy as np
import pytest
from scipy.stats import ks_2samp
from smallworld import small_scenario, small_world

from wormcast.analytic.reference import run_reference
from wormcast.core.loop import Simulation
from wormcast.core.registry import SCANNERS

SEEDS = 100
ALPHA = 1e-3
CRII_LEVELS = [{"prefix": 0, "probability": 0.125}, {"prefix": 18, "probability": 0.5},
               {"prefix": 24, "probability": 0.375}]

CASES = {
    # random constant spread, every probe on a susceptible host infects
    "uniform": dict(kw={}, clustered=False),
    # infection success below 1, reboots with re-infection, patching, heterogeneous scan rates
    "uniform-dynamics": dict(kw=dict(
        infection_success=0.5, reboot_rate_per_hour=0.3,
        patch=[{"from": "2001-07-19T00:00:00Z", "rate_per_hour": 0.1}],
        scan_rate={"distribution": "lognormal", "mean": 2.0, "cv": 0.8}), clustered=False),
    # Code Red II style preference for the own /18 and /24 of a 2^18 space, skipping itself, with a
    # lifetime after which the host is cleared (and can be re-infected) but keeps its backdoor
    "localized": dict(kw=dict(
        scanning="localized", skip_self=True, local_preference=CRII_LEVELS, lifetime="1h", backdoor=True,
        scan_rate={"distribution": "constant", "mean": 0.05}, end="2001-07-19T08:00:00Z"), clustered=True),
    # Code Red I v1: one shared sequence; with success 0.6 and reboots, trailing copies matter
    "shared-sequence": dict(kw=dict(
        scanning="shared-sequence", infection_success=0.6, reboot_rate_per_hour=0.5,
        scan_rate={"distribution": "constant", "mean": 4.0}, end="2001-07-19T10:00:00Z"), clustered=False),
}


def _samples(scenario, world, ref):
    T = scenario.duration
    checkpoints = [T / 3, 2 * T / 3, T]
    eng = [Simulation(scenario, 10_000 + seed, world=world).run() for seed in range(SEEDS)]
    out = {}
    for i, t in enumerate(checkpoints):
        step = int(round(t / scenario.step)) - 1
        out[f"ever@{i + 1}/3"] = ([r.ever_infected_at(t) for r in ref],
                                  [e.series.data["ever_infected"][step] for e in eng])
    out["t_half"] = ([min(r.time_to_fraction(0.5), 2 * T) for r in ref],
                     [min((e.summary["time_to_half_infected_h"] or np.inf) * 3600, 2 * T) for e in eng])
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_engine_matches_per_probe_reference(case):
    spec = CASES[case]
    scenario = small_scenario(**spec["kw"])
    world = small_world(clustered=spec["clustered"])
    ref = [run_reference(scenario, world, seed) for seed in range(SEEDS)]
    samples = _samples(scenario, world, ref)
    report = {k: ks_2samp(a, b).pvalue for k, (a, b) in samples.items()}
    assert min(report.values()) > ALPHA, report
    # and the outbreak did happen: the comparison is not between two empty runs
    assert np.mean(samples["ever@3/3"][0]) > 20
    if case == "uniform":
        # Negative control: an engine scanning 25% faster than the reference must be told apart.
        fast = small_scenario(**{**spec["kw"], "scan_rate": {"distribution": "constant", "mean": 1.25}})
        wrong = _samples(fast, world, ref)
        assert ks_2samp(*wrong["t_half"]).pvalue < ALPHA
    if case == "localized":
        # Negative control for the block draw: an engine that sends the same-/24 probes to the source's /18
        # instead (hits spread over the wrong blocks) must be told apart.
        levels = [CRII_LEVELS[0], {"prefix": 18, "probability": 0.875}]
        wrong = _samples(small_scenario(**{**spec["kw"], "local_preference": levels}), world, ref)
        assert min(ks_2samp(a, b).pvalue for a, b in wrong.values()) < ALPHA


# A hit-list of 64 of the 200 hosts, worked through in about 20 minutes, against a scanning doubling time of
# about 15 minutes (K ~ 1/1300 s): both the list and the scanning shape the curve. Entry times are multiples
# of the 5 s step, so the engine's steps do not delay them. Two hours: nearly all infected by the end.
HITLIST_END = "2001-07-19T02:00:00Z"
HITLISTS = {
    "doubling": {"entries": 64, "mode": "doubling", "rate": 1 / 120},  # generation g at 2g min (7 of them)
    "constant-rate": {"entries": 64, "mode": "constant-rate", "rate": 1 / 20},  # entry k at 20k s
}


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(HITLISTS))
def test_hitlist_seeding_matches_per_probe_reference(mode):
    hitlist = HITLISTS[mode]
    world = small_world()
    scenario = small_scenario(seeding={"hitlist": hitlist}, end=HITLIST_END)
    ref = [run_reference(scenario, world, seed) for seed in range(SEEDS)]
    samples = _samples(scenario, world, ref)
    report = {k: ks_2samp(a, b).pvalue for k, (a, b) in samples.items()}
    assert min(report.values()) > ALPHA, report
    assert np.mean(samples["ever@1/3"][0]) < 0.8 * world.n  # still growing at 1/3: the shape is compared
    if mode != "doubling":
        return
    # Negative controls: the engine with a list 25% too short, with generations 25% too slow, and without
    # a list (one first copy: what a list of addresses drawn uniformly from the 2^18 space, instead of
    # from the vulnerable hosts, amounts to: 64 draws find 0.05 hosts on average) must all be told apart.
    wrong = {"short": {**hitlist, "entries": 48}, "slow": {**hitlist, "rate": 0.75 * hitlist["rate"]}}
    for name, seeding in [*((n, {"hitlist": h}) for n, h in wrong.items()), ("no list", {"initial_infected": 1})]:
        bad = _samples(small_scenario(seeding=seeding, end=HITLIST_END), world, ref)
        assert ks_2samp(*bad["t_half"]).pvalue < ALPHA, name


def test_reference_hitlist_schedule_is_the_engines():
    """The reference's schedule, written out from each mode's definition, gives the same entry times as
    worms/hitlist.py for every list size up to 300 (the KS comparison above sees only whole curves)."""
    from types import SimpleNamespace

    from wormcast.analytic.reference import hitlist_times
    from wormcast.worms.hitlist import HitList, HitListMode

    for mode, rate in [("at-start", 0.0), ("constant-rate", 0.3), ("doubling", 0.7)]:
        for size in range(1, 301):
            ref = hitlist_times(SimpleNamespace(entries=size, mode=mode, rate=rate), size)
            assert np.allclose(ref, HitList(size, HitListMode(mode), rate).times(), rtol=0, atol=1e-9), (mode, size)
    assert hitlist_times(SimpleNamespace(entries="all", mode="doubling", rate=1.0), 200)[-1] == 8.0  # 2^8 > 200


def _kind(spec) -> str:
    scanning = spec["kw"].get("scanning", "uniform")
    return scanning if isinstance(scanning, str) else scanning["kind"]


COVERED = {_kind(spec) for spec in CASES.values()}
# Scanners whose own test file compares them with their per-probe reference, with the worm's own settings
# and a negative control (the cap, crashes, DLL increments, local starts): the generic comparison below
# would repeat it with 100 seeds at several minutes each.
DEDICATED = {
    "slammer": ("worms/test_slammer_scanner.py", "test_slammer_scanner_matches_per_probe_reference"),
    "witty": ("worms/test_witty_scanner.py", "test_witty_scanner_matches_per_probe_reference"),
    "permutation": ("worms/test_permutation.py", "test_permutation_scanner_matches_per_probe_reference"),
    "sequential": ("worms/test_sequential_engine.py", "test_sequential_engine_matches_reference_and_controls_are_caught"),
}


def test_dedicated_reference_comparisons_exist():
    """The scanners left to their own files really are compared there (the test exists by that name)."""
    from pathlib import Path

    for kind, (path, name) in DEDICATED.items():
        assert kind in SCANNERS.names(), kind
        assert f"def {name}(" in (Path(__file__).parent / path).read_text(), (kind, path)


@pytest.mark.slow
@pytest.mark.parametrize("kind", [k for k in SCANNERS.names() if k not in COVERED | set(DEDICATED)]
                         or ["(all covered)"])
def test_every_other_registered_scanner_matches_the_reference(kind):
    """A scanner registered without a case above is compared through its own ``example_config`` and
    per-probe ``Rule``: adding a scanner adds it to this comparison without editing this file."""
    if kind == "(all covered)":
        assert COVERED | set(DEDICATED) >= set(SCANNERS.names())
        return
    scenario = small_scenario(scanning=SCANNERS.get(kind).example_config(), end="2001-07-19T08:00:00Z")
    world = small_world(clustered=True)
    ref = [run_reference(scenario, world, seed) for seed in range(SEEDS)]
    samples = _samples(scenario, world, ref)
    report = {k: ks_2samp(a, b).pvalue for k, (a, b) in samples.items()}
    assert min(report.values()) > ALPHA, report
    assert np.mean(samples["ever@3/3"][0]) > 20


def test_the_reference_does_not_import_the_engine():
    import ast
    from pathlib import Path

    import wormcast.analytic.reference as ref

    tree = ast.parse(Path(ref.__file__).read_text())
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any("loop" in m or "engine" in m for m in imported), imported
