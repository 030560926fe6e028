"""What a board member reads instead of machine names: column labels, Yes/No, dashes.

The one mapping from the stage tables' column names to the headings a report, an app or a
chart shows (`label`), how a cell is written for people (`cell`: Yes/No for booleans, a dash
for a missing value, codes with their names), and the one table of each indicator's
meaningful change that trend charts use so an axis never makes a fraction of a point look
like a fall (`y_domain`). The CSVs under a report's `data/` folder keep the machine names.

Every label goes through `workbook.i18n._` when it is shown, so a catalog can translate it;
`N_` only marks the literal for extraction (add it to Babel's keywords).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from workbook.i18n import DEFAULT as DEFAULT_LANGUAGE
from workbook.i18n import _, format_date, format_number, language


def N_(text: str) -> str:  # noqa: N802 - gettext's conventional name for "mark only"
    """Mark `text` for the catalog without translating it now (it is translated when shown)."""
    return text


#: Column name → heading. A column not listed gets its name in words ("plan_year" → "Plan
#: year"), so no code ever reaches a reader; list a column here to give it a better one.
LABELS: dict[str, str] = {
    # data and needs
    "org_id": N_("District code"), "org_name": N_("District"), "district": N_("District"),
    "district_id": N_("District code"), "school": N_("School"), "county": N_("County"),
    "state": N_("State"), "year": N_("Year"), "grade": N_("Grade"),
    "indicator": N_("Indicator"), "indicator_name": N_("Indicator"),
    "student_group": N_("Student group"), "student_group_name": N_("Student group"),
    "n": N_("Students"), "status": N_("Result"), "status_text": N_("Result (as published)"),
    "status_level": N_("Status level (1-5)"), "change": N_("Change from prior year"),
    "change_level": N_("Change level (1-5)"), "color": N_("Dashboard color (1-5)"),
    "color_name": N_("Dashboard color"), "prior_status": N_("Prior year result"),
    "not_reported": N_("Not reported by the state"), "suppression": N_("Note from the state"),
    "suppressed": N_("Hidden because"), "higher_is_better": N_("Higher is better"),
    "denominator": N_("Students counted"), "numerator": N_("Students meeting it"),
    "all_status": N_("All students' result"), "all_n": N_("All students (count)"),
    "gap_to_all": N_("Gap to all students"), "gap_to_state": N_("Gap to the state"),
    "gap_to_county": N_("Gap to the county"), "state_status": N_("State result"),
    "state_n": N_("State students"), "county_status": N_("County result"),
    "county_n": N_("County students"), "county_leas": N_("Districts in the county"),
    "compared_with": N_("Compared with"), "flagged_groups": N_("Groups in Red or Orange"),
    "basis": N_("Source of the figure"), "note": N_("Note"), "score": N_("Priority score"),
    "rank": N_("Rank"), "quadrant": N_("Quadrant"), "entry": N_("Entry"),
    "evidence": N_("Evidence"), "scope": N_("Level"), "code": N_("Code"), "name": N_("Name"),
    "domain": N_("Domain"), "domain_name": N_("Domain"), "practice": N_("Practice"),
    "practice_name": N_("Practice"), "ratings": N_("Ratings"), "raters": N_("Raters"),
    "min_level": N_("Lowest level"), "mean_level": N_("Mean level"),
    "max_level": N_("Highest level"), "level_name": N_("Level"), "label": N_("Reading"),
    "agreement": N_("Agreement"), "value": N_("Value"), "level": N_("Level"),
    "field": N_("Field"), "detail": N_("Detail"),
    # root cause
    "id": N_("Number"), "cause": N_("Cause"), "category": N_("Category"),
    "actionable": N_("Within our control"), "is_root": N_("Root cause"),
    "impact": N_("Impact"), "flags": N_("Flags"), "prioritised": N_("Prioritised"),
    "has_evidence": N_("Has evidence"), "why": N_("Why"), "step": N_("Step"),
    "asks": N_("Asks"),
    # plan
    "goal": N_("Goal"), "goal_id": N_("Goal number"), "strategy": N_("Strategy"),
    "strategy_id": N_("Strategy number"), "milestone": N_("Milestone"),
    "milestone_id": N_("Milestone number"), "action": N_("Action"),
    "action_id": N_("Action number"), "measure": N_("Measure"),
    "measure_id": N_("Measure number"), "owner": N_("Owner"), "start": N_("Start"),
    "due": N_("Due"), "undated": N_("No dates yet"), "budget": N_("Budget"),
    "funding_source": N_("Funding source"), "strategies": N_("Strategies"),
    "causes": N_("Causes"), "actions": N_("Actions"), "milestones": N_("Milestones"),
    "measures": N_("Measures"), "letter": N_("Practice letter"), "kind": N_("Kind"),
    "text": N_("Text"), "if": N_("If we"), "then": N_("then"), "and": N_("and"),
    "part": N_("Part"), "stage": N_("Stage"), "question": N_("Question"),
    "message": N_("Finding"), "baseline": N_("Baseline"), "baseline_year": N_("Baseline year"),
    "target_year_1": N_("Target, year 1"), "target_year_2": N_("Target, year 2"),
    "target_year_3": N_("Target, year 3"), "direction": N_("Better when"),
    "data_source": N_("Data source"), "state_indicator": N_("State indicator"),
    "target": N_("Target"),
    # progress
    "status_date": N_("Status date"), "month": N_("Month"), "plan_year": N_("Plan year"),
    "complete": N_("Complete"), "completed_on": N_("Completed on"), "on_time": N_("On time"),
    "on_track": N_("On track"), "behind": N_("Behind"),
    "actions_on_time": N_("Actions on time"), "actions_on_time_pct": N_("Actions on time (%)"),
    "actions_completed": N_("Actions completed"),
    "actions_completed_pct": N_("Actions completed (%)"),
    "actions_behind": N_("Actions behind"), "actions_behind_pct": N_("Actions behind (%)"),
    "milestones_completed": N_("Milestones completed"),
    "milestones_completed_pct": N_("Milestones completed (%)"),
    "milestones_behind": N_("Milestones behind"), "budget_planned": N_("Budget planned"),
    "budget_used": N_("Budget used"), "budget_used_pct": N_("Budget used (%)"),
    "outputs": N_("Outputs"), "outputs_list": N_("Outputs"),
    "outputs_completed": N_("Outputs completed"), "output_delivered": N_("Output delivered"),
    "causes_adjustments": N_("Causes and adjustments"), "adjustment": N_("Adjustment"),
    "latest_result": N_("Latest result"), "result_year": N_("Result year"),
    "point": N_("Point"), "row": N_("Measure"), "parent": N_("Part of"),
    "need": N_("Need"), "provider": N_("Provider"), "provided": N_("Provided"),
    "provided_on": N_("Provided on"), "requested": N_("Requested"),
    "effectiveness": N_("Effectiveness (1-4)"), "effectiveness_label": N_("Effectiveness"),
    "how_used": N_("How it was used"), "date": N_("Date"), "support": N_("Support"),
    "support_type": N_("Type of support"), "reason": N_("Reason"), "comments": N_("Comments"),
    # network
    "districts": N_("Districts"), "practices": N_("Practices"), "capacity": N_("Capacity"),
    "load": N_("Districts supported"), "room_left": N_("Room left"),
    "provider_id": N_("Provider code"), "peers": N_("Similar districts"),
    "peers_change": N_("Similar districts' change"), "difference": N_("Difference"),
    "days_open": N_("Days open"), "open_comments": N_("Open comments"),
    "identification": N_("Level of support"), "org_level": N_("Level of support"),
}

#: A code column and the column that names it: shown as one column, "name (code)".
NAMED = {"student_group": "student_group_name", "indicator": "indicator_name",
         "org_id": "org_name", "district_id": "district", "practice": "practice_name",
         "domain": "domain_name"}

#: Columns that only order rows, carry a drawing's internals or a machine id beside its
#: name: in the CSV, not on the page.
HIDDEN = {"order", "index", "trigger_code"}

#: Columns whose blank means "nothing to say" (a row that is shown), never a missing value.
BLANK_WHEN_EMPTY = {"suppressed", "suppression", "note", "flags", "evidence", "comments"}

DASH = "—"


def label(column: str) -> str:
    """The heading for `column`, in the reader's language."""
    if column in LABELS:
        return _(LABELS[column])
    words = str(column).strip("_").replace("_", " ")
    if words.endswith(" pct"):
        words = words[:-4] + " (%)"
    if words.endswith(" id"):
        words = words[:-3] + " number"
    return _(words[:1].upper() + words[1:]) if words else ""


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def missing(value: object) -> bool:
    """A value that is not there: None, NaN, pandas NA or NaT (a list or dict is there)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value)) if pd.api.types.is_scalar(value) else False
    except (TypeError, ValueError):
        return False


def _number(value: float) -> str:
    if math.isinf(value):
        return DASH
    if float(value).is_integer():
        return str(int(value))
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if language() != DEFAULT_LANGUAGE:  # the reader's decimal mark (12,5 in Spanish)
        return format_number(value, len(text.partition(".")[2]))
    return text


def cell(value: object, column: str = "", unreported: bool = False) -> str:
    """One value as a reader sees it: Yes/No, numbers without noise, and for a missing
    value a dash, or "not reported" in a row the state did not report (`unreported`)."""
    if missing(value):
        if column in BLANK_WHEN_EMPTY:
            return ""
        return _("not reported") if unreported else DASH
    if isinstance(value, bool):
        return yes_no(value)
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        try:
            value = value.item()
        except (TypeError, ValueError):
            pass
        if isinstance(value, bool):
            return yes_no(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        day = value.date() if isinstance(value, dt.datetime) else value
        if language() != DEFAULT_LANGUAGE:  # "1 de diciembre de 2026"
            return format_date(day)
        return day.isoformat()
    if isinstance(value, list | tuple | set):
        return ", ".join(cell(v) for v in value)
    if column in ("suppressed", "suppression"):  # privacy markers, in the reader's language
        return _marker(str(value))
    return str(value)


def _marker(text: str) -> str:
    """A suppression marker ("fewer than 11 students", "not reported", ...) translated; the
    CSV keeps the marker itself (the region's audit reads it)."""
    import re

    small = re.fullmatch(r"fewer than (\d+) students", text)
    return _("fewer than {n} students").format(n=small.group(1)) if small else _(text)


def _code_name(code: object, name: object) -> object:
    """"English Learners (EL)": the name with its code, or whichever of them is there."""
    if missing(code):
        return name
    if missing(name) or str(name) == str(code):
        return code
    return f"{name} ({code})"


def _named(column: str, code: object) -> object:
    """A code column without its name column: the name looked up in the one catalog."""
    if missing(code):
        return code
    if column == "student_group":
        from workbook.data.groups import group_name

        return _code_name(code, _(group_name(str(code))))
    if column in ("indicator", "state_indicator"):
        from workbook.data.model import INDICATORS

        return _code_name(code, _(INDICATORS.get(str(code), (str(code), True))[0]))
    return code


#: The Dashboard's level and color columns: on the page only when some row has a level or
#: a color (a state without colors, such as Oregon, shows none of them; the CSV keeps them).
COLOR_COLUMNS = ("status_level", "change_level", "color", "color_name")


def _colorless(frame: pd.DataFrame) -> set[str]:
    from workbook.needs.tables import NO_COLOR, NOT_REPORTED

    present = [c for c in COLOR_COLUMNS if c in frame.columns]
    if not present or frame.empty:
        return set()
    for c in present:
        values = frame[c]
        if c == "color_name":
            if any(not missing(v) and str(v) not in ("", NO_COLOR, NOT_REPORTED)
                   for v in values):
                return set()
        elif any(not missing(v) and v != 0 for v in values):
            return set()
    return set(present)


def for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` as a page shows it: one column per code and its name, human headings, every
    cell a string (Yes/No, dashes, codes with names). The data file keeps `frame` as is."""
    out: dict[str, list[str]] = {}  # one frame at the end: cheaper than column by column
    used: set[str] = set()
    flags = frame["not_reported"] if "not_reported" in frame.columns else \
        pd.Series(False, index=frame.index)
    unreported = [not missing(v) and bool(v) for v in flags]
    colorless = _colorless(frame)
    for column in frame.columns:
        col = str(column)
        if col in HIDDEN or col in used or col in colorless:
            continue
        values: Iterable[object] = frame[column]
        heading_of = col
        partner = NAMED.get(col)
        if partner is not None and partner in frame.columns:
            values = [_code_name(c, n) for c, n in zip(frame[column], frame[partner],
                                                       strict=True)]
            used.add(partner)
            heading_of = partner  # "Salinas Union High (27661590000000)": a district
        elif col in ("student_group", "indicator", "state_indicator"):
            values = [_named(col, v) for v in frame[column]]
        elif col in NAMED.values():
            code = next(k for k, v in NAMED.items() if v == col)
            if code in frame.columns:  # shown with its code, at the code's place
                continue
        heading = label(heading_of) if col else ""
        while heading in out:
            heading += " "  # two columns with one heading stay two columns
        out[heading] = _cells(values, col, unreported)
    return pd.DataFrame(out, index=frame.index)


#: Values whose text depends only on their type and value (and the row's "not reported"),
#: so a column's repeated values (group names, codes, colors) are written once. Dates are
#: left out: two equal times in different zones are different days.
_PLAIN = frozenset({str, float, int, bool, np.float64, np.float32, np.int64, np.int32,
                    np.bool_})


def _cells(values: Iterable[object], column: str, unreported: list[bool]) -> list[str]:
    """`cell` of every value of a column: the same texts, each distinct one made once."""
    made: dict[tuple[type, object, bool], str] = {}
    out = []
    for value, unrep in zip(values, unreported, strict=True):
        kind = type(value)
        if kind not in _PLAIN:
            out.append(cell(value, column, unrep))
            continue
        key = (kind, value, unrep)
        text = made.get(key)
        if text is None:
            text = made[key] = cell(value, column, unrep)
        out.append(text)
    return out


# ---------------------------------------------------------------------------------------
# Honest axes: each indicator's meaningful change
# ---------------------------------------------------------------------------------------

#: The smallest span a trend axis covers, per indicator, in the indicator's own units: the
#: change the state treats as more than "maintained" on both sides (California's change cut
#: points: ±15 points for distance from standard is "significantly", ±3 "maintained"), so a
#: change inside the noise draws as nearly flat. Rates and counts start at zero instead.
MIN_SPAN: dict[str, float] = {
    "ELA": 30.0, "MATH": 30.0, "SCIENCE": 30.0, "ELA11": 30.0, "MATH11": 30.0,
}

#: The span used for an indicator not listed whose values can be negative.
DEFAULT_SPAN = 10.0


def y_domain(indicator: str, values: Iterable[float]) -> tuple[float, float]:
    """The y range of a trend panel: from zero for rates and counts (all values ≥ 0, the
    indicator not measured against a standard), else at least `MIN_SPAN` around the
    values' middle, and always wide enough for every value."""
    shown = [float(v) for v in values if not missing(v)]
    if not shown:
        return (0.0, 1.0)
    lo, hi = min(shown), max(shown)
    if indicator not in MIN_SPAN and lo >= 0:
        return (0.0, max(hi * 1.1, 1.0))
    span = MIN_SPAN.get(indicator, DEFAULT_SPAN)
    if hi - lo >= span:
        pad = (hi - lo) * 0.05
        return (lo - pad, hi + pad)
    middle = (lo + hi) / 2
    return (middle - span / 2, middle + span / 2)


def _is_percent(indicator: str) -> bool:
    from workbook.data.model import PERCENT_INDICATORS

    return indicator in PERCENT_INDICATORS


def axis_title(indicator: str) -> str:
    """What a trend panel's numbers are, in words ("Points from standard", "Percent")."""
    if indicator in MIN_SPAN:
        return _("Points above (+) or below (−) standard")
    if _is_percent(indicator):
        return _("Percent of students")
    return _("Result")
