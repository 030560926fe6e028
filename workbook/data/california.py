"""California: CDE Dashboard download files and the county office's all-indicator extract.

Both share CDE's layout: one row per entity (cds, rtype X/D/S) x student group, with
currstatus / priorstatus / change and the published levels. The indicator comes from the
extract's `indicator` column, or else from the download file's name (graddownload2018.txt).
"""

from __future__ import annotations

import re

import pandas as pd

from workbook import privacy
from workbook.data.groups import group_name
from workbook.data.model import Problem, conform
from workbook.data.parse import check_ids, numbers, require_columns
from workbook.data.readers import RawTable

_FILE_INDICATOR = re.compile(
    r"^(ela11|math11|ela|math|grad|cci|elpi|chronic|chron|susp|suspension|science)"
    r"(?:download)?_?(\d{4})f?", re.IGNORECASE)
_INDICATOR_CODE = {"chronic": "CHRO", "chron": "CHRO", "susp": "SUSP", "suspension": "SUSP"}
_RTYPE = {"X": "state", "D": "district", "S": "school"}
_LEVEL_COLUMNS = {"statuslevel": "status_level", "changelevel": "change_level", "color": "color"}
_NUMERIC = {
    "currnumer": "numerator",
    "currdenom": "denominator",
    "currstatus": "status",
    "priordenom": "prior_denominator",
    "priorstatus": "prior_status",
    "change": "change",
    **_LEVEL_COLUMNS,
}


def indicator_from_name(name: str) -> tuple[str, int] | None:
    """(indicator, year) from a CDE file name such as graddownload2017f.txt or ELA_2024.txt."""
    m = _FILE_INDICATOR.match(name)
    if not m:
        return None
    word = m.group(1).lower()
    return _INDICATOR_CODE.get(word, word.upper()), int(m.group(2))


def is_dashboard(columns: list[str]) -> bool:
    return {"cds", "rtype"} <= set(columns) and (
        "reportingyear" in columns or "PLTotCt" in columns)


def read_dashboard(raw: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """A CDE Dashboard download or extract as tidy rows, with every problem found."""
    problems = list(raw.problems)
    f = raw.frame
    extract = "indicator" in f.columns
    from_name = indicator_from_name(raw.path.name)
    if not extract and from_name is None:
        problems.append(Problem(raw.label, None, None,
                                "cannot tell the indicator from the file name; CDE names its "
                                "downloads like graddownload2018.txt or ELA_2024.txt"))
        return conform(pd.DataFrame()), problems
    if "PLTotCt" in f.columns:
        return _elpi_levels(raw, problems, from_name[1] if from_name else None)

    required = ["cds", "rtype", "currdenom", "currstatus", "reportingyear"]
    problems += require_columns(raw, required, "CDE Dashboard")
    if any(p.column in required for p in problems if p.row == raw.header_row):
        return conform(pd.DataFrame()), problems

    out = pd.DataFrame(index=f.index)
    out["state"] = "CA"
    cds = check_ids(raw, "cds", 14, problems)
    out["org_id"] = cds
    rtype = f["rtype"].str.strip()
    for idx in rtype[~rtype.isin(list(_RTYPE))].index:
        problems.append(raw.problem(int(idx), "rtype",
                                    f"rtype {rtype[idx]!r} is not X (state), D (district) or "
                                    "S (school)"))
    out["org_level"] = rtype.map(_RTYPE)
    out["district_id"] = cds.str[:7].str.ljust(14, "0").where(rtype != "X", cds)
    out["district_name"] = _col(f, "districtname")
    out["org_name"] = _col(f, "schoolname").where(rtype == "S", out["district_name"])
    out.loc[rtype == "X", ["org_name", "district_name"]] = "California"
    out["county"] = _col(f, "countyname")
    if extract:
        out["indicator"] = f["indicator"].str.strip().str.upper()
    else:
        assert from_name is not None  # checked above: not an extract, so named by the file
        out["indicator"] = from_name[0]
    if "studentgroup" in f.columns:
        groups = f["studentgroup"].str.strip()
        for idx in groups[groups == ""].index:
            problems.append(raw.problem(int(idx), "studentgroup", "student group is empty"))
        out["student_group"] = groups
    else:  # the English learner progress file is about English learners only
        out["student_group"] = "EL"
    long = _col(f, "studentgroup.long")
    out["student_group_name"] = long.where(long != "", out["student_group"].map(group_name))
    out["grade"] = "all"
    year_text = f["reportingyear"].str.strip()
    year = pd.to_numeric(year_text.str.replace(r"f$", "", regex=True), errors="coerce")
    for idx in year[year.isna()].index:
        problems.append(raw.problem(int(idx), "reportingyear",
                                    f"reporting year {year_text[idx]!r} is not a year"))
    out["year"] = year.round().astype("Int64")
    for source, target in _NUMERIC.items():
        if source in f.columns:
            out[target], _ = numbers(raw, source, problems)
    for source, target in _LEVEL_COLUMNS.items():
        if target in out:
            values = out[target]
            bad = values.notna() & (values != values.round())
            for idx in bad[bad].index:
                problems.append(raw.problem(int(idx), source,
                                            f"level {values[idx]} is not a whole number"))
    out["school_type"] = _col(f, "type")
    out["hs_cutpoints"] = _col(f, "hscutpoints").str.upper().eq("Y")
    out["charter"] = _col(f, "charter_flag").str.upper().eq("Y")
    out["dass"] = _col(f, "dass_flag").str.upper().eq("Y")
    out["coe"] = _col(f, "coe_flag").str.upper().eq("Y") | ((rtype == "D") & is_coe_code(cds))
    _flag_reporting(out)
    out["source_file"] = raw.label
    out["source_row"] = raw.rows
    return conform(out), problems


def _elpi_levels(raw: RawTable, problems: list[Problem], year: int | None):
    """The 2018 ELPI file: only counts of English learners at each ELPAC level."""
    f = raw.frame
    need = ["cds", "rtype", "PLTotCt"] + [f"PL_{k}" for k in range(1, 5)]
    problems += require_columns(raw, need, "CDE ELPI performance-level")
    if any(p.row == raw.header_row for p in problems):
        return conform(pd.DataFrame()), problems
    cds = check_ids(raw, "cds", 14, problems)
    rtype = f["rtype"].str.strip()
    total, _ = numbers(raw, "PLTotCt", problems)
    frames = []
    for k in range(1, 5):
        part = pd.DataFrame(index=f.index)
        part["org_id"] = cds
        part["org_level"] = rtype.map(_RTYPE)
        part["district_id"] = cds.str[:7].str.ljust(14, "0").where(rtype != "X", cds)
        part["district_name"] = _col(f, "districtname").where(rtype != "X", "California")
        part["org_name"] = _col(f, "schoolname").where(rtype == "S", part["district_name"])
        part["county"] = _col(f, "countyname")
        part["indicator"] = f"ELPI_PL{k}"
        part["numerator"], _ = numbers(raw, f"PL_{k}", problems)
        pct = f"PL{k}_Pct"
        if pct in f.columns:
            part["status"], _ = numbers(raw, pct, problems)
        part["denominator"] = total
        part["source_row"] = raw.rows
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out["state"] = "CA"
    out["student_group"] = "EL"
    out["student_group_name"] = group_name("EL")
    out["grade"] = "all"
    year_col = _col(f, "reportingyear")
    year_value = pd.to_numeric(year_col.str[:4], errors="coerce").iloc[0] if len(f) else year
    out["year"] = year_value if pd.notna(year_value) else year
    _flag_reporting(out)
    out["source_file"] = raw.label
    return conform(out), problems


def is_local_indicators(columns: list[str]) -> bool:
    return {"CDS", "LocalIndicator", "Performance"} <= set(columns)


def read_local_indicators(raw: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """CDE's local indicator results (Met / Not Met) per LEA and state priority."""
    problems = list(raw.problems)
    f = raw.frame
    cds = check_ids(raw, "CDS", 14, problems)
    area = f["LocalIndicator"].str.extract(r"Priority Area (\d+)", expand=False)
    for idx in area[area.isna()].index:
        problems.append(raw.problem(int(idx), "LocalIndicator",
                                    f"{f['LocalIndicator'][idx]!r} names no priority area"))
    perf = f["Performance"].str.strip()
    for idx in perf[~perf.isin(["Met", "Not Met", "Not Met For Two or More Years"])].index:
        problems.append(raw.problem(int(idx), "Performance",
                                    f"performance {perf[idx]!r} is not Met / Not Met"))
    year = int(m.group(1)) if (m := re.search(r"(20\d\d)", raw.path.name)) else None
    out = pd.DataFrame({
        "state": "CA",
        "org_level": "district",
        "org_id": cds,
        "org_name": f["LEAname"] if "LEAname" in f else "",
        "district_id": cds,
        "district_name": f["LEAname"] if "LEAname" in f else "",
        "county": _col(f, "Countyname"),
        "indicator": "LOCAL_P" + area.fillna("0"),
        "student_group": "ALL",
        "student_group_name": group_name("ALL"),
        "grade": "all",
        "year": year,
        "status_text": perf,
        "not_reported": perf == "",
        "coe": is_coe_code(cds),
        "source_file": raw.label,
        "source_row": raw.rows,
    })
    return conform(out), problems


def is_coe_code(cds: pd.Series) -> pd.Series:
    """Whether each CDS code is a county office of education's: CDE gives county offices
    district codes 10xxx (Monterey COE 27 10272, Alameda COE 01 10017), so digits 3-4 are
    "10". The extract's `coe_flag` is not filled on every file's rows; the code always is."""
    return cds.astype("string").str[2:4].eq("10").fillna(False).astype(bool)


def _flag_reporting(out: pd.DataFrame) -> None:
    """Mark rows with no status, and why when the group was too small to report."""
    missing = out["status"].isna() if "status" in out else pd.Series(True, index=out.index)
    out["not_reported"] = missing
    threshold = privacy.threshold_for("CA")  # CDE does not report smaller groups
    small = missing & (out["denominator"] > 0) & (out["denominator"] < threshold)
    out["suppression"] = ""
    out.loc[small, "suppression"] = privacy.small_group_text(threshold)


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].fillna("").astype(str).str.strip()
    return pd.Series("", index=frame.index, dtype=str)
