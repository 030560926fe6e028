"""Notebook 01's charts and their text alternatives: the color grid, gaps, trends, the Tool C
profile. Each chart is drawn from the frame it is given (the frame printed under it)."""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import pandas as pd

from workbook.i18n import _
from workbook.needs.tables import (
    COLOR_HEX,
    NO_COLOR,
    NOT_REPORTED,
    format_status,
    indicator_name,
    indicator_rank,
)
from workbook.report.charts import WIDTH, chart_data, empty_chart
from workbook.report.labels import DASH, y_domain
from workbook.report.labels import label as column_label


def _color_scale(names: Iterable[str] | None = None) -> alt.Scale:
    domain = list(names) if names is not None else list(COLOR_HEX)
    return alt.Scale(domain=domain, range=[COLOR_HEX[n] for n in domain])


def _cell_label(row: pd.Series) -> str:
    """What a grid cell reads: the status, the state's text, "n/r", or "hidden" when it is
    suppressed for stakeholders; never a raw missing value."""
    if pd.notna(row["not_reported"]) and bool(row["not_reported"]):
        return "n/r"
    if pd.notna(row["status"]):
        return f"{row['status']:.1f}"
    text = row.get("status_text")
    if pd.notna(text) and str(text).strip():
        return str(text)
    return _("hidden") if pd.notna(row.get("suppressed")) else DASH


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
    x = alt.X("student_group_name:N", sort=groups, title=column_label("student_group"),
              axis=alt.Axis(labelAngle=-40, labelLimit=0))
    y = alt.Y("indicator_short:N", sort=indicators, title=None, axis=alt.Axis(labelLimit=0))
    tooltip = [
        alt.Tooltip("indicator_name:N", title=_("Indicator")),
        alt.Tooltip("student_group_name:N", title=_("Student group")),
        alt.Tooltip("status:Q", title=_("Status"), format=".1f"),
        alt.Tooltip("change:Q", title=_("Change"), format="+.1f"),
        alt.Tooltip("color_name:N", title=_("Color")),
        alt.Tooltip("n:Q", title=_("Students (n)")),
        alt.Tooltip("suppression:N", title=_("Why not reported")),
    ]
    base = alt.Chart().encode(x=x, y=y)
    cells = base.mark_rect(stroke="white", strokeWidth=1.5).encode(
        color=alt.Color("color_name:N", scale=_color_scale(names),
                        title=column_label("color_name")),
        tooltip=tooltip)
    text = base.mark_text(fontSize=10).encode(
        text="label:N", tooltip=tooltip,
        color=alt.condition("datum.dark", alt.value("white"), alt.value("black")))
    org = f["org_name"].iloc[0]
    year = f["year"].iloc[0]
    cell = max(34, min(60, WIDTH // max(len(groups), 1)))
    return alt.layer(cells, text, data=chart_data(f)).properties(
        title=alt.TitleParams(f"{org}: Dashboard {year} by student group",
                              subtitle=_("Status in each cell; n/r = not reported by the state")),
        width=cell * len(groups), height=28 * len(indicators))


def results_grid(snapshot: pd.DataFrame) -> alt.TopLevelMixin:
    """Indicators x student groups for a state without Dashboard colors (Oregon): each cell
    shaded by how far the group is from all students in the district (oriented: darker
    orange is further behind, blue ahead), its result printed; not reported cells grey."""
    if snapshot.empty:
        return empty_chart("Results by student group", "No rows for this district and year.")
    f = snapshot.copy()
    # a result hidden for stakeholders (complementary suppression) reads "hidden"
    f["label"] = ["n/r" if nr else f"{s:.1f}" if pd.notna(s) else "hidden"
                  for nr, s in zip(f["not_reported"], f["status"], strict=True)]
    all_status = f[f["student_group"] == "ALL"].set_index("indicator")["status"]
    diff = f["status"].astype("Float64") - f["indicator"].map(all_status).astype("Float64")
    f["gap_to_all"] = diff.where(f["higher_is_better"].astype(bool), -diff).astype(float)
    groups = list(dict.fromkeys(f["student_group_name"]))
    f["indicator_short"] = f["indicator"].map(lambda i: indicator_name(i, short=True))
    indicators = list(dict.fromkeys(f["indicator_short"]))
    x = alt.X("student_group_name:N", sort=groups, title=column_label("student_group"),
              axis=alt.Axis(labelAngle=-40, labelLimit=0))
    y = alt.Y("indicator_short:N", sort=indicators, title=None, axis=alt.Axis(labelLimit=0))
    tooltip = [alt.Tooltip("indicator_name:N", title=_("Indicator")),
               alt.Tooltip("student_group_name:N", title=_("Student group")),
               alt.Tooltip("status:Q", title=_("Result"), format=".1f"),
               alt.Tooltip("gap_to_all:Q", title=_("Against all students"), format="+.1f"),
               alt.Tooltip("n:Q", title=_("Students (n)")),
               alt.Tooltip("suppression:N", title=_("Note"))]
    base = alt.Chart().encode(x=x, y=y)
    cells = base.mark_rect(stroke="white", strokeWidth=1.5).encode(
        color=alt.condition("isValid(datum.gap_to_all)",
                            alt.Color("gap_to_all:Q", title=_("Points against all students"),
                                      scale=alt.Scale(scheme="redyellowblue",
                                                      domain=[-30, 30], clamp=True)),
                            alt.value(COLOR_HEX[NO_COLOR])),
        tooltip=tooltip)
    text = base.mark_text(fontSize=10).encode(text="label:N", tooltip=tooltip)
    org = f["org_name"].iloc[0]
    year = f["year"].iloc[0]
    cell = max(34, min(60, WIDTH // max(len(groups), 1)))
    return alt.layer(cells, text, data=chart_data(f)).properties(
        title=alt.TitleParams(f"{org}: results {year} by student group",
                              subtitle=_("Result in each cell; n/r = not reported by the state")),
        width=cell * len(groups), height=28 * len(indicators))


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
    y = alt.Y("student_group_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=0))
    tooltip = [
        alt.Tooltip("student_group_name:N", title=_("Student group")),
        alt.Tooltip("status:Q", title=_("Status"), format=".1f"),
        alt.Tooltip("all_status:Q", title=_("All students"), format=".1f"),
        alt.Tooltip("gap_to_all:Q", title=_("Gap (negative = worse)"), format="+.1f"),
        alt.Tooltip("color_name:N", title=_("Color")),
        alt.Tooltip("n:Q", title=_("Students (n)")),
        alt.Tooltip("county_status:Q", title=_("County"), format=".1f"),
        alt.Tooltip("state_status:Q", title=_("State"), format=".1f"),
    ]
    bars = alt.Chart().mark_bar(stroke="#666666", strokeWidth=0.5).encode(
        y=y, x=alt.X("gap_to_all:Q", title=_("Gap to all students (negative = worse)")),
        color=alt.Color("color_name:N", scale=_color_scale(names),
                        title=column_label("color_name"),
                        # no Dashboard colors (Oregon): no color legend to explain
                        legend=alt.Legend() if set(names) - {NO_COLOR, NOT_REPORTED}
                        else None),
        tooltip=tooltip)
    zero = alt.Chart().mark_rule(color="black").encode(x="zero:Q")
    labels = alt.Chart().mark_text(align="left", dx=4, fontSize=10, color="#333333").encode(
        y=y, x="zero:Q", text="label:N", tooltip=tooltip)
    first = f.iloc[0]
    all_status = format_status(indicator, first["all_status"])
    return alt.layer(bars, zero, labels, data=chart_data(f)).properties(
        title=alt.TitleParams(f"{name}: gap to all students",
                              subtitle=f"{first['org_name']} {first['year']}; all students: "
                                       f"{all_status}; negative = worse"),
        width=WIDTH - 120, height=max(80, 22 * len(f)))


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
    why = _("not chosen")
    if indicators is None:
        why = _("fewer than two years")
        counts = drawn.groupby("indicator")["year"].nunique()
        indicators = [i for i in dict.fromkeys(drawn["indicator"]) if counts[i] >= 2]
    drawn = drawn[drawn["indicator"].isin(indicators)].copy()
    sub = [_("Filled: reported that year; hollow: the prior year as given in the next file.")]
    missing = f[f["not_reported"]]
    if len(missing):
        sub.append(_("Not reported: {items}").format(items=", ".join(
            f"{indicator_name(i, short=True)} {y}"
            for i, y in zip(missing["indicator"], missing["year"], strict=True))))
    left_out = [i for i in dict.fromkeys(f["indicator"]) if i not in indicators]
    if left_out:
        sub.append(_("Not drawn ({why}): {items}").format(why=why, items=", ".join(
            indicator_name(i, short=True) for i in left_out)))
    if drawn.empty:
        return empty_chart(title, "No indicator has two reported years. " + " ".join(sub[1:]))
    drawn = drawn.sort_values(["indicator", "year"])
    drawn["segment"] = drawn.groupby("indicator")["year"].transform(
        lambda y: (y.astype(float).diff() > 1).cumsum()).astype(int)
    years = sorted(int(y) for y in drawn["year"].unique())
    tooltip = [
        alt.Tooltip("indicator_name:N", title=_("Indicator")),
        alt.Tooltip("year:O", title=_("Year")),
        alt.Tooltip("status:Q", title=_("Status"), format=".1f"),
        alt.Tooltip("n:Q", title=_("Students (n)")),
        alt.Tooltip("given:N", title=_("Source")),
        alt.Tooltip("color_name:N", title=_("Color")),
        alt.Tooltip("note:N", title=_("Note")),
    ]
    x = alt.X("year:Q", title=None, scale=alt.Scale(zero=False, nice=False, padding=12),
              axis=alt.Axis(values=years, format="d", labelAngle=-45, labelFontSize=9))
    # honest axes: each panel spans at least the indicator's meaningful change, or starts
    # at zero for a rate (`y_domain`); two invisible points carry the range
    ranges = {i: y_domain(i, rows["status"]) for i, rows in drawn.groupby("indicator")}
    drawn["y_lo"] = drawn["indicator"].map(lambda i: ranges[i][0])
    drawn["y_hi"] = drawn["indicator"].map(lambda i: ranges[i][1])
    sub.append(_("Each panel spans at least the change the state counts as meaningful "
                 "(points from standard), or starts at zero (rates)."))
    y = alt.Y("status:Q", title=None, scale=alt.Scale(zero=False))
    extent = [alt.Chart().mark_point(opacity=0).encode(x=x, y=alt.Y(f"{end}:Q", title=None))
              for end in ("y_lo", "y_hi")]
    line = alt.Chart().mark_line(color=COLOR_HEX["Blue"]).encode(x=x, y=y, detail="segment:N")
    points = alt.Chart().mark_point(size=70, color=COLOR_HEX["Blue"], strokeWidth=2).encode(
        x=x, y=y, tooltip=tooltip,
        fill=alt.Fill("given:N", title=_("Source"),
                      scale=alt.Scale(domain=["reported", "prior year"],
                                      range=[COLOR_HEX["Blue"], "white"])))
    columns = min(3, drawn["indicator"].nunique())
    drawn["indicator_short"] = drawn["indicator"].map(lambda i: indicator_name(i, short=True))
    order = [indicator_name(i, short=True) for i in dict.fromkeys(
        sorted(drawn["indicator"], key=indicator_rank))]
    return alt.layer(*extent, line, points).properties(
        width=(WIDTH - 40) // columns - 50, height=130,
    ).facet(
        facet=alt.Facet("indicator_short:N", title=None, sort=order,
                        header=alt.Header(labelFontSize=11, labelLimit=0)),
        columns=columns, data=chart_data(drawn),
    ).resolve_scale(y="independent").resolve_axis(x="independent").properties(
        title=alt.TitleParams(title, subtitle=sub))


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
    y = alt.Y("practice:N", sort=order, title=None, axis=alt.Axis(labelLimit=0))
    tooltip = [alt.Tooltip("practice:N", title=_("Practice")),
               alt.Tooltip("domain_name:N", title=_("Domain")),
               alt.Tooltip("mean_level:Q", title=_("Mean level"), format=".2f"),
               alt.Tooltip("domain_mean:Q", title=_("Domain mean"), format=".2f"),
               alt.Tooltip("raters:Q", title=_("Raters")),
               alt.Tooltip("agreement:Q", title=_("Agreement"), format=".0%"),
               alt.Tooltip("label:N", title=_("Reading"))]
    bars = alt.Chart().mark_bar(stroke="#666666", strokeWidth=0.5).encode(
        y=y, x=alt.X("mean_level:Q", title=_("Mean performance level (1-4)"),
                     scale=alt.Scale(domain=[0, 4])),
        color=alt.Color("label:N", title=_("Reading"), scale=alt.Scale(
            domain=labels, range=[RUBRIC_COLORS[c] for c in labels])),
        tooltip=tooltip)
    ticks = alt.Chart().mark_tick(color="black", thickness=2).encode(
        y=y, x="domain_mean:Q", tooltip=tooltip)
    text = alt.Chart().mark_text(align="left", dx=4, fontSize=10).encode(
        y=y, x="zero:Q", text="text:N", tooltip=tooltip)
    thresholds = alt.Chart(chart_data(pd.DataFrame({"at": [2.0, 3.0]}))).mark_rule(
        strokeDash=[4, 3], color="#555555").encode(x="at:Q")
    return alt.layer(bars, ticks, text, thresholds, data=chart_data(f)).properties(
        title=alt.TitleParams(_("Self-reflection (Tool C): mean level by practice"),
                              subtitle=_("Tick: domain mean. 3 or more: strength; "
                                         "2 or less: weakness.")),
        width=WIDTH - 300, height=22 * len(f))


def results_summary(snapshot: pd.DataFrame) -> str:
    """What the results grid (no colors) shows, for people who cannot see it."""
    if snapshot.empty:
        return "No results for this district."
    missing = int(snapshot["not_reported"].astype(bool).sum())
    return (f"{len(snapshot)} indicator and student group results, "
            f"{len(snapshot) - missing} reported and {missing} not reported; each cell is "
            "shaded by its gap to all students in the district.")


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
