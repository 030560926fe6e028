"""Backups: the SQLite store through `workbook store backup/restore` (SQLite's online backup),
PostgreSQL through Debian's pg_dump and pg_restore, both round-tripping a whole plan with
its history."""

from __future__ import annotations

import datetime as dt
import glob
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from freshdb import fresh_postgres, upgrade_to
from pgserver import require

from workbook.direction.model import Goal
from workbook.exchange.yamlfile import read_yaml, to_yaml
from workbook.store import Store

PLAN = Path(__file__).parent / "fixtures" / "sample_plans" / "27102720000000.yaml"
WHEN = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def _cli(*args: str, database: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbook.cli", *args, "--database",
                           database], capture_output=True, text=True, timeout=120)


def _plan_into(store: Store) -> str:
    doc, _ = read_yaml(PLAN)
    store.save_all([r.model_copy(update={"version": 0}) for r in doc.all()], user="ana")
    return doc.org_id


def _same_plan(a: Store, b: Store, org: str) -> None:
    assert to_yaml(a.document(org), exported_at=WHEN) == to_yaml(b.document(org),
                                                                 exported_at=WHEN)
    assert a.history(org) == b.history(org)


def test_backup_and_restore_round_trip_a_plan(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store(url)
    org = _plan_into(store)
    goal = store.document(org).all()[1]
    store.save(goal.model_copy(update={"title": "edited before the backup"}), user="bo")

    out = _cli("store", "backup", str(tmp_path / "b.db"), database=url)
    assert out.returncode == 0, out.stderr
    records, rows = len(store.list()), len(store.history(org))
    assert out.stdout.startswith(f"backed up {records} records and {rows} history rows to ")
    # one self-contained file: no -wal beside it, not in WAL mode, no temporary left
    assert sorted(p.name for p in tmp_path.iterdir() if p.name[0] in ".b") == ["b.db"]
    with sqlite3.connect(tmp_path / "b.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"

    elsewhere = f"sqlite:///{tmp_path / 'new' / 'store.db'}"  # a store that is not there yet
    out = _cli("store", "restore", str(tmp_path / "b.db"), database=elsewhere)
    assert out.returncode == 0, out.stderr
    _same_plan(store, Store(elsewhere), org)


def test_restore_refuses_to_overwrite_newer_changes_unless_forced(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store(url)
    org = _plan_into(store)
    backed = store.document(org)
    assert _cli("store", "backup", str(tmp_path / "b.db"), database=url).returncode == 0
    late = store.save(Goal(org_id=org, title="saved after the backup"), user="cy")

    out = _cli("store", "restore", str(tmp_path / "b.db"), database=url)
    assert out.returncode == 1
    assert out.stderr.startswith(f"error: the store {tmp_path / 'store.db'} has changes newer "
                                 f"than the backup {tmp_path / 'b.db'}: the newest by cy at ")
    assert out.stderr.rstrip().endswith("nothing was restored. Add --force to replace them "
                                        "(the store is copied aside first)")
    assert len(out.stderr.strip().splitlines()) == 1
    assert store.get(late.id) is not None  # nothing changed

    out = _cli("store", "restore", str(tmp_path / "b.db"), "--force", database=url)
    assert out.returncode == 0, out.stderr
    assert store.get(late.id) is None
    assert to_yaml(store.document(org), exported_at=WHEN) == to_yaml(backed, exported_at=WHEN)
    [kept] = tmp_path.glob("store.db.before-restore-*")
    assert "the store as it was before is kept in" in out.stderr
    assert Store(f"sqlite:///{kept}").get(late.id).title == "saved after the backup"
    # restoring the same backup again is not a loss: no newer change, no --force needed
    assert _cli("store", "restore", str(tmp_path / "b.db"), database=url).returncode == 0


def test_a_backup_holds_what_was_committed_while_the_store_was_in_use(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store(url)
    kept = store.save(Goal(org_id="d", title="committed"), user="ana")
    with store.engine.connect() as conn:  # another writer, mid-transaction
        conn.execute(sa.text("BEGIN IMMEDIATE"))
        conn.execute(sa.text("UPDATE records SET updated_by = 'half-done'"))
        out = _cli("store", "backup", str(tmp_path / "b.db"), database=url)
        conn.rollback()
    assert out.returncode == 0, out.stderr
    back = Store(f"sqlite:///{tmp_path / 'b.db'}")
    assert back.get(kept.id) == kept


def test_a_backup_from_before_history_is_upgraded_on_restore(tmp_path):
    old_url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade_to(old_url, "0001")
    old = Store(old_url, upgrade=False)
    old._keep_history = False
    g = old.save(Goal(org_id="d", title="from 2023"), user="ana")
    old.engine.dispose()
    url = f"sqlite:///{tmp_path / 'store.db'}"
    out = _cli("store", "restore", str(tmp_path / "old.db"), database=url)
    assert out.returncode == 0, out.stderr
    store = Store(url)
    assert store.get(g.id) == g and [c.change for c in store.history("d")] == ["created"]


@pytest.mark.parametrize(("setup", "args", "message"), [
    (None, ["store", "backup", "b.db"], "error: no store at {tmp}/store.db; nothing to back "
     "up"),
    ("store", ["store", "backup", "store.db"], "error: store.db is the store itself; back it "
     "up to another file"),
    ("store", ["store", "restore", "missing.db"], "error: no backup file at missing.db"),
    ("store", ["store", "restore", "notes.txt"], "error: notes.txt is not a workbook store "
     "(file is not a database)"),
    ("store", ["store", "restore", "other.db"], "error: other.db is not a workbook store: it "
     "has no records table (tables: ['things'])"),
])
def test_bad_backup_input_is_one_line(tmp_path, setup, args, message):
    if setup:
        Store(f"sqlite:///{tmp_path / 'store.db'}").engine.dispose()
    (tmp_path / "notes.txt").write_text("not a database, " * 100)
    with sqlite3.connect(tmp_path / "other.db") as conn:
        conn.execute("CREATE TABLE things (x)")
    out = subprocess.run([sys.executable, "-m", "workbook.cli", *args, "--database",
                          f"sqlite:///{tmp_path / 'store.db'}"], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    assert out.stderr.strip() == message.format(tmp=tmp_path)


def test_postgres_stores_are_backed_up_with_pg_dump(tmp_path):
    out = _cli("store", "backup", str(tmp_path / "b.db"),
               database="postgresql+psycopg://someone:secret@db.example/plans")
    assert out.returncode == 1
    assert out.stderr.strip() == (
        "error: store backup and restore work on an SQLite store file, not "
        "postgresql+psycopg://someone:***@db.example/plans; back up PostgreSQL with pg_dump "
        "and pg_restore (README: Backups)")


def _pg_tool(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(Path(p).parts[-3]))
    return found[-1] if found else None


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def test_a_pg_dump_restores_into_a_fresh_database_with_the_plan(tmp_path):
    """The README's Backups commands, run for real against the test server."""
    pg_dump = require(_pg_tool("pg_dump"), "no pg_dump under /usr/lib/postgresql/*/bin: "
                      "run `sudo bash scripts/system-setup.sh`")
    pg_restore = require(_pg_tool("pg_restore"), "no pg_restore under "
                         "/usr/lib/postgresql/*/bin")
    dump = tmp_path / "workbook.dump"
    with fresh_postgres() as source_url:
        source = Store(source_url)
        org = _plan_into(source)
        doc = source.document(org)
        source.delete(doc.all()[-1], user="bo", reason="in the dump as a tombstone")
        subprocess.run([pg_dump, "--format=custom", f"--file={dump}", _libpq(source_url)],
                       check=True, capture_output=True, timeout=120)
        with fresh_postgres() as target_url:
            subprocess.run([pg_restore, "--no-owner", f"--dbname={_libpq(target_url)}",
                            str(dump)], check=True, capture_output=True, timeout=120)
            target = Store(target_url)
            _same_plan(source, target, org)
            # the restored database goes on: its history keeps numbering, restores work
            [back] = target.restore_deleted(org, user="cy")
            assert back.id == doc.all()[-1].id
            assert target.save(Goal(org_id=org, title="after the restore"), user="cy").version \
                == 1
            target.engine.dispose()
        source.engine.dispose()
