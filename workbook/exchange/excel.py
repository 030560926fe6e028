"""The plan as an Excel workbook in the layout of Tool A, and the monthly action status sheet.

`export_plan` writes one sheet per part of Tool A (School Improvement Planning Template):
at a glance, direction, measures, needs assessment, root causes, strategies, milestones and
actions, reporting and supports. The "Quarterly report" sheet holds the tables of workbook 04,
computed by the same function (`workbook.progress.quarterly.quarterly_tables`), so Excel and
the report cannot disagree on what is on time or behind. The "Action status" sheet is the one
teams fill in offline each month; `workbook.exchange.status_sheet` reads it back.

Why one module of ~700 lines: it is Tool A sheet by sheet, in the template's order, each
builder a few lines over shared cell helpers; a reader checks it against the template from
top to bottom, and splitting it would scatter the template across files.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from workbook import catalogue, progress
from workbook.direction.model import Direction, GlossaryTerm, Goal, Measure
from workbook.errors import WorkbookError
from workbook.files import atomic_path
from workbook.needs.model import NeedsAssessment, Priority, SwotEntry, element_label
from workbook.plan.model import Action, Milestone, Strategy
from workbook.progress.model import STATUSES
from workbook.records.base import R, Record
from workbook.records.document import PlanDocument
from workbook.rootcause.model import Cause, Symptom, Why, cause_flags

__all__ = [
    "BANNER",
    "QUARTERLY_HEADERS",
    "QUARTERLY_TABLES",
    "SHEETS",
    "STATUS_COLUMNS",
    "STATUS_SHEET",
    "build_workbook",
    "export_plan",
    "quarter_report",
]

BANNER = "ILLUSTRATIVE SAMPLE PLAN — not a real district plan"
STATUS_SHEET = "Action status"
#: Tool A's reporting template: the year, quarters side by side, semesters for strategies.
YEAR_SHEET = "Reporting Q1-Q4"
SHEETS = ("At a glance", "Direction", "Goal measures", "Needs assessment", "SWOT", "Priorities",
          "Root causes", "Strategies", "Strategy measures", "Milestones and actions",
          STATUS_SHEET, "Quarterly report", YEAR_SHEET, "Supports", "Glossary")
#: the columns of the Action status sheet, in order
STATUS_COLUMNS = ("Action id", "Milestone", "Action", "Owner", "Due", "Status", "Date",
                  "Output delivered", "Budget used", "Cause", "Adjustment")

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_GREY = Font(color="808080", size=9)
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
_BANNER_FILL = PatternFill("solid", fgColor="FFC7CE")
_BANNER_FONT = Font(bold=True, size=13, color="9C0006")
_TOP = Alignment(vertical="top")
_WRAP = Alignment(vertical="top", wrap_text=True)
_FORMATS = {"money": "#,##0.00", "pct": "0.0", "date": "yyyy-mm-dd"}  # pct: 0-100
_FIXED_WIDTHS = {"long": 50, "date": 12, "money": 14, "pct": 11, "num": 11, "id": 14}


# ----------------------------------------------------------------------------------------
# sheet building blocks


@dataclass(frozen=True)
class Column:
    """A table column: its header and kind (text, long, date, money, pct, num, id)."""

    header: str
    kind: str = "text"


def _put(cell, value: Any, kind: str = "text") -> None:
    """Write a value as a real Excel type: dates as dates, numbers as numbers, text as text."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=None)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"  # text typed by people is never a formula
    else:
        cell.value = value
    if isinstance(value, dt.date):
        cell.number_format = _FORMATS["date"]
    elif kind in _FORMATS:
        cell.number_format = _FORMATS[kind]
    cell.alignment = _WRAP if kind == "long" or isinstance(value, str) and "\n" in value else _TOP
    if kind == "id":
        cell.font = _GREY


def _title(ws: Worksheet, title: str, notes: Sequence[str], banner: bool, width: int) -> int:
    """Title, notes and (for sample plans) the banner; returns the next free row."""
    ws.cell(1, 1, title).font = _TITLE
    row = 2
    if banner:
        _banner(ws, row, width)
        row += 1
    for note in notes:
        _put(ws.cell(row, 1), note)
        ws.cell(row, 1).font = Font(italic=True)
        row += 1
    return row


def _banner(ws: Worksheet, row: int, width: int) -> None:
    cell = ws.cell(row, 1, BANNER)
    cell.font, cell.fill = _BANNER_FONT, _BANNER_FILL
    for col in range(2, max(width, 4) + 1):
        ws.cell(row, col).fill = _BANNER_FILL


def _header(ws: Worksheet, row: int, columns: Sequence[Column]) -> None:
    for c, col in enumerate(columns, 1):
        cell = ws.cell(row, c, col.header)
        cell.font, cell.fill, cell.alignment = _BOLD, _HEAD_FILL, _WRAP


def _rows(ws: Worksheet, first: int, columns: Sequence[Column],
          rows: Iterable[Sequence[Any]]) -> int:
    """Write data rows from `first`; returns the last row written (first - 1 if none)."""
    row = first - 1
    for row, values in enumerate(rows, first):
        for c, (col, value) in enumerate(zip(columns, values, strict=True), 1):
            _put(ws.cell(row, c), value, col.kind)
    return row


def _column_widths(ws: Worksheet, columns: Sequence[Column], first: int,
                   last: int | None = None) -> dict[str, float]:
    """Fixed widths for long text, dates and numbers; other columns fit their content
    (rows `first` to `last`, default to the end of the sheet)."""
    out: dict[str, float] = {}
    for c, col in enumerate(columns, 1):
        width = _FIXED_WIDTHS.get(col.kind)
        if width is None:
            lengths = [len(line) for (v,) in ws.iter_rows(min_row=first, max_row=last,
                                                          min_col=c, max_col=c,
                                                          values_only=True)
                       if v is not None for line in str(v).splitlines()]
            width = min(max([12, *lengths]) + 2, 45)
        out[get_column_letter(c)] = width
    return out


def _widths(ws: Worksheet, columns: Sequence[Column], first: int) -> None:
    for letter, width in _column_widths(ws, columns, first).items():
        ws.column_dimensions[letter].width = width


def _table(ws: Worksheet, title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]],
           *, banner: bool, notes: Sequence[str] = ()) -> tuple[int, int]:
    """A titled table with a bold, frozen header; returns (header row, last data row)."""
    head = _title(ws, title, notes, banner, len(columns))
    _header(ws, head, columns)
    last = _rows(ws, head + 1, columns, rows)
    ws.freeze_panes = ws.cell(head + 1, 1)
    _widths(ws, columns, head + 1)
    if last > head:
        ws.auto_filter.ref = f"A{head}:{get_column_letter(len(columns))}{last}"
    return head, last


# ----------------------------------------------------------------------------------------
# the plan, ordered and numbered the way Tool A numbers it (goal 1, strategy 1.1, ...)


def _group(parents: Sequence[Record], children: Sequence[R],
           link: str) -> dict[str | None, list[R]]:
    """Children by parent id, in order; children whose parent is unknown under None."""
    known = {p.id for p in parents}
    out: dict[str | None, list[R]] = defaultdict(list)
    for child in children:
        parent = getattr(child, link)
        out[parent if parent in known else None].append(child)
    return out


def _nest(parents: Sequence[Record], children: Sequence[R], link: str,
          number: dict[str, str]) -> list[R]:
    """Order children under their parents (orphans last, under "?") and number them."""
    groups = _group(parents, children, link)
    ordered: list[R] = []
    for parent in [*parents, None]:
        prefix = number[parent.id] if parent else "?"
        for k, child in enumerate(groups.get(parent.id if parent else None, []), 1):
            number[child.id] = f"{prefix}.{k}"
            ordered.append(child)
    return ordered


class _Plan:
    """The document with Tool A numbering and lookups, and the quarterly report's tables
    (None when no plan start date is known)."""

    def __init__(self, doc: PlanDocument, quarter: dict[str, pd.DataFrame] | None,
                 year: dict[str, pd.DataFrame] | None = None):
        self.doc, self.quarter, self.year = doc, quarter, year
        org = doc.organisation
        self.banner = bool(org and org.illustrative)
        self.number: dict[str, str] = {}
        self.goals = list(doc.of(Goal))
        for k, goal in enumerate(self.goals, 1):
            self.number[goal.id] = str(k)
        self.strategies = _nest(self.goals, doc.of(Strategy), "goal", self.number)
        self.milestones = _nest(self.strategies, doc.of(Milestone), "strategy", self.number)
        self.actions = _nest(self.milestones, doc.of(Action), "milestone", self.number)

    def label(self, record: Record | None, attr: str = "title") -> str:
        if record is None:
            return ""
        return f"{self.number.get(record.id, '?')} {getattr(record, attr)}"

    def get(self, record_id: str | None) -> Record | None:
        return self.doc.get(record_id) if record_id else None

    def children(self, parents: Sequence[Record], children: Sequence[R],
                 link: str) -> list[tuple[Record | None, list[R]]]:
        """(parent, its children) in plan order; orphans come last with parent None."""
        groups = _group(parents, children, link)
        pairs: list[tuple[Record | None, list[R]]] = [(p, groups.get(p.id, []))
                                                       for p in parents]
        return pairs + [(None, groups[None])] if None in groups else pairs


def _practice(code: str | None) -> str:
    return f"{code} {catalogue.practice(code).name}" if code else ""


# ----------------------------------------------------------------------------------------
# the sheets


def _at_a_glance(ws: Worksheet, plan: _Plan) -> None:
    org = plan.doc.organisation
    row = 1
    if plan.banner:
        _banner(ws, row, 5)
        row += 1
    ws.cell(row, 1, "TOOL A: IMPROVEMENT PLANNING TEMPLATE — AT-A-GLANCE").font = _TITLE
    head = row + 1
    columns = (Column("Field"), Column("Value", "long"))
    _header(ws, head, columns)
    last = _rows(ws, head + 1, columns, _glance_fields(plan, org))
    ws.freeze_panes = ws.cell(head + 1, 1)
    for r in range(head + 1, last + 1):
        ws.cell(r, 1).font = _BOLD
    _overview(ws, plan, last + 2)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 50
    for letter in "CDE":
        ws.column_dimensions[letter].width = 30


def _glance_fields(plan: _Plan, org) -> list[tuple[str, Any]]:
    if org is None:
        return [("Organisation", f"(no organisation record for {plan.doc.org_id})")]
    name = {"district": "District", "school": "School name"}.get(org.level, "Organisation")
    title_i = {True: "yes", False: "no"}.get(org.title_i, "")
    stamps = [r.updated_at for r in plan.doc.all() if r.updated_at]
    fields = [(name, org.name), ("Organisation id (CDS / institution id)", org.org_id),
              ("Level", org.level), ("Parent organisation (county office / ESD)", org.parent),
              ("State", org.state), ("County", org.county), ("ESSA status", org.essa_status),
              ("Title I status", title_i), ("Level of support", org.support_level),
              ("Contact information", org.contacts), ("Date of plan", org.plan_start),
              ("Plan end", org.plan_end),
              ("Date of update", max(stamps).date() if stamps else None)]
    from workbook.direction.tables import signatures_table, team_table

    team = [", ".join(x for x in (r.name, r.position) if x)
            for r in team_table(plan.doc).itertuples()]
    signed = [" ".join(x for x in (r.name, f"({r.position}, {r.plan_role})"
                                   if r.plan_role else f"({r.position})" if r.position
                                   else "", f"signed {r.signed}") if x)
              for r in signatures_table(plan.doc).itertuples()]
    fields += _listed("Leadership team members", team or org.leadership_team)
    fields += _listed("Plan signatures", signed or org.signatures)
    return fields


def _listed(label: str, items: Sequence[str]) -> list[tuple[str, str]]:
    return [(label if k == 0 else "", item) for k, item in enumerate(items or [""])]


def _overview(ws: Worksheet, plan: _Plan, row: int) -> None:
    """Tool A's at-a-glance table: goal, strategy, indicator, milestones, timeline."""
    ws.cell(row, 1, "PLAN OVERVIEW").font = _TITLE
    columns = (Column("Goal"), Column("Strategy", "long"), Column("Indicator"),
               Column("Milestone"), Column("Timeline", "date"))
    _header(ws, row + 1, columns)
    _rows(ws, row + 2, columns, _overview_rows(plan))


def _overview_rows(plan: _Plan) -> Iterator[tuple]:
    indicators = defaultdict(list)
    for measure in plan.doc.of(Measure):
        indicators[measure.parent].append(measure.indicator)
    for s in plan.strategies:
        goal = plan.get(s.goal)
        ms: list[Milestone | None] = [m for m in plan.milestones if m.strategy == s.id] or [None]
        for m in ms:
            yield (plan.label(goal), plan.label(s), "; ".join(indicators[s.id]),
                   plan.label(m), m.due if m else None)


def _direction(ws: Worksheet, plan: _Plan) -> None:
    rows: list[tuple] = []
    for d in plan.doc.of(Direction):
        rows += [("Vision", d.vision, ""), ("Mission", d.mission, ""),
                 ("Purpose (theory of action)", d.purpose, "")]
    rows += [(f"Goal {plan.number[g.id]}", g.title, g.explanation)
             for g in plan.goals]
    _table(ws, "STRATEGIC DIRECTION (refer to 1. Set the direction)",
           (Column("Part"), Column("Statement", "long"), Column("Explanation", "long")),
           rows, banner=plan.banner)


def _measure_columns(parent: str, years: int) -> list[Column]:
    return [Column(parent), Column("Indicator"), Column("Data source"), Column("Student group"),
            Column("State indicator"), Column("Baseline", "num"), Column("Baseline year", "num"),
            *(Column(f"Target year {y}", "num") for y in range(1, years + 1))]


def _measures(ws: Worksheet, plan: _Plan, parents: Sequence[Record], title: str,
              parent_header: str, *, orphans: bool, notes: Sequence[str] = ()) -> None:
    known = {p.id for p in plan.goals} | {p.id for p in plan.strategies}
    order = {p.id: k for k, p in enumerate(parents)}
    chosen = [m for m in plan.doc.of(Measure)
              if m.parent in order or orphans and m.parent not in known]
    chosen.sort(key=lambda m: order.get(m.parent, len(order)))
    years = max([3, *(int(y) for m in chosen for y in m.targets)])
    rows = [(plan.label(plan.get(m.parent)) or "?", m.indicator, m.data_source,
             m.student_group, m.state_indicator, m.baseline, m.baseline_year,
             *(m.targets.get(y) for y in range(1, years + 1)))
            for m in chosen]
    _table(ws, title, _measure_columns(parent_header, years), rows, banner=plan.banner,
           notes=notes)


def _needs(ws: Worksheet, plan: _Plan) -> None:
    columns = (Column("Elements included in the needs assessment", "long"),
               Column("How was the needs assessment, including the root cause analysis, "
                      "completed?", "long"),
               Column("Who was involved?", "long"),
               Column("How was stakeholder input included?", "long"))
    rows = [("\n".join([element_label(e) for e in n.elements]  # Tool A's wording
                       + [f"{element_label(k)}, other: {t}" for k, t in n.element_other.items()]),
             n.process, n.participants,
             n.stakeholder_input) for n in plan.doc.of(NeedsAssessment)]
    _table(ws, "NEEDS ASSESSMENT (refer to 2. Assess needs)", columns, rows,
           banner=plan.banner)


def _swot(ws: Worksheet, plan: _Plan) -> None:
    order = ("strength", "weakness", "opportunity", "threat")
    items = sorted(plan.doc.of(SwotEntry), key=lambda s: order.index(s.quadrant))
    rows = [(s.quadrant.capitalize(), s.text, s.evidence) for s in items]
    _table(ws, "DATA ANALYSIS: STRENGTHS, WEAKNESSES, OPPORTUNITIES AND THREATS",
           (Column("Quadrant"), Column("Statement", "long"), Column("Evidence", "long")),
           rows, banner=plan.banner)


def _priorities(ws: Worksheet, plan: _Plan) -> None:
    items = sorted(plan.doc.of(Priority), key=lambda p: p.rank)
    rows = [(p.rank, p.title, p.evidence) for p in items]
    _table(ws, "PRIORITY AREAS (based on the needs assessment)",
           (Column("Priority", "num"), Column("Priority area"), Column("Evidence", "long")),
           rows, banner=plan.banner,
           notes=("List top four priority areas based on the needs assessment. Although more "
                  "can be identified, going deeper in improving fewer areas is often more "
                  "effective.",))


_ROOT_COLUMNS = (Column("Priority area"), Column("Symptom", "long"), Column("Step"),
                 Column("Why / cause", "long"), Column("Category"), Column("Evidence", "long"),
                 Column("Actionable"), Column("Practice"), Column("Impact (1-5)", "num"),
                 Column("Prioritised"), Column("Coach's flags", "long"))


def _root_causes(ws: Worksheet, plan: _Plan) -> None:
    _table(ws, "ROOT CAUSE ANALYSIS (refer to 2. Assess needs)", _ROOT_COLUMNS,
           _root_rows(plan), banner=plan.banner)


def _root_rows(plan: _Plan) -> Iterator[tuple]:
    symptoms = plan.doc.of(Symptom)
    whys = _group(symptoms, plan.doc.of(Why), "symptom")
    causes = _group(symptoms, plan.doc.of(Cause), "symptom")
    for s in [*symptoms, None]:
        key = s.id if s else None
        chain = sorted(whys.get(key, []), key=lambda w: w.step)
        found = causes.get(key, [])
        if s is None and not chain and not found:
            continue
        prio = plan.get(getattr(s, "priority", None))
        head = (getattr(prio, "title", ""), s.statement if s else "?")
        if not chain and not found:
            yield (*head, *[None] * 9)
        for w in chain:
            yield (*head, f"Why {w.step}", w.text, None, w.evidence,
                   None, None, None, None, None)
        for c in found:
            yield (*head, "Cause", c.text, c.category, c.evidence, c.actionable,
                   _practice(c.practice), c.impact, c.prioritised,
                   "; ".join(cause_flags(c)))


def _strategies(ws: Worksheet, plan: _Plan) -> None:
    columns = (Column("Strategy"), Column("Goal"), Column("Title"),
               Column("If we (the effective practice)", "long"),
               Column("then (what teachers, staff, etc. will do)", "long"),
               Column("and (what the students do)", "long"), Column("Practice"),
               Column("Root causes addressed", "long"))
    rows = [(plan.number[s.id], plan.label(plan.get(s.goal)), s.title,
             *s.parts, _practice(s.practice), _causes(plan, s))
            for s in plan.strategies]
    _table(ws, "STRATEGIES (refer to 3. Create plan)", columns, rows, banner=plan.banner,
           notes=("All strategies are written as a Theory of Action: If we (the effective "
                  "practice), then (what adults will do as a result), and (what the students "
                  "do as a result).",))


def _causes(plan: _Plan, s: Strategy) -> str:
    return "\n".join(c.text for c in map(plan.get, s.causes) if isinstance(c, Cause))


_ACTION_COLUMNS = (Column("Strategy"), Column("Milestone"), Column("Plan year", "num"),
                   Column("Milestone due", "date"), Column("Action"),
                   Column("Anticipated outputs", "long"), Column("Start", "date"),
                   Column("Due", "date"), Column("Resources/budget", "money"),
                   Column("Funding source"), Column("Person responsible"),
                   Column("Collaborators"))


def _milestones(ws: Worksheet, plan: _Plan) -> None:
    _table(ws, "MILESTONES AND ACTIONS (refer to 3. Create plan)", _ACTION_COLUMNS,
           _milestone_rows(plan), banner=plan.banner)


def _milestone_rows(plan: _Plan) -> Iterator[tuple]:
    for m, actions in plan.children(plan.milestones, plan.actions, "milestone"):
        head = (plan.label(plan.get(getattr(m, "strategy", None))), plan.label(m) or "?",
                getattr(m, "plan_year", None), getattr(m, "due", None))
        if not actions:
            yield (*head, *[None] * 8)
        for a in actions:
            yield (*head, plan.label(a), a.outputs, a.start, a.due, a.budget,
                   a.funding_source, a.owner, ", ".join(a.collaborators))


# ----------------------------------------------------------------------------------------
# monthly action status (filled in offline) and the quarterly report computed from it

_STATUS_KINDS = {"Action id": "id", "Due": "date", "Date": "date", "Budget used": "money",
                 "Cause": "long", "Adjustment": "long"}


def _action_status(ws: Worksheet, plan: _Plan) -> None:
    columns = [Column(h, _STATUS_KINDS.get(h, "text")) for h in STATUS_COLUMNS]
    rows = [(a.id, plan.label(plan.get(a.milestone)), plan.label(a), a.owner,
             a.due, None, None, None, None, None, None) for a in plan.actions]
    head, last = _table(
        ws, "MONTHLY ACTION STATUS REPORTING", columns, rows, banner=plan.banner,
        notes=("Fill in Status, Date, Output delivered, Budget used (to date), Cause (if "
               "behind) and Adjustment for each action this month; leave a row blank to skip "
               "it. Do not change the Action id.",))
    ws.freeze_panes = ws.cell(head + 1, 2)
    if last > head:
        _status_validation(ws, head + 1, last)


def _status_validation(ws: Worksheet, first: int, last: int) -> None:
    col = {h: get_column_letter(k) for k, h in enumerate(STATUS_COLUMNS, 1)}
    rules = [
        (DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"',
                        error="Choose: " + ", ".join(STATUSES)), "Status"),
        (DataValidation(type="list", formula1='"yes,no"', error="Choose yes or no"),
         "Output delivered"),
        (DataValidation(type="date", operator="greaterThan", formula1="DATE(2000,1,1)",
                        error="Enter a date, e.g. 2024-10-31"), "Date"),
        (DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                        error="Enter the amount used, a number of 0 or more"), "Budget used"),
    ]
    for dv, header in rules:
        dv.allow_blank, dv.showErrorMessage, dv.errorTitle = True, True, header
        dv.add(f"{col[header]}{first}:{col[header]}{last}")
        ws.add_data_validation(dv)
    for row in range(first, last + 1):
        ws[f"{col['Date']}{row}"].number_format = _FORMATS["date"]
        ws[f"{col['Budget used']}{row}"].number_format = _FORMATS["money"]


#: The quarterly report's tables (keys of `progress.tables.quarterly_tables`) in sheet order,
#: titled as workbook 04 titles them. The supports table is the Supports sheet.
QUARTERLY_TABLES = {
    "strategies": "Strategies",
    "milestones": "Milestones",
    "actions": "Actions this quarter",
    "causes": "Why actions are behind, and what changed",
    "performance": "Measures against this year's targets",
}
#: Column of the quarterly tables -> its header in Excel (Tool A's words where it has them).
QUARTERLY_HEADERS = {
    "strategy": "Strategy", "milestone": "Milestone", "action": "Action",
    "owner": "Person responsible", "start": "Start", "due": "Due", "status": "Status",
    "status_date": "Status date", "completed_on": "Completed on", "complete": "Complete",
    "on_time": "On time", "behind": "Behind schedule", "output_delivered": "Output delivered",
    "outputs": "Anticipated outputs", "budget_planned": "Budget planned",
    "budget_used": "Resources/budget used", "cause": "Cause", "adjustment": "Adjustment",
    "date": "Date", "plan_year": "Plan year", "milestones": "Milestones",
    "milestones_completed": "Milestones completed",
    "milestones_completed_pct": "Milestones completed (%)",
    "milestones_behind": "Milestones behind schedule", "actions": "Actions",
    "actions_completed": "Actions completed", "actions_completed_pct": "Actions completed (%)",
    "actions_on_time": "Actions on time", "actions_on_time_pct": "Actions on time (%)",
    "actions_behind": "Actions behind schedule",
    "actions_behind_pct": "Actions behind schedule (%)",
    "outputs_completed": "Outputs completed", "outputs_list": "Outputs completed (list)",
    "causes_adjustments": "Cause & adjustments made", "level": "Level",
    "parent": "Goal or strategy", "indicator": "Indicator", "student_group": "Student group",
    "higher_is_better": "Higher is better", "baseline": "Baseline",
    "baseline_year": "Baseline year", "target": "Target", "latest_result": "Latest result",
    "result_year": "Result plan year", "on_track": "On track",
    "explanation": "Explanation & needed adjustments", "result_source": "Result from",
    "strategy_id": "Strategy id",
    "milestone_id": "Milestone id", "action_id": "Action id", "measure_id": "Measure id",
}
_LONG = {"outputs", "outputs_list", "causes_adjustments", "cause", "adjustment",
         "explanation"}
_QUARTER_TITLE = "QUARTERLY REPORTING — IMPLEMENTATION DATA"


def quarter_report(doc: PlanDocument, *, as_of: dt.date | None = None,
                   plan_start: dt.date | None = None, quarter: int | None = None,
                   plan_year: int | None = None) -> dict[str, pd.DataFrame] | None:
    """The quarterly report's tables for the Excel sheet: `progress.quarterly_tables`.

    `plan_start` (first day of plan year 1) defaults to the organisation's `plan_start`;
    None when neither is known. Without `quarter`, the quarter is the one `as_of` (default
    today) falls in (`progress.quarter_of`), with figures as of that day, as in the monthly
    status app, unless that is past the last plan year with milestones: then that year's
    fourth quarter, as of its last day; with `quarter` (and `plan_year`, default 1), as in
    workbook 04: figures as of `as_of`, default the quarter's last day.
    """
    org = doc.organisation
    start = plan_start or (org.plan_start if org else None)
    if start is None:
        return None
    if quarter is None:
        if plan_year is not None:
            raise WorkbookError(f"plan year {plan_year} given without a quarter; give both, "
                                "or neither to report the quarter `as_of` falls in")
        as_of = as_of or dt.date.today()
        plan_year, quarter = progress.quarter_of(start, as_of)
        last = last_milestone_year(doc)
        if last is not None and plan_year > last:
            # past the plan's last year of milestones (a plan set for three years, read in
            # its fifth): its last quarter, as of that quarter's last day, not an empty one
            plan_year, quarter = last, 4
            as_of = min(as_of, progress.quarter_bounds(start, 4, last)[1])
    return progress.quarterly_tables(doc, start, quarter, plan_year or 1, as_of=as_of)


def last_milestone_year(doc: PlanDocument) -> int | None:
    """The last plan year any milestone of the plan is set for (None without milestones)."""
    years = [int(y) for m in doc.of(Milestone) if (y := getattr(m, "plan_year", None))]
    return max(years) if years else None


def _plain(value: Any) -> Any:
    """A frame cell as a plain Python value for openpyxl (missing values -> None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if hasattr(value, "item") else value


def _kind(name: str, column: pd.Series) -> str:
    if name.endswith("_id"):
        return "id"
    if name.endswith("_pct"):
        return "pct"
    if name.startswith("budget_"):
        return "money"
    if name in _LONG:
        return "long"
    if pd.api.types.is_bool_dtype(column.dtype):
        return "text"
    if pd.api.types.is_numeric_dtype(column.dtype):
        return "num"
    dates = column.dropna()
    if len(dates) and all(isinstance(v, dt.date) for v in dates):
        return "date"
    return "text"


def _quarter_notes(tables: dict[str, pd.DataFrame]) -> tuple[str, ...]:
    period = tables["period"].iloc[0]
    return (f"Plan year {period['plan_year']}, quarter {period['quarter']} "
            f"({period['start'].isoformat()} to {period['end'].isoformat()}), figures as of "
            f"{period['as_of'].isoformat()}: the tables of the quarterly report (workbook 04), "
            f"for the milestones of plan year {period['plan_year']} and their actions.",
            progress.RULES, "Percentages are 0-100. Supports: see the Supports sheet.")


def _quarterly(ws: Worksheet, plan: _Plan) -> None:
    """Workbook 04's tables, one under another, each titled as workbook 04 titles it."""
    tables = plan.quarter
    if tables is None:
        _title(ws, _QUARTER_TITLE, (
            "No plan start date is recorded (At a glance: Date of plan), so the quarter "
            "cannot be worked out. Set the organisation's plan start, or pass plan_start to "
            "export_plan, and export again.",), plan.banner, 4)
        return
    row = _title(ws, _QUARTER_TITLE, _quarter_notes(tables), plan.banner, 8)
    widths: dict[str, float] = {}
    first_table = True
    for key, title in QUARTERLY_TABLES.items():
        frame = tables[key]
        columns = [Column(QUARTERLY_HEADERS.get(c, c.replace("_", " ").capitalize()),
                          _kind(c, frame[c])) for c in frame.columns]
        ws.cell(row, 1, title).font = _BOLD
        head = row + 1
        _header(ws, head, columns)
        last = _rows(ws, head + 1, columns,
                     ([_plain(v) for v in values] for values in
                      frame.itertuples(index=False, name=None)))
        if first_table:
            ws.freeze_panes = ws.cell(head + 1, 1)
            if last > head:
                ws.auto_filter.ref = f"A{head}:{get_column_letter(len(columns))}{last}"
            first_table = False
        for letter, width in _column_widths(ws, columns, head + 1, max(last, head + 1)).items():
            widths[letter] = max(width, widths.get(letter, 0))
        row = max(last, head) + 2
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width


def _supports(ws: Worksheet, plan: _Plan) -> None:
    columns = (Column("Supports needed", "long"), Column("Provided"),
               Column("Provider (district, state or other organization)"),
               Column("How were supports used?", "long"),
               Column("How effective were the supports? (1 not at all - 4 very)", "num"),
               Column("Type of support"), Column("Priority served"),
               Column("Strategy served"), Column("Needed", "date"),
               Column("Requested", "date"), Column("Provided on", "date"),
               Column("Effectiveness in words"),
               Column("Evidence of effectiveness (data)", "long"))
    frame = progress.supports_table(plan.doc)
    rows = [(r.need, r.provided, r.provider, r.how_used, _plain(r.effectiveness),
             r.support_type, r.priority, r.strategy, r.needed, r.requested, r.provided_on,
             r.effectiveness_label, r.evidence) for r in frame.itertuples(index=False)]
    _table(ws, "SUPPORTS", columns, rows, banner=plan.banner,
           notes=("List any support(s) provided by the district, state, or other "
                  "organizations. Identify how the supports were used and how effective the "
                  "supports were, based on data.",))


def _grid(ws: Worksheet, row: int, head: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """One block of Tool A's reporting grid: a bold header row, then label + cells; returns
    the next free row (one blank row after the block)."""
    _header(ws, row, [Column(h) for h in head])
    last = row
    for last, values in enumerate(rows, row + 1):
        ws.cell(last, 1, values[0]).font = _BOLD
        for c, value in enumerate(values[1:], 2):
            _put(ws.cell(last, c), value, "long")
    return last + 2


def _year_sheet(ws: Worksheet, plan: _Plan) -> None:
    """Tool A's reporting template for the plan year: per strategy a semester grid, per
    milestone a quarter grid (`progress.year_tables`, the grid workbook 04 shows), the
    milestone reviews, the performance data with the explanation column, and the
    adjustments to the plan."""
    title = "REPORTING — IMPLEMENTATION DATA BY QUARTER AND SEMESTER (TOOL A)"
    if plan.year is None or plan.quarter is None:
        _title(ws, title, ("No plan start date is recorded (At a glance: Date of plan), so "
                           "the quarters cannot be worked out. Set the organisation's plan "
                           "start, or pass plan_start to export_plan, and export again.",),
               plan.banner, 4)
        return
    period = plan.quarter["period"].iloc[0]
    row = _title(ws, title, (
        f"Plan year {period['plan_year']}, figures as of {period['as_of'].isoformat()}; "
        "quarters not begun are empty. The same grid as workbook 04.", progress.RULES),
        plan.banner, 5)
    ws.freeze_panes = ws.cell(row + 1, 1)  # under the first grid's header
    year = plan.year
    grid_st, grid_ms = year["strategies"], year["milestones"]
    for sid, rows in grid_st.groupby("strategy_id", sort=False):
        row = _grid(ws, row, [f"Strategy: {rows['strategy'].iloc[0]}", "1st Semester",
                              "2nd Semester"],
                    rows[["item", "semester_1", "semester_2"]].itertuples(index=False,
                                                                           name=None))
        for _mid, ms in grid_ms[grid_ms["strategy_id"] == sid].groupby("milestone_id",
                                                                        sort=False):
            row = _grid(ws, row, [f"Milestone: {ms['milestone'].iloc[0]}", "1st Quarter",
                                  "2nd Quarter", "3rd Quarter", "4th Quarter"],
                        ms[["item", "q1", "q2", "q3", "q4"]].itertuples(index=False,
                                                                         name=None))
    reviews = year["reviews"]
    ws.cell(row, 1, "Milestone reviews (at least once a semester)").font = _BOLD
    row = _grid(ws, row + 1, ["Milestone", "Semester", "Date", "Complete", "Reviewer",
                              "Notes"],
                [(r.milestone, r.semester, r.date, r.complete, r.reviewer, r.notes)
                 for r in reviews.itertuples(index=False)])
    perf = plan.quarter["performance"]
    ws.cell(row, 1, "Performance data").font = _BOLD
    row = _grid(ws, row + 1, ["Goal or strategy", "Indicator", "Target", "Annual progress",
                              "Explanation & needed adjustments"],
                [(r.parent, r.indicator, _plain(r.target), _plain(r.latest_result),
                  r.explanation) for r in perf.itertuples(index=False)])
    adjustments = plan.quarter["adjustments"]
    ws.cell(row, 1, "Adjustments to the plan").font = _BOLD
    _grid(ws, row + 1, ["What was adjusted", "Date", "What changed", "Why", "Who was told",
                        "Told on"],
          [(r.adjusted, r.date, r.change, r.reason, r.told, r.told_on)
           for r in adjustments.itertuples(index=False)])
    ws.column_dimensions["A"].width = 40
    for letter in "BCDEF":
        ws.column_dimensions[letter].width = 30


def _glossary(ws: Worksheet, plan: _Plan) -> None:
    terms = sorted(plan.doc.of(GlossaryTerm), key=lambda t: t.term.lower())
    _table(ws, "GLOSSARY", (Column("Term"), Column("Definition", "long")),
           [(t.term, t.definition) for t in terms], banner=plan.banner)


def _goal_measures(ws: Worksheet, plan: _Plan) -> None:
    _measures(ws, plan, plan.goals, "GOAL PERFORMANCE MEASURES", "Goal", orphans=False)


def _strategy_measures(ws: Worksheet, plan: _Plan) -> None:
    _measures(ws, plan, plan.strategies, "STRATEGY PERFORMANCE MEASURES", "Strategy",
              orphans=True, notes=('Measuring the "then" part of the strategy: the adult '
                                   "behavior.",))


_BUILDERS = dict(zip(SHEETS, (
    _at_a_glance, _direction, _goal_measures, _needs, _swot, _priorities, _root_causes,
    _strategies, _strategy_measures, _milestones, _action_status, _quarterly, _year_sheet,
    _supports, _glossary), strict=True))


def build_workbook(doc: PlanDocument, *, as_of: dt.date | None = None,
                   plan_start: dt.date | None = None, quarter: int | None = None,
                   plan_year: int | None = None) -> Workbook:
    """The plan as an openpyxl workbook (not yet saved); the quarter as in `quarter_report`."""
    tables = quarter_report(doc, as_of=as_of, plan_start=plan_start, quarter=quarter,
                            plan_year=plan_year)
    year = None
    if tables is not None:
        org = doc.organisation
        start = plan_start or (org.plan_start if org else None)
        period = tables["period"].iloc[0]
        if start is not None:
            year = progress.year_tables(doc, start, int(period["plan_year"]),
                                        as_of=period["as_of"])
    plan = _Plan(doc, tables, year)
    wb = Workbook()
    wb.remove(wb.active)
    for name, build in _BUILDERS.items():
        build(wb.create_sheet(name), plan)
    return wb


def export_plan(doc: PlanDocument, path: str | Path, *, as_of: dt.date | None = None,
                plan_start: dt.date | None = None, quarter: int | None = None,
                plan_year: int | None = None) -> Path:
    """Write the plan as an .xlsx in Tool A's layout, atomically; returns the path.

    The "Quarterly report" sheet is workbook 04's tables (`quarter_report`): by default the
    quarter `as_of` (default today) falls in, counted from the organisation's plan start,
    with status updates after `as_of` left out. A caller with a region manifest passes its
    `plan_start`, `quarter` and `plan_year` to get exactly the report the batch runs.
    """
    wb = build_workbook(doc, as_of=as_of, plan_start=plan_start, quarter=quarter,
                        plan_year=plan_year)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


# ----------------------------------------------------------------------------------------
# reading the Action status sheet back


