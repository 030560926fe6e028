"""Tool A's quarterly report: for one quarter of a plan year, the strategies, milestones and
actions on time or behind, why (causes and adjustments), the measures against their targets
and the supports, as workbook 04 and the Excel export both show them."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from workbook.direction.model import Measure
from workbook.plan.model import Action, Milestone, Strategy
from workbook.plan.tables import (
    NO_MILESTONE,
    NO_STRATEGY,
    frame_of,
    ordered_actions,
    ordered_milestones,
    title_of,
)
from workbook.progress.model import (
    EFFECTIVENESS,
    Adjustment,
    MilestoneReview,
    Result,
    StatusUpdate,
    Support,
)
from workbook.progress.tables import STATUS_COLUMNS, latest_status, quarter_bounds
from workbook.records.base import Record
from workbook.records.document import PlanDocument


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
        act = target if isinstance(target, Action) else None
        ms: Record | None = (target if isinstance(target, Milestone)
                             else doc.get(act.milestone) if act else None)
        st: Record | None = (target if isinstance(target, Strategy)
                             else doc.get(ms.strategy) if isinstance(ms, Milestone) else None)
        other = (target if not isinstance(target, Action | Milestone | Strategy)
                 else None)
        rows.append({"date": adj.date,
                     "strategy": st.title if isinstance(st, Strategy) else "",
                     "milestone": ms.title if isinstance(ms, Milestone) else "",
                     "action": (act.title if act else other.label() if other is not None
                                else ""),
                     "cause": adj.reason, "adjustment": adj.change,
                     "strategy_id": st.id if isinstance(st, Strategy) else "",
                     "milestone_id": ms.id if isinstance(ms, Milestone) else "",
                     "action_id": act.id if act else ""})
    out = frame_of(rows, CAUSE_COLUMNS)
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
                       "result_year", "on_track", "explanation", "result_source",
                       "measure_id"]


SUPPORT_COLUMNS = ["need", "support_type", "provider", "priority", "strategy", "needed",
                   "requested", "provided_on", "provided", "how_used", "effectiveness",
                   "effectiveness_label", "evidence", "support_id"]


ADJUSTMENT_COLUMNS = ["date", "adjusted", "change", "reason", "told", "told_on",
                      "adjustment_id"]


PERIOD_COLUMNS = ["plan_year", "quarter", "start", "end", "as_of"]


def milestone_complete(doc: PlanDocument, m: Milestone, actions: pd.DataFrame,
                       as_of: dt.date) -> bool:
    """Whether milestone `m` is complete on `as_of`: its latest MilestoneReview on or before
    then says so, or it has actions (`actions`: its `latest_status` rows) all complete."""
    reviews = sorted((r for r in doc.of(MilestoneReview)
                      if isinstance(r, MilestoneReview) and r.milestone == m.id
                      and r.date <= as_of), key=lambda r: r.date)
    if reviews and reviews[-1].complete:
        return True
    return len(actions) > 0 and bool(actions["complete"].all())


_milestone_complete = milestone_complete  # the old private name, kept for callers not yet moved


def performance_rows(doc: PlanDocument, plan_year: int) -> list[dict]:
    """The rows of the ``performance`` table (see `quarterly_tables`), as dicts, so a
    region's many plans can be gathered into one frame (`workbook.network`)."""
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
            "on_track": on_track,
            "explanation": last.explanation if last else "",
            "result_source": (f"{last.source}: {last.source_note}" if last and last.source_note
                              else last.source if last else ""),
            "measure_id": m.id,
        })
    return rows


def performance_frame(rows: list[dict]) -> pd.DataFrame:
    """`performance_rows` (of one plan or several) as the typed performance table."""
    out = frame_of(rows, PERFORMANCE_COLUMNS)
    for col in ("baseline", "target", "latest_result"):
        out[col] = pd.to_numeric(out[col]).astype("float64")
    for col in ("baseline_year", "result_year", "plan_year"):
        out[col] = pd.to_numeric(out[col]).astype("Int64")
    out["on_track"] = out["on_track"].astype("boolean")
    return out


def _performance(doc: PlanDocument, plan_year: int) -> pd.DataFrame:
    return performance_frame(performance_rows(doc, plan_year))


def _title(doc: PlanDocument, record_id: str) -> str:
    r = doc.get(record_id) if record_id else None
    if r is None:
        return ""
    return str(getattr(r, "title", "") or r.label())


def supports_table(doc: PlanDocument, as_of: dt.date | None = None) -> pd.DataFrame:
    """Every support (Tool A's supports table and more): need, support_type, provider, the
    priority and strategy it serves (titles), needed / requested / provided_on dates,
    provided, how_used, effectiveness (1-4), effectiveness_label (the score in words),
    evidence (what the score rests on), support_id. Ordered by the first date known
    (needed, requested, provided), undated last. With `as_of`, supports first needed,
    requested or provided after it are left out (a report as of a date shows what was
    known then)."""
    rows = []
    for s in doc.of(Support):
        assert isinstance(s, Support)
        dates = [d for d in (s.needed, s.requested, s.provided_on) if d is not None]
        if as_of is not None and dates and min(dates) > as_of:
            continue
        provided = s.provided and (as_of is None or s.provided_on is None
                                   or s.provided_on <= as_of)
        rows.append({"need": s.need, "support_type": s.support_type or "",
                     "provider": s.provider, "priority": _title(doc, s.priority),
                     "strategy": _title(doc, s.strategy), "needed": s.needed,
                     "requested": s.requested, "provided_on": s.provided_on if provided
                     else None, "provided": provided, "how_used": s.how_used,
                     "effectiveness": s.effectiveness,
                     "effectiveness_label": EFFECTIVENESS.get(s.effectiveness or 0, ""),
                     "evidence": s.evidence, "support_id": s.id,
                     "_order": min(dates) if dates else dt.date.max})
    out = frame_of(rows, [*SUPPORT_COLUMNS, "_order"])
    out = out.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)
    out["provided"] = out["provided"].astype(bool)
    out["effectiveness"] = pd.to_numeric(out["effectiveness"]).astype("Int64")
    return out


def _supports(doc: PlanDocument) -> pd.DataFrame:
    return supports_table(doc)


def adjustments_table(doc: PlanDocument, start: dt.date | None = None,
                      end: dt.date | None = None) -> pd.DataFrame:
    """Adjustments to the plan dated start..end (either open), oldest first: date, adjusted
    (the record's title, "the whole plan" when it names none), change, reason, told (who
    was told), told_on, adjustment_id."""
    rows = []
    for a in doc.of(Adjustment):
        assert isinstance(a, Adjustment)
        if (start and a.date < start) or (end and a.date > end):
            continue
        rows.append({"date": a.date,
                     "adjusted": _title(doc, a.target) or ("the whole plan" if not a.target
                                                           else "a removed record"),
                     "change": a.change, "reason": a.reason, "told": a.told,
                     "told_on": a.told_on, "adjustment_id": a.id})
    out = frame_of(rows, ADJUSTMENT_COLUMNS)
    return out.sort_values("date", kind="stable").reset_index(drop=True) if rows else out


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
    * ``supports``: `supports_table` as of `as_of` (type, provider, linked priority and
      strategy, needed / requested / provided dates, effectiveness, its words, evidence).
    * ``adjustments``: `adjustments_table` for the plan year up to `as_of` (what changed,
      why, who was told and when).
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
        complete = milestone_complete(doc, m, mine, as_of)
        behind = not complete and ((m.due is not None and m.due < as_of)
                                   or bool(mine["behind"].any()))
        ms_rows.append({"strategy": title_of(s, NO_STRATEGY), "milestone": m.title,
                        "plan_year": m.plan_year, "due": m.due, "complete": complete,
                        "behind": behind, **_action_counts(mine),
                        "causes_adjustments": _joined(causes[causes["milestone_id"] == m.id]),
                        "strategy_id": s.id if s else "", "milestone_id": m.id})
    milestones = frame_of(ms_rows, MILESTONE_COLUMNS)
    for col in ("complete", "behind"):
        milestones[col] = milestones[col].astype(bool)

    st_rows = []
    groups = [(s.id, s.title) for s in doc.of(Strategy)]
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
    strategies = frame_of(st_rows, STRATEGY_COLUMNS)

    for frame in (milestones, strategies):
        for col in frame.columns:
            if col.endswith("_pct") or col.startswith("budget_"):
                frame[col] = frame[col].astype("float64")
    period = frame_of([{"plan_year": plan_year, "quarter": quarter, "start": start, "end": end,
                      "as_of": as_of}], PERIOD_COLUMNS)
    year_start = quarter_bounds(plan_start, 1, plan_year)[0]
    return {"period": period, "strategies": strategies, "milestones": milestones,
            "actions": actions, "causes": causes, "performance": _performance(doc, plan_year),
            "supports": supports_table(doc, as_of),
            "adjustments": adjustments_table(doc, year_start, as_of)}


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
    return frame_of(rows, PROGRESS_COLUMNS)
