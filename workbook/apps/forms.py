"""Form fields with their own error line, input parsing, and saving that never loses work.

The rules every app follows when the user presses Save:

1. read every field; collect *all* problems (a target that is not a number, a due date
   before the start, a 10 MB paste) and show each next to its field;
2. if there is any problem, save nothing;
3. otherwise write all changed records (and deletions) in one store transaction;
4. if someone else saved one of those records since it was opened, the store refuses the
   whole transaction (ConflictError); show both versions side by side and let the user
   choose: take theirs (their edits are dropped, the form reloads) or save theirs over with
   mine (a deliberate overwrite, recorded under the user's name). Nothing is overwritten
   silently.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipywidgets as widgets
from pydantic import ValidationError

from workbook.apps.common import App, esc
from workbook.errors import WorkbookError
from workbook.records.base import R, Record
from workbook.store import ConflictError

#: Limits of the record fields (workbook.records Text and ShortText).
TEXT_MAX, SHORT_MAX = 20_000, 500


class FieldProblem(ValueError):
    """A value the user typed that cannot be used; the message is for them."""


class Field:
    """A control with a label and an error line right under it."""

    def __init__(self, control: widgets.Widget, label: str = "", help: str = "",
                 width: str | None = None) -> None:
        self.control = control
        self.error = widgets.HTML()
        self.error.add_class("wb-field-error")
        parts: list[widgets.Widget] = []
        if label:
            parts.append(widgets.HTML(f"<b>{esc(label)}</b>"
                                      + (f" <small>{esc(help)}</small>" if help else "")))
        parts += [control, self.error]
        self.widget = widgets.VBox(parts, layout=widgets.Layout(margin="0 4px 4px 0",
                                                                width=width))

    @property
    def value(self) -> Any:
        return self.control.value

    @value.setter
    def value(self, v: Any) -> None:
        self.control.value = v

    def fail(self, message: str) -> None:
        self.error.value = f"<span role='alert'>{esc(message)}</span>"
        self.control.add_class("wb-invalid")

    def clear(self) -> None:
        self.error.value = ""
        self.control.remove_class("wb-invalid")

    @property
    def message(self) -> str:
        return self.error.value


def text_field(label: str, *, area: bool = False, placeholder: str = "", help: str = "",
               continuous: bool = True, width: str | None = None, rows: int = 3) -> Field:
    """A text box filling its field; `width` is the field's share of the row."""
    kind = widgets.Textarea if area else widgets.Text
    control = kind(placeholder=placeholder, continuous_update=continuous,
                   layout=widgets.Layout(width="100%"))
    if area:
        control.rows = rows
    return Field(control, label, help, width=width)


# --------------------------------------------------------------------------- parsing


def clean_text(value: str, limit: int = TEXT_MAX) -> str:
    """The text stripped; too long is a problem (with the size, so the user knows why)."""
    text = (value or "").strip()
    if len(text) > limit:
        raise FieldProblem(f"Too long: {len(text):,} characters; this field takes at most "
                           f"{limit:,}. Shorten it (or link to a document) and save again.")
    return text


def parse_number(value: str | float | None, *, minimum: float | None = None) -> float | None:
    """A number typed by a person ("45.5", "-12", "1,200", "8%"), or None when blank."""
    if value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = value.strip().replace(",", "").rstrip("%").strip()
        if not text:
            return None
        if len(text) > 40:
            raise FieldProblem("This must be a number, e.g. 45.5.")
        try:
            number = float(text)
        except ValueError:
            raise FieldProblem(f"{value.strip()[:40]!r} is not a number; type a number such "
                               "as 45.5 (or leave it blank).") from None
    if not math.isfinite(number):
        raise FieldProblem("This must be an ordinary number, e.g. 45.5.")
    if minimum is not None and number < minimum:
        raise FieldProblem(f"This cannot be below {minimum:g}.")
    return number


def parse_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise FieldProblem("Type a date as YYYY-MM-DD, e.g. 2025-03-31.") from None


class Problems:
    """Problems found while reading a form, by field; shown all at once."""

    def __init__(self, fields: dict[str, Field]) -> None:
        self.fields = fields
        self.found: dict[str, str] = {}
        for f in fields.values():
            f.clear()

    def read(self, name: str, fn: Callable[[], Any]) -> Any:
        """Run one parse; a FieldProblem is recorded against `name` and None returned."""
        try:
            return fn()
        except FieldProblem as exc:
            self.add(name, str(exc))
            return None

    def add(self, name: str, message: str) -> None:
        self.found.setdefault(name, message)
        if name in self.fields:
            self.fields[name].fail(message)

    def model(self, model: type[R], values: dict[str, Any],
              aliases: dict[str, str] | None = None) -> R | None:
        """Validate a record; its errors land on the matching fields (`aliases`: record
        field -> form field; model-level errors go to the alias of "")."""
        try:
            return model.model_validate(values)
        except ValidationError as err:
            for e in err.errors():
                loc = str(e["loc"][0]) if e["loc"] else ""
                name = (aliases or {}).get(loc, loc)
                self.add(name, friendly(dict(e)))
            return None

    def __bool__(self) -> bool:
        return bool(self.found)

    def summary(self) -> str:
        n = len(self.found)
        return (f"Nothing was saved: {n} field{'s' if n > 1 else ''} need{'' if n > 1 else 's'}"
                " a change (see the messages next to them).")


def friendly(error: dict) -> str:
    """A pydantic error as a sentence for the person who typed the value."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    given = error.get("input")
    if kind == "string_too_long":
        size = len(given) if isinstance(given, str) else 0
        return (f"Too long: {size:,} characters; this field takes at most "
                f"{ctx.get('max_length', 0):,}. Shorten it and save again.")
    if kind in ("float_parsing", "int_parsing", "float_type", "int_type"):
        return "This must be a number, e.g. 45.5."
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"Out of range: {error.get('msg', '').lower()}."
    msg = str(error.get("msg", "not valid")).removeprefix("Value error, ").rstrip(".")
    return msg[:1].upper() + msg[1:] + "."


# --------------------------------------------------------------------------- saving


def _describe(value: Any) -> str:
    if value in (None, "", [], {}):
        return "(empty)"
    text = str(value)
    return text if len(text) <= 300 else text[:297] + "..."


def differences(mine: Record, theirs: Record | None) -> list[tuple[str, str, str]]:
    """(field, mine, theirs) for every field that differs."""
    a = mine.content()
    b = theirs.content() if theirs is not None else {}
    return [(k, _describe(a.get(k)), _describe(b.get(k))) for k in a if a.get(k) != b.get(k)]


class Saver:
    """An app's Save: names the user, writes in one transaction, handles conflicts."""

    def __init__(self, app: App, retry: Callable[[], Any], *, part: str | None = None,
                 reload: Callable[[], Any] | None = None) -> None:
        self.app = app
        self.retry = retry  # the app's own save, run again after "save mine over theirs"
        self.part = part  # the form whose edits a successful save makes clean (None: all)
        self.reload = reload or app.reload  # "use theirs": read the record(s) again
        self.rebase: dict[str, int] = {}  # record id -> version the user chose to overwrite
        self.last_conflict: ConflictError | None = None

    def __call__(self, records: Sequence[R], *, delete: Iterable[Record] = (),
                 what: str = "changes") -> list[R] | None:
        user = self.app.user.require()
        if user is None:
            self.app.messages.error("Nothing was saved: type your name at the top right "
                                    "first.")
            return None
        records = [self._rebased(r) for r in records]
        delete = [self._rebased(r) for r in delete]
        try:
            saved = self.app.store.save_all(records, user=user, delete=delete)
        except ConflictError as err:
            self.last_conflict = err
            self._conflict(err)
            return None
        except WorkbookError as err:
            self.app.messages.error(f"Nothing was saved: {err}")
            return None
        self.rebase.clear()
        self.last_conflict = None
        when = dt.datetime.now().strftime("%H:%M")
        self.app.messages.ok(f"Saved {what} at {when} as {user}.")
        self.app.mark_clean(self.part)
        return saved

    def _rebased(self, record: R) -> R:
        if record.id in self.rebase:
            return record.model_copy(update={"version": self.rebase[record.id]})
        return record

    def _conflict(self, err: ConflictError) -> None:
        mine, theirs = err.mine, err.theirs
        rows = "".join(f"<tr><th>{esc(f)}</th><td>{esc(a)}</td><td>{esc(b)}</td></tr>"
                       for f, a, b in differences(mine, theirs))
        if theirs is None:
            head = (f"Not saved: {esc(mine.label())} was deleted by someone else after you "
                    "opened it.")
            who = "deleted"
        else:
            when = theirs.updated_at.strftime("%Y-%m-%d %H:%M") if theirs.updated_at else "?"
            head = (f"Not saved: {esc(mine.label())} was changed by "
                    f"<b>{esc(theirs.updated_by or 'someone')}</b> at {esc(when)} UTC after you "
                    "opened it. Nothing you typed is lost: it is still in the form. Compare "
                    "and choose.")
            who = f"{theirs.updated_by or 'theirs'} (saved)"
        table = (f"<table class='wb-table wb-conflict'><tr><th>field</th><th>yours (not saved)"
                 f"</th><th>{esc(who)}</th></tr>{rows or '<tr><td colspan=3>same text</td></tr>'}"
                 "</table>")
        keep_theirs = widgets.Button(description="Use theirs (drop mine)",
                                     button_style="warning",
                                     layout=widgets.Layout(width="auto"))
        keep_mine = widgets.Button(description="Save mine over theirs",
                                   button_style="danger", layout=widgets.Layout(width="auto"))
        keep_theirs.add_class("wb-use-theirs")
        keep_mine.add_class("wb-save-mine")

        def use_theirs(_: Any) -> None:
            self.rebase.clear()
            self.app.mark_clean(self.part)
            self.reload()
            self.app.messages.info("Reloaded: you now see the saved version.")

        def save_mine(_: Any) -> None:
            self.rebase[mine.id] = theirs.version if theirs is not None else 0
            self.retry()

        keep_theirs.on_click(use_theirs)
        keep_mine.on_click(save_mine)
        self.app.messages.html("conflict", f"<p>{head}</p>{table}", [keep_theirs, keep_mine])
