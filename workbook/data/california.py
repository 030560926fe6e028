"""California: CDE Dashboard download files and the county office's all-indicator extract.

Both share CDE's layout: one row per entity (cds, rtype X/D/S) x student group, with
currstatus / priorstatus / change and the published levels. The indicator comes from the
extract's `indicator` column, or else from the download's content (`recognise`: its columns
and values; the file's name only settles what those leave open).
"""

from __future__ import annotations

import re
from functools import partial

import pandas as pd

from workbook import privacy
from workbook.data import recognise
from workbook.data.groups import group_name
from workbook.data.model import Problem, ProblemList, conform
from workbook.data.parse import check_ids, numbers, report_rows, require_columns, short
from workbook.data.readers import Hint, RawTable

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


def is_dashboard(columns: list[str]) -> bool:
    return {"cds", "rtype"} <= set(columns) and (
        "reportingyear" in columns or "PLTotCt" in columns or "currstatus" in columns)


def read_dashboard(raw: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """A CDE Dashboard download or extract as tidy rows, with every problem found.

    The indicator and year come from the content (`recognise`), the user's hint first;
    when the indicator stays undecided, every row is still checked and the frame's
    `attrs["candidates"]` lists what it could be (for `recognise.pair_assessments`)."""
    problems = ProblemList(raw.problems)
    f = raw.frame
    hint = raw.hint or Hint()
    if "PLTotCt" in f.columns:
        return _elpi_levels(raw, problems, recognise.year_hint(raw.path.name, hint))
    fallback_year = recognise.year_hint(raw.path.name, hint)
    required = ["cds", "rtype", "currdenom", "currstatus"]
    if fallback_year is None:
        required.append("reportingyear")
    problems += require_columns(raw, required, "CDE Dashboard")
    if any(p.column in required for p in problems if p.row == raw.header_row):
        return conform(pd.DataFrame()), problems

    out = pd.DataFrame(index=f.index)
    out["state"] = "CA"
    cds = check_ids(raw, "cds", 14, problems)
    out["org_id"] = cds
    rtype = f["rtype"].str.strip()
    bad = rtype[~rtype.isin(list(_RTYPE))].index
    report_rows(problems, raw, bad, "rtype", lambda idx: (
        f"rtype {short(rtype[idx])} is not X (state), D (district) or S (school)"))
    if problems.stop_when_full():
        return conform(pd.DataFrame()), problems
    out["org_level"] = rtype.map(_RTYPE)
    out["district_id"] = cds.str[:7].str.ljust(14, "0").where(rtype != "X", cds)
    out["district_name"] = _col(f, "districtname")
    out["org_name"] = _col(f, "schoolname").where(rtype == "S", out["district_name"])
    out.loc[rtype == "X", ["org_name", "district_name"]] = "California"
    out["county"] = _col(f, "countyname")
    candidates = _indicator(raw, hint, out, problems)
    if "studentgroup" in f.columns:
        groups = f["studentgroup"].str.strip()
        report_rows(problems, raw, groups[groups == ""].index, "studentgroup",
                    lambda idx: "student group is empty")
        out["student_group"] = groups
    else:  # the English learner progress file is about English learners only
        out["student_group"] = "EL"
    long = _col(f, "studentgroup.long")
    out["student_group_name"] = long.where(long != "", out["student_group"].map(group_name))
    out["grade"] = "all"
    out["year"] = _year(raw, hint, fallback_year, problems)
    for source, target in _NUMERIC.items():
        if source in f.columns:
            out[target], _ = numbers(raw, source, problems)
            if problems.stop_when_full():
                return conform(pd.DataFrame()), problems
    for source, target in _LEVEL_COLUMNS.items():
        if target in out:
            values = out[target]
            bad = values[values.notna() & (values != values.round())].index
            report_rows(problems, raw, bad, source, partial(_not_whole, values))
    out["school_type"] = _col(f, "type")
    out["hs_cutpoints"] = _col(f, "hscutpoints").str.upper().eq("Y")
    out["charter"] = _col(f, "charter_flag").str.upper().eq("Y")
    out["dass"] = _col(f, "dass_flag").str.upper().eq("Y")
    out["coe"] = _col(f, "coe_flag").str.upper().eq("Y") | ((rtype == "D") & is_coe_code(cds))
    _flag_reporting(out)
    out["source_file"] = raw.label
    out["source_row"] = raw.rows
    tidy = conform(out)
    tidy.attrs["candidates"] = candidates
    return tidy, problems


def _not_whole(values: pd.Series, idx) -> str:
    return f"level {values[idx]} is not a whole number"


def _indicator(raw: RawTable, hint: Hint, out: pd.DataFrame,
               problems: list[Problem]) -> tuple[str, ...]:
    """Fill out["indicator"]; the candidates when it cannot be decided (else ())."""
    f = raw.frame
    if hint.indicator:
        out["indicator"] = hint.indicator
        return ()
    if "indicator" in f.columns:  # the county office's extract: one column says it
        found = f["indicator"].fillna("").str.strip().str.upper()
        if "file" in f.columns:  # ...and CDE's file name of each row where it is empty
            named = f["file"].fillna("").map(lambda n: (recognise.from_name(n.strip()) or
                                                        ("",))[0])
            found = found.where(found != "", named)
        report_rows(problems, raw, found[found == ""].index, "indicator", lambda idx: (
            "indicator is empty on this row of the extract; say it with --indicator"))
        out["indicator"] = found.where(found != "", pd.NA)
        return ()
    ident = recognise.identify(list(f.columns), f["currstatus"], raw.path.name, hint)
    if ident.indicator:
        out["indicator"] = ident.indicator
        return ()
    out["indicator"] = pd.NA
    options = "|".join(ident.candidates) or "GRAD"
    problems.append(Problem(
        raw.label, None, None,
        f"cannot tell which indicator this CDE Dashboard file holds: {ident.why}; every row "
        f"was checked for the rest. Say which: `workbook data check FILE --indicator "
        f"{options}`, or `indicator: {options.split('|')[0]}` on the region manifest's source"))
    return ident.candidates or ("?",)


def _year(raw: RawTable, hint: Hint, fallback: int | None,
          problems: list[Problem]) -> pd.Series:
    """Each row's year: the user's, else `reportingyear` (2018, 2017f, 2024.0), else the
    name's; a reporting year that is not a year is a problem on its row."""
    f = raw.frame
    if hint.year is not None:
        return pd.Series(hint.year, index=f.index, dtype="Int64")
    if "reportingyear" not in f.columns:
        return pd.Series(fallback, index=f.index, dtype="Int64")
    text = f["reportingyear"].fillna("").str.strip()
    year = recognise.parse_year(text)
    bad = year[year.isna()].index
    report_rows(problems, raw, bad, "reportingyear", lambda idx: (
        f"reporting year {short(text[idx])} is not a year like 2018 or 2017f "
        "(say the year with --year, or `year:` on the region's source)"))
    return year


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
    hint = raw.hint or Hint()
    years = _year(raw, hint, year, problems)
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
        part["year"] = years
        part["source_row"] = raw.rows
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out["state"] = "CA"
    out["student_group"] = "EL"
    out["student_group_name"] = group_name("EL")
    out["grade"] = "all"
    _flag_reporting(out)
    out["source_file"] = raw.label
    return conform(out), problems


def is_local_indicators(columns: list[str]) -> bool:
    return {"CDS", "LocalIndicator", "Performance"} <= set(columns)


def read_local_indicators(raw: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """CDE's local indicator results (Met / Not Met) per LEA and state priority."""
    problems = ProblemList(raw.problems)
    f = raw.frame
    cds = check_ids(raw, "CDS", 14, problems)
    area = f["LocalIndicator"].str.extract(r"Priority Area (\d+)", expand=False)
    report_rows(problems, raw, area[area.isna()].index, "LocalIndicator", lambda idx: (
        f"{short(f['LocalIndicator'][idx])} names no priority area"))
    perf = f["Performance"].str.strip()
    bad = perf[~perf.isin(["Met", "Not Met", "Not Met For Two or More Years"])].index
    report_rows(problems, raw, bad, "Performance", lambda idx: (
        f"performance {short(perf[idx])} is not Met / Not Met"))
    hint = raw.hint or Hint()
    year = hint.year
    if year is None and (m := re.search(r"(20\d\d)", raw.path.name)):
        year = int(m.group(1))  # the file holds no year: CDE's name (LocalIndPerf2018) does
    if year is None:
        problems.append(Problem(raw.label, None, None,
                                "cannot tell the year of these local indicator results: the "
                                "file holds none and its name gives none; say it with "
                                "`--year 2018`, or `year:` on the region manifest's source"))
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
