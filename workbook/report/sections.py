"""Composite sections of the workbooks, built from `report.blocks` and the stage tables.

Each function shows one part of a workbook the same way in JupyterLab, Voila and reports.
"""

from __future__ import annotations

import functools
from functools import partial

import pandas as pd

from workbook import catalogue, states
from workbook import needs as N
from workbook import rootcause as rc
from workbook.identification.tables import glance
from workbook.needs.model import Priority, SwotEntry
from workbook.records.base import Record
from workbook.records.document import PlanDocument
from workbook.report import blocks as show
from workbook.rootcause.model import Cause, Symptom, Why
from workbook.run.context import Context

#: How the workbooks speak of a state that has no terms file (California's words).
_CA_TERMS: dict[str, object] = states.CA_TERMS


@functools.cache
def terms(state: str) -> dict[str, object]:
    """The state's words: the one lookup, `workbook.states.terms` (the apps use it too)."""
    return states.terms(state)


def source_line(ctx: Context) -> str:
    """The page subtitle's data line: "California School Dashboard 2024 · region" or
    "Oregon Department of Education results 2021-22 · region"."""
    t = terms(ctx.region.state)
    year = ctx.params.year
    when = str(year) if t["colors"] else f"{year - 1}-{str(year)[2:]}"
    return f"{t['source']} {when} · {ctx.region.title}"


def results_grid(ctx: Context, snapshot: pd.DataFrame) -> None:
    """Every indicator by student group: Dashboard colors where the state has them, else
    each group's result shaded by its gap to all students (Oregon)."""
    t = terms(ctx.region.state)
    show.note(str(t["results_intro"]))
    if t["colors"]:
        show.chart(snapshot, N.color_grid, "Dashboard colors by student group",
                   alt_text=N.grid_summary, name="color-grid",
                   value_cols=N.VALUE_COLUMNS, key_cols=["indicator"])
    else:
        show.chart(snapshot, N.results_grid, "Results by student group",
                   alt_text=N.results_summary, name="color-grid",
                   value_cols=N.VALUE_COLUMNS, key_cols=["indicator"])


def furthest_behind(ctx: Context, snapshot: pd.DataFrame, gaps: pd.DataFrame) -> None:
    """The groups furthest behind: Red and Orange in California, behind the state or far
    behind all students where the state has no colors."""
    t = terms(ctx.region.state)
    show.note(str(t["behind_intro"]))
    if t["colors"]:
        show.table(N.flagged_groups(snapshot), "Groups in the two lowest colors",
                   name="flagged", value_cols=N.VALUE_COLUMNS, key_cols=["indicator"])
    else:
        show.table(N.behind_groups(gaps), "Groups behind the state or all students",
                   name="flagged", value_cols=N.GAP_VALUE_COLUMNS, key_cols=["indicator"])


def _oregon_glance(ctx: Context) -> list[tuple[str, str]]:
    """Oregon's at-a-glance lines: the ESD, the partnership tier and growth targets."""
    from workbook.identification import oregon

    sel = ctx.region.districts
    esd = getattr(sel, "esd", None) or "not declared in the region manifest"
    org = ctx.doc.organisation
    tier = (org.support_level if org is not None and org.support_level else
            "not computed: no CSI/TSI school designation file supplied")
    rows = [("Education service district (ESD)", esd), ("Partnership tier", tier)]
    base = oregon.growth_baselines(ctx.outcomes, ctx.params.district_id)
    latest = base[base["year"] == ctx.params.year]
    if len(latest):
        rows.append(("Growth-target baselines", "; ".join(
            f"{r.metric} {r.status:.1f}%" for r in latest.itertuples(index=False))))
    rows.append(("Small groups", str(terms("OR")["suppression"])))
    return rows


def at_a_glance(ctx: Context) -> None:
    """Tool A's at-a-glance: the organisation, its level of support and plan dates.

    In California the level of support is computed by the state's rules
    (`identification`), beside the state's published status and any disagreement, with the
    ESSA designations and Title I status of the district's schools; in Oregon the ESD, the
    partnership tier and the growth-target baselines; elsewhere the plan's own entry.
    """
    org = ctx.doc.organisation
    rows = [("District", ctx.district_name), ("District code", ctx.params.district_id),
            ("Region", ctx.region.title),
            (str(terms(ctx.region.state)["year_label"]), str(ctx.params.year))]
    if org is not None:
        rows.append(("County", org.county))
    if ctx.region.state == "CA":
        rows += glance(ctx.identification, ctx.lists, ctx.params.district_id)
    elif ctx.region.state == "OR":
        rows += _oregon_glance(ctx)
    elif org is not None:
        rows += [("Level of support", org.support_level), ("ESSA status", org.essa_status)]
    if org is not None:
        rows += [("Plan dates", f"{org.plan_start or '?'} to {org.plan_end or '?'}"),
                 ("Leadership team", ", ".join(org.leadership_team))]
    else:
        rows.append(("Plan", "No plan stored yet for this district."))
    show.table(pd.DataFrame(rows, columns=["field", "detail"]), "At a glance", name="at-a-glance")


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
    colors = terms(_state_of(outcomes, district))["colors"]
    flagged = ((N.flagged_groups(snap), N.VALUE_COLUMNS) if colors else
               (N.behind_groups(gaps), N.GAP_VALUE_COLUMNS))
    shown = [("color-grid", snap, N.VALUE_COLUMNS, ["indicator"]),
             ("snapshot", snap[N.SNAPSHOT_DISPLAY], N.VALUE_COLUMNS, ["indicator"]),
             ("flagged", flagged[0], flagged[1], ["indicator"])]
    shown += [(f"gaps-{i}", gaps[gaps["indicator"] == i], N.GAP_VALUE_COLUMNS, ["indicator"])
              for i in N.gap_indicators(gaps)]
    return shown + [
        ("trend", N.trend(outcomes, district), N.TREND_VALUE_COLUMNS, ["indicator", "year"]),
        ("suggested-priorities", N.suggest_priorities(snap, gaps), ["score"],
         list(show.DEFAULT_KEYS))]


def growth_targets(ctx: Context) -> None:
    """Oregon: the plan's growth targets (goal measures on ODE's metrics), met or not met
    per plan year, and the corrective-action triggers they feed (seed 000); nothing for a
    state without them."""
    if ctx.region.state != "OR":
        return
    import datetime as dt

    from workbook.direction.model import Measure
    from workbook.identification import oregon
    from workbook.progress.model import Result

    start = getattr(ctx.params, "plan_start", ctx.region.plan_start)
    first = dt.date.fromisoformat(str(start)).year + 1  # plan year 1 ends that spring
    results = oregon.growth_results(ctx.doc.of(Measure), ctx.outcomes,
                                    ctx.params.district_id, first, ctx.doc.of(Result))
    show.note(str(terms("OR")["growth_targets"]))
    show.table(results, "Growth targets, met or not met by year", name="growth-targets")
    show.table(oregon.growth_by_year(results), "Growth targets met / not met, each year",
               name="growth-by-year")
    show.table(oregon.triggers(results), "Corrective-action triggers", name="triggers")


def _state_of(outcomes: pd.DataFrame, district: str) -> str:
    """The state of a district's rows (its results are read in that state's terms)."""
    rows = outcomes.loc[outcomes["district_id"] == district, "state"].dropna()
    return str(rows.iloc[0]) if len(rows) else "CA"
