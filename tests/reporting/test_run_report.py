"""A run's reports: report.html (static, script-free) and interactive.html (scripts allowed by hash only),
linked to each other, with the data overlay, the address map, readable labels and the scenario's notes."""

import json
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from wormcast.api import resolve
from wormcast.config.loading import preset_text
from wormcast.core.loop import Simulation
from wormcast.observers.snapshots import with_snapshots
from wormcast.reporting import provenance
from wormcast.reporting.addressmap import frame_label
from wormcast.reporting.interactive import script_hash
from wormcast.reporting.output import write_run

pytestmark = pytest.mark.slow  # one 14-hour run of 20,000 hosts (about 5-10 s here), shared by the module

V2 = ["population.vulnerable=20000", "worm.scan_rate.mean=120", "seeding.initial_infected=5"]


class Page(HTMLParser):
    """The tags, table rows, scripts and links of a page."""

    def __init__(self, text):
        super().__init__()
        self.rows, self.scripts, self.links, self.imgs, self.csp = [], [], [], [], None
        self._row, self._cell, self._script = None, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""
        elif tag == "script":
            self._script = {"type": a.get("type"), "id": a.get("id"), "text": ""}
        elif tag == "a":
            self.links.append(a.get("href"))
        elif tag == "img":
            self.imgs.append(a.get("alt"))
        elif tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = a["content"]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "script" and self._script is not None:
            self.scripts.append(self._script)
            self._script = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._script is not None:
            self._script["text"] += data


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    sc = resolve("codered-v2", V2)  # to 00:00 UTC on 20 Jul, where the measured figure is
    sim = Simulation(with_snapshots(sc), 1)
    result = sim.run()
    out = tmp_path_factory.mktemp("run") / "o"
    write_run(result, out, snapshots=sim.component("snapshots").taken(), source="codered-v2")
    return out, result, sim


@pytest.fixture(scope="module")
def static(run_dir):
    return Page((run_dir[0] / "report.html").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def live(run_dir):
    page = Page((run_dir[0] / "interactive.html").read_text(encoding="utf-8"))
    data = json.loads(next(s["text"] for s in page.scripts if s["id"] == "wc-data"))
    return page, data


def test_the_run_writes_both_reports_and_the_map_linked_to_each_other(run_dir, static, live):
    out = run_dir[0]
    assert {"report.html", "interactive.html", "addressmap.png", "outbreak.png"} <= {p.name for p in out.iterdir()}
    assert (out / "addressmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "interactive.html" in static.links and "report.html" in live[0].links
    assert static.scripts == [] and "script-src" not in static.csp  # the static report stays script-free
    assert "the address space at several times of the run" in static.imgs
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Dashed black: the analytic twin (aawp)" in html and "Moore, Shannon and Brown" in html  # sources


def test_the_interactive_page_allows_exactly_its_own_scripts(live):
    page, _ = live
    code = [s["text"] for s in page.scripts if s["type"] is None]
    allowed = re.search(r"script-src ([^;]*)", page.csp).group(1).split()
    assert sorted(allowed) == sorted(script_hash(c) for c in code) and len(code) == 4
    assert "connect-src" not in page.csp and page.csp.startswith("default-src 'none'")


def _section(data, kind):
    return [s for s in data["sections"] if s["kind"] == kind]


def test_the_outbreak_chart_holds_simulation_twin_and_measured_figure(run_dir, live):
    _, result, _ = run_dir
    _, data = live
    spec = _section(data, "chart")[0]["spec"]
    series = {v["s"] for v in spec["data"]["values"]}
    assert "analytic twin (aawp), ever infected" in series and "ever infected" in series
    sim_ever = [v["v"] for v in spec["data"]["values"] if v["s"] == "ever infected"]
    assert sim_ever == result.to_df()["ever_infected"].tolist()
    marks = [layer["data"]["values"] for layer in spec["layer"] if layer["mark"]["type"] == "point"
             and "data" in layer]
    assert marks and marks[0][0]["v"] == 359000 and "more than 359,000" in marks[0][0]["label"]


def test_rates_are_drawn_on_the_bins_the_words_use(run_dir, live):
    """The fastest minute of the summary is the peak of the drawn rate, in both reports."""
    from wormcast.reporting.output import per_minute_table
    from wormcast.reporting.plots import outbreak_figure

    _, result, _ = run_dir
    _, data = live
    peak = result.summary["peak_new_infections_per_min"]
    spec = _section(data, "chart")[1]["spec"]
    assert max(v["v"] for v in spec["data"]["values"]) == pytest.approx(peak)
    rule = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    assert rule and rule[0]["data"]["values"][0]["v"] == 2000
    fig = outbreak_figure(result.to_df().reset_index(), result.summary, per_minute=per_minute_table(result))
    drawn = fig.axes[1].get_lines()[0].get_ydata()
    assert np.max(drawn) == pytest.approx(peak)
    # Control: the scenario's 1-minute table has the same peak, a 5-minute one would not.
    coarse = result.to_df(300)["new_infections"].max() / 5
    assert coarse < peak


def test_the_map_slider_has_one_frame_per_snapshot(run_dir, live):
    _, _, sim = run_dir
    _, data = live
    (m,) = _section(data, "map")
    frames = sim.component("snapshots").taken().frames
    assert [f["label"] for f in m["map"]["frames"]] == [frame_label(f.t, f.reason) for f in frames]
    infected = [f["totals"][1] for f in m["map"]["frames"]]
    assert infected == [int(np.count_nonzero((f.state == 1) | (f.state == 2))) for f in frames]


def test_summary_rows_are_words_with_units_and_no_constant_rows(static, run_dir):
    _, result, _ = run_dir
    rows = {r[0]: r[1] for r in static.rows if len(r) == 2}
    assert "time_to_half_infected_h" not in rows and "target_addresses" not in rows
    assert rows["addresses the worm scans"] == "4,294,967,296"
    assert rows["vulnerable hosts"] == "20,000"
    assert rows["time to half of the vulnerable hosts ever infected"].endswith(" h")
    assert rows["share of the vulnerable hosts ever infected"].endswith("%")
    assert result.summary["flood_packets_total"] == 0 and "flood packets sent" not in rows  # constant: left out
    assert result.summary["backdoored_at_end"] == 0 and "backdoors open at the end" not in rows


def test_the_scenario_is_its_toml_with_each_note_classified(run_dir):
    html = (run_dir[0] / "report.html").read_text(encoding="utf-8")
    text = preset_text("codered-v2")
    n = provenance.counts(text)
    for kind in provenance.KINDS:
        assert html.count(f'<span class="note {kind}">') == sum(
            1 for ln in provenance.lines(text) if ln.note and ln.kind == kind)
    assert n["calibrated"] >= 1 and n["assumption"] >= 1
    assert "CALIBRATED" in html and "ASSUMPTION" in html and "model_dump" not in html
    # The run's overrides are listed beside the file's values.
    page = Page(html)
    changed = {r[0]: (r[1], r[2]) for r in page.rows if len(r) == 3}
    assert changed["population.vulnerable"][1] == "20000" and changed["worm.0.scan_rate.mean"][1] == "120.0"
    assert not any(k.startswith("observers") for k in changed)  # the map's observer is not a change


def test_the_overlay_note_says_when_there_is_no_twin_and_no_measure():
    from wormcast.reporting.report import overlay_note

    note = overlay_note(None, ())
    assert "No analytic model twins this scenario" in note and "No measured figure" in note


def test_note_classes_follow_the_tags():
    text = ('a = 1  # B §2 (sourced)\nb = 2  # ASSUMPTION: a guess\n      # and more words\n'
            'c = 3  # CALIBRATED against X\nd = "a # not a comment"\ne = 4\n')
    kinds = [(ln.code.split("=")[0].strip(), ln.kind) for ln in provenance.lines(text)]
    assert kinds == [("a", "sourced"), ("b", "assumption"), ("", "assumption"), ("c", "calibrated"),
                     ("d", ""), ("e", "")]
    assert provenance.counts(text) == {"sourced": 1, "calibrated": 1, "assumption": 1, "untagged": 2}


def test_words_wrap_between_words_only(static, run_dir):
    css = (run_dir[0] / "report.html").read_text(encoding="utf-8")
    assert "break-all" not in css and "overflow-wrap:anywhere" in css


def test_one_plot_per_worm_when_several_run():
    from wormcast.reporting.plots import worms_figure

    t = pd.date_range("2001-08-01", periods=10, freq="10min", tz="UTC")
    df = pd.DataFrame({"time": t, "infected_code_red_i_v2": np.arange(10), "infected_code_red_ii": np.arange(10)[::-1]})
    summary = {"worms": {"Code Red I v2": {"peak_infected": 9, "probes_total": 1000},
                         "Code Red II": {"peak_infected": 9, "probes_total": 2000}}}
    from wormcast.results.columns import slug

    assert [slug(w) for w in summary["worms"]] == ["code_red_i_v2", "code_red_ii"]
    fig = worms_figure(df, summary)
    assert len(fig.axes) == 2 and [ax.get_title().split(":")[0] for ax in fig.axes] == list(summary["worms"])
    assert worms_figure(df, {"worms": {}}) is None  # one worm: the outbreak figure is enough


def test_audit_comparison_says_what_continuous_monitoring_is():
    from wormcast.reporting.report import CONTINUOUS_NOTE, audit_comparison_section, words

    rows = [{"audit_interval_h": h, "backdoor_open_hours": b, "backdoor_open_hours_max": b, "max_infected_servers": 3,
             "users_exposed_fraction": None, "runs": 3, "rough": True,
             "intervals": {"backdoor_open_hours": [0.0, 2 * b]}} for h, b in ((0.0, 12.0), (6.0, 0.0))]
    html = "".join(audit_comparison_section({"audit_comparison": rows}))
    assert "Medians of 3 runs" in html and "the brackets are rough" in html and "never looked at again" in html
    assert "0 (continuous monitoring)" in html and "12.0 [0.0-24.0]" in html
    # Control: without interval 0 there is nothing to explain.
    assert "never looked at again" not in "".join(audit_comparison_section({"audit_comparison": rows[1:]}))
    assert "clean-up delay" in CONTINUOUS_NOTE
    summary = {"worm": "w", "scenario": "s", "seed": 1, "start": "a", "end": "b", "ever_infected": 1,
               "vulnerable": 2, "ever_infected_fraction": 0.5, "infected_at_end": 0, "time_to_half_infected_h": None,
               "probes_total": 1, "probes_per_address": 1.0, "target_addresses": 1,
               "orgs": {"o": {"servers": 1, "vulnerable_servers": 1, "first_infection_time": None,
                              "max_infected_servers": 1, "max_backdoored_servers": 1, "backdoor_open_hours": 1.0,
                              "backdoor_open_hours_max": 1.0, "audit_comparison": rows}}}
    text = words(summary)
    assert "audit every 0 h (continuous monitoring): backdoors open 12.0 [0.0-24.0]" in text
