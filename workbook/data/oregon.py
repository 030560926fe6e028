"""Oregon Department of Education workbooks: assessment (any subject; school, district or
state files), attendance (regular attenders) and the cohort graduation media file.

Each layout is recognised by its columns, never by its file name or year, so ODE's other
files of the same layouts load with the same readers. ODE spells student groups out
(a group this module does not know keeps its own name), reports grades as student groups
in the attendance file, and prints suppression markers (`*`, `--`, `-`, `< 5.0%`, `>95%`)
in numeric columns; they are kept, never turned into numbers. Where ODE publishes only
school rows (the assessment file), district rows are rolled up from them
(`rollup_districts`); districts get their county from the cohort file (`with_county`).
"""

from __future__ import annotations

import re

import pandas as pd

from workbook.data.groups import GROUP_NAMES, OREGON_GROUPS
from workbook.data.model import Problem, conform
from workbook.data.parse import numbers, require_columns
from workbook.data.readers import RawTable

ASSESSMENT_COLUMNS = ["Academic Year", "Student Group", "Grade Level", "Number Proficient",
                      "Number of Participants"]  # and a "Percent Proficient ..." column
ATTENDANCE_COLUMNS = ["District ID", "Institution ID", "Institution Type", "Student Group",
                      "Students Included", "Number Regular Attenders",
                      "Percent Regular Attenders", "Number Chronically Absent",
                      "Percent Chronically Absent"]
_SUBJECTS = {"english language arts": "ELA_PROF", "ela": "ELA_PROF",
             "mathematics": "MATH_PROF", "math": "MATH_PROF", "science": "SCI_PROF"}
_LEVELS = {"State": "state", "District": "district", "School": "school", "High School": "school"}


def _grade(text: pd.Series) -> pd.Series:
    """'Grade 3' -> '3', 'Grade HS (11)' -> 'HS', 'Kindergarten' -> 'K'."""
    g = text.str.replace(r"^Grade\s+", "", regex=True).str.replace(r"\s*\(\d+\)$", "", regex=True)
    return g.replace({"Kindergarten": "K", "All Grades": "all", "All": "all"})


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
    # a group this code does not know yet (ODE adds groups from year to year) keeps its
    # own name and a code made from it, so a new file still loads
    made = text.str.upper().str.replace(r"[^A-Z0-9]", "", regex=True).str[:24]
    for idx in codes[codes.isna() & (made == "")].index:
        problems.append(raw.problem(int(idx), "Student Group", "empty student group"))
    grade = _grade(text).where(is_grade, "all")
    return codes.fillna(made), grade


def is_assessment(columns: list[str]) -> bool:
    """ODE's assessment layout (any subject, year, or school / district / state file)."""
    return {"Student Group", "Grade Level", "Number of Participants"} <= set(columns) and any(
        c.startswith("Percent Proficient") for c in columns)


def read_assessment(raw: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """Smarter Balanced (or science) results by school, district or state x student group x
    grade, and for a file of school rows only, district rows rolled up from them
    (`rollup_districts`). The level is read from the columns: a School ID column makes
    school rows, a District ID column without it district rows, neither the state's."""
    problems = list(raw.problems) + require_columns(raw, ASSESSMENT_COLUMNS, "ODE assessment")
    pct = next((c for c in raw.frame.columns if c.startswith("Percent Proficient")), None)
    if pct is None:
        problems.append(Problem(raw.label, raw.header_row, "Percent Proficient",
                                "no 'Percent Proficient (Level 3 or 4)' column; columns: "
                                f"{list(raw.frame.columns)[:12]}"))
    if problems or pct is None:
        return conform(pd.DataFrame()), problems
    f = raw.frame
    codes, _ = _groups(raw, problems)
    year = pd.to_numeric(f["Academic Year"].str.extract(r"\d{4}\D+(\d{2,4})", expand=False),
                         errors="coerce")
    first = pd.to_numeric(f["Academic Year"].str.extract(r"(\d{4})", expand=False),
                          errors="coerce")
    year = year.where(year >= 100, (first // 100) * 100 + year)  # 2021-22 -> 2022
    for idx in year[year.isna()].index:
        problems.append(raw.problem(int(idx), "Academic Year",
                                    f"{f['Academic Year'][idx]!r} is not a school year "
                                    "like 2021-2022"))
    subject = (f["Subject"].str.strip() if "Subject" in f
               else pd.Series("English Language Arts", index=f.index))
    indicator = subject.str.lower().map(_SUBJECTS)
    for idx in indicator[indicator.isna()].index:
        problems.append(raw.problem(int(idx), "Subject",
                                    f"subject {subject[idx]!r} is not one of English Language "
                                    "Arts, Mathematics, Science"))
    if "School ID" in f:
        level, org = "school", _ids(raw, "School ID", problems)
        district = _ids(raw, "District ID", problems) if "District ID" in f else org
    elif "District ID" in f:
        level = "district"
        org = district = _ids(raw, "District ID", problems)
    else:
        level, org, district = "state", pd.Series("9999", index=f.index), ""
    names = f["School"] if level == "school" and "School" in f else f.get("District", "")
    out = pd.DataFrame({
        "state": "OR",
        "org_level": level,
        "org_id": org,
        "org_name": names if level != "state" else "State of Oregon",
        "district_id": district,
        "district_name": f.get("District", ""),
        "county": "",
        "indicator": indicator.fillna("ELA_PROF"),
        "student_group": codes,
        "student_group_name": codes.map(GROUP_NAMES).fillna(f["Student Group"].str.strip()),
        "grade": _grade(f["Grade Level"].str.strip()),
        "year": year.astype("Int64"),
    })
    out["numerator"], _ = numbers(raw, "Number Proficient", problems)
    out["denominator"], marker_n = numbers(raw, "Number of Participants", problems)
    out["status"], marker = numbers(raw, pct, problems)
    _markers(out, marker, marker_n)
    out["source_file"] = raw.label
    out["source_row"] = raw.rows
    return with_rollup(conform(out)), problems


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
        "student_group_name": codes.map(GROUP_NAMES).fillna(
            f["Student Group"].fillna("").str.strip()),
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


# --------------------------------------------------------------------------- cohort media file
#: ODE's cohort media file: columns every sheet of it has (state/county and district/school).
COHORT_COLUMNS = ["County", "District ID", "School ID", "Student Group Code", "Student Group",
                  "Adjusted Cohort", "Graduates", "Institution Level"]
#: "2021-22 Four-year Cohort Graduation Rate" (this year's rate; the prior year's column
#: says "(prior year)").
_RATE = re.compile(r"^(\d{4})\s*-\s*(\d{2,4})\s+(Four|Five)-year\s+Cohort\s+"
                   r"(Graduation|Completer|Completion)\s+Rate$", re.IGNORECASE)
_PRIOR = re.compile(r"^(\d{4})\s*-\s*(\d{2,4})\s*\(prior year\)\s*(Four|Five)-year\s+Cohort\s+"
                    r"(Graduation|Completer|Completion)\s+Rate$", re.IGNORECASE)
#: ODE's cohort group codes -> our codes (other codes are kept, upper-cased).
COHORT_GROUPS: dict[str, str] = {
    "Tot": "ALL", "M": "MAL", "F": "FEM", "X": "NB", "AM": "AI", "ASO": "AS", "PAC": "PI",
    "BL": "AA", "HI": "HI", "MU": "MR", "WH": "WH", "USETH": "URE", "ECD": "SED",
    "SWD": "SWD", "FmrEL": "FMREL", "LEP": "EL", "NONLEP": "NEVEREL", "TAG": "TAG",
    "Mgrnt": "MIG", "Hmlss": "HOM", "CDIS": "CDIS", "CTEPartic": "CTEP", "CTEConc": "CTEC",
    "FC": "FOS",
}
_COHORT_LEVELS = {"state level": "state", "state": "state", "district": "district",
                  "high school": "school", "school": "school", "county": "county"}
_YEARS = {"four": 4, "five": 5}


def is_cohort(columns: list[str]) -> bool:
    """The cohort media file's layout: recognised by its columns, not its name or year."""
    return set(COHORT_COLUMNS) <= set(columns) and any(_RATE.match(c) for c in columns)


def _spring(first: str, second: str) -> int:
    return int(second) if len(second) == 4 else int(first[:2] + second)


def read_cohort(raw: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """Four- or five-year cohort graduation and completer rates by state, district and high
    school x student group, with the prior year's graduation rate (`prior_status`).

    County rows are summaries of the districts below them and are left out (the tidy table
    has no county level); every district and school row keeps its County, which is how an
    Oregon region finds its districts. Markers: `*` (fewer than 10 students, suppressed),
    `-` (no rate), `>95%` (a rate above 95 hidden to protect the few who did not graduate)
    stay in `suppression`/`status_text` with an empty status.
    """
    problems = list(raw.problems) + require_columns(raw, COHORT_COLUMNS, "ODE cohort media")
    rates = {m.group(4).lower()[:5]: (c, m) for c in raw.frame.columns if (m := _RATE.match(c))}
    if "gradu" not in rates:
        problems.append(Problem(raw.label, raw.header_row, None,
                                "no column like '2021-22 Four-year Cohort Graduation Rate'; "
                                f"columns: {list(raw.frame.columns)[:20]}"))
    if problems:
        return conform(pd.DataFrame()), problems
    # "NA" (no prior-year cohort) is ODE's not-applicable here
    f = raw.frame = raw.frame.replace({"NA": "n/a"})
    _, m = rates["gradu"]
    year = _spring(m.group(1), m.group(2))
    span = _YEARS[m.group(3).lower()]
    level_text = f["Institution Level"].str.strip()
    level = level_text.str.lower().map(_COHORT_LEVELS)
    for idx in level[level.isna()].index:
        problems.append(raw.problem(int(idx), "Institution Level",
                                    f"institution level {level_text[idx]!r} is not one of "
                                    "State Level, County, District, High School"))
    code_text = f["Student Group Code"].str.strip()
    codes = code_text.map(COHORT_GROUPS)
    made = code_text.str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    codes = codes.fillna(made)
    for idx in codes[codes == ""].index:
        problems.append(raw.problem(int(idx), "Student Group Code", "empty student group code"))
    keep = level.notna() & (level != "county") & (codes != "")
    district_ids = _ids(raw, "District ID", problems)
    school_ids = _ids(raw, "School ID", problems)
    org = school_ids.where(level != "district", district_ids)
    is_state = level == "state"
    base = pd.DataFrame({
        "state": "OR",
        "org_level": level,
        "org_id": org,
        "org_name": f["School Name"].where(level == "school", f["District Name"])
        if "School Name" in f and "District Name" in f else "",
        "district_id": district_ids.where(~is_state, ""),
        "district_name": f.get("District Name", ""),
        "county": f["County"].str.strip().where(~is_state, ""),
        "student_group": codes,
        "student_group_name": codes.map(GROUP_NAMES).fillna(f["Student Group"].str.strip()),
        "grade": "all",
        "year": year,
        "school_type": "",
        "source_file": raw.label,
        "source_row": raw.rows,
    })
    cohort, marker_n = numbers(raw, "Adjusted Cohort", problems)
    graduates, _ = numbers(raw, "Graduates", problems)
    prior_col = next((c for c in f.columns if (p := _PRIOR.match(c))
                      and p.group(4).lower().startswith("gradu")
                      and _YEARS[p.group(3).lower()] == span), None)
    frames = []
    for kind, (col, _m) in sorted(rates.items()):
        part = base.copy()
        part["indicator"] = f"{'GRAD' if kind == 'gradu' else 'COMPL'}{span}"
        part["denominator"] = cohort
        if kind == "gradu":
            part["numerator"] = graduates
        else:
            others, _ = numbers(raw, "Other Completers", problems) if "Other Completers" in f \
                else (pd.Series(pd.NA, index=f.index, dtype="Float64"), None)
            part["numerator"] = graduates + others
        part["status"], marker = numbers(raw, col, problems)
        if kind == "gradu" and prior_col:
            part["prior_status"], _ = numbers(raw, prior_col, problems)
        _markers(part, marker, marker_n)
        frames.append(part[keep])
    return conform(pd.concat(frames, ignore_index=True)), problems


# --------------------------------------------------------------------------- district roll-up
ROLLUP_MARK = "rolled up from school rows"
#: A rolled-up district figure is not reported when more than this share (percent) of the
#: students tested may sit in suppressed school cells: it would describe too few of them.
MAX_ROLLUP_HIDDEN = 50.0


def rollup_districts(schools: pd.DataFrame) -> pd.DataFrame:
    """District rows formed from school rows (ODE publishes its assessment file by school).

    For each district x indicator x student group x grade, and for all grades together:
    `numerator` and `denominator` sum the proficient and participant counts of the school
    cells ODE published in full; `status` is their ratio in percent. Cells ODE suppressed
    (`*`: fewer than 10 participants, count unknown) or whose count it hid (`< 5.0%`,
    `> 95.0%`: participants known) are left out, and `suppression` says how many students
    that leaves out, at most: ``rolled up from school rows: 41 of 44 cells; 3 suppressed
    (at most 27 students, at most 2.1% of those tested)``. Rows with nothing published
    stay, not reported, and so do those where more than `MAX_ROLLUP_HIDDEN` percent of
    the students tested may be in suppressed cells.
    """
    s = schools[schools["org_level"] == "school"]
    if s.empty:
        return conform(pd.DataFrame())
    full = s["numerator"].notna() & s["denominator"].notna()
    hidden_n = s["denominator"].notna() & s["numerator"].isna()  # < 5.0%, > 95.0%
    small = s["denominator"].isna() & (s["suppression"].fillna("") == "*")
    work = pd.DataFrame({
        "school": s["org_id"], "district_id": s["district_id"], "district_name": s["district_name"],
        "indicator": s["indicator"], "student_group": s["student_group"],
        "student_group_name": s["student_group_name"], "grade": s["grade"], "year": s["year"],
        "num": s["numerator"].where(full, 0).astype(float),
        "den": s["denominator"].where(full, 0).astype(float),
        "cells": 1, "full": full.astype(int), "small": small.astype(int),
        "hidden": s["denominator"].where(hidden_n, 0).astype(float),
        "source_file": s["source_file"]})
    key = ["district_id", "indicator", "student_group", "year"]
    # all grades together: the school's own all-grades row where the file has one, else
    # the sum of its grades
    native = work[work["grade"] == "all"]
    graded = work[work["grade"] != "all"]
    has_all = pd.MultiIndex.from_frame(native[["school", *key]])
    synth = graded[~pd.MultiIndex.from_frame(graded[["school", *key]]).isin(has_all)]
    work = pd.concat([work, synth.assign(grade="all")], ignore_index=True)
    g = work.groupby([*key, "grade"], dropna=False, sort=True)
    out = g.agg(district_name=("district_name", "first"),
                student_group_name=("student_group_name", "first"),
                num=("num", "sum"), den=("den", "sum"), cells=("cells", "sum"),
                full=("full", "sum"), small=("small", "sum"), hidden=("hidden", "sum"),
                source_file=("source_file", "first")).reset_index()
    threshold = 10  # ODE suppresses fewer than 10 (workbook.privacy.THRESHOLDS["OR"])
    most = out["small"] * (threshold - 1) + out["hidden"]
    tested = out["den"] + most
    share = (100 * most / tested.where(tested > 0)).fillna(0)
    note = [f"{ROLLUP_MARK}: {f} of {c} cells"
            + (f"; {sm} suppressed" if sm else "")
            + (f"; {int(h)} students in cells whose count ODE hid" if h else "")
            + (f" (at most {int(mo)} students, at most {sh:.1f}% of those tested)"
               if mo else "")
            for f, c, sm, h, mo, sh in zip(out["full"], out["cells"], out["small"],
                                           out["hidden"], most, share, strict=True)]
    # a district figure is only given where at least half the students tested are in it
    reported = (out["den"] > 0) & (share <= MAX_ROLLUP_HIDDEN)
    res = pd.DataFrame({
        "state": "OR", "org_level": "district", "org_id": out["district_id"],
        "org_name": out["district_name"], "district_id": out["district_id"],
        "district_name": out["district_name"], "county": "", "indicator": out["indicator"],
        "student_group": out["student_group"],
        "student_group_name": out["student_group_name"], "grade": out["grade"],
        "year": out["year"],
        "numerator": out["num"].where(reported), "denominator": out["den"].where(reported),
        "status": (100 * out["num"] / out["den"]).round(1).where(reported),
        "suppression": note, "status_text": pd.NA, "not_reported": ~reported,
        "source_file": out["source_file"], "source_row": 0,
    })
    return conform(res)


def with_rollup(frame: pd.DataFrame) -> pd.DataFrame:
    """The assessment rows plus district rows rolled up from its school rows, for the
    districts the file has no district row of its own (ODE's district file wins)."""
    own = frame.loc[frame["org_level"] == "district", "district_id"].unique()
    schools = frame[(frame["org_level"] == "school") & ~frame["district_id"].isin(own)]
    made = rollup_districts(schools)
    return conform(pd.concat([frame, made], ignore_index=True)) if len(made) else frame


def with_county(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows without a county get their district's county from rows that have one (ODE's
    assessment and attendance files carry none; its cohort media file does)."""
    has = frame[(frame["county"].fillna("") != "") & (frame["district_id"].fillna("") != "")]
    if has.empty:
        return frame
    county = has.drop_duplicates("district_id").set_index("district_id")["county"]
    missing = frame["county"].fillna("") == ""
    out = frame.copy()
    out.loc[missing, "county"] = out.loc[missing, "district_id"].map(county)
    out["county"] = out["county"].fillna("").astype("string")
    return out
