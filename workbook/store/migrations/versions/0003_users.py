"""People who may sign in to `workbook serve`, their roles per organisation, and every
change to either (nothing is ever deleted: a user is disabled, a grant is revoked).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("password_hash", sa.Text),  # argon2id; NULL: signs in through a proxy only
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "user_roles",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), sa.ForeignKey("users.name"), nullable=False),
        sa.Column("org_id", sa.String(32), nullable=False),  # "*": every organisation (admin)
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),  # NULL: in force
        sa.Column("revoked_by", sa.String(200)),
    )
    op.create_index("ix_user_roles_name", "user_roles", ["name", "revoked_at"])
    op.create_table(
        "user_history",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("change", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_user_history_name", "user_history", ["name", "seq"])


def downgrade() -> None:
    op.drop_table("user_history")
    op.drop_table("user_roles")
    op.drop_table("users")
