"""Organisations inside an outbreak: placement, audits, patch campaigns, and users' exposure (issue 3)."""

import numpy as np
import pytest

from wormcast.api import simulate
from wormcast.config.loading import load_scenario
from wormcast.core.loop import PATCHED, Simulation
from wormcast.errors import WormcastError

CRII = ["population.vulnerable=20000", "end=2001-08-04T12:00:00Z", "seeding.initial_infected=20",
        "hosts.patch=[]"]


def org(**kw) -> str:
    base = {"name": '"farm"', "blocks": '["64.4.0.0/18"]', "servers": "400", "vulnerable_fraction": "0.5"}
    base.update(kw)
    return "orgs=[{" + ", ".join(f"{k}={v}" for k, v in base.items()) + "}]"


def test_servers_are_placed_in_their_blocks_and_outsiders_avoid_them():
    sim = Simulation(load_scenario("codered-v2", ["population.vulnerable=20000", org()]), 1)
    w = sim.world
    mine = w.org == 0
    assert mine.sum() == 200  # half of 400 vulnerable
    lo, hi = 64 << 24 | 4 << 16, (64 << 24 | 4 << 16) + (1 << 14)
    assert np.all((w.addresses[mine] >= lo) & (w.addresses[mine] < hi))
    assert not np.any((w.addresses[~mine] >= lo) & (w.addresses[~mine] < hi))
    assert sorted(set(w.frontend[mine].tolist())) == sorted(w.frontend[mine].tolist())  # distinct front-ends
    assert w.frontend[mine].max() < 400


def test_continuous_audit_with_certain_detection_keeps_backdoors_shut():
    over = CRII + ["population.vulnerable=5000", "worm.scan_rate.mean=200",
                   org(vulnerable_fraction="1.0", audit='{interval="0s", detection=1.0, delay="0s"}')]
    r = simulate("codered-ii", seed=3, overrides=over)
    o = r.summary["orgs"]["farm"]
    assert o["first_infection_time"] is not None  # the worm did reach the farm
    assert o["backdoor_open_hours"] == 0.0 and o["max_infected_servers"] == 0
    assert r.summary["backdoored_at_end"] > 0  # outside the farm, backdoors stay open


def test_audit_interval_sets_how_long_backdoors_stay_open():
    hours = {}
    for interval in ("1h", "6h"):
        over = CRII + ["population.vulnerable=5000", "worm.scan_rate.mean=200",
                       org(vulnerable_fraction="1.0", audit=f'{{interval="{interval}", detection=1.0, delay="0s"}}')]
        o = simulate("codered-ii", seed=3, overrides=over).summary["orgs"]["farm"]
        assert o["backdoors"] > 0
        hours[interval] = o["backdoor_open_hours_max"]
    assert hours["1h"] <= 1.0 + 1e-9 and 1.0 < hours["6h"] <= 6.0 + 1e-9


def test_org_patch_campaign_replaces_the_general_rate():
    over = ["population.vulnerable=20000", "worm.scan_rate.mean=0.001", "seeding.initial_infected=0",
            org(vulnerable_fraction="1.0", servers="2000", blocks='["64.4.0.0/16"]',
                patch='[{from=2001-07-19T10:00:00Z, rate_per_hour=0.2}]')]
    sim = Simulation(load_scenario("codered-v2", over), 2)
    sim.run()
    mine = sim.world.org == 0
    expect = 1 - np.exp(-0.2 * 14)
    assert np.mean(sim.hosts.state[mine] == PATCHED) == pytest.approx(expect, abs=0.03)
    assert np.mean(sim.hosts.state[~mine] == PATCHED) < 0.02


def test_logins_on_compromised_front_ends_follow_the_compromised_share():
    """Logins are uniform in time, so the share that lands on a compromised front-end is the time-average
    of the compromised share of all front-ends (random policy), within sampling error."""
    over = ["population.vulnerable=20000", "worm.scan_rate.mean=120", "end=2001-07-19T16:00:00Z",
            "seeding.initial_infected=5", org(users="{count=30000, logins_per_day=16}")]
    r = simulate("codered-v2", seed=5, overrides=over)
    o = r.summary["orgs"]["farm"]
    share = r.series.data["org_farm_infected"].mean() / 400
    assert 0.02 < share < 0.5
    n = o["logins"]
    for policy in ("random", "round_robin"):
        assert o["logins_compromised_fraction"][policy] == pytest.approx(share, abs=4 * np.sqrt(share / n) + 0.005)
    assert o["users_exposed_fraction"]["sticky"] < o["users_exposed_fraction"]["random"]


@pytest.mark.parametrize("setting, fragment", [
    ('orgs=[{name="a", blocks=["64.4.0.0/24"], servers=10}, {name="b", blocks=["64.4.0.128/25"], servers=5}]',
     "overlapping blocks"),
    ('orgs=[{name="a", blocks=["64.4.0.0/24"], servers=300}]', "do not fit"),
    ('orgs=[{name="a", blocks=["64.4.0.0/33"], servers=3}]', "not a valid IPv4 CIDR"),
    ('orgs=[{name="a", blocks=["64.4.0.0/24"], servers=3, audit={interval="-1h"}}]', "cannot be negative"),
    ('orgs=[{name="a", blocks=["64.4.0.0/24"], servers=3, users={count=5, logins_per_day=2, '
     'policies=["nearest"]}}]', "unknown login policy 'nearest'"),
    ('orgs=[{name="a", blocks=["64.4.0.0/24"], servers=3, users={count=5, logins_per_day=-2}}]',
     "logins_per_day"),
])
def test_bad_organisations_are_refused_in_one_line(setting, fragment):
    with pytest.raises(WormcastError) as exc:
        load_scenario("codered-v2", [setting])
    assert fragment in str(exc.value) and "\n" not in str(exc.value)


def test_codered_hotmail_answers_the_questions_in_plain_words(tmp_path):
    """The preset end to end (shortened): headline answers, the audit comparison, and the outputs."""
    import json
    import subprocess
    import sys

    out = tmp_path / "hm"
    p = subprocess.run([sys.executable, "-m", "wormcast", "run", "codered-hotmail", "--seed", "2", "--out", str(out),
                        "--set", "start=2001-08-03T18:00:00Z", "--set", "end=2001-08-04T12:00:00Z", "--set", "step=60s", "--set", "interval=10min",
                        "--set", "population.vulnerable=40000", "--set", 'orgs.0.audit.compare=["0s", "72h"]', "--set", "orgs.0.audit.compare_runs=3"],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    assert "hotmail: 3,000 servers" in p.stdout and "first infected:" in p.stdout
    assert "round-robin" in p.stdout and "sticky" in p.stdout
    assert "audit every 0 h" in p.stdout and "audit every 72 h" in p.stdout and "medians of 3 runs" in p.stdout
    assert "audit every 0 h (continuous monitoring)" in p.stdout
    o = json.loads((out / "summary.json").read_text())["orgs"]["hotmail"]
    for key in ("servers", "first_infection_time", "max_infected_servers", "max_backdoored_servers",
                "backdoor_open_hours", "logins_compromised_fraction", "users_exposed_fraction"):
        assert key in o
    assert set(o["users_exposed_fraction"]) == {"round_robin", "random", "sticky"}
    rows = {r["audit_interval_h"]: r for r in o["audit_comparison"]}
    assert set(rows) == {0.0, 72.0} and all(r["runs"] == 3 and r["rough"] for r in rows.values())
    lo, hi = rows[72.0]["intervals"]["backdoor_open_hours"]
    assert lo <= rows[72.0]["backdoor_open_hours"] <= hi
    # auditing continuously can only shorten the time infected front-ends serve users
    assert rows[0.0]["users_exposed_fraction"]["random"] <= rows[72.0]["users_exposed_fraction"]["random"]
    html = (out / "report.html").read_text()
    assert "Organisation hotmail" in html and "What the audit interval changes" in html


def test_exposure_over_time_adds_up_to_the_totals():
    over = ["population.vulnerable=20000", "worm.scan_rate.mean=120", "end=2001-07-19T16:00:00Z",
            "seeding.initial_infected=5", org(users="{count=5000, logins_per_day=6}")]
    r = simulate("codered-v2", seed=5, overrides=over)
    o = r.summary["orgs"]["farm"]
    df = r.to_df()
    assert df["org_farm_logins"].sum() == o["logins"]
    for policy in ("round_robin", "random", "sticky"):
        bad = df[f"org_farm_logins_compromised_{policy}"]
        assert bad.sum() == round(o["logins_compromised_fraction"][policy] * o["logins"])
        exposed = df[f"org_farm_users_exposed_{policy}"]
        assert exposed.is_monotonic_increasing and exposed.iloc[-1] == o["users_exposed"][policy]
        assert exposed.iloc[0] == 0  # nothing is compromised in the first minutes
