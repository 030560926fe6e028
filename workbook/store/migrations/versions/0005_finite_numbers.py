"""Repair numbers no record may hold: infinities and NaN saved before the bounds existed.

Before records were bounded, SQLite accepted a target of `.inf` (stored as JSON
`Infinity`). Such a record can no longer be read, and with it the district's whole plan.
Here every non-finite number is taken out of a record's data: a field holding one becomes
empty, an entry of a mapping or list holding one is removed (a target for one year). The
repair is a new version of the record, by "migration 0005", with a reason naming each
field repaired, so the plan's history says what happened. Older history rows holding such
numbers (never readable either) are cleaned the same way in place. PostgreSQL always
refused these numbers, so there it finds nothing.

Revision ID: 0005
Revises: 0004
"""

import datetime as dt
import json
import math
import uuid
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"

WHO = "migration 0005"


def _clean(value: Any, path: str, found: list[str]) -> Any:
    """`value` without non-finite numbers; each one removed is added to `found`."""
    if isinstance(value, float) and not math.isfinite(value):
        found.append(f"{path} was {value}")
        return None
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            cleaned = _clean(item, f"{path}.{key}" if path else str(key), found)
            if cleaned is None and item is not None and path:  # a mapping's entry: removed
                continue
            out[key] = cleaned
        return out
    if isinstance(value, list):
        kept = []
        for i, item in enumerate(value):
            cleaned = _clean(item, f"{path}[{i}]", found)
            if cleaned is None and item is not None:
                continue
            kept.append(cleaned)
        return kept
    return value


def _data(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return  # PostgreSQL's JSON never held a non-finite number
    records = sa.table(
        "records", *(sa.column(c) for c in (
            "id", "kind", "org_id", "parent_id", "practice", "version", "created_at",
            "updated_at", "updated_by", "unique_key")), sa.column("data", sa.JSON))
    history = sa.table(
        "record_history", *(sa.column(c) for c in (
            "seq", "record_id", "kind", "org_id", "parent_id", "practice", "version",
            "created_at", "changed_at", "changed_by", "change", "reason", "txn",
            "unique_key")), sa.column("data", sa.JSON))
    now = dt.datetime.now(dt.UTC)
    txn = uuid.uuid4().hex
    like = sa.or_(sa.cast(records.c.data, sa.Text).like("%Infinity%"),
                  sa.cast(records.c.data, sa.Text).like("%NaN%"))
    for row in conn.execute(sa.select(records).where(like)).mappings().all():
        found: list[str] = []
        data = _clean(_data(row["data"]), "", found)
        if not found:
            continue
        version = row["version"] + 1
        conn.execute(records.update().where(records.c.id == row["id"]).values(
            data=data, version=version, updated_at=now, updated_by=WHO))
        conn.execute(history.insert().values(
            record_id=row["id"], kind=row["kind"], org_id=row["org_id"],
            parent_id=row["parent_id"], practice=row["practice"], data=data,
            version=version, created_at=row["created_at"], changed_at=now, changed_by=WHO,
            change="updated", txn=txn, unique_key=row["unique_key"],
            reason="repaired: numbers that are not finite removed (" + "; ".join(found)
                   + ")"))
    old = sa.or_(sa.cast(history.c.data, sa.Text).like("%Infinity%"),
                 sa.cast(history.c.data, sa.Text).like("%NaN%"))
    for seq, raw in conn.execute(sa.select(history.c.seq, history.c.data).where(old)).all():
        found = []
        data = _clean(_data(raw), "", found)
        if found:
            conn.execute(history.update().where(history.c.seq == seq).values(data=data))


def downgrade() -> None:
    """Nothing to undo: the removed numbers were never valid values."""
