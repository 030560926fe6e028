"""The workbooks as read-only pages in a real browser: `workbook serve`, Chromium, offline.

The server is the real command line (`Background`), with a temporary store holding the
illustrative sample plans; Chromium resolves no host but 127.0.0.1, and every request for
anything else is recorded, so a page that needed the internet fails. Opening a workbook
page runs the same notebook papermill runs, so each test waits for real kernels.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from conftest import private_cache, sample_store
from pgserver import CHROMIUM_SKIP_REASON, chromium_path, offline_chromium, require

pytestmark = pytest.mark.slow

DISTRICT = "27661590000000"  # Salinas Union High
OTHER = "27660920000000"  # Monterey Peninsula Unified
TIMEOUT = 120_000  # ms: a workbook page starts its kernel and runs every cell
SCREENSHOT = "/tmp/workbook_page.png"


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory):
    with private_cache(tmp_path_factory, "pages-cache"):
        yield


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from workbook.apps.serve import Background

    require(chromium_path(), CHROMIUM_SKIP_REASON)
    url = sample_store(tmp_path_factory, "pages-store")
    srv = Background(database_url=url, env={"JUPYTERHUB_USER": ""},
                     log_path=tmp_path_factory.mktemp("pages-log") / "serve.log")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser(server):
    yield from offline_chromium()


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    context.set_default_timeout(TIMEOUT)
    outside: list[str] = []
    context.on("request", lambda r: outside.append(r.url) if urlsplit(r.url).netloc not in (
        f"127.0.0.1:{server.port}", "") else None)
    p = context.new_page()
    p.goto(server.url)  # the token sets the login cookie
    yield p
    context.close()
    assert not outside, f"the page asked the internet for {outside[:3]}"


def open_workbook(page, server, name: str, query: str):
    """Open a workbook page; returns (response, seconds to the picker, to the content)."""
    start = time.monotonic()
    response = page.goto(f"{server.base}/voila/render/{name}.ipynb{query}", wait_until="commit")
    page.wait_for_selector("form.wb-picker")
    picker = time.monotonic() - start
    page.wait_for_selector("#rendered_cells", state="visible")
    return response, picker, time.monotonic() - start


def assert_clean(page) -> None:
    text = page.inner_text("body")
    for bad in ("Traceback", "File \"", "Error:", "Exception", "There was an error"):
        assert bad not in text, f"{bad!r} shown to the user"
    assert "from workbook" not in page.content(), "source code in the page"


def test_only_the_apps_and_the_four_workbooks_are_served(server):
    def status(path: str) -> int:
        sep = "&" if "?" in path else "?"
        try:
            with urllib.request.urlopen(f"{server.base}{path}{sep}token={server.token}",
                                        timeout=120) as reply:
                return reply.status
        except urllib.error.HTTPError as err:
            return err.code

    for path in ("/voila/render/05_other.ipynb", "/voila/render/../README.md",
                 "/voila/render/%2e%2e/01_needs_assessment.ipynb",
                 "/voila/render/..%2F01_needs_assessment.ipynb",
                 "/voila/render/apps/needs.ipynb", "/voila/render/01_needs_assessment.ipynb/x",
                 "/voila/files/01_needs_assessment.ipynb", "/voila/api/contents"):
        assert status(path) == 404, path
    assert status("/voila/render/01_needs_assessment.ipynb?distrct_id=1") == 400
    # without the token: the login page, no workbook
    with urllib.request.urlopen(f"{server.base}/voila/render/01_needs_assessment.ipynb",
                                timeout=30) as reply:
        assert "/login" in reply.url and "Needs assessment" not in reply.read().decode()


def test_landing_page_lists_the_workbooks_with_the_district(page, server):
    page.goto(f"{server.base}/?region=sample&district={DISTRICT}")
    links = page.locator("ul.workbooks a")
    assert links.count() == 5  # 01-04 and the annual story
    assert links.first.inner_text() == "Needs assessment"
    assert f"district_id={DISTRICT}" in links.first.get_attribute("href")


def test_a_workbook_page_shows_the_district_and_the_picker_changes_it(page, server):
    response, to_picker, to_content = open_workbook(
        page, server, "01_needs_assessment", f"?district_id={DISTRICT}&region=sample")
    assert response.status == 200
    print(f"\n01 time to the picker {to_picker:.1f} s, to the notebook {to_content:.1f} s")
    assert page.title() == "Needs assessment: Salinas Union High"
    summary = page.inner_text(".wb-page-summary")
    assert "Salinas Union High (27661590000000)" in summary and "Dashboard 2024" in summary
    assert "small groups of students hidden" in summary
    content = page.inner_text("#rendered_cells")
    assert "At a glance" in content and "Salinas Union High" in content
    assert "Check the parameters" not in content  # the remove-cell narrative stays out
    assert page.locator("select[name=district_id]").input_value() == DISTRICT
    assert_clean(page)
    page.screenshot(path=SCREENSHOT)
    # the picker opens the page for the other district
    with page.expect_navigation(url=f"**district_id={OTHER}**"):
        page.select_option("select[name=district_id]", OTHER)
    page.wait_for_selector("#rendered_cells", state="visible")
    assert page.title() == "Needs assessment: Monterey Peninsula Unified"
    assert "Monterey Peninsula Unified" in page.inner_text("#rendered_cells")
    assert "Salinas Union High" not in page.inner_text("#rendered_cells")
    assert_clean(page)


def test_the_quarterly_report_takes_the_quarter_from_the_picker(page, server):
    response, _, to_content = open_workbook(page, server, "04_quarterly_report",
                                            f"?district_id={OTHER}&quarter=3")
    print(f"\n04 time to the notebook {to_content:.1f} s")
    assert response.status == 200
    assert page.title() == "Quarterly implementation report: Monterey Peninsula Unified, " \
                           "quarter 3"
    assert "Plan year 1, quarter 3" in page.inner_text("#rendered_cells")
    with page.expect_navigation(url="**quarter=1**"):
        page.select_option("select[name=quarter]", "1")
    page.wait_for_selector("#rendered_cells", state="visible")
    assert page.title().endswith("Monterey Peninsula Unified, quarter 1")
    assert "Plan year 1, quarter 1" in page.inner_text("#rendered_cells")
    assert f"district_id={OTHER}" in page.url
    assert_clean(page)


def test_a_bad_address_is_one_line_and_the_picker(page, server):
    response, _, _ = open_workbook(page, server, "01_needs_assessment",
                                   "?district_id=%3Cb%3E99%3C/b%3E")
    assert response.status == 400
    alert = page.locator(".wb-page-error")
    assert alert.inner_text() == ("District '<b>99</b>' is not in Monterey County (sample "
                                  "region); choose one above.")
    assert alert.locator("b").count() == 0  # shown as text, not markup
    assert "At a glance" not in page.inner_text("#rendered_cells")  # nothing ran
    assert_clean(page)
    page.goto(f"{server.base}/voila/render/01_needs_assessment.ipynb?district_id={DISTRICT}"
              "&audience=team")
    page.wait_for_selector("#rendered_cells", state="visible")
    assert "'audience' is set by the server" in page.inner_text(".wb-page-error")
    # the picker gets out of it
    with page.expect_navigation(url=f"**district_id={OTHER}**"):
        page.select_option("select[name=district_id]", OTHER)
    page.wait_for_selector("#rendered_cells", state="visible")
    assert "audience" not in page.url and page.locator(".wb-page-error").count() == 0
    assert page.title() == "Needs assessment: Monterey Peninsula Unified"


def test_an_app_links_to_its_workbook_for_the_chosen_district(page, server):
    page.goto(f"{server.base}/voila/render/status.ipynb?district={DISTRICT}")
    link = page.locator(".wb-topbar a.wb-workbook")
    link.wait_for()
    assert link.get_attribute("href") == \
        f"04_quarterly_report.ipynb?region=sample&district_id={DISTRICT}"
    link.click()
    page.wait_for_selector("#rendered_cells", state="visible")
    assert page.title() == "Quarterly implementation report: Salinas Union High, quarter 2"
    page.locator(".wb-page-nav a", has_text="Monthly status app").click()
    page.wait_for_selector(".wb-app-status")
    assert f"district={DISTRICT}" in page.url
