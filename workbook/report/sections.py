"""Composite sections of the workbooks, built from `report.blocks` and the stage tables.

Each function shows one part of a workbook the same way in JupyterLab, Voila and reports.
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from workbook import catalogue
from workbook import needs as N
from workbook import rootcause as rc
from workbook.identification.tables import glance
from workbook.needs.model import Priority, SwotEntry
from workbook.records.base import Record
from workbook.records.document import PlanDocument
from workbook.report import blocks as show
from workbook.rootcause.model import Cause, Symptom, Why
from workbook.run.context import Context


def at_a_glance(ctx: Context) -> None:
    """Tool A's at-a-glance: the organisation, its level of support and plan dates.

    In California the level of support is computed by the state's rules
    (`identification`), beside the state's published status and any disagreement, with the
    ESSA designations and Title I status of the district's schools; elsewhere it is the
    plan's own entry.
    """
    org = ctx.doc.organisation
    rows = [("District", ctx.district_name), ("District code", ctx.params.district_id),
            ("Region", ctx.region.title), ("Dashboard year", str(ctx.params.year))]
    if org is not None:
        rows.append(("County", org.county))
    if ctx.region.state == "CA":
        rows += glance(ctx.identification, ctx.lists, ctx.params.district_id)
    elif org is not None:
        rows += [("Level of support", org.support_level), ("ESSA status", org.essa_status)]
    if org is not None:
        rows += [("Plan dates", f"{org.plan_start or '?'} to {org.plan_end or '?'}"),
                 ("Leadership team", ", ".join(org.leadership_team))]
    else:
        rows.append(("Plan", "No plan stored yet for this district."))
    show.table(pd.DataFrame(rows, columns=["", "value"]), "At a glance", name="at-a-glance")


def swot(doc: PlanDocument) -> None:
    """The SWOT grid, each entry with its evidence."""
    entries = doc.of(SwotEntry)
    frame = pd.DataFrame([{"quadrant": e.quadrant, "entry": e.text, "evidence": e.evidence}
                          for e in entries], columns=["quadrant", "entry", "evidence"])
    show.table(frame, "Strengths, weaknesses, opportunities and threats", name="swot")


def root_causes(doc: PlanDocument) -> None:
    """For each priority: the symptom, its 5 Whys chain and its fishbone."""
    symptoms = doc.of(Symptom)
    if not symptoms:
        show.note("No root cause analysis stored yet for this district.")
        return
    titles = {p.id: p.title for p in doc.of(Priority)}
    for i, symptom in enumerate(symptoms, start=1):
        causes = [c for c in doc.of(Cause) if c.symptom == symptom.id]
        whys = [w for w in doc.of(Why) if w.symptom == symptom.id]
        priority = titles.get(symptom.priority, "")
        show.note(f"Priority {i}: {priority}" if priority else f"Problem {i}", kind="summary")
        show.table(rc.why_chain(symptom, whys), "5 Whys", name=f"whys-{i}")
        show.chart(rc.cause_table(causes), partial(rc.fishbone_chart, symptom),
                   f"Fishbone {i}", name=f"fishbone-{i}",
                   alt_text=f"Fishbone for “{symptom.statement}”: {len(causes)} causes in "
                            f"{len({c.category for c in causes})} categories.")


def coaching(stage: str) -> None:
    """Tool B's coaching questions for a stage, with the source's attribution."""
    questions = [str(q) for q in catalogue.coaching_questions(stage)]
    show.items("Questions a coach would ask", questions)
    show.note(catalogue.attribution())


def with_records(doc: PlanDocument, replacements: list[Record]) -> PlanDocument:
    """A copy of the plan with some records replaced (same id), for showing derived values."""
    by_id = {r.id: r for r in replacements}
    out = PlanDocument(doc.org_id)
    for r in doc.all():
        out.add(by_id.get(r.id, r))
    return out


def coverage_summary(coverage: pd.DataFrame) -> str:
    used = coverage[coverage["strategies"] > 0]
    names = ", ".join(used["practice"].astype(str))
    return (f"Strategies cover {len(used)} of 12 Four Domains practices"
            + (f": {names}." if names else "."))


def budget_summary(budget: pd.DataFrame) -> str:
    if budget.empty:
        return "No budget entered yet."
    total = budget["budget"].sum()
    by = budget.groupby("funding_source")["budget"].sum().sort_values(ascending=False)
    parts = ", ".join(f"{k} ${v:,.0f}" for k, v in by.items())
    return f"Planned budget ${total:,.0f}: {parts}."


def needs_tables(outcomes: pd.DataFrame, district: str,
                 year: int = 2024) -> list[tuple[str, pd.DataFrame, list[str], list[str]]]:
    """What notebooks/01_needs_assessment shows with student counts, in its order: (name,
    frame, value columns, key columns); the disclosure audit's test and benchmark read it."""
    snap = N.district_snapshot(outcomes, district, year)
    gaps = N.gaps(outcomes, district, year)
    shown = [("color-grid", snap, N.VALUE_COLUMNS, ["indicator"]),
             ("snapshot", snap[N.SNAPSHOT_DISPLAY], N.VALUE_COLUMNS, ["indicator"]),
             ("flagged", N.flagged_groups(snap), N.VALUE_COLUMNS, ["indicator"])]
    shown += [(f"gaps-{i}", gaps[gaps["indicator"] == i], N.GAP_VALUE_COLUMNS, ["indicator"])
              for i in N.gap_indicators(gaps)]
    return shown + [
        ("trend", N.trend(outcomes, district), N.TREND_VALUE_COLUMNS, ["indicator", "year"]),
        ("suggested-priorities", N.suggest_priorities(snap, gaps), ["score"],
         list(show.DEFAULT_KEYS))]
