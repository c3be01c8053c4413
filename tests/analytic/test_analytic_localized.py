"""The localized-scanning twin (analytic/localized.py) against the engine: with many hosts, the mean over seeds
of the simulated curve follows the mean-field model on the same worlds.

Each seed builds its own world (the clustered generator draws from the run's seed), so each run is compared with
its twin on that world (``overlay(result)``) and both are averaged over the seeds. Scenarios: the codered-ii
and nimda presets' worlds (170,000 and 150,000 hosts), 1% of the infectable hosts infected at the start (the
deterministic model spreads first copies over the /16s in proportion to their hosts, the mean over the engine's
uniform choice; with one first copy the mean of runs is far flatter than any run), three hours.
codered-ii with every removal term made visible: a 1 h lifetime, reboots at 0.5/h, patching at 0.1/h from the
start; nimda with its exploit share (0.6) and its per-infected extra hazard raised to 2/h.

Tolerances, on the mean curves (fractions of the vulnerable hosts): the largest difference of ever infected
and of infected is at most 0.03, and the times to 25% and 50% ever infected agree within 8% (log ratio).
Measured (6 seeds): codered-ii 0.018 and 0.017, the times 0.2% and 3.8%; nimda 0.009 and 0.009, the times
3.9% and 4.5%. The model runs slightly ahead, more so late (codered-ii: 10% at 75%, 15% at 90%): a
deterministic group grows from its fractional share of the first copies and of the probes from other blocks,
while a run's group waits for whole hosts, so the mean of runs is flatter (the mean field's own bias; the
seed-to-seed sd of the largest difference is 0.007, its mean's 0.003). Negative controls: codered-ii's model
with the /16 and /8 probabilities swapped (1/2 same /16, 3/8 same /8) misses by 0.041 and 18%, more than
both tolerances; uniform scanning (the RCS assumption) misses by 0.89; nimda's without its extra hazard
misses by 0.098.
"""

import dataclasses

import numpy as np
import pytest

import wormcast
from wormcast.analytic.aawp import AAWP
from wormcast.analytic.localized import Localized, LocalWorld
from wormcast.cli import main
from wormcast.analytic.twin import overlay, twin_for

SEEDS = range(6)
TOL_FRACTION = 0.03
TOL_TIME = 0.08  # |log(t_engine / t_model)| at 25% and 50% ever infected
CODERED_II = ["seeding.initial_infected=1700", "end=2001-08-04T03:00:00Z", 'interval="1min"', 'worm.lifetime="1h"',
              "hosts.reboot_rate_per_hour=0.5", "hosts.patch=[{from=2001-08-04T00:00:00Z, rate_per_hour=0.1}]"]
NIMDA = ["seeding.initial_infected=900", "end=2001-09-18T15:00:00Z", 'interval="2min"',
         "worm.extra_hazard.rate_per_hour=2.0"]


def _time_to(t, f, q):
    i = int(np.argmax(f >= q))
    assert f[i] >= q, f"the curve never reaches {q}"
    return float(np.interp(q, f[i - 1:i + 1], t[i - 1:i + 1])) if i else float(t[0])


def _compare(preset, overrides, wrongs):
    """Mean over seeds of the engine's and the twin's fractions (ever infected, infected), and of each wrong
    model's ever infected (``wrongs``: dataclasses.replace arguments)."""
    sc = wormcast.load_scenario(preset, overrides)
    sums = None
    for s in SEEDS:
        result = wormcast.simulate(sc, seed=s)
        model = twin_for(sc, seed=s)
        assert isinstance(model, Localized)
        df, tw = result.to_df(), overlay(result)
        n = model.vulnerable
        curves = [df["ever_infected"].to_numpy() / n, tw["ever_infected"].to_numpy() / n,
                  df["infected"].to_numpy() / n, tw["infected"].to_numpy() / n]
        curves += [overlay(result, model=dataclasses.replace(model, **w))["ever_infected"].to_numpy() / n
                   for w in wrongs]
        sums = curves if sums is None else [a + b for a, b in zip(sums, curves)]
    t = (np.arange(len(df)) + 1.0) * sc.interval  # each row's stocks are at its interval's end
    return t, [c / len(SEEDS) for c in sums]


def _misses(t, engine, model):
    """(largest difference of the fractions, largest |log ratio| of the times to 25% and 50%)."""
    times = [abs(np.log(_time_to(t, engine, q) / _time_to(t, model, q))) for q in (0.25, 0.5)]
    return float(np.max(np.abs(engine - model))), max(times)


@pytest.mark.slow
def test_codered_ii_mean_follows_the_localized_twin():
    swapped, uniform = {"levels": "16:0.5,8:0.375,0:0.125"}, {"levels": "0:1"}
    t, (ever, twin_ever, now, twin_now, wrong_ever, uniform_ever) = _compare("codered-ii", CODERED_II,
                                                                            [swapped, uniform])
    d_ever, d_time = _misses(t, ever, twin_ever)
    assert d_ever < TOL_FRACTION and np.max(np.abs(now - twin_now)) < TOL_FRACTION
    assert d_time < TOL_TIME
    assert ever[-1] > 0.9 and now[-1] < 0.85 * now.max()  # the whole outbreak, and the removals showing
    # negative controls: the /16 and /8 probabilities swapped; uniform scanning
    d_wrong, t_wrong = _misses(t, ever, wrong_ever)
    assert d_wrong > TOL_FRACTION and t_wrong > TOL_TIME
    assert np.max(np.abs(ever - uniform_ever)) > 0.5


@pytest.mark.slow
def test_nimda_mean_follows_the_localized_twin_with_its_extra_hazard():
    t, (ever, twin_ever, now, twin_now, no_extra) = _compare("nimda", NIMDA, [{"extra_per_infected": 0.0}])
    d_ever, d_time = _misses(t, ever, twin_ever)
    assert d_ever < TOL_FRACTION and np.max(np.abs(now - twin_now)) < TOL_FRACTION
    assert d_time < TOL_TIME
    assert 0.5 < ever[-1] <= 0.6  # the exploit reaches 60% of the vulnerable hosts
    # negative control: the same model without the extra hazard
    d_wrong, _ = _misses(t, ever, no_extra)
    assert d_wrong > TOL_FRACTION


# ---------------------------------------------------------------- the model alone

def _two_blocks(**kw):
    """Two /16s of one /8 (100 and 300 hosts) and one host in another /8; no exclusions, no skipped source."""
    addrs = np.concatenate([(11 << 24) + np.arange(100), (11 << 24) + (1 << 16) + np.arange(300), [12 << 24]])
    world = LocalWorld.of(addrs, [16, 8, 0], [], skip_self=False)
    base = dict(vulnerable=401, levels="16:0.5,8:0.3,0:0.2", exclude="", skip_self=0, scan_rate=20.0,
                initial_infected=1, patch_rate=0.0, reboot_rate=0.0, lifetime=0.0, step=10.0, world=world)
    return Localized(**{**base, **kw})


def test_one_tick_by_hand():
    m = _two_blocks()
    n, e = m.ticks(1)
    i0 = np.array([100, 300, 1]) / 401  # the first copy spread over the groups
    i8 = np.array([1, 1, 0]) * i0[:2].sum() + np.array([0, 0, 1]) * i0[2]
    lam = 20.0 * (0.5 * np.array([i0[0], i0[1], i0[2]]) / 2**16 + 0.3 * i8 / 2**24 + 0.2 * 1.0 / 2**32)
    new = (np.array([100, 300, 1]) - i0) * -np.expm1(-lam * 10.0)
    assert n[1] == pytest.approx(1 + new.sum(), rel=1e-12) and e[1] == pytest.approx(n[1], rel=1e-12)
    # a wrong /16 probability is seen
    assert abs(_two_blocks(levels="16:0.6,8:0.2,0:0.2").ticks(1)[0][1] - n[1]) > 1e-3 * new.sum()


def test_random_scanning_only_is_aawp():
    """With every probe anywhere (prefix 0) and nothing removed, the model is AAWP on the same tick."""
    m = Localized(vulnerable=20000, active_slash8=20, levels="0:1", exclude="", skip_self=0, scan_rate=2000.0,
                  initial_infected=200, patch_rate=0.0, reboot_rate=0.0, lifetime=0.0, step=1.0)
    t = np.arange(0.0, 1800.0, 30.0)
    aawp = AAWP(vulnerable=20000, scan_rate=2000.0, addresses=2**32, initial_infected=200, step=1.0)
    assert np.max(np.abs(m.curve(t).infected - aawp.curve(t).infected)) < 1e-6 * 20000
    local = dataclasses.replace(m, levels="16:0.5,0:0.5", world=None)  # its world by /16s
    assert np.max(np.abs(local.curve(t).infected - aawp.curve(t).infected)) > 0.05 * 20000


def test_lifetime_reboots_and_patching_remove_the_first_copies():
    """No spread (a negligible rate): the first copies end at their lifetime, fewer by reboots and patches."""
    m = _two_blocks(scan_rate=1e-12, initial_infected=100, lifetime=100.0, reboot_rate=3.6, patch_rate=1.8)
    n, e = m.ticks(12)
    keep = np.exp(-(3.6 + 1.8) * 10.0 / 3600.0)
    assert n[10] == pytest.approx(100 * keep ** 10, rel=1e-9)  # ten ticks of reboots and patches
    assert n[11] < 1e-6 and e[11] == pytest.approx(100)  # then the lifetime ends the rest
    assert _two_blocks(scan_rate=1e-12, initial_infected=100, lifetime=200.0).ticks(12)[0][11] == pytest.approx(100)
    # a long lifetime: infections kept in bins of 5 ticks (1/200 of it), a bin's ended over 5 ticks
    n = _two_blocks(scan_rate=1e-12, initial_infected=100, lifetime=1000.0, step=1.0).ticks(1006)[0]
    assert n[1000] == pytest.approx(100) and n[1001] == pytest.approx(80) and n[1005] < 1e-6


def test_command_line(capsys, tmp_path):
    argv = ["model", "localized", "--set", "vulnerable=20000", "--set", "active_slash8=20", "--until", "2h",
            "--every", "10min"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "levels=16:0.375,8:0.5,0:0.125" in out and "hours_to_50pct=" in out and "groups=" in out
    assert len([ln for ln in out.splitlines() if ln.strip()[:1].isdigit()]) == 13
    assert main(argv + ["--out", str(tmp_path / "c.csv")]) == 0
    for bad, fragment in (("levels=16:0.5,0:0.4", "levels"), ("exclude=10.0.0/8", "exclude"),
                          ("active_slash8=500", "active_slash8"), ("lifetime=5s", "lifetime"),
                          ("skip_self=2", "skip_self")):
        assert main(["model", "localized", "--set", bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and fragment in err and "Traceback" not in err
