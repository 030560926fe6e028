"""The apps in a real browser: `workbook serve` in a subprocess, Debian's Chromium, no network.

One server (a temporary SQLite store holding the illustrative sample plans) serves the
module; Playwright drives Chromium, which can resolve no host but 127.0.0.1, and every
request for anything but the server is recorded, so a page that needed the internet
fails the tests. Each test says what a district
team or liaison would do and checks what they would see, and what the store holds.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from conftest import private_cache, sample_store
from pgserver import CHROMIUM_SKIP_REASON, chromium_path, offline_chromium, open_app, require

pytestmark = pytest.mark.slow

DISTRICT = "27661590000000"  # Salinas Union High: a rich sample plan
OTHER = "27660920000000"  # Monterey Peninsula Unified
TIMEOUT = 90_000  # ms: the first page of a kernel that is still warming up
#: No network for the browser but this machine: every other host name fails to resolve.


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory):
    with private_cache(tmp_path_factory, "apps-cache"):
        yield


@pytest.fixture(scope="module")
def store_url(tmp_path_factory):
    return sample_store(tmp_path_factory, "apps-store")


@pytest.fixture(scope="module")
def server(store_url, tmp_path_factory):
    from workbook.apps.serve import Background

    require(chromium_path(), CHROMIUM_SKIP_REASON)
    srv = Background(database_url=store_url,
                     log_path=tmp_path_factory.mktemp("apps-log") / "serve.log",
                     env={"JUPYTERHUB_USER": ""})
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser(server):
    yield from offline_chromium()


class Visitor:
    """One person's browser context: logged in with the token, offline but for the server."""

    def __init__(self, browser, server) -> None:
        self.server = server
        self.blocked: list[str] = []
        self.context = browser.new_context(viewport={"width": 1300, "height": 1000})
        # the browser cannot resolve any host but loopback (OFFLINE_ARGS); requests that try
        # are recorded here, without intercepting any (interception would hold up the
        # beacon a closing page sends)
        self.context.on("request", self._record)
        self.context.set_default_timeout(TIMEOUT)
        self.page = self.context.new_page()
        self.page.goto(server.url)  # the token sets the login cookie

    def _record(self, request) -> None:
        if urlsplit(request.url).netloc != f"127.0.0.1:{self.server.port}" and \
                not request.url.startswith(("data:", "about:", "blob:")):
            self.blocked.append(request.url)

    def open(self, app: str, query: str = "") -> None:
        open_app(self.page, self.server, app, query, TIMEOUT)

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def visitor(browser, server):
    v = Visitor(browser, server)
    yield v
    v.close()


def wait_message(page, pattern: str) -> str:
    page.wait_for_function(
        "p => { const m = document.querySelector('.wb-messages');"
        " return m && new RegExp(p).test(m.innerText); }", arg=pattern, timeout=TIMEOUT)
    return page.inner_text(".wb-messages")


def saved(store_url: str, district: str, kind: str, **fields):
    """The stored record of `kind` whose fields have these values (None if there is none)."""
    from workbook.store import Store

    store = Store(store_url)
    try:
        return next((r for r in store.list(district, kind=kind)
                     if all(getattr(r, k) == v for k, v in fields.items())), None)
    finally:
        store.engine.dispose()


def assert_clean(page) -> None:
    """No Python source and no traceback anywhere in the page."""
    text = page.inner_text("body")
    markup = page.content()
    for bad in ("Traceback", "File \"", "Error:", "Exception"):
        assert bad not in text, f"{bad!r} shown to the user"
    for source in ("from workbook.apps import", ".app()", "import ipywidgets"):
        assert source not in markup, f"source code {source!r} in the page"
    assert not re.search(r"\bdef \w+\(self", markup), "Python source in the page"


# --------------------------------------------------------------------------- server


def test_only_the_apps_are_served(server):
    def get(path: str, token: bool = True) -> int:
        sep = "&" if "?" in path else "?"
        url = server.base + path + (f"{sep}token={server.token}" if token else "")
        try:
            return urllib.request.urlopen(url, timeout=30).status
        except urllib.error.HTTPError as err:
            return err.code

    # no file browser, no contents API, no files, no notebooks outside the apps folder
    assert get("/voila/api/contents") == 404
    assert get("/voila/files/needs.ipynb") == 404
    assert get("/voila/render/../../workbook/cli.py") == 404
    with urllib.request.urlopen(f"{server.base}/voila/tree?token={server.token}",
                                timeout=30) as r:  # the tree redirects to the landing page
        body = r.read().decode()
    assert "Workbook apps" in body and "needs.ipynb" in body
    # without the token there is nothing but the login page
    with urllib.request.urlopen(server.base + "/", timeout=30) as r:
        assert "/login" in r.url
        assert "needs.ipynb" not in r.read().decode()


def test_landing_page_lists_the_apps_and_keeps_the_district(visitor):
    page = visitor.page
    page.goto(f"{visitor.server.base}/?district={DISTRICT}")
    links = page.locator("ul.apps a")
    titles = [links.nth(i).inner_text() for i in range(links.count())]
    assert "Needs assessment explorer" in titles and "Root cause builder" in titles
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert all(f"district={DISTRICT}" in h for h in hrefs)
    outside = page.evaluate("() => fetch('http://example.com/').then(() => 'reached', "
                            "() => 'blocked')")
    assert outside == "blocked"  # the browser really is offline but for the server
    links.filter(has_text="Needs assessment explorer").click()
    page.wait_for_selector(".wb-chart-gap svg", timeout=TIMEOUT)
    assert_clean(page)


# --------------------------------------------------------------------------- needs


def test_pick_a_district_and_the_url_follows(visitor):
    visitor.open("needs")
    page = visitor.page
    page.wait_for_selector("text=Pick a district above to begin")
    page.locator(".wb-app select").nth(1).select_option(
        label=f"Monterey Peninsula Unified ({OTHER})")
    page.wait_for_selector(".wb-chart-grid svg")
    assert "Monterey Peninsula Unified" in page.inner_text(".wb-chart-grid")
    page.wait_for_function(f"() => location.search.includes('district={OTHER}')")
    # the link can be shared: opening it shows the same district
    shared = page.url
    visitor.page.goto(shared)
    page.wait_for_selector(".wb-chart-grid svg", timeout=TIMEOUT)
    assert "Monterey Peninsula Unified" in page.inner_text(".wb-chart-grid")
    # and the other apps open on it
    href = page.locator("nav.wb-topbar a", has_text="Root causes").get_attribute("href")
    assert f"district={OTHER}" in href
    assert_clean(page)
    assert visitor.blocked == [], visitor.blocked  # the page asks for nothing outside


def test_changing_the_indicator_redraws_the_charts(visitor):
    visitor.open("needs", f"?district={DISTRICT}&indicator=ELA")
    page = visitor.page
    page.wait_for_selector(".wb-chart-gap svg")
    assert "English Language Arts" in page.inner_text(".wb-chart-gap")
    before = page.inner_html(".wb-chart-gap")
    trend_before = page.inner_html(".wb-chart-trend")
    page.locator(".wb-indicator select").select_option(label="Chronic absenteeism rate")
    page.wait_for_function("b => document.querySelector('.wb-chart-gap').innerHTML !== b",
                           arg=before)
    assert "Chronic absenteeism" in page.inner_text(".wb-chart-gap")
    page.wait_for_function("b => document.querySelector('.wb-chart-trend').innerHTML !== b",
                           arg=trend_before)
    page.wait_for_function("() => location.search.includes('indicator=CHRO')")
    # the student group drives the trend, and the grid's highlight moves with it
    trend = page.inner_html(".wb-chart-trend")
    page.locator(".wb-group select").select_option(label="English Learner")
    page.wait_for_function("b => document.querySelector('.wb-chart-trend').innerHTML !== b",
                           arg=trend)
    assert "English Learner" in page.inner_text(".wb-chart-trend")
    page.wait_for_function(
        "() => document.querySelector('.wb-chart-grid style').textContent"
        ".includes('Student group: English Learner;')")
    # a school of the district: its own results, and the link says which
    grid = page.inner_html(".wb-chart-grid")
    page.locator(".wb-school select").select_option(label="Alisal High")
    page.wait_for_function("b => document.querySelector('.wb-chart-grid').innerHTML !== b",
                           arg=grid)
    page.wait_for_function("() => location.search.includes('school=27661592730109')")
    assert_clean(page)


# --------------------------------------------------------------------------- root causes


def _new_root_cause(page, statement: str, name: str = "Rosa Team") -> str:
    page.locator(".wb-user input").fill(name)
    page.locator(".wb-symptom-pick select").select_option(label="New symptom...")
    page.wait_for_function("() => !document.querySelector('.wb-statement textarea').value")
    page.locator(".wb-statement textarea").fill(statement)
    why = page.locator(".wb-why").first
    why.locator("textarea").nth(0).fill("Students miss the first period most days")
    why.locator("textarea").nth(1).fill("Attendance logs, fall 2024")
    cause = page.locator(".wb-cause").first
    cause.locator("textarea").nth(0).fill("No early-warning routine for absences")
    cause.locator("textarea").nth(1).fill("Counsellor interviews")
    page.locator(".wb-cause select").nth(1).select_option(label="yes, we can act on it")
    return statement


def test_root_cause_is_saved_and_survives_a_restart(visitor, server, store_url):
    visitor.open("rootcause", f"?district={DISTRICT}")
    page = visitor.page
    page.wait_for_selector(".wb-chart-fishbone svg")
    statement = _new_root_cause(page, "Ninth graders miss school more than others")
    # the fishbone redraws as they type
    page.wait_for_function(
        "() => document.querySelector('.wb-chart-fishbone').innerText"
        ".includes('No early-warning')")
    # unsaved edits are flagged, and leaving asks first; staying keeps everything
    page.wait_for_selector(".wb-app.wb-dirty")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.locator("nav.wb-topbar a", has_text="Needs").click()
    page.wait_for_timeout(1500)
    assert dialogs == ["beforeunload"]
    assert "rootcause.ipynb" in page.url
    page.locator(".wb-save").click()
    assert "Saved the root cause analysis" in wait_message(page, "Saved")
    page.wait_for_function("() => !document.querySelector('.wb-app.wb-dirty')")
    page.wait_for_function("() => location.search.includes('symptom=')")
    link = page.url

    from workbook.store import Store

    store = Store(store_url)
    saved = [s for s in store.list(DISTRICT, kind="symptom") if s.statement == statement]
    assert len(saved) == 1 and saved[0].updated_by == "Rosa Team"
    kinds = [r.kind for r in store.list(DISTRICT) if r.parent_id == saved[0].id]
    assert kinds.count("why") == 1 and kinds.count("cause") == 1
    store.engine.dispose()

    page.goto("about:blank")  # the tab is closed; then the server restarts
    server.stop()
    server.start()
    visitor.page.goto(server.url)  # a new token after a restart, as with JupyterLab
    visitor.page.goto(link)
    page.wait_for_selector(".wb-chart-fishbone svg", timeout=TIMEOUT)
    assert page.locator(".wb-statement textarea").input_value() == statement
    assert page.locator(".wb-cause textarea").first.input_value() == \
        "No early-warning routine for absences"
    assert_clean(page)


def test_two_people_saving_the_same_symptom_get_a_conflict(browser, server, store_url):
    symptom = saved(store_url, DISTRICT, "symptom")  # the first one
    ana, ben = Visitor(browser, server), Visitor(browser, server)
    try:
        for v, name in ((ana, "Ana"), (ben, "Ben")):
            v.open("rootcause", f"?district={DISTRICT}&symptom={symptom.id}")
            v.page.wait_for_selector(".wb-chart-fishbone svg")
            v.page.locator(".wb-user input").fill(name)
        ana.page.locator(".wb-statement textarea").fill("Ana's wording of the symptom")
        ben.page.locator(".wb-statement textarea").fill("Ben's wording of the symptom")
        ana.page.locator(".wb-save").click()
        wait_message(ana.page, "Saved")
        ben.page.locator(".wb-save").click()
        text = wait_message(ben.page, "changed by")
        assert "Not saved" in text and "Ana" in text
        table = ben.page.inner_text(".wb-conflict")
        assert "Ben's wording of the symptom" in table
        assert "Ana's wording of the symptom" in table
        # Ben's text is still in his form; the store has Ana's
        assert ben.page.locator(".wb-statement textarea").input_value() == \
            "Ben's wording of the symptom"
        assert saved(store_url, DISTRICT, "symptom", id=symptom.id).statement == \
            "Ana's wording of the symptom"
        # choosing theirs reloads Ana's version; nothing was overwritten
        ben.page.locator(".wb-use-theirs").click()
        ben.page.wait_for_function(
            "() => document.querySelector('.wb-statement textarea').value"
            ".startsWith(\"Ana's\")")
        assert saved(store_url, DISTRICT, "symptom", id=symptom.id).updated_by == "Ana"
        assert_clean(ben.page)
    finally:
        ana.close()
        ben.close()


def test_bad_input_gets_a_message_next_to_the_field(visitor, store_url):
    visitor.open("rootcause", f"?district={OTHER}")
    page = visitor.page
    page.wait_for_selector(".wb-chart-fishbone svg")
    _new_root_cause(page, "A symptom with a huge paste", name="Paste Tester")
    huge = "x" * (10 * 1024 * 1024)
    box = page.locator(".wb-cause textarea").nth(1)
    box.evaluate("(el, v) => { el.value = v; el.dispatchEvent(new Event('input', "
                 "{bubbles: true})); }", huge[:250_000])
    page.locator(".wb-save").click()
    text = wait_message(page, "Nothing was saved")
    assert "need" in text
    error = page.locator(".wb-cause .wb-field-error").nth(1).inner_text()
    assert "Too long" in error and "20,000" in error
    from workbook.store import Store

    store = Store(store_url)
    assert not [s for s in store.list(OTHER, kind="symptom")
                if s.statement == "A symptom with a huge paste"]
    store.engine.dispose()
    assert_clean(page)


def test_typing_a_paste_larger_than_the_browser_limit_is_cut_and_refused(visitor):
    """A real 10 MB paste: the box takes at most 200,000 characters, the kernel refuses."""
    visitor.open("rootcause", f"?district={OTHER}")
    page = visitor.page
    page.wait_for_selector(".wb-chart-fishbone svg")
    page.wait_for_function("() => document.querySelector('.wb-statement textarea')"
                           ".getAttribute('maxlength') === '200000'")
    page.locator(".wb-user input").fill("Paste Tester")
    page.locator(".wb-symptom-pick select").select_option(label="New symptom...")
    # the kernel empties the form for the new symptom: paste after that, not before it
    page.wait_for_function("() => document.querySelector('.wb-statement textarea')"
                           ".value === ''")
    page.locator(".wb-statement textarea").focus()
    page.keyboard.insert_text("y" * 300_000)
    assert len(page.locator(".wb-statement textarea").input_value()) == 200_000
    page.locator(".wb-save").click()
    wait_message(page, "Nothing was saved")
    assert "Too long" in page.locator(".wb-field-error").filter(
        has_text="Too long").first.inner_text()
    assert_clean(page)


def test_unknown_district_in_the_link_gets_a_friendly_message(visitor):
    visitor.open("rootcause", "?district=%3Cscript%3Ealert(1)%3C/script%3E")
    text = visitor.page.inner_text(".wb-messages")
    assert "is not in" in text and "pick one below" in text
    assert re.search(r"<script>alert", visitor.page.inner_text("body"))  # shown as text
    assert_clean(visitor.page)


def test_save_right_after_typing_saves_every_keystroke(visitor, store_url):
    """Each keystroke redraws the fishbone, so the kernel is busy while they type; the
    Save pressed straight after the last key must still save the whole text."""
    visitor.open("rootcause", f"?district={OTHER}")
    page = visitor.page
    page.wait_for_selector(".wb-chart-fishbone svg")
    page.locator(".wb-user input").fill("Fast Typist")
    page.locator(".wb-symptom-pick select").select_option(label="New symptom...")
    page.wait_for_function("() => !document.querySelector('.wb-statement textarea').value")
    text = "Reading scores dropped for grade three in every school"
    page.locator(".wb-cause textarea").first.click()
    page.keyboard.type(text)  # into the first cause: every key redraws the fishbone
    page.locator(".wb-statement textarea").fill("Typed then saved at once")
    page.locator(".wb-save").click()
    wait_message(page, "Saved")
    symptom = saved(store_url, OTHER, "symptom", statement="Typed then saved at once")
    assert saved(store_url, OTHER, "cause", symptom=symptom.id).text == text
    page.wait_for_function("() => !document.querySelector('.wb-app.wb-dirty')")


# --------------------------------------------------------------------------- every app


READY = {"needs": ".wb-chart-gap svg", "rating": ".wb-progress b",
         "rootcause": ".wb-chart-fishbone svg", "plan": ".wb-findings h4",
         "coaching": ".wb-record", "status": ".wb-quarter table"}


def test_every_app_opens_on_the_district_without_source_or_errors(visitor):
    for app, ready in READY.items():
        visitor.open(app, f"?district={DISTRICT}")
        visitor.page.wait_for_selector(ready, timeout=TIMEOUT)
        chosen = visitor.page.locator(".wb-app select").nth(1).evaluate(
            "e => e.options[e.selectedIndex].text")
        assert chosen.replace("\xa0", " ") == f"Salinas Union High ({DISTRICT})"
        assert f"district={DISTRICT}" in visitor.page.url
        assert_clean(visitor.page)
    assert visitor.blocked == [], visitor.blocked  # the page asks for nothing outside


def test_the_name_is_given_once(visitor):
    visitor.open("rootcause", f"?district={DISTRICT}")
    visitor.page.locator(".wb-user input").fill("Once Only")
    visitor.open("status", f"?district={DISTRICT}")
    visitor.page.wait_for_function(
        "() => document.querySelector('.wb-user input').value === 'Once Only'")


def test_a_name_typed_before_the_pages_tick_is_remembered_and_an_emptied_box_gets_it_back(
        visitor):
    visitor.open("status", f"?district={DISTRICT}")
    page = visitor.page
    page.wait_for_selector(".wb-user input")
    # a box drawn and typed into within one task: no timer of the page has run in between
    remembered = page.evaluate("""() => {
        const box = document.createElement('div');
        box.className = 'wb-user';
        box.innerHTML = '<input type="text">';
        document.body.prepend(box);
        const input = box.querySelector('input');
        input.value = 'Typed At Once';
        input.dispatchEvent(new Event('input', {bubbles: true}));
        const kept = localStorage.getItem('workbook.user');
        box.remove();
        return kept;
    }""")
    assert remembered == "Typed At Once"
    # the box emptied without a key pressed (a view drawn again, a late update from the
    # kernel) takes the remembered name back
    page.evaluate("() => { document.querySelector('.wb-user input').value = ''; }")
    page.wait_for_function(
        "() => document.querySelector('.wb-user input').value === 'Typed At Once'")
    # a person who empties the box empties what is remembered: it stays empty
    page.locator(".wb-user input").fill("")
    page.wait_for_timeout(600)  # three of the page's ticks
    assert page.locator(".wb-user input").input_value() == ""
    assert page.evaluate("() => localStorage.getItem('workbook.user')") == ""


# --------------------------------------------------------------------------- status


def test_monthly_status_save_updates_the_quarter(visitor, store_url):
    visitor.open("status", f"?district={DISTRICT}&month=2025-02")
    page = visitor.page
    page.wait_for_selector(".wb-quarter table")
    page.locator(".wb-user input").fill("Olga Owner")
    row = page.locator(".wb-action-row").nth(1)
    title = row.locator("b").first.inner_text()
    before = page.inner_text(".wb-quarter")
    row.locator("select").first.select_option(label="behind")
    row.locator("textarea").nth(0).fill("The trainer left in January")
    row.locator("textarea").nth(1).fill("Two coaches run the sessions from March")
    page.locator(".wb-save").click()
    assert "Saved 1 status update" in wait_message(page, "Saved")
    page.wait_for_function("b => document.querySelector('.wb-quarter').innerText !== b",
                           arg=before)
    from workbook.store import Store

    store = Store(store_url)
    action = next(a for a in store.list(DISTRICT, kind="action") if a.title == title)
    latest = max((u for u in store.list(DISTRICT, kind="status") if u.action == action.id),
                 key=lambda u: (u.date, u.version))
    assert (latest.status, latest.cause, latest.updated_by) == (
        "behind", "The trainer left in January", "Olga Owner")
    store.engine.dispose()
    assert_clean(page)


def test_the_quarterly_report_is_built_and_downloaded_from_the_page(visitor):
    visitor.open("status", f"?district={DISTRICT}&month=2025-02")
    page = visitor.page
    page.wait_for_selector(".wb-quarter table")
    page.locator(".wb-build-report").click()
    link = page.locator("a.wb-report-download")
    link.wait_for(timeout=TIMEOUT)
    with page.expect_download() as got:
        link.click()
    download = got.value
    assert download.suggested_filename == f"quarterly-report-{DISTRICT}-year1-q3.html"
    text = open(download.path(), encoding="utf-8").read()
    assert "Quarterly implementation report: Salinas Union High" in text
    assert "Plan year 1, quarter 3" in text and "<svg" in text
    assert_clean(page)
    assert visitor.blocked == [], visitor.blocked


# --------------------------------------------------------------------------- plan


def test_plan_builder_adds_a_swot_entry_and_deletes_it_after_asking(visitor, store_url):
    visitor.open("plan", f"?district={OTHER}")
    page = visitor.page
    page.wait_for_selector(".wb-findings h4")
    page.locator(".wb-user input").fill("Sam Swot")
    page.get_by_role("tab", name="Needs and priorities").click()
    editor = page.locator(".wb-editor-swot")
    editor.locator(".wb-pick-swot select").select_option(label="New swot entry...")
    editor.locator(".wb-f-quadrant select").select_option(label="Threat")
    editor.locator(".wb-f-text textarea").fill("Bus routes cut in the east valley")
    editor.locator(".wb-f-evidence textarea").fill("Transport department letter, May")
    editor.locator(".wb-save-swot").click()
    wait_message(page, "Saved the swot entry")
    entry = saved(store_url, OTHER, "swot", text="Bus routes cut in the east valley")
    assert (entry.quadrant, entry.updated_by) == ("threat", "Sam Swot")

    editor.locator(".wb-delete-swot").click()
    editor.locator(".wb-confirm").get_by_text("cannot be undone").wait_for()
    assert saved(store_url, OTHER, "swot", id=entry.id) is not None  # asking deletes nothing
    editor.locator(".wb-confirm-delete-swot").click()
    wait_message(page, "Saved the deletion of swot")
    assert saved(store_url, OTHER, "swot", id=entry.id) is None
    page.wait_for_function(  # the list is refilled just after the message
        "() => !document.querySelector('.wb-pick-swot select').innerText"
        ".includes('Bus routes')")
    assert_clean(page)


# --------------------------------------------------------------------------- coaching


def test_liaison_comment_is_seen_and_resolved_by_the_district(browser, server, store_url):
    strategy = saved(store_url, OTHER, "strategy")  # the first one
    liz, dana = Visitor(browser, server), Visitor(browser, server)
    try:
        liz.open("coaching", f"?district={OTHER}&target={strategy.id}")
        liz.page.wait_for_selector(".wb-record")
        liz.page.locator(".wb-user input").fill("Liz Liaison")
        liz.page.locator(".wb-comment-text textarea").fill("Which schools start first?")
        liz.page.locator(".wb-save").click()
        wait_message(liz.page, "Saved your comment")
        # the thread is redrawn just after the message: wait for it, do not race it
        liz.page.wait_for_function(
            "() => document.querySelector('.wb-thread').innerText"
            ".includes('Which schools start first?')")

        dana.open("plan", f"?district={OTHER}")
        page = dana.page
        page.wait_for_selector(".wb-findings h4")
        page.locator(".wb-user input").fill("Dana Team")
        page.locator(".lm-TabBar-tab", has_text="Strategies").click()
        page.locator(".wb-pick-strategy select").select_option(
            value=page.locator(".wb-pick-strategy select option").filter(
                has_text=strategy.title[:40]).first.get_attribute("value"))
        comment = page.locator(".wb-editor-strategy .wb-open-comments")
        comment.get_by_text("Which schools start first?").wait_for()
        comment.locator("button.wb-resolve").last.click()
        wait_message(page, "resolved")
        comment.get_by_text("Which schools start first?").wait_for(state="detached")

        liz.page.reload()
        liz.page.wait_for_selector(".wb-record")
        assert "resolved by Dana Team" in liz.page.inner_text(".wb-thread")
        assert "resolved by Dana Team" in liz.page.inner_text(".wb-coaching-summary")
        assert_clean(liz.page)
        assert_clean(page)
    finally:
        liz.close()
        dana.close()


def test_a_closed_page_frees_its_kernel(visitor, server):
    """Leaving a page shuts its kernel down (after the unsaved-changes question, if any)."""
    page = visitor.page

    def kernel_id() -> str:
        return page.evaluate("JSON.parse(document.getElementById('jupyter-config-data')"
                             ".textContent).kernelId")

    def shut_down(kid: str) -> bool:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if f"Kernel shutdown: {kid}" in server.log():
                return True
            time.sleep(0.5)
        return False

    visitor.open("needs", f"?district={DISTRICT}")
    page.wait_for_selector(".wb-chart-gap svg")
    clean = kernel_id()
    page.goto("about:blank")
    assert shut_down(clean)
    visitor.open("rootcause", f"?district={DISTRICT}")
    page.wait_for_selector(".wb-chart-fishbone svg")
    dirty = kernel_id()
    page.locator(".wb-statement textarea").fill("edited, then left on purpose")
    page.wait_for_selector(".wb-app.wb-dirty")
    page.on("dialog", lambda d: d.accept())
    page.goto("about:blank")
    assert shut_down(dirty)


# --------------------------------------------------------------------------- saves people trust


def _beside(page, message: str, button: str) -> None:
    """The save result is in a live region right under the button pressed, in view."""
    page.wait_for_function(
        "([b]) => { const m = document.querySelector('.wb-messages');"
        " const slot = m && m.closest('.wb-save-result');"
        " return slot && slot.getAttribute('aria-live') === 'polite'; }", arg=[button])
    box = page.evaluate(
        "([b]) => { const m = document.querySelector('.wb-messages').getBoundingClientRect();"
        " const k = document.querySelector(b).getBoundingClientRect();"
        " return [m.top - k.bottom, m.top, m.bottom, window.innerHeight]; }", [button])
    gap, top, bottom, height = box
    assert -5 <= gap <= 150, f"{message!r} is {gap:.0f} px from the button"
    assert -2 <= top < height, f"{message!r} is out of view (top {top:.0f})"


def _status_rows_without_update(page) -> list[int]:
    heads = page.locator(".wb-action-row").all_inner_texts()
    return [i for i, text in enumerate(heads) if "updated this month by" not in text]


def test_two_people_saving_the_same_months_status_get_one_row(browser, server, store_url):
    from workbook.store import Store

    ana, ben = Visitor(browser, server), Visitor(browser, server)
    try:
        for v, name in ((ana, "Ana"), (ben, "Ben")):
            v.open("status", f"?district={OTHER}&month=2025-04")
            v.page.wait_for_selector(".wb-quarter table")
            v.page.locator(".wb-user input").fill(name)
        index = _status_rows_without_update(ana.page)[0]
        title = ana.page.locator(".wb-action-row").nth(index).locator("b").first.inner_text()
        for v, cause in ((ana, "Ana: the trainer left"), (ben, "Ben: no substitutes")):
            row = v.page.locator(".wb-action-row").nth(index)
            assert row.locator("b").first.inner_text() == title
            row.locator("select").first.select_option(label="behind")
            row.locator("textarea").nth(0).fill(cause)
        ana.page.locator(".wb-save").click()
        assert "Saved 1 status update" in wait_message(ana.page, "Saved")
        _beside(ana.page, "Saved", ".wb-save")
        ben.page.locator(".wb-save").click()
        text = wait_message(ben.page, "already saved")
        assert "Ana" in text and "one update per action per month" in text
        _beside(ben.page, "conflict", ".wb-save")
        store = Store(store_url)
        try:
            action = next(a for a in store.list(OTHER, kind="action") if a.title == title)
            april = [u for u in store.list(OTHER, kind="status") if u.action == action.id
                     and u.date.strftime("%Y-%m") == "2025-04"]
        finally:
            store.engine.dispose()
        assert [(u.cause, u.updated_by) for u in april] == [("Ana: the trainer left", "Ana")]
        # Ben's cause is still in his form, and a date in another month is refused there
        row = ben.page.locator(".wb-action-row").nth(index)
        assert row.locator("textarea").nth(0).input_value() == "Ben: no substitutes"
        assert_clean(ben.page)
    finally:
        ana.close()
        ben.close()


def test_edits_to_different_fields_of_a_goal_are_both_kept(browser, server, store_url):
    goal = saved(store_url, OTHER, "goal")  # the first one
    ana, ben = Visitor(browser, server), Visitor(browser, server)
    try:
        for v, name in ((ana, "Ana"), (ben, "Ben")):
            v.open("plan", f"?district={OTHER}")
            v.page.wait_for_selector(".wb-findings h4")
            v.page.locator(".wb-user input").fill(name)
            v.page.get_by_role("tab", name="Goals and measures").click()
            assert goal.title in v.page.locator(".wb-pick-goal select").input_value() or \
                v.page.locator(".wb-editor-goal .wb-f-title input").input_value() == goal.title
        ana.page.locator(".wb-editor-goal .wb-f-title input").fill("Ana's goal title")
        ana.page.locator(".wb-save-goal").click()
        wait_message(ana.page, "Saved the goal")
        ben.page.locator(".wb-editor-goal .wb-f-explanation textarea").fill("Ben's reason")
        ben.page.locator(".wb-save-goal").click()
        text = wait_message(ben.page, "Saved the goal")
        assert "Ana had changed title meanwhile" in text
        _beside(ben.page, "Saved", ".wb-save-goal")
        stored = saved(store_url, OTHER, "goal", id=goal.id)
        assert (stored.title, stored.explanation, stored.updated_by) == (
            "Ana's goal title", "Ben's reason", "Ben")
        # both change the title: Ben is asked about the title alone, and keeps his
        ana.open("plan", f"?district={OTHER}")  # Ana starts from what is saved now
        ana.page.wait_for_selector(".wb-findings h4")
        ana.page.get_by_role("tab", name="Goals and measures").click()
        ana.page.locator(".wb-editor-goal .wb-f-title input").fill("Ana again")
        ana.page.locator(".wb-editor-goal .wb-f-explanation textarea").fill("Ana's reason")
        ana.page.locator(".wb-save-goal").click()
        wait_message(ana.page, "Saved the goal")
        ben.page.locator(".wb-editor-goal .wb-f-title input").fill("Ben's title")
        ben.page.locator(".wb-save-goal").click()
        text = wait_message(ben.page, "changed by")
        assert "Changed by both of you" in text and "Ana's reason (changed by Ana, kept)" in text
        # the choices are widgets drawn beside the message: wait for them, then count
        ben.page.wait_for_selector(".wb-save-mine")
        assert ben.page.locator("[class*='wb-choose-']").count() == 1
        ben.page.locator(".wb-save-mine").click()
        wait_message(ben.page, "Saved the goal")
        stored = saved(store_url, OTHER, "goal", id=goal.id)
        assert (stored.title, stored.explanation) == ("Ben's title", "Ana's reason")
        assert_clean(ben.page)
    finally:
        ana.close()
        ben.close()


def test_a_decimal_comma_is_asked_about_not_read_as_45(visitor, store_url):
    visitor.open("plan", f"?district={OTHER}")
    page = visitor.page
    page.wait_for_selector(".wb-findings h4")
    page.locator(".wb-user input").fill("Vi Nguyen")
    page.get_by_role("tab", name="Goals and measures").click()
    editor = page.locator(".wb-editor-goal_measure")
    before = _targets(store_url)
    box = editor.locator(".wb-f-targets-1 input")
    box.fill("4,5")
    editor.locator(".wb-save-goal_measure").click()
    editor.get_by_text("did you mean 4.5?").wait_for()
    assert "Nothing was saved" in wait_message(page, "Nothing was saved")
    assert _targets(store_url) == before
    assert_clean(page)


def _targets(store_url: str) -> dict:
    from workbook.store import Store

    store = Store(store_url)
    try:
        return {m.id: (m.targets, m.version) for m in store.list(OTHER, kind="measure")}
    finally:
        store.engine.dispose()
