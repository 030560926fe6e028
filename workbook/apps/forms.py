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
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from pydantic import ValidationError

from workbook.apps.common import App, esc
from workbook.errors import WorkbookError
from workbook.records.base import R, Record
from workbook.store import ConflictError, unique_key

#: Limits of the record fields (workbook.records Text and ShortText).
TEXT_MAX, SHORT_MAX = 20_000, 500


class FieldProblem(ValueError):
    """A value the user typed that cannot be used; the message is for them."""


class NumberHint(FieldProblem):
    """A number the locale's rules cannot read for sure; the message says what it may be."""


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


#: Characters that only ever group digits ("12 000", "12'000"), in any locale.
_SPACES = " \u00a0\u202f\u2009'\u2019"


@dataclass(frozen=True)
class NumberRules:
    """How a locale writes numbers: its decimal mark and its thousands separator."""

    locale: str
    decimal: str  # "." or ","
    group: str  # ",", "." or a space

    @classmethod
    def of(cls, locale: str | None = None) -> NumberRules:
        """The rules of `locale` (default: WORKBOOK_LOCALE, else en_US), from CLDR via Babel.

        Babel, because CLDR is where every locale's marks are kept (es_ES and vi_VN write
        12.000,50; fr_FR 12 000,50; de_CH 12'000.50): no table of our own to keep.
        """
        from babel import Locale, UnknownLocaleError
        from babel.numbers import get_decimal_symbol, get_group_symbol

        name = locale or os.environ.get("WORKBOOK_LOCALE", "").strip() or "en_US"
        try:
            Locale.parse(name)
        except (ValueError, TypeError, UnknownLocaleError):
            name = "en_US"
        decimal, group = get_decimal_symbol(name), get_group_symbol(name)
        if decimal not in ".,":
            decimal = "."
        if group not in ",." + _SPACES or group == decimal:
            group = "," if decimal == "." else "."
        return cls(name, decimal, group)

    def example(self) -> str:
        g = " " if self.group in _SPACES else self.group
        return f"12{g}000{self.decimal}50"


def parse_number(value: str | float | None, *, minimum: float | None = None,
                 locale: str | None = None) -> float | None:
    """A number typed by a person, or None when blank.

    The rules, so that no typing is silently read as another number:

    * currency symbols, a trailing %, spaces and apostrophes between digit groups are
      ignored: "$12,000", "12 000 €", "8%", "1'200";
    * with both a point and a comma, the last one is the decimal mark: "12,000.50" and
      "12.000,50" are both 12000.5;
    * a mark that appears more than once groups thousands: "1.234.567";
    * one mark alone is the locale's: in en_US "4.5" is a decimal and "12,000" a thousands
      separator; in es_ES and vi_VN the other way round;
    * what the locale's rules cannot read is refused with what it might mean: "4,5" in
      en_US ("did you mean 4.5?", never 45), "1.500" (1.5 or 1500?), "1,00,000"
      (digits not grouped in threes).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise FieldProblem("This must be a number, e.g. 45.5.")
    if isinstance(value, int | float):
        number = float(value)
    else:
        read = _read_number(value, NumberRules.of(locale))
        if read is None:
            return None
        number = read
    if not math.isfinite(number):
        raise FieldProblem("This must be an ordinary number, e.g. 45.5.")
    if minimum is not None and number < minimum:
        raise FieldProblem(f"This cannot be below {minimum:g}.")
    return number


def _read_number(value: str, rules: NumberRules) -> float | None:
    typed = value.strip()
    if not typed:
        return None
    shown = typed[:40]
    if len(typed) > 40:
        raise FieldProblem("This must be a number, e.g. 45.5.")
    text = typed.replace("\u2212", "-").replace("\u2013", "-")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Sc")  # $ € £ ₫ ...
    text = text.strip().removesuffix("%").strip()
    sign = ""
    if text[:1] and text[0] in "+-":
        sign, text = text[0].replace("+", ""), text[1:].strip()
    not_a_number = FieldProblem(f"{shown!r} is not a number; type a number such as "
                                f"{rules.example()} (or leave it blank).")
    if not text or any(not (ch.isdigit() and ch.isascii()) and ch not in ".," + _SPACES
                       for ch in text) or not any(ch.isdigit() for ch in text):
        raise not_a_number
    marks = [ch for ch in text if ch in ".,"]
    kinds = set(marks)
    decimal: str | None
    if len(kinds) == 2:  # "12,000.50", "12.000,50": the last one is the decimal mark
        decimal = marks[-1]
        if marks.count(decimal) > 1:
            raise not_a_number
    elif len(kinds) == 1:
        mark = marks[0]
        whole, _, frac = text.rpartition(mark)
        if len(marks) > 1:
            decimal = None  # "1.234.567": it can only group
        elif frac.isdigit() and len(frac) == 3 and _grouped(whole, mark) and \
                whole.strip(_SPACES).lstrip("0"):
            # "1,500" / "1.500": thousands where the mark groups, else ambiguous
            if mark == rules.group or (mark != rules.decimal and rules.group in _SPACES):
                decimal = None
            else:
                alt = _plain(whole + frac)
                small = f"{float(_plain(whole) + '.' + frac):g}".replace(".", rules.decimal)
                raise NumberHint(
                    f"{shown!r} could be {small} or {alt}: type {small} or {alt} (in this "
                    f"form a number is written like {rules.example()}).")
        elif mark == rules.decimal:
            decimal = mark
        else:
            suggestion = f"{_plain(whole) or '0'}{rules.decimal}{_plain(frac)}"
            raise NumberHint(
                f"{shown!r}: did you mean {suggestion}? Nothing was read from it: here the "
                f"decimal mark is {'a point' if rules.decimal == '.' else 'a comma'}, as "
                f"in {rules.example()}.")
    else:
        decimal = None
    whole, frac = (text.rsplit(decimal, 1) if decimal else (text, ""))
    if not _grouped(whole, ".,"):
        raise NumberHint(f"{shown!r} does not group its digits in threes; type it "
                           f"without separators, e.g. {_plain(whole)}"
                           f"{'.' + frac if frac else ''}.")
    if frac and not frac.isdigit():
        raise not_a_number
    return float(f"{sign}{_plain(whole) or '0'}.{frac or '0'}")


def _plain(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _grouped(whole: str, marks: str) -> bool:
    """Whether the digits before the decimal mark are plain or grouped in threes."""
    parts = [p for p in re.split(f"[{re.escape(marks + _SPACES)}]", whole.strip(_SPACES))]
    if len(parts) == 1:
        return parts[0].isdigit() or parts[0] == ""
    return (1 <= len(parts[0]) <= 3 and parts[0].isdigit()
            and all(len(p) == 3 and p.isdigit() for p in parts[1:]))


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
    if isinstance(value, bool):
        return "Yes" if value else "No"
    text = str(value)
    return text if len(text) <= 300 else text[:297] + "..."


def field_title(name: str) -> str:
    """A record field as people say it ("budget_used" -> "Budget used")."""
    return name.replace("_", " ").strip().capitalize()


def differences(mine: Record, theirs: Record | None) -> list[tuple[str, str, str]]:
    """(field, mine, theirs) for every field that differs."""
    a = mine.content()
    b = theirs.content() if theirs is not None else {}
    return [(k, _describe(a.get(k)), _describe(b.get(k))) for k in a if a.get(k) != b.get(k)]


@dataclass
class Merge:
    """Two people's edits of one record, field by field, against the version both began
    from (`base`, from the store's history).

    A field only one of them changed keeps that person's value; only a field both changed
    to different values (`both`) needs a person to choose. Without a base (the record is
    new and another holds its place, e.g. that month's status update; or the history has
    no copy), every field that differs is asked.
    """

    mine: Record
    theirs: Record
    base: Record | None
    only_mine: list[str]
    only_theirs: list[str]
    both: list[str]

    def taken(self, mine_wins: Iterable[str] = ()) -> dict[str, Any]:
        """The stored values to write over the form's: theirs wherever I did not change a
        field, or chose theirs for a field we both changed."""
        keep = set(mine_wins)
        return {f: getattr(self.theirs, f) for f in self.only_theirs
                + [f for f in self.both if f not in keep]}


def merge(mine: Record, theirs: Record, base: Record | None) -> Merge:
    """Compare three copies of a record field by field (pure: no store, no widgets)."""
    a, b = mine.content(), theirs.content()
    o = base.content() if base is not None else None
    only_mine, only_theirs, both = [], [], []
    for f in a:
        if a.get(f) == b.get(f):
            continue
        if o is None:
            both.append(f)
        elif a.get(f) == o.get(f):
            only_theirs.append(f)
        elif b.get(f) == o.get(f):
            only_mine.append(f)
        else:
            both.append(f)
    return Merge(mine, theirs, base, only_mine, only_theirs, both)


@dataclass
class _Rebase:
    """How to write my copy of a record after a conflict: over their id and version, with
    their values for the fields listed."""

    id: str
    version: int
    take: dict[str, Any]


class Saver:
    """An app's Save: names the user, writes in one transaction, merges or asks.

    The result shows next to the button pressed (`slot`, placed by the app under its Save
    button). When someone saved a record meanwhile, their changes to fields this person
    did not touch are kept and saved with theirs, without asking; only fields both changed
    are shown, side by side, with who changed them and when, for the person to choose.
    """

    def __init__(self, app: App, retry: Callable[[], Any], *, part: str | None = None,
                 reload: Callable[[], Any] | None = None) -> None:
        self.app = app
        self.retry = retry  # the app's own save, run again after a choice in a conflict
        self.part = part  # the form whose edits a successful save makes clean (None: all)
        self.reload = reload or app.reload  # "use theirs": read the record(s) again
        self.rebase: dict[str, _Rebase] = {}  # my record id -> how to write it over theirs
        self.last_conflict: ConflictError | None = None
        self.last_merge: Merge | None = None
        self.slot = widgets.VBox([])
        self.slot.add_class("wb-msg-slot")
        self.slot.add_class("wb-save-result")
        self._placed = False

    def place(self, slot: widgets.Box | None = None) -> widgets.Widget:
        """The box for this Save's result; the app puts it beside its Save button (or
        gives one that several buttons share)."""
        if slot is not None:
            self.slot = slot
        self._placed = True
        return self.slot

    @property
    def here(self):
        """The app's message line, shown next to this Save button when it is placed."""
        return self.app.messages.at(self.slot) if self._placed else self.app.messages

    def __call__(self, records: Sequence[R], *, delete: Iterable[Record] = (),
                 what: str = "changes") -> list[R] | None:
        user = self.app.user.require()
        if user is None:
            self.here.error("Nothing was saved: type your name at the top right first.")
            return None
        delete = list(delete)
        kept: list[Merge] = []  # conflicts merged without asking (different fields)
        for _ in range(len(records) + len(delete) + 1):
            try:
                saved = self.app.store.save_all([self._rebased(r) for r in records],
                                                user=user,
                                                delete=[self._rebased(r) for r in delete])
                break
            except ConflictError as err:
                found = self._merge(err, deleting={r.id for r in delete})
                if found is not None and not found.both and err.key is None:
                    self._take(found, mine_wins=())
                    kept.append(found)
                    continue
                self.last_conflict, self.last_merge = err, found
                self._conflict(err, found)
                return None
            except WorkbookError as err:
                self.here.error(f"Nothing was saved: {err}")
                return None
        else:  # pragma: no cover - every pass settles one record or stops
            self.here.error("Nothing was saved: the records kept changing; reload the page.")
            return None
        self.rebase.clear()
        self.last_conflict = None
        when = dt.datetime.now().strftime("%H:%M")
        also = "".join(
            f" {m.theirs.updated_by or 'Someone'} had changed "
            f"{', '.join(field_title(f).lower() for f in m.only_theirs)} meanwhile; "
            "that change is kept." for m in kept if m.only_theirs)
        self.here.ok(f"Saved {what} at {when} as {user}.{also}")
        self.app.mark_clean(self.part)
        return saved

    def _rebased(self, record: R) -> R:
        # a new record (a fresh id each time the form is read) is known by its unique key
        how = self.rebase.get(record.id) or self.rebase.get(unique_key(record) or "")
        if how is None:
            return record
        return record.model_copy(update={**how.take, "id": how.id, "version": how.version})

    def _take(self, m: Merge, mine_wins: Iterable[str]) -> None:
        how = _Rebase(m.theirs.id, m.theirs.version, m.taken(mine_wins))
        self.rebase[m.mine.id] = how
        if m.mine.id != m.theirs.id:  # that month's update: mine is written over theirs
            self.rebase[unique_key(m.mine) or m.mine.id] = how

    def _merge(self, err: ConflictError, deleting: set[str]) -> Merge | None:
        """The field-by-field comparison of a conflict (None: a deletion is involved)."""
        mine, theirs = err.mine, err.theirs
        if theirs is None or mine.id in deleting:
            return None
        base = None
        if err.key is None and mine.version:
            base = self.app.store.version(mine.id, mine.version)
        # compare what the form holds now (with earlier choices), not the rebased copy
        return merge(mine, theirs, base)

    def _conflict(self, err: ConflictError, m: Merge | None) -> None:
        mine, theirs = err.mine, err.theirs
        if theirs is None:
            head = (f"Not saved: {esc(mine.label())} was deleted by someone else after you "
                    "opened it.")
            who = "deleted"
        elif err.key is not None:
            when = theirs.updated_at.strftime("%Y-%m-%d %H:%M") if theirs.updated_at else "?"
            head = (f"Not saved: <b>{esc(theirs.updated_by or 'someone')}</b> already saved "
                    f"this month's update for this action at {esc(when)} UTC. There is one "
                    "update per action per month: compare and choose, field by field. What "
                    "you typed is still in the form.")
            who = f"{theirs.updated_by or 'theirs'} (saved)"
        else:
            when = theirs.updated_at.strftime("%Y-%m-%d %H:%M") if theirs.updated_at else "?"
            head = (f"Not saved: {esc(mine.label())} was changed by "
                    f"<b>{esc(theirs.updated_by or 'someone')}</b> at {esc(when)} UTC after you "
                    "opened it. Nothing you typed is lost: it is still in the form. Compare "
                    "and choose.")
            who = f"{theirs.updated_by or 'theirs'} (saved)"
        choices: dict[str, widgets.ToggleButtons] = {}
        if m is None:
            rows = "".join(f"<tr><th>{esc(field_title(f))}</th><td>{esc(a)}</td>"
                           f"<td>{esc(b)}</td></tr>" for f, a, b in differences(mine, theirs))
            table = (f"<table class='wb-table wb-conflict'><tr><th>Field</th><th>Yours (not "
                     f"saved)</th><th>{esc(who)}</th></tr>"
                     f"{rows or '<tr><td colspan=3>Same text</td></tr>'}</table>")
            pickers: list[widgets.Widget] = []
        else:
            theirs = m.theirs  # a merge always has their copy
            a, b = mine.content(), theirs.content()
            o = m.base.content() if m.base is not None else {}
            before = "<th>Before</th>" if m.base is not None else ""
            rows = "".join(
                f"<tr><th>{esc(field_title(f))}</th>"
                + (f"<td>{esc(_describe(o.get(f)))}</td>" if m.base is not None else "")
                + f"<td>{esc(_describe(a.get(f)))}</td><td>{esc(_describe(b.get(f)))}</td></tr>"
                for f in m.both)
            kept = "".join(
                f"<li>{esc(field_title(f))}: {esc(_describe(b.get(f)))} "
                f"(changed by {esc(theirs.updated_by or 'them')}, kept)</li>"
                for f in m.only_theirs) + "".join(
                f"<li>{esc(field_title(f))}: {esc(_describe(a.get(f)))} (your change, kept)"
                "</li>" for f in m.only_mine)
            table = (f"<p>Changed by both of you (choose below):</p>"
                     f"<table class='wb-table wb-conflict'><tr><th>Field</th>{before}"
                     f"<th>Yours (not saved)</th><th>{esc(who)}</th></tr>"
                     f"{rows or '<tr><td colspan=3>Same values</td></tr>'}</table>"
                     + (f"<p>Changed by one of you, kept without asking:</p><ul "
                        f"class='wb-merge-kept'>{kept}</ul>" if kept else ""))
            pickers = []
            for f in m.both:
                t = widgets.ToggleButtons(options=[("Keep mine", "mine"),
                                                   (f"Keep {theirs.updated_by or 'theirs'}'s",
                                                    "theirs")],
                                          value="mine", description=f"{field_title(f)}:",
                                          style={"description_width": "initial"},
                                          layout=widgets.Layout(width="100%"))
                t.add_class(f"wb-choose-{f}")
                choices[f] = t
                pickers.append(t)
        keep_theirs = widgets.Button(description="Use theirs (drop mine)",
                                     button_style="warning",
                                     layout=widgets.Layout(width="auto"))
        keep_mine = widgets.Button(description="Save mine over theirs",
                                   button_style="danger", layout=widgets.Layout(width="auto"))
        keep_theirs.add_class("wb-use-theirs")
        keep_mine.add_class("wb-save-mine")
        buttons: list[widgets.Widget] = [keep_theirs, keep_mine]

        def use_theirs(_: Any) -> None:
            self.rebase.clear()
            self.app.mark_clean(self.part)
            self.reload()
            self.here.info("Reloaded: you now see the saved version.")

        def save_with(mine_wins: Iterable[str]) -> None:
            if m is not None:
                self._take(m, mine_wins)
            else:
                self.rebase[mine.id] = _Rebase(mine.id, theirs.version if theirs else 0, {})
            self.retry()

        keep_theirs.on_click(use_theirs)
        # "mine over theirs": mine for the fields both changed, theirs stay where only they did
        keep_mine.on_click(lambda _: save_with(m.both if m is not None else ()))
        if choices:
            chosen = widgets.Button(description="Save with these choices",
                                    button_style="primary",
                                    layout=widgets.Layout(width="auto"))
            chosen.add_class("wb-save-chosen")
            chosen.on_click(lambda _: save_with(
                [f for f, t in choices.items() if t.value == "mine"]))
            buttons = [chosen, *buttons]
        self.app.messages.actions.layout.flex_flow = "row wrap"  # a choice per line
        self.here.html("conflict", f"<p>{head}</p>{table}", [*pickers, *buttons])
