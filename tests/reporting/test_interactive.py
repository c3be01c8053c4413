"""The interactive page as text: self-contained, every script allowed by hash and nothing else, data escaped."""

import base64
import hashlib
import json
import re

import pytest
from interactive_helpers import COLUMNS, HOSTILE, ROWS, build, series

from wormcast.reporting.interactive import LineChart, MapSlider, interactive_page, json_for_script, line_spec

SCRIPT = re.compile(r"<script([^>]*)>(.*?)</script>", re.S)


@pytest.fixture(scope="module")
def page():
    return build()[0]


def _csp(html: str) -> str:
    return re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)


def test_every_executable_script_is_inline_and_allowed_by_its_hash(page):
    csp = _csp(page)
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    allowed = set(directives["script-src"].split())
    assert "'unsafe-inline'" not in allowed and "'unsafe-eval'" not in allowed
    code = [(attrs, text) for attrs, text in SCRIPT.findall(page) if "application/json" not in attrs]
    assert len(code) == 4  # vega, vega-lite, vega-embed, the page's own
    assert all(attrs == "" for attrs, _ in code)  # no src=
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(t.encode()).digest()).decode() + "'" for _, t in code}
    assert hashes == allowed


def test_nothing_is_loaded_from_elsewhere(page):
    markup = SCRIPT.sub("", page).lower()  # the page outside its scripts (Vega's code holds such words)
    assert "<script" not in markup and "<link" not in markup and "<iframe" not in markup
    assert " src=" not in markup and " href=" not in markup and "@import" not in markup and "url(" not in markup
    assert len(page.encode()) < 1_500_000  # Vega is ~0.85 MB; plotly alone would be 4.8 MB


def test_data_is_json_not_code_and_hostile_text_is_escaped(page):
    data = [t for attrs, t in SCRIPT.findall(page) if 'id="wc-data"' in attrs]
    assert len(data) == 1 and "<" not in data[0]
    doc = json.loads(data[0])
    chart, amap = doc["sections"]
    assert chart["kind"] == "chart" and amap["kind"] == "map"
    values = chart["spec"]["data"]["values"]
    assert len(values) == ROWS * len(COLUMNS) and {v["s"] for v in values} == set(COLUMNS)
    assert chart["spec"]["layer"][0]["params"][0]["bind"] == "legend"
    assert HOSTILE not in page and "&lt;/script&gt;" in page
    assert [f["label"] for f in amap["map"]["frames"]] == ["frame 0", "frame 1", "frame 2"]


def test_json_for_script_round_trips():
    value = {"a": "</script><!-- & >", "b": [1, 2.5, None]}
    text = json_for_script(value)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == value


def test_line_spec_defaults_to_numeric_columns_and_utc_times():
    spec = line_spec(LineChart("t", series()))
    values = spec["data"]["values"]
    assert {v["s"] for v in values} == set(COLUMNS)  # the text column is left out
    assert values[0]["t"] == 995536800000  # 2001-07-19T10:00:00Z in ms
    assert all(layer["encoding"]["x"]["scale"]["type"] == "utc" for layer in spec["layer"])


def test_bad_sections_name_what_is_wrong():
    with pytest.raises(ValueError, match="no column 'nope'"):
        interactive_page("x", [LineChart("t", series(), ["nope"])])
    with pytest.raises(ValueError, match="without frames"):
        interactive_page("x", [MapSlider("m", {"frames": []})])
    with pytest.raises(TypeError, match="section 0"):
        interactive_page("x", ["not a section"])
