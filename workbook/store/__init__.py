"""The durable store: SQLite by default, PostgreSQL when WORKBOOK_DATABASE_URL says so.

Every save is one transaction and carries the version the editor started from; a stale
version raises ConflictError naming the record and who changed it, and writes nothing.
The schema is created and upgraded by Alembic migrations (workbook/migrations).
"""

from __future__ import annotations

import builtins
import datetime as dt
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from workbook import paths
from workbook.errors import WorkbookError
from workbook.records.base import R, Record, now
from workbook.records.document import KINDS, PlanDocument

_META = sa.MetaData()
RECORDS = sa.Table(
    "records", _META,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("org_id", sa.String(32), nullable=False),
    sa.Column("parent_id", sa.String(32)),
    sa.Column("practice", sa.String(4)),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
)


class ConflictError(WorkbookError):
    """Someone saved the record after this copy was read; nothing was written."""

    def __init__(self, mine: Record, theirs: Record | None):
        self.mine, self.theirs = mine, theirs
        if theirs is None:
            msg = f"{mine.label()} was deleted by someone else; nothing was saved"
        else:
            when = theirs.updated_at.isoformat(sep=" ") if theirs.updated_at else "?"
            msg = (f"{mine.label()} was changed by {theirs.updated_by or 'someone'} at {when} "
                   f"(version {theirs.version}) after you opened version {mine.version}; "
                   "nothing was saved. Reload, compare and save again.")
        super().__init__(msg)


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, WORKBOOK_DATABASE_URL, or the embedded SQLite file."""
    return url or os.environ.get("WORKBOOK_DATABASE_URL") or paths.default_database_url()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


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


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    """Records of every kind, for one database."""

    def __init__(self, url: str | None = None, *, upgrade: bool = True):
        self.url = database_url(url)
        self.engine = make_engine(self.url)
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
            row = conn.execute(sa.select(RECORDS).where(RECORDS.c.id == record_id)).first()
        return self._record(row) if row else None

    def list(self, org_id: str | None = None, kind: str | None = None,
             practice: str | None = None) -> list[Record]:
        q = sa.select(RECORDS).order_by(RECORDS.c.created_at, RECORDS.c.id)
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

    # writing -------------------------------------------------------------------------
    def save(self, record: R, *, user: str) -> R:
        """Save one record; returns the saved copy (new version). Raises ConflictError."""
        return self.save_all([record], user=user)[0]

    def save_all(self, records: Sequence[R], *, user: str,
                 delete: Iterable[Record] = ()) -> builtins.list[R]:
        """Save records and delete others in one transaction: all of it happens, or none.

        Deleting checks the version like saving does, so a record someone changed since it
        was read is not deleted under them (ConflictError). A record never saved (version
        0) needs no deleting and is skipped.
        """
        if not user.strip():
            raise WorkbookError("every save needs the name of the person making it")
        saved: builtins.list[R] = []
        with self.engine.begin() as conn:
            for i, record in enumerate(records):
                saved.append(self._write(conn, record, user, order=i))
            for gone in delete:
                if gone.version != 0:
                    self._delete(conn, gone)
        return saved

    def _write(self, conn, record: R, user: str, order: int = 0) -> R:
        stamp = now()
        data = record.content(mode="json")
        values = dict(kind=record.kind, org_id=record.org_id, parent_id=record.parent_id,
                      practice=record.practice_code, data=data, updated_at=stamp,
                      updated_by=user)
        if record.version == 0:
            try:
                # records saved together keep the order they were given in
                created = dt.datetime.now(dt.UTC) + dt.timedelta(microseconds=order)
                conn.execute(RECORDS.insert().values(id=record.id, version=1, created_at=created,
                                                     **values))
            except sa.exc.IntegrityError:
                raise ConflictError(record, self._current(conn, record.id)) from None
        else:
            result = conn.execute(
                RECORDS.update()
                .where(RECORDS.c.id == record.id, RECORDS.c.version == record.version)
                .values(version=RECORDS.c.version + 1, **values))
            if result.rowcount != 1:
                raise ConflictError(record, self._current(conn, record.id))
        return record.model_copy(update={"version": record.version + 1, "updated_by": user,
                                         "updated_at": stamp})

    def _current(self, conn, record_id: str) -> Record | None:
        row = conn.execute(sa.select(RECORDS).where(RECORDS.c.id == record_id)).first()
        return self._record(row) if row else None

    def _delete(self, conn, record: Record) -> None:
        gone = conn.execute(RECORDS.delete().where(RECORDS.c.id == record.id,
                                                   RECORDS.c.version == record.version))
        if gone.rowcount != 1:
            raise ConflictError(record, self._current(conn, record.id))

    def delete(self, record: Record, *, user: str) -> None:
        """Delete a record the caller has seen at its current version."""
        self.save_all([], user=user, delete=[record])

    def replace_org(self, org_id: str, records: Iterable[Record], *, user: str) -> int:
        """Replace everything stored for one organisation in one transaction (plan import)."""
        records = list(records)
        with self.engine.begin() as conn:
            conn.execute(RECORDS.delete().where(RECORDS.c.org_id == org_id))
            for i, r in enumerate(records):
                self._write(conn, r.model_copy(update={"version": 0}), user, order=i)
        return len(records)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)  # SQLite drops the zone; we always store UTC
    return value


def apply_document(store: Store, doc: PlanDocument, *, user: str,
                   exported_at: dt.datetime | None) -> dict[str, int]:
    """Make the store hold exactly `doc` for its organisation, in one transaction.

    Records keep their versions, so one changed in the store since the file was exported
    raises ConflictError. Stored records missing from the file are deleted only if nobody
    touched them after the export.
    """
    counts = {"added": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    with store.engine.begin() as conn:
        current = {r.id: Store._record(r) for r in conn.execute(
            sa.select(RECORDS).where(RECORDS.c.org_id == doc.org_id))}
        for i, record in enumerate(doc.all()):
            old = current.pop(record.id, None)
            if old is None:
                store._write(conn, record.model_copy(update={"version": 0}), user, order=i)
                counts["added"] += 1
            elif old.content() == record.content():
                if old.version != record.version:
                    raise ConflictError(record, old)
                counts["unchanged"] += 1
            else:
                if record.version == 0:
                    raise ConflictError(record, old)
                store._write(conn, record, user)
                counts["updated"] += 1
        for old in current.values():
            if exported_at is None or (old.updated_at and old.updated_at > exported_at):
                raise WorkbookError(
                    f"{old.label()} is in the store but not in the file, and was saved by "
                    f"{old.updated_by} after the file was exported; nothing was imported. "
                    "Export again and merge.")
            store._delete(conn, old)
            counts["deleted"] += 1
    return counts
