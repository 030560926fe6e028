"""The monitoring app in a real browser: a district team adds a support and an adjustment and
finds both in the printable quarterly report (`workbook serve`, Debian's Chromium, offline)."""

from __future__ import annotations

import base64
import re

import pytest
from conftest import private_cache, sample_store
from pgserver import CHROMIUM_SKIP_REASON, chromium_path, offline_chromium, require
from test_apps_browser import TIMEOUT, Visitor, assert_clean, saved, wait_message

pytestmark = pytest.mark.slow

DISTRICT = "27661590000000"  # Salinas Union High


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory):
    with private_cache(tmp_path_factory, "monitor-browser-cache"):
        yield


@pytest.fixture(scope="module")
def store_url(tmp_path_factory):
    return sample_store(tmp_path_factory, "monitor-store")


@pytest.fixture(scope="module")
def server(store_url, tmp_path_factory):
    from workbook.apps.serve import Background

    require(chromium_path(), CHROMIUM_SKIP_REASON)
    srv = Background(database_url=store_url,
                     log_path=tmp_path_factory.mktemp("monitor-log") / "serve.log",
                     env={"JUPYTERHUB_USER": ""})
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser(server):
    yield from offline_chromium()


def test_a_support_and_an_adjustment_reach_the_quarterly_report(browser, server, store_url):
    visitor = Visitor(browser, server)
    try:
        visitor.open("monitor", f"?district={DISTRICT}&quarter=1-3")
        page = visitor.page
        page.wait_for_selector(".wb-year-grid table")
        page.locator(".wb-user input").fill("Mia Monitor")

        # a support: type from California's list, dates, a score and its evidence
        tab = page.locator(".wb-tab-supports")
        tab.locator(".wb-supports-need textarea").fill("Coaching for the new PLC leads")
        tab.locator(".wb-supports-support-type select").select_option(label="Coaching")
        tab.locator(".wb-supports-provider input").fill("Monterey COE coaches")
        tab.locator(".wb-supports-requested input").fill("2025-01-08")
        tab.locator(".wb-supports-provided-on input").fill("2025-02-12")
        tab.locator(".wb-supports-effectiveness select").select_option(
            label="3: mostly effective")
        tab.locator(".wb-supports-evidence textarea").fill("PLC agendas use the protocol")
        tab.locator(".wb-save-supports").click()
        wait_message(page, "Saved the support")
        support = saved(store_url, DISTRICT, "support", need="Coaching for the new PLC leads")
        assert (support.support_type, support.effectiveness, support.updated_by,
                str(support.provided_on)) == ("coaching", 3, "Mia Monitor", "2025-02-12")

        # an adjustment to the whole plan, with who was told
        page.get_by_role("tab", name="Adjustments").click()
        tab = page.locator(".wb-tab-adjustments")
        tab.locator(".wb-adjustments-date input").fill("2025-02-17")
        tab.locator(".wb-adjustments-change textarea").fill("PLC leads meet weekly with the coach")
        tab.locator(".wb-adjustments-reason textarea").fill("Two PLCs skipped the data cycle")
        tab.locator(".wb-adjustments-told input").fill("Principals and the board")
        tab.locator(".wb-adjustments-told-on input").fill("2025-02-24")
        tab.locator(".wb-save-adjustments").click()
        wait_message(page, "Saved the adjustment")
        adjustment = saved(store_url, DISTRICT, "adjustment",
                           change="PLC leads meet weekly with the coach")
        assert (adjustment.told, adjustment.updated_by) == ("Principals and the board",
                                                            "Mia Monitor")

        # both are in the quarterly report built from what is saved
        page.locator(".wb-build-report").click()
        link = page.locator("a.wb-report-download")
        link.wait_for(timeout=TIMEOUT)
        href = link.get_attribute("href")
        report = base64.b64decode(href.split("base64,", 1)[1]).decode("utf-8")
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", report))
        assert "Plan year 1, quarter 3" in text
        assert "Coaching for the new PLC leads" in text and "Monterey COE coaches" in text
        assert "PLC agendas use the protocol" in text and "mostly effective" in text
        assert "PLC leads meet weekly with the coach" in text
        assert "Principals and the board" in text
        # Tool A's grid: strategies by semester, milestones quarter by quarter
        assert "Strategies by semester" in text and "Semester 1" in text
        assert "Milestones quarter by quarter" in text and "Q4" in text
        assert_clean(page)
        assert visitor.blocked == [], visitor.blocked
    finally:
        visitor.close()
