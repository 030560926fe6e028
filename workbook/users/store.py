"""The users tables of the plan store (migration 0003): people, their roles, every change.

Nothing here is ever deleted: a user is disabled (and may be enabled again), a role is
revoked (the grant row keeps when and by whom), and each change writes a `user_history`
row in the same transaction. SQLite and PostgreSQL alike (the store's engine).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from workbook.records.base import check_user
from workbook.users import hashing
from workbook.users.model import EVERY_ORG, Access, Role, UserError, check_org, check_role

_META = sa.MetaData()
USERS = sa.Table(
    "users", _META,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("password_hash", sa.Text),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("changed_by", sa.String(200), nullable=False),
)
ROLES_TABLE = sa.Table(
    "user_roles", _META,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("org_id", sa.String(32), nullable=False),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("granted_by", sa.String(200), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_by", sa.String(200)),
)
HISTORY = sa.Table(
    "user_history", _META,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("change", sa.String(20), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("changed_by", sa.String(200), nullable=False),
)


@dataclass(frozen=True)
class UserRow:
    name: str
    password_hash: str | None
    disabled: bool
    created_at: dt.datetime
    changed_at: dt.datetime
    roles: dict[str, Role]

    @property
    def access(self) -> Access:
        return Access(self.name, dict(self.roles))


@dataclass(frozen=True)
class UserChange:
    name: str
    change: str
    detail: str
    changed_at: dt.datetime
    changed_by: str


def check_name(name: str) -> str:
    """A user name: what every save records (the store's rule for `updated_by`)."""
    try:
        name = check_user(name)
    except Exception as err:
        raise UserError(str(err).replace("(--user)", "")) from None
    if name == EVERY_ORG or "\n" in name:
        raise UserError(f"{name!r} cannot be a user name")
    return name


def check_grant(role: str, orgs: Sequence[str]) -> tuple[Role, list[str]]:
    """The role and organisations of a grant, checked: an admin's role is global (no
    --org, or "*"); every other role names one organisation or more."""
    r = check_role(role)
    ids = list(dict.fromkeys(check_org(o) for o in orgs))
    if r == "admin":
        if ids not in ([], [EVERY_ORG]):
            raise UserError("the admin role covers every organisation; give no --org")
        return r, [EVERY_ORG]
    if not ids:
        raise UserError(f"a {r} needs at least one --org (the district id it is for)")
    if EVERY_ORG in ids:
        raise UserError(f"only the admin role covers every organisation ('*'); a {r} names "
                        "the districts it is for")
    return r, ids


class Users:
    """The people who may sign in, over one store's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str | None = None) -> Users:
        """The users of the store at `url` (created or upgraded first, as the store is)."""
        from workbook.store import Store

        return cls(Store(url).engine)

    # reading ---------------------------------------------------------------------------
    def any(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(USERS)).scalar_one() > 0

    def get(self, name: str) -> UserRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(USERS).where(USERS.c.name == name)).first()
            if row is None:
                return None
            return self._row(conn, row)

    def all(self) -> list[UserRow]:
        with self.engine.connect() as conn:
            return [self._row(conn, r) for r in
                    conn.execute(sa.select(USERS).order_by(USERS.c.name))]

    def access(self, name: str) -> Access | None:
        """The roles of an enabled user (None: unknown or disabled)."""
        user = self.get(name)
        return user.access if user is not None and not user.disabled else None

    def history(self, name: str | None = None) -> list[UserChange]:
        q = sa.select(HISTORY).order_by(HISTORY.c.seq)
        if name is not None:
            q = q.where(HISTORY.c.name == name)
        with self.engine.connect() as conn:
            return [UserChange(r.name, r.change, r.detail, _aware(r.changed_at), r.changed_by)
                    for r in conn.execute(q)]

    @staticmethod
    def _row(conn: Connection, row) -> UserRow:
        grants = conn.execute(sa.select(ROLES_TABLE.c.org_id, ROLES_TABLE.c.role)
                              .where(ROLES_TABLE.c.name == row.name,
                                     ROLES_TABLE.c.revoked_at.is_(None))
                              .order_by(ROLES_TABLE.c.seq))
        roles: dict[str, Role] = {g.org_id: g.role for g in grants}
        return UserRow(row.name, row.password_hash, bool(row.disabled),
                       _aware(row.created_at), _aware(row.changed_at), roles)

    # writing ---------------------------------------------------------------------------
    def add(self, name: str, *, role: str, orgs: Sequence[str], password: str | None,
            by: str) -> UserRow:
        """A new user with a role (password None: signs in through the proxy only)."""
        name, by = check_name(name), check_name(by)
        r, ids = check_grant(role, orgs)
        hashed = hashing.hash_password(password) if password is not None else None
        now = _now()
        with self.engine.begin() as conn:
            if conn.execute(sa.select(USERS.c.name).where(USERS.c.name == name)).first():
                raise UserError(_exists(name))
            conn.execute(USERS.insert().values(name=name, password_hash=hashed, disabled=False,
                                               created_at=now, changed_at=now, changed_by=by))
            self._log(conn, name, "added", "with a password" if hashed else
                      "without a password (single sign-on only)", by, now)
            self._grant(conn, name, r, ids, by, now)
        return self.require(name)

    def passwd(self, name: str, password: str, *, by: str) -> None:
        hashed = hashing.hash_password(password)
        self._change(name, by, "password", "password changed", password_hash=hashed)

    def disable(self, name: str, *, by: str) -> None:
        self._change(name, by, "disabled", "may no longer sign in", disabled=True)

    def enable(self, name: str, *, by: str) -> None:
        self._change(name, by, "enabled", "may sign in again", disabled=False)

    def grant(self, name: str, *, role: str, orgs: Sequence[str], by: str) -> UserRow:
        """Give `role` for `orgs` (replacing the role held there before, if any)."""
        by = check_name(by)
        r, ids = check_grant(role, orgs)
        self.require(name)
        with self.engine.begin() as conn:
            self._grant(conn, name, r, ids, by, _now())
        return self.require(name)

    def revoke(self, name: str, *, orgs: Sequence[str], by: str) -> list[str]:
        """End the roles held for `orgs` ("*": the admin role); returns what ended."""
        by = check_name(by)
        ids = [check_org(o) for o in orgs]
        if not ids:
            raise UserError("name the organisations to revoke with --org ('*' for admin)")
        user = self.require(name)
        missing = [o for o in ids if o not in user.roles]
        if missing:
            raise UserError(f"{name} holds no role for {', '.join(missing)}; roles: "
                            f"{user.access.describe()}")
        now = _now()
        with self.engine.begin() as conn:
            ended = self._end(conn, name, ids, by, now)
        return ended

    def _grant(self, conn: Connection, name: str, role: Role, ids: Iterable[str], by: str,
               now: dt.datetime) -> None:
        ids = list(ids)
        self._end(conn, name, ids, by, now, quiet=True)
        for org in ids:
            conn.execute(ROLES_TABLE.insert().values(name=name, org_id=org, role=role,
                                                     granted_at=now, granted_by=by))
            self._log(conn, name, "granted", f"{role} for {org}", by, now)
        conn.execute(USERS.update().where(USERS.c.name == name)
                     .values(changed_at=now, changed_by=by))

    def _end(self, conn: Connection, name: str, ids: list[str], by: str, now: dt.datetime,
             quiet: bool = False) -> list[str]:
        live = conn.execute(sa.select(ROLES_TABLE.c.seq, ROLES_TABLE.c.org_id,
                                      ROLES_TABLE.c.role)
                            .where(ROLES_TABLE.c.name == name,
                                   ROLES_TABLE.c.org_id.in_(ids),
                                   ROLES_TABLE.c.revoked_at.is_(None))).all()
        ended = []
        for g in live:
            conn.execute(ROLES_TABLE.update().where(ROLES_TABLE.c.seq == g.seq)
                         .values(revoked_at=now, revoked_by=by))
            self._log(conn, name, "revoked", f"{g.role} for {g.org_id}"
                      + (" (replaced)" if quiet else ""), by, now)
            ended.append(f"{g.role} for {g.org_id}")
        return ended

    def _change(self, name: str, by: str, change: str, detail: str, **values) -> None:
        by = check_name(by)
        self.require(name)
        now = _now()
        with self.engine.begin() as conn:
            conn.execute(USERS.update().where(USERS.c.name == name)
                         .values(changed_at=now, changed_by=by, **values))
            self._log(conn, name, change, detail, by, now)

    def require_new(self, name: str) -> None:
        """Raise UserError when `name` is taken (disabled users keep their names)."""
        if self.get(name) is not None:
            raise UserError(_exists(name))

    def require(self, name: str) -> UserRow:
        user = self.get(name)
        if user is None:
            known = [u.name for u in self.all()]
            raise UserError(f"there is no user {name!r}; users: "
                            f"{', '.join(known) if known else 'none yet'}")
        return user

    @staticmethod
    def _log(conn: Connection, name: str, change: str, detail: str, by: str,
             now: dt.datetime) -> None:
        conn.execute(HISTORY.insert().values(name=name, change=change, detail=detail,
                                             changed_at=now, changed_by=by))


def _exists(name: str) -> str:
    return (f"there is already a user {name!r}; change their roles with `workbook users "
            "grant`, their password with `workbook users passwd`")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
