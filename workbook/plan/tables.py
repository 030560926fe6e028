"""Notebook 03, strategy and measures: the plan as tables and charts.

Every function is pure: it takes a `PlanDocument` (and, for baselines, the tidy outcome
table) and returns a pandas DataFrame, a list of records or a self-contained altair chart
(data inlined, nothing displayed, no file read). Tables list records in plan order:
strategies as entered, their milestones as entered, then each milestone's actions; records
whose parent is missing come last, under "(no strategy)" / "(no milestone)".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd

from workbook import catalogue
from workbook.direction.model import Direction, Goal, Measure, split_theory
from workbook.i18n import _
from workbook.plan.model import Action, Milestone, Strategy
from workbook.progress.model import STATUSES, StatusUpdate
from workbook.records.document import PlanDocument, findings
from workbook.rootcause.model import Cause

NO_STRATEGY = "(no strategy)"
NO_MILESTONE = "(no milestone)"
NO_SOURCE = "(no funding source)"
#: status -> color, shared by every chart that colors actions by status
STATUS_COLORS: dict[str, str] = dict(zip(
    STATUSES, ("#9e9e9e", "#2e7d32", "#d84315", "#1565c0"), strict=True))

# --- shared helpers (also used by workbook.progress.tables) ----------------------------


def frame_of(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """A DataFrame with exactly `columns`, also when there are no rows."""
    return pd.DataFrame(rows, columns=columns)


def _strategies(doc: PlanDocument) -> list[Strategy]:
    return list(doc.of(Strategy))


def _milestones(doc: PlanDocument) -> list[Milestone]:
    return list(doc.of(Milestone))


def _actions(doc: PlanDocument) -> list[Action]:
    return list(doc.of(Action))


def ordered_actions(
    doc: PlanDocument,
) -> Iterator[tuple[Strategy | None, Milestone | None, Action]]:
    """(strategy, milestone, action) for every action, in plan order."""
    strategy_ids = {s.id for s in _strategies(doc)}
    milestones = _milestones(doc)
    ordered_ms = [m for s in _strategies(doc) for m in milestones if m.strategy == s.id]
    ordered_ms += [m for m in milestones if m.strategy not in strategy_ids]
    by_id = {s.id: s for s in _strategies(doc)}
    actions = _actions(doc)
    for m in ordered_ms:
        for a in actions:
            if a.milestone == m.id:
                yield by_id.get(m.strategy), m, a
    ms_ids = {m.id for m in milestones}
    for a in actions:
        if a.milestone not in ms_ids:
            yield None, None, a


def ordered_milestones(doc: PlanDocument) -> Iterator[tuple[Strategy | None, Milestone]]:
    """(strategy, milestone) for every milestone, in plan order."""
    strategies = _strategies(doc)
    ids = {s.id for s in strategies}
    for s in strategies:
        for m in _milestones(doc):
            if m.strategy == s.id:
                yield s, m
    for m in _milestones(doc):
        if m.strategy not in ids:
            yield None, m


def updates_by_action(doc: PlanDocument) -> dict[str, list[StatusUpdate]]:
    """Each action's status updates, oldest first (same-day updates keep entry order)."""
    out: dict[str, list[StatusUpdate]] = {}
    for u in doc.of(StatusUpdate):
        out.setdefault(u.action, []).append(u)
    for items in out.values():
        items.sort(key=lambda u: u.date)
    return out


def latest_update(updates: list[StatusUpdate], as_of: dt.date | None = None
                  ) -> StatusUpdate | None:
    """The last update on or before `as_of` (any date when None); None when there is none."""
    eligible = [u for u in updates if as_of is None or u.date <= as_of]
    return eligible[-1] if eligible else None


def title_of(record: Strategy | Milestone | None, missing: str) -> str:
    return record.title if record is not None else missing


# --- stage 1: direction, goals and measures ---------------------------------------------


def direction_table(doc: PlanDocument) -> pd.DataFrame:
    """Mission, vision and purpose, with the purpose split into its If / then / and parts.

    Columns `part` and `text`; one block of six rows per direction record (normally one).
    A purpose that is not a theory of action gets empty If/then/and rows.
    """
    rows = []
    for d in doc.of(Direction):
        assert isinstance(d, Direction)
        if_, then, and_ = split_theory(d.purpose)
        rows += [{"part": "Mission", "text": d.mission},
                 {"part": "Vision", "text": d.vision},
                 {"part": "Purpose", "text": d.purpose},
                 {"part": "If", "text": if_},
                 {"part": "then", "text": then},
                 {"part": "and", "text": and_}]
    return frame_of(rows, ["part", "text"])


GOAL_MEASURE_COLUMNS = ["goal", "indicator", "data_source", "state_indicator", "student_group",
                        "baseline", "baseline_year", "target_year_1", "target_year_2",
                        "target_year_3", "direction", "goal_id", "measure_id"]


def _direction(m: Measure) -> str:
    return "higher is better" if m.higher_is_better else "lower is better"


def goal_measures(doc: PlanDocument) -> pd.DataFrame:
    """One row per goal measure (a goal with no measure gets one row with no indicator).

    Columns: goal, indicator, data_source, state_indicator, student_group, baseline,
    baseline_year, target_year_1..3, direction ("higher is better" / "lower is better"),
    goal_id, measure_id. Missing numbers are NaN.
    """
    measures = list(doc.of(Measure))
    rows: list[dict[str, Any]] = []
    for g in doc.of(Goal):
        assert isinstance(g, Goal)
        mine = [m for m in measures if m.parent == g.id]
        if not mine:
            rows.append({"goal": g.title, "goal_id": g.id, "indicator": "",
                         "direction": ""})
        for m in mine:
            assert isinstance(m, Measure)
            row = {"goal": g.title, "indicator": m.indicator, "data_source": m.data_source,
                   "state_indicator": m.state_indicator, "student_group": m.student_group,
                   "baseline": m.baseline, "baseline_year": m.baseline_year,
                   "direction": _direction(m), "goal_id": g.id, "measure_id": m.id}
            for year in (1, 2, 3):
                row[f"target_year_{year}"] = m.targets.get(year)
            rows.append(row)
    out = frame_of(rows, GOAL_MEASURE_COLUMNS)
    for col in ("baseline", "target_year_1", "target_year_2", "target_year_3"):
        out[col] = pd.to_numeric(out[col]).astype("float64")
    out["baseline_year"] = pd.to_numeric(out["baseline_year"]).astype("Int64")
    return out


PLAN_MEASURE_COLUMNS = ["measures", "for", "indicator", "data_source", "state_indicator",
                        "student_group", "baseline", "baseline_year", "target_year_1",
                        "target_year_2", "target_year_3", "direction", "parent_id",
                        "measure_id"]


def plan_measures(doc: PlanDocument) -> pd.DataFrame:
    """Goal measures then strategy measures, one row each (Tool A's goal and strategy
    performance measures in one table).

    `measures` is "goal" or "strategy"; `for` the goal's or strategy's title. A goal or
    strategy without a measure gets one row with no indicator, so the gap shows. A measure
    whose parent is gone is listed last under "(no goal or strategy)". Other columns as in
    `goal_measures`; missing numbers are NaN.
    """
    measures = list(doc.of(Measure))
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    parents: list[tuple[str, str, str]] = (
        [("goal", g.id, g.title) for g in doc.of(Goal)]
        + [("strategy", s.id, s.title) for s in _strategies(doc)])
    for level, pid, title in parents:
        mine = [m for m in measures if m.parent == pid]
        if not mine:
            rows.append({"measures": level, "for": title, "parent_id": pid,
                         "indicator": "", "direction": ""})
        for m in mine:
            seen.add(m.id)
            rows.append(_measure_row(m, level, title))
    rows += [_measure_row(m, "", _("(no goal or strategy)")) for m in measures
             if m.id not in seen]
    out = frame_of(rows, PLAN_MEASURE_COLUMNS)
    for col in ("baseline", "target_year_1", "target_year_2", "target_year_3"):
        out[col] = pd.to_numeric(out[col]).astype("float64")
    out["baseline_year"] = pd.to_numeric(out["baseline_year"]).astype("Int64")
    return out


def _measure_row(m: Measure, level: str, title: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "measures": level, "for": title, "indicator": m.indicator,
        "data_source": m.data_source, "state_indicator": m.state_indicator,
        "student_group": m.student_group, "baseline": m.baseline,
        "baseline_year": m.baseline_year, "direction": _direction(m), "parent_id": m.parent,
        "measure_id": m.id}
    for year in (1, 2, 3):
        row[f"target_year_{year}"] = m.targets.get(year)
    return row


def fill_baselines(doc: PlanDocument, outcomes: pd.DataFrame, district_id: str,
                   year: int) -> list[Measure]:
    """Baselines from the state's data for measures that match a state indicator.

    A measure qualifies when its baseline is missing (None) and its `state_indicator`
    (compared case-insensitively, e.g. "ela" -> "ELA") names an indicator present in the
    tidy outcome table `outcomes`. The baseline is the published `status` of the row with
    org_id == `district_id`, the measure's `student_group` (case-insensitive), school year
    `year` (spring: 2024 = 2023-24) and, when the table reports by grade, grade "all".
    `baseline_year` is set to `year`.

    Returns *copies* of only the measures that were filled, in plan order; the document and
    its records are not changed (save the copies to keep them). Measures that already have
    a baseline, have no state indicator, or have no matching non-missing status row are left
    out. If several rows match (should not happen in a tidy table), the first is used.
    """
    if outcomes is None or outcomes.empty:
        return []
    tidy = outcomes
    rows = tidy[(tidy["org_id"].astype("string") == str(district_id))
                & (pd.to_numeric(tidy["year"], errors="coerce") == int(year))
                & tidy["status"].notna()]
    if "grade" in rows:
        grade = rows["grade"].astype("string").str.lower()
        rows = rows[grade.isna() | (grade == "all")]
    indicators = rows["indicator"].astype("string").str.upper()
    groups = rows["student_group"].astype("string").str.upper()
    out: list[Measure] = []
    for m in doc.of(Measure):
        assert isinstance(m, Measure)
        code = m.state_indicator.strip().upper()
        if m.baseline is not None or not code:
            continue
        hit = rows[(indicators == code) & (groups == (m.student_group or "ALL").upper())]
        if hit.empty:
            continue
        value = float(hit["status"].iloc[0])
        out.append(m.model_copy(update={"baseline": value, "baseline_year": int(year)}))
    return out


# --- stage 3: strategies ----------------------------------------------------------------

STRATEGY_COLUMNS = ["strategy", "if", "then", "and", "practice", "practice_name", "goal",
                    "measures", "milestones", "actions", "strategy_id"]


def strategies_table(doc: PlanDocument) -> pd.DataFrame:
    """One row per strategy: its theory of action in parts, practice, goal and counts.

    Columns: strategy, if, then, and, practice (code, "" when not coded), practice_name,
    goal (title, "" when none), measures, milestones, actions (counts), strategy_id.
    """
    measures = list(doc.of(Measure))
    milestones = _milestones(doc)
    actions = _actions(doc)
    rows = []
    for s in _strategies(doc):
        if_, then, and_ = s.parts
        goal = doc.get(s.goal) if s.goal else None
        ms_ids = {m.id for m in milestones if m.strategy == s.id}
        rows.append({
            "strategy": s.title, "if": if_, "then": then, "and": and_,
            "practice": s.practice or "",
            "practice_name": catalogue.practice(s.practice).name if s.practice else "",
            "goal": getattr(goal, "title", "") if goal is not None else "",
            "measures": sum(1 for m in measures if m.parent == s.id),
            "milestones": len(ms_ids),
            "actions": sum(1 for a in actions if a.milestone in ms_ids),
            "strategy_id": s.id,
        })
    return frame_of(rows, STRATEGY_COLUMNS)


COVERAGE_COLUMNS = ["practice", "letter", "practice_name", "domain", "domain_name",
                    "strategies", "causes"]


def practice_coverage(doc: PlanDocument) -> pd.DataFrame:
    """All twelve Four Domains practices (1a-4c) with how many strategies and causes use them.

    Columns: practice (code), letter (a-c), practice_name, domain (1-4), domain_name,
    strategies, causes (counts; 0 where none). Always twelve rows, in catalogue order.
    """
    strategies = [s.practice for s in _strategies(doc) if s.practice]
    causes = [c.practice for c in doc.of(Cause) if isinstance(c, Cause) and c.practice]
    rows = []
    for p in catalogue.practices():
        rows.append({"practice": p.code, "letter": p.code[1], "practice_name": p.name,
                     "domain": p.domain, "domain_name": catalogue.domain(p.domain).name,
                     "strategies": strategies.count(p.code), "causes": causes.count(p.code)})
    return frame_of(rows, COVERAGE_COLUMNS)


# --- timeline ---------------------------------------------------------------------------

TIMELINE_COLUMNS = ["strategy", "milestone", "action", "owner", "start", "due", "status",
                    "undated", "budget", "funding_source", "strategy_id", "milestone_id",
                    "action_id"]


def timeline(doc: PlanDocument) -> pd.DataFrame:
    """Every action with its dates and latest status, in plan order.

    `status` is the most recent StatusUpdate's status ("not started" when there is none).
    `undated` is True when the start or due date is missing; such actions stay in the
    table (with the missing date as None) and are left off the Gantt chart.
    """
    updates = updates_by_action(doc)
    rows = []
    for s, m, a in ordered_actions(doc):
        last = latest_update(updates.get(a.id, []))
        rows.append({
            "strategy": title_of(s, NO_STRATEGY), "milestone": title_of(m, NO_MILESTONE),
            "action": a.title, "owner": a.owner, "start": a.start, "due": a.due,
            "status": last.status if last else "not started",
            "undated": a.start is None or a.due is None,
            "budget": float(a.budget), "funding_source": a.funding_source,
            "strategy_id": s.id if s else "", "milestone_id": a.milestone, "action_id": a.id,
        })
    out = frame_of(rows, TIMELINE_COLUMNS)
    out["undated"] = out["undated"].astype(bool)
    out["budget"] = out["budget"].astype("float64")
    return out


# --- budget -----------------------------------------------------------------------------

BUDGET_COLUMNS = ["funding_source", "strategy", "budget", "actions"]


def budget_by_source(doc: PlanDocument) -> pd.DataFrame:
    """Planned action budget summed by funding source and strategy.

    Columns: funding_source ("(no funding source)" when blank), strategy, budget (sum),
    actions (count). Sorted by funding source, then strategies in plan order.
    """
    rows = [{"funding_source": a.funding_source or NO_SOURCE,
             "strategy": title_of(s, NO_STRATEGY), "budget": float(a.budget), "order": i}
            for i, (s, _m, a) in enumerate(ordered_actions(doc))]
    if not rows:
        return frame_of([], BUDGET_COLUMNS).astype({"budget": "float64", "actions": "int64"})
    frame = pd.DataFrame(rows)
    out = (frame.groupby(["funding_source", "strategy"], sort=False)
           .agg(budget=("budget", "sum"), actions=("budget", "size"), order=("order", "min"))
           .reset_index().sort_values(["funding_source", "order"], kind="stable"))
    return out[BUDGET_COLUMNS].reset_index(drop=True)


# --- findings and coaching questions ----------------------------------------------------

_STOP = frozenset("""about after also been does each from have into more must need only other
should some than that their them then there these they this those were what when where which
with without would your start""".split())


def _stem(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def keywords(text: str) -> set[str]:
    """Lower-cased, crudely singularised words of four or more letters, minus stop words."""
    words = re.findall(r"[a-z]+", text.lower())
    return {_stem(w) for w in words if len(w) >= 4 and w not in _STOP}


def _question_for(message: str, stage: str) -> str:
    questions = catalogue.coaching_questions(stage)
    if not questions:
        return ""
    wanted = keywords(message)
    scores = [len(wanted & keywords(q.text)) for q in questions]
    best = max(range(len(questions)), key=lambda i: (scores[i], -i))
    return str(questions[best])


FINDING_COLUMNS = ["stage", "kind", "label", "message", "question", "record_id"]


def findings_with_questions(doc: PlanDocument) -> pd.DataFrame:
    """Each plan-quality finding with a coaching question that helps resolve it.

    The question comes from the Tool B questions of the finding's stage: the one sharing the
    most keywords with the finding's message (earliest on a tie; the stage's first question
    when none shares a word). Deterministic. Columns: stage, kind, label, message, question
    (with its lead-in, e.g. "If goals already exist: ..."), record_id.
    """
    rows = [{"stage": f.stage, "kind": f.kind, "label": f.label, "message": f.message,
             "question": _question_for(f.message, f.stage), "record_id": f.record_id}
            for f in findings(doc)]
    return frame_of(rows, FINDING_COLUMNS)

