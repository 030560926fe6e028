"""The history of every record: one row per version, delete (tombstone) and restore.

The records already stored get their first history row here: their current version, as
of their last save, by whoever made it. Nothing in `records` changes.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "record_history",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("org_id", sa.String(32), nullable=False),
        sa.Column("parent_id", sa.String(32)),
        sa.Column("practice", sa.String(4)),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("change", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("txn", sa.String(32), nullable=False),
    )
    op.create_index("ix_history_record", "record_history", ["record_id", "seq"])
    op.create_index("ix_history_org_time", "record_history", ["org_id", "changed_at"])
    op.create_index("ix_history_txn", "record_history", ["txn"])
    op.execute(sa.text(
        "INSERT INTO record_history (record_id, kind, org_id, parent_id, practice, data, "
        "version, created_at, changed_at, changed_by, change, reason, txn) "
        "SELECT id, kind, org_id, parent_id, practice, data, version, created_at, updated_at, "
        "updated_by, CASE WHEN version = 1 THEN 'created' ELSE 'updated' END, NULL, "
        "'migration-0002' FROM records ORDER BY created_at, id"))


def downgrade() -> None:
    op.drop_table("record_history")
