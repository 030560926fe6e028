"""Notebook 03's charts: Four Domains coverage, the action timeline (Gantt) and the budget by
funding source, each drawn from the frame printed under it."""

from __future__ import annotations

import datetime as dt
import textwrap

import altair as alt
import pandas as pd

from workbook.i18n import _
from workbook.plan.tables import STATUS_COLORS
from workbook.report.charts import wrap_labels

#: Plan and progress charts are narrower than the needs charts (report.charts.WIDTH).
WIDTH = 600

#: The timeline's row labels wrap at about this many characters.
LABEL_CHARS = 60


def coverage_chart(coverage: pd.DataFrame) -> alt.TopLevelMixin:
    """Heatmap: domains (rows) x practice letter (columns), shaded by number of strategies.

    Each cell is labelled with its code and counts; the tooltip names the practice.
    """
    data = coverage.copy()
    data["domain_label"] = [f"{d} {n}" for d, n in zip(data["domain"], data["domain_name"],
                                                        strict=True)]
    data["label"] = [f"{p}: {s} {'strategy' if s == 1 else 'strategies'}, "
                     f"{c} {'cause' if c == 1 else 'causes'}" for p, s, c in
                     zip(data["practice"], data["strategies"], data["causes"], strict=True)]
    domains = list(dict.fromkeys(data["domain_label"]))
    base = alt.Chart(data).encode(
        x=alt.X("letter:N", title=_("Practice"), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("domain_label:N", title=_("Domain"), sort=domains),
    )
    tooltip = [alt.Tooltip("practice:N", title=_("Practice")),
               alt.Tooltip("practice_name:N", title=_("Name")),
               alt.Tooltip("domain_name:N", title=_("Domain")),
               alt.Tooltip("strategies:Q", title=_("Strategies")),
               alt.Tooltip("causes:Q", title=_("Causes"))]
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color("strategies:Q", title=_("Strategies"),
                        scale=alt.Scale(scheme="blues", domainMin=0)),
        tooltip=tooltip,
    )
    dark = max(1, int(data["strategies"].max() if len(data) else 0)) * 0.6
    text = base.mark_text(fontSize=11).encode(
        text="label:N", tooltip=tooltip,
        color=alt.condition(f"datum.strategies >= {dark}", alt.value("white"),
                            alt.value("black")))
    return alt.layer(cells, text).properties(
        title=_("Four Domains practices addressed by strategies and causes"),
        width=WIDTH, height=240)


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else None


def gantt_chart(timeline: pd.DataFrame) -> alt.TopLevelMixin:
    """Dated actions as bars from start to due, grouped by strategy and milestone.

    Bars are colored by latest status; the tooltip gives owner, dates and status. Undated
    actions (see `timeline`) are not drawn.
    """
    data = timeline[~timeline["undated"].astype(bool)].copy()
    data["start"] = [_iso(v) for v in data["start"]]
    data["due"] = [_iso(v) for v in data["due"]]
    data["row"] = [f"{s} › {m} › {a}" for s, m, a in
                   zip(data["strategy"], data["milestone"], data["action"], strict=True)]
    # long names wrap onto lines instead of being cut short; each row is as tall as its
    # longest label
    lines = max((len(textwrap.wrap(r, LABEL_CHARS)) for r in data["row"]), default=1)
    data = data[["row", "strategy", "milestone", "action", "owner", "start", "due", "status"]]
    order = list(dict.fromkeys(data["row"]))
    return alt.Chart(data).mark_bar(cornerRadius=2).encode(
        x=alt.X("start:T", title=_("Date")),
        x2="due:T",
        y=alt.Y("row:N", title=None, sort=order,
                axis=alt.Axis(labelLimit=0, labelFontSize=10,
                              labelExpr=wrap_labels(LABEL_CHARS))),
        color=alt.Color("status:N", title=_("Status"),
                        scale=alt.Scale(domain=list(STATUS_COLORS),
                                        range=list(STATUS_COLORS.values()))),
        tooltip=[alt.Tooltip("strategy:N", title=_("Strategy")),
                 alt.Tooltip("milestone:N", title=_("Milestone")),
                 alt.Tooltip("action:N", title=_("Action")),
                 alt.Tooltip("owner:N", title=_("Owner")),
                 alt.Tooltip("start:T", title=_("Start")),
                 alt.Tooltip("due:T", title=_("Due")),
                 alt.Tooltip("status:N", title=_("Status"))],
    ).properties(title=_("Action timeline by strategy and milestone"), width=WIDTH - 240,
                 height=alt.Step(13 * lines + 6))


def budget_chart(budget: pd.DataFrame) -> alt.TopLevelMixin:
    """Horizontal bars of planned budget per funding source, stacked by strategy."""
    return alt.Chart(budget).mark_bar().encode(
        x=alt.X("budget:Q", title=_("Planned budget"), stack="zero"),
        y=alt.Y("funding_source:N", title=_("Funding source")),
        color=alt.Color("strategy:N", title=_("Strategy")),
        tooltip=[alt.Tooltip("funding_source:N", title=_("Funding source")),
                 alt.Tooltip("strategy:N", title=_("Strategy")),
                 alt.Tooltip("budget:Q", title=_("Budget"), format=",.0f"),
                 alt.Tooltip("actions:Q", title=_("Actions"))],
    ).properties(title=_("Planned budget by funding source and strategy"), width=WIDTH)
