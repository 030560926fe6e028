"""People and roles: the admin's page in `workbook serve` (notebooks/apps/admin.ipynb).

An admin lists the people who may sign in, adds a person with a role and the
organisations it is for, sets a new password, and disables or enables a person. Every
change goes through the same functions as `workbook users ...` (`workbook.users.Users`),
so it is checked the same way and kept in the users history under the admin's real name.

Only an admin may use it, and that is decided in the kernel: the page's person comes from
the server (`workbook.apps.roles.current_access`), and every button press asks the users
table again whether they are still an enabled admin, so a page left open after the
person lost the role changes nothing. Without users (`--auth token`, one person) there
is no one to record a change under: the page says to use `workbook users` instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbook.apps.common import Messages, guard, log_exception
from workbook.apps.roles import AccessRefused
from workbook.i18n import _
from workbook.report.blocks import esc
from workbook.users.model import ROLES, Access, UserError

if TYPE_CHECKING:
    from workbook.store import Store
    from workbook.users.store import Users

#: Changes shown in the history list (newest first).
HISTORY_SHOWN = 50


def refusal(access: Access) -> str:
    """Why this person may not manage people here ("" when they may)."""
    if not access.signed_in:
        return _("People and roles are managed here only when the server signs people in "
                 "(workbook serve --auth users); on this server use `workbook users`.")
    if not access.is_admin:
        return _("Only an admin manages people and roles; your account is {roles}. Ask "
                 "your workbook administrator.").format(roles=access.describe())
    return ""


class AdminApp:
    """The people page: a list, and forms to add, set a password, disable or enable."""

    name = "admin"
    title = "People and roles"

    def __init__(self, store: Store, access: Access) -> None:
        from workbook.users import Users

        why = refusal(access)
        if why:
            raise AccessRefused(why)
        self.access = access
        self.users: Users = Users(store.engine)
        self.messages = Messages()
        self.people = widgets.HTML()
        self.people.add_class("wb-people")
        self.history = widgets.HTML()
        # add a person
        self.new_name = widgets.Text(description=_("Name:"), placeholder=_("sign-in name"))
        self.new_role = widgets.Dropdown(options=list(ROLES), value="viewer",
                                         description=_("Role:"))
        self.new_orgs = widgets.Text(description=_("Districts:"),
                                     placeholder=_("ids, separated by commas"),
                                     style={"description_width": "initial"})
        self.new_password = widgets.Password(description=_("Password:"))
        self.add_button = widgets.Button(description=_("Add person"), button_style="primary")
        self.add_button.on_click(self.add)
        # change a person
        self.person = widgets.Dropdown(description=_("Person:"))
        self.password = widgets.Password(description=_("New password:"),
                                         style={"description_width": "initial"})
        self.passwd_button = widgets.Button(description=_("Set password"))
        self.passwd_button.on_click(self.set_password)
        self.disable_button = widgets.Button(description=_("Disable"),
                                             button_style="warning")
        self.disable_button.on_click(self.disable)
        self.enable_button = widgets.Button(description=_("Enable"))
        self.enable_button.on_click(self.enable)
        for w, cls in ((self.new_name, "wb-admin-name"), (self.new_role, "wb-admin-role"),
                       (self.new_orgs, "wb-admin-orgs"),
                       (self.new_password, "wb-admin-password"),
                       (self.add_button, "wb-admin-add"), (self.person, "wb-admin-person"),
                       (self.password, "wb-admin-new-password"),
                       (self.passwd_button, "wb-admin-passwd"),
                       (self.disable_button, "wb-admin-disable"),
                       (self.enable_button, "wb-admin-enable")):
            w.add_class(cls)
        add_slot = widgets.VBox([])
        change_slot = widgets.VBox([])
        self._slots = {"add": add_slot, "change": change_slot}
        nav = widgets.HTML("<nav class='wb-topbar' aria-label='Apps'><a class='wb-home' "
                           "href='../../'>Workbook apps</a></nav>")
        who = widgets.HTML(f"<p>{esc(_('Signed in as'))} <b>{esc(access.name)}</b> (admin) · "
                           "<a href='../../logout' class='wb-logout'>Sign out</a></p>")
        self.widget = widgets.VBox([
            nav, widgets.HTML(f"<h2>{esc(_(self.title))}</h2>"), who, self.messages.home,
            self.people,
            widgets.HTML(f"<h3>{esc(_('Add a person'))}</h3>"),
            widgets.HBox([self.new_name, self.new_role], layout=widgets.Layout(
                flex_flow="row wrap")),
            widgets.HBox([self.new_orgs, self.new_password], layout=widgets.Layout(
                flex_flow="row wrap")),
            self.add_button, add_slot,
            widgets.HTML(f"<h3>{esc(_('Change a person'))}</h3>"),
            self.person,
            widgets.HBox([self.password, self.passwd_button],
                         layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([self.disable_button, self.enable_button]), change_slot,
            widgets.HTML(f"<h3>{esc(_('History'))}</h3>"), self.history])
        self.widget.add_class("wb-app")
        self.widget.add_class("wb-app-admin")
        self.refresh()

    # -- reading -----------------------------------------------------------------------
    def refresh(self) -> None:
        """The list of people, the person picker and the history, from the users table."""
        rows = self.users.all()
        body = "".join(
            f"<tr><td>{esc(u.name)}</td><td>{esc(u.access.describe())}</td>"
            f"<td>{esc(_('disabled') if u.disabled else _('may sign in'))}</td>"
            f"<td>{u.changed_at:%Y-%m-%d %H:%M} UTC</td></tr>" for u in rows)
        self.people.value = (
            f"<table class='wb-table'><caption>{esc(_('People who may sign in'))}</caption>"
            f"<thead><tr><th>{esc(_('Name'))}</th><th>{esc(_('Roles'))}</th>"
            f"<th>{esc(_('Sign-in'))}</th><th>{esc(_('Last changed'))}</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")
        chosen = self.person.value
        self.person.options = [(u.name + (" (" + _("disabled") + ")" if u.disabled else ""),
                                u.name) for u in rows]
        names = [u.name for u in rows]
        self.person.value = chosen if chosen in names else (names[0] if names else None)
        changes = self.users.history()[-HISTORY_SHOWN:][::-1]
        self.history.value = "<ul class='wb-user-history'>" + "".join(
            f"<li>{c.changed_at:%Y-%m-%d %H:%M} UTC · {esc(c.name)}: {esc(c.change)} "
            f"({esc(c.detail)}) · {esc(_('by'))} {esc(c.changed_by)}</li>"
            for c in changes) + "</ul>"

    # -- the kernel's check ------------------------------------------------------------
    def _still_admin(self) -> None:
        """Ask the users table again: a person disabled or demoted since the page opened
        changes nothing."""
        now = self.users.access(self.access.name)
        if now is None or not now.is_admin:
            raise AccessRefused(_("Your account is no longer an admin here; nothing was "
                                  "changed. Reload the page."))

    def _do(self, slot: str, change) -> None:
        """Run one change as the signed-in admin; its result goes beside the button."""
        messages = self.messages.at(self._slots[slot])
        try:
            self._still_admin()
            done = change()
        except (UserError, AccessRefused) as err:
            messages.error(f"{err} {_('Nothing was changed.')}")
            return
        messages.ok(done)
        self.refresh()

    # -- the buttons -------------------------------------------------------------------
    @guard("admin")
    def add(self, _button: object = None) -> None:
        def change() -> str:
            orgs = [o for o in (p.strip() for p in self.new_orgs.value.split(",")) if o]
            password = self.new_password.value or None
            if password is None:
                raise UserError(_("Give the person a password (they sign in with it)."))
            user = self.users.add(self.new_name.value.strip(), role=self.new_role.value,
                                  orgs=orgs, password=password, by=self.access.name)
            self.new_name.value = self.new_orgs.value = self.new_password.value = ""
            return _("Added {name}: {roles}.").format(name=user.name,
                                                      roles=user.access.describe())
        self._do("add", change)

    @guard("admin")
    def set_password(self, _button: object = None) -> None:
        def change() -> str:
            name = self._chosen()
            self.users.passwd(name, self.password.value, by=self.access.name)
            self.password.value = ""
            return _("New password set for {name}; their open sessions end.").format(
                name=name)
        self._do("change", change)

    @guard("admin")
    def disable(self, _button: object = None) -> None:
        def change() -> str:
            name = self._chosen()
            if name == self.access.name:
                raise UserError(_("You cannot disable yourself; another admin can."))
            self.users.disable(name, by=self.access.name)
            return _("{name} may no longer sign in.").format(name=name)
        self._do("change", change)

    @guard("admin")
    def enable(self, _button: object = None) -> None:
        def change() -> str:
            name = self._chosen()
            self.users.enable(name, by=self.access.name)
            return _("{name} may sign in again.").format(name=name)
        self._do("change", change)

    def _chosen(self) -> str:
        if not self.person.value:
            raise UserError(_("Choose a person first."))
        return str(self.person.value)


def app() -> None:
    """Show the people page (the one call notebooks/apps/admin.ipynb makes)."""
    from IPython.display import HTML, display

    from workbook.apps import page
    from workbook.apps.common import FRIENDLY_ERROR, request_query
    from workbook.apps.roles import current_access
    from workbook.store import Store

    try:
        store = Store()
        request_query()  # with pre-heated kernels: wait for the request (and its person)
        admin = AdminApp(store, current_access(store))
    except AccessRefused as err:
        display(HTML(page.CSS + f"<div class='wb-msg-error wb-refused'>{esc(str(err))}</div>"))
        return
    except Exception:
        when = log_exception("starting the admin page")
        display(HTML(page.CSS + "<div class='wb-msg-error'>This page could not start. "
                     f"{esc(FRIENDLY_ERROR.format(when=when))}</div>"))
        return
    display(HTML(page.setup_html()))
    display(admin.widget)
