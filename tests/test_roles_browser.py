"""People and roles in a real browser: `workbook serve --auth users`, Debian's Chromium, no network.

One server (a temporary SQLite store holding the illustrative sample plans and six
people) serves the module. Each person signs in on the login page in their own browser
context (Chromium resolves no host but 127.0.0.1), opens the apps, and the tests check what
their role lets them do on the page and what the store then holds: a viewer reads and
can change nothing, a team member edits their own district only, a liaison reads and
comments, an admin sees every district; a Tool C rater sees only their own ratings; a
kernel answers only the person whose page it serves.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from conftest import private_cache, sample_store
from pgserver import CHROMIUM_SKIP_REASON, chromium_path, offline_chromium, open_app, require

pytestmark = pytest.mark.slow

DISTRICT = "27661590000000"  # Salinas Union High
OTHER = "27660920000000"  # Monterey Peninsula Unified
TIMEOUT = 90_000
#: The apps these tests open (each says "app warm" in the log once its kernel waits).
POOLED_APPS = ("plan", "rating", "rootcause", "status", "coaching")
PASSWORD = "correct horse battery staple"
PEOPLE = {  # name: (role, organisations)
    "Ana Admin": ("admin", []),
    "Tess Team": ("team", [DISTRICT]),
    "Rae Rater": ("team", [DISTRICT]),
    "Lee Liaison": ("liaison", [DISTRICT, OTHER]),
    "Val Viewer": ("viewer", [DISTRICT]),
    "Dee Gone": ("team", [DISTRICT]),
}
#: Buttons a read-only page may leave on: they move around or show things.
VIEW_ONLY = re.compile(r"^(Previous|Next|Build the printable|Print|Download|Show|Open|"
                       r"Compare|History)|^$")


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory):
    with private_cache(tmp_path_factory, "roles-cache"):
        yield


@pytest.fixture(scope="module")
def store_url(tmp_path_factory):
    from workbook.store import Store
    from workbook.users import Users

    url = sample_store(tmp_path_factory, "roles-store")
    store = Store(url)
    users = Users(store.engine)
    for name, (role, orgs) in PEOPLE.items():
        users.add(name, role=role, orgs=orgs, password=PASSWORD, by="test setup")
    users.disable("Dee Gone", by="test setup")
    store.engine.dispose()
    return url


@pytest.fixture(scope="module")
def server(store_url, tmp_path_factory):
    from workbook.apps.serve import Background

    require(chromium_path(), CHROMIUM_SKIP_REASON)
    srv = Background(database_url=store_url, args=("--auth", "users"),
                     log_path=tmp_path_factory.mktemp("roles-log") / "serve.log",
                     env={"JUPYTERHUB_USER": "", "JUPYTER_TOKEN": ""})
    srv.start()
    _wait_for_the_pools(srv)
    yield srv
    srv.stop()


def _wait_for_the_pools(srv, timeout: float = 300) -> None:
    """Until every app has a pre-heated kernel waiting: these tests are about who may do
    what, not about a server's first minute (benchmarks/apps.py measures that)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = srv.log()
        if all(f"[workbook] {app} app warm" in log for app in POOLED_APPS):
            return
        time.sleep(0.5)
    raise AssertionError(f"the apps' kernels did not warm up in {timeout:.0f} s; see "
                         f"{srv.log_path}")


@pytest.fixture(scope="module")
def browser(server):
    yield from offline_chromium()


class Person:
    """One person's browser context, signed in on the login page."""

    def __init__(self, browser, server, name: str | None, password: str = PASSWORD) -> None:
        self.server = server
        self.name = name
        self.blocked: list[str] = []
        self.context = browser.new_context(viewport={"width": 1300, "height": 1000})
        self.context.on("request", self._record)
        self.context.set_default_timeout(TIMEOUT)
        self.page = self.context.new_page()
        if name is not None:
            self.sign_in(name, password)

    def _record(self, request) -> None:
        if urlsplit(request.url).netloc != f"127.0.0.1:{self.server.port}" and \
                not request.url.startswith(("data:", "about:", "blob:")):
            self.blocked.append(request.url)

    def sign_in(self, name: str, password: str) -> None:
        self.page.goto(self.server.base + "/")
        assert "/login" in self.page.url
        self.page.fill("input[name=username]", name)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()

    def open(self, app: str, query: str = "") -> None:
        open_app(self.page, self.server, app, query, TIMEOUT)

    def cookies(self) -> str:
        return "; ".join(f"{c['name']}={c['value']}" for c in self.context.cookies())

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def people(browser, server):
    opened: list[Person] = []

    def sign_in(name: str | None, password: str = PASSWORD) -> Person:
        p = Person(browser, server, name, password)
        opened.append(p)
        return p

    yield sign_in
    for p in opened:
        p.close()


def wait_message(page, pattern: str) -> str:
    page.wait_for_function(
        "p => { const m = document.querySelector('.wb-messages');"
        " return m && new RegExp(p).test(m.innerText); }", arg=pattern, timeout=TIMEOUT)
    return page.inner_text(".wb-messages")


def stored(store_url: str, district: str, kind: str):
    from workbook.store import Store

    store = Store(store_url)
    try:
        return store.list(district, kind=kind)
    finally:
        store.engine.dispose()


def district_options(page) -> list[str]:
    """The labels of the app's district picker (the second select of its header)."""
    return [o.replace("\xa0", " ") for o in page.locator(".wb-app select").nth(1).evaluate(
        "e => Array.from(e.options).map(o => o.text)")]


def enabled_controls(page) -> dict[str, list[str]]:
    """What a person could still change in the app's body: enabled text boxes, and
    enabled buttons that do more than move around."""
    found = page.evaluate("""() => {
        const app = document.querySelector('.wb-app');
        const header = app.children[1];  // the district picker and the user
        const inBody = e => !header.contains(e) && e.offsetParent !== null;
        const boxes = Array.from(app.querySelectorAll('input, textarea'))
            .filter(e => inBody(e) && !e.disabled && e.type !== 'hidden');
        const buttons = Array.from(app.querySelectorAll('button'))
            .filter(e => inBody(e) && !e.disabled && !e.closest('.lm-TabBar'));
        return {boxes: boxes.map(e => e.outerHTML.slice(0, 80)),
                buttons: buttons.map(e => e.innerText.trim())};
    }""")
    found["buttons"] = [b for b in found["buttons"] if not VIEW_ONLY.match(b)]
    return found


# --------------------------------------------------------------------------- signing in


def test_the_login_page_is_ours_and_refuses_wrong_or_disabled(people, server):
    nobody = people(None)
    page = nobody.page
    page.goto(server.base + f"/voila/render/plan.ipynb?district={DISTRICT}")
    assert "/login" in page.url
    text = page.inner_text("body")
    assert "Sign in" in text and "jupyter" not in text.lower()
    assert "server list" not in page.content()
    for name, password in (("Tess Team", "wrong password here"),
                           ("No Such Person", PASSWORD), ("Dee Gone", PASSWORD)):
        page.fill("input[name=username]", name)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert "/login" in page.url
        assert "do not match an enabled account" in page.inner_text(".wb-login-error")
    # no way in without signing in: the app page, the landing page, a kernel
    for path in ("/", f"/voila/render/rating.ipynb?district={DISTRICT}"):
        with urllib.request.urlopen(server.base + path, timeout=30) as reply:
            assert "/login" in reply.url
            assert "wb-app" not in reply.read().decode()
    # signing in goes back to the page asked for
    page.fill("input[name=username]", "Tess Team")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".wb-app-plan", timeout=TIMEOUT)
    assert "Signed in as Tess Team" in page.inner_text(".wb-signed-in")
    assert nobody.blocked == []


# --------------------------------------------------------------------------- roles


def test_a_viewer_reads_and_can_change_nothing(people, store_url):
    val = people("Val Viewer")
    for app, ready in (("plan", ".wb-findings h4"), ("rootcause", ".wb-chart-fishbone svg"),
                       ("status", ".wb-quarter table"), ("coaching", ".wb-record")):
        val.open(app, f"?district={DISTRICT}")
        val.page.wait_for_selector(ready, timeout=TIMEOUT)
        val.page.wait_for_selector(".wb-app.wb-readonly")
        assert "viewer for this district" in val.page.inner_text(".wb-role-note")
        left = enabled_controls(val.page)
        assert left == {"boxes": [], "buttons": []}, (app, left)
        assert val.page.locator(".wb-user input").count() == 0  # no name to type
        # only the districts a viewer was given
        assert [o for o in district_options(val.page) if "(" in o] == \
            [f"Salinas Union High ({DISTRICT})"]
    # another district in the address: not shown, the page says so
    val.open("plan", f"?district={OTHER}")
    assert "is not in" in val.page.inner_text(".wb-messages")
    assert OTHER not in " ".join(district_options(val.page))
    # nor through a read-only workbook page
    val.page.goto(f"{val.server.base}/voila/render/03_strategy_and_measures.ipynb"
                  f"?district_id={OTHER}")
    assert "no role for district" in val.page.inner_text("body")
    # the rating app shows a viewer the team's aggregate, never a rating to give
    val.open("rating", f"?district={DISTRICT}")
    val.page.wait_for_selector(".wb-team")
    assert val.page.locator(".wb-level").count() == 0
    assert val.page.locator(".lm-TabBar-tab").all_inner_texts() == ["Team view (no names)"]
    assert val.blocked == []


def test_a_team_member_edits_their_district_and_every_save_is_theirs(people, store_url):
    tess = people("Tess Team")
    tess.open("coaching", f"?district={DISTRICT}")
    tess.page.wait_for_selector(".wb-record")
    assert tess.page.locator(".wb-app.wb-readonly").count() == 0
    tess.page.locator(".wb-comment-text textarea").fill("Team note: we start in March.")
    tess.page.locator(".wb-save").click()
    assert "as Tess Team" in wait_message(tess.page, "Saved your comment")
    comment = next(c for c in stored(store_url, DISTRICT, "comment")
                   if c.text == "Team note: we start in March.")
    assert comment.updated_by == "Tess Team" and comment.author == "Tess Team"
    # edits open in the plan; other districts are not offered at all
    tess.open("plan", f"?district={DISTRICT}")
    tess.page.wait_for_selector(".wb-findings h4")
    assert tess.page.locator(".wb-app.wb-readonly").count() == 0
    assert enabled_controls(tess.page)["buttons"], "a team member has nothing to press"
    assert [o for o in district_options(tess.page) if "(" in o] == \
        [f"Salinas Union High ({DISTRICT})"]


def test_a_liaison_reads_and_comments_but_does_not_edit(people, store_url):
    lee = people("Lee Liaison")
    lee.open("plan", f"?district={OTHER}")
    lee.page.wait_for_selector(".wb-findings h4")
    lee.page.wait_for_selector(".wb-app.wb-readonly")
    assert "liaison" in lee.page.inner_text(".wb-role-note")
    assert enabled_controls(lee.page) == {"boxes": [], "buttons": []}
    labels = " ".join(district_options(lee.page))
    assert DISTRICT in labels or OTHER in labels
    lee.open("coaching", f"?district={OTHER}")
    lee.page.wait_for_selector(".wb-record")
    lee.page.locator(".wb-comment-text textarea").fill("Which schools start first?")
    lee.page.locator(".wb-save").click()
    assert "as Lee Liaison" in wait_message(lee.page, "Saved your comment")
    comment = next(c for c in stored(store_url, OTHER, "comment")
                   if c.text == "Which schools start first?")
    assert comment.updated_by == "Lee Liaison"


def test_an_admin_sees_every_district(people):
    ana = people("Ana Admin")
    ana.open("plan", f"?district={OTHER}")
    ana.page.wait_for_selector(".wb-findings h4")
    assert ana.page.locator(".wb-app.wb-readonly").count() == 0
    from workbook.apps.common import district_choices

    assert len([o for o in district_options(ana.page) if "(" in o]) == \
        len(district_choices("sample"))


# --------------------------------------------------------------------------- Tool C


def _rate(person: Person, evidence: str, level: int = 3) -> None:
    page = person.page
    page.wait_for_selector(".wb-progress b")
    page.locator(".wb-level button").nth(level).click()
    page.locator(".wb-evidence textarea").fill(evidence)
    page.locator(".wb-save").click()
    wait_message(page, "Saved your rating")


def test_a_rater_sees_only_their_own_ratings(people, store_url):
    others = [r for r in stored(store_url, DISTRICT, "rating")]
    tess = people("Tess Team")
    tess.open("rating", f"?district={DISTRICT}&element=1a1")
    _rate(tess, "Tess saw weekly data meetings in every school.")
    mine = [r for r in stored(store_url, DISTRICT, "rating") if r.rater == "Tess Team"]
    assert len(mine) == 1 and mine[0].updated_by == "Tess Team"

    rae = people("Rae Rater")
    rae.open("rating", f"?district={DISTRICT}&element=1a1")
    page = rae.page
    page.wait_for_selector(".wb-progress b")
    assert "Rae Rater" in page.inner_text(".wb-progress")
    assert " 0 of " in page.inner_text(".wb-progress")  # none of Tess's counted as Rae's
    assert page.locator(".wb-evidence textarea").input_value() == ""
    markup = page.content()
    assert "Tess saw weekly" not in markup and "Tess Team" not in markup
    for r in others:  # nor anything of the sample's raters
        assert r.rater not in markup
        assert not r.evidence or r.evidence not in markup
    _rate(rae, "Rae found meetings in half of the schools.", level=2)
    # Rae's rating is Rae's: Tess's stays as it was
    tess_now = [r for r in stored(store_url, DISTRICT, "rating") if r.rater == "Tess Team"]
    assert [r.evidence for r in tess_now] == ["Tess saw weekly data meetings in every school."]
    # the team view: the aggregate, no names, no evidence
    page.locator(".lm-TabBar-tab", has_text="Team view").click()
    page.wait_for_function("() => document.querySelector('.wb-team').innerText"
                           ".includes('people have rated')")
    team = page.inner_text(".wb-team")
    assert "Tess" not in team and "Rae" not in team and "weekly" not in team


# --------------------------------------------------------------------------- kernels


def _kernel_id(person: Person) -> str:
    found = person.page.evaluate(
        "() => { const m = document.documentElement.innerHTML.match("
        "/kernel[_-]?[iI]d[\"']?\\s*[:=]\\s*[\"']([0-9a-f-]{36})/); return m && m[1]; }")
    assert found, "no kernel id in the page"
    return found


def _get(server, path: str, cookies: str) -> int:
    request = urllib.request.Request(server.base + path, headers={"Cookie": cookies})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as err:
        return err.code


def test_a_kernel_answers_only_the_person_whose_page_it_serves(people, server):
    tess, val = people("Tess Team"), people("Val Viewer")
    tess.open("plan", f"?district={DISTRICT}")
    tess.page.wait_for_selector(".wb-findings h4")
    kernel = _kernel_id(tess)
    assert _get(server, f"/api/kernels/{kernel}", tess.cookies()) == 200
    assert _get(server, f"/api/kernels/{kernel}", val.cookies()) == 403
    assert _get(server, f"/api/kernels/{kernel}", "") in (302, 403)
    # and the server recorded who it serves where only the server can read it
    log = server.log()
    assert "refused" in log and kernel in log


def test_disabling_a_person_ends_their_session(people, store_url, server):
    from workbook.store import make_engine
    from workbook.users import Users

    users = Users(make_engine(store_url))
    users.add("Sam Short", role="viewer", orgs=[DISTRICT], password=PASSWORD, by="test")
    sam = people("Sam Short")
    sam.page.goto(server.base + "/")
    assert "Signed in as" in sam.page.inner_text("header")
    users.disable("Sam Short", by="test")
    sam.page.goto(server.base + "/")
    assert "/login" in sam.page.url
    history = [c.change for c in users.history("Sam Short")]
    assert history == ["added", "granted", "disabled"]
    users.engine.dispose()
    # and the login cookie is the server's own: its value names no password or token
    assert json.dumps(PASSWORD) not in sam.cookies()


def test_single_sign_on_trusts_the_proxy_header_only(store_url, tmp_path):
    """`--auth proxy`: the person named by the proxy's header, a user of the table."""
    from workbook.apps.serve import Background

    srv = Background(database_url=store_url, log_path=tmp_path / "proxy.log",
                     args=("--auth", "proxy", "--pool-size", "0", "--trusted-proxy",
                           "127.0.0.1"), env={"JUPYTERHUB_USER": "", "JUPYTER_TOKEN": ""})
    srv.start()
    try:
        def get(headers: dict[str, str]) -> tuple[int, str, str]:
            request = urllib.request.Request(srv.base + "/", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=30) as reply:
                    return reply.status, reply.url, reply.read().decode()
            except urllib.error.HTTPError as err:
                return err.code, err.url, err.read().decode()

        status, _, body = get({"X-Forwarded-User": "Val Viewer"})
        assert status == 200 and "Signed in as <b>Val Viewer</b>" in body
        status, where, body = get({})
        assert "/login" in where and "single sign-on" in body and "wb-app" not in body
        status, _, body = get({"X-Forwarded-User": "Mallory"})
        assert status == 403 and "no workbook account" in body
        status, _, body = get({"X-Forwarded-User": "Dee Gone"})  # disabled
        assert status == 403
        status, _, body = get({"X-Forwarded-User": "Ana Admin"})
        assert "Signed in as <b>Ana Admin</b>" in body
    finally:
        srv.stop()


# --------------------------------------------------------------------------- the admin page


def test_an_admin_adds_a_viewer_and_a_team_member_cannot_open_the_page(people, store_url):
    from workbook.store import Store
    from workbook.users import Users

    ana = people("Ana Admin")
    ana.open("admin")
    page = ana.page
    assert "Tess Team" in page.inner_text(".wb-people")
    page.fill(".wb-admin-name input", "Vic Viewer")
    page.select_option(".wb-admin-role select", "viewer")
    page.fill(".wb-admin-orgs input", OTHER)
    page.fill(".wb-admin-password input", PASSWORD)
    page.click(".wb-admin-add")
    said = wait_message(page, "Added Vic Viewer")
    assert f"viewer for {OTHER}" in said
    page.wait_for_function("() => document.querySelector('.wb-people').innerText"
                           ".includes('Vic Viewer')", timeout=TIMEOUT)
    store = Store(store_url)
    try:
        users = Users(store.engine)
        vic = users.get("Vic Viewer")
        assert vic is not None and vic.roles == {OTHER: "viewer"} and not vic.disabled
        assert [(c.change, c.changed_by) for c in users.history("Vic Viewer")] == [
            ("added", "Ana Admin"), ("granted", "Ana Admin")]
    finally:
        store.engine.dispose()
    # the new viewer signs in with the password the admin gave, and reads OTHER only
    vic_page = people("Vic Viewer")
    vic_page.open("plan", f"?district={OTHER}")
    assert "viewer for this district" in vic_page.page.inner_text(".wb-role-note")
    # a team member: the kernel refuses the page, nothing of it is shown
    tess = people("Tess Team")
    tess.page.goto(f"{tess.server.base}/voila/render/admin.ipynb")
    tess.page.wait_for_selector(".wb-refused", timeout=TIMEOUT)
    assert "Only an admin" in tess.page.inner_text(".wb-refused")
    assert tess.page.locator(".wb-app-admin").count() == 0
    assert tess.page.locator(".wb-admin-add").count() == 0
    assert ana.blocked == [] and tess.blocked == []
