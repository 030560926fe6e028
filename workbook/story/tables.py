"""The annual story's tables and sentences: pure functions of the plan and the state's results.

What we set out to do (goals and theories of action), what we did (actions and milestones,
by the progress stage's own on-time rules), what changed for students (the plan's measures
against their targets, and the state's results by student group, this year beside last),
what we learned and what we adjust (adjustments with their reasons, supports and how well
they worked). Column headers and sentences go through `workbook.i18n._`, so the Spanish
edition is the same function; the team's own words are passed through as written.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from workbook.data import PERCENT_INDICATORS
from workbook.direction.model import Goal, Measure
from workbook.i18n import _, format_date, format_number, format_percent, ngettext
from workbook.needs.tables import indicator_name
from workbook.plan.model import Milestone, Strategy
from workbook.progress import quarterly
from workbook.progress import tables as progress
from workbook.progress.model import Adjustment, Support
from workbook.records.document import PlanDocument

#: The state indicators the story shows when the plan names none (in this order).
MAIN_INDICATORS = ("ELA", "MATH", "CHRO", "SUSP", "GRAD", "ELPI", "CCI", "ELA_PROF",
                   "MATH_PROF", "CHRONIC_ABSENT", "REG_ATTEND", "GRAD4")

#: Columns of `student_results` (machine names: the privacy rules read them).
STUDENT_COLUMNS = ["indicator", "student_group", "year", "n", "status", "prior_status",
                   "change"]


def has_plan(doc: PlanDocument) -> bool:
    """A plan is there when it has a goal or a strategy (an organisation alone is not)."""
    return bool(doc.of(Goal) or doc.of(Strategy))


def plan_year_end(plan_start: dt.date, plan_year: int) -> dt.date:
    """The last day of a plan year (the story tells the whole year)."""
    return progress.add_months(plan_start, 12 * plan_year) - dt.timedelta(days=1)


# --- what we set out to do --------------------------------------------------------------

def set_out(doc: PlanDocument) -> pd.DataFrame:
    """One row per strategy under its goal: the goal, the strategy and its theory of action
    (a goal with no strategy yet gets one row)."""
    strategies = doc.of(Strategy)
    rows = []
    for goal in doc.of(Goal):
        mine: list[Strategy | None] = [s for s in strategies if s.goal == goal.id]
        for s in mine or [None]:
            rows.append({_("Goal"): goal.title,
                         _("Strategy"): s.title if s else "",
                         _("How we expect it to help"): s.theory_of_action if s else ""})
    for s in strategies:
        if not s.goal or doc.get(s.goal) is None:
            rows.append({_("Goal"): "", _("Strategy"): s.title,
                         _("How we expect it to help"): s.theory_of_action})
    return pd.DataFrame(rows, columns=[_("Goal"), _("Strategy"), _("How we expect it to help")])


def set_out_sentence(doc: PlanDocument) -> str:
    goals, strategies = len(doc.of(Goal)), len(doc.of(Strategy))
    return (ngettext("This year our improvement plan had {n} goal.",
                     "This year our improvement plan had {n} goals.", goals).format(n=goals)
            + " " + ngettext("We chose {n} strategy to reach it.",
                             "We chose {n} strategies to reach them.", strategies)
            .format(n=strategies))


# --- what we did ------------------------------------------------------------------------

def implementation(doc: PlanDocument, as_of: dt.date) -> pd.DataFrame:
    """Per strategy: actions planned, done, on time, behind, and milestones reached, as of
    `as_of` (the progress stage's `classify` rules, the ones workbook 04 uses)."""
    status = progress.latest_status(doc, as_of)
    reached = _milestones_reached(doc, status, as_of)
    rows = []
    for strategy in doc.of(Strategy):
        mine = status[status["strategy_id"] == strategy.id]
        ms = [m for m in doc.of(Milestone) if m.strategy == strategy.id]
        rows.append({_("Strategy"): strategy.title,
                     _("Actions planned"): len(mine),
                     _("Done"): int(mine["complete"].sum()),
                     _("On time"): int(mine["on_time"].sum()),
                     _("Behind"): int(mine["behind"].sum()),
                     _("Milestones reached"): f"{sum(reached.get(m.id, False) for m in ms)}"
                                             f" / {len(ms)}"})
    columns = [_("Strategy"), _("Actions planned"), _("Done"), _("On time"), _("Behind"),
               _("Milestones reached")]
    return pd.DataFrame(rows, columns=columns)


def _milestones_reached(doc: PlanDocument, status: pd.DataFrame,
                        as_of: dt.date) -> dict[str, bool]:
    return {m.id: quarterly._milestone_complete(doc, m, status[status["milestone_id"] == m.id],
                                                as_of)
            for m in doc.of(Milestone)}


def implementation_sentence(doc: PlanDocument, as_of: dt.date) -> str:
    status = progress.latest_status(doc, as_of)
    total = len(status)
    if total == 0:
        return _("The plan does not list any actions yet.")
    done, behind = int(status["complete"].sum()), int(status["behind"].sum())
    on_time = int(status["on_time"].sum())
    return (ngettext("We planned {n} action.", "We planned {n} actions.", total).format(n=total)
            + " " + _("By {date}, {done} were done and {on_time} were on time; {behind} "
                      "were behind.").format(date=format_date(as_of), done=done,
                                             on_time=on_time, behind=behind))


# --- what changed for students -----------------------------------------------------------

def _measure_label(m: Measure) -> str:
    """The measure in the team's own words (they name its student group)."""
    return m.indicator


def measures(doc: PlanDocument, plan_year: int) -> pd.DataFrame:
    """Each goal measure: where it started, this year's target, the latest result, and
    whether it met the target (the progress stage's rule)."""
    rows = []
    for row in quarterly.performance_rows(doc, plan_year):
        if row["level"] != "goal":
            continue
        m = doc.get(row["measure_id"])
        assert isinstance(m, Measure)
        met, pct = row["on_track"], m.state_indicator in PERCENT_INDICATORS
        rows.append({_("Goal"): row["parent"], _("Measure"): _measure_label(m),
                     _("Where we started"): _number(row["baseline"], pct),
                     _("Target this year"): _number(row["target"], pct),
                     _("Latest result"): _number(row["latest_result"], pct),
                     _("Met the target?"): _("not known yet") if met is None
                     else (_("yes") if met else _("no"))})
    columns = [_("Goal"), _("Measure"), _("Where we started"), _("Target this year"),
               _("Latest result"), _("Met the target?")]
    return pd.DataFrame(rows, columns=columns)


def measures_chart_data(doc: PlanDocument, plan_year: int) -> pd.DataFrame:
    """Long form for the measures chart: measure, kind (start, target, latest), value."""
    rows = []
    for row in quarterly.performance_rows(doc, plan_year):
        if row["level"] != "goal":
            continue
        m = doc.get(row["measure_id"])
        assert isinstance(m, Measure)
        for what, key in ((_("Where we started"), "baseline"), (_("Target"), "target"),
                          (_("Latest result"), "latest_result")):
            if row[key] is not None and not pd.isna(row[key]):
                rows.append({"measure": _measure_label(m), "kind": what,
                             "value": float(row[key])})
    return pd.DataFrame(rows, columns=["measure", "kind", "value"])


def measures_sentence(doc: PlanDocument, plan_year: int) -> str:
    rows = [r for r in quarterly.performance_rows(doc, plan_year) if r["level"] == "goal"]
    if not rows:
        return _("The plan does not have goal measures yet.")
    met = sum(1 for r in rows if r["on_track"] is True)
    known = sum(1 for r in rows if r["on_track"] is not None)
    return (ngettext("We track {n} measure of our goals.", "We track {n} measures of our "
                     "goals.", len(rows)).format(n=len(rows)) + " "
            + _("{met} of the {known} with a result this year met the target.")
            .format(met=met, known=known))


def _number(value: object, percent: bool = False) -> str:
    """A measure's value as the reader writes it ("12,5 %" in Spanish), a dash if none."""
    if value is None or pd.isna(value):
        return "—"
    number = float(value)  # type: ignore[arg-type]
    return format_percent(number, 1) if percent else format_number(number, 1)


def story_indicators(doc: PlanDocument, outcomes: pd.DataFrame, district_id: str,
                     year: int) -> list[str]:
    """The state indicators the plan's measures name, else the main ones the district has."""
    have = set(outcomes.loc[(outcomes["district_id"] == district_id)
                            & (outcomes["year"] == year), "indicator"].dropna().astype(str))
    named = [m.state_indicator for m in doc.of(Measure) if m.state_indicator]
    chosen = [c for c in dict.fromkeys(named) if c in have]
    return chosen or [c for c in MAIN_INDICATORS if c in have]


def student_results(outcomes: pd.DataFrame, district_id: str, year: int,
                    indicators: list[str]) -> pd.DataFrame:
    """The district's state results for `indicators` by student group: this year, last
    year and the change, with `n` (students counted) for the privacy rules."""
    rows = outcomes[(outcomes["district_id"] == district_id)
                    & (outcomes["org_level"] == "district")
                    & (outcomes["year"] == year)
                    & (outcomes["indicator"].isin(indicators))]
    if "grade" in rows.columns:
        grade = rows["grade"].astype("string").str.casefold()
        rows = rows[grade.isna() | grade.isin(["", "all"])]
    out = pd.DataFrame({
        "indicator": rows["indicator"].astype(str),
        "student_group": rows["student_group"].astype(str),
        "year": rows["year"].astype("Int64"),
        "n": pd.to_numeric(rows["denominator"], errors="coerce").astype("Float64"),
        "status": pd.to_numeric(rows["status"], errors="coerce").astype("Float64"),
        "prior_status": pd.to_numeric(rows.get("prior_status"), errors="coerce")
        .astype("Float64"),
        "change": pd.to_numeric(rows.get("change"), errors="coerce").astype("Float64"),
    })
    out = out[out["status"].notna()]
    order = {c: i for i, c in enumerate(indicators)}
    out = out.assign(_o=out["indicator"].map(order), _g=out["student_group"] != "ALL")
    return out.sort_values(["_o", "_g", "student_group"]).drop(columns=["_o", "_g"]) \
        .reset_index(drop=True)[STUDENT_COLUMNS]


def year_over_year(shown: pd.DataFrame) -> pd.DataFrame:
    """All students, last year and this year, per indicator (from the suppressed table)."""
    rows = []
    for r in shown[shown["student_group"] == "ALL"].itertuples(index=False):
        name = _(indicator_name(r.indicator)).split(" (")[0]
        if r.prior_status is not None and not pd.isna(r.prior_status):
            rows.append({"indicator": name, "when": _("Last year"),
                         "value": float(r.prior_status)})
        if r.status is not None and not pd.isna(r.status):
            rows.append({"indicator": name, "when": _("This year"), "value": float(r.status)})
    return pd.DataFrame(rows, columns=["indicator", "when", "value"])


def year_over_year_text(frame: pd.DataFrame) -> str:
    """The chart's text alternative: every bar in words."""
    parts = []
    for name, part in frame.groupby("indicator", sort=False):
        values = {w: format_number(v, 1) for w, v in zip(part["when"], part["value"],
                                                          strict=True)}
        parts.append(_("{indicator}: last year {before}, this year {now}").format(
            indicator=name, before=values.get(_("Last year"), "–"),
            now=values.get(_("This year"), "–")))
    return _("All students, last year and this year.") + " " + "; ".join(parts) + "."


# --- what we learned and what we adjust ----------------------------------------------------

def adjustments(doc: PlanDocument) -> pd.DataFrame:
    """Every change to the plan, newest first: when, what changed, why, who was told."""
    rows = [{_("When"): format_date(a.date), _("What we changed"): a.change,
             _("Why"): a.reason, _("Who we told"): a.told, "_d": a.date}
            for a in doc.of(Adjustment)]
    columns = [_("When"), _("What we changed"), _("Why"), _("Who we told")]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(rows).sort_values("_d", ascending=False)[columns] \
        .reset_index(drop=True)


EFFECT_WORDS = {1: "did not help", 2: "helped a little", 3: "helped", 4: "helped a lot"}


def supports(doc: PlanDocument) -> pd.DataFrame:
    """The help the district got: what for, what kind, from whom, and how well it worked."""
    rows = []
    for s in doc.of(Support):
        rows.append({_("What we needed help with"): s.need,
                     _("Kind of help"): _(s.support_type) if s.support_type else "",
                     _("From"): s.provider,
                     _("Received"): _("yes") if s.provided else _("not yet"),
                     _("How well it worked"): _(EFFECT_WORDS[s.effectiveness])
                     if s.effectiveness else _("not rated yet"),
                     _("How we know"): s.evidence})
    columns = [_("What we needed help with"), _("Kind of help"), _("From"), _("Received"),
               _("How well it worked"), _("How we know")]
    return pd.DataFrame(rows, columns=columns)


def learned_sentence(doc: PlanDocument) -> str:
    changes, helps = len(doc.of(Adjustment)), len(doc.of(Support))
    worked = sum(1 for s in doc.of(Support) if (s.effectiveness or 0) >= 3)
    return (ngettext("We changed the plan {n} time this year.",
                     "We changed the plan {n} times this year.", changes).format(n=changes)
            + " " + ngettext("We got help {n} time, and {worked} of these helped.",
                             "We got help {n} times, and {worked} of these helped.", helps)
            .format(n=helps, worked=worked))


def _effect_words() -> None:  # pragma: no cover - for the message extractor only
    """The effect and support-type words, so the catalog has them (`_()` of a variable is
    invisible to the extractor)."""
    _("did not help"), _("helped a little"), _("helped"), _("helped a lot")
    _("technical assistance"), _("professional development"), _("coaching")
    _("corrective action"), _("differentiated assistance")


# --- a district with no plan ------------------------------------------------------------

def where_it_stands(outcomes: pd.DataFrame, district_id: str, year: int) -> pd.DataFrame:
    """All students on each state indicator this year (the same rows `student_results`
    gives), for the page of a district with no plan yet."""
    have = list(dict.fromkeys(outcomes.loc[(outcomes["district_id"] == district_id)
                                           & (outcomes["year"] == year),
                                           "indicator"].dropna().astype(str)))
    chosen = [c for c in MAIN_INDICATORS if c in have]
    table = student_results(outcomes, district_id, year, chosen)
    return table


#: Where `workbook serve` shows the apps (`workbook.apps.serve`); the story links there.
APPS = "/voila/render/"


def first_steps() -> list[tuple[str, str]]:
    """The cycle's first steps, each with the address of the app where it is done (under
    `workbook serve`)."""
    steps = [
        (_("Look at where students stand and choose what matters most (the needs "
           "assessment)."), "needs.ipynb"),
        (_("Ask why: find the causes behind the results (root cause analysis)."),
         "rootcause.ipynb"),
        (_("Set goals and choose strategies, with milestones and actions (the plan)."),
         "plan.ipynb"),
        (_("Each month, record how each action is going (status)."), "status.ipynb"),
    ]
    return [(text, APPS + app) for text, app in steps]


def no_plan_sentence(district: str) -> str:
    return _("{district} has not stored an improvement plan yet. Here is where students "
             "stand, and how to start.").format(district=district)
