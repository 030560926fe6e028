"""People and roles without a browser: hashes, the users tables (SQLite and PostgreSQL), the
`workbook users` command, the identity provider, the authorizer, and the kernel's checks.

tests/test_roles_browser.py drives the same through a real `workbook serve --auth users`.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from conftest import private_cache
from freshdb import fresh_database, upgrade_to

from workbook.errors import WorkbookError
from workbook.needs.model import Rating
from workbook.plan.model import Strategy
from workbook.progress.model import Comment
from workbook.store import Store
from workbook.users import Access, UserError, Users, hashing, kernels

BACKENDS = ["sqlite", "postgres"]
D, OTHER = "27661590000000", "27660920000000"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory):
    """The apps built here read the region's data: cached in a temporary folder."""
    with private_cache(tmp_path_factory, "users-cache"):
        yield


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    with fresh_database(request.param, tmp_path) as u:
        yield u


@pytest.fixture()
def users(url):
    store = Store(url)
    yield Users(store.engine)
    store.engine.dispose()


# --------------------------------------------------------------------------- hashing


def test_passwords_are_stored_as_salted_argon2_hashes():
    one, two = hashing.hash_password(PASSWORD), hashing.hash_password(PASSWORD)
    assert one.startswith("$argon2id$") and PASSWORD not in one
    assert one != two  # a new salt each time
    assert hashing.verify(one, PASSWORD) and hashing.verify(two, PASSWORD)
    assert not hashing.verify(one, PASSWORD + "x")
    assert not hashing.verify(None, PASSWORD)  # an unknown name never matches
    assert not hashing.verify("not a hash", PASSWORD)
    assert hashing.stamp(one) != hashing.stamp(two)


@pytest.mark.parametrize("bad", ["short", " leading space pad", "with a\nnewline in it"])
def test_weak_or_broken_passwords_are_refused(bad):
    with pytest.raises(UserError):
        hashing.hash_password(bad)


# --------------------------------------------------------------------------- the tables


def test_every_change_to_a_user_is_kept(users):
    users.add("Tess Team", role="team", orgs=[D], password=PASSWORD, by="admin")
    users.grant("Tess Team", role="viewer", orgs=[OTHER], by="admin")
    users.grant("Tess Team", role="liaison", orgs=[OTHER], by="admin")  # replaces viewer
    assert users.get("Tess Team").roles == {D: "team", OTHER: "liaison"}
    old = users.get("Tess Team").password_hash
    users.passwd("Tess Team", "another good password", by="admin")
    assert users.get("Tess Team").password_hash != old
    users.revoke("Tess Team", orgs=[OTHER], by="admin")
    users.disable("Tess Team", by="admin")
    assert users.access("Tess Team") is None
    users.enable("Tess Team", by="admin")
    assert users.access("Tess Team") == Access("Tess Team", {D: "team"})
    changes = [(c.change, c.detail) for c in users.history("Tess Team")]
    assert changes == [
        ("added", "with a password"), ("granted", f"team for {D}"),
        ("granted", f"viewer for {OTHER}"), ("revoked", f"viewer for {OTHER} (replaced)"),
        ("granted", f"liaison for {OTHER}"), ("password", "password changed"),
        ("revoked", f"liaison for {OTHER}"), ("disabled", "may no longer sign in"),
        ("enabled", "may sign in again")]
    assert all(c.changed_by == "admin" for c in users.history("Tess Team"))
    with users.engine.connect() as conn:  # revoked grants are kept, with when and by whom
        rows = conn.execute(sa.text("SELECT org_id, role, revoked_by FROM user_roles "
                                    "ORDER BY seq")).all()
    assert [tuple(r) for r in rows] == [(D, "team", None), (OTHER, "viewer", "admin"),
                                        (OTHER, "liaison", "admin")]


@pytest.mark.parametrize(("call", "message"), [
    (lambda u: u.add("Ana", role="boss", orgs=[D], password=PASSWORD, by="x"), "unknown role"),
    (lambda u: u.add("Ana", role="admin", orgs=[D], password=PASSWORD, by="x"),
     "covers every organisation"),
    (lambda u: u.add("Ana", role="team", orgs=[], password=PASSWORD, by="x"), "at least one"),
    (lambda u: u.add("Ana", role="team", orgs=["*"], password=PASSWORD, by="x"), "only the admin"),
    (lambda u: u.add("Ana", role="team", orgs=["a/b"], password=PASSWORD, by="x"), "not an id"),
    (lambda u: u.add("", role="team", orgs=[D], password=PASSWORD, by="x"), "needs the name"),
    (lambda u: u.add("Ana\x07", role="team", orgs=[D], password=PASSWORD, by="x"), "control"),
    (lambda u: u.grant("Nobody", role="team", orgs=[D], by="x"), "no user 'Nobody'"),
    (lambda u: u.revoke("Tess", orgs=[OTHER], by="x"), f"no role for {OTHER}"),
    (lambda u: u.add("Tess", role="team", orgs=[D], password=PASSWORD, by="x"), "already"),
])
def test_bad_user_changes_are_refused_and_change_nothing(users, call, message):
    users.add("Tess", role="team", orgs=[D], password=PASSWORD, by="x")
    before = users.history()
    with pytest.raises(UserError, match=message):
        call(users)
    assert users.history() == before


def test_migration_0003_adds_the_tables_to_an_older_store(url):
    upgrade_to(url, "0002")
    engine = sa.create_engine(url)
    assert "users" not in sa.inspect(engine).get_table_names()
    engine.dispose()
    store = Store(url)
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"users", "user_roles", "user_history", "records"} <= tables
    assert Users(store.engine).any() is False
    store.engine.dispose()


# --------------------------------------------------------------------------- the command


def workbook(*args: str, stdin: str = "", db: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WORKBOOK_DATABASE_URL": db}
    return subprocess.run([sys.executable, "-m", "workbook.cli", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120)


def test_the_users_command(tmp_path):
    db = f"sqlite:///{tmp_path / 'w.db'}"
    ok = workbook("users", "add", "Tess Team", "--role", "team", "--org", D,
                  "--password-stdin", "--by", "Ana", stdin=PASSWORD + "\n", db=db)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == f"added Tess Team: team for {D}"
    listed = workbook("users", "list", db=db)
    assert listed.stdout.startswith(f"Tess Team\tpassword\tteam for {D}")
    store = Store(db)
    row = Users(store.engine).get("Tess Team")
    assert row is not None and hashing.verify(row.password_hash, PASSWORD)
    store.engine.dispose()
    history = workbook("users", "history", db=db).stdout
    assert "Tess Team\tadded" in history and "by Ana" in history


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["users", "add", "X", "--role", "boss", "--org", D, "--password-stdin"], PASSWORD,
     "unknown role 'boss'"),
    (["users", "add", "X", "--role", "team", "--org", D, "--password-stdin"], "short",
     "at least 10"),
    (["users", "add", "X", "--role", "team", "--org", D, "--password-stdin"], "",
     "standard input is empty"),
    (["users", "add", "X", "--role", "team", "--org", "no such/id", "--password-stdin"],
     PASSWORD, "not an id"),
    (["users", "add", "X", "--role", "team", "--org", D], "", "use --password-stdin"),
    (["users", "passwd", "Nobody", "--password-stdin"], PASSWORD, "no user 'Nobody'"),
    (["users", "disable", "Nobody"], "", "no user 'Nobody'"),
    (["users", "revoke", "Nobody", "--org", D], "", "no user 'Nobody'"),
    (["users", "grant", "Nobody", "--role", "viewer", "--org", D], "", "no user 'Nobody'"),
])
def test_bad_input_to_the_users_command_is_one_line_and_exit_1(tmp_path, args, stdin, message):
    result = workbook(*args, stdin=stdin, db=f"sqlite:///{tmp_path / 'w.db'}")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], \
        result.stderr
    assert "Traceback" not in result.stderr + result.stdout


# --------------------------------------------------------------------------- access


def test_what_each_role_may_write():
    viewer = Access("Val", {D: "viewer"})
    liaison = Access("Lee", {D: "liaison", OTHER: "liaison"})
    team = Access("Tess", {D: "team"})
    admin = Access("Ana", {"*": "admin"})
    assert viewer.refusal("strategy", D) and viewer.refusal("comment", D)
    assert liaison.refusal("strategy", D) and not liaison.refusal("comment", OTHER)
    assert not team.refusal("strategy", D) and team.refusal("strategy", OTHER)
    assert not admin.refusal("strategy", OTHER)
    # a Tool C rating is its rater's own, whoever else asks
    assert not team.refusal("rating", D, rater="Tess")
    assert team.refusal("rating", D, rater="Rae") and admin.refusal("rating", D, rater="Rae")
    assert viewer.visible([D, OTHER]) == [D] and admin.visible([D, OTHER]) == [D, OTHER]


@pytest.fixture()
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'guarded.db'}")
    yield s
    s.engine.dispose()


def _strategy(org: str = D) -> Strategy:
    return Strategy(org_id=org, title="Weekly data meetings")


def _comment(target: str, text: str) -> Comment:
    return Comment(org_id=D, target=target, author="Lee", text=text,
                   created=dt.datetime.now(dt.UTC))


def test_the_kernel_refuses_what_the_role_does_not_allow(store):
    from workbook.apps.roles import AccessRefused, GuardedStore

    viewer = GuardedStore(store, Access("Val", {D: "viewer"}))
    liaison = GuardedStore(store, Access("Lee", {D: "liaison"}))
    team = GuardedStore(store, Access("Tess", {D: "team"}))
    with pytest.raises(AccessRefused, match="viewer"):
        viewer.save(_strategy(), user="Val")
    with pytest.raises(AccessRefused, match="liaison"):
        liaison.save(_strategy(), user="Lee")
    with pytest.raises(AccessRefused, match=f"no role for {OTHER}"):
        team.save(_strategy(OTHER), user="Tess")
    with pytest.raises(AccessRefused):
        viewer.list(OTHER)
    assert store.list(D) == []  # nothing was written
    # what is allowed is recorded under the signed-in name, whatever name was passed
    saved = team.save(_strategy(), user="Someone Typed This")
    assert store.get(saved.id).updated_by == "Tess"
    note = liaison.save(_comment(saved.id, "Why?"), user="x")
    assert store.get(note.id).updated_by == "Lee"
    with pytest.raises(AccessRefused):
        viewer.delete(store.get(saved.id), user="Val")
    with pytest.raises(AccessRefused):
        viewer.restore_version(saved.id, 1, user="Val")
    assert store.get(saved.id).version == 1


def test_a_rater_never_reads_another_raters_ratings(store):
    from workbook.apps.roles import AccessRefused, GuardedStore

    store.save(Rating(org_id=D, rater="Tess", element="1a1", level=3, evidence="Tess's"),
               user="Tess")
    rae = GuardedStore(store, Access("Rae", {D: "team"}))
    assert rae.list(D, kind="rating") == [] and rae.document(D).of_kind("rating") == []
    assert [c for c in rae.history(D) if c.kind == "rating"] == []
    theirs = store.list(D, kind="rating")[0]
    assert rae.get(theirs.id) is None
    with pytest.raises(AccessRefused, match="own rater"):
        rae.save(theirs.model_copy(update={"level": 1}), user="Rae")
    assert len(rae.ratings(D)) == 1  # the aggregate's one way to every rating


def test_an_app_opened_by_a_viewer_refuses_to_save(store):
    from workbook.apps.coaching import CoachingApp

    store.save(_strategy(), user="Tess")
    app = CoachingApp(store, {"district": D}, access=Access("Val", {D: "viewer"}))
    assert "wb-readonly" in app.widget._dom_classes
    assert app.add_button.disabled and app.text.control.disabled
    assert app.user.text is None and app.user.name == "Val"  # no name to type
    app.text.control.value = "a comment a viewer should not leave"
    app.save()
    assert "Nothing was saved" in app.messages.current
    assert store.list(D, kind="comment") == []
    # the same person as the district's liaison may comment, as themselves
    app = CoachingApp(store, {"district": D}, access=Access("Val", {D: "liaison"}))
    assert not app.add_button.disabled
    app.text.control.value = "What do the schools say?"
    app.save()
    assert [c.updated_by for c in store.list(D, kind="comment")] == ["Val"]


def test_the_rating_app_gives_a_viewer_the_aggregate_only(store):
    from workbook.apps.rating import RatingApp

    store.save(Rating(org_id=D, rater="Tess", element="1a1", level=3, evidence="ev"),
               user="Tess")
    app = RatingApp(store, {"district": D}, access=Access("Val", {D: "viewer"}))
    assert app.tabs.children == (app.team_tab,)
    assert "1 person has rated" in app.team.value and "Tess" not in app.team.value


# --------------------------------------------------------------------------- the kernel


def test_the_kernel_learns_its_person_from_the_server_only(store, tmp_path, monkeypatch):
    from workbook.apps.roles import AccessRefused, current_access

    Users(store.engine).add("Tess", role="team", orgs=[D], password=PASSWORD, by="x")
    monkeypatch.setenv("WORKBOOK_AUTH", "users")
    monkeypatch.setenv(kernels.ENV, str(tmp_path))
    kernel_id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    monkeypatch.setattr(kernels, "this_kernel_id", lambda: kernel_id)
    with pytest.raises(AccessRefused, match="could not tell who you are"):
        current_access(store)
    kernels.record(kernel_id, "Tess")
    assert oct((tmp_path / f"{kernel_id}.json").stat().st_mode & 0o777) == "0o600"
    assert current_access(store) == Access("Tess", {D: "team"})
    Users(store.engine).disable("Tess", by="x")
    with pytest.raises(AccessRefused, match="disabled"):
        current_access(store)
    monkeypatch.setenv("WORKBOOK_AUTH", "token")  # one person: everything, name typed
    assert current_access(store) == Access.single_user()


# --------------------------------------------------------------------------- the server


def _handler(ip: str = "127.0.0.1", headers: dict | None = None, kernel_id: str = ""):
    request = SimpleNamespace(remote_ip=ip, headers=headers or {},
                              path=f"/api/kernels/{kernel_id}")
    return SimpleNamespace(request=request, kernel_id=kernel_id)


def test_identity_provider_and_authorizer(store, tmp_path, monkeypatch):
    from workbook.users.auth import RoleAuthorizer, WorkbookIdentityProvider

    users = Users(store.engine)
    users.add("Tess", role="team", orgs=[D], password=PASSWORD, by="x")
    users.add("Sso Only", role="viewer", orgs=[D], password=None, by="x")
    ip = WorkbookIdentityProvider(mode="users", database_url=store.url)
    tess = ip.check_password("Tess", PASSWORD)
    assert tess is not None and tess.username == "Tess"
    assert ip.check_password("Tess", "wrong password!") is None
    assert ip.check_password("Sso Only", "") is None  # no password: proxy only
    # a cookie made before a password change no longer signs anyone in
    assert ip._known("Tess", tess.stamp) is not None
    users.passwd("Tess", "a brand new password", by="x")
    assert ip._known("Tess", tess.stamp) is None

    proxy = WorkbookIdentityProvider(mode="proxy", database_url=store.url,
                                     trusted_proxies=["10.0.0.5"])
    header = {"X-Forwarded-User": "Sso Only"}
    assert proxy.get_user(_handler("10.0.0.5", header)).username == "Sso Only"
    assert proxy.get_user(_handler("10.0.0.6", header)) is None  # not from the proxy
    assert proxy.get_user(_handler("10.0.0.5", {"X-Forwarded-User": "Nobody"})) is None

    monkeypatch.setenv(kernels.ENV, str(tmp_path))
    kernel_id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    kernels.record(kernel_id, "Sso Only")
    authorizer = RoleAuthorizer(identity_provider=proxy)
    user = SimpleNamespace(username="Sso Only")
    other = SimpleNamespace(username="Tess")
    assert authorizer.is_authorized(_handler(kernel_id=kernel_id), user, "execute", "kernels")
    assert not authorizer.is_authorized(_handler(kernel_id=kernel_id), other, "execute",
                                        "kernels")
    assert not authorizer.is_authorized(_handler(), user, "read", "contents")
    users.disable("Sso Only", by="x")
    assert not authorizer.is_authorized(_handler(kernel_id=kernel_id), user, "execute",
                                        "kernels")
    token = WorkbookIdentityProvider(mode="token", token="t" * 48)
    assert RoleAuthorizer(identity_provider=token).is_authorized(_handler(), user, "read",
                                                                 "contents")


def test_the_access_log_never_holds_a_token(caplog):
    from workbook.users.auth import log_request

    secret = "5f2b9c0e7d1a4b3c8e6f0a9d2c7b1e4f5a3d8c6b9e0f1a2b"
    request = SimpleNamespace(method="GET", remote_ip="127.0.0.1",
                              uri=f"/voila/render/plan.ipynb?token={secret}&district={D}",
                              request_time=lambda: 0.01)
    handler = SimpleNamespace(get_status=lambda: 200, request=request)
    with caplog.at_level(logging.INFO, logger="tornado.access"):
        log_request(handler)
    assert caplog.records and secret not in caplog.text
    assert "token=5f2b..." in caplog.text and f"district={D}" in caplog.text


def test_serve_chooses_users_once_there_are_users(tmp_path):
    from workbook.apps.serve import auth_config, choose_auth, serve, voila_config

    db = f"sqlite:///{tmp_path / 'w.db'}"
    store = Store(db)
    assert choose_auth(None, db) == "token"
    with pytest.raises(WorkbookError, match="needs people"):
        choose_auth("users", db)
    Users(store.engine).add("Ana", role="admin", orgs=[], password=PASSWORD, by="x")
    store.engine.dispose()
    assert choose_auth(None, db) == "users"
    with pytest.raises(WorkbookError, match="one of"):
        choose_auth("ldap", db)
    with pytest.raises(WorkbookError, match="--no-token is for --auth token"):
        serve(token=False, database_url=db, auth="users")
    c = voila_config(host="127.0.0.1", port=1, token="", preheat=False, pool_size=0)
    auth_config(c, mode="users", database_url=db, proxy_header="X-Forwarded-User",
                trusted_proxies=("127.0.0.1",))
    assert c.Voila.tornado_settings["log_function"].__module__ == "workbook.users.auth"
    assert c.Voila.tornado_settings["websocket_max_message_size"] > 0



def test_a_workbook_page_opens_only_the_persons_districts():
    from workbook.apps.workbooks import read_address

    viewer = Access("Val", {D: "viewer"})
    name = "03_strategy_and_measures"
    refused = read_address(name, {"district_id": OTHER}, audience="stakeholder",
                           access=viewer)
    assert "no role for district" in refused.problem and not refused.runs
    mine = read_address(name, {"district_id": D}, audience="stakeholder", access=viewer)
    assert mine.runs and mine.problem == ""
    assert [d for d, _ in mine.picker("stakeholder")["districts"]] == [D]
    everyone = read_address(name, {"district_id": OTHER}, audience="stakeholder")
    assert everyone.runs  # no users on the server: every district, as before


# --------------------------------------------------------------------------- the admin page


def _admin_page(store, name: str = "Ana"):
    from workbook.apps.admin import AdminApp

    return AdminApp(store, Users(store.engine).access(name))


def test_the_admin_page_adds_resets_and_disables_and_keeps_every_change(store):
    users = Users(store.engine)
    users.add("Ana", role="admin", orgs=[], password=PASSWORD, by="setup")
    page = _admin_page(store)
    assert "Ana" in page.people.value and "admin (every organisation)" in page.people.value
    page.new_name.value, page.new_role.value = "Val", "viewer"
    page.new_orgs.value, page.new_password.value = f" {D}, {OTHER} ", PASSWORD
    page.add()
    assert "Added Val" in page.messages.current
    val = users.get("Val")
    assert val is not None and val.roles == {D: "viewer", OTHER: "viewer"}
    assert hashing.verify(val.password_hash, PASSWORD)
    assert page.new_password.value == ""  # the typed password does not stay on the page
    assert "Val" in page.people.value and "viewer for" in page.people.value
    page.person.value = "Val"
    page.password.value = "another long enough password"
    page.set_password()
    assert hashing.verify(users.get("Val").password_hash, "another long enough password")
    page.disable()
    assert users.get("Val").disabled and users.access("Val") is None
    assert "disabled" in page.people.value
    page.enable()
    assert not users.get("Val").disabled
    changes = [(c.name, c.change, c.changed_by) for c in users.history("Val")]
    assert changes == [("Val", "added", "Ana"), ("Val", "granted", "Ana"),
                       ("Val", "granted", "Ana"), ("Val", "password", "Ana"),
                       ("Val", "disabled", "Ana"), ("Val", "enabled", "Ana")]
    assert page.history.value.count("by Ana") == len(changes)


@pytest.mark.parametrize(("fill", "message"), [
    ({"new_name": "Ana"}, "already a user 'Ana'"),
    ({"new_name": "Tom", "new_role": "team", "new_orgs": ""}, "needs at least one --org"),
    ({"new_name": "Tom", "new_orgs": "bad id!"}, "is not an id"),
    ({"new_name": "Tom", "new_password": "short"}, "password"),
    ({"new_name": "Tom", "new_password": ""}, "Give the person a password"),
])
def test_the_admin_page_refuses_a_bad_person_and_changes_nothing(store, fill, message):
    users = Users(store.engine)
    users.add("Ana", role="admin", orgs=[], password=PASSWORD, by="setup")
    page = _admin_page(store)
    page.new_orgs.value, page.new_password.value = D, PASSWORD
    for field, value in fill.items():
        getattr(page, field).value = value
    before = users.history()
    page.add()
    said = html.unescape(page.messages.current)
    assert message in said and "Nothing was changed" in said
    assert users.history() == before and [u.name for u in users.all()] == ["Ana"]
    page.person.value = "Ana"
    page.disable()  # an admin cannot lock themselves out
    assert "cannot disable yourself" in page.messages.current and not users.get("Ana").disabled


def test_the_admin_page_is_refused_in_the_kernel_to_anyone_but_an_admin(store):
    from workbook.apps.admin import AdminApp
    from workbook.apps.roles import AccessRefused

    users = Users(store.engine)
    users.add("Ana", role="admin", orgs=[], password=PASSWORD, by="setup")
    users.add("Tess", role="team", orgs=[D], password=PASSWORD, by="setup")
    with pytest.raises(AccessRefused, match="Only an admin"):
        AdminApp(store, users.access("Tess"))
    with pytest.raises(AccessRefused, match="workbook users"):
        AdminApp(store, Access.single_user())  # no one to record a change under
    # a page left open after its admin lost the role changes nothing
    page = _admin_page(store)
    users.grant("Ana", role="viewer", orgs=[D], by="setup")
    users.revoke("Ana", orgs=["*"], by="setup")
    page.new_name.value, page.new_orgs.value, page.new_password.value = "Tom", D, PASSWORD
    page.add()
    assert "no longer an admin" in page.messages.current and users.get("Tom") is None
