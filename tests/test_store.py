"""The store on SQLite and on a real PostgreSQL server: saves, conflicts, transactions."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from freshdb import fresh_postgres

import workbook.store
from workbook.direction.model import Goal, Measure
from workbook.errors import WorkbookError
from workbook.plan.model import Strategy
from workbook.store import RECORDS, ConflictError, Store


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield Store(f"sqlite:///{tmp_path / 'store.db'}")
        return
    with fresh_postgres() as url:  # a database of its own: tests may run side by side
        s = Store(url)
        yield s
        s.engine.dispose()


def test_migrations_create_the_schema(store):
    with store.engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    versions = Path(workbook.store.__file__).parent / "migrations" / "versions"
    assert version == max(f.name[:4] for f in versions.glob("0*.py"))  # the newest
    Store(store.url)  # upgrading an up-to-date database changes nothing
    if store.url.startswith("sqlite"):
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_save_and_read_back(store):
    goal = store.save(Goal(org_id="27661590000000", title="Every student reads"), user="ana")
    assert goal.version == 1 and goal.updated_by == "ana"
    m = store.save(Measure(org_id=goal.org_id, parent=goal.id, indicator="ELA DFS",
                           baseline=-45.2, targets={1: -35, 2: -25}), user="ana")
    back = store.get(m.id)
    assert back == m
    assert back.targets == {1: -35.0, 2: -25.0}
    assert [r.kind for r in store.list(goal.org_id)] == ["goal", "measure"]
    assert store.orgs() == ["27661590000000"]


def test_practice_codes_are_indexed_for_network_queries(store):
    for org, code in [("a", "3b"), ("b", "3b"), ("c", "1a")]:
        store.save(Strategy(org_id=org, title="s", practice=code), user="u")
    assert sorted(r.org_id for r in store.list(practice="3b")) == ["a", "b"]


def test_stale_copy_is_a_conflict_and_writes_nothing(store):
    g = store.save(Goal(org_id="d", title="v1"), user="ana")
    mine, theirs = store.get(g.id), store.get(g.id)
    store.save(theirs.model_copy(update={"title": "theirs"}), user="bo")
    with pytest.raises(ConflictError) as err:
        store.save(mine.model_copy(update={"title": "mine"}), user="cy")
    assert "changed by bo" in str(err.value) and "nothing was saved" in str(err.value)
    assert err.value.theirs.title == "theirs" and err.value.mine.title == "mine"
    assert store.get(g.id).title == "theirs" and store.get(g.id).version == 2


def test_two_concurrent_writers_never_both_win(store):
    g = store.save(Goal(org_id="d", title="start"), user="ana")
    for round_ in range(10):
        base = store.get(g.id)
        barrier = threading.Barrier(2)
        outcome: dict[str, str] = {}

        def write(name: str, base=base, barrier=barrier, outcome=outcome,
                  round_=round_) -> None:
            barrier.wait()
            try:
                store.save(base.model_copy(update={"title": f"{name}-{round_}"}), user=name)
                outcome[name] = "saved"
            except ConflictError:
                outcome[name] = "conflict"

        threads = [threading.Thread(target=write, args=(n,)) for n in ("ana", "bo")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcome.values()) == ["conflict", "saved"], outcome
        winner = next(n for n, o in outcome.items() if o == "saved")
        now = store.get(g.id)
        assert now.title == f"{winner}-{round_}" and now.version == base.version + 1


def test_a_failure_mid_save_leaves_the_previous_state(store):
    g = store.save(Goal(org_id="d", title="kept"), user="ana")
    stale = store.get(g.id)
    store.save(stale.model_copy(update={"title": "newer"}), user="bo")
    fresh = Goal(org_id="d", title="would be added")
    with pytest.raises(ConflictError):
        store.save_all([fresh, stale.model_copy(update={"title": "lost?"})], user="cy")
    assert store.get(fresh.id) is None  # the first record of the failed batch is rolled back
    assert store.get(g.id).title == "newer"


def test_saving_needs_a_user(store):
    with pytest.raises(WorkbookError, match="every save needs the name of the person making it"):
        store.save(Goal(org_id="d", title="x"), user=" ")
    assert store.list("d") == []


def test_delete_checks_the_version(store):
    g = store.save(Goal(org_id="d", title="x"), user="ana")
    store.save(g.model_copy(update={"title": "y"}), user="bo")
    with pytest.raises(ConflictError):
        store.delete(g, user="ana")
    store.delete(store.get(g.id), user="ana")
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(RECORDS)).scalar() == 0


def test_records_saved_together_keep_their_order(store):
    goals = [Goal(org_id="d", title=f"g{i}", id=f"id{9 - i}") for i in range(10)]
    store.save_all(goals, user="ana")
    assert [g.title for g in store.list("d")] == [f"g{i}" for i in range(10)]


def test_every_change_leaves_its_row_in_the_history(store):
    g = store.save(Goal(org_id="d", title="x"), user="ana")
    g = store.save(g.model_copy(update={"title": "y"}), user="bo", reason="clearer")
    store.delete(g, user="cy", reason="duplicate")
    assert [(c.change, c.version, c.by, c.reason) for c in store.history("d")] == [
        ("created", 1, "ana", None), ("updated", 2, "bo", "clearer"),
        ("deleted", 2, "cy", "duplicate")]
