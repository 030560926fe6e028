"""Monitor and adjust (stages 5-6): supports, adjustments, semester milestone reviews and
annual results, as work a district team does in the browser.

Four tabs, one record kind each. Every tab lists what is saved, opens any record (or a new
one) in a form, saves it through the store as the signed-in person (`forms.Saver`: field-by-
field merges, conflicts asked about) and shows its history with restore
(`panels.RecordHistory`). What a person may do follows their role (`roles`): the district's
team edits, a liaison and a viewer read.

* **Supports**: the type is one of the state's continuum (`progress.support_types`, read from
  the state's rules), with provider, the priority and strategy it serves, when it was
  needed, requested and provided, and its effectiveness with the evidence behind it.
* **Adjustments**: what changed in the plan (the whole plan or one part), why, and who was
  told and when.
* **Milestone reviews**: at least once a semester (Tool A), complete or not, with notes.
* **Annual results**: per measure and plan year, with Tool A's "explanation and needed
  adjustments"; where the measure names a state indicator, the value in the state's file
  for that year is proposed (`progress.result_proposals`) and saved only when a person
  confirms it; a suppressed value stays suppressed.

Under the tabs, Tool A's year grid (`progress.year_tables`) and the printable quarterly
report (workbook 04), so what is saved here is seen where the district reports it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import ipywidgets as widgets
import pandas as pd

from workbook import progress as pg
from workbook.apps.common import App, esc, guard, outcomes, region_state, run
from workbook.apps.forms import Field, Problems, Saver, clean_text, parse_date, parse_number
from workbook.apps.panels import PlanExport, RecordHistory
from workbook.apps.status import _table, plan_dates, printable_report
from workbook.apps.toolb import questions_panel
from workbook.direction.model import Measure
from workbook.errors import WorkbookError
from workbook.i18n import _
from workbook.needs.model import Priority
from workbook.plan.model import Action, Milestone, Strategy
from workbook.progress.model import (
    EFFECTIVENESS,
    Adjustment,
    MilestoneReview,
    Result,
    Support,
)
from workbook.records.base import Record
from workbook.records.document import PlanDocument


@dataclass
class Spec:
    """One form field: record field name, label, kind (text, area, date, choice, check,
    number) and, for a choice, its options [(label, value)] from the plan."""

    name: str
    label: str
    kind: str = "text"
    options: Callable[[PlanDocument], list[tuple[str, Any]]] | None = None
    help: str = ""


def _control(spec: Spec) -> widgets.Widget:
    if spec.kind == "area":
        return widgets.Textarea(rows=3, layout=widgets.Layout(width="100%"))
    if spec.kind == "date":
        return widgets.DatePicker(layout=widgets.Layout(width="180px"))
    if spec.kind == "choice":
        return widgets.Dropdown(layout=widgets.Layout(width="100%"))
    if spec.kind == "check":
        return widgets.Checkbox(indent=False)
    return widgets.Text(layout=widgets.Layout(width="100%"))


def _empty(spec: Spec) -> Any:
    return {"date": None, "check": False}.get(spec.kind, "")


def _titled(doc: PlanDocument, kind: type[Record], blank: str) -> list[tuple[str, Any]]:
    return [(blank, "")] + [(str(getattr(r, "title", "") or r.label())[:90], r.id)
                            for r in doc.of(kind)]


class RecordTab:
    """One tab: the saved records of one kind, a form for one of them, Save and History."""

    def __init__(self, app: MonitorApp, *, part: str, record: type[Record], noun: str,
                 specs: list[Spec], describe: Callable[[Record], str],
                 columns: Callable[[PlanDocument], pd.DataFrame],
                 check: Callable[[dict[str, Any], Problems], None] | None = None) -> None:
        self.app, self.part, self.record, self.noun = app, part, record, noun
        self.specs, self.describe, self.columns, self.check = specs, describe, columns, check
        self.current: Record | None = None
        self.pick = widgets.Dropdown(description=_("Open:"),
                                     layout=widgets.Layout(width="100%"))
        self.pick.add_class(f"wb-pick-{part}")
        self.pick.observe(self._picked, "value")
        self.fields = {s.name: Field(_control(s), _(s.label), _(s.help) if s.help else "")
                       for s in self.specs}
        for name, f in self.fields.items():
            f.control.add_class(f"wb-{part}-{name.replace('_', '-')}")
            app.watch(f.control, part=part)
        self.save_button = widgets.Button(description=_("Save {noun}").format(noun=_(noun)),
                                          button_style="primary",
                                          layout=widgets.Layout(width="auto"))
        self.save_button.add_class(f"wb-save-{part}")
        self.save_button.on_click(lambda _b: self.save())
        self.saver = Saver(app, retry=self.save, part=part)
        self.history = RecordHistory(app, title=noun, reload=app.reload)
        self.listing = widgets.HTML()
        self.listing.add_class(f"wb-list-{part}")
        self.extra = widgets.VBox([])  # a tab's own controls (the results' proposals)
        rows = []
        for s in self.specs:
            rows.append(self.fields[s.name].widget)
        self.widget = widgets.VBox([self.listing, self.pick, self.extra, *rows,
                                    self.save_button, self.saver.place(),
                                    self.history.widget])
        self.widget.add_class(f"wb-tab-{part}")

    # -- filling -----------------------------------------------------------------------
    def load(self, doc: PlanDocument, keep: str | None = None) -> None:
        self.doc = doc
        for s in self.specs:
            if s.options is not None:
                f = self.fields[s.name]
                f.control.options = s.options(doc)
        records = sorted(doc.of(self.record), key=self._order)
        options = [(_("New {noun}").format(noun=_(self.noun)), "")] + [
            (self.describe(r)[:110], r.id) for r in records]
        wanted = keep if keep is not None else self.pick.value
        self.pick.options = options
        self.pick.value = wanted if wanted in [v for _l, v in options] else ""
        frame = self.columns(doc)
        self.listing.value = (_table(frame) if len(frame) else
                              f"<p class='wb-empty'>{esc(_('Nothing saved yet.'))}</p>")
        self._show(doc.get(self.pick.value) if self.pick.value else None)

    @staticmethod
    def _order(r: Record) -> tuple:
        day = getattr(r, "date", None) or getattr(r, "needed", None) or dt.date.min
        return (day, r.id)

    def _show(self, r: Record | None) -> None:
        self.current = r
        for s in self.specs:
            value = getattr(r, s.name, None) if r is not None else None
            f = self.fields[s.name]
            if s.kind == "choice":
                values = [v for _l, v in f.control.options]
                value = value if value in values else (values[0] if values else None)
            elif s.kind == "number":
                value = "" if value is None else f"{value:g}"
            elif value is None:
                value = _empty(s)
            f.value = value
            f.clear()
        self.history.show(r.id if r is not None else None)

    @guard("monitor")
    def _picked(self, change: dict) -> None:
        if not self.app.may_switch(self.pick, change, _(
                "Save (or reload the page to drop) your changes to this {noun} before opening "
                "another.").format(noun=_(self.noun)), part=self.part):
            return
        with self.app.loading():
            self._show(self.doc.get(self.pick.value) if self.pick.value else None)

    # -- saving ------------------------------------------------------------------------
    def read(self) -> tuple[Record | None, Problems]:
        p = Problems(self.fields)
        values: dict[str, Any] = {}
        for s in self.specs:
            f = self.fields[s.name]
            if s.kind in ("text", "area"):
                values[s.name] = p.read(s.name, partial(clean_text, f.value)) or ""
            elif s.kind == "date":
                values[s.name] = p.read(s.name, partial(parse_date, f.value))
            elif s.kind == "number":
                values[s.name] = p.read(s.name, partial(parse_number, f.value))
            elif s.kind == "check":
                values[s.name] = bool(f.value)
            else:
                values[s.name] = f.value
        if self.check is not None:
            self.check(values, p)
        base = (self.current.model_dump() if self.current is not None
                else {"org_id": self.app.district_id})
        values = {k: v for k, v in values.items() if not (v is None and k not in base)}
        record = p.model(self.record, {**base, **values}) if not p else None
        return record, p

    @guard("monitor")
    def save(self) -> None:
        record, problems = self.read()
        if problems or record is None:
            self.saver.here.error(problems.summary())
            return
        if self.current is not None and record.content() == self.current.content():
            self.saver.here.info(_("Nothing to save: change a field first."))
            return
        if self.saver([record], what=_("the {noun}").format(noun=_(self.noun))) is None:
            return
        self.app.refresh(keep={self.part: record.id})
        self.app.mark_clean(self.part)


# --------------------------------------------------------------------------- the tabs


def _support_types(app: MonitorApp) -> Callable[[PlanDocument], list[tuple[str, Any]]]:
    def options(doc: PlanDocument) -> list[tuple[str, Any]]:
        types = pg.support_types(region_state(app.region)) or pg.all_support_types()
        return [(_("(choose a type)"), "")] + [(_(t).capitalize(), t) for t in types]
    return options


def _effectiveness(_doc: PlanDocument) -> list[tuple[str, Any]]:
    return [(_("not rated yet"), None)] + [(f"{n}: {_(words)}", n)
                                            for n, words in EFFECTIVENESS.items()]


def _adjustable(doc: PlanDocument) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = [(_("The whole plan"), "")]
    for kind, name in ((Strategy, _("Strategy")), (Milestone, _("Milestone")),
                       (Action, _("Action"))):
        out += [(f"{name}: {r.title[:80]}", r.id) for r in doc.of(kind)]  # type: ignore[attr-defined]
    return out


def _milestones(doc: PlanDocument) -> list[tuple[str, Any]]:
    return [(_("(choose a milestone)"), "")] + [
        (f"{_('Year')} {m.plan_year}: {m.title[:80]}", m.id) for m in doc.of(Milestone)]


def _semesters(_doc: PlanDocument) -> list[tuple[str, Any]]:
    return [(_("from the date"), None), (_("1st semester"), 1), (_("2nd semester"), 2)]


def _measures(doc: PlanDocument) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = [(_("(choose a measure)"), "")]
    for m in doc.of(Measure):
        assert isinstance(m, Measure)
        parent = doc.get(m.parent)
        where = getattr(parent, "title", "") if parent is not None else ""
        out.append((f"{m.indicator[:60]} ({where[:40]})", m.id))
    return out


def _years(_doc: PlanDocument) -> list[tuple[str, Any]]:
    return [(f"{_('Plan year')} {k}", k) for k in range(1, 6)]


def _check_support(values: dict[str, Any], p: Problems) -> None:
    if not values.get("need"):
        p.add("need", _("Say what support the district needs."))
    if values.get("effectiveness") is not None and not values.get("evidence"):
        p.add("evidence", _("Say what shows how effective it was: the evidence behind the "
                            "score (Tool A asks for it, based on data)."))
    if values.get("provided_on") is not None:
        values["provided"] = True
    asked, given = values.get("requested"), values.get("provided_on")
    if asked and given and given < asked:
        p.add("provided_on", _("Provided before it was requested? Check the two dates."))


def _check_adjustment(values: dict[str, Any], p: Problems) -> None:
    if values.get("date") is None:
        p.add("date", _("Choose the date of the adjustment."))
    for name, words in (("change", _("Say what changed in the plan.")),
                        ("reason", _("Say why: the reason is what the team learned."))):
        if not values.get(name):
            p.add(name, words)
    if values.get("told_on") and values.get("date") and values["told_on"] < values["date"]:
        p.add("told_on", _("People were told before the change was made? Check the dates."))


def _check_review(values: dict[str, Any], p: Problems) -> None:
    if not values.get("milestone"):
        p.add("milestone", _("Choose the milestone reviewed."))
    if values.get("date") is None:
        p.add("date", _("Choose the date of the review."))


class MonitorApp(App):
    name = "monitor"
    title = "Supports and results"

    def build(self) -> None:
        self.supports = RecordTab(
            self, part="supports", record=Support, noun="support",
            specs=[Spec("need", "Support needed", "area"),
                   Spec("support_type", "Type of support", "choice", _support_types(self),
                        "on the state's continuum of supports"),
                   Spec("provider", "Provider", help="district, state or other organization"),
                   Spec("priority", "Priority it serves", "choice",
                        lambda d: _titled(d, Priority, _("(none)"))),
                   Spec("strategy", "Strategy it serves", "choice",
                        lambda d: _titled(d, Strategy, _("(none)"))),
                   Spec("needed", "Needed from", "date"),
                   Spec("requested", "Requested on", "date"),
                   Spec("provided_on", "Provided on", "date"),
                   Spec("provided", "Provided", "check"),
                   Spec("how_used", "How was the support used?", "area"),
                   Spec("effectiveness", "How effective was it?", "choice", _effectiveness),
                   Spec("evidence", "Evidence of effectiveness", "area",
                        help="the data the score rests on")],
            describe=lambda r: f"{r.support_type or _('support')}: {r.need}",  # type: ignore[attr-defined]
            columns=self._supports_frame, check=_check_support)
        self.adjustments = RecordTab(
            self, part="adjustments", record=Adjustment, noun="adjustment",
            specs=[Spec("target", "What is adjusted", "choice", _adjustable),
                   Spec("date", "Date", "date"),
                   Spec("change", "What changed", "area"),
                   Spec("reason", "Why (the reason)", "area"),
                   Spec("told", "Who was told", help="board, staff, families, the liaison"),
                   Spec("told_on", "Told on", "date")],
            describe=lambda r: f"{r.date}: {r.change}",  # type: ignore[attr-defined]
            columns=lambda d: pg.adjustments_table(d).drop(columns="adjustment_id")
            .rename(columns=str.capitalize), check=_check_adjustment)
        self.reviews = RecordTab(
            self, part="reviews", record=MilestoneReview, noun="milestone review",
            specs=[Spec("milestone", "Milestone", "choice", _milestones),
                   Spec("date", "Date of the review", "date"),
                   Spec("semester", "Semester", "choice", _semesters),
                   Spec("complete", "The milestone is complete", "check"),
                   Spec("reviewer", "Reviewed by"),
                   Spec("notes", "Notes", "area", help="what was found, what changes")],
            describe=lambda r: f"{r.date}: {self._title(r.milestone)}",  # type: ignore[attr-defined]
            columns=self._reviews_frame, check=_check_review)
        self.results = RecordTab(
            self, part="results", record=Result, noun="result",
            specs=[Spec("measure", "Measure", "choice", _measures),
                   Spec("plan_year", "Plan year", "choice", _years),
                   Spec("value", "Result", "number"),
                   Spec("explanation", "Explanation and needed adjustments", "area",
                        help="Tool A: why the result is where it is, and what changes")],
            describe=lambda r: f"{self._title(r.measure)}, {_('year')} {r.plan_year}: "  # type: ignore[attr-defined]
                               f"{r.value:g}",  # type: ignore[attr-defined]
            columns=self._results_frame, check=self._check_result)
        self.proposals = widgets.HTML()
        self.proposals.add_class("wb-proposals")
        self.use_state = widgets.Button(description=_("Use the state's value"),
                                        layout=widgets.Layout(width="auto"))
        self.use_state.add_class("wb-use-state")
        self.use_state.on_click(lambda _b: self.take_proposal())
        self.proposal_note = widgets.HTML()
        self.proposal_note.add_class("wb-proposal-note")
        self.results.extra.children = (self.proposals, self.use_state, self.proposal_note)
        self.from_state: dict[str, Any] | None = None  # the proposal the form holds
        self.results.fields["measure"].control.observe(self._result_target, "value")
        self.results.fields["plan_year"].control.observe(self._result_target, "value")

        self.tabs = widgets.Tab(children=[self.supports.widget, self.adjustments.widget,
                                          self.reviews.widget, self.results.widget])
        for i, title in enumerate((_("Supports"), _("Adjustments"), _("Milestone reviews"),
                                   _("Annual results"))):
            self.tabs.set_title(i, title)
        self.tabs.add_class("wb-monitor-tabs")
        self.year = widgets.HTML()
        self.year.add_class("wb-year-grid")
        self.quarter = widgets.Dropdown(description=_("Quarter:"),
                                        style={"description_width": "initial"})
        self.quarter.add_class("wb-report-quarter")
        self.quarter.observe(self._quarter_changed, "value")
        self.report_button = widgets.Button(
            description=_("Build the printable quarterly report"),
            layout=widgets.Layout(width="auto"))
        self.report_button.add_class("wb-build-report")
        self.report_button.on_click(lambda _b: self.build_report())
        self.report_link = widgets.HTML()
        self.report_link.add_class("wb-report-link")
        self.report_html: str | None = None
        self.export = PlanExport(self)
        self.view = widgets.VBox([
            self.export.widget, self.tabs,
            widgets.HTML(f"<h4>{esc(_('The year in Tool A’s layout'))}</h4>"), self.quarter,
            self.year, self.report_button, self.report_link, questions_panel("monitor")])

    def url_params(self) -> dict[str, str]:
        y_q = self.quarter.value
        return {"quarter": f"{y_q[0]}-{y_q[1]}" if y_q else ""}

    # -- loading -----------------------------------------------------------------------
    def load(self) -> None:
        self.doc = self.store.document(self.district_id)
        self.start, self.end = plan_dates(self.doc, dt.date(2024, 8, 1))
        options = [(_("Plan year {y}, quarter {q}").format(y=y, q=q), (y, q))
                   for y in range(1, 6) for q in range(1, 5)
                   if pg.quarter_bounds(self.start, q, y)[0] <= self.end]
        wanted = self.query.pop("quarter", "")
        chosen = self.quarter.value
        try:
            y, q = (int(x) for x in wanted.split("-")) if wanted else (0, 0)
            chosen = (y, q) if wanted else chosen
        except ValueError:
            self.messages.info(_("{wanted!r} is not a quarter (plan year-quarter, e.g. 1-3); "
                                 "showing this quarter.").format(wanted=wanted))
        self.quarter.options = options
        values = [v for _l, v in options]
        if chosen not in values:
            today = pg.quarter_of(self.start, min(max(dt.date.today(), self.start), self.end))
            chosen = today if today in values else values[0]
        self.quarter.value = chosen
        self.refresh()
        self.body.children = (self.view,)

    def refresh(self, keep: dict[str, str] | None = None) -> None:
        """Read the district again and fill every tab (keeping each tab's open record, or
        opening the one just saved), the proposals and the year grid."""
        keep = keep or {}
        with self.loading():
            self.doc = self.store.document(self.district_id)
            for tab in (self.supports, self.adjustments, self.reviews, self.results):
                tab.load(self.doc, keep.get(tab.part))
            self._result_target()
            self.draw_year()

    def _title(self, record_id: str) -> str:
        r = self.doc.get(record_id) if record_id else None
        return str(getattr(r, "title", "") or getattr(r, "indicator", "")) if r else ""

    # -- tables ------------------------------------------------------------------------
    def _supports_frame(self, doc: PlanDocument) -> pd.DataFrame:
        t = pg.supports_table(doc)
        return t[["need", "support_type", "provider", "needed", "requested", "provided_on",
                  "effectiveness_label", "evidence"]].rename(columns={
                      "need": _("Need"), "support_type": _("Type"), "provider": _("Provider"),
                      "needed": _("Needed"), "requested": _("Requested"),
                      "provided_on": _("Provided"), "effectiveness_label": _("Effectiveness"),
                      "evidence": _("Evidence")})

    def _reviews_frame(self, doc: PlanDocument) -> pd.DataFrame:
        rows = []
        for r in sorted(doc.of(MilestoneReview), key=lambda r: r.date):
            assert isinstance(r, MilestoneReview)
            semester = r.semester or pg.semester_of(self.start, r.date)[1]
            rows.append({_("Milestone"): self._title(r.milestone), _("Date"): r.date,
                         _("Semester"): semester, _("Complete"): r.complete,
                         _("Notes"): r.notes})
        return pd.DataFrame(rows)

    def _results_frame(self, doc: PlanDocument) -> pd.DataFrame:
        rows = []
        for r in sorted(doc.of(Result), key=lambda r: (r.plan_year, r.measure)):
            assert isinstance(r, Result)
            rows.append({_("Measure"): self._title(r.measure), _("Plan year"): r.plan_year,
                         _("Result"): r.value, _("From"): _(r.source),
                         _("Explanation and needed adjustments"): r.explanation})
        return pd.DataFrame(rows)

    def draw_year(self) -> None:
        if not self.quarter.value:
            return
        plan_year, quarter = self.quarter.value
        end = pg.quarter_bounds(self.start, quarter, plan_year)[1]
        grid = pg.year_tables(self.doc, self.start, plan_year, as_of=end)
        heads = {"strategy": _("Strategy"), "milestone": _("Milestone"), "item": "",
                 "semester_1": _("1st semester"), "semester_2": _("2nd semester"),
                 "q1": _("1st quarter"), "q2": _("2nd quarter"), "q3": _("3rd quarter"),
                 "q4": _("4th quarter")}
        st = grid["strategies"].drop(columns="strategy_id").rename(columns=heads)
        ms = grid["milestones"].drop(columns=["strategy_id", "milestone_id"]).rename(
            columns=heads)
        self.year.value = (f"<p>{esc(_('Figures as of {day}.').format(day=end.isoformat()))}"
                           "</p>" + _table(st) + _table(ms))

    @guard("monitor")
    def _quarter_changed(self, _change: dict) -> None:
        if self.is_loading or not self.district_id:
            return
        self.draw_year()
        self.update_url()

    # -- results from the state's file -------------------------------------------------
    def _proposal(self) -> dict[str, Any] | None:
        measure = self.results.fields["measure"].value
        plan_year = self.results.fields["plan_year"].value
        if not measure or not plan_year:
            return None
        try:
            table = pg.result_proposals(self.doc, outcomes(self.region), self.district_id,
                                        self.start, int(plan_year))
        except WorkbookError as err:  # the region's files could not be read: say so
            self.messages.info(_("The state's files could not be read, so no result is "
                                 "proposed: {err}").format(err=err))
            return None
        found = table[table["measure_id"] == measure]
        return found.iloc[0].to_dict() if len(found) else None

    def _result_target(self, *_a: Any) -> None:
        """Show what the state's file says for the measure and year in the form."""
        p = self._proposal()
        self.from_state = None
        self.proposal_note.value = ""
        if p is None:
            plain = _("This measure names no state indicator: type its result.")
            self.proposals.value = (f"<p class='wb-msg-info'>{esc(plain)}</p>"
                                    if self.results.fields["measure"].value else "")
            self.use_state.disabled = True
            return
        year = f"{int(p['school_year']) - 1}-{str(int(p['school_year']))[-2:]}"
        if pd.isna(p["value"]):
            self.proposals.value = (
                "<p class='wb-msg-info'>" + esc(_("The state's file for {year}: no value ({note}). "
                                                  "Type the result if you have it from "
                                                  "another source.").format(year=year,
                                                                            note=p["note"]))
                + "</p>")
            self.use_state.disabled = True
            return
        self.proposals.value = (
            "<p class='wb-proposal'>" + esc(_("The state's file for {year} gives {value:g} "
                                              "({indicator}, {group}; {note}).").format(
                year=year, value=p["value"], indicator=p["state_indicator"],
                group=p["student_group"], note=p["note"])) + "</p>")
        self.use_state.disabled = False

    @guard("monitor")
    def take_proposal(self) -> None:
        """Put the state's value in the form; it is saved (as from the state file) only
        when the person presses Save."""
        p = self._proposal()
        if p is None or pd.isna(p["value"]):
            return
        self.results.fields["value"].value = f"{p['value']:g}"
        self.from_state = p
        confirm = _("Check it, write the explanation, and press Save to confirm it.")
        self.proposal_note.value = f"<p class='wb-msg-info'>{esc(confirm)}</p>"

    def _check_result(self, values: dict[str, Any], p: Problems) -> None:
        if not values.get("measure"):
            p.add("measure", _("Choose the measure."))
        if values.get("value") is None and "value" not in p.found:
            p.add("value", _("Type the result, or use the state's value."))
        existing = next((r for r in self.doc.of(Result) if isinstance(r, Result)
                         and r.measure == values.get("measure")
                         and r.plan_year == values.get("plan_year")), None)
        if existing is not None and (self.results.current is None
                                     or existing.id != self.results.current.id):
            p.add("plan_year", _("This measure already has a result for plan year {y}: open "
                                 "it from the list to change it.").format(y=values["plan_year"]))
        state = self.from_state
        if state is not None and values.get("value") == float(state["value"]):
            values.update({"source": "state file", "school_year": int(state["school_year"]),
                           "source_note": str(state["source_note"])[:500]})
        else:
            values.update({"source": "typed", "source_note": ""})

    # -- the printable report ----------------------------------------------------------
    @guard("monitor")
    def build_report(self) -> None:
        if self.dirty:
            self.messages.info(_("Save your changes first: the report reads what is saved."))
            return
        plan_year, quarter = self.quarter.value
        self.report_html = printable_report(self, self.report_button, self.report_link,
                                            self.start, plan_year, quarter)


def app() -> None:
    """Show the monitoring app (the one call its notebook makes)."""
    run(MonitorApp)
