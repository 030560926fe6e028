"""Throwaway databases for store tests: an SQLite file, or a new database on the test
PostgreSQL server (created empty, dropped afterwards), so tests never share a schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from pgserver import SKIP_REASON, postgres_url, require


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """The URL of a new, empty database on the test server; dropped on exit."""
    server = require(postgres_url(), SKIP_REASON)
    name = f"wb_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(server).set(database=name).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL for an empty database of `backend` ("sqlite" or "postgres")."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'store-{uuid.uuid4().hex[:8]}.db'}"
        return
    with fresh_postgres() as url:
        yield url


def upgrade_to(url: str, revision: str) -> None:
    """Migrate the database at `url` to one Alembic revision ("0001": a store as it was
    before history), the way an older workbook left it."""
    from alembic import command
    from alembic.config import Config

    import workbook.store

    cfg = Config()
    cfg.set_main_option("script_location",
                        str(Path(workbook.store.__file__).parent / "migrations"))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()
