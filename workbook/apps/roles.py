"""What the signed-in person may do in an app, enforced in the kernel.

`current_access()` asks the server who opened this kernel's page (`workbook.users.kernels`:
the server wrote it, the browser cannot) and reads their roles from the users table. An
app then sees the store through `GuardedStore`: only the organisations the person may see,
no other rater's Tool C ratings, and every write checked against the role (a viewer's save
is refused here even if a button were pressed somehow) and recorded under the person's
real name, never a typed one. `apply_role()` disables, on the page, every control that
would change data when the role does not allow it, and says why.

Without users (`workbook serve --auth token`, one person) everything is allowed and the
name is typed, as before (`Access.single_user()`).
"""

from __future__ import annotations

import builtins
import datetime as dt
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from workbook.errors import WorkbookError
from workbook.needs.model import PRIVATE_KINDS
from workbook.records.base import R, Record
from workbook.records.document import PlanDocument
from workbook.report.blocks import esc
from workbook.users.model import Access

if TYPE_CHECKING:
    from workbook.store import Store

#: `workbook serve --auth` modes in which every page knows its person.
SIGNED_IN = ("users", "proxy")


class AccessRefused(WorkbookError):
    """The person's role does not allow this; nothing was read or written."""


def current_access(store: Store) -> Access:
    """Who opened this page and what they may do (see the module doc)."""
    from workbook.users import Users, kernels

    if os.environ.get("WORKBOOK_AUTH", "") not in SIGNED_IN:
        return Access.single_user()
    name = kernels.this_kernels_owner()
    if not name:
        raise AccessRefused("This page could not tell who you are. Reload it; if that does "
                            "not help, sign out and in again.")
    access = Users(store.engine).access(name)
    if access is None:
        raise AccessRefused(f"The account {name!r} is disabled or was removed: ask your "
                            "workbook administrator.")
    return access


def _private(access: Access, kind: str, data: Any) -> bool:
    """A Tool C rating (or reflection) of someone else: never shown (only the team
    aggregate is)."""
    if kind not in PRIVATE_KINDS or not access.signed_in:
        return False
    rater = data.get("rater") if isinstance(data, dict) else getattr(data, "rater", None)
    return rater != access.name


class GuardedStore:
    """The store as one person may use it (reads filtered, writes checked and signed)."""

    def __init__(self, store: Store, access: Access) -> None:
        self._store = store
        self.access = access

    def __getattr__(self, name: str) -> Any:  # url, engine, orgs, version, history_begins...
        return getattr(self._store, name)

    # -- reading -----------------------------------------------------------------------
    def _see(self, org_id: str | None) -> None:
        if org_id is None:
            if not self.access.is_admin:
                raise AccessRefused("reading every organisation at once is for admins")
        elif not self.access.may_see(org_id):
            raise AccessRefused(f"you have no role for {org_id}")

    def list(self, org_id: str | None = None, kind: str | None = None,
             practice: str | None = None) -> builtins.list[Record]:
        self._see(org_id)
        return [r for r in self._store.list(org_id, kind, practice)
                if not _private(self.access, r.kind, r)]

    def document(self, org_id: str) -> PlanDocument:
        doc = PlanDocument(org_id)
        for r in self.list(org_id):
            doc.add(r)
        return doc

    def get(self, record_id: str) -> Record | None:
        r = self._store.get(record_id)
        if r is None or not self.access.may_see(r.org_id) or _private(self.access, r.kind, r):
            return None
        return r

    def ratings(self, org_id: str) -> builtins.list[Record]:
        """Every rater's Tool C ratings: for the team's aggregate view only, never shown
        one by one (workbook.apps.rating)."""
        self._see(org_id)
        return self._store.list(org_id, kind="rating")

    def history(self, org_id: str, **kwargs: Any) -> builtins.list[Any]:
        self._see(org_id)
        return [c for c in self._store.history(org_id, **kwargs)
                if not _private(self.access, c.kind, c.data)]

    def as_of(self, org_id: str, when: dt.datetime) -> PlanDocument:
        self._see(org_id)
        old = self._store.as_of(org_id, when)
        doc = PlanDocument(org_id)
        for r in old.all():
            if not _private(self.access, r.kind, r):
                doc.add(r)
        return doc

    def deleted(self, org_id: str, **kwargs: Any) -> Any:
        self._see(org_id)
        return self._store.deleted(org_id, **kwargs)

    # -- writing -----------------------------------------------------------------------
    def _check(self, records: Iterable[Record]) -> None:
        for r in records:
            rater = getattr(r, "rater", None) if r.kind in PRIVATE_KINDS else None
            reason = self.access.refusal(r.kind, r.org_id, rater=rater)
            if reason:
                raise AccessRefused(reason)

    def _edit(self, org_id: str) -> None:
        if not self.access.may_edit(org_id):
            raise AccessRefused(self.access.refusal("record", org_id))

    def _user(self, typed: str) -> str:
        """The name a change is recorded under: the signed-in person's, never a typed one."""
        return self.access.name if self.access.signed_in else typed

    def save_all(self, records: Sequence[R], *, user: str, delete: Iterable[Record] = (),
                 reason: str | None = None) -> builtins.list[R]:
        delete = builtins.list(delete)
        self._check([*records, *delete])
        return self._store.save_all(records, user=self._user(user), delete=delete,
                                    reason=reason)

    def save(self, record: R, *, user: str, reason: str | None = None) -> R:
        return self.save_all([record], user=user, reason=reason)[0]

    def delete(self, record: Record, *, user: str, reason: str | None = None) -> None:
        self.save_all([], user=user, delete=[record], reason=reason)

    def restore_version(self, record_id: str, version: int, *, user: str,
                        **kwargs: Any) -> Record:
        old = self._store.version(record_id, version)
        if old is None:
            raise AccessRefused(f"there is no version {version} of {record_id}")
        self._check([old])
        return self._store.restore_version(record_id, version, user=self._user(user),
                                           **kwargs)

    def restore_deleted(self, org_id: str, *, user: str, **kwargs: Any) -> Any:
        self._edit(org_id)
        return self._store.restore_deleted(org_id, user=self._user(user), **kwargs)

    def replace_org(self, org_id: str, records: Iterable[Record], *, user: str) -> int:
        self._edit(org_id)
        return self._store.replace_org(org_id, records, user=self._user(user))


class SignedInBox:
    """The person saving, as the server knows them (replaces the typed-name box)."""

    def __init__(self, access: Access) -> None:
        self.access = access
        self.text = None  # nothing to type
        self.hub_name = access.name
        self.widget = widgets.HTML()
        self.widget.add_class("wb-signed-in")

    @property
    def name(self) -> str:
        return self.access.name

    def require(self) -> str | None:
        return self.access.name

    def show(self, org_id: str) -> None:
        role = self.access.role(org_id) if org_id else None
        self.widget.value = (f"Signed in as <b>{esc(self.access.name)}</b>"
                             + (f" ({esc(role)})" if role else "")
                             + " · <a href='../../logout' class='wb-logout'>Sign out</a>")


# --------------------------------------------------------------------------- the page

#: Buttons that only move around or show things: they stay on for every role.
VIEW_BUTTONS = ("Previous", "Next", "Build the printable", "Print", "Download", "Show",
                "Open", "Compare", "History")
#: Controls whose value is data a person types or picks for a record.
ENTRY = (widgets.Text, widgets.Textarea, widgets.IntText, widgets.FloatText,
         widgets.BoundedIntText, widgets.BoundedFloatText, widgets.DatePicker,
         widgets.Checkbox, widgets.ToggleButtons, widgets.ToggleButton, widgets.Combobox,
         widgets.IntSlider, widgets.FloatSlider, widgets.RadioButtons)
#: The class marking a control this module turned off (turned on again where allowed).
OFF = "wb-role-off"


def _walk(w: widgets.Widget, in_field: bool = False) -> Iterator[tuple[widgets.Widget, bool]]:
    yield w, in_field
    children = getattr(w, "children", None) or ()
    # a forms.Field: label, control, error line (class wb-field-error): its control is data
    field = any("wb-field-error" in getattr(c, "_dom_classes", ()) for c in children)
    for c in children:
        yield from _walk(c, in_field or field)


def changes_data(w: widgets.Widget, in_field: bool) -> bool:
    """Whether using `w` would change data (an entry, a form field, a saving button)."""
    if isinstance(w, widgets.Button):
        return not str(w.description).startswith(VIEW_BUTTONS)
    if isinstance(w, ENTRY):
        return True
    return in_field and isinstance(w, widgets.ValueWidget) and hasattr(w, "disabled")


def apply_role(root: widgets.Widget, read_only: bool, *,
               keep: Sequence[widgets.Widget] = ()) -> int:
    """Turn off every control under `root` that would change data (when `read_only`), or
    turn back on those this did before; `keep` (and what is under it) stays as it is.
    Returns how many controls are off."""
    kept = {id(w) for k in keep for w, _ in _walk(k)}
    off = 0
    for w, in_field in _walk(root):
        if id(w) in kept or not hasattr(w, "disabled"):
            continue
        if read_only and changes_data(w, in_field):
            if not w.disabled:
                w.disabled = True
                w.add_class(OFF)
            off += 1
        elif not read_only and OFF in getattr(w, "_dom_classes", ()):
            w.disabled = False
            w.remove_class(OFF)
    return off


def role_note(access: Access, org_id: str, app_name: str) -> str:
    """The line above a read-only app saying what this person may do here, and why."""
    if not access.signed_in or not org_id or access.may_edit(org_id):
        return ""
    role = access.role(org_id) or "none"
    if role == "liaison":
        what = ("You support this district as its liaison: you read its plan here and "
                + ("comment on any part of it below." if app_name == "coaching" else
                   "comment on it in the Coaching app; changes are the district team's."))
    else:
        what = "You can read everything here; changes are the district team's."
    return (f"<p class='wb-role-note' role='note'>Signed in as <b>{esc(access.name)}</b>, "
            f"{esc(role)} for this district. {esc(what)}</p>")
