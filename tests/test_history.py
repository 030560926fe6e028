"""Nothing lost: every save keeps the version before it, deletes are tombstones, restores are
versioned saves, and the plan as it stood at any earlier moment can be read back, on SQLite
and on a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from freshdb import fresh_database, upgrade_to
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import workbook.store
from workbook.direction.model import Goal, Measure
from workbook.errors import WorkbookError
from workbook.plan.model import Action, Milestone, Strategy
from workbook.records.base import Record
from workbook.records.document import KINDS, PlanDocument, removal
from workbook.store import ConflictError, Store
from workbook.store.history import HISTORY, MIGRATION_TXN

BACKENDS = ["sqlite", "postgres"]
#: the newest migration (a store is always upgraded to it)
HEAD = max(p.name[:4] for p in (Path(workbook.store.__file__).parent / "migrations"
                                / "versions").glob("0*.py"))


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        s = Store(url)
        yield s
        s.engine.dispose()


def _snapshot(doc: PlanDocument) -> dict[str, tuple[str, dict, int]]:
    return {r.id: (r.kind, r.content(mode="json"), r.version) for r in doc.all()}


def _rows(store: Store, record_id: str) -> list:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(HISTORY).where(HISTORY.c.record_id == record_id)
                            .order_by(HISTORY.c.seq)).all()


# history -----------------------------------------------------------------------------------
def test_every_save_keeps_the_version_before_it(store):
    g = store.save(Goal(org_id="d", title="Every student reads"), user="ana")
    g2 = store.save(g.model_copy(update={"title": "Every student reads well"}), user="bo",
                    reason="sharper")
    rows = _rows(store, g.id)
    assert [(r.version, r.change, r.changed_by, r.reason) for r in rows] == [
        (1, "created", "ana", None), (2, "updated", "bo", "sharper")]
    assert rows[0].data["title"] == "Every student reads"
    changes = store.history("d", record_id=g.id)
    assert changes[1].diff == [("title", "Every student reads", "Every student reads well")]
    assert changes[0].first and not changes[1].first
    assert store.version(g.id, 1).title == "Every student reads"
    assert store.version(g.id, 2) == g2


def test_save_mine_over_theirs_keeps_theirs(store):
    g = store.save(Goal(org_id="d", title="start"), user="ana")
    store.save(g.model_copy(update={"title": "theirs"}), user="bo")
    with pytest.raises(ConflictError) as err:
        store.save(g.model_copy(update={"title": "mine"}), user="cy")
    # the app's "save mine over theirs" saves at the version it was shown
    store.save(g.model_copy(update={"title": "mine", "version": err.value.theirs.version}),
               user="cy")
    assert [c.data["title"] for c in store.history("d")] == ["start", "theirs", "mine"]
    assert store.restore_version(g.id, 2, user="bo").title == "theirs"


def test_a_failed_save_writes_no_history(store):
    g = store.save(Goal(org_id="d", title="kept"), user="ana")
    store.save(g.model_copy(update={"title": "newer"}), user="bo")
    fresh = Goal(org_id="d", title="would be added")
    with pytest.raises(ConflictError):
        store.save_all([fresh, g.model_copy(update={"title": "lost?"})], user="cy")
    assert _rows(store, fresh.id) == []
    assert len(store.history("d")) == 2


def test_deletes_are_tombstones_and_come_back_with_their_parts_and_links(store):
    g = store.save(Goal(org_id="d", title="Reading"), user="ana")
    m = store.save(Measure(org_id="d", parent=g.id, indicator="ELA DFS"), user="ana")
    s = store.save(Strategy(org_id="d", title="Tutoring", goal=g.id), user="ana")
    doc = store.document("d")
    gone = removal(doc, doc.get(g.id))
    store.save_all(gone.unlink, user="bo", delete=gone.delete, reason="merged goals")
    assert store.get(g.id) is None and store.get(m.id) is None
    assert store.get(s.id).goal == ""
    [deletion] = store.deleted("d")
    assert deletion.ids() == [g.id, m.id] and deletion.by == "bo"
    assert deletion.reason == "merged goals"
    tomb = _rows(store, g.id)[-1]
    assert (tomb.change, tomb.version, tomb.data["title"]) == ("deleted", 1, "Reading")

    back = store.restore_deleted("d", user="cy", record_id=g.id, reason="we need it")
    assert [(r.id, r.version) for r in back] == [(g.id, 2), (m.id, 2), (s.id, 3)]
    assert store.get(g.id).title == "Reading" and store.get(m.id).parent == g.id
    assert store.get(s.id).goal == g.id  # linked again: nobody changed it since
    assert [r.kind for r in store.list("d")] == ["goal", "measure", "strategy"]  # old order
    assert store.deleted("d") == []
    assert {c.change for c in store.history("d") if c.at >= deletion.at} >= {
        "deleted", "restored"}
    # the restore is itself a change: undo it by deleting again, and restore that
    again = store.document("d")
    store.delete(again.get(m.id), user="cy")
    assert store.restore_deleted("d", user="cy")[0].id == m.id


def test_a_part_cannot_come_back_without_its_whole(store):
    g = store.save(Goal(org_id="d", title="Reading"), user="ana")
    m = store.save(Measure(org_id="d", parent=g.id, indicator="ELA"), user="ana")
    store.delete(m, user="ana")
    store.delete(store.get(g.id), user="bo")
    with pytest.raises(WorkbookError, match=f"part of goal 'Reading' \\({g.id}\\).*restore "
                       "that first"):
        store.restore_deleted("d", user="cy", record_id=m.id)
    assert store.get(m.id) is None  # nothing written
    restored = store.restore_deleted("d", user="cy")  # both at once is fine
    assert {r.id for r in restored} == {g.id, m.id}


def test_a_reference_to_a_deleted_record_is_cleared_on_restore(store):
    g = store.save(Goal(org_id="d", title="Reading"), user="ana")
    s = store.save(Strategy(org_id="d", title="Tutoring", goal=g.id), user="ana")
    store.delete(s, user="ana")  # the strategy alone, still pointing at the goal
    doc = store.document("d")
    store.save_all([], user="bo", delete=removal(doc, doc.get(g.id)).delete)
    [back] = store.restore_deleted("d", user="cy", record_id=s.id)
    assert back.goal == "" and store.get(s.id).goal == ""


def test_restore_a_version_and_undo_it(store):
    g = store.save(Goal(org_id="d", title="v1"), user="ana")
    g = store.save(g.model_copy(update={"title": "v2"}), user="bo")
    back = store.restore_version(g.id, 1, user="cy", reason="v2 was wrong")
    assert (back.title, back.version) == ("v1", 3)
    last = store.history("d")[-1]
    assert (last.change, last.by, last.reason, last.diff) == (
        "restored", "cy", "v2 was wrong", [("title", "v2", "v1")])
    assert store.restore_version(g.id, 2, user="cy").title == "v2"  # undone
    with pytest.raises(WorkbookError, match="has no version 9; its versions are 1, 2, 3, 4"):
        store.restore_version(g.id, 9, user="cy")
    with pytest.raises(WorkbookError, match="is its current version"):
        store.restore_version(g.id, 4, user="cy")


def test_restoring_onto_a_record_changed_since_is_a_conflict(store):
    g = store.save(Goal(org_id="d", title="v1"), user="ana")
    seen = store.save(g.model_copy(update={"title": "v2"}), user="ana")
    store.save(seen.model_copy(update={"title": "v3 by bo"}), user="bo")
    with pytest.raises(ConflictError, match="changed by bo"):
        store.restore_version(g.id, 1, user="ana", current=seen.version)
    assert store.get(g.id).title == "v3 by bo" and len(_rows(store, g.id)) == 3


def test_a_deleted_record_is_restored_before_its_versions(store):
    g = store.save(Goal(org_id="d", title="v1"), user="ana")
    store.delete(g, user="ana")
    with pytest.raises(WorkbookError, match=f"is deleted; bring it back first with --deleted "
                       f"--record {g.id}"):
        store.restore_version(g.id, 1, user="cy")


def test_an_id_that_comes_again_continues_its_versions(store):
    g = store.save(Goal(org_id="d", title="v1"), user="ana")
    store.delete(g, user="ana")
    again = store.save(Goal(id=g.id, org_id="d", title="again"), user="bo")
    assert again.version == 2 and store.get(g.id).version == 2
    assert [c.change for c in store.history("d")] == ["created", "deleted", "created"]


def test_the_plan_as_it_stood(store):
    g = store.save(Goal(org_id="d", title="v1"), user="ana")
    t1 = dt.datetime.now(dt.UTC)
    store.save(g.model_copy(update={"title": "v2"}), user="ana")
    store.save(Goal(org_id="d", title="other"), user="ana")
    t2 = dt.datetime.now(dt.UTC)
    store.delete(store.get(g.id), user="ana")
    assert [r.title for r in store.as_of("d", t1).all()] == ["v1"]
    assert [r.title for r in store.as_of("d", t2).all()] == ["v2", "other"]
    assert _snapshot(store.as_of("d", dt.datetime.now(dt.UTC))) == _snapshot(
        store.document("d"))
    assert store.as_of("d", t1 - dt.timedelta(days=1)).all() == []
    naive = t1.replace(tzinfo=None)  # a naive time is UTC
    assert [r.title for r in store.as_of("d", naive).all()] == ["v1"]


# migrations --------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_0002_upgrades_a_store_without_loss(backend, tmp_path):
    with fresh_database(backend, tmp_path) as url:
        upgrade_to(url, "0001")  # a store as it was before history
        old = Store(url, upgrade=False)
        old._keep_history = False  # there is no history table yet
        g = old.save(Goal(org_id="d", title="v1"), user="ana")
        g = old.save(g.model_copy(update={"title": "v2"}), user="bo")
        m = old.save(Measure(org_id="d", parent=g.id, indicator="ELA", targets={1: 3}),
                     user="ana")
        gone = old.save(Goal(org_id="e", title="deleted before history"), user="ana")
        old.delete(gone, user="ana")
        before = {r.id: r for r in old.list()}
        old.engine.dispose()

        store = Store(url)  # upgrades to 0002
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() \
                == HEAD
        assert {r.id: r for r in store.list()} == before
        changes = store.history("d")
        assert [(c.record_id, c.version, c.change, c.by, c.txn) for c in changes] == [
            (g.id, 2, "updated", "bo", MIGRATION_TXN), (m.id, 1, "created", "ana",
                                                        MIGRATION_TXN)]
        assert changes[0].first and changes[0].data["title"] == "v2"
        assert _snapshot(store.as_of("d", dt.datetime.now(dt.UTC))) == _snapshot(
            store.document("d"))
        # and history works from here on
        g3 = store.save(store.get(g.id).model_copy(update={"title": "v3"}), user="cy")
        assert g3.version == 3
        assert store.restore_version(g.id, 2, user="cy").title == "v2"
        with pytest.raises(WorkbookError, match="no version 1; its versions are 2, 3, 4"):
            store.restore_version(g.id, 1, user="cy")
        doc = store.document("d")
        store.save_all([], user="cy", delete=removal(doc, doc.get(g.id)).delete)
        assert [r.id for r in store.restore_deleted("d", user="cy")] == [g.id, m.id]
        store.engine.dispose()


class _LockedAtFirst:
    """An sqlite3 cursor whose first `n` statements fail as a racing opener's would."""

    def __init__(self, cur, n: int, message: str = "database is locked"):
        self.cur, self.n, self.message, self.seen = cur, n, message, []

    def execute(self, sql):
        self.seen.append(sql)
        if self.n:
            self.n -= 1
            raise sqlite3.OperationalError(self.message)
        return self.cur.execute(sql)


def test_switching_to_wal_retries_while_another_opener_holds_the_file(tmp_path):
    conn = sqlite3.connect(tmp_path / "x.db")
    cur = _LockedAtFirst(conn.cursor(), 3)
    workbook.store._use_wal(cur)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert cur.seen.count("PRAGMA journal_mode=WAL") == 1  # three failed asks, then switch
    # a file already in WAL mode is asked, not switched again
    again = _LockedAtFirst(conn.cursor(), 0)
    workbook.store._use_wal(again)
    assert again.seen == ["PRAGMA journal_mode"]
    # any other error is not waited out
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        workbook.store._use_wal(_LockedAtFirst(conn.cursor(), 1, "disk I/O error"))
    conn.close()


def _open_and_save(url: str, barrier, n: int) -> None:
    barrier.wait()
    store = Store(url)
    store.save(Goal(org_id="d", title=f"from process {n}"), user=f"p{n}")
    store.engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_six_processes_open_a_fresh_database_at_once(backend, tmp_path):
    ctx = multiprocessing.get_context("spawn")
    with fresh_database(backend, tmp_path) as url:
        barrier = ctx.Barrier(6)
        procs = [ctx.Process(target=_open_and_save, args=(url, barrier, n)) for n in range(6)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        assert [p.exitcode for p in procs] == [0] * 6
        store = Store(url)
        assert len(store.list("d")) == 6 and len(store.history("d")) == 6
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).all() \
                == [(HEAD,)]
        store.engine.dispose()


# the property: any sequence of edits, deletes and restores ------------------------------
@pytest.fixture(scope="module", params=BACKENDS)
def shared_store(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp("prop")) as url:
        s = Store(url)
        yield s
        s.engine.dispose()


class Model:
    """What the plan should hold, kept apart from the store: each record's content and
    version, every saved version, and the deletes with what they unlinked. Ids are random,
    so every choice goes by the order records came in (hypothesis can then replay it)."""

    PARENT_KINDS = {"goal": (), "measure": ("goal", "strategy"), "strategy": ("goal",),
                    "milestone": ("strategy",), "action": ("milestone",)}

    def __init__(self, org: str):
        self.org = org
        self.live: dict[str, tuple[str, dict, int]] = {}
        self.saved: dict[str, dict[int, dict]] = {}
        self.dead: dict[str, tuple[str, dict, int, int]] = {}  # + the delete's number
        self.deletes: list[dict] = []  # {"ids": [...], "unlinked": {id: (before, version)}}

    def record(self, rid: str) -> Record:
        kind, content, version = self.live[rid]
        return KINDS[kind].model_validate({**content, "id": rid, "org_id": self.org,
                                           "version": version})

    def put(self, rid: str, kind: str, content: dict, version: int) -> None:
        self.live[rid] = (kind, content, version)
        self.saved.setdefault(rid, {})[version] = content

    def last_version(self, rid: str) -> int:
        return max(self.saved[rid])

    def link(self, kind: str) -> str | None:
        return KINDS[kind].parent_field


def _title(draw_data) -> str:
    return draw_data.draw(st.text("abcxyz ", min_size=1, max_size=8).map(str.strip)
                          .filter(bool), label="title")


def _create(store: Store, m: Model, data) -> None:
    kinds = [k for k, parents in Model.PARENT_KINDS.items()
             if not parents or any(v[0] in parents for v in m.live.values())]
    kind = data.draw(st.sampled_from(kinds), label="kind")
    parents = [i for i, v in m.live.items() if v[0] in Model.PARENT_KINDS[kind]]
    title = _title(data)
    new: Record
    if kind == "goal":
        new = Goal(org_id=m.org, title=title)
    elif kind == "measure":
        new = Measure(org_id=m.org, parent=data.draw(st.sampled_from(parents)),
                      indicator=title)
    elif kind == "strategy":
        new = Strategy(org_id=m.org, title=title,
                       goal=data.draw(st.sampled_from(["", *parents])))
    elif kind == "milestone":
        new = Milestone(org_id=m.org, strategy=data.draw(st.sampled_from(parents)),
                        title=title)
    else:
        new = Action(org_id=m.org, milestone=data.draw(st.sampled_from(parents)), title=title)
    saved = store.save(new, user="ana")
    m.put(saved.id, kind, new.content(mode="json"), saved.version)


def _update(store: Store, m: Model, data) -> None:
    rid = data.draw(st.sampled_from(list(m.live)), label="update")
    rec = m.record(rid)
    name = "indicator" if rec.kind == "measure" else "title"
    changed = rec.model_copy(update={name: _title(data)})
    saved = store.save(changed, user="bo", reason="edit")
    m.put(rid, rec.kind, changed.content(mode="json"), saved.version)


def _delete(store: Store, m: Model, data) -> None:
    rid = data.draw(st.sampled_from(list(m.live)), label="delete")
    doc = store.document(m.org)
    gone = removal(doc, doc.get(rid))
    store.save_all(gone.unlink, user="cy", delete=gone.delete)
    entry: dict = {"ids": [r.id for r in gone.delete], "unlinked": {}}
    for u in gone.unlink:
        before = m.live[u.id][1]
        m.put(u.id, u.kind, u.content(mode="json"), m.live[u.id][2] + 1)
        entry["unlinked"][u.id] = (before, m.live[u.id][2])
    for r in gone.delete:
        kind, content, version = m.live.pop(r.id)
        m.dead[r.id] = (kind, content, version, len(m.deletes))
    m.deletes.append(entry)


def _restorable(m: Model) -> list[str]:
    """Deleted records whose whole (the record they are part of) is not deleted."""
    out = []
    for rid, (kind, content, _v, _n) in m.dead.items():
        link = m.link(kind)
        parent = content.get(link) if link else None
        part_of = link and (kind, link) not in {("strategy", "goal")}
        if not (part_of and parent in m.dead):
            out.append(rid)
    return out


def _restore_deleted(store: Store, m: Model, data, rid: str | None) -> None:
    if rid is None:
        chosen = list(m.dead)
        groups = sorted({m.dead[r][3] for r in chosen})
    else:
        group = m.dead[rid][3]
        ids = [i for i in m.deletes[group]["ids"] if i in m.dead]
        keep = {rid}
        grew = True
        while grew:
            grew = False
            for i in ids:
                kind, content = m.dead[i][0], m.dead[i][1]
                link = m.link(kind)
                if i not in keep and link and content.get(link) in keep:
                    keep.add(i)
                    grew = True
        chosen = [i for i in ids if i in keep]
        groups = [group]
    store.restore_deleted(m.org, user="dee", record_id=rid)
    for i in chosen:
        kind, content, _v, _n = m.dead.pop(i)
        content = dict(content)
        if kind == "strategy" and content["goal"] in m.dead and content["goal"] not in chosen:
            content["goal"] = ""
        m.put(i, kind, content, m.last_version(i) + 1)
    for group in groups:
        for uid, (before, version) in m.deletes[group]["unlinked"].items():
            if uid in chosen or uid not in m.live or m.live[uid][2] != version:
                continue
            kind, now, _v = m.live[uid]
            link = m.link(kind)
            assert link is not None
            if before.get(link) in chosen and not now.get(link):
                m.put(uid, kind, {**now, link: before[link]}, version + 1)
                event("linked again")


def _restore_version(store: Store, m: Model, data) -> None:
    rid = data.draw(st.sampled_from([i for i in m.live if len(m.saved[i]) > 1]),
                    label="restore version")
    kind, _c, current = m.live[rid]
    version = data.draw(st.sampled_from(sorted(v for v in m.saved[rid] if v != current)))
    back = store.restore_version(rid, version, user="ed")
    content = dict(m.saved[rid][version])
    if kind == "strategy" and content["goal"] in m.dead:
        content["goal"] = ""
    m.put(rid, kind, content, current + 1)
    assert back.version == current + 1


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_any_sequence_of_edits_can_be_read_as_of_any_moment(shared_store, data):
    store, m = shared_store, Model(uuid.uuid4().hex[:12])
    moments: list[tuple[dt.datetime, dict]] = [(dt.datetime.now(dt.UTC), {})]
    for _ in range(data.draw(st.integers(4, 16), label="steps")):
        ops = ["create"]
        if m.live:
            ops += ["update", "delete"]
        if _restorable(m):
            ops += ["restore deleted"]
        if any(len(m.saved[i]) > 1 for i in m.live):
            ops += ["restore version"]
        op = data.draw(st.sampled_from(ops), label="op")
        event(op)
        if op == "create":
            _create(store, m, data)
        elif op == "update":
            _update(store, m, data)
        elif op == "delete":
            _delete(store, m, data)
        elif op == "restore deleted":
            rid = data.draw(st.sampled_from(_restorable(m)), label="restore")
            _restore_deleted(store, m, data, rid)
        else:
            _restore_version(store, m, data)
        assert _snapshot(store.document(m.org)) == m.live
        moments.append((dt.datetime.now(dt.UTC), dict(m.live)))
        for when, then in moments:
            assert _snapshot(store.as_of(m.org, when)) == then, (op, when)
    # every deleted record can be brought back, as it was when deleted
    dead = dict(m.dead)
    if dead:
        _restore_deleted(store, m, data, None)
        assert not store.deleted(m.org)
        assert _snapshot(store.document(m.org)) == m.live
        for rid, (_kind, content, _v, _n) in dead.items():
            assert store.get(rid).content(mode="json") == content


# the command -------------------------------------------------------------------------------
def _cli(*args: str, database: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbook.cli", *args, "--database",
                           database], capture_output=True, text=True, timeout=120)


def test_history_restore_and_as_of_from_the_command_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store(url)
    g = store.save(Goal(org_id="d1", title="Reading"), user="ana")
    m = store.save(Measure(org_id="d1", parent=g.id, indicator="ELA"), user="ana")
    g = store.save(g.model_copy(update={"title": "Reading well"}), user="bo", reason="clearer")
    then = dt.datetime.now(dt.UTC)
    doc = store.document("d1")
    store.save_all([], user="cy", delete=removal(doc, doc.get(g.id)).delete)

    out = _cli("plan", "history", "d1", database=url)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "  bo  " in line)
    assert lines[at].endswith(f"bo  updated goal 'Reading well' ({g.id}), now version 2; "
                              "reason: clearer")
    assert lines[at + 1] == '    title: "Reading" -> "Reading well"'
    assert lines[at + 2].endswith(f"cy  deleted goal 'Reading well' ({g.id}) at version 2")
    assert lines[at + 3].endswith(f"cy  deleted measure 'ELA' ({m.id}) at version 1")
    only = _cli("plan", "history", "d1", "--record", m.id, database=url).stdout
    assert "goal" not in only and only.count(f"({m.id})") == 2

    as_of = tmp_path / "then.yaml"
    out = _cli("plan", "as-of", "d1", then.isoformat(), "-o", str(as_of), database=url)
    assert out.returncode == 0, out.stderr
    plan = yaml.safe_load(as_of.read_text())
    assert [x["title"] for x in plan["goals"]] == ["Reading well"]
    assert [x["id"] for x in plan["measures"]] == [m.id]

    out = _cli("plan", "restore", "d1", "--deleted", "--record", g.id, "--user", "dee",
               database=url)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f"restored goal 'Reading well' ({g.id}), now version 3",
                                       f"restored measure 'ELA' ({m.id}), now version 2"]
    out = _cli("plan", "restore", "d1", "--record", g.id, "--version", "1", "--user", "dee",
               "--reason", "first was right", database=url)
    assert out.returncode == 0, out.stderr
    assert store.get(g.id).title == "Reading" and store.get(g.id).version == 4
    assert store.history("d1")[-1].reason == "first was right"


@pytest.mark.parametrize(("args", "code", "message"), [
    (["plan", "history", "nowhere"], 1, "error: no plan history for 'nowhere'; districts in "
     "the store: d1"),
    (["plan", "history", "d1", "--record", "nope"], 1,
     "error: no record 'nope' in the history of 'd1'"),
    (["plan", "history", "d1", "--since", "last week"], 2, "error: --since: 'last week' is "
     "not a date (YYYY-MM-DD)"),
    (["plan", "as-of", "d1", "2001-01-01", "-o", "x.yaml"], 1, "error: d1's plan held no "
     "records at 2001-01-01 23:59:59 UTC; its history begins"),
    (["plan", "as-of", "d1", "31/12/2024", "-o", "x.yaml"], 2, "error: DATE: '31/12/2024' "
     "is not a date"),
    (["plan", "restore", "d1"], 2, "error: give either --record ID --version N, or --deleted"),
    (["plan", "restore", "d1", "--version", "1"], 2, "error: --version needs --record ID"),
    (["plan", "restore", "d1", "--record", "g1", "--version", "1", "--since", "2024-01-01"],
     2, "error: --since goes with --deleted"),
    (["plan", "restore", "d1", "--record", "g1", "--version", "7"], 1,
     "error: record 'g1' has no version 7; its versions are 1"),
    (["plan", "restore", "d1", "--record", "zz", "--version", "1"], 1,
     "error: no record 'zz' in the history of 'd1'"),
    (["plan", "restore", "d1", "--deleted"], 1, "error: nothing of 'd1' is deleted; nothing "
     "to restore"),
    (["plan", "restore", "d1", "--deleted", "--record", "g1"], 1,
     "error: goal 'Reading' (g1) is not deleted (version 1, created by ana)"),
])
def test_bad_input_is_one_line_and_no_traceback(tmp_path, args, code, message):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    Store(url).save(Goal(id="g1", org_id="d1", title="Reading"), user="ana")
    out = subprocess.run([sys.executable, "-m", "workbook.cli", *args, "--database", url],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == code, out.stderr
    assert out.stderr.startswith(message), out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_migration_0005_repairs_numbers_no_record_may_hold(tmp_path):
    """A target of .inf that SQLite accepted before the bounds made the whole plan unreadable;
    the migration removes it as a new version saying why, and the plan reads again."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade_to(url, "0004")
    old = Store(url, upgrade=False)
    g = old.save(Goal(org_id="d", title="Reading"), user="ana")
    m = old.save(Measure(org_id="d", parent=g.id, indicator="ELA", baseline=40,
                         targets={1: 45, 2: 50}), user="ana")
    with old.engine.begin() as conn:  # as the unbounded release stored it
        data = {**m.model_dump(mode="json", include={"parent", "indicator", "student_group",
                                                     "higher_is_better"}),
                "baseline": float("inf"), "targets": {"1": float("inf"), "2": 50.0}}
        conn.execute(sa.text("UPDATE records SET data = :d WHERE id = :i"),
                     {"d": json.dumps(data), "i": m.id})
        conn.execute(sa.text("UPDATE record_history SET data = :d WHERE record_id = :i"),
                     {"d": json.dumps(data), "i": m.id})
    with pytest.raises(ValidationError):
        old.document("d")
    old.engine.dispose()

    store = Store(url)  # upgrades to the newest
    fixed = store.document("d").get(m.id)
    assert fixed.baseline is None and fixed.targets == {2: 50.0} and fixed.version == 2
    [change] = [c for c in store.history("d", record_id=m.id) if c.version == 2]
    assert change.by == "migration 0005"
    assert "baseline was inf" in change.reason and "targets.1 was inf" in change.reason
    assert store.document("d").get(g.id).title == "Reading"  # the rest untouched
    assert store.as_of("d", dt.datetime.now(dt.UTC)).get(m.id).targets == {2: 50.0}
