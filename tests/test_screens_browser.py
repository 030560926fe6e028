"""Any screen: every app at a laptop's 1366x768 and a phone's 390x844, in Chromium.

Checked with element geometry, not screenshots: no element reaches past the app's right
edge or the window (wide tables and the fishbone scroll inside their own `.wb-wide` box),
no label, tab or button shows less than its text (scrollWidth <= clientWidth), the
district picker is on screen, the fishbone's smallest label is drawn at 11 px or more, and
no grid shows a raw <NA>. The server and browser fixtures are test_apps_browser's.
"""

from __future__ import annotations

import pytest
from test_apps_browser import (  # noqa: F401 (fixtures)
    DISTRICT,
    TIMEOUT,
    Visitor,
    assert_clean,
    browser,
    cache_dir,
    server,
    store_url,
)

pytestmark = pytest.mark.slow

APPS = ["needs", "rating", "rootcause", "plan", "coaching", "status"]
SIZES = [(1366, 768), (390, 844)]

#: What lies outside the app or the window, and which labels are cut short.
GEOMETRY = """
() => {
  const app = document.querySelector('.wb-app');
  const W = document.documentElement.clientWidth;
  const edge = Math.min(W, app.getBoundingClientRect().right);
  const name = el => (el.className && typeof el.className === 'string'
                      ? el.className.split(' ').slice(-1)[0] : el.tagName)
                     + ' "' + (el.innerText || el.textContent || '').trim().slice(0, 30) + '"';
  const outside = [], clipped = [];
  for (const el of app.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || el.closest('.wb-wide')) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    if (r.right > edge + 1 || r.left < -1) outside.push(name(el) + ' ' + Math.round(r.left)
                                                         + '..' + Math.round(r.right));
  }
  const labels = app.querySelectorAll('label, .widget-label, .wb-topbar a, button, '
      + '.lm-TabBar-tab, .lm-TabBar-tabLabel, .widget-toggle-button, th');
  for (const el of labels) {
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && !el.closest('.wb-wide'))
      clipped.push(name(el) + ' ' + el.scrollWidth + '>' + el.clientWidth);
  }
  return {width: W, page: document.documentElement.scrollWidth, outside, clipped};
}
"""

#: The smallest text of the fishbone as drawn on the screen, in CSS pixels.
FISHBONE_TEXT = """
() => {
  const svg = document.querySelector('.wb-chart-fishbone svg');
  const view = svg.viewBox.baseVal, shown = svg.getBoundingClientRect();
  const scale = shown.width / (view && view.width ? view.width : shown.width);
  let least = 1e9;
  for (const t of svg.querySelectorAll('text')) {
    const size = parseFloat(t.getAttribute('font-size') || getComputedStyle(t).fontSize);
    if (t.textContent.trim() && size) least = Math.min(least, size * scale);
  }
  return least;
}
"""


@pytest.fixture(scope="module", params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def screen(request, browser, server):  # noqa: F811 (the imported fixtures)
    width, height = request.param
    v = Visitor(browser, server)
    v.page.set_viewport_size({"width": width, "height": height})
    yield v
    v.close()


@pytest.mark.parametrize("app", APPS)
def test_every_app_fits_the_screen_with_whole_labels(screen, app):
    screen.open(app, f"?district={DISTRICT}")
    page = screen.page
    page.wait_for_selector(f".wb-app-{app} .widget-box .widget-box", timeout=TIMEOUT)
    page.wait_for_function("() => !document.querySelector('.wb-app').innerText"
                           ".includes('Pick a district above')")
    page.wait_for_timeout(800)  # charts land just after the form
    found = page.evaluate(GEOMETRY)
    assert found["page"] <= found["width"], f"the page scrolls sideways: {found}"
    assert found["outside"] == [], f"outside the screen: {found['outside'][:8]}"
    assert found["clipped"] == [], f"labels cut short: {found['clipped'][:8]}"
    # the district picker is on screen, whole
    r = page.evaluate(
        "() => { const l = [...document.querySelectorAll('.wb-app .widget-label')]"
        ".find(x => x.textContent.trim() === 'District:');"
        " const b = l.parentElement.querySelector('select').getBoundingClientRect();"
        " return {x: b.left, right: b.right, width: b.width, y: b.top}; }")
    assert r["x"] >= 0 and r["right"] <= found["width"] and r["width"] >= 120, r
    text = page.inner_text(".wb-app")
    assert "<NA>" not in text and "nan" not in text.split()
    assert_clean(page)


def test_the_fishbone_labels_are_readable(screen):
    screen.open("rootcause", f"?district={DISTRICT}")
    page = screen.page
    page.wait_for_selector(".wb-chart-fishbone svg", timeout=TIMEOUT)
    assert page.evaluate(FISHBONE_TEXT) >= 11


def test_the_trend_does_not_make_a_small_change_look_large(screen):
    """The y axis of the trend spans at least 2 points (or a tenth of the values)."""
    from workbook.apps.needs import steady_domain

    lo, hi = steady_domain([-65.3, -65.5])
    assert hi - lo >= 6.5 and lo < -65.5 and hi > -65.3
    lo, hi = steady_domain([0.1, 0.3])
    assert lo == 0 and hi >= 2
    screen.open("needs", f"?district={DISTRICT}")
    page = screen.page
    page.wait_for_selector(".wb-chart-trend svg", timeout=TIMEOUT)
    assert "over time" in page.inner_text(".wb-chart-trend")


def test_plan_apps_offer_print_and_downloads(screen):
    screen.open("plan", f"?district={DISTRICT}")
    page = screen.page
    page.wait_for_selector(".wb-findings h4", timeout=TIMEOUT)
    assert page.locator(".wb-print").is_visible()
    page.locator(".wb-export-yaml").click()
    link = page.locator(".wb-download-yaml")
    link.wait_for()
    assert link.get_attribute("href").startswith("data:application/x-yaml;base64,")
    page.locator(".wb-export-excel").click()
    page.locator(".wb-download-xlsx").wait_for()
    # on paper: the navigation and buttons go, the plan stays
    page.emulate_media(media="print")
    assert not page.locator(".wb-topbar").is_visible()
    assert not page.locator(".wb-export-yaml").is_visible()
    assert page.locator(".wb-findings").is_visible()
    page.emulate_media(media="screen")
