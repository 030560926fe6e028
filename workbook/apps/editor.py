"""A form for one kind of record: pick one (or "new"), edit its fields, save it.

The plan builder has six kinds of records (direction, goals, measures, strategies,
milestones, actions), each a list to pick from and a form, each saved on its own so two
people can work on different parts of a plan at once. `Editor` is that pattern once:
`Spec`s say which field of the record each control edits and how typed text becomes a
value; reading the form collects every problem before anything is saved; a conflict is
resolved for this record only; open comments from the liaison sit under the form.

Deleting asks first and says what goes with the record (its measures, milestones,
actions, status updates and comments: `workbook.records.document.removal`) and what stays but
is unlinked (a strategy whose goal is deleted). The parts are read afresh when the
question is asked, and the deletion is one transaction with version checks: if anyone
changed any of them since, nothing is deleted and the conflict is shown.

Why one module of ~430 lines: `Editor` and `Deleter` are one form's life cycle (show, read,
save, resolve a conflict, delete), and each step calls the others.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic

import ipywidgets as widgets

from workbook.apps.common import App, esc, guard
from workbook.apps.forms import (
    SHORT_MAX,
    Field,
    FieldProblem,
    NumberHint,
    Problems,
    Saver,
    clean_text,
    parse_date,
    parse_number,
)
from workbook.apps.panels import OpenComments, RecordHistory
from workbook.direction.model import split_theory
from workbook.records.base import R, Record
from workbook.records.document import Removal, removal

if TYPE_CHECKING:
    from workbook.apps.plan import PlanApp

NEW = "__new__"
TARGET_YEARS = (1, 2, 3)


@dataclass(frozen=True)
class Spec:
    """One control: which record field it edits (`name`), its label and kind.

    Kinds: text, area, number, int, date, choice (`options`), bool, list (comma-separated
    words), targets (three plan-year targets), theory (if / then / and, composed into one
    "If we ..., then ..., and ..." text), checks (a check box per option, the checked
    options' values as a list; stored values that are not options are kept), notes (a text
    box per option, a dict of the non-empty ones by the option's value).
    """

    name: str
    label: str
    kind: str = "text"
    options: Sequence[tuple[str, Any]] | Callable[[], Sequence[tuple[str, Any]]] = ()
    help: str = ""
    required: bool = False
    limit: int = 20_000
    default: Any = None  # the value of a blank number field


@dataclass
class _Control:
    spec: Spec
    fields: dict[str, Field] = field(default_factory=dict)  # sub-key -> Field


def _make(spec: Spec) -> _Control:
    c = _Control(spec)
    wide = widgets.Layout(width="100%")
    if spec.kind in ("text", "number", "int", "list"):
        c.fields[""] = Field(widgets.Text(layout=wide, continuous_update=True), spec.label,
                             spec.help)
    elif spec.kind == "area":
        c.fields[""] = Field(widgets.Textarea(rows=3, layout=wide), spec.label, spec.help)
    elif spec.kind == "date":
        c.fields[""] = Field(widgets.DatePicker(), spec.label, spec.help)
    elif spec.kind == "choice":
        c.fields[""] = Field(widgets.Dropdown(layout=widgets.Layout(width="420px")),
                             spec.label, spec.help)
    elif spec.kind == "bool":
        c.fields[""] = Field(widgets.Checkbox(indent=False, description=spec.help),
                             spec.label)
    elif spec.kind == "targets":
        for y in TARGET_YEARS:
            c.fields[str(y)] = Field(widgets.Text(layout=widgets.Layout(width="120px")),
                                     f"Target, year {y}")
    elif spec.kind == "checks":
        for text, value in _options(spec):
            c.fields[value] = Field(widgets.Checkbox(indent=False, description=text,
                                                     layout=wide), "")
    elif spec.kind == "notes":
        for text, value in _options(spec):
            c.fields[value] = Field(widgets.Text(layout=wide), text)
    elif spec.kind == "theory":
        for part, hint in (("if", "If we ... (what the adults will do)"),
                           ("then", "then ... (what changes in practice)"),
                           ("and", "and ... (what changes for students)")):
            c.fields[part] = Field(widgets.Textarea(rows=2, layout=wide, placeholder=hint),
                                   part.capitalize())
    else:  # pragma: no cover - a programming error, caught by the tests
        raise ValueError(f"unknown kind {spec.kind!r}")
    for key, f in c.fields.items():
        f.control.add_class(f"wb-f-{spec.name}{'-' + key if key else ''}")
    return c


def _options(spec: Spec) -> list[tuple[str, Any]]:
    return list(spec.options() if callable(spec.options) else spec.options)


def _box(c: _Control) -> widgets.Widget:
    parts = [f.widget for f in c.fields.values()]
    if c.spec.kind == "targets":
        return widgets.HBox(parts)
    if c.spec.kind in ("checks", "notes"):
        head = widgets.HTML(f"<b>{esc(c.spec.label)}</b>" + (
            f" <small>{esc(c.spec.help)}</small>" if c.spec.help else ""))
        box = widgets.VBox([head, *parts])
        box.add_class(f"wb-f-{c.spec.name}")
        return box
    return widgets.VBox(parts) if len(parts) > 1 else parts[0]


class Editor(Generic[R]):
    """Pick a record of one kind (optionally under a parent), edit it, save it."""

    def __init__(self, app: PlanApp, comments: OpenComments, *, key: str, title: str,
                 model: type[R], specs: Sequence[Spec],
                 records: Callable[[], list[R]], new_values: Callable[[], dict],
                 label: Callable[[R], str], single: bool = False,
                 aliases: dict[str, str] | None = None,
                 on_saved: Callable[[R], None] | None = None,
                 on_show: Callable[[], None] | None = None,
                 on_change: Callable[[], None] | None = None) -> None:
        self.app, self.comments, self.key, self.title = app, comments, key, title
        self.model, self.specs, self.records_of = model, list(specs), records
        self.new_values, self.label, self.single = new_values, label, single
        self.aliases = aliases or {}
        self.on_saved, self.on_show, self.on_change = on_saved, on_show, on_change
        self.record: R | None = None
        self.controls = {s.name: _make(s) for s in self.specs}
        self.pick = widgets.Dropdown(description=f"{title}:",
                                     style={"description_width": "initial"},
                                     layout=widgets.Layout(width="560px"))
        self.pick.add_class(f"wb-pick-{key}")
        self.pick.observe(self._picked, "value")
        self.save_button = widgets.Button(description=f"Save {title.lower()}",
                                          button_style="primary",
                                          layout=widgets.Layout(width="auto"))
        self.save_button.add_class(f"wb-save-{key}")
        self.save_button.on_click(lambda _: self.save())
        self.deleter = Deleter(app, key=key, title=title, current=lambda: self.record,
                               after=self._deleted, reload=self.reload)
        self.note = widgets.HTML()
        self.comment_box = widgets.VBox([])
        self.saver = Saver(app, retry=self.save, part=key, reload=self.reload)
        self.history = RecordHistory(app, title=title, reload=self.reload)
        for c in self.controls.values():
            for f in c.fields.values():
                app.watch(f.control, part=key)
                if on_change:
                    f.control.observe(lambda _ch: self._changed(), "value")
        form = [_box(c) for c in self.controls.values()]
        buttons = [self.save_button] if single else [self.save_button, self.deleter.button]
        self.widget = widgets.VBox(([] if single else [self.pick]) + [
            self.note, *form, self.comment_box,
            widgets.HBox(buttons), self.saver.place(), self.deleter.widget,
            self.deleter.saver.place(), self.history.widget])
        self.widget.add_class("wb-card")
        self.widget.add_class(f"wb-editor-{key}")

    @property
    def messages(self):
        """The app's message line (where `guard` reports an unexpected error)."""
        return self.app.messages

    # -- choosing ----------------------------------------------------------------------
    def refresh(self, keep: str | None = None) -> None:
        """Fill the list of records again and show `keep` (or the current, or the first)."""
        items = self.records_of()
        options = [(self.label(r), r.id) for r in items]
        if not self.single or not items:
            options.append((f"New {self.title.lower()}...", NEW))
        wanted = keep or self.pick.value
        ids = [v for _, v in options]
        with self.app.loading():
            self.pick.options = options
            self.pick.value = wanted if wanted in ids else ids[0]
        self.show(self.pick.value)

    def show(self, record_id: str) -> None:
        self.record = next((r for r in self.records_of() if r.id == record_id), None)
        with self.app.loading():
            for c in self.controls.values():
                self._set(c, getattr(self.record, c.spec.name, None) if self.record
                          else self.new_values().get(c.spec.name))
                for f in c.fields.values():
                    f.clear()
        self.note.value = "" if self.record else (
            f"<p><i>A new {esc(self.title.lower())}: fill it in and save.</i></p>")
        self.comment_box.children = (
            box := self.comments.box(self.record.id), self.comments.slot(box)) \
            if self.record else ()
        self.app.mark_clean(self.key)
        self.deleter.reset()
        self.history.show(self.record.id if self.record else None)
        if self.on_show:
            self.on_show()

    def enable(self, ok: bool, why: str = "") -> None:
        """Allow editing (or not, saying why: e.g. its parent is not saved yet)."""
        self.save_button.disabled = not ok
        self.pick.disabled = not ok
        self.deleter.button.disabled = not ok or self.record is None
        if not ok:
            self.note.value = f"<p class='wb-msg-info'>{esc(why)}</p>"

    def _set(self, c: _Control, value: Any) -> None:
        kind = c.spec.kind
        if kind == "targets":
            for y in TARGET_YEARS:
                t = (value or {}).get(y)
                c.fields[str(y)].value = "" if t is None else f"{t:g}"
            return
        if kind == "checks":
            for key, f in c.fields.items():
                f.value = key in (value or [])
            return
        if kind == "notes":
            for key, f in c.fields.items():
                f.value = (value or {}).get(key, "")
            return
        if kind == "theory":
            parts = split_theory(value or "")
            for key, text in zip(("if", "then", "and"), parts, strict=True):
                c.fields[key].value = text
            return
        f = c.fields[""]
        if kind == "choice":
            opts = list(c.spec.options() if callable(c.spec.options) else c.spec.options)
            if value not in (None, "") and value not in [v for _, v in opts]:
                opts.append((str(value), value))  # a stored value no option names: kept
            f.control.options = opts
            values = [v for _, v in opts]
            f.value = value if value in values else (values[0] if values else None)
        elif kind in ("number", "int"):
            f.value = "" if value is None else f"{value:g}"
        elif kind == "list":
            f.value = ", ".join(value or [])
        elif kind == "bool":
            f.value = bool(value) if value is not None else True
        elif kind == "date":
            f.value = value
        else:
            f.value = value or ""

    @guard("editor")
    def _picked(self, change: dict) -> None:
        if not self.app.may_switch(self.pick, change, "Save (or reload the page to drop) "
                                   f"your changes to this {self.title.lower()} before opening "
                                   "another.", part=self.key):
            return
        self.show(change["new"])
        self._changed()
        self.app.update_url()

    def _changed(self) -> None:
        if self.on_change and not self.app.is_loading:
            self.on_change()

    def reload(self) -> None:
        """After "use theirs": read the records again, keep this one."""
        self.app.refresh_doc()
        self.refresh(self.record.id if self.record else None)
        self._changed()

    # -- reading and saving ------------------------------------------------------------
    def _value(self, c: _Control, p: Problems) -> Any:
        s, name = c.spec, c.spec.name
        kind = s.kind
        if kind == "targets":
            out = {}
            for y in TARGET_YEARS:
                box = c.fields[str(y)]
                v = p.read(f"{name}.{y}", functools.partial(_target, box.value, y))
                if v is not None:
                    out[y] = v
            return out
        if kind == "checks":
            stored = (getattr(self.record, name, None) or []) if self.record else []
            return [k for k, f in c.fields.items() if f.value] + [
                v for v in stored if v not in c.fields]
        if kind == "notes":
            notes = {}
            for k, f in c.fields.items():
                text = p.read(f"{name}.{k}", functools.partial(clean_text, f.value, SHORT_MAX))
                if text:
                    notes[k] = text
            return notes
        if kind == "theory":
            parts = [p.read(f"{name}.{k}", functools.partial(clean_text, c.fields[k].value))
                     for k in ("if", "then", "and")]
            return _theory(*[x or "" for x in parts])
        f = c.fields[""]
        if kind in ("text", "area"):
            limit = min(s.limit, SHORT_MAX) if kind == "text" else s.limit
            text = p.read(name, lambda: clean_text(f.value, limit))
            if s.required and text == "":
                p.add(name, f"Write the {s.label.lower()}.")
            return text or ""
        if kind == "number":
            number = p.read(name, lambda: parse_number(f.value))
            return s.default if number is None else number
        if kind == "int":
            number = p.read(name, lambda: parse_number(f.value))
            if number is not None and number != int(number):
                p.add(name, "This must be a whole number, e.g. 2024.")
                return None
            return None if number is None else int(number)
        if kind == "date":
            return p.read(name, lambda: parse_date(f.value))
        if kind == "list":
            text = p.read(name, lambda: clean_text(f.value))
            return [w.strip() for w in (text or "").split(",") if w.strip()]
        return f.value

    def problems(self) -> Problems:
        fields = {}
        for c in self.controls.values():
            for key, f in c.fields.items():
                fields[f"{c.spec.name}.{key}" if key else c.spec.name] = f
        return Problems(fields)

    def _typed(self, draft_id: str | None = None) -> tuple[dict[str, Any], Problems]:
        """The record's values as typed (over the stored record, or a new one's defaults)
        and the problems found reading them."""
        p = self.problems()
        values = {c.spec.name: self._value(c, p) for c in self.controls.values()}
        base = self.record.model_dump() if self.record else {
            "org_id": self.app.district_id, **({"id": draft_id} if draft_id else {}),
            **self.new_values()}
        return {**base, **values}, p

    def read(self) -> tuple[R | None, Problems]:
        values, p = self._typed()
        record = p.model(self.model, values, self.aliases)
        return (None if p else record), p

    def draft(self) -> R | None:
        """The record as typed now, if it is valid (for live findings); no messages."""
        values, p = self._typed(draft_id=f"draft-{self.key}")
        for f in p.fields.values():
            f.clear()
        if p:
            return self.record
        try:
            return self.model.model_validate(values)
        except Exception:
            return self.record

    @guard("editor")
    def save(self) -> None:
        record, problems = self.read()
        if record is None:
            self.saver.here.error(problems.summary())
            return
        saved = self.saver([record], what=f"the {self.title.lower()}")
        if saved is None:
            return
        self.app.refresh_doc()
        self.refresh(saved[0].id)
        if self.on_saved:
            self.on_saved(saved[0])
        self._changed()
        self.app.update_url()


    def _deleted(self) -> None:
        self.app.refresh_doc()
        self.app.mark_clean(self.key)
        self.refresh()
        self._changed()
        self.app.update_url()


class Deleter:
    """A Delete button that asks first, saying what goes with the record, then deletes it
    and its parts (and unlinks what only points to it) in one transaction."""

    def __init__(self, app: App, *, key: str, title: str,
                 current: Callable[[], Record | None], after: Callable[[], None],
                 reload: Callable[[], None]) -> None:
        self.app, self.current, self.after = app, current, after
        self.messages = app.messages
        self.button = widgets.Button(description=f"Delete {title.lower()}...",
                                     layout=widgets.Layout(width="auto"))
        self.button.add_class(f"wb-delete-{key}")
        self.button.on_click(lambda _: self.ask())
        self.text = widgets.HTML()
        yes = widgets.Button(description="Yes, delete", button_style="danger",
                             layout=widgets.Layout(width="auto"))
        no = widgets.Button(description="Keep it", layout=widgets.Layout(width="auto"))
        yes.add_class(f"wb-confirm-delete-{key}")
        yes.on_click(lambda _: self.delete())
        no.on_click(lambda _: self.reset())
        self.choices = widgets.HBox([yes, no])
        self.widget = widgets.VBox([])
        self.widget.add_class("wb-confirm")
        self.pending: Removal | None = None
        self.saver = Saver(app, retry=self.delete, part=key, reload=reload)

    @guard("delete")
    def ask(self) -> None:
        """Say what deleting the open record takes with it; wait for yes or no."""
        record = self.current()
        if record is None:
            return
        stored = self.app.store.document(self.app.district_id)
        self.pending = removal(stored, record)
        self.text.value = (
            f"<p class='wb-msg-conflict'><b>Delete {esc(self.pending.summary())}?</b> This "
            "cannot be undone. If you are changing course, consider recording an adjustment "
            "instead.</p>")
        self.widget.children = (self.text, self.choices)

    def reset(self) -> None:
        """Nothing pending (after "keep it", a deletion, or another record opened)."""
        self.pending = None
        self.widget.children = ()
        self.button.disabled = self.current() is None

    @guard("delete")
    def delete(self) -> None:
        if self.pending is None:
            return
        gone = self.pending
        done = self.saver(gone.unlink, delete=gone.delete,
                          what=f"the deletion of {gone.record.label()}")
        if done is None:
            return
        self.reset()
        self.after()


def _target(value: str, year: int) -> float | None:
    try:
        return parse_number(value)
    except NumberHint as err:  # "4,5: did you mean 4.5?" says more than "a number"
        raise FieldProblem(f"Year {year}: {err}") from None
    except FieldProblem:
        raise FieldProblem(f"The target for year {year} must be a number, e.g. 45.5 (or "
                           "leave it blank).") from None


def _theory(if_: str, then: str, and_: str) -> str:
    """Compose "If we ..., then ..., and ..." from its parts (blank parts left out)."""
    parts = []
    if if_:
        parts.append(if_ if if_.lower().startswith("if ") else f"If {if_}")
    if then:
        parts.append(then if then.lower().startswith("then ") else f"then {then}")
    if and_:
        parts.append(and_ if and_.lower().startswith("and ") else f"and {and_}")
    return ", ".join(p.rstrip(".,; ") for p in parts) + ("." if parts else "")
