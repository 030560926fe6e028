"""Notebook 04, the quarterly report: implementation and performance data (Tool A).

Pure functions of a `PlanDocument`: tables as pandas DataFrames, charts as self-contained
altair charts; nothing is displayed or read from disk.

Rules used throughout (the guide leaves them open, so they are fixed here):

* An action's status on a date is its latest StatusUpdate on or before that date
  ("not started" when there is none). Same-day updates: the one entered last wins.
* `budget_used` on a StatusUpdate is the *cumulative* amount spent on the action so far,
  so the budget used by a date is the value on the latest update on or before it (0 when
  none), never a sum over updates.
* Completed on time: the status is "complete" and the day it became complete (the first
  update of its final run of "complete" updates) is on or before the due date.
* Open actions: "behind" when the team says so or the due date has passed (due < as_of);
  otherwise on time. An action due on `as_of` itself is still on time. No due date: on time
  unless reported behind. A complete action is never behind (late completions are neither
  on time nor behind). So on time + behind + completed late = all actions.
* A milestone is complete when its latest MilestoneReview on or before `as_of` says so, or
  when it has actions and all of them are complete. An incomplete milestone is behind when
  its due date has passed or any of its actions is behind; otherwise it is on track.
* Percentages are 0-100, rounded to one decimal; NaN when there is nothing to count.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd

from workbook.direction.model import Measure
from workbook.errors import WorkbookError
from workbook.plan.model import Action, Milestone, Strategy
from workbook.plan.tables import (
    NO_MILESTONE,
    NO_STRATEGY,
    _frame,
    latest_update,
    ordered_actions,
    ordered_milestones,
    title_of,
    updates_by_action,
)
from workbook.progress.model import (
    STATUSES,
    Adjustment,
    MilestoneReview,
    Result,
    StatusUpdate,
    Support,
)
from workbook.records.document import PlanDocument

#: Support.effectiveness -> words
EFFECTIVENESS = {1: "not at all effective", 2: "somewhat effective", 3: "mostly effective",
                 4: "very effective"}


# --- dates ------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the month's last day (Jan 31 + 1 = Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def quarter_bounds(plan_start: dt.date, quarter: int, plan_year: int = 1
                   ) -> tuple[dt.date, dt.date]:
    """First and last day of a quarter of a plan year.

    `plan_start` is the first day of plan year 1; plan year p starts p-1 years later and
    quarter q covers its months 3(q-1)+1 .. 3q. E.g. plan_start 2024-07-01, quarter 2:
    2024-10-01 .. 2024-12-31.
    """
    if not isinstance(quarter, int) or not 1 <= quarter <= 4:
        raise WorkbookError(f"quarter must be 1, 2, 3 or 4, not {quarter!r}")
    if not isinstance(plan_year, int) or not 1 <= plan_year <= 5:
        raise WorkbookError(f"plan year must be 1-5, not {plan_year!r}")
    year_start = add_months(plan_start, 12 * (plan_year - 1))
    start = add_months(year_start, 3 * (quarter - 1))
    end = add_months(year_start, 3 * quarter) - dt.timedelta(days=1)
    return start, end


def quarter_of(plan_start: dt.date, day: dt.date) -> tuple[int, int]:
    """(plan year, quarter) that `day` falls in: the inverse of `quarter_bounds`
    (before `plan_start`: plan year 1, quarter 1; plan year at most 5)."""
    months = (day.year - plan_start.year) * 12 + day.month - plan_start.month
    if months > 0 and day < add_months(plan_start, months):
        months -= 1  # a plan that starts mid-month moves on on that day of the month
    months = max(0, months)
    return min(5, months // 12 + 1), (months % 12) // 3 + 1


def plan_year_for(plan_start: dt.date, year: int) -> int:
    """The plan year (1-5) of school year `year` (spring: 2025 = 2024-25).

    Plan year 1 is the school year in which plan year 1 ends; earlier years give 1.
    """
    first_end = add_months(plan_start, 12) - dt.timedelta(days=1)
    return max(1, min(5, year - first_end.year + 1))


# --- actions ----------------------------------------------------------------------------

STATUS_COLUMNS = ["strategy", "milestone", "action", "owner", "start", "due", "status",
                  "status_date", "completed_on", "complete", "on_time", "behind",
                  "output_delivered", "outputs", "budget_planned", "budget_used", "cause",
                  "adjustment", "strategy_id", "milestone_id", "action_id"]


def _completed_on(updates: list[StatusUpdate]) -> dt.date | None:
    """The day the action became complete (start of the final run of 'complete')."""
    day = None
    for u in updates:
        if u.status == "complete":
            day = day or u.date
        else:
            day = None
    return day


#: The on-time and behind rules of `_classify` in words, for every page or sheet that shows
#: the counts (the Excel export quotes it), so the text cannot drift from the code.
RULES = ("An open action is behind when the team reports it behind or its due date has "
         "passed, otherwise on time (no status yet counts as not started). A completed action "
         "is on time when it became complete (the first of its last run of 'complete' "
         "updates) on or before its due date; a late completion is neither on time nor "
         "behind. Budget used is the latest cumulative amount reported.")


def _classify(status: str, completed_on: dt.date | None, due: dt.date | None,
              as_of: dt.date) -> tuple[bool, bool]:
    """(on_time, behind) under the module's rules (`RULES`)."""
    if status == "complete":
        return due is None or (completed_on is not None and completed_on <= due), False
    if status == "behind":
        return False, True
    if due is None:
        return True, False
    return due >= as_of, due < as_of


def latest_status(doc: PlanDocument, as_of: dt.date) -> pd.DataFrame:
    """One row per action (plan order): where it stood on `as_of`.

    Columns: strategy, milestone, action, owner, start, due, status (latest update on or
    before as_of, else "not started"), status_date (None when no update), completed_on,
    complete, on_time, behind (see the module docstring), output_delivered (any update on or
    before as_of says so), outputs (the planned outputs), budget_planned, budget_used (the
    latest update's cumulative value, 0 when none), cause and adjustment (of the latest
    update), strategy_id, milestone_id, action_id.
    """
    updates = updates_by_action(doc)
    rows = []
    for s, m, a in ordered_actions(doc):
        mine = [u for u in updates.get(a.id, []) if u.date <= as_of]
        last = latest_update(mine)
        status = last.status if last else "not started"
        completed_on = _completed_on(mine) if status == "complete" else None
        on_time, behind = _classify(status, completed_on, a.due, as_of)
        rows.append({
            "strategy": title_of(s, NO_STRATEGY), "milestone": title_of(m, NO_MILESTONE),
            "action": a.title, "owner": a.owner, "start": a.start, "due": a.due,
            "status": status, "status_date": last.date if last else None,
            "completed_on": completed_on, "complete": status == "complete",
            "on_time": on_time, "behind": behind,
            "output_delivered": any(u.output_delivered for u in mine),
            "outputs": a.outputs, "budget_planned": float(a.budget),
            "budget_used": float(last.budget_used) if last else 0.0,
            "cause": last.cause if last else "", "adjustment": last.adjustment if last else "",
            "strategy_id": s.id if s else "", "milestone_id": a.milestone, "action_id": a.id,
        })
    out = _frame(rows, STATUS_COLUMNS)
    for col in ("complete", "on_time", "behind", "output_delivered"):
        out[col] = out[col].astype(bool)
    for col in ("budget_planned", "budget_used"):
        out[col] = out[col].astype("float64")
    return out


# --- the quarterly report ---------------------------------------------------------------


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else float("nan")


def _cause_text(cause: str, adjustment: str) -> str:
    if cause and adjustment:
        return f"{cause} (adjustment: {adjustment})"
    return cause or (f"adjustment: {adjustment}" if adjustment else "")


def _action_counts(actions: pd.DataFrame) -> dict:
    n = len(actions)
    done = int(actions["complete"].sum())
    on_time = int(actions["on_time"].sum())
    behind = int(actions["behind"].sum())
    delivered = actions[actions["output_delivered"]]
    return {
        "actions": n, "actions_completed": done, "actions_completed_pct": _pct(done, n),
        "actions_on_time": on_time, "actions_on_time_pct": _pct(on_time, n),
        "actions_behind": behind, "actions_behind_pct": _pct(behind, n),
        "outputs_completed": len(delivered),
        "outputs_list": "; ".join(o or a for o, a in
                                  zip(delivered["outputs"], delivered["action"], strict=True)),
        "budget_planned": float(actions["budget_planned"].sum()),
        "budget_used": float(actions["budget_used"].sum()),
    }


CAUSE_COLUMNS = ["date", "strategy", "milestone", "action", "cause", "adjustment",
                 "strategy_id", "milestone_id", "action_id"]


def _causes(doc: PlanDocument, scope: list[tuple[Strategy | None, Milestone | None, Action]],
            start: dt.date, end: dt.date) -> pd.DataFrame:
    """Causes and adjustments recorded between start and end (status updates and
    Adjustment records), oldest first."""
    rows = []
    where = {a.id: (s, m, a) for s, m, a in scope}
    for u in doc.of(StatusUpdate):
        assert isinstance(u, StatusUpdate)
        if u.action in where and start <= u.date <= end and (u.cause or u.adjustment):
            s, m, a = where[u.action]
            rows.append({"date": u.date, "strategy": title_of(s, NO_STRATEGY),
                         "milestone": title_of(m, NO_MILESTONE), "action": a.title,
                         "cause": u.cause, "adjustment": u.adjustment,
                         "strategy_id": s.id if s else "", "milestone_id": a.milestone,
                         "action_id": a.id})
    for adj in doc.of(Adjustment):
        assert isinstance(adj, Adjustment)
        if not start <= adj.date <= end:
            continue
        target = doc.get(adj.target) if adj.target else None
        a = target if isinstance(target, Action) else None
        m = target if isinstance(target, Milestone) else doc.get(a.milestone) if a else None
        s = (target if isinstance(target, Strategy)
             else doc.get(m.strategy) if isinstance(m, Milestone) else None)
        other = target is not None and not isinstance(target, Action | Milestone | Strategy)
        rows.append({"date": adj.date,
                     "strategy": s.title if isinstance(s, Strategy) else "",
                     "milestone": m.title if isinstance(m, Milestone) else "",
                     "action": a.title if a else target.label() if other else "",
                     "cause": adj.reason, "adjustment": adj.change,
                     "strategy_id": s.id if isinstance(s, Strategy) else "",
                     "milestone_id": m.id if isinstance(m, Milestone) else "",
                     "action_id": a.id if a else ""})
    out = _frame(rows, CAUSE_COLUMNS)
    return out.sort_values("date", kind="stable").reset_index(drop=True) if rows else out


def _joined(causes: pd.DataFrame) -> str:
    return "; ".join(_cause_text(c, a) for c, a in
                     zip(causes["cause"], causes["adjustment"], strict=True))


MILESTONE_COLUMNS = ["strategy", "milestone", "plan_year", "due", "complete", "behind",
                     "actions", "actions_completed", "actions_completed_pct", "actions_on_time",
                     "actions_on_time_pct", "actions_behind", "actions_behind_pct",
                     "outputs_completed", "outputs_list", "budget_planned", "budget_used",
                     "causes_adjustments", "strategy_id", "milestone_id"]
STRATEGY_COLUMNS = ["strategy", "milestones", "milestones_completed", "milestones_completed_pct",
                    "milestones_behind", "actions", "actions_completed", "actions_completed_pct",
                    "actions_on_time", "actions_on_time_pct", "actions_behind",
                    "actions_behind_pct", "outputs_completed", "budget_planned", "budget_used",
                    "causes_adjustments", "strategy_id"]
PERFORMANCE_COLUMNS = ["level", "parent", "indicator", "student_group", "higher_is_better",
                       "baseline", "baseline_year", "plan_year", "target", "latest_result",
                       "result_year", "on_track", "measure_id"]
SUPPORT_COLUMNS = ["need", "provider", "provided", "how_used", "effectiveness",
                   "effectiveness_label"]
PERIOD_COLUMNS = ["plan_year", "quarter", "start", "end", "as_of"]


def _milestone_complete(doc: PlanDocument, m: Milestone, actions: pd.DataFrame,
                        as_of: dt.date) -> bool:
    reviews = sorted((r for r in doc.of(MilestoneReview)
                      if isinstance(r, MilestoneReview) and r.milestone == m.id
                      and r.date <= as_of), key=lambda r: r.date)
    if reviews and reviews[-1].complete:
        return True
    return len(actions) > 0 and bool(actions["complete"].all())


def _performance(doc: PlanDocument, plan_year: int) -> pd.DataFrame:
    results: dict[str, list[Result]] = {}
    for r in doc.of(Result):
        assert isinstance(r, Result)
        if r.plan_year <= plan_year:
            results.setdefault(r.measure, []).append(r)
    rows = []
    for m in doc.of(Measure):
        assert isinstance(m, Measure)
        parent = doc.get(m.parent)
        mine = sorted(results.get(m.id, []), key=lambda r: r.plan_year)
        last = mine[-1] if mine else None
        target = m.targets.get(plan_year)
        compare = m.targets.get(last.plan_year, target) if last else None
        on_track = None
        if last is not None and compare is not None:
            on_track = last.value >= compare if m.higher_is_better else last.value <= compare
        rows.append({
            "level": parent.kind if parent is not None else "",
            "parent": getattr(parent, "title", "") if parent is not None else "",
            "indicator": m.indicator, "student_group": m.student_group,
            "higher_is_better": m.higher_is_better, "baseline": m.baseline,
            "baseline_year": m.baseline_year, "plan_year": plan_year, "target": target,
            "latest_result": last.value if last else None,
            "result_year": last.plan_year if last else None,
            "on_track": on_track, "measure_id": m.id,
        })
    out = _frame(rows, PERFORMANCE_COLUMNS)
    for col in ("baseline", "target", "latest_result"):
        out[col] = pd.to_numeric(out[col]).astype("float64")
    for col in ("baseline_year", "result_year", "plan_year"):
        out[col] = pd.to_numeric(out[col]).astype("Int64")
    out["on_track"] = out["on_track"].astype("boolean")
    return out


def _supports(doc: PlanDocument) -> pd.DataFrame:
    rows = [{"need": s.need, "provider": s.provider, "provided": s.provided,
             "how_used": s.how_used, "effectiveness": s.effectiveness,
             "effectiveness_label": EFFECTIVENESS.get(s.effectiveness, "")
             if s.effectiveness else ""}
            for s in doc.of(Support) if isinstance(s, Support)]
    out = _frame(rows, SUPPORT_COLUMNS)
    out["provided"] = out["provided"].astype(bool)
    out["effectiveness"] = pd.to_numeric(out["effectiveness"]).astype("Int64")
    return out


def quarterly_tables(doc: PlanDocument, plan_start: dt.date, quarter: int,
                     plan_year: int = 1, as_of: dt.date | None = None
                     ) -> dict[str, pd.DataFrame]:
    """The Tool A reporting tables for one quarter of one plan year.

    Figures are as of `as_of` (default: the quarter's last day; pass today for a quarter in
    progress). Only milestones of `plan_year` (Milestone.plan_year) and their actions are
    counted, plus actions whose milestone is missing. Returns, by key:

    * ``period``: one row: plan_year, quarter, start, end, as_of.
    * ``strategies``: per strategy (plan order; "(no strategy)" for orphans): milestones,
      milestones_completed (+ _pct), milestones_behind, actions, actions_completed,
      actions_on_time, actions_behind (each + _pct), outputs_completed, budget_planned,
      budget_used, causes_adjustments (text).
    * ``milestones``: per milestone: complete, behind and the same action figures, plus
      outputs_list (the delivered actions' outputs, or their titles).
    * ``actions``: `latest_status` rows for the actions counted.
    * ``causes``: causes and adjustments recorded during the quarter (status updates and
      Adjustment records): date, strategy, milestone, action, cause, adjustment.
    * ``performance``: every measure: baseline, target (for `plan_year`), latest_result (the
      Result of the latest plan year up to `plan_year`), result_year, on_track (the result
      against the target of the result's own year, falling back to the plan year's target,
      respecting higher_is_better; <NA> when there is no result or target).
    * ``supports``: need, provider, provided, how_used, effectiveness (1-4) and its words.
    """
    start, end = quarter_bounds(plan_start, quarter, plan_year)
    as_of = as_of or end
    year_ms = {m.id for _s, m in ordered_milestones(doc) if m.plan_year == plan_year}
    known_ms = {m.id for _s, m in ordered_milestones(doc)}
    scope = [(s, m, a) for s, m, a in ordered_actions(doc)
             if a.milestone in year_ms or a.milestone not in known_ms]
    in_scope = {a.id for _s, _m, a in scope}
    actions = latest_status(doc, as_of)
    actions = actions[actions["action_id"].isin(in_scope)].reset_index(drop=True)
    causes = _causes(doc, scope, start, min(end, as_of))

    ms_rows = []
    for s, m in ordered_milestones(doc):
        if m.id not in year_ms:
            continue
        mine = actions[actions["milestone_id"] == m.id]
        complete = _milestone_complete(doc, m, mine, as_of)
        behind = not complete and ((m.due is not None and m.due < as_of)
                                   or bool(mine["behind"].any()))
        ms_rows.append({"strategy": title_of(s, NO_STRATEGY), "milestone": m.title,
                        "plan_year": m.plan_year, "due": m.due, "complete": complete,
                        "behind": behind, **_action_counts(mine),
                        "causes_adjustments": _joined(causes[causes["milestone_id"] == m.id]),
                        "strategy_id": s.id if s else "", "milestone_id": m.id})
    milestones = _frame(ms_rows, MILESTONE_COLUMNS)
    for col in ("complete", "behind"):
        milestones[col] = milestones[col].astype(bool)

    st_rows = []
    groups = [(s.id, s.title) for s in doc.of(Strategy)]  # type: ignore[attr-defined]
    if (actions["strategy_id"] == "").any() or (milestones["strategy_id"] == "").any():
        groups.append(("", NO_STRATEGY))
    for sid, title in groups:
        ms = milestones[milestones["strategy_id"] == sid]
        mine = actions[actions["strategy_id"] == sid]
        n_ms, done_ms = len(ms), int(ms["complete"].sum())
        counts = _action_counts(mine)
        del counts["outputs_list"]
        st_rows.append({"strategy": title, "milestones": n_ms, "milestones_completed": done_ms,
                        "milestones_completed_pct": _pct(done_ms, n_ms),
                        "milestones_behind": int(ms["behind"].sum()), **counts,
                        "causes_adjustments": _joined(causes[causes["strategy_id"] == sid]),
                        "strategy_id": sid})
    strategies = _frame(st_rows, STRATEGY_COLUMNS)

    for frame in (milestones, strategies):
        for col in frame.columns:
            if col.endswith("_pct") or col.startswith("budget_"):
                frame[col] = frame[col].astype("float64")
    period = _frame([{"plan_year": plan_year, "quarter": quarter, "start": start, "end": end,
                      "as_of": as_of}], PERIOD_COLUMNS)
    return {"period": period, "strategies": strategies, "milestones": milestones,
            "actions": actions, "causes": causes, "performance": _performance(doc, plan_year),
            "supports": _supports(doc)}


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def summary_sentence(tables: dict[str, pd.DataFrame]) -> str:
    """One plain-language sentence from the quarterly tables.

    E.g. "3 of 4 milestones on track; 2 actions behind; math measure behind target." A
    milestone is on track when it is not behind (complete ones count). Measures are named
    by indicator; measures with no result yet are not judged.
    """
    milestones = tables.get("milestones", pd.DataFrame(columns=MILESTONE_COLUMNS))
    actions = tables.get("actions", pd.DataFrame(columns=STATUS_COLUMNS))
    performance = tables.get("performance", pd.DataFrame(columns=PERFORMANCE_COLUMNS))
    parts = []
    n_ms = len(milestones)
    if n_ms:
        ok = n_ms - int(milestones["behind"].astype(bool).sum())
        parts.append(f"{ok} of {n_ms} {_plural(n_ms, 'milestone')} on track")
    if len(actions):
        behind = int(actions["behind"].astype(bool).sum())
        parts.append(f"{behind or 'no'} {_plural(behind, 'action')} behind")
    else:
        parts.append("no actions yet")
    if len(performance):
        judged = performance[performance["on_track"].notna()]
        late = judged[~judged["on_track"].astype(bool)]
        names = list(dict.fromkeys(late["indicator"]))
        if len(late) == 1:
            parts.append(f"{names[0]} measure behind target")
        elif len(late) > 1:
            parts.append(f"{len(late)} measures behind target ({', '.join(names)})")
        elif len(judged):
            parts.append(f"{len(judged)} of {len(performance)} "
                         f"{_plural(len(performance), 'measure')} on target")
        else:
            parts.append("no measure results yet")
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


# --- charts -----------------------------------------------------------------------------

OVER_TIME_COLUMNS = ["month", "status", "actions", "order"]


def status_over_time(doc: PlanDocument) -> pd.DataFrame:
    """Number of actions in each status at the end of each month.

    Months run from the first to the last month with a status update; each action counts
    once per month with its status as of the month's last day ("not started" before its
    first update). Columns: month ("YYYY-MM"), status, actions, order (status position in
    STATUSES, for stacking). Zero counts are left out.
    """
    updates = updates_by_action(doc)
    dates = [u.date for items in updates.values() for u in items]
    if not dates:
        return _frame([], OVER_TIME_COLUMNS).astype({"actions": "int64", "order": "int64"})
    first, last = min(dates).replace(day=1), max(dates).replace(day=1)
    action_ids = [a.id for _s, _m, a in ordered_actions(doc)]
    rows = []
    month = first
    while month <= last:
        month_end = add_months(month, 1) - dt.timedelta(days=1)
        counts = dict.fromkeys(STATUSES, 0)
        for aid in action_ids:
            u = latest_update(updates.get(aid, []), month_end)
            counts[u.status if u else "not started"] += 1
        rows += [{"month": month.strftime("%Y-%m"), "status": status, "actions": n,
                  "order": STATUSES.index(status)} for status, n in counts.items() if n]
        month = add_months(month, 1)
    return _frame(rows, OVER_TIME_COLUMNS)


PROGRESS_COLUMNS = ["measure", "point", "value", "status", "row"]


def progress_data(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The performance table in long form for `progress_chart`.

    Columns: measure (indicator, student group unless ALL, and level/parent), point
    ("baseline", "target", "latest result"), value, status ("on track", "behind target",
    "no result yet"), row (measure and status, the chart's row label). Missing values are
    left out.
    """
    perf = tables.get("performance", pd.DataFrame(columns=PERFORMANCE_COLUMNS))
    rows = []
    for _, r in perf.iterrows():
        group = "" if r["student_group"] in ("", "ALL") else f", {r['student_group']}"
        label = f"{r['indicator']}{group} ({r['level']}: {r['parent']})"
        on_track = r["on_track"]
        status = ("no result yet" if pd.isna(on_track)
                  else "on track" if on_track else "behind target")
        for point, col in (("baseline", "baseline"), ("target", "target"),
                           ("latest result", "latest_result")):
            if pd.notna(r[col]):
                rows.append({"measure": label, "point": point, "value": float(r[col]),
                             "status": status, "row": f"{label}: {status}"})
    return _frame(rows, PROGRESS_COLUMNS)


