"""The network app in a real browser: `workbook serve --auth users`, Debian's Chromium, no
network.

One server (a temporary SQLite store holding the illustrative sample plans and three
people) serves the module. A liaison signs in and sees the network view of the two
districts they support, and nothing of the others; records a support from the matching's
proposal, which the store then holds under their name; a team member opening the same page
is refused by the kernel, and the landing page lists the app.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import private_cache, sample_store
from pgserver import CHROMIUM_SKIP_REASON, chromium_path, offline_chromium, open_app, require

pytestmark = pytest.mark.slow

MINE = {"27661590000000": "Salinas Union High", "27660920000000": "Monterey Peninsula Unified"}
NOT_MINE = {"27751500000000": "Big Sur Unified", "27659610000000": "Alisal Union"}
TIMEOUT = 120_000
PASSWORD = "correct horse battery staple"
PEOPLE = {  # name: (role, organisations)
    "Lee Liaison": ("liaison", list(MINE)),
    "Tess Team": ("team", ["27751500000000"]),
    "Val Viewer": ("viewer", list(MINE)),
}


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory):
    with private_cache(tmp_path_factory, "network-cache"):
        yield


@pytest.fixture(scope="module")
def store_url(tmp_path_factory):
    from workbook.store import Store
    from workbook.users import Users

    url = sample_store(tmp_path_factory, "network-store")
    store = Store(url)
    users = Users(store.engine)
    for name, (role, orgs) in PEOPLE.items():
        users.add(name, role=role, orgs=orgs, password=PASSWORD, by="test setup")
    store.engine.dispose()
    return url


@pytest.fixture(scope="module")
def server(store_url, tmp_path_factory):
    from workbook.apps.serve import Background

    require(chromium_path(), CHROMIUM_SKIP_REASON)
    srv = Background(database_url=store_url, args=("--auth", "users"),
                     log_path=tmp_path_factory.mktemp("network-log") / "serve.log",
                     env={"JUPYTERHUB_USER": "", "JUPYTER_TOKEN": ""})
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser(server):
    yield from offline_chromium()


def signed_in(browser, server, name: str):
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.goto(server.base + "/")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def test_landing_page_lists_the_network_app(browser, server):
    context, page = signed_in(browser, server, "Lee Liaison")
    try:
        link = page.locator("ul.apps a", has_text="The network view")
        assert link.count() == 1
        assert "network.ipynb" in (link.get_attribute("href") or "")
    finally:
        context.close()


def test_liaison_sees_only_their_districts_and_records_a_support(browser, server, store_url):
    from workbook.store import Store

    context, page = signed_in(browser, server, "Lee Liaison")
    try:
        open_app(page, server, "network", "", TIMEOUT)
        page.wait_for_selector(".wb-network-summary h2", timeout=TIMEOUT)
        # the sections are widgets the page draws one after another: wait until all are
        for section in ("implementation", "outcomes", "themes", "supports", "state"):
            page.wait_for_selector(f".wb-network-{section} table")
        page.wait_for_selector(".wb-chart-network-matrix svg")
        assert "the 2 districts you support" in page.inner_text(".wb-network-summary")
        matrix = page.inner_text(".wb-network-matrix")
        body = page.inner_text(".wb-app")
        for name in MINE.values():
            assert name in matrix
        for name in NOT_MINE.values():
            assert name not in body
        for section in ("implementation", "outcomes", "themes", "supports", "state"):
            assert page.locator(f".wb-network-{section} table").count() >= 1, section
        assert page.locator(".wb-chart-network-matrix svg").count() == 1
        # the support form offers the liaison's districts only
        district = page.locator(".wb-support-district select")
        options = [o.replace("\xa0", " ") for o in district.evaluate(
            "e => Array.from(e.options).map(o => o.text)")]
        assert sorted(options[1:]) == sorted(f"{n} ({d})" for d, n in MINE.items())
        before = {r.id for r in Store(store_url).list("27661590000000", kind="support")}
        district.select_option(index=options.index("Salinas Union High (27661590000000)"))
        proposal = page.locator(".wb-support-proposal select")
        page.wait_for_function(
            "() => document.querySelector('.wb-support-proposal select').options.length > 1")
        proposal.select_option(index=1)
        page.wait_for_function(
            "() => document.querySelector('.wb-support-provider input').value !== ''")
        page.fill(".wb-support-provided-on input", "2025-01-15")
        page.locator(".wb-support-provided-on input").press("Tab")
        page.locator("button", has_text="Record the support").click()
        page.wait_for_function(
            "() => /Saved the support/.test(document.querySelector('.wb-app').innerText)",
            timeout=TIMEOUT)
        after = Store(store_url).list("27661590000000", kind="support")
        new = [r for r in after if r.id not in before]
        assert len(new) == 1
        assert new[0].updated_by == "Lee Liaison"  # the signed-in person, never typed
        assert new[0].provided_on == dt.date(2025, 1, 15) and new[0].provider
    finally:
        context.close()


@pytest.mark.parametrize("name", ["Tess Team", "Val Viewer"])
def test_team_member_and_viewer_are_refused(browser, server, name):
    context, page = signed_in(browser, server, name)
    try:
        page.goto(f"{server.base}/voila/render/network.ipynb")
        page.wait_for_selector(".wb-msg-error", timeout=TIMEOUT)
        text = page.inner_text("body")
        assert "for liaisons and administrators" in text
        assert page.locator(".wb-app-network").count() == 0
        for district in (*MINE.values(), *NOT_MINE.values()):
            assert district not in text
    finally:
        context.close()
