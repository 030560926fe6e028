"""What every app shares: the page frame, the district picker, the user, charts, errors.

An app is a class derived from `App`. It builds its widgets in `build()`, fills them for the
chosen district in `load()`, and reports extra URL parameters in `url_params()`. The frame
around it (navigation, region and district, the user's name, messages) and the plumbing
(URL, unsaved-changes flag, friendly errors) live here so each app module reads as what
the app does.

`run(AppClass)` is the one call an app notebook makes. Under Voila with pre-heated
kernels it does the slow part (imports, region data, the store) before the request
arrives, then waits for the request's query string and builds the page.

Why ~550 lines: the frame every app shares (pickers bound to the address, messages, the
user, charts, the unsaved-edit guard, warm-up); an app module reads only `App` and `run`.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import os
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar, cast
from urllib.parse import parse_qs, urlencode

import ipywidgets as widgets

from workbook.apps import APPS, WORKBOOK_OF_APP
from workbook.apps.roles import (
    AccessRefused,
    GuardedStore,
    SignedInBox,
    apply_role,
    current_access,
    role_note,
)
from workbook.report.blocks import (
    Audience,
    esc,  # the one escape, re-exported for the apps
    start_chart_engine,
)
from workbook.store import Store
from workbook.users.model import Access

F = TypeVar("F", bound=Callable[..., Any])


FRIENDLY_ERROR = ("Something went wrong on our side. Nothing was saved by this step, and what "
                  "you typed is still in the form: try again, or reload the page. If it keeps "
                  "happening, tell your workbook administrator the time: {when}.")


def log_exception(where: str) -> str:
    """Write the traceback to the server log (never to the page); returns the time stamp."""
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    print(f"[workbook app error {when} in {where}]", file=sys.__stderr__)
    traceback.print_exc(file=sys.__stderr__)
    return when


def hub_user() -> str:
    """The JupyterHub user name, when a hub started this server."""
    return os.environ.get("JUPYTERHUB_USER", "").strip()


def audience() -> Audience:
    """Who the apps show student counts to: "stakeholder" (small groups hidden, the
    default) or "team" (every count), as `workbook serve --audience` set it."""
    value = os.environ.get("WORKBOOK_APPS_AUDIENCE", "").strip()
    return "team" if value == "team" else "stakeholder"


def parse_query(query: str | None) -> dict[str, str]:
    """`a=1&b=2` as a dict (last value wins; blank values dropped)."""
    pairs = parse_qs((query or "").lstrip("?"), keep_blank_values=False)
    return {k: v[-1] for k, v in pairs.items() if v}


def request_query() -> dict[str, str]:
    """The page's query string. With pre-heated kernels this waits for the request."""
    from workbook.apps.request import query_string

    return parse_query(query_string())


# --------------------------------------------------------------------------- messages


class Messages:
    """The message line under the header: saved, errors, conflicts (with their buttons)."""

    def __init__(self) -> None:
        self.text = widgets.HTML()
        self.actions = widgets.HBox([])
        self.widget = widgets.VBox([self.text, self.actions])
        self.widget.add_class("wb-messages")
        # where the line shows: under the header (home), or next to the button just pressed
        # (a slot, see `at`); slots are aria-live regions (template/workbook_page.js)
        self.home = widgets.VBox([self.widget])
        self.home.add_class("wb-msg-slot")
        self._slot, self._next = self.home, self.home

    def at(self, slot: widgets.Box) -> Messages:
        """Show the next message in `slot` (beside the button pressed), then go home."""
        self._next = slot
        return self

    def _show(self, kind: str, markup: str, actions: list[widgets.Widget] | None = None) -> None:
        slot, self._next = self._next, self.home
        if slot is not self._slot:
            self._slot.children = ()
            slot.children = (self.widget,)
            self._slot = slot
        # the buttons first: a message that asks for a choice is not read before its choices
        self.actions.children = tuple(actions or ())
        self.text.value = f"<div class='wb-msg-{kind}' role='status'>{markup}</div>"

    def ok(self, text: str) -> None:
        self._show("ok", esc(text))

    def info(self, text: str) -> None:
        self._show("info", esc(text))

    def error(self, text: str) -> None:
        self._show("error", esc(text))

    def html(self, kind: str, markup: str, actions: list[widgets.Widget] | None = None) -> None:
        """Show prepared markup (callers escape user text themselves)."""
        self._show(kind, markup, actions)

    def clear(self) -> None:
        self.text.value = ""
        self.actions.children = ()

    @property
    def current(self) -> str:
        return self.text.value


def guard(where: str) -> Callable[[F], F]:
    """Wrap a callback: an unexpected error becomes a friendly message, the traceback goes
    to the server log. `self.messages` must exist on the object whose method this wraps."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(self, *args, **kwargs)
            except Exception:
                when = log_exception(f"{where}.{fn.__name__}")
                self.messages.error(FRIENDLY_ERROR.format(when=when))
                return None
            finally:  # controls a callback made keep to the person's role
                app = self if isinstance(self, App) else getattr(self, "app", None)
                if isinstance(app, App) and app.access.signed_in:
                    app.apply_role()

        return cast(F, inner)  # called as fn is, and returns what fn does (or None)

    return wrap


# --------------------------------------------------------------------------- charts


class Chart:
    """A chart drawn to SVG in the kernel (no network, no JavaScript) in an HTML widget.

    Every chart carries a text alternative. Drawing errors leave a sentence, not a
    traceback, and the rest of the page keeps working.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.widget = widgets.HTML()
        self.widget.add_class("wb-chart")
        self.widget.add_class(f"wb-chart-{name}")
        self.svg = ""

    def show(self, build: Callable[[], Any], alt_text: str) -> None:
        from workbook.report import blocks as show

        try:
            svg = show.svg(build())
        except Exception:
            log_exception(f"chart {self.name}")
            self.widget.value = ("<p class='wb-msg-error'>This chart could not be drawn. "
                                 f"{esc(alt_text)}</p>")
            return
        self.show_svg(svg, alt_text)

    def show_svg(self, svg: str, alt_text: str) -> None:
        self.svg = svg
        self.widget.value = (f"<figure role='img' aria-label='{esc(alt_text)}' "
                             f"data-chart='{esc(self.name)}'>{svg}"
                             f"<figcaption>{esc(alt_text)}</figcaption></figure>")

    def empty(self, text: str) -> None:
        self.svg = ""
        self.widget.value = f"<p class='wb-msg-info'>{esc(text)}</p>"


# --------------------------------------------------------------------------- the user


class UserBox:
    """Who is saving: the hub's user, or the name typed once (the browser remembers it)."""

    def __init__(self, hub_name: str | None = None) -> None:
        self.hub_name = hub_user() if hub_name is None else hub_name
        self.error = widgets.HTML()
        self.error.add_class("wb-field-error")
        if self.hub_name:
            self.text = None
            self.widget = widgets.HTML(f"Saving as <b>{esc(self.hub_name)}</b>")
        else:
            self.text = widgets.Text(placeholder="your name", description="Your name:",
                                     style={"description_width": "initial"},
                                     layout=widgets.Layout(width="260px"))
            self.text.add_class("wb-user")
            self.text.observe(lambda _: setattr(self.error, "value", ""), "value")
            self.widget = widgets.VBox([self.text, self.error])

    @property
    def name(self) -> str:
        if self.hub_name:
            return self.hub_name
        return (self.text.value if self.text else "").strip()[:100]

    def require(self) -> str | None:
        """The name, or None with a message next to the name box asking for it."""
        name = self.name
        if not name:
            self.error.value = ("Type your name first: every save records who made it "
                                "(the browser remembers it).")
        return name or None


# --------------------------------------------------------------------------- places


class DistrictPicker:
    """Region and district dropdowns; the choice is also what the URL carries."""

    def __init__(self, query: Mapping[str, str], access: Access | None = None) -> None:
        # only the districts this person may see (roles: workbook.apps.roles)
        self.access = access or Access.single_user()
        self.regions = {n: t for n, t in _region_titles().items() if self.access.is_admin
                        or self.access.visible(d for d, _ in district_choices(n))}
        region = query.get("region") or "sample"
        self.unknown: str = ""
        if not self.regions:
            self.unknown = ("Your account has no role for any district this server has: ask "
                            "your workbook administrator.")
            self.regions = {"": "(none)"}
            region = ""
        if region not in self.regions:
            self.unknown = f"There is no region {region!r}; pick one below."
            region = next(iter(self.regions), "sample")
        self.region = widgets.Dropdown(
            options=[(t, n) for n, t in self.regions.items()], value=region,
            description="Region:", layout=widgets.Layout(width="330px"))
        self.district = widgets.Dropdown(description="District:",
                                         layout=widgets.Layout(width="460px"))
        self._fill(region)
        wanted = query.get("district", "")
        ids = {v for _, v in self.district.options}
        if wanted and wanted in ids:
            self.district.value = wanted
        elif wanted:
            self.unknown = (f"District {wanted!r} is not in {self.regions[region]}; "
                            "pick one below.")
        self.widget = widgets.HBox([self.region, self.district])

    def fill(self, region: str) -> None:
        """The region's districts, none chosen."""
        self._fill(region)

    def _fill(self, region: str) -> None:
        choices = [(d, n) for d, n in (district_choices(region) if region else ())
                   if self.access.may_see(d)]
        self.district.options = [("Choose a district...", "")] + [
            (f"{name} ({did})", did) for did, name in choices]
        self.district.value = ""

    @property
    def district_id(self) -> str:
        return self.district.value or ""

    @property
    def district_name(self) -> str:
        for label, value in self.district.options:
            if value == self.district.value:
                return label.rsplit(" (", 1)[0]
        return ""


@functools.cache
def _region_titles() -> dict[str, str]:
    from workbook.run import regions

    out = {}
    for manifest in regions.manifests():
        try:
            out[manifest.stem] = regions.load(manifest.stem).title
        except Exception:
            log_exception(f"region manifest {manifest.name}")
    return out


@functools.cache
def district_choices(region: str) -> tuple[tuple[str, str], ...]:
    """(id, name) of the region's districts, sorted by name."""
    from workbook.run import batch, context, regions

    outcomes = context.region_outcomes(region)
    pairs = batch.district_ids(regions.load(region), outcomes)
    return tuple(sorted(pairs, key=lambda p: p[1]))


@functools.cache
def region_state(region: str) -> str:
    """The state a region's data come from (it sets the small-n threshold)."""
    from workbook.run import regions

    return regions.load(region).state


@functools.cache
def state_terms(region: str) -> dict[str, object]:
    """How the region's state is spoken of (ESD or county office, partnership or
    differentiated assistance, colors or percentages, its small-group rule): the one
    lookup, `workbook.states.terms`, the reports' too."""
    from workbook import states

    return states.terms(region_state(region))


def state_line(region: str, who: Audience) -> str:
    """The line under the header saying whose results the apps show and how, in the
    state's own words; for stakeholders, that small groups are hidden."""
    from workbook.i18n import _

    t = state_terms(region)
    how = _("Dashboard colors") if t["colors"] else _("percentages")
    support = _("{support} with the {unit} ({unit_long})").format(
        support=t["support_name"], unit=t["regional_unit"], unit_long=t["regional_unit_long"])
    parts = [_("Results: {source} ({how}).").format(source=t["source"], how=how),
             _("Support: {support}.").format(support=support)]
    if t["growth_targets"]:
        parts.append(_("Growth targets: met or not met each year."))
    small = str(t["suppression"])
    parts.append(_("{rule}; they are hidden here, with any cell that would reveal them.")
                 .format(rule=small) if who == "stakeholder" else
                 _("{rule}; every count is shown here (team edition).").format(rule=small))
    return f"<p class='wb-state-note'>{esc(' '.join(parts))}</p>"


def outcomes(region: str):
    """The region's tidy outcome table (read once per kernel)."""
    from workbook.run import context

    return context.region_outcomes(region)


# --------------------------------------------------------------------------- styles

#: Widgets whose default style and layout are one shared model per kernel instead of one
#: per widget: the leaves of the apps' forms, never boxes (the apps show and hide boxes
#: by their layout) and never dropdowns (one is hidden the same way).
SHARED_MODEL_CLASSES = ("HTML", "HTMLMath", "Label", "Text", "Textarea", "Checkbox",
                        "Button", "DatePicker", "ToggleButton", "ToggleButtons")
_shared_models: dict[tuple[int, type], widgets.Widget] = {}


def shared_model(klass: type) -> widgets.Widget:
    """The kernel's one default `klass` (a Layout or a style) for the leaf widgets."""
    key = (os.getpid(), klass)  # a fork never inherits another process's models
    model = _shared_models.get(key)
    if model is None or getattr(model, "comm", None) is None:  # none yet, or closed
        model = _shared_models[key] = klass()
    return model


def share_default_models() -> None:
    """Give every widget of `SHARED_MODEL_CLASSES` created without its own layout or style
    the kernel's one default layout and style of its kind.

    A form of a few hundred fields otherwise sends a few hundred identical layout and
    style models to the page, each one message to send, store and turn into a model in
    the browser (over a third of the plan builder's widgets). The apps never change the
    layout or style of these widgets after creating them (CSS classes do the styling;
    tests/test_apps_speed.py checks that the shared ones stay untouched), so sharing
    changes nothing on screen; a widget given its own (`layout=...`, `style={...}`)
    keeps it.
    """
    for name in SHARED_MODEL_CLASSES:
        cls = getattr(widgets, name)
        traits = cls.class_traits()
        for trait_name in ("layout", "style"):
            if trait_name in traits and f"_{trait_name}_default" not in cls.__dict__:
                klass = traits[trait_name].klass
                setattr(cls, f"_{trait_name}_default",
                        lambda _self, klass=klass: shared_model(klass))


share_default_models()


# --------------------------------------------------------------------------- the frame

#: Apps whose only saves are comments (each its own record): a liaison's role allows them.
COMMENT_APPS = frozenset({"coaching"})



class App:
    """The frame every app lives in; subclasses fill `self.body`.

    Subclasses set `name` and `title`, and implement `build()` (create widgets, once),
    `load()` (fill them for `self.district_id`, from the store) and optionally
    `url_params()`. Calls that change widgets from code wrap themselves in
    `with self.loading():` so they do not count as unsaved edits.
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""

    #: True when `build()` needs nothing of the request (the person, the address): such
    #: an app is built by a pre-heated kernel before anyone asks (see `early`).
    builds_early: ClassVar[bool] = True

    def __init__(self, store: Store, query: Mapping[str, str] | None = None, *,
                 user: str | None = None, access: Access | None = None) -> None:
        if self.builds_early:
            self._build_early()
            self._attach(store, query, user=user, access=access)
            return
        self._frame()
        self._attach(store, query, user=user, access=access, built=False)

    @classmethod
    def early(cls) -> App | None:
        """The app's widgets built before its request arrives (None if it cannot be):
        `attach` then opens it for the request's person and district. Creating a few
        hundred widgets is most of a big app's first page; a pre-heated kernel does it
        while it waits."""
        if not cls.builds_early:
            return None
        app = cls.__new__(cls)
        app._build_early()
        return app

    def attach(self, store: Store, query: Mapping[str, str] | None = None, *,
               access: Access | None = None) -> App:
        """Open an app from `early` for the request: who it is and which district."""
        self._attach(store, query, access=access)
        return self

    def _frame(self) -> None:
        self.messages = Messages()
        self.body = widgets.VBox([])
        self._loading = 0
        self._dirty_parts: set[str] = set()

    def _build_early(self) -> None:
        self._frame()
        with self.loading():
            self.build()

    def _attach(self, store: Store, query: Mapping[str, str] | None, *,
                user: str | None = None, access: Access | None = None,
                built: bool = True) -> None:
        self.query = dict(query or {})
        # who is saving, and what they may do where (workbook.apps.roles)
        self.access = access or Access.single_user()
        self.store = cast(Store, GuardedStore(store, self.access))
        self.user: UserBox | SignedInBox = (SignedInBox(self.access) if self.access.signed_in
                                            else UserBox(user))
        self.role_note = widgets.HTML()
        self.state_note = widgets.HTML()  # the state's words (state_line)
        self.state_note.add_class("wb-state")
        self.picker = DistrictPicker(self.query, self.access)
        self.url_state = widgets.HTML(layout=widgets.Layout(display="none"))
        self.url_state.add_class("wb-url-state")
        self.nav = widgets.HTML()
        self.dirty_badge = widgets.HTML()
        header = widgets.HBox([self.picker.widget, self.user.widget],
                              layout=widgets.Layout(justify_content="space-between",
                                                    flex_flow="row wrap"))
        self.widget = widgets.VBox([self.nav, header, self.role_note, self.state_note,
                                    self.messages.home,
                                    self.dirty_badge, self.body, self.url_state])
        self.widget.add_class("wb-app")
        self.widget.add_class(f"wb-app-{self.name}")
        if not built:
            with self.loading():
                self.build()
        self.picker.district.observe(self._district_changed, "value")
        self.picker.region.observe(self._region_changed, "value")
        if self.picker.unknown:
            self.messages.info(self.picker.unknown)
        self._open()

    # -- what subclasses provide -------------------------------------------------------
    def build(self) -> None:
        raise NotImplementedError

    def load(self) -> None:
        raise NotImplementedError

    def url_params(self) -> dict[str, str]:
        return {}

    @classmethod
    def prepare(cls, region: str) -> None:
        """Slow work worth doing before the request arrives (pre-heated kernels)."""

    # -- state -------------------------------------------------------------------------
    @property
    def district_id(self) -> str:
        return self.picker.district_id

    @property
    def district_name(self) -> str:
        return self.picker.district_name

    @property
    def region(self) -> str:
        return self.picker.region.value

    def loading(self) -> _Loading:
        """Context manager: widget changes inside are the app's own, not the user's."""
        return _Loading(self)

    @property
    def is_loading(self) -> bool:
        return self._loading > 0

    @property
    def dirty(self) -> bool:
        return bool(self._dirty_parts)

    def mark_dirty(self, *_: Any, part: str = "form") -> None:
        """A user edit: flag it on the page (leaving asks first) until it is saved.

        `part` names the form the edit belongs to, for apps with several forms that save
        separately: the page stays flagged while any of them has unsaved edits.
        """
        if self.is_loading:
            return
        self._dirty_parts.add(part)
        self.widget.add_class("wb-dirty")
        self.dirty_badge.value = ("<span class='wb-dirty-badge'>Unsaved changes: press Save "
                                  "to keep them.</span>")

    def mark_clean(self, part: str | None = None) -> None:
        """Saved (or dropped): `part` only, or every form when None."""
        if part is None:
            self._dirty_parts.clear()
        else:
            self._dirty_parts.discard(part)
        if not self._dirty_parts:
            self.widget.remove_class("wb-dirty")
            self.dirty_badge.value = ""

    def is_dirty(self, part: str) -> bool:
        return part in self._dirty_parts

    def may_switch(self, control: widgets.Widget, change: dict, refusal: str, *,
                   part: str | None = None) -> bool:
        """Whether a picker's change (to another district, record, month...) goes ahead.

        A change the app made itself (while loading) does not. With unsaved edits (of
        `part`, or of any form) the picker goes back to `change["old"]` and `refusal` says
        why, so no edit is ever dropped silently.
        """
        if self.is_loading:
            return False
        if not (self.is_dirty(part) if part else self.dirty):
            return True
        with self.loading():
            control.value = change["old"]
        self.messages.error(refusal)
        return False

    def watch(self, *controls: widgets.Widget, part: str = "form") -> None:
        """Count changes to these controls as unsaved edits (of `part`)."""
        for c in controls:
            c.observe(lambda _ch, p=part: self.mark_dirty(part=p), "value")

    # -- URL and navigation ------------------------------------------------------------
    def update_url(self) -> None:
        params = {"region": self.region} if self.region != "sample" else {}
        if self.district_id:
            params["district"] = self.district_id
        params.update({k: v for k, v in self.url_params().items() if v})
        query = urlencode(params)
        self.url_state.value = f"<span data-query='{esc(query)}'></span>"
        suffix = "?" + esc(query) if query else ""
        here = " class='wb-here' aria-current='page'"
        from workbook.apps.network import refusal

        shown = [(name, title) for name, title in APPS  # the network view: liaisons, admins
                 if name != "network" or not refusal(self.access)]
        links = "".join(f"<a href='{name}.ipynb{suffix}'{here if name == self.name else ''}>"
                        f"{esc(title)}</a>" for name, title in shown)
        home = f"../../{suffix}"
        workbook = WORKBOOK_OF_APP.get(self.name)  # the same district, read-only
        place = urlencode({"region": self.region, "district_id": self.district_id} if
                          self.district_id else {"region": self.region})
        report = (f"<a class='wb-workbook' href='{workbook}.ipynb?{esc(place)}'>Read-only "
                  "workbook</a>") if workbook else ""
        self.nav.value = (f"<nav class='wb-topbar' aria-label='Apps'><a class='wb-home' "
                          f"href='{home}'>Workbook apps</a>{links}{report}</nav>")

    @property
    def url_query(self) -> str:
        """The query string the page shows (for tests)."""
        value = self.url_state.value
        return html.unescape(value.split("data-query='", 1)[1].split("'", 1)[0]) \
            if "data-query='" in value else ""

    # -- district changes --------------------------------------------------------------
    def _district_changed(self, change: dict) -> None:
        if self.is_loading or (change.get("old") and not self.may_switch(
                self.picker.district, change, "You have unsaved changes for this district: "
                "save them first (or reload the page to drop them), then switch.")):
            return
        self._open()

    @guard("app")
    def _region_changed(self, change: dict) -> None:
        if not self.may_switch(self.picker.region, change, "You have unsaved changes: save "
                               "them first (or reload the page to drop them), then switch."):
            return
        with self.loading():
            self.picker.fill(change["new"])
        self._open()

    @guard("app")
    def _open(self) -> None:
        self.update_url()
        self.state_note.value = state_line(self.region, audience()) if self.region else ""
        if not self.district_id:
            with self.loading():
                self.body.children = (widgets.HTML(
                    "<p class='wb-msg-info'>Pick a district above to begin.</p>"),)
            return
        with self.loading():
            self.load()
        self.mark_clean()
        self.update_url()
        self.apply_role()

    def may_change(self) -> bool:
        """Whether this person may change anything of the district shown (in the apps that
        save only comments, a liaison may: COMMENT_APPS)."""
        if self.name in COMMENT_APPS:
            return self.access.may_comment(self.district_id)
        return self.access.may_edit(self.district_id)

    def role_keeps(self) -> list[widgets.Widget]:
        """Controls that stay on when `may_change()` is False (e.g. a liaison's comment)."""
        return []

    def apply_role(self) -> None:
        """Turn off what this person's role does not allow here, and say so (the store
        refuses such saves anyway: GuardedStore)."""
        if isinstance(self.user, SignedInBox):
            self.user.show(self.district_id)
        read_only = bool(self.district_id) and not self.may_change()
        self.role_note.value = role_note(self.access, self.district_id, self.name)
        apply_role(self.body, read_only, keep=self.role_keeps() if read_only else ())
        if read_only:
            self.widget.add_class("wb-readonly")
        else:
            self.widget.remove_class("wb-readonly")

    def reload(self) -> None:
        """Drop unsaved edits and read the district again from the store."""
        self.mark_clean()
        self._open()


class _Loading:
    def __init__(self, app: App) -> None:
        self.app = app

    def __enter__(self) -> None:
        self.app._loading += 1

    def __exit__(self, *exc: object) -> None:
        self.app._loading -= 1


# --------------------------------------------------------------------------- entry point


def warm() -> Store:
    """Everything slow that does not depend on the request: imports, data, chart engine."""
    import workbook.needs.charts  # noqa: F401
    import workbook.progress.charts  # noqa: F401
    import workbook.progress.quarterly  # noqa: F401
    import workbook.rootcause.charts  # noqa: F401
    from workbook.run import speedups

    speedups.install()  # the batch's chart speed-ups: same drawings, less work per redraw
    start_chart_engine()  # vl-convert, with its own fonts only
    for name in _region_titles():
        district_choices(name)
    return Store()


def run(app_class: type[App]) -> None:
    """Show the app in this notebook; any failure becomes a friendly message."""
    from IPython.display import HTML, display

    from workbook.apps import page

    try:
        store = warm()
        try:
            app_class.prepare("sample")
        except Exception:  # only a warm-up: the app still starts without it
            log_exception(f"preparing {app_class.__name__}")
        try:
            early = app_class.early()  # the widgets, before anyone asks
        except Exception:  # only a head start: the app is built after the request instead
            log_exception(f"building {app_class.__name__} early")
            early = None
        if os.environ.get("VOILA_PREHEAT") == "True":  # benchmarks wait for this line
            print(f"[workbook] {app_class.name} app warm, waiting for its request",
                  file=sys.__stderr__, flush=True)
        query = request_query()
        asked = time.perf_counter()
        access = current_access(store)  # who opened the page, as the server recorded it
        app = (early.attach(store, query, access=access) if early is not None
               else app_class(store, query, access=access))
        built = time.perf_counter()
    except AccessRefused as err:
        display(HTML(page.CSS + f"<div class='wb-msg-error'>{esc(str(err))}</div>"))
        return
    except Exception:
        when = log_exception(f"starting {app_class.__name__}")
        display(HTML(page.CSS + "<div class='wb-msg-error'>This app could not start. "
                     f"{esc(FRIENDLY_ERROR.format(when=when))}</div>"))
        return
    display(HTML(page.setup_html()))
    display(app.widget)
    # for whoever tunes the server: how long the page's own work took in this kernel
    print(f"[workbook] {app_class.name} app shown: built in {built - asked:.2f} s, sent in "
          f"{time.perf_counter() - built:.2f} s", file=sys.__stderr__, flush=True)
