"""The explorer's server: 127.0.0.1 only, a strict page, one-line errors for bad requests, and runs that
follow the controls (same values and seed: the same data)."""

import json
import urllib.error
import urllib.request

import pytest

from wormcast.errors import WormcastError
from wormcast.explore.server import ExploreServer
from wormcast.explore.view import run_view

FAST = "codered-v1"  # the quickest Code Red preset


@pytest.fixture(scope="module")
def server():
    s = ExploreServer(0, FAST)
    s.start()
    yield s
    s.shutdown()
    s.server_close()


def _get(url):
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.status, r.headers, r.read()


def _post(url, body: bytes):
    req = urllib.request.Request(url + "api/run", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_listens_on_loopback_only(server):
    assert server.server_address[0] == "127.0.0.1" and server.url.startswith("http://127.0.0.1:")


def test_the_page_allows_only_its_own_scripts_and_origin(server):
    status, headers, body = _get(server.url)
    html = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    csp = html.split('http-equiv="Content-Security-Policy" content="', 1)[1].split('"', 1)[0]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "unsafe-eval" not in csp
    assert csp.count("'sha256-") == html.count("<script>")  # every inline script, and only those, by hash
    assert "http://" not in html.split("<script>", 1)[0].replace(server.url, "")  # no outside resource


def test_presets_list_their_controls(server):
    status, _, body = _get(server.url + "api/presets")
    doc = json.loads(body)
    assert status == 200 and doc["initial"] == FAST
    names = [p["name"] for p in doc["presets"]]
    assert "codered-v2" in names and "codered-hotmail" in names
    hot = next(p for p in doc["presets"] if p["name"] == "codered-hotmail")
    assert any(c["key"] == "orgs.0.audit.interval" for c in hot["controls"])


@pytest.mark.parametrize("body, words", [
    (b"not json", "not JSON"),
    (b'{"preset": "nope", "values": {}}', "unknown preset"),
    (b'{"preset": "codered-v1", "values": {"worm.exclude": 1}}', "unknown control"),
    (b'{"preset": "codered-v1", "values": {"worm.scan_rate.mean": 1e300}}', "outside"),
    (b'{"preset": "codered-v1", "values": {}, "seed": -1}', "seed"),
    (b'[1, 2]', "expected"),
    (b"x" * 70000, "at most"),
])
def test_bad_requests_get_400_and_one_line(server, body, words):
    status, doc = _post(server.url, body)
    assert status == 400 and words in doc["error"] and "\n" not in doc["error"]


def test_unknown_pages_are_404(server):
    with pytest.raises(urllib.error.HTTPError) as exc:
        _get(server.url + "etc/passwd")
    assert exc.value.code == 404


@pytest.mark.slow
def test_a_run_follows_its_controls_and_repeats_exactly():
    base = run_view(FAST, {}, seed=3)
    again = run_view(FAST, {}, seed=3)
    assert base["sections"] == again["sections"] and base["headline"] == again["headline"]
    slow = run_view(FAST, {"worm.scan_rate.mean": 1.0}, seed=3)

    def infected(view):
        values = view["sections"][0]["spec"]["data"]["values"]
        return max(v["v"] for v in values if v["s"] == "infected")

    assert slow["overrides"] == ["worm.scan_rate.mean=1.0"]
    assert infected(slow) < infected(base)  # a slower worm infects fewer hosts in the same window
    frames = base["sections"][1]["map"]["frames"]
    assert frames[0]["label"] == "before the release" and len(frames) >= 3
    assert frames[-1]["totals"] != frames[0]["totals"]  # hosts infected by the end


def test_an_unknown_initial_preset_is_refused():
    with pytest.raises(WormcastError, match="unknown preset"):
        ExploreServer(0, "nope")
