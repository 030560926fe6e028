"""Notebook 04's charts: action status month by month, and measures against their targets,
each drawn from the frame printed under it."""

from __future__ import annotations

import altair as alt
import pandas as pd

from workbook.i18n import _
from workbook.plan.charts import WIDTH
from workbook.plan.tables import STATUS_COLORS
from workbook.report.charts import wrap_labels


def status_over_time_chart(over_time: pd.DataFrame) -> alt.Chart:
    """Stacked bars: how many actions were in each status at the end of each month.

    Drawn from `over_time` (the `status_over_time` frame) and nothing else, so the chart is
    always the table shown under it.
    """
    return alt.Chart(over_time).mark_bar().encode(
        x=alt.X("month:O", title=_("Month"), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("actions:Q", title=_("Actions"), stack="zero"),
        color=alt.Color("status:N", title=_("Status"),
                        scale=alt.Scale(domain=list(STATUS_COLORS),
                                        range=list(STATUS_COLORS.values()))),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("month:O", title=_("Month")),
                 alt.Tooltip("status:N", title=_("Status")),
                 alt.Tooltip("actions:Q", title=_("Actions"))],
    ).properties(title=_("Action status at the end of each month"), width=WIDTH, height=260)


def progress_chart(progress: pd.DataFrame) -> alt.FacetChart:
    """Each measure on its own scale: baseline, the plan year's target and the latest result.

    Drawn from `progress` (the `progress_data` frame) and nothing else, so the chart is
    always the table shown under it.
    """
    points = ["baseline", "target", "latest result"]
    # every panel includes zero: a rate from zero, a distance from standard up to zero
    return alt.Chart(progress).mark_point(filled=True, size=120).encode(
        x=alt.X("value:Q", title=None, scale=alt.Scale(zero=True, padding=12)),
        color=alt.Color("point:N", title="", sort=points,
                        scale=alt.Scale(domain=points,
                                        range=["#9e9e9e", "#1565c0", "#d84315"])),
        shape=alt.Shape("point:N", title="", sort=points,
                        scale=alt.Scale(domain=points,
                                        range=["circle", "diamond", "triangle-up"])),
        tooltip=[alt.Tooltip("measure:N", title=_("Measure")),
                 alt.Tooltip("point:N", title=_("Point")),
                 alt.Tooltip("value:Q", title=_("Value")),
                 alt.Tooltip("status:N", title=_("Status"))],
    ).properties(width=WIDTH - 260, height=48).facet(
        row=alt.Row("row:N", title=None,
                    header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=0,
                                      labelExpr=wrap_labels(42))),
        title=_("Measures: baseline, target and latest result"),
    ).resolve_scale(x="independent")
