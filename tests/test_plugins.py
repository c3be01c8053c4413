"""Third-party components: the example package in examples/plugins runs from its TOML without any edit of
wormcast/, through its entry points and a dotted path, importing only wormcast.plugins."""

import ast
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "plugins"


def _installed_metadata(tmp_path: Path) -> Path:
    """What `pip install ./examples/plugins` would leave for importlib.metadata: a dist-info with the
    package's entry points (taken from its pyproject.toml), so the test needs no network or build."""
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    info = tmp_path / "site" / "wormcast_example_plugins-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    lines = []
    for group, eps in project["entry-points"].items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {target}" for name, target in eps.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return info.parent


def _run(tmp_path, *args):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(_installed_metadata(tmp_path)), str(EXAMPLE)])}
    return subprocess.run([sys.executable, "-m", "wormcast", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def test_the_example_scenario_runs_with_all_three_plugins(tmp_path):
    out = tmp_path / "o"
    p = _run(tmp_path, "run", str(EXAMPLE / "scenario.toml"), "--out", str(out))
    assert p.returncode == 0, p.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["emergency_patched"] > 1000  # the defence acted
    reach = summary["slash8_reach"]
    assert 0 < reach["reached"] <= reach["occupied"]  # the observer saw the spread
    df = pd.read_csv(out / "timeseries.csv")
    assert df["slash8_reached"].is_monotonic_increasing and df["slash8_reached"].iloc[-1] == reach["reached"]
    # the patch campaign shows in the host counts at its hour
    jump = df.loc[df["time"] == "2001-07-19T11:00:00Z", "new_patched"].iloc[0]
    assert jump == summary["emergency_patched"]
    # the hit-list: the first probes all hit, so the first minute infects far more than uniform scanning would
    assert df["new_infections"].iloc[0] > 100


def test_without_the_entry_points_the_kind_is_unknown_in_one_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(EXAMPLE)}
    p = subprocess.run([sys.executable, "-m", "wormcast", "run", str(EXAMPLE / "scenario.toml"), "--out",
                        str(tmp_path / "o")], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "unknown scanner 'hitlist'" in p.stderr
    assert not (tmp_path / "o").exists()


def test_the_example_imports_only_public_names():
    for path in (EXAMPLE / "wormcast_example_plugins").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("wormcast"):
                assert node.module == "wormcast.plugins", (path.name, node.module)
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("wormcast") for a in node.names), path.name


@pytest.mark.slow
def test_the_plugin_scanner_matches_the_reference():
    """The plugin's scanner against the brute-force reference with its own per-probe rule (KS, 60 seeds),
    and a negative control: a list twice as long is told apart."""
    sys.path.insert(0, str(EXAMPLE))
    try:
        from smallworld import small_scenario, small_world

        from wormcast.analytic.reference import run_reference
        from wormcast.core.loop import Simulation

        kind = "wormcast_example_plugins.hitlist:HitListScanner"
        scen = small_scenario(scanning={"kind": kind, "entries": 30}, end="2001-07-19T02:00:00Z")
        world = small_world(clustered=False)
        seeds = range(60)
        ref = [run_reference(scen, world, s).ever_infected_at(1800.0) for s in seeds]
        eng = [Simulation(scen, 5000 + s, world=world).run().series.data["ever_infected"][359] for s in seeds]
        assert ks_2samp(ref, eng).pvalue > 1e-3
        assert np.mean(eng) > 40
        longer = small_scenario(scanning={"kind": kind, "entries": 60}, end="2001-07-19T02:00:00Z")
        wrong = [Simulation(longer, 5000 + s, world=world).run().series.data["ever_infected"][359] for s in seeds]
        assert ks_2samp(ref, wrong).pvalue < 1e-3
    finally:
        sys.path.remove(str(EXAMPLE))
