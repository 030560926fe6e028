"""Who gets state support: California's differentiated-assistance and ESSA lists.

These are not outcome tables but the state's verdicts built on them (levels of support:
1 support for all, 2 differentiated assistance, 3 intensive intervention; ESSA CSI / TSI /
ATSI schools). They share one small table so a liaison can join them to outcomes
(`read_da_list`, `read_essa_list`), and are also read in full into `AssistanceLists`
(`read_eligibility`, `read_essa_schools`, via `workbook.data.load_lists`): every year's
status, the methods and the EC 52072 flag, each student group's letter decoded by the
file's own Value sheet, and each school's designation, Title I and charter status, for
`workbook.identification` to set beside what it computes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
_GROUP_CODES = ["AA", "AI", "AS", "EL", "FI", "FOS", "HI", "HOM", "LTEL", "PI", "SED", "SWD",
                "TOM", "WH"]


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


# --------------------------------------------------------------------------------------
# The lists in full: every year's status, the letter codes decoded, the ESSA schools
# --------------------------------------------------------------------------------------

#: The lists' spelling of a student group -> the Dashboard's code (Two or More Races).
LIST_GROUPS: dict[str, str] = {"TOM": "MR"}

LEA_COLUMNS: dict[str, str] = {
    "org_id": "string", "org_name": "string", "county": "string",
    "year": "Int64",  # the Dashboard year the list decides
    "status": "string",  # "Differentiated Assistance, Year 1", "General Assistance", ...
    "met_method1": "boolean", "met_method2": "boolean", "met_method3": "boolean",
    "met_method4": "boolean",
    "ec52072": "boolean",  # met the referral criteria of EC 52072(b)(1) / 52072.5(b)(1)
    "total_groups": "Int64",  # student groups that met the criteria in two or more areas
    "source_file": "string", "source_row": "Int64",
}
HISTORY_COLUMNS: dict[str, str] = {
    "org_id": "string", "org_name": "string", "county": "string", "year": "Int64",
    "status": "string",  # "" where the list has none (the LEA was not evaluated)
    "list_year": "Int64",  # the list that says so (a later list repeats earlier years)
    "source_file": "string", "source_row": "Int64",
}
GROUP_COLUMNS: dict[str, str] = {
    "org_id": "string", "year": "Int64", "student_group": "string",  # Dashboard codes
    "code": "string",  # the list's letter, e.g. "B"
    "priorities": "string",  # the letter decoded by the file's own Value sheet: "4;5"
    "source_file": "string", "source_row": "Int64",
}
CODE_COLUMNS: dict[str, str] = {
    "year": "Int64", "code": "string", "priorities": "string", "description": "string",
    "source_file": "string", "source_row": "Int64",
}
ESSA_COLUMNS: dict[str, str] = {
    "org_id": "string", "org_name": "string",  # the school
    "district_id": "string",  # first seven digits; for a charter, its authorising district
    "district_name": "string", "county": "string",
    "charter": "boolean", "dass": "boolean",
    "title_i": "boolean", "title_i_year": "string",  # the latest TitleI column, "2022-23"
    "year": "Int64",  # the list's reporting year
    "status": "string",  # latest AssistanceStatusYYYY: CSI Low Perform, CSI Grad, TSI, ATSI
    "status_year": "Int64", "exit": "string",  # NOEXIT, CSIEXIT, ATSIEXIT
    "student_groups": "string",  # groups flagged for TSI/ATSI, "EL; SWD"
    "source_file": "string", "source_row": "Int64",
}


def empty(columns: dict[str, str]) -> pd.DataFrame:
    """An empty frame with the given column dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


@dataclass
class AssistanceLists:
    """The state's published lists, decoded: who was in differentiated assistance each
    year and why (LCFF eligibility files), and the ESSA school designations.

    `leas`: one row per LEA and list year (that year's status, methods, EC 52072 flag);
    `history`: one row per LEA and every year any list reports (the latest list wins);
    `groups`: one row per LEA, year and student group with a letter, decoded to priority
    areas by `codes`, the file's own Value sheet; `essa`: one row per school.
    """

    leas: pd.DataFrame = field(default_factory=lambda: empty(LEA_COLUMNS))
    history: pd.DataFrame = field(default_factory=lambda: empty(HISTORY_COLUMNS))
    groups: pd.DataFrame = field(default_factory=lambda: empty(GROUP_COLUMNS))
    codes: pd.DataFrame = field(default_factory=lambda: empty(CODE_COLUMNS))
    essa: pd.DataFrame = field(default_factory=lambda: empty(ESSA_COLUMNS))

    TABLES = ("leas", "history", "groups", "codes", "essa")

    @property
    def years(self) -> list[int]:
        """The years whose own eligibility list is loaded."""
        return sorted(int(y) for y in self.leas["year"].dropna().unique())

    def extend(self, other: AssistanceLists) -> None:
        for name in self.TABLES:
            mine, theirs = getattr(self, name), getattr(other, name)
            if not theirs.empty:
                setattr(self, name, theirs if mine.empty else pd.concat(
                    [mine, theirs], ignore_index=True))
        self.history = (self.history.sort_values(["org_id", "year", "list_year"])
                        .drop_duplicates(["org_id", "year"], keep="last")
                        .reset_index(drop=True))


_CODE_LINE = re.compile(r"^\s*([A-Z])\s*=?\s*$")


def read_codes(rows: list[tuple], label: str, year: int) -> tuple[pd.DataFrame, list[Problem]]:
    """The 'Value' sheet of an LCFF eligibility file: letter -> priority areas.

    CDE writes `A = ` | `Met Criteria in Priority Areas 4, 5, and 6`; the letters and the
    areas change between years (2022: A-D over areas 4-6; 2023: A-K with area 8), so they
    are read from each file, never assumed.
    """
    out, problems = [], []
    for number, row in enumerate(rows, start=1):
        cells = [("" if v is None else str(v)) for v in row] + ["", ""]
        m = _CODE_LINE.match(cells[0])
        if not m:
            continue
        areas = re.findall(r"\d+", cells[1])
        if not areas:
            problems.append(Problem(label, number, "Description",
                                    f"code {m.group(1)!r} names no priority area: "
                                    f"{cells[1]!r}"))
            continue
        out.append({"year": year, "code": m.group(1),
                    "priorities": ";".join(str(a) for a in sorted(set(map(int, areas)))),
                    "description": cells[1].strip(), "source_file": label,
                    "source_row": number})
    frame = pd.DataFrame(out) if out else empty(CODE_COLUMNS)
    return frame[list(CODE_COLUMNS)].astype(CODE_COLUMNS), problems


def _flag(values: pd.Series) -> pd.Series:
    v = values.fillna("").astype(str).str.strip().str.upper()
    return v.map({"Y": True, "YES": True, "N": False, "NO": False}).astype("boolean")


def _status(values: pd.Series) -> pd.Series:
    v = values.fillna("").astype(str).str.strip()
    return v.where(v != "*", "")


def read_eligibility(raw: RawTable, value_sheet: list[tuple] | None,
                     value_label: str) -> tuple[AssistanceLists, list[Problem]]:
    """An LCFF District/COE eligibility sheet in full, its letters decoded by the file's
    own Value sheet (`value_sheet`, its rows; None when the file has none)."""
    problems = list(raw.problems) + require_columns(raw, ["CDS", "LEAname", "ReportYear"],
                                                    "CDE LCFF eligibility")
    f = raw.frame
    if any(p.row == raw.header_row for p in problems):
        return AssistanceLists(), problems
    ids = check_ids(raw, "CDS", 14, problems)
    _, latest = _latest(f, "AssistanceStatus")
    year = pd.to_numeric(f["ReportYear"], errors="coerce").fillna(latest).astype("Int64")
    list_year = int(year.max()) if len(year) else latest
    codes, more = (read_codes(value_sheet, value_label, list_year) if value_sheet is not None
                   else (empty(CODE_COLUMNS), []))
    problems += more
    county = f["Countyname"] if "Countyname" in f else pd.Series("", index=f.index)
    ec = next((c for c in f.columns if c.startswith("EC52072")), None)
    leas = pd.DataFrame({
        "org_id": ids, "org_name": f["LEAname"], "county": county, "year": year,
        "status": _status(f.get(f"AssistanceStatus{list_year}", pd.Series("", index=f.index))),
        **{f"met_method{k}": _flag(f[f"MetMethod{k}"]) if f"MetMethod{k}" in f
           else pd.Series(pd.NA, index=f.index, dtype="boolean") for k in range(1, 5)},
        "ec52072": _flag(f[ec]) if ec else pd.Series(pd.NA, index=f.index, dtype="boolean"),
        "total_groups": pd.to_numeric(f["TotalStudentGroups"], errors="coerce")
        if "TotalStudentGroups" in f else pd.Series(pd.NA, index=f.index, dtype="Int64"),
        "source_file": raw.label, "source_row": raw.rows,
    })[list(LEA_COLUMNS)].astype(LEA_COLUMNS)
    history = []
    for col in sorted(c for c in f.columns if re.fullmatch(r"AssistanceStatus\d{4}", c)):
        history.append(pd.DataFrame({
            "org_id": ids, "org_name": f["LEAname"], "county": county,
            "year": int(col[-4:]), "status": _status(f[col]), "list_year": list_year,
            "source_file": raw.label, "source_row": raw.rows}))
    known = dict(zip(codes["code"], codes["priorities"], strict=True))
    groups = []
    for col in [c for c in f.columns if c.endswith("priorities")]:
        group = col.removesuffix("priorities")
        letters = f[col].fillna("").astype(str).str.strip()
        has = ~letters.isin(["", "*"])
        for idx in letters[has & ~letters.isin(list(known))].index:
            problems.append(raw.problem(int(idx), col,
                                        f"code {letters[idx]!r} is not in the file's Value "
                                        f"sheet ({', '.join(sorted(known)) or 'no Value sheet'});"
                                        " the priority areas cannot be decoded"))
        keep = has & letters.isin(list(known))
        groups.append(pd.DataFrame({
            "org_id": ids[keep], "year": year[keep],
            "student_group": LIST_GROUPS.get(group, group), "code": letters[keep],
            "priorities": letters[keep].map(known), "source_file": raw.label,
            "source_row": pd.Series(raw.rows, index=f.index)[keep]}))
    out = AssistanceLists(
        leas=leas,
        history=pd.concat(history, ignore_index=True)[list(HISTORY_COLUMNS)].astype(
            HISTORY_COLUMNS) if history else empty(HISTORY_COLUMNS),
        groups=pd.concat(groups, ignore_index=True)[list(GROUP_COLUMNS)].astype(
            GROUP_COLUMNS) if groups else empty(GROUP_COLUMNS),
        codes=codes)
    return out, problems


def read_essa_schools(raw: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """CDE's ESSA assistance status file, one row per school, with Title I and charter."""
    problems = list(raw.problems) + require_columns(raw, ["cds", "schoolname"],
                                                    "CDE ESSA assistance status")
    f = raw.frame
    if any(p.row == raw.header_row for p in problems):
        return empty(ESSA_COLUMNS), problems
    ids = check_ids(raw, "cds", 14, problems)
    status_col, status_year = _latest(f, "AssistanceStatus")
    title = sorted((c for c in f.columns if re.fullmatch(r"TitleI\d{4}", c)),
                   key=lambda c: c[-2:])
    title_col = title[-1] if title else None
    blank = pd.Series("", index=f.index)
    year_col = "ReportingYear" if "ReportingYear" in f else "RepYr" if "RepYr" in f else None
    out = pd.DataFrame({
        "org_id": ids, "org_name": f["schoolname"],
        "district_id": ids.str[:7].str.ljust(14, "0"),
        "district_name": f.get("districtname", blank), "county": f.get("countyname", blank),
        "charter": f.get("Charter", blank).fillna("").str.strip().isin(["DF", "LF", "Y"]),
        "dass": _flag(f.get("DASS", blank)).fillna(False),
        "title_i": _flag(f[title_col]) if title_col else pd.Series(pd.NA, index=f.index,
                                                                   dtype="boolean"),
        "title_i_year": f"20{title_col[-4:-2]}-{title_col[-2:]}" if title_col else "",
        "year": pd.to_numeric(f[year_col], errors="coerce") if year_col else status_year,
        "status": f[status_col].fillna("").str.strip(), "status_year": status_year,
        "exit": f.get("Exit", blank),
        "student_groups": _qualifying(f, "", {"0"}).str.replace(":1", "", regex=False),
        "source_file": raw.label, "source_row": raw.rows,
    })
    return out[list(ESSA_COLUMNS)].astype(ESSA_COLUMNS), problems
