"""Oregon Department of Education workbooks: assessment (Smarter Balanced) and attendance.

ODE spells student groups out, reports grades as student groups in the attendance file,
and prints suppression markers (`*`, `--`, `-`, `< 5.0%`, `>95`) in numeric columns.
"""

from __future__ import annotations

import re

import pandas as pd

from workbook.data.groups import OREGON_GROUPS, group_name
from workbook.data.model import Problem, conform
from workbook.data.parse import numbers, require_columns
from workbook.data.readers import RawTable

ASSESSMENT_COLUMNS = ["Academic Year", "District ID", "School ID", "Student Group",
                      "Grade Level", "Number Proficient", "Percent Proficient (Level 3 or 4)",
                      "Number of Participants"]
ATTENDANCE_COLUMNS = ["District ID", "Institution ID", "Institution Type", "Student Group",
                      "Students Included", "Number Regular Attenders",
                      "Percent Regular Attenders", "Number Chronically Absent",
                      "Percent Chronically Absent"]
_SUBJECTS = {"English Language Arts": "ELA_PROF", "Mathematics": "MATH_PROF"}
_LEVELS = {"State": "state", "District": "district", "School": "school", "High School": "school"}


def _grade(text: pd.Series) -> pd.Series:
    """'Grade 3' -> '3', 'Grade HS (11)' -> 'HS', 'Kindergarten' -> 'K'."""
    g = text.str.replace(r"^Grade\s+", "", regex=True).str.replace(r"\s*\(\d+\)$", "", regex=True)
    return g.replace({"Kindergarten": "K"})


def _ids(raw: RawTable, column: str, problems: list[Problem]) -> pd.Series:
    ids = raw.frame[column].fillna("").astype(str).str.strip()
    for idx in ids[~ids.str.fullmatch(r"\d+")].index:
        problems.append(raw.problem(int(idx), column, f"id {ids[idx]!r} is not a number"))
    return ids


def _groups(raw: RawTable, problems: list[Problem]) -> tuple[pd.Series, pd.Series]:
    """(group code, grade) from ODE's 'Student Group' column."""
    text = raw.frame["Student Group"].fillna("").str.strip()
    is_grade = text.str.match(r"^(Grade |Kindergarten)")
    codes = text.map(OREGON_GROUPS)
    codes = codes.where(~is_grade, "ALL")
    for idx in codes[codes.isna()].index:
        problems.append(raw.problem(int(idx), "Student Group",
                                    f"unknown student group {text[idx]!r}; known: "
                                    f"{sorted(OREGON_GROUPS)[:6]} ..."))
    grade = _grade(text).where(is_grade, "all")
    return codes.fillna("UNKNOWN"), grade


def read_assessment(raw: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """Smarter Balanced results by school x student group x grade."""
    problems = list(raw.problems) + require_columns(raw, ASSESSMENT_COLUMNS, "ODE assessment")
    if problems:
        return conform(pd.DataFrame()), problems
    f = raw.frame
    codes, _ = _groups(raw, problems)
    year = pd.to_numeric(f["Academic Year"].str.extract(r"\d{4}\D+(\d{4})", expand=False),
                         errors="coerce")
    for idx in year[year.isna()].index:
        problems.append(raw.problem(int(idx), "Academic Year",
                                    f"{f['Academic Year'][idx]!r} is not a school year "
                                    "like 2021-2022"))
    subject = f["Subject"].str.strip() if "Subject" in f else "English Language Arts"
    out = pd.DataFrame({
        "state": "OR",
        "org_level": "school",
        "org_id": _ids(raw, "School ID", problems),
        "org_name": f.get("School", ""),
        "district_id": _ids(raw, "District ID", problems),
        "district_name": f.get("District", ""),
        "county": "",
        "indicator": pd.Series(subject, index=f.index).map(_SUBJECTS).fillna("ELA_PROF"),
        "student_group": codes,
        "student_group_name": codes.map(group_name),
        "grade": _grade(f["Grade Level"].str.strip()),
        "year": year.astype("Int64"),
    })
    out["numerator"], _ = numbers(raw, "Number Proficient", problems)
    out["denominator"], marker_n = numbers(raw, "Number of Participants", problems)
    out["status"], marker = numbers(raw, "Percent Proficient (Level 3 or 4)", problems)
    _markers(out, marker, marker_n)
    out["source_file"] = raw.label
    out["source_row"] = raw.rows
    return conform(out), problems


def read_attendance(raw: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """Regular attenders and chronic absence by institution x student group (or grade)."""
    problems = list(raw.problems) + require_columns(raw, ATTENDANCE_COLUMNS, "ODE attendance")
    if problems:
        return conform(pd.DataFrame()), problems
    f = raw.frame
    m = re.search(r"(\d{4})\s*-\s*(\d{4})", raw.sheet or "") or re.search(
        r"(\d{2})(\d{2})\b", raw.path.stem)
    year = None
    if m:
        year = int(m.group(2)) if len(m.group(2)) == 4 else 2000 + int(m.group(2))
    else:
        problems.append(Problem(raw.label, None, None, "cannot tell the school year from the "
                                "sheet name (like '2021-2022 Regular Attenders')"))
    codes, grade = _groups(raw, problems)
    kind = f["Institution Type"].str.strip()
    level = kind.map(_LEVELS)
    for idx in level[level.isna()].index:
        problems.append(raw.problem(int(idx), "Institution Type",
                                    f"institution type {kind[idx]!r} is not one of "
                                    f"{sorted(_LEVELS)}"))
    base = pd.DataFrame({
        "state": "OR",
        "org_level": level,
        "org_id": _ids(raw, "Institution ID", problems),
        "org_name": f.get("Institution", ""),
        "district_id": _ids(raw, "District ID", problems),
        "district_name": f.get("District", ""),
        "county": "",
        "student_group": codes,
        "student_group_name": codes.map(group_name),
        "grade": grade,
        "year": year,
        "school_type": kind.where(kind == "High School", ""),
        "source_file": raw.label,
        "source_row": raw.rows,
    })
    denominator, marker_n = numbers(raw, "Students Included", problems)
    frames = []
    for indicator, num, pct in [
        ("REG_ATTEND", "Number Regular Attenders", "Percent Regular Attenders"),
        ("CHRONIC_ABSENT", "Number Chronically Absent", "Percent Chronically Absent"),
    ]:
        part = base.copy()
        part["indicator"] = indicator
        part["denominator"] = denominator
        part["numerator"], _ = numbers(raw, num, problems)
        part["status"], marker = numbers(raw, pct, problems)
        _markers(part, marker, marker_n)
        frames.append(part)
    return conform(pd.concat(frames, ignore_index=True)), problems


def _markers(out: pd.DataFrame, status_marker: pd.Series, n_marker: pd.Series) -> None:
    marker = status_marker.where(status_marker != "", n_marker)
    out["suppression"] = marker.values
    out["status_text"] = status_marker.values
    out["not_reported"] = out["status"].isna()
