"""Annual results read from the state's file for the year, proposed for a person to confirm.

A goal or strategy measure that names a state indicator (`Measure.state_indicator`, with
its `student_group`) can take its result for plan year p from the state's published file
for the school year p ends in: the district's own row for that indicator and group (all
grades). The result is a *proposal*: the team confirms it (and writes Tool A's "explanation
and needed adjustments") before it is saved as a `Result` with `source="state file"`. A value
the state suppressed stays suppressed: the proposal has no value and says why, and nothing
can be confirmed from it. Results typed by hand remain allowed (`source="typed"`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from workbook.data.parse import MARKERS
from workbook.direction.model import Measure
from workbook.i18n import _
from workbook.plan.tables import frame_of
from workbook.progress.model import Result
from workbook.progress.tables import add_months
from workbook.records.document import PlanDocument

PROPOSAL_COLUMNS = ["measure", "state_indicator", "student_group", "plan_year", "school_year",
                    "value", "suppressed", "note", "target", "saved_value", "source_note",
                    "measure_id"]


def school_year_of(plan_start: dt.date, plan_year: int) -> int:
    """The school year (spring: 2025 = 2024-25) that plan year `plan_year` ends in: the
    year whose published state file holds that plan year's result."""
    first_end = add_months(plan_start, 12) - dt.timedelta(days=1)
    return first_end.year + plan_year - 1


def _why_suppressed(row: pd.Series) -> str:
    marker = ""
    for col in ("suppression", "status_text"):
        if col in row and isinstance(row[col], str) and row[col].strip():
            marker = row[col].strip()
            break
    meaning = MARKERS.get(marker, marker)
    return (_("suppressed by the state: {why}").format(why=meaning) if meaning
            else _("not published by the state for this group"))


def result_proposals(doc: PlanDocument, outcomes: pd.DataFrame | None, district_id: str,
                     plan_start: dt.date, plan_year: int) -> pd.DataFrame:
    """One row per measure naming a state indicator: the value the state's file for
    `school_year_of(plan_start, plan_year)` gives the district, for the measure's student
    group, all grades.

    Columns: measure (its indicator text), state_indicator, student_group, plan_year,
    school_year, value (NaN when suppressed or not in the loaded files), suppressed (bool),
    note (where the value comes from, or why there is none), target (the plan year's),
    saved_value (the Result already saved for the plan year, NaN when none), source_note
    (file and row, for the saved Result), measure_id. Matching is case-insensitive on
    indicator and group; when the table has `org_level`, only district rows count.
    """
    year = school_year_of(plan_start, plan_year)
    saved = {r.measure: r for r in doc.of(Result)
             if isinstance(r, Result) and r.plan_year == plan_year}
    rows_in = pd.DataFrame() if outcomes is None else outcomes
    if not rows_in.empty:
        rows_in = rows_in[(rows_in["org_id"].astype("string") == str(district_id))
                          & (pd.to_numeric(rows_in["year"], errors="coerce") == year)]
        if "org_level" in rows_in:
            level = rows_in["org_level"].astype("string").str.lower()
            rows_in = rows_in[level.isna() | (level == "district")]
        if "grade" in rows_in:
            grade = rows_in["grade"].astype("string").str.lower()
            rows_in = rows_in[grade.isna() | (grade == "all")]
    indicators = (rows_in["indicator"].astype("string").str.upper() if not rows_in.empty
                  else pd.Series(dtype="string"))
    groups = (rows_in["student_group"].astype("string").str.upper() if not rows_in.empty
              else pd.Series(dtype="string"))
    out = []
    for m in doc.of(Measure):
        assert isinstance(m, Measure)
        code = m.state_indicator.strip().upper()
        if not code:
            continue
        group = (m.student_group or "ALL").upper()
        hit = (rows_in[(indicators == code) & (groups == group)] if not rows_in.empty
               else rows_in)
        value, suppressed, source = float("nan"), False, ""
        if hit.empty:
            note = _("no {indicator} row for this group in the loaded {year} files").format(
                indicator=code, year=year)
        else:
            row = hit.iloc[0]
            where = Path(str(row.get("source_file", "") or "")).name or _("state file")
            if pd.notna(row.get("source_row", pd.NA)):
                where += f", row {int(row['source_row'])}"
            if pd.isna(row["status"]):
                suppressed, note = True, _why_suppressed(row)
            else:
                value = float(row["status"])
                note = _("from {where}").format(where=where)
                source = f"{where} ({code}, {group}, {year})"
        got = saved.get(m.id)
        target = m.targets.get(plan_year)
        out.append({"measure": m.indicator, "state_indicator": code, "student_group": group,
                    "plan_year": plan_year, "school_year": year, "value": value,
                    "suppressed": suppressed, "note": note,
                    "target": float("nan") if target is None else float(target),
                    "saved_value": float("nan") if got is None else got.value,
                    "source_note": source, "measure_id": m.id})
    frame = frame_of(out, PROPOSAL_COLUMNS)
    for col in ("value", "target", "saved_value"):
        frame[col] = pd.to_numeric(frame[col]).astype("float64")
    frame["suppressed"] = frame["suppressed"].astype(bool)
    return frame


def confirmed_result(proposal: pd.Series | dict, org_id: str, explanation: str = "",
                     existing: Result | None = None) -> Result:
    """The Result a person's confirmation of a proposal saves (`existing`: the plan year's
    Result of that measure, updated in place so the history shows the change).

    Refuses a proposal with no value (suppressed or missing): there is nothing to confirm;
    type the result instead."""
    from workbook.errors import WorkbookError

    p = dict(proposal)
    if p.get("suppressed") or pd.isna(p.get("value")):
        raise WorkbookError(f"no value to confirm for {p.get('measure', 'this measure')}: "
                            f"{p.get('note', '')}; type the result instead")
    base = existing.model_dump() if existing is not None else {"org_id": org_id}
    return Result.model_validate({**base, "measure": p["measure_id"],
                                  "plan_year": int(p["plan_year"]),
                                  "value": float(p["value"]),
                                  "school_year": int(p["school_year"]),
                                  "source": "state file",
                                  "source_note": str(p.get("source_note", ""))[:500],
                                  "explanation": explanation})
