"""`wormcast run codered-v2-observed` (made small) writes what its observers saw: the telescope series and
sources, the server log, the alarms in summary.json, and the report's section."""

import json
import subprocess
import sys

import pandas as pd
import pytest

SMALL = ["--set", "population.vulnerable=20000", "--set", "worm.scan_rate.mean=300", "--set",
         "end=2001-07-19T14:00:00Z"]


@pytest.mark.slow
def test_the_observed_preset_writes_every_observer_output(tmp_path):
    out = tmp_path / "o"
    p = subprocess.run([sys.executable, "-m", "wormcast", "run", "codered-v2-observed", "--seed", "1", "--out",
                        str(out), "--quiet", *SMALL], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    summary = json.loads((out / "summary.json").read_text())
    tel, iis = summary["observers"]["caida"], summary["observers"]["iis"]
    assert {a["detector"] for a in tel["alarms"]} >= {"kalman", "cusum"}
    assert all(a["time"] > "2001-07-19T10:00:00Z" for a in tel["alarms"])  # none before the worm's release
    assert tel["unique_sources_total"] > tel["worm_sources_total"] > 0
    series = pd.read_parquet(out / "telescope-caida.parquet")
    assert len(series) == 6 * 60 and series["time"].iloc[0] == pd.Timestamp("2001-07-19T08:00:00Z")
    assert len(pd.read_parquet(out / "telescope-caida-sources.parquet")) == tel["unique_hosts_total"]
    log = (out / "server-iis.log").read_text().splitlines()
    assert log[0].startswith("#Software: Microsoft Internet Information Services")
    assert sum("default.ida" in ln for ln in log) == iis["worm_requests"] > 0
    html = (out / "report.html").read_text()
    assert "Observers: what each saw, and when" in html and "Server iis" in html and "Alarm: kalman" in html
