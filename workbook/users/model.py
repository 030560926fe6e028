"""Who may do what: the four roles and one person's access, decided per organisation.

A role is held per organisation (a district's id, as in the store): a *viewer* (a board
member, a parent group) reads; a *liaison* reads the districts it supports and comments
on them (the coaching app); a *team* member edits their district's plan; an *admin*
holds the role for every organisation ("*"), edits, and manages users. A viewer and a
liaison usually hold several organisations; so may a team member who serves two.

`Access` is what the apps ask ("may this person change this record?"); the kernel builds
it from the users table for the person the server says opened the page
(`workbook.users.kernels`), never from anything the browser sends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from workbook.errors import WorkbookError

Role = Literal["viewer", "liaison", "team", "admin"]
#: The roles, least to most.
ROLES: tuple[Role, ...] = ("viewer", "liaison", "team", "admin")
#: The organisation an admin's role covers: every one.
EVERY_ORG = "*"
#: What an organisation id may look like (CDS codes, NCES ids, Oregon institution ids).
ORG_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
#: Record kinds a liaison may write (a comment is its own record: it never collides; a
#: support the liaison gave, recorded from the network app, is its own record too).
LIAISON_KINDS = frozenset({"comment", "support"})


class UserError(WorkbookError):
    """A user command or sign-in that cannot go ahead; the message says why."""


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    return role  # narrowed to a Role by the check above


def check_org(org: str) -> str:
    org = org.strip()
    if org == EVERY_ORG or ORG_ID.fullmatch(org):
        return org
    raise UserError(f"organisation id {org!r} is not an id (letters, digits, '.', '_' or "
                    "'-', up to 32 characters; e.g. the district's CDS code 27661590000000)")


@dataclass(frozen=True)
class Access:
    """One person's roles: {organisation id: role}; "*" -> "admin" for an admin.

    `signed_in` is False for a server without users (token mode, one person): then the
    name is typed in the page, as before, and every organisation may be edited.
    """

    name: str
    roles: Mapping[str, Role] = field(default_factory=dict)
    signed_in: bool = True

    @classmethod
    def single_user(cls) -> Access:
        """The one person of a token-mode server: everything allowed, name typed."""
        return cls("", {EVERY_ORG: "admin"}, signed_in=False)

    @property
    def is_admin(self) -> bool:
        return self.roles.get(EVERY_ORG) == "admin"

    def role(self, org_id: str) -> Role | None:
        """The role held for `org_id` (None: none, the organisation is not shown)."""
        if self.is_admin:
            return "admin"
        return self.roles.get(org_id)

    def may_see(self, org_id: str) -> bool:
        return self.role(org_id) is not None

    def may_edit(self, org_id: str) -> bool:
        return self.role(org_id) in ("team", "admin")

    def may_comment(self, org_id: str) -> bool:
        return self.role(org_id) in ("liaison", "team", "admin")

    def may_rate(self, org_id: str) -> bool:
        """Tool C self-reflection is the district team's own."""
        return self.may_edit(org_id)

    def visible(self, org_ids: Iterable[str]) -> list[str]:
        """The ids of `org_ids` this person may see, in their order."""
        return [o for o in org_ids if self.may_see(o)]

    def refusal(self, kind: str, org_id: str, *, rater: str | None = None) -> str:
        """Why this person may not write a record of `kind` for `org_id` ("" if they may)."""
        role = self.role(org_id)
        if role is None:
            return f"you have no role for {org_id}"
        # "rating", "reflection": workbook.needs.model.PRIVATE_KINDS
        if (kind in ("rating", "reflection") and self.signed_in and rater is not None
                and rater != self.name):
            return "a self-reflection rating is only ever saved by its own rater"
        if role in ("team", "admin"):
            return ""
        if role == "liaison" and kind in LIAISON_KINDS:
            return ""
        return (f"your role for {org_id} is {role}, which "
                + ("reads the plan and comments on it, and does not change it"
                   if role == "liaison" else "reads and does not change anything"))

    def describe(self) -> str:
        """"team for 27661590000000; viewer for 27660920000000", for the page and lists."""
        if self.is_admin:
            return "admin (every organisation)"
        by_role: dict[str, list[str]] = {}
        for org, role in sorted(self.roles.items()):
            by_role.setdefault(role, []).append(org)
        return "; ".join(f"{role} for {', '.join(orgs)}" for role, orgs in by_role.items()) \
            or "no role yet"
