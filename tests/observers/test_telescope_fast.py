"""The telescope's fast accounting (observers/telescope_fast.py) against the exact per-step reference on one
outbreak: the seed fixes the outbreak; the exact path's landings come from the worm's ``watch`` stream (given a
fresh generator per repetition here), the fast path's from ``telescope:<name>:fast`` (differently named
telescopes in one run). Per statistic: two-sample KS p > 0.001 and means within 4 standard errors, in a
codered-like regime (a /8: tens of packets per source and minute), a /14 (under one a minute: the active
counts hardest to approximate) and a small telescope (a /20: most sources send a packet or two), with the
crowded-interval approximation forced on (a low threshold). Negative control: a fast path whose packet rate
is 10% high is rejected. Identities on every run."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import wormcast
from wormcast.core.loop import Simulation
from wormcast.observers import telescope, telescope_fast
from wormcast.world.addresses import format_address

BASE = ["population.vulnerable=20000", "worm.scan_rate.mean=120", "end=2001-07-19T13:00:00Z",
        "seeding.initial_infected=20"]
# Code Red II made small: localized scanning; copies end after 2 h and hosts reboot, so many hosts scan in
# several episodes (reinfected through the backdoor)
CR2 = ["population.vulnerable=20000", "worm.scan_rate.mean=2", "end=2001-08-04T08:00:00Z",
       "seeding.initial_infected=20", "worm.lifetime=2h", "hosts.reboot_rate_per_hour=0.3"]
SEED = 1
AT = (0.22, 0.55, 0.94)  # early, middle, late intervals (shares of the run)


def _scenario(block: str, names: list[str], accounting: str, extra: str = "", preset=("codered-v2", BASE)):
    obs = ",".join(f'{{kind = "telescope", name = "{n}", blocks = ["{block}"], accounting = "{accounting}"{extra}}}'
                   for n in names)
    return wormcast.load_scenario(preset[0], preset[1] + [f"observers=[{obs}]"])


def _hosts(sim) -> list[str]:
    """Three hosts fixed by the outbreak: the first infected, and those infected a third and two thirds in."""
    t = sim.hosts.first_infected_at
    ids = np.flatnonzero(np.isfinite(t) & sim.hosts.ever_infected)
    ids = ids[np.argsort(t[ids], kind="stable")]
    return [format_address(int(sim.world.addresses[ids[int(q * (ids.size - 1))]])) for q in (0, 1 / 3, 2 / 3)]


def _figures(obs, hosts) -> dict:
    ser, src, fig = obs["series"], obs["sources"], obs.summary
    out = {}
    for t in (int(q * len(ser)) for q in AT):
        out |= {f"packets@{t}": ser["packets"].iloc[t], f"active@{t}": ser["active_sources"].iloc[t],
                f"new@{t}": ser["new_sources"].iloc[t]}
    out |= {"unique": fig["unique_sources_total"], "packets": fig["packets_total"]}
    t0 = ser["time"].iloc[0]
    by = src.set_index("address")
    for j, h in enumerate(hosts):
        seen = h in by.index
        out[f"host{j}.packets"] = int(by.at[h, "packets"]) if seen else 0
        out[f"host{j}.first"] = (by.at[h, "first_seen"] - t0).total_seconds() if seen else -1.0
        out[f"host{j}.last"] = (by.at[h, "last_seen"] - t0).total_seconds() if seen else -1.0
    for key in ("estimated_scan_rate", "estimated_infected"):  # the estimators' inputs, through them
        out[key] = np.nan if fig[key]["value"] is None else fig[key]["value"]
    out["naive_scan_rate"] = fig.get("naive_scan_rate", np.nan)
    return out


def _check_identities(obs) -> None:
    ser, src = obs["series"], obs["sources"]
    assert ser["packets"].sum() == src["packets"].sum() == obs.summary["packets_total"]
    assert (ser["new_sources"] <= ser["active_sources"]).all() and (ser["active_sources"] <= ser["packets"]).all()
    assert (src["first_seen"] < src["last_seen"]).all() and (src["packets"] >= 1).all()
    assert src["first_seen"].is_monotonic_increasing
    assert (ser["new_sources"].cumsum() == ser["unique_sources"]).all()
    assert len(src) == obs.summary["unique_hosts_total"] == ser["unique_sources"].iloc[-1]


def _exact(block: str, n: int, preset) -> tuple[pd.DataFrame, list[str]]:
    rows, hosts = [], None
    for rep in range(n):
        sim = Simulation(_scenario(block, ["x"], "exact", preset=preset), SEED)
        # the exact path draws from the worm's own watch stream, which the outbreak never reads: a fresh
        # generator per repetition, the same outbreak
        sim.worms[0].scanner.streams._gens["watch"] = np.random.default_rng([12345, rep])
        res = sim.run()
        hosts = hosts or _hosts(sim)
        assert res.summary["observers"]["x"]["accounting"] == "exact"
        _check_identities(res.observers["x"])
        rows.append(_figures(res.observers["x"], hosts))
    return pd.DataFrame(rows), hosts


def _fast(block: str, n: int, hosts, preset) -> pd.DataFrame:
    names = [f"f{j}" for j in range(n)]
    res = Simulation(_scenario(block, names, "fast", preset=preset), SEED).run()
    rows = []
    for name in names:
        assert res.summary["observers"][name]["accounting"] == "fast"
        _check_identities(res.observers[name])
        rows.append(_figures(res.observers[name], hosts))
    return pd.DataFrame(rows)


def _compare(a: pd.DataFrame, b: pd.DataFrame) -> dict:
    """Per column: (KS p-value, z of the difference of means); each side needs two values at least (else
    the figures would be NaN, which no threshold rejects)."""
    out = {}
    for col in a.columns:
        x, y = a[col].dropna().to_numpy(float), b[col].dropna().to_numpy(float)
        assert x.size >= 2 and y.size >= 2, (col, x.size, y.size)
        se = np.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
        diff = x.mean() - y.mean()
        z = 0.0 if diff == 0 else (np.inf if se == 0 else diff / se)
        out[col] = (float(stats.ks_2samp(x, y).pvalue), float(z))
    return out


@pytest.fixture
def crowded(monkeypatch):
    """The aggregated (crowded-interval) draw forced on in a small world."""
    def set_(n):
        monkeypatch.setattr(telescope_fast, "CROWDED", n)
    return set_


def _busiest_slash8(preset) -> str:
    """The /8 holding most vulnerable hosts (its own hosts' probes land there with probability over 1/2)."""
    world = Simulation(wormcast.load_scenario(preset[0], preset[1]), SEED).world
    return f"{np.bincount(world.addresses >> 24).argmax()}.0.0.0/8"


@pytest.mark.slow
@pytest.mark.parametrize("block, threshold, n, preset", [
    ("44.0.0.0/8", 64, 60, ("codered-v2", BASE)), ("44.0.0.0/14", 64, 60, ("codered-v2", BASE)),
    ("44.0.0.0/20", 8, 60, ("codered-v2", BASE)), ("busiest", 64, 30, ("codered-ii", CR2))])
def test_fast_accounting_has_the_exact_laws_on_one_outbreak(block, threshold, n, preset, crowded, monkeypatch):
    crowded(threshold)
    block = _busiest_slash8(preset) if block == "busiest" else block
    exact, hosts = _exact(block, n, preset)
    fast = _fast(block, n, hosts, preset)
    res = _compare(fast, exact)
    print({k: (round(p, 4), round(z, 2)) for k, (p, z) in res.items()})
    bad = {k: v for k, v in res.items() if v[0] < 1e-3 or abs(v[1]) > 4}
    assert not bad, bad
    # negative control: each host's packet rate 10% high
    share = telescope.Telescope._landing_share
    monkeypatch.setattr(telescope.Telescope, "_landing_share", lambda self, sc: 1.1 * share(self, sc))
    wrong = _compare(_fast(block, n, hosts, preset), exact)
    print("x1.1:", {k: (round(p, 4), round(z, 2)) for k, (p, z) in wrong.items()})
    assert wrong["packets"][0] < 1e-3 and abs(wrong["packets"][1]) > 4


def test_fast_telescope_leaves_the_outbreak_unchanged_and_keeps_the_outputs():
    extra = ', background = {}, detectors = ["kalman", "cusum"], training = 30'
    plain = Simulation(wormcast.load_scenario("codered-v2", BASE), SEED).run()
    fast = Simulation(_scenario("44.0.0.0/8", ["a"], "fast", extra), SEED).run()
    exact = Simulation(_scenario("44.0.0.0/8", ["a"], "exact", extra), SEED).run()
    assert fast.to_df().equals(plain.to_df()) and exact.to_df().equals(plain.to_df())
    f, e = fast.observers["a"], exact.observers["a"]
    _check_identities(f)
    assert f.summary.keys() == e.summary.keys() and f.summary["accounting"] == "fast"
    for table in ("series", "sources"):
        assert list(f[table].columns) == list(e[table].columns)
        assert (f[table].dtypes == e[table].dtypes).all()
    assert f.summary["packets_total"] > f.summary["worm_packets_total"] > 0  # background in
    assert f["sources"]["background"].any() and f["sources"]["address"].isna().sum() == f["sources"]["background"].sum()
    assert {a["detector"] for a in f.summary["alarms"]} == {a["detector"] for a in e.summary["alarms"]}
    again = Simulation(_scenario("44.0.0.0/8", ["a"], "fast", extra), SEED).run().observers["a"]
    assert again["sources"].equals(f["sources"]) and again["series"].equals(f["series"])  # same seed, same draws


def test_fast_accounting_falls_back_to_exact_where_unsupported():
    sc = _scenario("44.0.0.0/8", ["a"], "fast", ", churn = {rate_per_hour = 0.5}")
    fig = Simulation(sc, SEED).run().summary["observers"]["a"]
    assert fig["accounting"] == "exact (fast unsupported: address churn)"


@pytest.mark.parametrize("accounting", ["fast", "exact"])
def test_scan_rate_estimate_takes_each_sources_exposure(accounting, monkeypatch):
    """Hosts infected within the estimate window (a growing outbreak) or rebooting (0.5 an hour) scan only
    part of it: with each source's share of the window passed as exposure, the 90% interval (half-width ~2.4%
    here, 1,760 sources, 1 seed) covers the mean rate of the sources seen in the window; the same run without
    exposure (the negative control) lands far below it (their missing time read as a slower rate)."""
    from wormcast.observers import estimators

    sc = _scenario("44.0.0.0/8", ["a"], accounting, ', estimate_window = "1h"',
                   preset=("codered-v2", BASE + ["hosts.reboot_rate_per_hour=0.5"]))

    def run():
        sim = Simulation(sc, SEED)
        tel = next(c for c in sim.components if isinstance(c, telescope.Telescope))
        fig = sim.run().summary["observers"]["a"]["estimated_scan_rate"]
        return fig, sim, tel

    fig, sim, tel = run()
    truth = float(sim.worms[0].scanner.rates[tel.window_packets > 0].mean())
    print(accounting, fig, truth, int(np.count_nonzero(tel.window_packets)))
    assert fig["low"] <= truth <= fig["high"], (fig, truth)
    real = estimators.estimate
    monkeypatch.setattr(estimators, "estimate", lambda *a, **k: real(*a[:4]))  # exposure dropped
    wrong, _, _ = run()
    print("without exposure", wrong)
    assert wrong["high"] < truth and (truth - wrong["value"]) > 5 * (fig["high"] - fig["value"]), (wrong, truth)
