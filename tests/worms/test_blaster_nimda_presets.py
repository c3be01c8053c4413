"""The shipped presets blaster and nimda: tagged values, their published figures, Blaster's flood rule.

Blaster: Bailey et al. (2005) give at least 100,000 infected hosts; the preset's population is CALIBRATED so
that its run exceeds that by its end (16 h). Tolerance: none below the floor (the figure is a lower bound);
the run must also stay below the population (an outbreak, not an accounting error). Nimda has no published
host count in the sources (docs/worms/nimda.md), so its check is the target set: every host it infects lies
in its exploit's share or carries a backdoor. The flood: under the code's test a copy started on 16 Sep
floods, one started on 15 Sep does not until a reboot restarts it.
"""

import numpy as np
import pytest
from test_preset_tags import untagged

from wormcast.analytic.measured import measured_for
from wormcast.analytic.twin import twin_for
from wormcast.config.loading import load_scenario, preset_text
from wormcast.core.loop import Simulation



@pytest.mark.parametrize("preset", ["blaster", "nimda"])
def test_every_value_is_tagged(preset):
    lines = preset_text(preset).splitlines()
    assert untagged("\n".join(lines)) == []  # tests/worms/test_preset_tags.py's check


@pytest.mark.slow
def test_blaster_exceeds_the_published_floor():
    sc = load_scenario("blaster")
    (m,) = measured_for(sc)
    r = Simulation(sc, 0).run()
    ever = int(r.series.data["ever_infected"][-1])
    assert m.value <= ever < sc.population.vulnerable, ever
    twin = twin_for(sc)  # the report overlays it
    assert twin is not None and twin.figures()["K_per_hour"] > 0


def test_nimda_infects_only_its_target_set():
    sc = load_scenario("nimda", ["population.vulnerable=20000", "end=2001-09-18T18:00:00Z"])
    sim = Simulation(sc, 0)
    sim.run()
    h = sim.hosts
    infected = h.ever_infected
    assert infected.sum() > 0.5 * sim.worms[0].exploitable.sum()
    assert not np.any(infected & ~sim.worms[0].exploitable & ~h.backdoor)


def _flood(start, end, reboot):
    sc = load_scenario("blaster", ["population.vulnerable=5000", f"start={start}", f"end={end}",
                                   f"hosts.reboot_rate_per_hour={reboot}", "hosts.patch=[]",
                                   "seeding.initial_infected=50"])
    r = Simulation(sc, 0).run()
    return sc, r.series.data["flood_packets"]


def test_flood_starts_with_copies_started_on_a_flood_day():
    _, before = _flood("2003-09-15T20:00:00Z", "2003-09-15T23:00:00Z", 0.5)
    assert before.sum() == 0  # 15 Sep: day > 15 fails, no copy floods
    sc, across = _flood("2003-09-15T22:00:00Z", "2003-09-16T02:00:00Z", 0.5)
    midnight = across.size // 2 - 1  # the step whose infections and restarts take effect at 00:00 on the 16th
    assert across[:midnight].sum() == 0 and across[midnight:].sum() > 0  # copies started from midnight flood
    per_step_max = sc.population.vulnerable * 50.0 * sc.step
    assert across.max() <= per_step_max
    # negative control: without reboots only copies infected from midnight flood, far fewer per step
    _, no_reboot = _flood("2003-09-15T22:00:00Z", "2003-09-16T02:00:00Z", 0.0)
    assert no_reboot[:midnight].sum() == 0 and no_reboot[-1] < across[-1]


def test_bad_worm_settings_are_refused_in_one_line():
    from wormcast.errors import WormcastError

    with pytest.raises(WormcastError, match="reboot"):
        load_scenario("blaster", ["worm.lifetime='1h'"])  # a worm restarting at boot does not end itself
    with pytest.raises(WormcastError, match="flood_target"):
        load_scenario("blaster", ["worm.flood_target='-bad..name'"])
    with pytest.raises(WormcastError, match="host_variant_share"):
        load_scenario("blaster", ["worm.scanning.host_variant_share=[0.5]"])
    assert load_scenario("blaster").worms[0].flood_target == "windowsupdate.com"
