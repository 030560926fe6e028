"""Notebook 01, needs assessment: a district's Dashboard results, gaps, trends and Tool C profile.

Every function is pure: it takes the tidy outcome table (`workbook.data.model.TIDY_COLUMNS`)
or records and returns a DataFrame or an altair chart with its data inlined. Nothing is read
from disk and nothing is displayed.

Tables about students carry `n`, the number of students the row's figure is computed over (the
state's denominator), next to every derived value, so `workbook.privacy.suppress` can hide small
groups before a table is shown. Rows the state did not report are kept and labelled
``"not reported"``; they are never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import altair as alt
import pandas as pd

from workbook import catalogue
from workbook.data.groups import GROUP_NAMES, group_name
from workbook.data.model import COLOR_NAMES, INDICATORS, PERCENT_INDICATORS
from workbook.errors import WorkbookError
from workbook.needs.model import Rating, aggregate_ratings
from workbook.privacy import NOT_REPORTED

__all__ = [
    "COLOR_HEX", "NO_COLOR", "NOT_REPORTED", "chart_data", "color_grid", "district_snapshot",
    "empty_chart",
    "flagged_groups", "gap_chart", "gaps", "indicator_name", "rubric_chart", "rubric_profile",
    "suggest_priorities", "trend", "trend_chart",
]

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
WIDTH = 620


# --------------------------------------------------------------------------- helpers


def indicator_name(code: str, short: bool = False) -> str:
    """The indicator's long name (``short``: without the parenthesis), else the code."""
    name = INDICATORS.get(code, (code, True))[0]
    return name.split(" (")[0] if short else name


def _higher_is_better(code: str) -> bool:
    return INDICATORS.get(code, (code, True))[1]


def _indicator_rank(code: str) -> int:
    order = list(INDICATORS)
    return order.index(code) if code in order else len(order)


def _group_rank(code: str) -> int:
    order = list(GROUP_NAMES)
    return order.index(code) if code in order else len(order)


def chart_data(frame: pd.DataFrame) -> alt.Data:
    """Inline values for a chart: JSON-safe records (pandas NA becomes null)."""
    return alt.Data(values=json.loads(frame.to_json(orient="records", double_precision=10)))


def _color_scale(names: Iterable[str] | None = None) -> alt.Scale:
    domain = list(names) if names is not None else list(COLOR_HEX)
    return alt.Scale(domain=domain, range=[COLOR_HEX[n] for n in domain])


def _color_name(color: Any, not_reported: bool) -> str:
    if not_reported:
        return NOT_REPORTED
    if pd.isna(color):
        return NO_COLOR
    return COLOR_NAMES.get(int(color), NO_COLOR)


def _fmt(indicator: str, value: Any) -> str:
    """A status as people read it: 23.4%, 24.1 below standard."""
    if value is None or pd.isna(value):
        return NOT_REPORTED
    v = float(value)
    if indicator in DFS_INDICATORS:
        return f"{abs(v):.1f} points {'below' if v < 0 else 'above'} standard"
    if indicator in PERCENT_INDICATORS:
        return f"{v:.1f}%"
    return f"{v:g}"


def _change_text(value: Any) -> str:
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


def empty_chart(title: str, message: str) -> alt.TopLevelMixin:
    """A chart that only says `message`, for when there is nothing to draw."""
    text = alt.Chart(chart_data(pd.DataFrame({"message": [message]}))).mark_text(
        fontSize=13, color="#555555").encode(text="message:N", tooltip=["message:N"])
    return alt.layer(text).properties(title=title, width=WIDTH, height=60)


# --------------------------------------------------------------------------- snapshot


def _district_rows(frame: pd.DataFrame, district_id: str) -> pd.DataFrame:
    """The rows of one district, or of one school (its own CDS code): the same analysis
    reads either."""
    rows = frame[(frame["org_level"].isin(["district", "school"]))
                 & (frame["org_id"] == district_id)]
    if rows.empty:
        known = sorted(frame.loc[frame["org_level"] == "district", "org_id"].dropna().unique())
        raise WorkbookError(f"no district or school rows for {district_id!r} in the data; "
                            f"districts present: {', '.join(known[:40]) or 'none'}")
    return rows


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
    out = out.assign(_i=out["indicator"].map(_indicator_rank),
                     _g=out["student_group"].map(_group_rank))
    out = out.sort_values(["_i", "indicator", "_g", "student_group"], kind="stable")
    return out[SNAPSHOT_COLUMNS].reset_index(drop=True)


def _cell_label(row: pd.Series) -> str:
    if row["not_reported"]:
        return "n/r"
    return f"{row['status']:.1f}" if pd.notna(row["status"]) else str(row["status_text"])


def color_grid(snapshot: pd.DataFrame) -> alt.TopLevelMixin:
    """Heatmap of indicators x student groups in Dashboard colors, status printed in each cell.

    Cells the state did not report are grey and read "n/r" ("not reported" in the legend and
    tooltip); a reported status without a color is grey too ("no color").
    """
    if snapshot.empty:
        return empty_chart("Dashboard colors", "No rows for this district and year.")
    f = snapshot.copy()
    f["label"] = f.apply(_cell_label, axis=1)
    f["dark"] = f["color_name"].isin(["Red", "Blue"])
    groups = list(dict.fromkeys(f["student_group_name"]))
    f["indicator_short"] = f["indicator"].map(lambda i: indicator_name(i, short=True))
    indicators = list(dict.fromkeys(f["indicator_short"]))
    names = [c for c in COLOR_HEX if c in set(f["color_name"])]
    x = alt.X("student_group_name:N", sort=groups, title="Student group",
              axis=alt.Axis(labelAngle=-40, labelLimit=160))
    y = alt.Y("indicator_short:N", sort=indicators, title=None, axis=alt.Axis(labelLimit=260))
    tooltip = [
        alt.Tooltip("indicator_name:N", title="Indicator"),
        alt.Tooltip("student_group_name:N", title="Student group"),
        alt.Tooltip("status:Q", title="Status", format=".1f"),
        alt.Tooltip("change:Q", title="Change", format="+.1f"),
        alt.Tooltip("color_name:N", title="Color"),
        alt.Tooltip("n:Q", title="Students (n)"),
        alt.Tooltip("suppression:N", title="Why not reported"),
    ]
    base = alt.Chart().encode(x=x, y=y)
    cells = base.mark_rect(stroke="white", strokeWidth=1.5).encode(
        color=alt.Color("color_name:N", scale=_color_scale(names), title="Dashboard color"),
        tooltip=tooltip)
    text = base.mark_text(fontSize=10).encode(
        text="label:N", tooltip=tooltip,
        color=alt.condition("datum.dark", alt.value("white"), alt.value("black")))
    org = f["org_name"].iloc[0]
    year = f["year"].iloc[0]
    cell = max(34, min(60, WIDTH // max(len(groups), 1)))
    return alt.layer(cells, text, data=chart_data(f)).properties(
        title=alt.TitleParams(f"{org}: Dashboard {year} by student group",
                              subtitle="Status in each cell; n/r = not reported by the state"),
        width=cell * len(groups), height=28 * len(indicators))


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


# --------------------------------------------------------------------------- gaps


def _oriented(value: pd.Series, reference: pd.Series, higher: pd.Series) -> pd.Series:
    """value - reference, sign flipped where lower is better: negative always means worse."""
    diff = value.astype("Float64") - reference.astype("Float64")
    return diff.where(higher.astype(bool), -diff).round(1) + 0.0  # + 0.0: no "-0.0"


def _county_rows(frame: pd.DataFrame, county: object, year: int) -> pd.DataFrame:
    if county is None or pd.isna(county) or not str(county).strip():
        return frame.iloc[0:0]
    f = frame[(frame["org_level"] == "district") & (frame["county"] == county)
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
              & frame["status"].notna()]
    st = pd.DataFrame({"indicator": s["indicator"], "student_group": s["student_group"],
                       "state_status": s["status"].astype("Float64"),
                       "state_n": _n(s["denominator"])}).drop_duplicates(key)
    out = out.merge(st, on=key, how="left")
    out["gap_to_state"] = _oriented(out["status"], out["state_status"],
                                    out["higher_is_better"])

    def which(row: pd.Series) -> str:
        parts = []
        if pd.notna(row["all_status"]):
            parts.append("all students")
        if pd.notna(row["county_status"]):
            parts.append(f"county ({county}: n-weighted mean of {row['county_leas']} LEAs)")
        else:
            parts.append("no county figure")
        parts.append("state" if pd.notna(row["state_status"]) else f"no state row for {year}")
        return "; ".join(parts)

    out["compared_with"] = out.apply(which, axis=1) if len(out) else pd.Series(dtype=str)
    cols = ["org_id", "org_name", "year", "indicator", "indicator_name", "higher_is_better",
            "student_group", "student_group_name", "n", "status", "color_name",
            "not_reported", "all_status", "all_n", "gap_to_all", "county_status", "county_n",
            "county_leas", "gap_to_county", "state_status", "state_n", "gap_to_state",
            "compared_with"]
    return out[cols].reset_index(drop=True)


def gap_chart(gaps_frame: pd.DataFrame, indicator: str) -> alt.TopLevelMixin:
    """Bars per student group: the gap to all students on one indicator (left = worse).

    Bars take the group's Dashboard color; groups the state did not report are listed with
    the words "not reported" at zero instead of a bar.
    """
    name = indicator_name(indicator)
    f = gaps_frame[(gaps_frame["indicator"] == indicator)
                   & (gaps_frame["student_group"] != "ALL")].copy()
    if f.empty:
        return empty_chart(f"{name}: gap to all students",
                            f"No student-group rows for {indicator}.")
    f["label"] = [NOT_REPORTED if pd.isna(g) else f"{g:+.1f}  (n={n})"
                  for g, n in zip(f["gap_to_all"], f["n"], strict=True)]
    f["zero"] = 0.0
    f = f.sort_values(["gap_to_all"], na_position="last", kind="stable")
    order = list(f["student_group_name"])
    names = [c for c in COLOR_HEX if c in set(f["color_name"])]
    y = alt.Y("student_group_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    tooltip = [
        alt.Tooltip("student_group_name:N", title="Student group"),
        alt.Tooltip("status:Q", title="Status", format=".1f"),
        alt.Tooltip("all_status:Q", title="All students", format=".1f"),
        alt.Tooltip("gap_to_all:Q", title="Gap (negative = worse)", format="+.1f"),
        alt.Tooltip("color_name:N", title="Color"),
        alt.Tooltip("n:Q", title="Students (n)"),
        alt.Tooltip("county_status:Q", title="County", format=".1f"),
        alt.Tooltip("state_status:Q", title="State", format=".1f"),
    ]
    bars = alt.Chart().mark_bar(stroke="#666666", strokeWidth=0.5).encode(
        y=y, x=alt.X("gap_to_all:Q", title="Gap to all students (negative = worse)"),
        color=alt.Color("color_name:N", scale=_color_scale(names), title="Dashboard color"),
        tooltip=tooltip)
    zero = alt.Chart().mark_rule(color="black").encode(x="zero:Q")
    labels = alt.Chart().mark_text(align="left", dx=4, fontSize=10, color="#333333").encode(
        y=y, x="zero:Q", text="label:N", tooltip=tooltip)
    first = f.iloc[0]
    all_status = _fmt(indicator, first["all_status"])
    return alt.layer(bars, zero, labels, data=chart_data(f)).properties(
        title=alt.TitleParams(f"{name}: gap to all students",
                              subtitle=f"{first['org_name']} {first['year']}; all students: "
                                       f"{all_status}; negative = worse"),
        width=WIDTH - 120, height=max(80, 22 * len(f)))


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


def group_trends(frame: pd.DataFrame, org_id: str, groups: Iterable[str]) -> pd.DataFrame:
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
    out = out.assign(_i=out["indicator"].map(_indicator_rank))
    out = out.sort_values(["_i", "indicator", "student_group", "year"], kind="stable")
    return out[cols].reset_index(drop=True)


def trend_chart(trend_frame: pd.DataFrame, title: str = "Results over time, all students",
                indicators: list[str] | None = None) -> alt.TopLevelMixin:
    """One small panel per indicator (own y scale): status by year, prior-year values hollow.

    `indicators` picks the panels; by default every indicator with at least two reported
    years. The subtitle names what is not drawn: years the state did not report and
    indicators left out. Lines break where years are missing (2019-2022 in the sample), so no
    line suggests a trend the files do not show.
    """
    if trend_frame.empty:
        return empty_chart(title, "No results for this district.")
    f = trend_frame.copy()
    f["given"] = f["basis"].where(f["basis"] == "reported", "prior year")
    drawn = f[~f["not_reported"]]
    why = "not chosen"
    if indicators is None:
        why = "fewer than two years"
        counts = drawn.groupby("indicator")["year"].nunique()
        indicators = [i for i in dict.fromkeys(drawn["indicator"]) if counts[i] >= 2]
    drawn = drawn[drawn["indicator"].isin(indicators)].copy()
    sub = ["Filled: reported that year; hollow: the prior year as given in the next file."]
    missing = f[f["not_reported"]]
    if len(missing):
        sub.append(f"{NOT_REPORTED}: " + ", ".join(
            f"{i} {y}" for i, y in zip(missing["indicator"], missing["year"], strict=True)))
    left_out = [i for i in dict.fromkeys(f["indicator"]) if i not in indicators]
    if left_out:
        sub.append(f"Not drawn ({why}): " + ", ".join(left_out))
    if drawn.empty:
        return empty_chart(title, "No indicator has two reported years. " + " ".join(sub[1:]))
    drawn = drawn.sort_values(["indicator", "year"])
    drawn["segment"] = drawn.groupby("indicator")["year"].transform(
        lambda y: (y.astype(float).diff() > 1).cumsum()).astype(int)
    years = sorted(int(y) for y in drawn["year"].unique())
    tooltip = [
        alt.Tooltip("indicator_name:N", title="Indicator"),
        alt.Tooltip("year:O", title="Year"),
        alt.Tooltip("status:Q", title="Status", format=".1f"),
        alt.Tooltip("n:Q", title="Students (n)"),
        alt.Tooltip("given:N", title="Source"),
        alt.Tooltip("color_name:N", title="Color"),
        alt.Tooltip("note:N", title="Note"),
    ]
    x = alt.X("year:Q", title=None, scale=alt.Scale(zero=False, nice=False, padding=12),
              axis=alt.Axis(values=years, format="d", labelAngle=-45, labelFontSize=9))
    y = alt.Y("status:Q", title=None, scale=alt.Scale(zero=False))
    line = alt.Chart().mark_line(color=COLOR_HEX["Blue"]).encode(x=x, y=y, detail="segment:N")
    points = alt.Chart().mark_point(size=70, color=COLOR_HEX["Blue"], strokeWidth=2).encode(
        x=x, y=y, tooltip=tooltip,
        fill=alt.Fill("given:N", title="Source",
                      scale=alt.Scale(domain=["reported", "prior year"],
                                      range=[COLOR_HEX["Blue"], "white"])))
    columns = min(3, drawn["indicator"].nunique())
    drawn["indicator_short"] = drawn["indicator"].map(lambda i: indicator_name(i, short=True))
    order = [indicator_name(i, short=True) for i in dict.fromkeys(
        sorted(drawn["indicator"], key=_indicator_rank))]
    return alt.layer(line, points).properties(
        width=(WIDTH - 40) // columns - 50, height=130,
    ).facet(
        facet=alt.Facet("indicator_short:N", title=None, sort=order,
                        header=alt.Header(labelFontSize=11, labelLimit=220)),
        columns=columns, data=chart_data(drawn),
    ).resolve_scale(y="independent").resolve_axis(x="independent").properties(
        title=alt.TitleParams(title, subtitle=sub))


# --------------------------------------------------------------------------- Tool C profile


def rubric_profile(ratings: list[Rating], min_raters: int = 1) -> pd.DataFrame:
    """Tool C self-reflection by domain and by practice, named from the catalogue, anonymous.

    One row per domain (``scope`` "domain") followed by its practices (``scope`` "practice"),
    all four domains and twelve practices even when unrated. ``mean_level`` (1-4), ``raters``,
    ``ratings`` and ``agreement`` (share of ratings at the most common level) come from
    `workbook.needs.aggregate_ratings`; no rater names appear. ``label``: "strength" for a mean
    of 3 or more, "weakness" for 2 or less, "between" otherwise, "not rated", or
    "too few raters" when fewer than `min_raters` people rated it (its figures are blanked).
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
    return out


RUBRIC_COLORS = {"strength": COLOR_HEX["Green"], "between": COLOR_HEX["Yellow"],
                 "weakness": COLOR_HEX["Orange"], "not rated": COLOR_HEX[NOT_REPORTED],
                 "too few raters": COLOR_HEX[NOT_REPORTED]}


def rubric_chart(profile: pd.DataFrame) -> alt.TopLevelMixin:
    """Mean Tool C level per practice (bars, 1-4), strengths and weaknesses colored.

    Dashed rules mark the weakness (2) and strength (3) thresholds; each domain's mean is a
    black tick on its practices' rows; unrated practices read "not rated".
    """
    f = profile[profile["scope"] == "practice"].copy()
    dom = profile[profile["scope"] == "domain"].set_index("domain")["mean_level"]
    f["practice"] = f["code"] + " " + f["name"]
    f["domain_mean"] = f["domain"].map(dom).astype("Float64")
    f["text"] = [lab if pd.isna(m) else f"{m:.2f} ({r} raters)"
                 for m, r, lab in zip(f["mean_level"], f["raters"], f["label"], strict=True)]
    f["zero"] = 0.0
    order = list(f["practice"])
    labels = [c for c in RUBRIC_COLORS if c in set(f["label"])]
    y = alt.Y("practice:N", sort=order, title=None, axis=alt.Axis(labelLimit=300))
    tooltip = [alt.Tooltip("practice:N", title="Practice"),
               alt.Tooltip("domain_name:N", title="Domain"),
               alt.Tooltip("mean_level:Q", title="Mean level", format=".2f"),
               alt.Tooltip("domain_mean:Q", title="Domain mean", format=".2f"),
               alt.Tooltip("raters:Q", title="Raters"),
               alt.Tooltip("agreement:Q", title="Agreement", format=".0%"),
               alt.Tooltip("label:N", title="Reading")]
    bars = alt.Chart().mark_bar(stroke="#666666", strokeWidth=0.5).encode(
        y=y, x=alt.X("mean_level:Q", title="Mean performance level (1-4)",
                     scale=alt.Scale(domain=[0, 4])),
        color=alt.Color("label:N", title="Reading", scale=alt.Scale(
            domain=labels, range=[RUBRIC_COLORS[c] for c in labels])),
        tooltip=tooltip)
    ticks = alt.Chart().mark_tick(color="black", thickness=2).encode(
        y=y, x="domain_mean:Q", tooltip=tooltip)
    text = alt.Chart().mark_text(align="left", dx=4, fontSize=10).encode(
        y=y, x="zero:Q", text="text:N", tooltip=tooltip)
    thresholds = alt.Chart(chart_data(pd.DataFrame({"at": [2.0, 3.0]}))).mark_rule(
        strokeDash=[4, 3], color="#555555").encode(x="at:Q")
    return alt.layer(bars, ticks, text, thresholds, data=chart_data(f)).properties(
        title=alt.TitleParams("Self-reflection (Tool C): mean level by practice",
                              subtitle="Tick: domain mean. 3 or more: strength; "
                                       "2 or less: weakness."),
        width=WIDTH - 300, height=22 * len(f))


# --------------------------------------------------------------------------- priorities

#: Points per Dashboard color of the all-students (or headline) row, and per flagged group.
SEVERITY = {1: 4, 2: 3, 3: 1, 4: 0, 5: 0}
#: About one Dashboard status band: a gap this wide counts one point (before weighting by n).
GAP_UNIT: dict[str, float] = {"ELA": 25, "MATH": 25, "SCIENCE": 25, "ELA11": 25, "MATH11": 25,
                              "CHRO": 5, "SUSP": 2, "GRAD": 5, "CCI": 10, "ELPI": 10}
#: Groups smaller than this (the Dashboard's own threshold for a color) add no gap points.
MIN_N_FOR_GAPS = 30


def _weight(n: Any) -> float:
    return 0.0 if n is None or pd.isna(n) else float(n) / (float(n) + 100.0)


def suggest_priorities(snapshot: pd.DataFrame, gaps_frame: pd.DataFrame,
                       max_n: int = 4) -> pd.DataFrame:
    """Candidate priority areas (indicators), highest score first, with the numbers behind them.

    The score of an indicator adds up three things:

    1. the all-students color, twice: Red 4 points, Orange 3, Yellow 1, Green/Blue/none 0, so
       Red for everyone gives 8 (indicators reported for one group only, like ELPI, use it);
    2. each other student group in Red or Orange: 4 or 3 points times its weight
       n / (n + 100), so a group of 30 counts about a quarter and one of 900 nine tenths;
    3. each group of at least 30 students doing worse than all students: the gap in
       `GAP_UNIT`s (about one Dashboard status band: 25 points for ELA/math, 5 percentage
       points for chronic absenteeism or graduation, 2 for suspension; at most 3) times the
       same weight.

    Only indicators scoring above zero are kept, at most `max_n` (the guide recommends no
    more than four priorities). ``evidence`` cites the real figures: the headline row with
    its color and change, then the flagged groups and the widest gaps (with n). ``n`` is the
    headline row's number of students.
    """
    cols = ["rank", "indicator", "indicator_name", "score", "student_group", "status",
            "color_name", "n", "flagged_groups", "evidence"]
    rows = []
    for indicator, part in snapshot.groupby("indicator", sort=False):
        groups = list(part["student_group"])
        head_group = "ALL" if "ALL" in groups else ("EL" if "EL" in groups else groups[0])
        head = part[part["student_group"] == head_group].iloc[0]
        score = 2.0 * SEVERITY.get(int(head["color"]), 0)
        g = gaps_frame[(gaps_frame["indicator"] == indicator)
                       & (gaps_frame["student_group"] != head_group)]
        g = g.set_index("student_group")["gap_to_all"] if len(g) else pd.Series(dtype=float)
        cited = []
        for _, r in part[part["student_group"] != head_group].iterrows():
            w = _weight(r["n"])
            pts = SEVERITY.get(int(r["color"]), 0) * w if r["color"] in (1, 2) else 0.0
            gap = g.get(r["student_group"], pd.NA)
            if pd.notna(gap) and gap < 0 and pd.notna(r["n"]) and r["n"] >= MIN_N_FOR_GAPS:
                pts += min(3.0, -float(gap) / GAP_UNIT.get(indicator, 10.0)) * w
            if pts > 0:
                cited.append((pts, r, gap))
            score += pts
        if score <= 0:
            continue
        cited.sort(key=lambda t: -t[0])
        short = indicator_name(indicator, short=True)
        text = (f"{short}, {head['student_group_name']}: {_fmt(indicator, head['status'])} "
                f"({head['color_name']}), {_change_text(head['change'])}")
        if pd.notna(head["n"]):
            text += f", n={head['n']}"
        for _, r, gap in cited[:3]:
            bits = [r["color_name"]]
            if pd.notna(gap) and gap < 0:
                bits.append(f"{abs(gap):.1f} worse than all students")
            bits.append(f"n={r['n']}")
            text += f"; {r['student_group_name']} {_fmt(indicator, r['status'])} " \
                    f"({', '.join(bits)})"
        rows.append({"indicator": indicator, "indicator_name": indicator_name(indicator),
                     "score": round(float(score), 1), "student_group": head_group,
                     "status": head["status"], "color_name": head["color_name"],
                     "n": head["n"], "evidence": text,
                     "flagged_groups": int(part["color"].isin([1, 2]).sum())})
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows).sort_values(["score", "n"], ascending=[False, False],
                                         kind="stable").head(max_n)
    out["rank"] = range(1, len(out) + 1)
    out["n"] = out["n"].astype("Int64")
    out["status"] = out["status"].astype("Float64")
    return out[cols].reset_index(drop=True)


# What stakeholder mode hides together with a small group's n (see workbook.report.blocks).
VALUE_COLUMNS = ["status", "prior_status", "change", "status_level", "change_level", "color",
                 "color_name", "status_text"]
GAP_VALUE_COLUMNS = ["status", "color_name", "gap_to_all", "gap_to_county", "gap_to_state"]
TREND_VALUE_COLUMNS = ["status", "color", "color_name"]


def grid_summary(snapshot: pd.DataFrame) -> str:
    """A sentence that says what the color grid shows, for people who cannot see it."""
    if snapshot.empty:
        return "No Dashboard results for this district."
    reported = snapshot[~snapshot["not_reported"].astype(bool)]
    counts = reported["color_name"].value_counts()
    parts = [f"{counts[c]} {c}" for c in ("Red", "Orange", "Yellow", "Green", "Blue")
             if c in counts]
    missing = int(snapshot["not_reported"].astype(bool).sum())
    return (f"{len(snapshot)} indicator and student group results: "
            f"{', '.join(parts) or 'none with a color'}; {missing} not reported.")


def gap_indicators(gaps_frame: pd.DataFrame) -> list[str]:
    """Indicators with at least one reported gap to all students, in Dashboard order."""
    has = gaps_frame[gaps_frame["gap_to_all"].notna()]["indicator"].unique()
    return sorted(has, key=_indicator_rank)


def gap_summary(gaps_frame: pd.DataFrame, indicator: str) -> str:
    """The widest gaps for one indicator, in words."""
    rows = gaps_frame[(gaps_frame["indicator"] == indicator)
                      & gaps_frame["gap_to_all"].notna()
                      & (gaps_frame["student_group"] != "ALL")].sort_values("gap_to_all")
    if rows.empty:
        return f"No student group gaps reported for {indicator_name(indicator)}."
    worst = rows.head(3)
    parts = [f"{r.student_group_name} {r.gap_to_all:+.1f}" for r in worst.itertuples()]
    return (f"{indicator_name(indicator)}: gaps to all students, negative is behind. "
            f"Widest: {', '.join(parts)}.")


def trend_summary(trend_frame: pd.DataFrame) -> str:
    if trend_frame.empty:
        return "No results over time for this district."
    years = sorted(trend_frame["year"].dropna().unique())
    return (f"All-students results for {trend_frame['indicator'].nunique()} indicators "
            f"from {years[0]} to {years[-1]}.")


def rubric_summary(profile: pd.DataFrame) -> str:
    if profile.empty:
        return "No self-reflection ratings stored yet (or too few raters to show)."
    strengths = int((profile["label"] == "strength").sum())
    weaknesses = int((profile["label"] == "weakness").sum())
    return (f"Mean team ratings on the four-level Tool C rubric for {len(profile)} domains "
            f"and practices: {strengths} strengths, {weaknesses} weaknesses.")

#: The snapshot columns a reader needs (the full frame is in the CSV).
SNAPSHOT_DISPLAY = ["indicator", "student_group", "student_group_name", "n", "status", "change",
                    "color_name", "status_text"]
