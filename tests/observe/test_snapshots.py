"""The snapshot observer: frames of per-host states at chosen times, compact, bounded, and without any effect
on the outbreak; the address map drawn from them shows Code Red II's local spread and an organisation's block."""

import numpy as np
import pytest
from pydantic import ValidationError

from wormcast.api import resolve
from wormcast.core.loop import Simulation
from wormcast.observers.snapshots import MAX_FRAMES, Snapshots, SnapshotsConfig, with_snapshots
from wormcast.reporting import addressmap as am

V2 = ["population.vulnerable=20000", "worm.scan_rate.mean=120", "end=2001-07-19T14:00:00Z",
      "seeding.initial_infected=5"]
II = ["population.vulnerable=20000", "end=2001-08-04T06:00:00Z"]


def _run(name, overrides, seed=1, observer=True):
    sc = resolve(name, overrides)
    sim = Simulation(with_snapshots(sc) if observer else sc, seed)
    return sim, sim.run()


@pytest.fixture(scope="module")
def v2():
    return _run("codered-v2", V2)


@pytest.fixture(scope="module")
def ii():
    return _run("codered-ii", II)


def test_frames_at_milestones_and_the_end_as_compact_arrays(v2):
    sim, res = v2
    snaps = sim.component("snapshots").taken()
    reasons = [f.reason for f in snaps.frames]
    n = sim.world.n
    ever = res.to_df(res.scenario.step)["ever_infected"].to_numpy()
    reached = [f"{100 * s:g}% ever infected" for s in (0.001, 0.01, 0.1, 0.5, 0.9) if ever[-1] >= s * n]
    assert len(reached) >= 3 and reasons == reached + ["end"]
    for f in snaps.frames:
        assert f.state.dtype == np.int8 and f.state.shape == (n,)
        assert f.backdoor_bits.dtype == np.uint8 and f.backdoor_bits.size == (n + 7) // 8
        step = int(round(f.t / res.scenario.step)) - 1
        if f.reason != "end":  # taken at the first step that reached the share, not later
            share = float(f.reason.split("%")[0]) / 100
            assert ever[step] >= share * n > (ever[step - 1] if step else 0)
    assert snaps.frames[-1].t == res.scenario.duration
    assert snaps.nbytes() <= len(snaps.frames) * (n + n // 8 + 1)  # about 1.1 bytes a host a frame


def test_frames_at_given_times_hold_the_states_of_then():
    sc = resolve("codered-v2", V2 + ['observers=[{kind = "snapshots", at = ["1h", "2h"], milestones = [], '
                                     'end = false}]'])
    sim = Simulation(sc, 1)
    res = sim.run()
    frames = sim.component("snapshots").taken().frames
    assert [(f.t, f.reason) for f in frames] == [(3600.0, "+1 h"), (7200.0, "+2 h")]
    df = res.to_df(3600)
    for f, row in zip(frames, (0, 1)):  # row k holds the stocks at the end of hour k + 1
        infected = np.count_nonzero((f.state == 1) | (f.state == 2))
        assert infected == df["infected"].iloc[row]


def test_the_observer_does_not_change_the_outbreak(v2):
    _, with_it = v2
    _, without = _run("codered-v2", V2, observer=False)
    a, b = with_it.to_df(), without.to_df()
    assert a.to_csv(index=False) == b.to_csv(index=False)
    drop = {"wall_seconds"}
    assert {k: v for k, v in with_it.summary.items() if k not in drop} == \
        {k: v for k, v in without.summary.items() if k not in drop}
    # Negative control: another seed is told apart by the same comparison.
    _, other = _run("codered-v2", V2, seed=2, observer=False)
    assert other.to_df().to_csv(index=False) != a.to_csv(index=False)


@pytest.mark.parametrize("settings, fragment", [
    ({"at": ["-1h"]}, "cannot be negative"),
    ({"milestones": [0.0]}, "in (0, 1]"),
    ({"at": [f"{h}h" for h in range(MAX_FRAMES)]}, f"at most {MAX_FRAMES} frames"),
])
def test_bad_settings_are_refused(settings, fragment):
    with pytest.raises(ValidationError, match=None) as exc:
        SnapshotsConfig(**settings)
    assert fragment in str(exc.value)


def test_a_declared_observer_is_kept():
    sc = resolve("codered-v2", V2 + ['observers=[{kind = "snapshots", milestones = [0.5]}]'])
    assert with_snapshots(sc) is sc
    assert [o.kind for o in with_snapshots(resolve("codered-v2", V2)).observers] == ["snapshots"]
    assert isinstance(Simulation(with_snapshots(resolve("codered-v2", V2)), 0).component("snapshots"), Snapshots)


def _enrichment(maps_last):
    """Share of the infected hosts in the 40 map pixels holding most of them, over the share of all hosts there."""
    counts = maps_last.reshape(-1, len(am.CLASSES))
    infected = counts[:, am.INFECTED] + counts[:, am.BACKDOORED]
    top = np.argsort(-infected)[:40]
    return (infected[top].sum() / infected.sum()) / (counts[top].sum() / counts.sum())


def test_the_map_shows_code_red_ii_local_spread(ii, v2):
    """Localized scanning piles infections into the blocks of the first hosts; uniform scanning does not
    (negative control, same size and a similar number infected)."""
    sim, _ = ii
    local = am.snapshot_maps(sim.component("snapshots").taken())
    sim2, _ = v2
    uniform = am.snapshot_maps(sim2.component("snapshots").taken())
    ten_ii = next(c for label, c in local if "10%" in label)
    ten_v2 = next(c for label, c in uniform if "10%" in label)
    assert _enrichment(ten_ii) > 4.0
    assert _enrichment(ten_v2) < 2.0
    assert local[-1][0].startswith("+6 h (end)")


def test_an_organisations_block_is_outlined_where_its_servers_are():
    from wormcast.world.population import build_world

    sc = resolve("codered-hotmail", ["population.vulnerable=20000"])
    world = build_world(sc.population, np.random.default_rng(0), sc.base_dir, sc.orgs)
    counts = am.address_map(world.addresses, np.zeros(world.n, np.int8))
    (box,) = am.map_data([("t", counts)], {o.name: list(o.blocks) for o in sc.orgs})["blocks"]
    assert (box["name"], box["block"]) == ("hotmail", "64.4.0.0/18")
    inside = counts[box["row0"]:box["row1"], box["col0"]:box["col1"]].sum()
    servers = int(np.count_nonzero(world.org == 0))
    assert servers > 0 and inside >= servers  # every server of the organisation lies inside its outline
    r, c = am.pixel_of(np.array([64 << 24 | 4 << 16]))
    assert (box["row0"], box["col0"]) == (int(r[0]), int(c[0]))  # a /18 is one pixel at 14 bits per pixel


def test_bad_settings_from_the_command_line_are_one_line_and_write_nothing(tmp_path, capsys):
    from wormcast.cli import main

    out = tmp_path / "o"
    code = main(["run", "codered-v2", "--out", str(out), "--set",
                 'observers=[{kind = "snapshots", at = ["-1h"]}]', *[f"--set={o}" for o in V2]])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "observers.at" in err[0] and "cannot be negative" in err[0]
    assert not out.exists()
