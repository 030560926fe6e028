"""Who gets state support: California's differentiated-assistance and ESSA lists.

These are not outcome tables but the state's verdicts built on them (levels of support:
1 support for all, 2 differentiated assistance, 3 intensive intervention; ESSA CSI / TSI /
ATSI schools). They share one small table so a liaison can join them to outcomes.
"""

from __future__ import annotations

import re

import pandas as pd

from workbook.data.model import Problem
from workbook.data.parse import check_ids, require_columns
from workbook.data.readers import RawTable

ASSISTANCE_COLUMNS: dict[str, str] = {
    "state": "string",
    "org_level": "string",
    "org_id": "string",
    "org_name": "string",
    "district_name": "string",
    "county": "string",
    "year": "Int64",
    "program": "string",  # "differentiated assistance" or "ESSA"
    "status": "string",  # e.g. "Differentiated Assistance", "CSI Low Performing"
    "student_groups": "string",  # the groups that qualified, "EL:F; HOM:F"
    "source_file": "string",
    "source_row": "Int64",
}
_GROUP_CODES = ["AA", "AI", "AS", "EL", "FI", "FOS", "HI", "HOM", "PI", "SED", "SWD", "TOM", "WH"]


def _frame(data: dict) -> pd.DataFrame:
    out = pd.DataFrame(data)
    return out[list(ASSISTANCE_COLUMNS)].astype(ASSISTANCE_COLUMNS).reset_index(drop=True)


def _latest(frame: pd.DataFrame, prefix: str) -> tuple[str, int]:
    cols = sorted(c for c in frame.columns if re.fullmatch(prefix + r"\d{4}", c))
    return cols[-1], int(cols[-1][-4:])


def _qualifying(frame: pd.DataFrame, suffix: str, empty: set[str]) -> pd.Series:
    parts = []
    for code in _GROUP_CODES:
        col = code + suffix
        if col in frame:
            v = frame[col].fillna("").str.strip()
            parts.append(v.where(v.isin(empty) | (v == ""), code + ":" + v).where(
                ~(v.isin(empty) | (v == "")), ""))
    if not parts:
        return pd.Series("", index=frame.index)
    joined = pd.concat(parts, axis=1).apply(lambda r: "; ".join(x for x in r if x), axis=1)
    return joined


def is_da_list(columns: list[str]) -> bool:
    return {"CDS", "LEAname", "ReportYear"} <= set(columns)


def read_da_list(raw: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """CDE's LCFF differentiated-assistance eligibility list (district and COE sheet)."""
    problems = list(raw.problems) + require_columns(raw, ["CDS", "LEAname", "Countyname",
                                                          "ReportYear"], "CDE LCFF eligibility")
    f = raw.frame
    status_col, year = _latest(f, "AssistanceStatus")
    out = _frame({
        "state": "CA", "org_level": "district",
        "org_id": check_ids(raw, "CDS", 14, problems),
        "org_name": f["LEAname"], "district_name": f["LEAname"], "county": f["Countyname"],
        "year": pd.to_numeric(f["ReportYear"], errors="coerce").fillna(year),
        "program": "differentiated assistance",
        "status": f[status_col].replace("*", ""),
        "student_groups": _qualifying(f, "priorities", {"*"}),
        "source_file": raw.label, "source_row": raw.rows,
    })
    return out, problems


def is_essa_list(columns: list[str]) -> bool:
    return "cds" in columns and any(c.startswith("AssistanceStatus") for c in columns) and (
        "schoolname" in columns)


def read_essa_list(raw: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """CDE's ESSA school assistance list (CSI / TSI / ATSI)."""
    problems = list(raw.problems)
    f = raw.frame
    status_col, year = _latest(f, "AssistanceStatus")
    year_col = "ReportingYear" if "ReportingYear" in f else None
    out = _frame({
        "state": "CA", "org_level": "school",
        "org_id": check_ids(raw, "cds", 14, problems),
        "org_name": f["schoolname"], "district_name": f.get("districtname", ""),
        "county": f.get("countyname", ""),
        "year": pd.to_numeric(f[year_col], errors="coerce").fillna(year) if year_col else year,
        "program": "ESSA", "status": f[status_col],
        "student_groups": _qualifying(f, "", {"0"}),
        "source_file": raw.label, "source_row": raw.rows,
    })
    return out, problems


def is_school_eligibility(columns: list[str]) -> bool:
    return {"CDS", "School", "AssistanceStatus"} <= set(columns)


def read_school_eligibility(raw: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """CDE's 2018 ESSA school eligibility file (one row per school, groups as counts)."""
    problems = list(raw.problems)
    f = raw.frame
    out = _frame({
        "state": "CA", "org_level": "school",
        "org_id": check_ids(raw, "CDS", 14, problems),
        "org_name": f["School"], "district_name": f.get("District", ""),
        "county": f.get("County", ""),
        "year": pd.to_numeric(f.get("RepYr", ""), errors="coerce"),
        "program": "ESSA", "status": f["AssistanceStatus"],
        "student_groups": _qualifying(f, "", {"0"}),
        "source_file": raw.label, "source_row": raw.rows,
    })
    return out, problems
