"""The interactive page in a real headless Chromium (Playwright driving the system browser): it draws, it
reacts, it logs nothing, and no request leaves the page."""

import numpy as np
import pytest
from browser import launch
from interactive_helpers import COLUMNS, ROWS, build

from wormcast.reporting import addressmap as am
from wormcast.world.addresses import format_address


@pytest.fixture(scope="module")
def browser():
    yield from launch()


class Visit:
    """A page opened with every request recorded (and any to elsewhere aborted) and every console line kept."""

    def __init__(self, browser, path):
        self.requests, self.console = [], []
        self.page = browser.new_page(viewport={"width": 1100, "height": 900})
        self.url = path.as_uri()

        def route(r):
            self.requests.append(r.request.url)
            if r.request.url == self.url or r.request.url.startswith("data:"):
                r.continue_()
            else:
                r.abort()

        self.page.route("**/*", route)
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("requestfailed", lambda r: self.console.append(f"requestfailed: {r.url}"))
        self.page.goto(self.url)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    html, addrs, snaps = build()
    path = tmp_path_factory.mktemp("page") / "explorer.html"
    path.write_text(html, encoding="utf-8")
    return path, addrs, snaps


@pytest.fixture(scope="module")
def visit(browser, built):
    v = Visit(browser, built[0])
    v.page.wait_for_selector("body[data-ready]", timeout=30000)
    yield v
    v.page.close()


def test_page_loads_quietly_and_nothing_leaves_it(visit):
    assert visit.page.get_attribute("body", "data-ready") == "1"
    assert visit.requests == [visit.url]
    assert visit.console == []  # no error, no warning, no CSP violation (Vega runs without eval)
    assert visit.page.evaluate("document.body.dataset.pwned") is None  # the hostile title stayed text


def test_chart_holds_the_data(visit):
    chart = visit.page.locator("#wc-0 .wc-chart svg")
    assert chart.locator("g.mark-line path").count() == len(COLUMNS)
    assert chart.locator("g.mark-symbol.role-mark path").count() == ROWS * len(COLUMNS)  # the hover points
    legend = visit.page.evaluate("Array.from(document.querySelectorAll('#wc-0 .role-legend-label text'))"
                                 ".map(t => t.textContent)")
    assert legend == COLUMNS
    n = visit.page.evaluate("wormcast.views['wc-0'].data('data_0').length")
    assert n == ROWS * len(COLUMNS)


def test_legend_click_singles_a_series_out(visit):
    pg = visit.page

    def opacities():
        return pg.evaluate("Array.from(document.querySelectorAll('#wc-0 g.mark-line path'))"
                           ".map(p => p.getAttribute('opacity') || '1')")

    assert set(opacities()) == {"1"}
    pg.locator("#wc-0 .role-legend-label text").nth(1).click()
    pg.wait_for_timeout(200)
    after = opacities()
    assert after[1] == "1" and after.count("1") == 1 and len(after) == len(COLUMNS)
    pg.locator("#wc-0 .wc-chart svg").dblclick(position={"x": 400, "y": 200})  # reset (also resets zoom)
    pg.mouse.click(5, 5)
    pg.wait_for_timeout(200)


def test_hover_shows_a_tooltip(visit):
    pg = visit.page
    box = pg.locator("#wc-0 .wc-chart svg g.mark-line").first.bounding_box()
    pg.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    pg.wait_for_timeout(300)
    pg.mouse.move(box["x"] + box["width"] / 2 + 2, box["y"] + box["height"] / 2)
    tip = pg.locator("#vg-tooltip-element")
    tip.wait_for(state="visible", timeout=5000)
    assert "time (UTC)" in tip.inner_text() and "2001-07-19" in tip.inner_text()


def test_wheel_zooms_the_time_axis(visit):
    pg = visit.page

    def domain():
        return pg.evaluate("wormcast.views['wc-0'].scale('x').domain().map(Number)")

    before = domain()
    box = pg.locator("#wc-0 .wc-chart svg g.mark-line").first.bounding_box()
    pg.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    pg.mouse.wheel(0, -400)
    pg.wait_for_timeout(300)
    after = domain()
    assert after[1] - after[0] < before[1] - before[0]


def _inner_pixel(addrs):
    """(row, col) arrays of one host's pixel away from the /8 grid lines and the /8 labels."""
    r, c = am.pixel_of(addrs)
    ok = np.flatnonzero((r % 32 > 14) & (c % 32 > 14) & (r % 32 < 31) & (c % 32 < 31))
    return r[ok[:1]], c[ok[:1]]


def test_slider_changes_the_map(visit, built):
    pg = visit.page
    canvas = pg.locator("#wc-1 canvas")
    first = canvas.evaluate("c => c.toDataURL()")
    assert canvas.get_attribute("data-frame") == "0"
    assert pg.locator("#wc-1 .wc-frame").inner_text().startswith("frame 0")
    slider = pg.locator("#wc-1 input[type=range]")
    for frame in ("1", "2"):
        slider.fill(frame)  # sets the value and fires input
        assert canvas.get_attribute("data-frame") == frame
        assert pg.locator("#wc-1 .wc-frame").inner_text().startswith(f"frame {frame}")
    last = canvas.evaluate("c => c.toDataURL()")
    assert last != first
    # The pixel of a host is drawn in the infected colour in the last frame, vulnerable in the first.
    _, addrs, _ = built
    r, c = _inner_pixel(addrs)
    pick = "c => { const s = c.width / %d; return Array.from(c.getContext('2d')" \
           ".getImageData(%d * s + s / 2, %d * s + s / 2, 1, 1).data.slice(0, 3)); }" % (am.side(), c[0], r[0])
    red = [int(v, 16) for v in (am.CLASSES[am.INFECTED].color[1:3], am.CLASSES[am.INFECTED].color[3:5],
                                am.CLASSES[am.INFECTED].color[5:7])]
    assert canvas.evaluate(pick) == red
    slider.fill("0")
    assert canvas.evaluate(pick) != red


def test_map_hover_names_the_prefix_and_counts(visit, built):
    pg = visit.page
    _, addrs, snaps = built
    pg.locator("#wc-1 input[type=range]").fill("0")
    r, c = _inner_pixel(addrs)
    box = pg.locator("#wc-1 canvas").bounding_box()
    n = am.side()
    pg.mouse.move(box["x"] + (c[0] + 0.5) * box["width"] / n, box["y"] + (r[0] + 0.5) * box["height"] / n)
    rows, cols = am.pixel_of(addrs)
    i = int(np.flatnonzero((rows == r[0]) & (cols == c[0]))[0])
    prefix = format_address(int(addrs[i]) >> 14 << 14) + "/18"
    hosts = int(snaps[0][1][r[0], c[0]].sum())
    assert hosts >= 1
    assert pg.locator("#wc-1 .wc-tip").inner_text() == f"{prefix}: susceptible {hosts}, infected 0, " \
                                                          "backdoored 0, patched 0"


def test_csp_blocks_a_script_added_to_the_page(browser, built, tmp_path):
    """Control: the hash list really is enforced, so the checks above can fail."""
    html = built[0].read_text(encoding="utf-8")
    tampered = tmp_path / "tampered.html"
    head, tail = html.rsplit("</body>", 1)
    tampered.write_text(head + "<script>document.body.dataset.pwned='1'</script></body>" + tail, encoding="utf-8")
    v = Visit(browser, tampered)
    v.page.wait_for_selector("body[data-ready]", timeout=30000)
    assert v.page.evaluate("document.body.dataset.pwned") is None
    assert any("Content Security Policy" in line for line in v.console)
    v.page.close()


@pytest.fixture(scope="module")
def run_visit(browser, tmp_path_factory):
    """The interactive.html that a run writes (codered-v2, small and short: the twin, the measured peak rate,
    the map's frames), opened in the browser."""
    from wormcast.api import resolve
    from wormcast.core.loop import Simulation
    from wormcast.observers.snapshots import with_snapshots
    from wormcast.reporting.output import write_run

    sc = resolve("codered-v2", ["population.vulnerable=20000", "worm.scan_rate.mean=120",
                                "end=2001-07-19T14:00:00Z", "seeding.initial_infected=5"])
    sim = Simulation(with_snapshots(sc), 1)
    result = sim.run()
    out = tmp_path_factory.mktemp("run") / "o"
    write_run(result, out, snapshots=sim.component("snapshots").taken(), source="codered-v2")
    v = Visit(browser, out / "interactive.html")
    v.page.wait_for_selector("body[data-ready]", timeout=30000)
    yield v, result, sim.component("snapshots").taken()
    v.page.close()


@pytest.mark.slow
def test_the_runs_page_loads_quietly_offline_with_its_overlay(run_visit):
    v, result, _ = run_visit
    pg = v.page
    assert pg.get_attribute("body", "data-ready") == "1"
    assert v.requests == [v.url] and v.console == []
    legend = pg.evaluate("Array.from(document.querySelectorAll('#wc-0 .role-legend-label text'))"
                         ".map(t => t.textContent)")
    assert "ever infected" in legend and any(s.startswith("analytic twin (aawp)") for s in legend)
    assert pg.locator("#wc-1 g.mark-rule path, #wc-1 g.mark-rule line").count() >= 1  # measured: > 2,000 / min
    peak = pg.evaluate("Math.max(...wormcast.views['wc-1'].data('data_0').map(d => d.v))")
    assert peak == pytest.approx(result.summary["peak_new_infections_per_min"])
    assert pg.locator("a[href='report.html']").count() == 1


@pytest.mark.slow
def test_the_runs_map_slider_steps_through_the_snapshots(run_visit):
    v, _, snaps = run_visit
    pg = v.page
    sec = pg.locator("section.wc-mapsec")
    slider = sec.locator("input[type=range]")
    assert slider.get_attribute("max") == str(len(snaps.frames) - 1)
    canvas = sec.locator("canvas")
    first = canvas.evaluate("c => c.toDataURL()")
    slider.fill(str(len(snaps.frames) - 1))
    assert canvas.get_attribute("data-frame") == str(len(snaps.frames) - 1)
    assert "(end)" in sec.locator(".wc-frame").inner_text()
    assert canvas.evaluate("c => c.toDataURL()") != first
    assert v.console == []
