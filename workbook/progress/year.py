"""Tool A's reporting layout for a whole plan year: Q1-Q4 side by side, semesters for the
strategies, and the milestone reviews of each semester (seed 004, "REPORTING").

Tool A's template has, per strategy, a "1st Semester | 2nd Semester" grid (milestones
completed (%), milestones behind schedule, cause & adjustments made) and, per milestone, a
"1st Quarter .. 4th Quarter" grid (actions completed (%), outputs completed, actions on
time (%), actions behind schedule (%), cause & adjustments made, resources/budget used,
additional information/comments). Every figure here is read from `quarterly_tables` of the
quarter (as of the quarter's last day, or `as_of` for the quarter in progress), so the year
grid, the one-quarter tables and the Excel export apply the same rules. Quarters not begun
by `as_of` are left empty.

A semester is two quarters of the plan year (1: quarters 1-2, 2: quarters 3-4); its
milestone figures are those at its last quarter's end, its causes those of both quarters.
Milestone reviews are placed in the semester their `semester` field names, else the one
their date falls in.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import pandas as pd

from workbook.i18n import _, format_number, format_percent
from workbook.plan.tables import NO_STRATEGY, frame_of, ordered_milestones, title_of
from workbook.progress.model import MilestoneReview
from workbook.progress.quarterly import quarterly_tables
from workbook.progress.tables import quarter_bounds, quarter_of
from workbook.records.document import PlanDocument

QUARTERS = (1, 2, 3, 4)
SEMESTERS = (1, 2)

MILESTONE_GRID_COLUMNS = ["strategy", "milestone", "item", "q1", "q2", "q3", "q4",
                          "strategy_id", "milestone_id"]
STRATEGY_GRID_COLUMNS = ["strategy", "item", "semester_1", "semester_2", "strategy_id"]
REVIEW_COLUMNS = ["strategy", "milestone", "semester", "date", "complete", "reviewer", "notes",
                  "milestone_id"]


def semester_of(plan_start: dt.date, day: dt.date) -> tuple[int, int]:
    """(plan year, semester 1 or 2) that `day` falls in (quarters 1-2 and 3-4)."""
    plan_year, quarter = quarter_of(plan_start, day)
    return plan_year, 1 if quarter <= 2 else 2


def semester_bounds(plan_start: dt.date, semester: int, plan_year: int = 1
                    ) -> tuple[dt.date, dt.date]:
    """First and last day of a semester of a plan year."""
    first = 2 * semester - 1
    return (quarter_bounds(plan_start, first, plan_year)[0],
            quarter_bounds(plan_start, first + 1, plan_year)[1])


def _pct(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else format_percent(
        float(v))  # type: ignore[arg-type]


def _money(v: object) -> str:
    return format_number(float(v), 0)  # type: ignore[arg-type]


def _text(v: object) -> str:
    return str(v or "")


#: Tool A's milestone rows: (label, quarterly milestones column, how it is written).
MILESTONE_ITEMS: tuple[tuple[str, str, Callable[[object], str]], ...] = (
    ("Actions completed (%)", "actions_completed_pct", _pct),
    ("Outputs completed (list)", "outputs_list", _text),
    ("Actions on time (%)", "actions_on_time_pct", _pct),
    ("Actions behind schedule (%)", "actions_behind_pct", _pct),
    ("Cause & adjustments made", "causes_adjustments", _text),
    ("Resources/budget used", "budget_used", _money),
)
#: The last milestone row: the notes of the milestone reviews dated in the quarter.
COMMENTS_ITEM = "Additional information/comments"
#: Tool A's strategy rows per semester.
STRATEGY_ITEMS = ("Milestones completed (%)", "Milestones behind schedule",
                  "Cause & adjustments made", "Milestones reviewed")


def _reviews(doc: PlanDocument, plan_start: dt.date, plan_year: int, as_of: dt.date
             ) -> pd.DataFrame:
    where = {m.id: (s, m) for s, m in ordered_milestones(doc)}
    rows = []
    for r in sorted(doc.of(MilestoneReview), key=lambda r: r.date):
        assert isinstance(r, MilestoneReview)
        if r.date > as_of or r.milestone not in where:
            continue
        year, semester = semester_of(plan_start, r.date)
        if year != plan_year:
            continue
        s, m = where[r.milestone]
        rows.append({"strategy": title_of(s, NO_STRATEGY), "milestone": m.title,
                     "semester": r.semester or semester, "date": r.date,
                     "complete": r.complete, "reviewer": r.reviewer, "notes": r.notes,
                     "milestone_id": m.id})
    out = frame_of(rows, REVIEW_COLUMNS)
    out["complete"] = out["complete"].astype(bool)
    return out


def _review_text(rows: pd.DataFrame) -> str:
    parts = []
    for r in rows.itertuples(index=False):
        verdict = _("complete") if r.complete else _("not complete")
        notes = f": {r.notes}" if r.notes else ""
        parts.append(f"{r.date.isoformat()} {verdict}{notes}")
    return "; ".join(parts)


def year_tables(doc: PlanDocument, plan_start: dt.date, plan_year: int = 1,
                as_of: dt.date | None = None) -> dict[str, pd.DataFrame]:
    """Tool A's reporting grid for one plan year, as of `as_of` (default: the year's end).

    Returns, by key:

    * ``milestones``: per milestone of the plan year, Tool A's rows (item) with one column
      per quarter (q1..q4, written as the report shows them: "42.9%", "1,500"), "" for a
      quarter not begun; the last row, "Additional information/comments", holds the
      milestone reviews dated in that quarter.
    * ``strategies``: per strategy, milestones completed (%), behind schedule, causes and
      adjustments, and the milestones reviewed, per semester (semester_1, semester_2).
    * ``reviews``: every milestone review of the year up to `as_of`, with its semester.
    * ``quarters``: which quarters are shown and the day each is counted to (quarter,
      start, end, as_of; as_of empty for a quarter not begun).
    """
    year_end = quarter_bounds(plan_start, 4, plan_year)[1]
    as_of = as_of or year_end
    tables: dict[int, dict[str, pd.DataFrame] | None] = {}
    period_rows = []
    for q in QUARTERS:
        start, end = quarter_bounds(plan_start, q, plan_year)
        counted = min(end, as_of) if start <= as_of else None
        tables[q] = quarterly_tables(doc, plan_start, q, plan_year, as_of=counted) \
            if counted else None
        period_rows.append({"quarter": q, "start": start, "end": end, "as_of": counted})
    reviews = _reviews(doc, plan_start, plan_year, as_of)

    ms_rows = []
    for s, m in ordered_milestones(doc):
        if m.plan_year != plan_year:
            continue
        cells: dict[int, dict[str, object] | None] = {}
        for q, t in tables.items():
            if t is None:
                cells[q] = None
                continue
            found = t["milestones"][t["milestones"]["milestone_id"] == m.id]
            cells[q] = found.iloc[0].to_dict() if len(found) else None
        base = {"strategy": title_of(s, NO_STRATEGY), "milestone": m.title,
                "strategy_id": s.id if s else "", "milestone_id": m.id}
        for label, column, write in MILESTONE_ITEMS:
            ms_rows.append({**base, "item": _(label),
                            **{f"q{q}": write(c[column]) if c else ""
                               for q, c in cells.items()}})
        mine = reviews[reviews["milestone_id"] == m.id]
        comments = {}
        for q in QUARTERS:
            if tables[q] is None:
                comments[f"q{q}"] = ""
                continue
            start, end = quarter_bounds(plan_start, q, plan_year)
            comments[f"q{q}"] = _review_text(mine[(mine["date"] >= start)
                                                  & (mine["date"] <= end)])
        ms_rows.append({**base, "item": _(COMMENTS_ITEM), **comments})
    milestones = frame_of(ms_rows, MILESTONE_GRID_COLUMNS)

    st_rows = []
    last = next((t for t in reversed(tables.values()) if t is not None), None)
    groups = (list(zip(last["strategies"]["strategy_id"], last["strategies"]["strategy"],
                       strict=True)) if last is not None else [])
    for sid, title in groups:
        values: dict[str, list[str]] = {item: [] for item in STRATEGY_ITEMS}
        for sem in SEMESTERS:
            shown = [t for q in (2 * sem - 1, 2 * sem) if (t := tables[q]) is not None]
            if not shown:
                for item in STRATEGY_ITEMS:
                    values[item].append("")
                continue
            row = shown[-1]["strategies"]
            row = row[row["strategy_id"] == sid]
            pct = row["milestones_completed_pct"].iloc[0] if len(row) else float("nan")
            behind = int(row["milestones_behind"].iloc[0]) if len(row) else 0
            causes = "; ".join(c for t in shown for c in t["strategies"].loc[
                t["strategies"]["strategy_id"] == sid, "causes_adjustments"] if c)
            ms_ids = set(milestones.loc[milestones["strategy_id"] == sid, "milestone_id"])
            rev = reviews[(reviews["semester"] == sem) & reviews["milestone_id"].isin(ms_ids)]
            reviewed = "; ".join(f"{m}: {_review_text(g)}"
                                 for m, g in rev.groupby("milestone", sort=False))
            values[STRATEGY_ITEMS[0]].append(_pct(pct))
            values[STRATEGY_ITEMS[1]].append(str(behind))
            values[STRATEGY_ITEMS[2]].append(causes)
            values[STRATEGY_ITEMS[3]].append(reviewed)
        for item in STRATEGY_ITEMS:
            st_rows.append({"strategy": title, "item": _(item),
                            "semester_1": values[item][0], "semester_2": values[item][1],
                            "strategy_id": sid})
    strategies = frame_of(st_rows, STRATEGY_GRID_COLUMNS)
    quarters = frame_of(period_rows, ["quarter", "start", "end", "as_of"])
    return {"milestones": milestones, "strategies": strategies, "reviews": reviews,
            "quarters": quarters}
