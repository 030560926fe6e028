"""The annual story's charts: small enough to read on a phone, zero-based, each drawn from
the frame printed under it (`workbook.report.blocks.chart` adds the text alternative and the
data table)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from workbook.i18n import _
from workbook.report.charts import chart_data

#: Narrow on purpose: the SVG scales down to a 390 px phone without tiny text.
WIDTH = 340

#: A facet's name above its row, left-aligned, in full.
_HEADER = alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top",
                     labelFontWeight="bold", labelFontSize=12, labelLimit=WIDTH,
                     labelColor="#1f2933")


def year_over_year_chart(frame: pd.DataFrame) -> alt.FacetChart:
    """All students on each indicator, last year beside this year, one row per indicator on
    its own scale (rates and distances from standard are not one unit), every scale from
    zero, so a small change looks small."""
    order = [_("Last year"), _("This year")]
    return alt.Chart(chart_data(frame)).mark_bar().encode(
        y=alt.Y("when:N", title=None, sort=order),
        x=alt.X("value:Q", title=None, scale=alt.Scale(zero=True)),
        color=alt.Color("when:N", title=None, sort=order, legend=None,
                        scale=alt.Scale(domain=order, range=["#9fb3c8", "#1f4e79"])),
        tooltip=[alt.Tooltip("indicator:N", title=_("Indicator")),
                 alt.Tooltip("when:N", title=_("When")),
                 alt.Tooltip("value:Q", title=_("Result"), format=".1f")],
    ).properties(width=WIDTH - 110, height=alt.Step(16)).facet(
        row=alt.Row("indicator:N", title=None, sort=None, header=_HEADER),
    ).resolve_scale(x="independent")


def measures_chart(frame: pd.DataFrame) -> alt.FacetChart:
    """Each goal measure on its own row and scale (measures are not one unit), from zero:
    where it started, the target and the latest result."""
    order = [_("Where we started"), _("Target"), _("Latest result")]
    return alt.Chart(chart_data(frame)).mark_point(filled=True, size=110).encode(
        y=alt.Y("kind:N", title=None, sort=order, axis=alt.Axis(labelLimit=110)),
        x=alt.X("value:Q", title=None, scale=alt.Scale(zero=True)),
        color=alt.Color("kind:N", title=None, sort=order, legend=None,
                        scale=alt.Scale(domain=order, range=["#52606d", "#1565c0", "#c2410c"])),
        shape=alt.Shape("kind:N", title=None, sort=order, legend=None,
                        scale=alt.Scale(domain=order,
                                        range=["circle", "diamond", "triangle-up"])),
        tooltip=[alt.Tooltip("measure:N", title=_("Measure")),
                 alt.Tooltip("kind:N", title=" "),
                 alt.Tooltip("value:Q", title=_("Value"), format=".1f")],
    ).properties(width=WIDTH - 120, height=alt.Step(16)).facet(
        row=alt.Row("measure:N", title=None, sort=None, header=_HEADER),
    ).resolve_scale(x="independent", y="independent")


def measures_text(frame: pd.DataFrame) -> str:
    """The measures chart in words (its text alternative)."""
    from workbook.i18n import format_number

    parts = []
    for measure, part in frame.groupby("measure", sort=False):
        points = ", ".join(f"{w} {format_number(v, 1)}" for w, v in
                           zip(part["kind"], part["value"], strict=True))
        parts.append(f"{measure}: {points}")
    return _("Each goal measure: where it started, its target and its latest result.") \
        + " " + "; ".join(parts) + "."
