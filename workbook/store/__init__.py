"""The durable store: SQLite by default, PostgreSQL when WORKBOOK_DATABASE_URL says so.

Every save is one transaction and carries the version the editor started from; a stale
version raises ConflictError naming the record and who changed it, and writes nothing.
Every change also writes its row of `record_history` (store.history) in that transaction:
nothing saved over or deleted is lost, and any of it can be seen, restored, or read as the
plan stood on a date. The schema is created and upgraded by Alembic migrations
(store/migrations), under a lock so that processes opening a fresh database together
do not race; SQLite stores are backed up and restored with SQLite's online backup.

It is one module over ~400 lines because saving, history and restores share one
transaction discipline (`_write`, `_delete`, `_reinstate`), which splitting would expose.
"""

from __future__ import annotations

import builtins
import datetime as dt
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from workbook import paths
from workbook.errors import WorkbookError
from workbook.records.base import R, Record, check_user
from workbook.records.document import KINDS, PlanDocument
from workbook.store import history
from workbook.store.history import Change, Deletion

_META = sa.MetaData()
RECORDS = sa.Table(
    "records", _META,
    sa.Column("id", sa.String(32), primary_key=True),
    *history.record_columns(),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
)


#: Records of these kinds exist once per key and organisation: two people adding June's
#: update for the same action get a conflict, not two competing rows (migration 0004).
UNIQUE_KEYS: dict[str, Callable[[Any], str]] = {
    "status": lambda r: f"status:{r.action}:{r.date:%Y-%m}",
}


def unique_key(record: Record) -> str | None:
    """The key only one current record may hold (None: the kind has no such limit)."""
    rule = UNIQUE_KEYS.get(record.kind)
    return rule(record) if rule else None

#: the columns a record is read from (the key is the store's own: it follows from the data,
#: and code that reads a store not yet at migration 0004 still can)
_READ = [c for c in RECORDS.c if c.name != "unique_key"]


class ConflictError(WorkbookError):
    """Someone saved the record after this copy was read; nothing was written.

    With `key`, the record is new (or moved) and another record already holds its unique
    key (`theirs`: that month's status update for the same action, saved by someone else).
    """

    def __init__(self, mine: Record, theirs: Record | None, *, key: str | None = None):
        self.mine, self.theirs, self.key = mine, theirs, key
        if key is not None:
            if theirs is None:
                msg = (f"{mine.label()}: another record saved with it holds the same place "
                       f"({key}); nothing was saved")
            else:
                when = theirs.updated_at.isoformat(sep=" ") if theirs.updated_at else "?"
                msg = (f"{theirs.updated_by or 'someone'} already saved {_key_words(key)} at "
                       f"{when} (version {theirs.version}); nothing was saved. Open that "
                       "update and change it instead.")
        elif theirs is None:
            msg = f"{mine.label()} was deleted by someone else; nothing was saved"
        else:
            when = theirs.updated_at.isoformat(sep=" ") if theirs.updated_at else "?"
            msg = (f"{mine.label()} was changed by {theirs.updated_by or 'someone'} at {when} "
                   f"(version {theirs.version}) after you opened version {mine.version}; "
                   "nothing was saved. Reload, compare and save again.")
        super().__init__(msg)


def _key_words(key: str) -> str:
    """A unique key in words ("the update of action a1 for 2025-06")."""
    kind, _, rest = key.partition(":")
    if kind == "status" and rest.count(":") == 1:
        action, month = rest.split(":")
        return f"the {month} status update of this action ({action})"
    return f"the record {key}"


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, WORKBOOK_DATABASE_URL, or the embedded SQLite file."""
    return url or os.environ.get("WORKBOOK_DATABASE_URL") or paths.default_database_url()


#: How long (ms) an SQLite statement waits for another connection's lock.
BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: a fresh file may be busy
    _use_wal(cur)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _use_wal(cur: sqlite3.Cursor) -> None:
    """Put the file in WAL mode (readers never block the writer), once per file.

    WAL mode is kept in the file, so a connection asks first and only the first one
    switches. Switching needs the exclusive lock; when several processes open a fresh file
    at once SQLite answers "database is locked" at once, without waiting out the busy
    timeout (a wait could deadlock), so the switch is retried until MIGRATION_WAIT_MS.
    """
    deadline = time.monotonic() + MIGRATION_WAIT_MS / 1000
    pause = 0.01
    while True:
        try:
            mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() not in ("wal", "memory"):
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 0.5)


def make_engine(url: str | None = None) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


#: How long (ms) a process opening a fresh SQLite database waits for another making it.
MIGRATION_WAIT_MS = 120_000

#: pg_advisory_xact_lock key that serialises migrations ("workbook" in ASCII)
_MIGRATION_LOCK = 0x776F726B626F6F6B


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration.

    Several processes may open a fresh database at once (batch workers, app kernels): the
    upgrade runs under a lock (SQLite: BEGIN IMMEDIATE, the database's write lock;
    PostgreSQL: a transaction-scoped advisory lock), so one creates the schema and the
    others find it made. A database already at the newest revision takes no lock.
    """
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            # the others wait for the one making the schema, however slow a loaded machine
            # makes it, rather than fail after BUSY_TIMEOUT_MS
            conn.exec_driver_sql(f"PRAGMA busy_timeout={MIGRATION_WAIT_MS}")
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        elif engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                         {"key": _MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    """Records of every kind, for one database, with the history of every change."""

    def __init__(self, url: str | None = None, *, upgrade: bool = True):
        self.url = database_url(url)
        self.engine = make_engine(self.url)
        #: internal: False skips the history rows (benchmarks/history.py times the cost)
        self._keep_history = True
        if upgrade:
            migrate(self.engine)

    # reading -------------------------------------------------------------------------
    @staticmethod
    def _record(row) -> Record:
        model = KINDS[row.kind]
        return model.model_validate({**row.data, "id": row.id, "org_id": row.org_id,
                                     "version": row.version, "updated_by": row.updated_by,
                                     "updated_at": _aware(row.updated_at)})

    def get(self, record_id: str) -> Record | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*_READ).where(RECORDS.c.id == record_id)).first()
        return self._record(row) if row else None

    def list(self, org_id: str | None = None, kind: str | None = None,
             practice: str | None = None) -> list[Record]:
        q = sa.select(*_READ).order_by(RECORDS.c.created_at, RECORDS.c.id)
        if org_id is not None:
            q = q.where(RECORDS.c.org_id == org_id)
        if kind is not None:
            q = q.where(RECORDS.c.kind == kind)
        if practice is not None:
            q = q.where(RECORDS.c.practice == practice)
        with self.engine.connect() as conn:
            return [self._record(r) for r in conn.execute(q)]

    def document(self, org_id: str) -> PlanDocument:
        doc = PlanDocument(org_id)
        for r in self.list(org_id):
            doc.add(r)
        return doc

    def orgs(self) -> builtins.list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(RECORDS.c.org_id).distinct()
                                     .order_by(RECORDS.c.org_id)).scalars())

    # history -------------------------------------------------------------------------
    def history(self, org_id: str, *, record_id: str | None = None,
                since: dt.datetime | None = None) -> builtins.list[Change]:
        """Every change to an organisation's records (or to one), oldest first, each with
        who, when, why and a field-by-field diff."""
        with self.engine.connect() as conn:
            return history.changes(conn, org_id, record_id, since)

    def as_of(self, org_id: str, when: dt.datetime) -> PlanDocument:
        """The organisation's plan as it stood at `when` (UTC when naive)."""
        with self.engine.connect() as conn:
            return history.as_of(conn, org_id, when)

    def history_begins(self, org_id: str) -> dt.datetime | None:
        """The time of the organisation's oldest history row (None: it has none)."""
        with self.engine.connect() as conn:
            return history.first_change(conn, org_id)

    def deleted(self, org_id: str, *,
                since: dt.datetime | None = None) -> builtins.list[Deletion]:
        """The organisation's records deleted now, grouped by the delete that took them."""
        with self.engine.connect() as conn:
            return history.deleted(conn, org_id, since)

    def version(self, record_id: str, version: int) -> Record | None:
        """One saved version of a record, as it was saved (None: no such version)."""
        with self.engine.connect() as conn:
            row = history.version_row(conn, record_id, version)
        return history.record_of(row) if row is not None else None

    # writing -------------------------------------------------------------------------
    def save(self, record: R, *, user: str, reason: str | None = None) -> R:
        """Save one record; returns the saved copy (new version). Raises ConflictError."""
        return self.save_all([record], user=user, reason=reason)[0]

    def save_all(self, records: Sequence[R], *, user: str, delete: Iterable[Record] = (),
                 reason: str | None = None) -> builtins.list[R]:
        """Save records and delete others in one transaction: all of it happens, or none.

        Deleting checks the version like saving does, so a record someone changed since it
        was read is not deleted under them (ConflictError). A record never saved (version
        0) needs no deleting and is skipped. Every change is kept in the history, with
        `reason` when one is given; a deleted record can be restored from there.
        """
        user = check_user(user)
        saved: builtins.list[R] = []
        with self.engine.begin() as conn:
            for i, record in enumerate(records):
                saved.append(self._write(conn, record, user, order=i, reason=reason))
            for gone in delete:
                if gone.version != 0:
                    self._delete(conn, gone, user=user, reason=reason)
        return saved

    def _write(self, conn: Connection, record: R, user: str, order: int = 0, *,
               reason: str | None = None, change: str | None = None) -> R:
        stamp = history.txn(conn).stamp.replace(microsecond=0)
        data = record.content(mode="json")
        key = unique_key(record)
        values = dict(kind=record.kind, org_id=record.org_id, parent_id=record.parent_id,
                      practice=record.practice_code, data=data, updated_at=stamp,
                      updated_by=user)
        if key is not None:  # written only when there is one (older schemas have no column)
            values["unique_key"] = key
        if record.version == 0:
            stored = sa.select(RECORDS.c.version).where(RECORDS.c.id == record.id)
            if self._keep_history:  # an id deleted before comes back with its next version
                last = sa.func.coalesce(sa.func.max(history.HISTORY.c.version), 0)
                exists, version = conn.execute(
                    sa.select(stored.exists(), last + 1)
                    .where(history.HISTORY.c.record_id == record.id)).one()
            else:
                exists, version = conn.execute(sa.select(stored.exists())).scalar(), 1
            if exists:
                raise ConflictError(record, self._current(conn, record.id))
            # records saved together keep the order they were given in
            created = dt.datetime.now(dt.UTC) + dt.timedelta(microseconds=order)
            try:
                conn.execute(RECORDS.insert().values(id=record.id, version=version,
                                                     created_at=created, **values))
            except sa.exc.IntegrityError:
                raise self._clash(record, key) from None
            row = dict(values, id=record.id, version=version, created_at=created)
        else:
            version = record.version + 1
            try:
                written = conn.execute(
                    RECORDS.update()
                    .where(RECORDS.c.id == record.id, RECORDS.c.version == record.version)
                    .values(version=version, **values)
                    .returning(RECORDS.c.created_at)).first()
            except sa.exc.IntegrityError:  # moved onto a key another record holds
                raise self._clash(record, key) from None
            if written is None:
                raise ConflictError(record, self._current(conn, record.id))
            row = dict(values, id=record.id, version=version, created_at=written.created_at)
        if self._keep_history:
            history.write(conn, row, change or ("created" if record.version == 0 else "updated"),
                          user, reason)
        return record.model_copy(update={"version": version, "updated_by": user,
                                         "updated_at": stamp})

    def _current(self, conn: Connection, record_id: str) -> Record | None:
        row = conn.execute(sa.select(*_READ).where(RECORDS.c.id == record_id)).first()
        return self._record(row) if row else None

    def _clash(self, record: Record, key: str | None) -> ConflictError:
        """The conflict an insert or update refused by a unique constraint stands for: the
        id taken (someone saved it first), or the unique key held by another record."""
        with self.engine.connect() as other:  # the failed transaction cannot be read
            by_id = self._current(other, record.id)
            if record.version == 0 and by_id is not None:
                return ConflictError(record, by_id)
            if key is None:
                return ConflictError(record, by_id)
            row = other.execute(sa.select(*_READ).where(RECORDS.c.unique_key == key)).first()
        return ConflictError(record, self._record(row) if row else None, key=key)

    def _current_elsewhere(self, record_id: str) -> Record | None:
        """The record as committed, read outside a transaction a failed write spoiled."""
        with self.engine.connect() as other:
            return self._current(other, record_id)

    def _delete(self, conn: Connection, record: Record, *, user: str = "",
                reason: str | None = None) -> None:
        gone = conn.execute(RECORDS.delete().where(RECORDS.c.id == record.id,
                                                   RECORDS.c.version == record.version)
                            .returning(*_READ)
                            ).first()
        if gone is None:
            raise ConflictError(record, self._current(conn, record.id))
        if self._keep_history:  # the tombstone keeps the key the record held
            history.write(conn, {**gone._asdict(), "unique_key": unique_key(record)},
                          "deleted", user or gone.updated_by, reason)

    def delete(self, record: Record, *, user: str, reason: str | None = None) -> None:
        """Delete a record the caller has seen at its current version (kept in history)."""
        self.save_all([], user=user, delete=[record], reason=reason)

    def replace_org(self, org_id: str, records: Iterable[Record], *, user: str) -> int:
        """Replace everything stored for one organisation in one transaction (plan import)."""
        records = list(records)
        user = check_user(user)
        with self.engine.begin() as conn:
            for old in conn.execute(sa.select(*_READ).where(RECORDS.c.org_id == org_id)).all():
                self._delete(conn, self._record(old), user=user)
            for i, r in enumerate(records):
                self._write(conn, r.model_copy(update={"version": 0}), user, order=i)
        return len(records)

    # restoring -----------------------------------------------------------------------
    def restore_version(self, record_id: str, version: int, *, user: str,
                        reason: str | None = None, current: int | None = None) -> Record:
        """Make an earlier saved version of a record its newest, as a new version.

        `current` is the version the caller saw as the newest: if the record changed after
        that, ConflictError and nothing is written (by default, the newest at the time of
        the call). The restore is itself a change in the history ("restored"), so it can
        be undone the same way.
        """
        user = check_user(user)
        with self.engine.begin() as conn:
            row = history.version_row(conn, record_id, version)
            now = self._current(conn, record_id)
            if row is None:
                known = history.versions(conn, record_id)
                raise WorkbookError(
                    f"record {record_id!r} has no version {version}; " + (
                        f"its versions are {', '.join(map(str, known))}" if known else
                        "no record has that id"))
            old = history.record_of(row)
            if now is None:
                raise WorkbookError(
                    f"{old.label()} ({record_id}) is deleted; bring it back first with "
                    f"--deleted --record {record_id}, then restore a version")
            if now.version == version:
                raise WorkbookError(f"version {version} of {old.label()} ({record_id}) is "
                                    "its current version; nothing to restore")
            mine = old.model_copy(update={"version": now.version if current is None
                                          else current})
            if current is not None and current != now.version:
                raise ConflictError(mine, now)
            data = history.fix_links(conn, old.kind, record_id, old.content(mode="json"),
                                     set(), old.label())
            mine = mine.model_validate({**mine.model_dump(), **data})
            return self._write(conn, mine, user, reason=reason, change="restored")

    def restore_deleted(self, org_id: str, *, user: str, record_id: str | None = None,
                        since: dt.datetime | None = None,
                        reason: str | None = None) -> builtins.list[Record]:
        """Bring deleted records back as they were when deleted, in one transaction.

        With `record_id`, that record and its parts deleted with it (a goal and its
        measures); without, every record of the organisation deleted since `since` (or
        ever). Records the delete unlinked (a strategy from its goal) are linked again
        when nobody changed them since. Returns the records written, restored first.
        Raises WorkbookError when there is nothing to restore or a record would come back
        without the record it is part of; ConflictError when a record changed meanwhile.
        """
        user = check_user(user)
        with self.engine.begin() as conn:
            plan = history.plan_restore(conn, org_id, record_id, since)
            if not plan.records:
                when = f" since {since:%Y-%m-%d %H:%M}" if since else ""
                raise WorkbookError(f"nothing of {org_id!r} is deleted{when}; nothing to "
                                    "restore")
            out = [self._reinstate(conn, r, created, user, reason)
                   for r, created in plan.records]
            out += [self._write(conn, r, user, reason=reason, change="restored")
                    for r in plan.relink]
        return out

    def _reinstate(self, conn: Connection, record: R, created: dt.datetime, user: str,
                   reason: str | None) -> R:
        """Insert a deleted record again, with its old place in the plan (created_at)."""
        now = self._current(conn, record.id)
        if now is not None:
            raise ConflictError(record, now)
        version = history.last_version(conn, record.id) + 1
        stamp = history.txn(conn).stamp.replace(microsecond=0)
        row = dict(id=record.id, kind=record.kind, org_id=record.org_id,
                   parent_id=record.parent_id, practice=record.practice_code,
                   data=record.content(mode="json"), version=version,
                   created_at=history.utc(created), updated_at=stamp, updated_by=user,
                   unique_key=unique_key(record))
        try:
            conn.execute(RECORDS.insert().values(**row))
        except sa.exc.IntegrityError:
            raise self._clash(record, unique_key(record)) from None
        history.write(conn, row, "restored", user, reason)
        return record.model_copy(update={"version": version, "updated_by": user,
                                         "updated_at": stamp})


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)  # SQLite drops the zone; we always store UTC
    return value


@dataclass
class Conflict:
    """A record the file and the store disagree on in a way no import decides alone."""

    mine: Record | None  # the file's copy; None: not in the file (an import that prunes)
    theirs: Record | None  # the store's copy; None: deleted from the store since the export

    @property
    def record_id(self) -> str:
        return self.mine.id if self.mine else self.theirs.id if self.theirs else ""

    @property
    def elsewhere(self) -> bool:
        """The id belongs to another organisation's record: never overwritten."""
        return bool(self.mine and self.theirs and self.mine.org_id != self.theirs.org_id)

    def __str__(self) -> str:
        if self.theirs is None:
            label = self.mine.label() if self.mine else "?"
            return f"{label} was deleted from the store after the file was exported"
        who = self.theirs.updated_by or "someone"
        when = self.theirs.updated_at.isoformat(sep=" ") if self.theirs.updated_at else "?"
        if self.mine is None:
            return (f"{self.theirs.label()} is not in the file and was saved by {who} at "
                    f"{when}, after the file was exported")
        if self.elsewhere:
            return (f"{self.mine.label()}: its id {self.mine.id!r} is a record of "
                    f"{self.theirs.org_id!r} in the store, not of {self.mine.org_id!r}; give "
                    "it no id to add it as new")
        if self.mine.version == 0:
            return (f"{self.mine.label()} is new in the file, but the store already holds "
                    f"its id {self.mine.id!r}, saved by {who} at {when}")
        return (f"{self.mine.label()} was changed by {who} at {when} (version "
                f"{self.theirs.version}) after the file's version {self.mine.version}")


@dataclass
class Changes:
    """What an import did, or would do (`applied` False): the records, by what happens."""

    added: builtins.list[Record] = field(default_factory=list)
    updated: builtins.list[Record] = field(default_factory=list)
    unchanged: builtins.list[Record] = field(default_factory=list)
    deleted: builtins.list[Record] = field(default_factory=list)  # only when pruning
    kept: builtins.list[Record] = field(default_factory=list)  # stored, not in the file
    conflicts: builtins.list[Conflict] = field(default_factory=list)
    resolve: str | None = None  # whose copy wins the conflicts: "mine", "theirs" or nobody
    applied: bool = False

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "updated": len(self.updated),
                "unchanged": len(self.unchanged), "deleted": len(self.deleted),
                "kept": len(self.kept), "conflicts": len(self.conflicts)}

    @property
    def blocking(self) -> builtins.list[Conflict]:
        """Conflicts that stop the import: all of them unless resolved, and with "mine"
        those whose id is another organisation's."""
        return [c for c in self.conflicts if self.resolve is None
                or (self.resolve == "mine" and c.elsewhere)]


class ImportConflicts(WorkbookError):
    """The file and the store disagree on records; nothing was written."""

    def __init__(self, changes: Changes):
        self.changes = changes
        super().__init__("; ".join(str(c) for c in changes.blocking) + "; nothing was imported")


def apply_document(store: Store, doc: PlanDocument, *, user: str,
                   exported_at: dt.datetime | None, prune: bool = False,
                   dry_run: bool = False, resolve: str | None = None) -> Changes:
    """Bring the store's plan for `doc.org_id` in line with `doc`, in one transaction.

    Records new in the file are added and edited ones updated; stored records missing from
    the file are kept (`kept`) unless `prune`, so a partial file never deletes. Conflicts
    (a record changed or deleted in the store after the file's version, a new record whose
    id the store holds, and when pruning a record saved after the export that the file
    lacks) raise ImportConflicts and write nothing, unless `resolve` says whose copy wins:
    "mine" (the file's: overwrite, add back, delete) or "theirs" (the store's: skip).
    With `dry_run`, nothing is written: the result says what would happen. The store keeps
    whole seconds, so a record saved in the second of the export counts as saved after it.
    """
    if resolve not in (None, "mine", "theirs"):
        raise ValueError(f"resolve must be 'mine', 'theirs' or None, not {resolve!r}")
    user = check_user(user)
    changes = Changes(resolve=resolve)
    plan: builtins.list[tuple[str, Record]] = []  # (what to do, record) in the file's order
    with store.engine.begin() as conn:
        current = {r.id: Store._record(r) for r in conn.execute(
            sa.select(*_READ).where(RECORDS.c.org_id == doc.org_id))}
        others = [r.id for r in doc.all() if r.id not in current]
        elsewhere = {r.id: Store._record(r) for r in conn.execute(
            sa.select(*_READ).where(RECORDS.c.id.in_(others)))} if others else {}
        for record in doc.all():
            old = current.pop(record.id, None)
            if old is None and record.id in elsewhere:
                changes.conflicts.append(Conflict(record, elsewhere[record.id]))
            elif old is None and record.version != 0:
                changes.conflicts.append(Conflict(record, None))
                plan.append(("add", record))
            elif old is None:
                changes.added.append(record)
                plan.append(("add", record))
            elif old.version != record.version:
                changes.conflicts.append(Conflict(record, old))
                plan.append(("overwrite", record.model_copy(update={"version": old.version})))
            elif old.content() == record.content():
                changes.unchanged.append(record)
            else:
                changes.updated.append(record)
                plan.append(("update", record))
        for old in current.values():
            if not prune:
                changes.kept.append(old)
            elif exported_at is None or (old.updated_at and old.updated_at >= exported_at):
                changes.conflicts.append(Conflict(None, old))
                plan.append(("delete", old))
            else:
                changes.deleted.append(old)
                plan.append(("delete", old))
        if changes.blocking and not dry_run:
            raise ImportConflicts(changes)
        if dry_run:
            return changes
        skip = {c.record_id for c in changes.conflicts} if resolve == "theirs" else set()
        for i, (what, record) in enumerate(plan):
            if record.id in skip:  # the store's copy wins: leave it as it is
                continue
            if what == "add":
                store._write(conn, record.model_copy(update={"version": 0}), user, order=i)
            elif what == "delete":
                store._delete(conn, record, user=user)
            else:
                store._write(conn, record, user)
    changes.applied = True
    return changes


# backups (SQLite) ----------------------------------------------------------------------------
def sqlite_file(url: str | None = None) -> Path:
    """The file of an SQLite store; WorkbookError for any other database."""
    url = database_url(url)
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        raise WorkbookError(
            "store backup and restore work on an SQLite store file, not "
            f"{parsed.render_as_string()}; back up PostgreSQL with pg_dump and pg_restore "
            "(README: Backups)")
    return Path(str(parsed.database))


def _reader(path: Path) -> Engine:
    """A read-only engine on an SQLite file (opening it never changes it)."""
    return sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")


def _newest_change(path: Path) -> tuple[dt.datetime, str] | None:
    """(when, who) of the newest change an SQLite store holds; None if it holds none.
    WorkbookError when the file is not a workbook store."""
    engine = _reader(path)
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            if "records" not in tables:
                raise WorkbookError(f"{path} is not a workbook store: it has no records "
                                    f"table (tables: {sorted(tables)})")
            found: list[tuple[dt.datetime, str]] = []
            row = conn.execute(sa.select(RECORDS.c.updated_at, RECORDS.c.updated_by)
                               .order_by(RECORDS.c.updated_at.desc()).limit(1)).first()
            if row is not None:
                found.append((history.utc(row[0]), row[1]))
            if "record_history" in tables:
                h = history.HISTORY
                row = conn.execute(sa.select(h.c.changed_at, h.c.changed_by)
                                   .order_by(h.c.seq.desc()).limit(1)).first()
                if row is not None:
                    found.append((history.utc(row[0]), row[1]))
            return max(found) if found else None
    except sa.exc.DatabaseError as err:
        raise WorkbookError(f"{path} is not a workbook store ({err.orig})") from None
    finally:
        engine.dispose()


def _copy(source: Path, target: Path) -> None:
    """Copy an SQLite database with the online backup API (consistent while in use)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def backup(target: str | Path, url: str | None = None) -> dict[str, Any]:
    """Copy the SQLite store to `target` (one self-contained file, written atomically).

    Uses SQLite's online backup, so the store may be in use meanwhile. Returns what was
    copied: records, history rows and the newest change.
    """
    from workbook.files import atomic_path

    source, target = sqlite_file(url), Path(target)
    if not source.is_file():
        raise WorkbookError(f"no store at {source}; nothing to back up")
    if target.exists() and target.resolve() == source.resolve():
        raise WorkbookError(f"{target} is the store itself; back it up to another file")
    newest = _newest_change(source)
    with atomic_path(target) as tmp:
        _copy(source, tmp)
        single = sqlite3.connect(tmp)
        try:
            single.execute("PRAGMA journal_mode=DELETE")  # no -wal file beside the copy
        finally:
            single.close()
    return {"path": target, "newest": newest, **_counts(target)}


def _counts(path: Path) -> dict[str, int]:
    engine = _reader(path)
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            count = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() or 0
                     for t in ("records", "record_history") if t in tables}
    finally:
        engine.dispose()
    return {"records": count.get("records", 0), "history": count.get("record_history", 0)}


def restore_backup(source: str | Path, url: str | None = None, *,
                   force: bool = False) -> dict[str, Any]:
    """Replace the SQLite store with a backup made by `backup`.

    Refuses (WorkbookError, nothing changed) when the store holds changes newer than the
    backup's newest, unless `force`; then the store as it was is first copied beside it
    (`<store>.before-restore-<time>`), so even a forced restore loses nothing. The
    restored store is upgraded to the newest schema.
    """
    source, target = Path(source), sqlite_file(url)
    if not source.is_file():
        raise WorkbookError(f"no backup file at {source}")
    if target.exists() and target.resolve() == source.resolve():
        raise WorkbookError(f"{source} is the store itself; nothing to restore")
    theirs = _newest_change(source)
    kept: Path | None = None
    if target.is_file():
        mine = _newest_change(target)
        if mine is not None and (theirs is None or mine[0] > theirs[0]):
            if not force:
                after = f"after the backup's newest change ({_when(theirs)})" if theirs else \
                    "and the backup holds none"
                raise WorkbookError(
                    f"the store {target} has changes newer than the backup {source}: the "
                    f"newest by {mine[1]} at {_when(mine)}, {after}; nothing was restored. "
                    "Add --force to replace them (the store is copied aside first)")
        if mine is not None:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            kept = target.with_name(f"{target.name}.before-restore-{stamp}")
            _copy(target, kept)
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy(source, target)
    engine = make_engine(f"sqlite:///{target}")
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return {"path": target, "kept": kept, "newest": theirs, **_counts(target)}


def _when(change: tuple[dt.datetime, str] | None) -> str:
    return f"{change[0]:%Y-%m-%d %H:%M:%S} UTC" if change else "none"
