"""`wormcast explore` in a real headless Chromium: the page loads and draws, a control change redraws with
the new value, nothing is logged, and every request stays on 127.0.0.1."""

import json
from urllib.parse import urlparse

import pytest
from browser import launch

from wormcast.explore.server import ExploreServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    yield from launch()


@pytest.fixture(scope="module")
def visit(browser):
    server = ExploreServer(0, "codered-v1")
    server.start()
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    seen = {"requests": [], "console": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: seen["console"].append(f"pageerror: {e}"))
    page.goto(server.url)
    page.wait_for_selector("body[data-drawn='1']", timeout=90000)
    yield page, seen, server
    page.close()
    server.shutdown()
    server.server_close()


def _infected_peak(page) -> float:
    return page.evaluate("""() => Math.max(...window.wormcast.views['wc-chart'].data('data_0')
        .filter(d => d.s === 'infected').map(d => d.v))""")


def test_the_page_draws_the_outbreak_the_map_and_the_figures(visit):
    page, seen, _ = visit
    assert page.locator("#wc-chart svg").count() >= 1
    assert page.locator("#wc-map canvas").count() == 1
    assert page.locator("#wx-headline dt").count() >= 4
    assert page.locator("#wx-controls [data-key='worm.scan_rate.mean']").count() == 1
    assert _infected_peak(page) > 0


def test_a_control_change_redraws_with_the_new_value(visit):
    page, seen, _ = visit
    before = _infected_peak(page)
    box = page.locator("#wx-controls [data-key='worm.scan_rate.mean']")
    box.fill("1.5")
    box.dispatch_event("change")
    page.wait_for_selector("body[data-drawn='2']", timeout=90000)
    assert json.loads(page.get_attribute("body", "data-overrides")) == ["worm.scan_rate.mean=1.5"]
    assert _infected_peak(page) < before
    # Moving the map's slider to the end shows infected hosts.
    slider = page.locator("#wc-map input[type=range]")
    last = slider.get_attribute("max")
    slider.fill(last)
    assert page.locator("#wc-map canvas").get_attribute("data-frame") == last


def test_an_out_of_bounds_value_is_refused_on_the_page(visit):
    page, seen, _ = visit
    box = page.locator("#wx-controls [data-key='worm.scan_rate.mean']")
    box.fill("1e9")
    box.dispatch_event("change")
    assert "between" in page.locator("#wx-status").inner_text()
    assert page.get_attribute("body", "data-drawn") == "2"  # no run was asked for


def test_nothing_logged_and_nothing_leaves_the_machine(visit):
    page, seen, server = visit
    assert seen["console"] == []
    hosts = {urlparse(u).hostname for u in seen["requests"]}
    assert hosts == {"127.0.0.1"}, seen["requests"]
    assert any(u.endswith("/api/run") for u in seen["requests"])
