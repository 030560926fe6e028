"""Every version of every record: saves, deletes (tombstones) and restores, never lost.

`record_history` gets one row per change, written by the store in the same transaction as
the change itself, so the history can never disagree with the records: a save that rolls
back leaves no history, and no save happens without its row. Each row holds the whole
record as it stood after the change (a tombstone holds it as it was when deleted), so
the plan as it stood at any moment (`as_of`) is the newest row of each record up to then,
and a deleted record is brought back from its tombstone.

Rows a transaction writes share one time stamp and one transaction id: a delete and the
children that went with it share the id, which is how a restore brings them back together.
This module reads the history and works out what a restore writes; the store writes it.
"""

from __future__ import annotations

import datetime as dt
import uuid
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Connection, Row

from workbook.errors import WorkbookError
from workbook.records.base import Record
from workbook.records.document import KINDS, REFERENCE_LINKS, PlanDocument

#: what a history row records
CHANGES = ("created", "updated", "deleted", "restored")
#: the transaction id of the rows migration 0002 wrote for records that predate history
MIGRATION_TXN = "migration-0002"

def record_columns() -> list[sa.Column]:
    """The columns a stored record and each of its history rows share (new objects on every
    call: a column belongs to one table)."""
    return [
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("org_id", sa.String(32), nullable=False),
        sa.Column("parent_id", sa.String(32)),
        sa.Column("practice", sa.String(4)),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        # what may exist once per organisation ("status:<action>:<YYYY-MM>"; None: no
        # limit); unique among current records (migration 0004), kept in history as saved
        sa.Column("unique_key", sa.String(120)),
    ]


_META = sa.MetaData()
HISTORY = sa.Table(
    "record_history", _META,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("record_id", sa.String(32), nullable=False),
    *record_columns(),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("changed_by", sa.String(200), nullable=False),
    sa.Column("change", sa.String(10), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("txn", sa.String(32), nullable=False),
)


@dataclass(frozen=True)
class Txn:
    """The time stamp and id every history row of one transaction shares."""

    stamp: dt.datetime
    id: str


_TXNS: weakref.WeakKeyDictionary[Any, Txn] = weakref.WeakKeyDictionary()


def txn(conn: Connection) -> Txn:
    """The current transaction's stamp and id (made on first use, then the same)."""
    current = conn.get_transaction()
    if current is None:  # not in a transaction: every statement is its own
        return Txn(dt.datetime.now(dt.UTC), uuid.uuid4().hex[:16])
    found = _TXNS.get(current)
    if found is None:
        found = _TXNS[current] = Txn(dt.datetime.now(dt.UTC), uuid.uuid4().hex[:16])
    return found


def write(conn: Connection, row: dict[str, Any], change: str, user: str,
          reason: str | None) -> None:
    """Add the history row of one change; `row` has the records table's columns."""
    assert change in CHANGES, change
    t = txn(conn)
    conn.execute(HISTORY.insert().values(
        record_id=row["id"], kind=row["kind"], org_id=row["org_id"],
        parent_id=row.get("parent_id"), practice=row.get("practice"), data=row["data"],
        version=row["version"], created_at=row["created_at"],
        unique_key=row.get("unique_key"), changed_at=t.stamp,
        changed_by=user, change=change, reason=reason or None, txn=t.id))


def last_version(conn: Connection, record_id: str) -> int:
    """The highest version the history knows for a record id (0: none)."""
    return conn.execute(sa.select(sa.func.max(HISTORY.c.version))
                        .where(HISTORY.c.record_id == record_id)).scalar() or 0


def utc(when: dt.datetime) -> dt.datetime:
    """`when` in UTC (a naive time is taken as UTC, the zone the store keeps)."""
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def record_of(row: Row, data: dict[str, Any] | None = None) -> Record:
    """The record as one history row holds it (version, author and time of that change)."""
    return KINDS[row.kind].model_validate({
        **(row.data if data is None else data), "id": row.record_id, "org_id": row.org_id,
        "version": row.version, "updated_by": row.changed_by,
        "updated_at": _aware(row.changed_at).replace(microsecond=0)})


# reading ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """One row of a record's history, with what it changed field by field."""

    seq: int
    record_id: str
    kind: str
    org_id: str
    version: int
    change: str  # created, updated, deleted or restored
    at: dt.datetime
    by: str
    reason: str | None
    txn: str
    data: dict[str, Any]
    #: (field, before, after) for every field this change set; before is None on creation
    diff: list[tuple[str, Any, Any]] = field(default_factory=list)
    #: the first version the history holds of the record (its diff lists every field set)
    first: bool = False

    def label(self) -> str:
        """The record's short name as it stood in this version ("goal 'Reading'")."""
        try:
            return KINDS[self.kind].model_validate(
                {**self.data, "id": self.record_id, "org_id": self.org_id}).label()
        except (KeyError, ValidationError):  # an old version no longer valid has a name
            return f"{self.kind} {self.record_id}"


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for each field that differs; every non-empty field of a first
    version."""
    if before is None:
        return [(k, None, v) for k, v in after.items() if v not in (None, "", [], {})]
    keys = list(after) + [k for k in before if k not in after]
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def changes(conn: Connection, org_id: str, record_id: str | None = None,
            since: dt.datetime | None = None) -> list[Change]:
    """Every change to an organisation's records (or one record), oldest first."""
    q = sa.select(HISTORY).where(HISTORY.c.org_id == org_id).order_by(HISTORY.c.seq)
    if record_id is not None:
        q = q.where(HISTORY.c.record_id == record_id)
    last: dict[str, dict[str, Any]] = {}
    out = []
    start = utc(since) if since is not None else None
    for row in conn.execute(q):
        before = last.get(row.record_id)
        last[row.record_id] = row.data
        at = _aware(row.changed_at)
        if start is not None and at < start:
            continue
        out.append(Change(row.seq, row.record_id, row.kind, row.org_id, row.version,
                          row.change, at, row.changed_by, row.reason, row.txn, row.data,
                          [] if row.change == "deleted" else diff(before, row.data),
                          before is None))
    return out


def _newest(org_id: str, until: dt.datetime | None = None) -> Any:
    """The seq of each record's newest history row (up to `until`), as a subquery."""
    q = (sa.select(sa.func.max(HISTORY.c.seq).label("seq"))
         .where(HISTORY.c.org_id == org_id).group_by(HISTORY.c.record_id))
    if until is not None:
        q = q.where(HISTORY.c.changed_at <= utc(until))
    return q.subquery()


def as_of(conn: Connection, org_id: str, when: dt.datetime) -> PlanDocument:
    """The organisation's plan as it stood at `when`: each record's newest version saved
    by then, without the records deleted by then."""
    newest = _newest(org_id, when)
    q = (sa.select(HISTORY).join(newest, HISTORY.c.seq == newest.c.seq)
         .where(HISTORY.c.change != "deleted")
         .order_by(HISTORY.c.created_at, HISTORY.c.record_id))
    doc = PlanDocument(org_id)
    for row in conn.execute(q):
        doc.add(record_of(row))
    return doc


def first_change(conn: Connection, org_id: str) -> dt.datetime | None:
    """When the organisation's history begins (None: no history)."""
    value = conn.execute(sa.select(sa.func.min(HISTORY.c.changed_at))
                         .where(HISTORY.c.org_id == org_id)).scalar()
    return _aware(value) if value is not None else None


@dataclass
class Deletion:
    """Records one transaction deleted that are still deleted, in the order deleted."""

    txn: str
    at: dt.datetime
    by: str
    reason: str | None
    rows: list[Row]

    def ids(self) -> list[str]:
        return [r.record_id for r in self.rows]


def deleted(conn: Connection, org_id: str, since: dt.datetime | None = None) -> list[Deletion]:
    """The organisation's records that are deleted now, grouped by the delete that took
    them (oldest first)."""
    newest = _newest(org_id)
    q = (sa.select(HISTORY).join(newest, HISTORY.c.seq == newest.c.seq)
         .where(HISTORY.c.change == "deleted").order_by(HISTORY.c.seq))
    if since is not None:
        q = q.where(HISTORY.c.changed_at >= utc(since))
    groups: dict[str, Deletion] = {}
    for row in conn.execute(q):
        group = groups.get(row.txn)
        if group is None:
            group = groups[row.txn] = Deletion(row.txn, _aware(row.changed_at),
                                               row.changed_by, row.reason, [])
        group.rows.append(row)
    return list(groups.values())


def version_row(conn: Connection, record_id: str, version: int) -> Row | None:
    """The history row of one saved version of a record (None: no such version)."""
    return conn.execute(
        sa.select(HISTORY).where(HISTORY.c.record_id == record_id,
                                 HISTORY.c.version == version,
                                 HISTORY.c.change != "deleted")
        .order_by(HISTORY.c.seq.desc()).limit(1)).first()


def versions(conn: Connection, record_id: str) -> list[int]:
    """The saved versions of a record, oldest first."""
    return sorted(set(conn.execute(
        sa.select(HISTORY.c.version).where(HISTORY.c.record_id == record_id,
                                           HISTORY.c.change != "deleted")).scalars()))


def newest_row(conn: Connection, record_id: str) -> Row | None:
    """The newest history row of a record (its tombstone when it is deleted)."""
    return conn.execute(sa.select(HISTORY).where(HISTORY.c.record_id == record_id)
                        .order_by(HISTORY.c.seq.desc()).limit(1)).first()


def _label(row: Row) -> str:
    return Change(row.seq, row.record_id, row.kind, row.org_id, row.version, row.change,
                  row.changed_at, row.changed_by, row.reason, row.txn, row.data).label()


# restoring -------------------------------------------------------------------------------
@dataclass
class Restore:
    """What bringing deleted records back writes: the records (as in their tombstones,
    dangling references cleared) and the records the delete unlinked, linked again."""

    records: list[tuple[Record, dt.datetime]] = field(default_factory=list)  # + created_at
    relink: list[Record] = field(default_factory=list)


def plan_restore(conn: Connection, org_id: str, record_id: str | None = None,
                 since: dt.datetime | None = None) -> Restore:
    """Work out what restoring deleted records writes, or say why it cannot.

    With `record_id`: that record and the records deleted with it that belonged to it
    (its parts, their parts ...). Without: every record deleted (since `since`). A record
    that was part of another record that is still deleted, and is not restored with it,
    cannot come back alone (WorkbookError naming the one to restore first); a reference to
    a deleted record (a strategy's goal, a symptom's priority area, a strategy's causes) is
    cleared, as deleting it would have done.
    """
    groups = deleted(conn, org_id, since)
    if record_id is not None:
        group = next((g for g in groups if record_id in g.ids()), None)
        if group is None:
            raise WorkbookError(_not_deleted(conn, org_id, record_id))
        rows = _with_parts(group.rows, record_id)
        groups = [group]
    else:
        rows = [r for g in groups for r in g.rows]
    chosen = {r.record_id for r in rows}
    plan = Restore()
    for row in rows:
        data = _unlink_missing(conn, row, chosen)
        plan.records.append((record_of(row, data), _aware(row.created_at)))
    plan.relink = _relinks(conn, groups, chosen)
    return plan


def _not_deleted(conn: Connection, org_id: str, record_id: str) -> str:
    row = newest_row(conn, record_id)
    if row is None or row.org_id != org_id:
        return f"no record {record_id!r} in the history of {org_id!r}"
    if row.change != "deleted":
        return (f"{_label(row)} ({record_id}) is not deleted (version {row.version}, "
                f"{row.change} by {row.changed_by}); to go back to an earlier version, "
                "restore with --version")
    return f"{_label(row)} ({record_id}) was deleted before the date given"


def _with_parts(rows: list[Row], root: str) -> list[Row]:
    """`root` and the rows of the same delete that belonged to it, in the delete's order."""
    keep = {root}
    changed = True
    while changed:
        changed = False
        for r in rows:
            if r.record_id not in keep and r.parent_id in keep:
                keep.add(r.record_id)
                changed = True
    return [r for r in rows if r.record_id in keep]


def tombstone(conn: Connection, record_id: str) -> Row | None:
    """The tombstone of a record deleted now; None when it exists or was never a record."""
    row = newest_row(conn, record_id)
    return row if row is not None and row.change == "deleted" else None


def _unlink_missing(conn: Connection, row: Row, chosen: set[str]) -> dict[str, Any]:
    return fix_links(conn, row.kind, row.record_id, row.data, chosen, _label(row))


def fix_links(conn: Connection, kind: str, record_id: str, data: dict[str, Any],
              chosen: set[str], label: str) -> dict[str, Any]:
    """`data` of a record coming back, with references to records deleted now (and not
    coming back with it, `chosen`) cleared; WorkbookError if it was part of one."""
    data = dict(data)
    link = KINDS[kind].parent_field
    if link and data.get(link) and data[link] not in chosen:
        parent = tombstone(conn, data[link])
        if parent is not None:
            if (kind, link) not in REFERENCE_LINKS:
                raise WorkbookError(
                    f"{label} ({record_id}) was part of {_label(parent)} "
                    f"({parent.record_id}), which is deleted (by {parent.changed_by} at "
                    f"{_aware(parent.changed_at):%Y-%m-%d %H:%M} UTC); restore that first "
                    f"(--deleted --record {parent.record_id}); nothing was restored")
            data[link] = ""
    if isinstance(data.get("causes"), list):  # a strategy names the causes it addresses
        data["causes"] = [c for c in data["causes"]
                          if c in chosen or tombstone(conn, c) is None]
    return data


def _relinks(conn: Connection, groups: Iterable[Deletion], chosen: set[str]) -> list[Record]:
    """Records the deletes unlinked from what is being restored, linked again, when nobody
    changed them since."""
    from workbook.store import RECORDS  # the records table lives beside the store

    out = []
    for group in groups:
        touched = conn.execute(sa.select(HISTORY).where(HISTORY.c.txn == group.txn,
                                                        HISTORY.c.change == "updated"))
        for row in touched:
            if row.record_id in chosen:
                continue
            now = conn.execute(sa.select(RECORDS.c.version)
                               .where(RECORDS.c.id == row.record_id)).scalar()
            if now != row.version:
                continue  # changed (or deleted) since: leave it as its owner left it
            before = conn.execute(
                sa.select(HISTORY.c.data).where(HISTORY.c.record_id == row.record_id,
                                                HISTORY.c.seq < row.seq)
                .order_by(HISTORY.c.seq.desc()).limit(1)).scalar()
            if before is None:
                continue
            data = _relinked(row.kind, before, row.data, chosen)
            if data != row.data:
                out.append(record_of(row, data))
    return out


def _relinked(kind: str, before: dict[str, Any], after: dict[str, Any],
              restored: set[str]) -> dict[str, Any]:
    data = dict(after)
    link = KINDS[kind].parent_field
    if link and before.get(link) in restored and not after.get(link):
        data[link] = before[link]
    old, new = before.get("causes"), after.get("causes")
    if isinstance(old, list) and isinstance(new, list):
        data["causes"] = [c for c in old if c in restored or c in new] + [
            c for c in new if c not in old]
    return data


def moment(text: str, *, end_of_day: bool) -> dt.datetime:
    """A time typed on the command line: a date (YYYY-MM-DD: the start of that day, or its
    end with `end_of_day`) or an ISO date and time; UTC unless it names an offset.
    ValueError says what is accepted."""
    try:
        if len(text.strip()) == 10:
            day = dt.date.fromisoformat(text.strip())
            return dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min,
                                       tzinfo=dt.UTC)
        return utc(dt.datetime.fromisoformat(text.strip()))
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD) or a date and time "
                         "(YYYY-MM-DDTHH:MM, UTC unless an offset such as +02:00 is "
                         "given)") from None
