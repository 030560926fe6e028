"""One status update per action per month: a unique key on records.

`records.unique_key` holds what only one current record may be (for a status update
`status:<action id>:<YYYY-MM>`), under a unique index; NULL (every other kind) is never a
clash, on SQLite and PostgreSQL alike. `record_history.unique_key` keeps it as saved.

A store that already holds two updates of one action in one month (saved before this
constraint) keeps both rows: the newest saved gets the key, the older keeps none and stays
visible in the plan and its history, so nothing is lost and nothing is guessed.

Revision ID: 0004
Revises: 0003
"""

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

#: the one kind that has a key so far (the store's UNIQUE_KEYS at the time of writing)
_KIND = "status"


def _key(data: Any) -> str | None:
    """The key of a stored status update's data (None when the data are not usable)."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return None
    if not isinstance(data, dict):
        return None
    action, day = data.get("action"), data.get("date")
    try:
        month = dt.date.fromisoformat(str(day)).strftime("%Y-%m")
    except ValueError:
        return None
    return f"status:{action}:{month}" if action else None


def upgrade() -> None:
    op.add_column("records", sa.Column("unique_key", sa.String(120)))
    op.add_column("record_history", sa.Column("unique_key", sa.String(120)))
    records = sa.table("records", sa.column("id", sa.String), sa.column("kind", sa.String),
                       sa.column("data", sa.JSON), sa.column("version", sa.Integer),
                       sa.column("updated_at", sa.DateTime(timezone=True)),
                       sa.column("unique_key", sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(records.c.id, records.c.data)
                        .where(records.c.kind == _KIND)
                        .order_by(records.c.updated_at.desc(), records.c.version.desc(),
                                  records.c.id)).all()
    taken: set[str] = set()
    for record_id, data in rows:  # newest first: the newest of a month gets its key
        key = _key(data)
        if key is None or key in taken:
            continue
        taken.add(key)
        conn.execute(records.update().where(records.c.id == record_id)
                     .values(unique_key=key))
    op.create_index("ux_records_unique_key", "records", ["unique_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_records_unique_key", table_name="records")
    with op.batch_alter_table("record_history") as batch:
        batch.drop_column("unique_key")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("unique_key")
