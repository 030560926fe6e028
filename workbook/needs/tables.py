"""Notebook 01, needs assessment: a district's Dashboard results, gaps, trends and Tool C profile.

Every function is pure: it takes the tidy outcome table (`workbook.data.model.TIDY_COLUMNS`)
or records and returns a DataFrame or an altair chart with its data inlined. Nothing is read
from disk and nothing is displayed.

Tables about students carry `n`, the number of students the row's figure is computed over (the
state's denominator), next to every derived value, so `workbook.privacy.suppress` can hide small
groups before a table is shown. Rows the state did not report are kept and labelled
``"not reported"``; they are never dropped.

Why ~430 lines: snapshot, gaps and trends share the row selection and formatting helpers at
the top; the charts (`needs.charts`) and priorities (`needs.priorities`) are apart.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import pandas as pd

from workbook import catalogue
from workbook.data.groups import GROUP_NAMES, group_name
from workbook.data.model import COLOR_NAMES, INDICATORS, PERCENT_INDICATORS
from workbook.data.oregon import ROLLUP_MARK
from workbook.errors import WorkbookError
from workbook.i18n import _
from workbook.needs.model import (
    Consensus,
    NeedsAssessment,
    Rating,
    Reflection,
    aggregate_ratings,
    element_label,
    tool_a_categories,
    tool_a_prompt,
)
from workbook.privacy import NOT_REPORTED

#: The label for a reported status the state gave no color (too few students, or no colors
#: for that indicator, e.g. science).
NO_COLOR = "no color"
#: Dashboard color name -> the hex color every chart uses.
COLOR_HEX: dict[str, str] = {
    "Red": "#d7191c", "Orange": "#fdae61", "Yellow": "#ffffbf", "Green": "#a6d96a",
    "Blue": "#2c7bb6", NO_COLOR: "#e0e0e0", NOT_REPORTED: "#e0e0e0",
}
#: Indicators reported as distance from standard (points), not as a percentage.
DFS_INDICATORS = {"ELA", "MATH", "SCIENCE", "ELA11", "MATH11"}
#: Where the indicator's method changed between the sample years, so years compare poorly.
METHOD_NOTES: dict[str, str] = {
    "ELPI": "2017 used CELDT results, 2019 on ELPAC progress: earlier years are not comparable",
    "CCI": "measures were added to the college/career indicator over the years: compare with care",
}
STATE_ID = "00000000000000"

SNAPSHOT_COLUMNS = [
    "org_id", "org_name", "county", "year", "indicator", "indicator_name", "higher_is_better",
    "student_group", "student_group_name", "n", "status", "prior_status", "change",
    "status_level", "change_level", "color", "color_name", "not_reported", "status_text",
    "suppression",
]


# --------------------------------------------------------------------------- helpers


def indicator_name(code: str, short: bool = False) -> str:
    """The indicator's long name (``short``: without the parenthesis), else the code."""
    name = INDICATORS.get(code, (code, True))[0]
    return name.split(" (")[0] if short else name


def _higher_is_better(code: str) -> bool:
    return INDICATORS.get(code, (code, True))[1]


def indicator_rank(code: str) -> int:
    order = list(INDICATORS)
    return order.index(code) if code in order else len(order)


def _group_rank(code: str) -> int:
    order = list(GROUP_NAMES)
    return order.index(code) if code in order else len(order)


def _color_name(color: Any, not_reported: bool) -> str:
    if not_reported:
        return NOT_REPORTED
    if pd.isna(color):
        return NO_COLOR
    return COLOR_NAMES.get(int(color), NO_COLOR)


def format_status(indicator: str, value: Any) -> str:
    """A status as people read it: 23.4%, 24.1 below standard."""
    if value is None or pd.isna(value):
        return NOT_REPORTED
    v = float(value)
    if indicator in DFS_INDICATORS:
        return f"{abs(v):.1f} points {'below' if v < 0 else 'above'} standard"
    if indicator in PERCENT_INDICATORS:
        return f"{v:.1f}%"
    return f"{v:g}"


def change_text(value: Any) -> str:
    if value is None or pd.isna(value):
        return "no prior year"
    v = float(value)
    if v == 0:
        return "no change"
    return f"{'up' if v > 0 else 'down'} {abs(v):.1f}"


def _n(series: pd.Series) -> pd.Series:
    """Student counts as nullable whole numbers."""
    return pd.to_numeric(series, errors="coerce").round().astype("Int64")


def _not_reported(rows: pd.DataFrame) -> pd.Series:
    flag = rows["not_reported"].astype("boolean").fillna(False)
    no_value = rows["status"].isna() & rows["status_text"].isna()
    return (flag | no_value).astype(bool)


# --------------------------------------------------------------------------- snapshot


def _district_rows(frame: pd.DataFrame, district_id: str) -> pd.DataFrame:
    """The rows of one district, or of one school (its own CDS code): the same analysis
    reads either."""
    rows = frame[(frame["org_level"].isin(["district", "school"]))
                 & (frame["org_id"] == district_id)]
    rows = _all_grades(rows)
    if rows.empty:
        known = sorted(frame.loc[frame["org_level"] == "district", "org_id"].dropna().unique())
        raise WorkbookError(f"no district or school rows for {district_id!r} in the data; "
                            f"districts present: {', '.join(known[:40]) or 'none'}")
    return rows


def _all_grades(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows for all grades together (a file by grade, like ODE's, also has one row per
    grade), one per indicator x group x year: the state's own row wins over one rolled up
    from school rows (`workbook.data.oregon.rollup_districts`)."""
    rows = rows[rows["grade"].fillna("all") == "all"]
    rolled = rows["suppression"].fillna("").str.startswith(ROLLUP_MARK)
    if not rolled.any():
        return rows
    rows = rows.assign(_r=rolled.astype(int)).sort_values("_r", kind="stable")
    rows = rows.drop_duplicates(["org_id", "indicator", "student_group", "year"])
    return rows.drop(columns="_r").sort_index()


def schools(frame: pd.DataFrame, district_id: str) -> list[tuple[str, str]]:
    """(school id, name) of the district's schools that have rows, sorted by name."""
    rows = frame[(frame["org_level"] == "school") & (frame["district_id"] == district_id)]
    pairs = rows[["org_id", "org_name"]].dropna().drop_duplicates("org_id")
    return sorted(((str(i), str(n)) for i, n in pairs.itertuples(index=False)),
                  key=lambda p: (p[1].lower(), p[0]))


def district_snapshot(frame: pd.DataFrame, district_id: str,
                      year: int | None = None) -> pd.DataFrame:
    """The district's own row for every indicator x student group in one year.

    `year` defaults to the latest year the district has rows for. Rows the state did not
    report stay in, with ``not_reported`` True, status empty and color_name "not reported";
    a reported status without a color (fewer than 30 students, or an indicator without
    colors) has color 0 and color_name "no color". `n` is the state's denominator.
    Sorted by indicator (in `INDICATORS` order), then ALL first and the usual group order.
    """
    rows = _district_rows(frame, district_id)
    years = sorted(int(y) for y in rows["year"].dropna().unique())
    if year is None:
        year = years[-1]
    rows = rows[rows["year"] == year]
    if rows.empty:
        raise WorkbookError(f"district {district_id} has no rows for {year}; years present: "
                            f"{', '.join(map(str, years))}")
    nr = _not_reported(rows)
    out = pd.DataFrame({
        "org_id": rows["org_id"],
        "org_name": rows["org_name"],
        "county": rows["county"],
        "year": rows["year"].astype("Int64"),
        "indicator": rows["indicator"],
        "indicator_name": rows["indicator"].map(indicator_name),
        "higher_is_better": rows["indicator"].map(_higher_is_better).astype(bool),
        "student_group": rows["student_group"],
        "student_group_name": rows["student_group_name"].fillna(
            rows["student_group"].map(group_name)),
        "n": _n(rows["denominator"]),
        "status": rows["status"].astype("Float64").where(~nr),
        "prior_status": rows["prior_status"].astype("Float64"),
        "change": rows["change"].astype("Float64").where(~nr),
        "status_level": rows["status_level"].astype("Int64").fillna(0),
        "change_level": rows["change_level"].astype("Int64").fillna(0),
        "color": rows["color"].astype("Int64").fillna(0).where(~nr, 0),
        "not_reported": nr,
        "status_text": rows["status_text"],
        "suppression": rows["suppression"],
    })
    out["color_name"] = [_color_name(c if c else None, r)
                         for c, r in zip(out["color"], out["not_reported"], strict=True)]
    out = out.assign(_i=out["indicator"].map(indicator_rank),
                     _g=out["student_group"].map(_group_rank))
    out = out.sort_values(["_i", "indicator", "_g", "student_group"], kind="stable")
    return out[SNAPSHOT_COLUMNS].reset_index(drop=True)


def all_students_counts(frame: pd.DataFrame, district_ids: Sequence[str],
                        year: int) -> pd.DataFrame:
    """Each district's all-students rows in `year` as `district_snapshot` gives them (org_id,
    org_name, year, indicator, student_group, n), for many districts in one pass over the
    state's rows: districts in the order given, each one's indicators in `INDICATORS`
    order; a district with no rows that year has none. (A state's 1,000 LEAs one snapshot
    at a time took 18-31 s; this takes 0.1 s.)"""
    order = {d: i for i, d in enumerate(dict.fromkeys(district_ids))}
    rows = frame[frame["org_level"].isin(["district", "school"])
                 & frame["org_id"].isin(list(order))]
    rows = _all_grades(rows)
    rows = rows[(rows["year"] == year) & (rows["student_group"] == "ALL")]
    out = pd.DataFrame({
        "org_id": rows["org_id"],
        "org_name": rows["org_name"],
        "year": rows["year"].astype("Int64"),
        "indicator": rows["indicator"],
        "student_group": rows["student_group"],
        "n": _n(rows["denominator"]),
    })
    out = out.assign(_d=out["org_id"].map(order), _i=out["indicator"].map(indicator_rank))
    out = out.sort_values(["_d", "_i", "indicator"], kind="stable")
    return out.drop(columns=["_d", "_i"]).reset_index(drop=True)


def flagged_groups(snapshot: pd.DataFrame) -> pd.DataFrame:
    """Indicator x group rows in Red or Orange (color 1 or 2), worst first.

    Worst first: Red before Orange, then lower status level, then lower change level, then the
    larger group (more students affected).
    """
    f = snapshot[snapshot["color"].isin([1, 2])].copy()
    f = f.sort_values(["color", "status_level", "change_level", "n"],
                      ascending=[True, True, True, False], kind="stable")
    cols = ["indicator", "indicator_name", "student_group", "student_group_name", "n", "status",
            "change", "status_level", "change_level", "color", "color_name"]
    return f[cols].reset_index(drop=True)


def behind_groups(gaps_frame: pd.DataFrame, points: float = 10.0) -> pd.DataFrame:
    """For a state without Dashboard colors (Oregon): the indicator x group rows behind the
    state's figure for the same group, or more than `points` behind all students in the
    district, largest gap first (the larger of the two gaps, then the larger group)."""
    g = gaps_frame[~gaps_frame["not_reported"].astype(bool)].copy()
    worst = pd.concat([g["gap_to_state"].astype(float), g["gap_to_all"].astype(float)],
                      axis=1).min(axis=1)
    g["largest_gap"] = worst
    keep = (g["gap_to_state"].astype(float) < 0) | (g["gap_to_all"].astype(float) < -points)
    g = g[keep.fillna(False)].sort_values(["largest_gap", "n"], ascending=[True, False],
                                          kind="stable")
    cols = ["indicator", "indicator_name", "student_group", "student_group_name", "n", "status",
            "all_status", "gap_to_all", "state_status", "gap_to_state"]
    return g[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- gaps


def _oriented(value: pd.Series, reference: pd.Series, higher: pd.Series) -> pd.Series:
    """value - reference, sign flipped where lower is better: negative always means worse."""
    diff = value.astype("Float64") - reference.astype("Float64")
    return diff.where(higher.astype(bool), -diff).round(1) + 0.0  # + 0.0: no "-0.0"


def _county_rows(frame: pd.DataFrame, county: object, year: int) -> pd.DataFrame:
    if county is None or pd.isna(county) or not str(county).strip():
        return frame.iloc[0:0]
    f = frame[(frame["org_level"] == "district") & (frame["county"] == county)
              & (frame["grade"].fillna("all") == "all")
              & (frame["year"] == year) & (frame["org_id"] != STATE_ID)
              & frame["status"].notna() & (frame["denominator"] > 0)]
    return f


def gaps(frame: pd.DataFrame, district_id: str, year: int | None = None) -> pd.DataFrame:
    """Each group's status against all students, the county and the state, per indicator.

    Gaps are oriented so that a negative gap is always worse (for chronic absenteeism and
    suspension, where lower is better, a group above the all-students rate has a negative
    gap). Comparisons:

    - ``all_status``/``all_n``/``gap_to_all``: the district's own All Students row.
    - ``county_status``: California publishes no county-wide row, so it is the mean of the
      reported rows of every LEA (districts and county office) in the district's county for the
      same indicator, group and year, weighted by their `n`; ``county_n`` is their total and
      ``county_leas`` how many LEAs. Unreported small groups are left out of it. With fewer than
      two LEAs in the data (say a frame from `cache.read_district`) there is no county figure.
    - ``state_status``: the state row (org id 00000000000000) where the files have one (the
      sample has state rows only for 2018).

    ``compared_with`` says which comparisons the row has. Not-reported rows stay, with empty
    gaps.
    """
    snap = district_snapshot(frame, district_id, year)
    year = int(snap["year"].iloc[0])
    key = ["indicator", "student_group"]
    all_rows = snap[snap["student_group"] == "ALL"].set_index("indicator")
    out = snap[["org_id", "org_name", "year", "indicator", "indicator_name", "higher_is_better",
                "student_group", "student_group_name", "n", "status", "color_name",
                "not_reported"]].copy()
    out["all_status"] = out["indicator"].map(all_rows["status"]).astype("Float64")
    out["all_n"] = out["indicator"].map(all_rows["n"]).astype("Int64")
    out["gap_to_all"] = _oriented(out["status"], out["all_status"], out["higher_is_better"])

    county = snap["county"].iloc[0]
    c = _county_rows(frame, county, year)
    if not c.empty:
        c = c.assign(_w=c["status"].astype(float) * c["denominator"].astype(float))
        g = c.groupby(key)
        cty = pd.DataFrame({"county_status": g["_w"].sum() / g["denominator"].sum(),
                            "county_n": g["denominator"].sum(),
                            "county_leas": g["org_id"].nunique()}).reset_index()
        cty = cty[cty["county_leas"] >= 2]
    else:
        cty = pd.DataFrame(columns=[*key, "county_status", "county_n", "county_leas"])
    out = out.merge(cty, on=key, how="left")
    out["county_status"] = out["county_status"].astype("Float64").round(1)
    out["county_n"] = _n(out["county_n"])
    out["county_leas"] = _n(out["county_leas"])
    out["gap_to_county"] = _oriented(out["status"], out["county_status"],
                                     out["higher_is_better"])

    s = frame[(frame["org_level"] == "state") & (frame["year"] == year)
              & (frame["grade"].fillna("all") == "all") & frame["status"].notna()]
    st = pd.DataFrame({"indicator": s["indicator"], "student_group": s["student_group"],
                       "state_status": s["status"].astype("Float64"),
                       "state_n": _n(s["denominator"])}).drop_duplicates(key)
    out = out.merge(st, on=key, how="left")
    out["gap_to_state"] = _oriented(out["status"], out["state_status"],
                                    out["higher_is_better"])

    def which(all_status: object, county_status: object, county_leas: object,
              state_status: object) -> str:
        parts = []
        if pd.notna(all_status):
            parts.append("all students")
        if pd.notna(county_status):
            parts.append(f"county ({county}: n-weighted mean of {county_leas} LEAs)")
        else:
            parts.append("no county figure")
        parts.append("state" if pd.notna(state_status) else f"no state row for {year}")
        return "; ".join(parts)

    # row by row over plain values (a statewide run makes every LEA's gaps; pandas' row
    # objects were a fifth of the cost)
    out["compared_with"] = pd.Series(
        [which(*v) for v in zip(out["all_status"], out["county_status"], out["county_leas"],
                                out["state_status"], strict=True)],
        index=out.index) if len(out) else pd.Series(dtype=str)
    cols = ["org_id", "org_name", "year", "indicator", "indicator_name", "higher_is_better",
            "student_group", "student_group_name", "n", "status", "color_name",
            "not_reported", "all_status", "all_n", "gap_to_all", "county_status", "county_n",
            "county_leas", "gap_to_county", "state_status", "state_n", "gap_to_state",
            "compared_with"]
    return out[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- trend


def trend(frame: pd.DataFrame, district_id: str) -> pd.DataFrame:
    """The district's status over every year the files give, per indicator, for all students.

    Each year's file gives that year's status and the prior year's (``basis`` "reported" or
    "prior year, from the {year} file"); a year reported directly wins over the same year
    given as a prior. Indicators reported for one group only (ELPI: English learners) use that
    group. Not-reported years stay in with an empty status. ``note`` warns where the method
    changed between years (`METHOD_NOTES`).
    """
    rows = _district_rows(frame, district_id)
    chosen = {}
    for indicator, groups in rows.groupby("indicator", sort=False)["student_group"]:
        present = set(groups)
        chosen[indicator] = ("ALL" if "ALL" in present else
                             "EL" if "EL" in present else sorted(present)[0])
    keep = rows["student_group"] == rows["indicator"].map(chosen)
    return _trend_rows(rows[keep])


def group_trends(frame: pd.DataFrame, org_id: str,
                 groups: Iterable[Hashable]) -> pd.DataFrame:
    """Like `trend`, for each of `groups` (one row per indicator, group and year)."""
    rows = _district_rows(frame, org_id)
    return _trend_rows(rows[rows["student_group"].isin(list(groups))])


def _trend_rows(part: pd.DataFrame) -> pd.DataFrame:
    """Status by indicator, student group and year from the rows given, all at once."""
    cols = ["indicator", "indicator_name", "student_group", "year", "status", "n", "color",
            "color_name", "not_reported", "basis", "note"]
    if part.empty:
        return pd.DataFrame(columns=cols)
    nr = _not_reported(part)
    labels = {"indicator": part["indicator"].astype(str),
              "student_group": part["student_group"].astype(str)}
    cur = pd.DataFrame({
        **labels,
        "year": part["year"].astype("Int64"),
        "status": part["status"].astype("Float64").where(~nr),
        "n": _n(part["denominator"]),
        "color": part["color"].astype("Int64").fillna(0).where(~nr, 0),
        "not_reported": nr, "basis": "reported", "_pref": 0})
    prior = pd.DataFrame({
        **labels,
        "year": (part["year"] - 1).astype("Int64"),
        "status": part["prior_status"].astype("Float64"),
        "n": _n(part["prior_denominator"]),
        "color": pd.Series(0, index=part.index, dtype="Int64"),
        "not_reported": False,
        "basis": "prior year, from the " + part["year"].astype(str) + " file", "_pref": 1})
    prior = prior[prior["status"].notna()]
    out = pd.concat([p for p in (cur, prior) if len(p)], ignore_index=True)
    out = out.sort_values(["indicator", "student_group", "year", "_pref"]).drop_duplicates(
        ["indicator", "student_group", "year"], keep="first")
    out["indicator_name"] = out["indicator"].map(indicator_name)
    out["color_name"] = [_color_name(c if c else None, r)
                         for c, r in zip(out["color"], out["not_reported"], strict=True)]
    out["note"] = out["indicator"].map(METHOD_NOTES).fillna("")
    out["not_reported"] = out["not_reported"].astype(bool)
    out = out.assign(_i=out["indicator"].map(indicator_rank))
    out = out.sort_values(["_i", "indicator", "student_group", "year"], kind="stable")
    return out[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- Tool C profile


def rubric_profile(ratings: list[Rating], min_raters: int = 1,
                   consensus: Iterable[Consensus] = ()) -> pd.DataFrame:
    """Tool C self-reflection by domain and by practice, named from the catalogue, anonymous.

    One row per domain (``scope`` "domain") followed by its practices (``scope`` "practice"),
    all four domains and twelve practices even when unrated. ``mean_level`` (1-4), ``raters``,
    ``ratings`` and ``agreement`` (share of ratings at the most common level) come from
    `workbook.needs.aggregate_ratings`; no rater names appear. ``label``: "strength" for a mean
    of 3 or more, "weakness" for 2 or less, "between" otherwise, "not rated", or
    "too few raters" when fewer than `min_raters` people rated it (its figures are blanked).
    ``consensus_level`` and ``consensus_name``: the level the team agreed for a practice
    (`consensus`, the latest saved per practice), beside the aggregate and never derived
    from it; empty for domains and for practices without one.
    """
    stats = {by: aggregate_ratings(ratings, by=by).set_index(by) if ratings else None
             for by in ("domain", "practice")}
    level_names = {lv.level: lv.name for lv in catalogue.levels()}
    rows = []
    for d in catalogue.domains():
        for scope, code, name in [("domain", str(d.code), d.name)] + [
                ("practice", p.code, p.name) for p in catalogue.practices(d.code)]:
            s = stats[scope]
            row = {"scope": scope, "code": code, "name": name, "domain": d.code,
                   "domain_name": d.name, "raters": 0, "ratings": 0, "mean_level": None,
                   "min_level": None, "max_level": None, "agreement": None}
            if s is not None and code in s.index:
                row.update({k: s.loc[code, k] for k in ("raters", "ratings", "mean_level",
                                                        "min_level", "max_level", "agreement")})
            rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("raters", "ratings", "min_level", "max_level"):
        out[col] = out[col].astype("Int64")
    for col in ("mean_level", "agreement"):
        out[col] = out[col].astype("Float64")
    few = (out["raters"] > 0) & (out["raters"] < min_raters)
    out.loc[few, ["mean_level", "min_level", "max_level", "agreement"]] = pd.NA

    def label(row: pd.Series) -> str:
        if row["raters"] == 0:
            return "not rated"
        if row["raters"] < min_raters:
            return "too few raters"
        m = row["mean_level"]
        return "strength" if m >= 3 else "weakness" if m <= 2 else "between"

    out["label"] = out.apply(label, axis=1)
    out["level_name"] = pd.array([level_names.get(int(round(m))) if pd.notna(m) else None
                                  for m in out["mean_level"]], dtype="string")
    agreed = _latest_consensus(consensus)
    levels = [agreed[c].level if s == "practice" and c in agreed else None
              for s, c in zip(out["scope"], out["code"], strict=True)]
    out["consensus_level"] = pd.array(levels, dtype="Int64")
    out["consensus_name"] = pd.array([level_names.get(lv) if lv is not None else None
                                      for lv in levels], dtype="string")
    return out


def _latest_consensus(consensus: Iterable[Consensus]) -> dict[str, Consensus]:
    """The team's consensus per practice: the most recently saved when there are several."""
    out: dict[str, Consensus] = {}
    for c in sorted(consensus, key=lambda c: (c.updated_at is not None, c.updated_at
                                              or 0, c.version)):
        out[c.practice] = c
    return out


#: The columns of `profile_table`, in reading order.
PROFILE_DISPLAY = ["scope", "code", "name", "raters", "mean_level", "agreement", "label",
                   "consensus_level", "consensus_name"]


def consensus_table(profile: pd.DataFrame) -> pd.DataFrame:
    """The practices with the team's anonymous mean beside the level the team agreed on:
    practice, name, raters, mean_level, consensus_level, consensus_name, and `differs`
    ("yes" when the agreed level is a whole level or more from the mean)."""
    rows = profile[profile["scope"] == "practice"]
    out = rows[["code", "name", "raters", "mean_level", "consensus_level",
                "consensus_name"]].rename(columns={"code": "practice"}).reset_index(drop=True)
    gap = (out["consensus_level"].astype("Float64") - out["mean_level"]).abs()
    out["differs"] = pd.array([_("yes") if pd.notna(g) and g >= 1 else "" for g in gap],
                              dtype="string")
    return out


# --------------------------------------------------------------------------- Tool A, Tool C texts

NEEDS_ELEMENT_COLUMNS = ["category", "included", "other"]


def needs_elements_table(assessments: Iterable[NeedsAssessment]) -> pd.DataFrame:
    """Tool A's needs-assessment elements, one row per category in the template's order:
    `included` lists the boxes checked ("attendance, behavior"; "yes" for a category with
    no boxes of its own; "" when none), `other` the text of its "other: ___" blank.
    Elements stored as free text (older plans) follow under category "Other (as written)".
    """
    checked: set[str] = set()
    other: dict[str, str] = {}
    loose: list[str] = []
    for a in assessments:
        checked.update(a.elements)
        other.update(a.element_other)
    rows = []
    for cat in tool_a_categories():
        if cat.options:
            included = ", ".join(o.name for o in cat.options if f"{cat.code}.{o.code}"
                                 in checked)
        else:
            included = _("yes") if cat.code in checked else ""
        rows.append({"category": cat.name, "included": included,
                     "other": other.get(cat.code, "")})
    known = {c for cat in tool_a_categories() for c in cat.codes()}
    loose = sorted(c for c in checked if c not in known)
    if loose:
        rows.append({"category": _("Other (as written)"), "included": ", ".join(
            element_label(c) for c in loose), "other": ""})
    return pd.DataFrame(rows, columns=NEEDS_ELEMENT_COLUMNS)


def needs_process_table(assessments: Iterable[NeedsAssessment]) -> pd.DataFrame:
    """Tool A's two questions about the needs assessment (its own wording, tool_a.yaml) and
    the team's answers: how it was completed and who was involved (process, participants),
    and how stakeholder input was included. Columns `question` and `answer`."""
    rows = []
    for a in assessments:
        who = " " + _("Who took part: {who}").format(who=a.participants) \
            if a.participants else ""
        rows += [{"question": tool_a_prompt("process"), "answer": (a.process + who).strip()},
                 {"question": tool_a_prompt("stakeholder_input"),
                  "answer": a.stakeholder_input}]
    return pd.DataFrame(rows, columns=["question", "answer"])


REFLECTION_COLUMNS = ["domain", "domain_name", "prompt", "writers", "strengths", "weaknesses"]


def reflections_table(reflections: Iterable[Reflection], min_writers: int = 2) -> pd.DataFrame:
    """Tool C's "Strengths and Weaknesses in ..." per domain, every rater's text together
    and no rater named: the texts are listed in alphabetical order (not the order written),
    and a domain that fewer than `min_writers` people wrote about shows only that count, so
    no one's words can be told apart by elimination."""
    by_domain: dict[int, list[Reflection]] = {}
    for r in reflections:
        if r.strengths or r.weaknesses:
            by_domain.setdefault(r.domain, []).append(r)
    rows = []
    for d in catalogue.domains():
        mine = by_domain.get(int(d.code), [])
        writers = len({r.rater for r in mine})
        row = {"domain": d.code, "domain_name": d.name, "prompt": d.reflection_prompt,
               "writers": writers, "strengths": "", "weaknesses": ""}
        if writers >= min_writers:
            for key in ("strengths", "weaknesses"):
                row[key] = " • ".join(sorted({getattr(r, key) for r in mine
                                              if getattr(r, key)}))
        elif writers:
            row["strengths"] = row["weaknesses"] = _(
                "hidden: fewer than {n} people wrote about this domain").format(n=min_writers)
        rows.append(row)
    out = pd.DataFrame(rows, columns=REFLECTION_COLUMNS)
    out["writers"] = out["writers"].astype("Int64")
    return out


# --------------------------------------------------------------------------- priorities


# What stakeholder mode hides together with a small group's n (see workbook.report.blocks).
VALUE_COLUMNS = ["status", "prior_status", "change", "status_level", "change_level", "color",
                 "color_name", "status_text"]
GAP_VALUE_COLUMNS = ["status", "color_name", "gap_to_all", "gap_to_county", "gap_to_state"]
TREND_VALUE_COLUMNS = ["status", "color", "color_name"]


def gap_indicators(gaps_frame: pd.DataFrame) -> list[str]:
    """Indicators with at least one reported gap to all students, in Dashboard order."""
    has = gaps_frame[gaps_frame["gap_to_all"].notna()]["indicator"].unique()
    return sorted(has, key=indicator_rank)


#: The snapshot columns a reader needs (the full frame is in the CSV).
SNAPSHOT_DISPLAY = ["indicator", "student_group", "student_group_name", "n", "status", "change",
                    "color_name", "status_text"]
