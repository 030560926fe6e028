"""The network view's roll-ups: a region's districts side by side, by Four Domains practice.

Because every plan codes its strategies and causes to the same twelve practices (1a-4c), a
county office, ESD or state can lay implementation and outcome data side by side and send
the right support to the right district (seed 004, the Strategic Performance Network).

Pure functions of a `workbook.network.model.Network`; nothing is read or displayed. The
rules are the stages' own, called, never rewritten: an action's status, on time and behind
(`workbook.progress.tables`), a milestone's completion and a measure's progress against its
target (`workbook.progress.quarterly`), the district snapshot (`workbook.needs.tables`),
recurring causes (`workbook.rootcause.tables.recurring_causes`) and California's levels of
support (`workbook.identification`).

`network_tables` builds every table once, in one pass over the region's plans, so 2,000
districts take seconds (benchmarks/network.py).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any, cast

import numpy as np
import pandas as pd

from workbook import catalogue
from workbook.direction.model import Measure
from workbook.errors import WorkbookError
from workbook.network.model import Network, Provider, ProvidersFile
from workbook.plan.model import Action, Milestone, Strategy
from workbook.plan.tables import frame_of, latest_update, updates_by_action
from workbook.progress import quarterly
from workbook.progress import tables as progress
from workbook.progress.model import Comment, Support
from workbook.records.document import PlanDocument
from workbook.rootcause.model import Cause
from workbook.rootcause.tables import recurring_causes

DOMAIN_COLUMNS = {d: f"{d}. {catalogue.domain(d).name}" for d in (1, 2, 3, 4)}
#: A coaching comment open longer than this many days is a reason for attention.
STALE_COMMENT_DAYS = 30
#: Districts are flagged when at least this share of their actions is behind (percent).
BEHIND_FLAG_PCT = 25.0


def _pct(part: float, whole: float) -> float:
    return round(100 * part / whole, 1) if whole else float("nan")


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else many or word + 's'}"


def _plan_year(doc: PlanDocument, as_of: dt.date) -> int:
    org = doc.organisation
    start = org.plan_start if org is not None and org.plan_start else None
    return progress.quarter_of(start, as_of)[0] if start else 1


# --------------------------------------------------------------------------- 1. coding

CODE_COLUMNS = ["district_id", "district", "domain", "practice", "practice_name", "strategies",
                "causes"]


def practice_codes(net: Network) -> pd.DataFrame:
    """How many strategies and causes each district codes to each practice (long form).

    One row per district and practice that the district's strategies or causes use
    (uncoded ones are left out). Columns: district_id, district, domain (1-4), practice,
    practice_name, strategies, causes.
    """
    rows = []
    for d in net.district_ids:
        doc = net.docs[d]
        counts: dict[str, list[int]] = {}
        for s in doc.of(Strategy):
            if s.practice:
                counts.setdefault(s.practice, [0, 0])[0] += 1
        for c in doc.of(Cause):
            if c.practice:
                counts.setdefault(c.practice, [0, 0])[1] += 1
        for code in sorted(counts):
            rows.append({"district_id": d, "district": net.names.get(d, d),
                         "domain": int(code[0]), "practice": code,
                         "practice_name": catalogue.practice(code).name,
                         "strategies": counts[code][0], "causes": counts[code][1]})
    out = frame_of(rows, CODE_COLUMNS)
    return out.astype({"domain": "int64", "strategies": "int64", "causes": "int64"})


def _codes_text(items: list[tuple[str, int]]) -> str:
    return ", ".join(p if n == 1 else f"{p} ×{n}" for p, n in items if n > 0)


def strategy_matrix(codes: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Districts x the four domains: each district's strategy practice codes per domain
    ("2a ×2, 2b"), then its causes coded the same way. Every district in `names` has a
    row (empty cells: nothing coded there)."""
    cols = ["district_id", "district", *DOMAIN_COLUMNS.values(),
            *(f"causes {d}" for d in DOMAIN_COLUMNS), "strategies", "causes"]
    by: dict[str, list[tuple[int, str, int, int]]] = {}
    for d, dom, p, s, c in zip(codes["district_id"], codes["domain"], codes["practice"],
                               codes["strategies"], codes["causes"], strict=True):
        by.setdefault(d, []).append((int(dom), p, int(s), int(c)))
    rows = []
    for d in sorted(names):
        part = sorted(by.get(d, []), key=lambda t: t[1])
        row: dict[str, Any] = {"district_id": d, "district": names[d]}
        for dom, col in DOMAIN_COLUMNS.items():
            row[col] = _codes_text([(p, s) for x, p, s, _c in part if x == dom])
            row[f"causes {dom}"] = _codes_text([(p, c) for x, p, _s, c in part if x == dom])
        row["strategies"] = sum(t[2] for t in part)
        row["causes"] = sum(t[3] for t in part)
        rows.append(row)
    return frame_of(rows, cols)


SHARED_COLUMNS = ["practice", "practice_name", "domain", "districts_with_strategies",
                  "strategies", "districts_with_causes", "causes", "causes_without_strategy",
                  "strategy_district_ids", "cause_district_ids"]


def shared_practices(codes: pd.DataFrame) -> pd.DataFrame:
    """Which practices many districts share: all twelve practices, with how many districts
    code strategies and causes to each, and which. `causes_without_strategy` counts the
    districts that trace a cause to the practice but have no strategy on it. Most shared
    first (then catalogue order)."""
    rows = []
    for i, p in enumerate(catalogue.practices()):
        mine = codes[codes["practice"] == p.code]
        s_ids = sorted(mine.loc[mine["strategies"] > 0, "district_id"])
        c_ids = sorted(mine.loc[mine["causes"] > 0, "district_id"])
        rows.append({"practice": p.code, "practice_name": p.name, "domain": p.domain,
                     "districts_with_strategies": len(s_ids),
                     "strategies": int(mine["strategies"].sum()),
                     "districts_with_causes": len(c_ids), "causes": int(mine["causes"].sum()),
                     "causes_without_strategy": len(set(c_ids) - set(s_ids)),
                     "strategy_district_ids": ", ".join(s_ids),
                     "cause_district_ids": ", ".join(c_ids), "_order": i})
    out = pd.DataFrame(rows).sort_values(
        ["districts_with_strategies", "districts_with_causes", "_order"],
        ascending=[False, False, True], kind="stable")
    return out[SHARED_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- 2. implementation

ACTION_COLUMNS = ["district_id", "strategy_id", "practice", "milestone_id", "action_id", "due",
                  "status", "complete", "on_time", "behind", "budget_planned", "budget_used"]


def action_rows(docs: Mapping[str, PlanDocument], as_of: dt.date) -> pd.DataFrame:
    """Every action of every district as it stood on `as_of`, by `workbook.progress`'s
    rules (status = latest update on or before the day; on time and behind as in
    `progress.RULES`; budget used = the latest cumulative amount). Columns: district_id,
    strategy_id, practice (of its strategy, "" when uncoded), milestone_id, action_id, due,
    status, complete, on_time, behind, budget_planned, budget_used."""
    rows = []
    for d in sorted(docs):
        doc = docs[d]
        strategies = {s.id: s for s in doc.of(Strategy)}
        milestones = {m.id: m for m in doc.of(Milestone)}
        updates = updates_by_action(doc)
        for a in doc.of(Action):
            mine = [u for u in updates.get(a.id, []) if u.date <= as_of]
            last = latest_update(mine)
            status = last.status if last else "not started"
            done_on = progress.completed_on(mine) if status == "complete" else None
            on_time, behind = progress.classify(status, done_on, a.due, as_of)
            m = milestones.get(a.milestone)
            s = strategies.get(m.strategy) if m is not None else None
            rows.append({"district_id": d, "strategy_id": s.id if s else "",
                         "practice": (s.practice or "") if s else "",
                         "milestone_id": a.milestone, "action_id": a.id, "due": a.due,
                         "status": status, "complete": status == "complete",
                         "on_time": on_time, "behind": behind,
                         "budget_planned": float(a.budget),
                         "budget_used": float(last.budget_used) if last else 0.0})
    out = frame_of(rows, ACTION_COLUMNS)
    return out.astype({"complete": bool, "on_time": bool, "behind": bool,
                       "budget_planned": "float64", "budget_used": "float64"})


class _Flags:
    """A milestone's actions as `progress.quarterly.milestone_complete` reads them
    (`len` and the `complete` column), without building a DataFrame per milestone: the
    rule is called, not rewritten, and 12,000 milestones take milliseconds."""

    def __init__(self, flags: list[tuple[bool, bool]]):
        self._complete = np.array([f[0] for f in flags], dtype=bool)

    def __len__(self) -> int:
        return len(self._complete)

    def __getitem__(self, column: str) -> np.ndarray:
        if column != "complete":
            raise KeyError(column)
        return self._complete


MILESTONE_COLUMNS = ["district_id", "strategy_id", "practice", "milestone_id", "plan_year",
                     "due", "complete", "behind"]


def milestone_rows(docs: Mapping[str, PlanDocument], actions: pd.DataFrame,
                   as_of: dt.date) -> pd.DataFrame:
    """Every milestone of every district on `as_of`: complete and behind by the quarterly
    report's rule (its latest review says complete, or all its actions are; an incomplete
    milestone is behind when due or when any of its actions is behind)."""
    flags: dict[tuple[str, str], list[tuple[bool, bool]]] = {}
    for d, ms, done, late in zip(actions["district_id"], actions["milestone_id"],
                                 actions["complete"], actions["behind"], strict=True):
        flags.setdefault((d, ms), []).append((bool(done), bool(late)))
    rows = []
    for d in sorted(docs):
        doc = docs[d]
        strategies = {s.id: s for s in doc.of(Strategy)}
        for m in doc.of(Milestone):
            mine = flags.get((d, m.id), [])
            complete = quarterly.milestone_complete(doc, m, cast(pd.DataFrame, _Flags(mine)),
                                                      as_of)
            behind = not complete and ((m.due is not None and m.due < as_of)
                                       or any(f[1] for f in mine))
            s = strategies.get(m.strategy)
            rows.append({"district_id": d, "strategy_id": m.strategy,
                         "practice": (s.practice or "") if s else "", "milestone_id": m.id,
                         "plan_year": m.plan_year, "due": m.due, "complete": complete,
                         "behind": behind})
    out = frame_of(rows, MILESTONE_COLUMNS)
    return out.astype({"complete": bool, "behind": bool})


MEASURE_COLUMNS = ["district_id", "district", "level", "parent", "indicator", "student_group",
                   "baseline", "plan_year", "target", "latest_result", "result_year",
                   "on_track", "measure_id"]


def measure_rows(net: Network) -> pd.DataFrame:
    """Each district's goal and strategy measures against the targets of its current plan
    year (the quarterly report's performance rows, `progress.quarterly.performance_rows`:
    latest result against its own year's target; <NA> when there is no result or target)."""
    rows, who = [], []
    for d in net.district_ids:
        doc = net.docs[d]
        mine = quarterly.performance_rows(doc, _plan_year(doc, net.as_of))
        rows += mine
        who += [d] * len(mine)
    out = quarterly.performance_frame(rows)
    out["district_id"] = pd.Series(who, dtype=object)
    out["district"] = out["district_id"].map(lambda d: net.names.get(d, d))
    return out[MEASURE_COLUMNS]


COMMENT_COLUMNS = ["district_id", "district", "on", "author", "created", "days_open", "text"]


def open_comments(net: Network) -> pd.DataFrame:
    """Coaching comments not yet resolved, longest open first: what they are on, who wrote
    them, when, and for how many days (to `net.as_of`)."""
    rows = []
    for d in net.district_ids:
        doc = net.docs[d]
        for c in doc.of(Comment):
            if c.resolved:
                continue
            target = doc.get(c.target)
            created = c.created.date()
            rows.append({"district_id": d, "district": net.names.get(d, d),
                         "on": target.label() if target is not None else f"record {c.target}",
                         "author": c.author, "created": created,
                         "days_open": max(0, (net.as_of - created).days), "text": c.text})
    out = frame_of(rows, COMMENT_COLUMNS).astype({"days_open": "int64"})
    return out.sort_values(["days_open", "district_id"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


BY_PRACTICE_COLUMNS = ["practice", "practice_name", "districts", "actions", "on_time", "behind",
                       "complete", "behind_pct", "milestones", "milestones_behind",
                       "budget_planned", "budget_used", "budget_used_pct"]


def implementation_by_practice(actions: pd.DataFrame, milestones: pd.DataFrame
                               ) -> pd.DataFrame:
    """Implementation rolled up by the practice of each action's strategy: districts,
    actions on time, behind and complete, milestones behind, budget planned and used.
    Practices no strategy uses are left out; uncoded strategies count under "" (named
    "not coded")."""
    rows = []
    codes = sorted(set(actions["practice"]) | set(milestones["practice"]),
                   key=lambda c: (c == "", c))
    for code in codes:
        a = actions[actions["practice"] == code]
        m = milestones[milestones["practice"] == code]
        planned, used = float(a["budget_planned"].sum()), float(a["budget_used"].sum())
        rows.append({"practice": code,
                     "practice_name": catalogue.practice(code).name if code else "not coded",
                     "districts": int(pd.concat([a["district_id"], m["district_id"]]).nunique()),
                     "actions": len(a), "on_time": int(a["on_time"].sum()),
                     "behind": int(a["behind"].sum()), "complete": int(a["complete"].sum()),
                     "behind_pct": _pct(int(a["behind"].sum()), len(a)),
                     "milestones": len(m), "milestones_behind": int(m["behind"].sum()),
                     "budget_planned": planned, "budget_used": used,
                     "budget_used_pct": _pct(used, planned)})
    return frame_of(rows, BY_PRACTICE_COLUMNS)


BY_DISTRICT_COLUMNS = ["district_id", "district", "plan_year", "actions", "on_time", "behind",
                       "complete", "behind_pct", "milestones", "milestones_behind",
                       "budget_planned", "budget_used", "budget_used_pct", "open_comments",
                       "oldest_comment_days", "measures", "measures_behind", "level",
                       "attention", "reason"]


def implementation_by_district(net: Network, actions: pd.DataFrame, milestones: pd.DataFrame,
                               comments: pd.DataFrame, measures: pd.DataFrame,
                               ident: pd.DataFrame) -> pd.DataFrame:
    """Every district's implementation, districts needing attention first, with the reason
    in words.

    `attention` adds up the reasons: the state's level of support (2 for level 2, 3 for
    level 3), actions behind (2 when half or more, 1 when a quarter or more), any milestone
    behind (1), any measure behind its target (1), a coaching comment open more than
    `STALE_COMMENT_DAYS` days (1), an Oregon corrective-action trigger raised (1). Ties:
    more actions behind first, then district id. A district with no plan yet says so.
    """
    def sums(frame: pd.DataFrame, cols: list[str]) -> dict[str, dict[str, float]]:
        if frame.empty:
            return {}
        g = frame.groupby("district_id")[cols].sum()
        g["_n"] = frame.groupby("district_id").size()
        return g.to_dict("index")

    acts = sums(actions, ["on_time", "behind", "complete", "budget_planned", "budget_used"])
    mss = sums(milestones, ["behind"])
    judged = measures[measures["on_track"].notna()]
    late = judged.assign(late=~judged["on_track"].astype(bool))
    meas = sums(measures.assign(late=False), ["late"])
    late_by = sums(late, ["late"])
    old = comments.groupby("district_id")["days_open"].agg(["size", "max"]).to_dict("index")
    levels = (dict(zip(ident["district_id"], ident["level"], strict=True))
              if len(ident) and "level" in ident.columns else {})
    triggers = (dict(zip(ident["district_id"], ident["triggers"], strict=True))
                if len(ident) and "triggers" in ident.columns else {})
    none = {"_n": 0, "on_time": 0, "behind": 0, "complete": 0, "budget_planned": 0.0,
            "budget_used": 0.0}
    rows = []
    for d in net.district_ids:
        a = acts.get(d, none)
        n, behind = int(a["_n"]), int(a["behind"])
        n_ms, ms_behind = int(mss.get(d, none)["_n"]), int(mss.get(d, none)["behind"])
        p_behind = int(late_by.get(d, {"late": 0})["late"])
        oldest = int(old[d]["max"]) if d in old else 0
        level = levels.get(d, pd.NA)
        planned, used = float(a["budget_planned"]), float(a["budget_used"])
        score, why = 0, []
        if not pd.isna(level) and int(level) >= 2:
            score += int(level)
            why.append(f"level {int(level)} of the state's support")
        if _raised(str(triggers.get(d, ""))):
            score += 1
            why.append(f"Oregon corrective-action trigger raised ({triggers[d]})")
        share = _pct(behind, n)
        if n and share >= 2 * BEHIND_FLAG_PCT:
            score += 2
        elif n and share >= BEHIND_FLAG_PCT:
            score += 1
        if behind:
            why.append(f"{behind} of {_plural(n, 'action')} behind")
        if ms_behind:
            score += 1
            why.append(f"{_plural(ms_behind, 'milestone')} behind")
        if p_behind:
            score += 1
            why.append(f"{_plural(p_behind, 'measure')} behind target")
        if oldest > STALE_COMMENT_DAYS:
            score += 1
            why.append(f"a coaching comment open {oldest} days")
        if not n and not n_ms:
            why.append("no plan actions recorded yet")
        rows.append({"district_id": d, "district": net.names.get(d, d),
                     "plan_year": _plan_year(net.docs[d], net.as_of), "actions": n,
                     "on_time": int(a["on_time"]), "behind": behind,
                     "complete": int(a["complete"]), "behind_pct": share,
                     "milestones": n_ms, "milestones_behind": ms_behind,
                     "budget_planned": planned, "budget_used": used,
                     "budget_used_pct": _pct(used, planned),
                     "open_comments": int(old[d]["size"]) if d in old else 0,
                     "oldest_comment_days": oldest,
                     "measures": int(meas.get(d, {"_n": 0})["_n"]),
                     "measures_behind": p_behind, "level": level, "attention": score,
                     "reason": ("; ".join(why) or "nothing flagged") + "."})
    out = frame_of(rows, BY_DISTRICT_COLUMNS)
    out["level"] = pd.to_numeric(out["level"]).astype("Int64")
    out["_b"] = out["behind_pct"].fillna(-1)
    out = out.sort_values(["attention", "_b", "district_id"], ascending=[False, False, True],
                          kind="stable")
    return out.drop(columns="_b").reset_index(drop=True)


# --------------------------------------------------------------------------- 3. outcomes

INDICATOR_COLUMNS = ["org_id", "org_name", "year", "indicator", "student_group",
                     "student_group_name", "n", "status", "change", "color", "color_name",
                     "not_reported"]


def snapshots(frame: pd.DataFrame, district_ids: Iterable[str], year: int) -> pd.DataFrame:
    """`needs.district_snapshot` for many districts at once, in one pass (the same columns,
    values and order per district, districts in id order; a district without rows that
    year is left out). tests/test_network.py proves it equal to `district_snapshot` for
    every sample district; a region of 2,000 districts takes a second, not two minutes."""
    from workbook.needs import tables as needs

    ids = sorted(set(district_ids))
    rows = frame[frame["org_level"].isin(["district", "school"]) & frame["org_id"].isin(ids)]
    rows = needs._all_grades(rows)
    rows = rows[rows["year"] == year]
    nr = needs._not_reported(rows)
    out = pd.DataFrame({
        "org_id": rows["org_id"], "org_name": rows["org_name"], "county": rows["county"],
        "year": rows["year"].astype("Int64"), "indicator": rows["indicator"],
        "indicator_name": rows["indicator"].map(needs.indicator_name),
        "higher_is_better": rows["indicator"].map(needs._higher_is_better).astype(bool),
        "student_group": rows["student_group"],
        "student_group_name": rows["student_group_name"].fillna(
            rows["student_group"].map(needs.group_name)),
        "n": needs._n(rows["denominator"]),
        "status": rows["status"].astype("Float64").where(~nr),
        "prior_status": rows["prior_status"].astype("Float64"),
        "change": rows["change"].astype("Float64").where(~nr),
        "status_level": rows["status_level"].astype("Int64").fillna(0),
        "change_level": rows["change_level"].astype("Int64").fillna(0),
        "color": rows["color"].astype("Int64").fillna(0).where(~nr, 0),
        "not_reported": nr, "status_text": rows["status_text"],
        "suppression": rows["suppression"],
    })
    out["color_name"] = [needs._color_name(c if c else None, r)
                         for c, r in zip(out["color"], out["not_reported"], strict=True)]
    out = out.assign(_i=out["indicator"].map(needs.indicator_rank),
                     _g=out["student_group"].map(needs._group_rank))
    out = out.sort_values(["org_id", "_i", "indicator", "_g", "student_group"], kind="stable")
    return out[needs.SNAPSHOT_COLUMNS].reset_index(drop=True)


def state_indicators(net: Network) -> pd.DataFrame:
    """Each district's state indicators by student group for `net.year` (its own rows, as
    `needs.district_snapshot` gives them), districts in id order. Show it through
    `report.blocks`, which suppresses small groups for stakeholders."""
    return snapshots(net.outcomes, net.district_ids, net.year)[INDICATOR_COLUMNS]


IDENT_COLUMNS = ["district_id", "district", "state", "level", "status", "groups", "summary"]
#: Oregon's identification columns (`workbook.identification.oregon.network_rows`, plus the
#: district's name, a "2 of 5 met" reading and a summary sentence; no California level).
OREGON_IDENT_COLUMNS = ["district_id", "district", "state", "growth_targets",
                        "growth_targets_met", "growth_targets_total", "growth_by_year",
                        "triggers", "tier", "tier_reason", "continuum_step", "summary"]
#: What `network_rows` returns (its documented columns).
OREGON_ROW_COLUMNS = ["district_id", "growth_targets_met", "growth_targets_total", "triggers",
                      "tier", "continuum_step"]


def identification_table(net: Network) -> pd.DataFrame:
    """Each district's identification by its state's rules: California's computed level of
    support (1-3), status in CDE's words, the student groups that met the criteria and the
    summary with its reasons; Oregon's growth targets met / not met, corrective-action
    triggers, partnership tier and continuum step from `net.oregon` (the Oregon stage's
    `network_rows`), else a row that says it is not computed yet."""
    if net.state == "OR":
        return _oregon_identification(net)
    rows = []
    ident = net.identification
    for d in net.district_ids:
        row: dict[str, Any] = {"district_id": d, "district": net.names.get(d, d),
                               "state": net.state, "level": pd.NA, "status": "",
                               "groups": "", "summary": ""}
        if ident is not None:
            lea = ident.lea(d)
            if lea is None:
                row["summary"] = f"Not computed: no {ident.year} Dashboard results."
            else:
                row.update(level=lea["level"], status=str(lea["status"] or ""),
                           groups=str(lea["groups"] or ""), summary=str(lea["summary"] or ""))
        else:
            row["summary"] = ("Not computed: the state's rules for this region are not "
                              "loaded yet.")
        rows.append(row)
    out = frame_of(rows, IDENT_COLUMNS)
    out["level"] = pd.to_numeric(out["level"]).astype("Int64")
    return out


def _text(value: Any) -> str:
    """A cell of the Oregon rows as text (a list of triggers joined; missing: "")."""
    if isinstance(value, (list, tuple, set)):
        return "; ".join(str(v) for v in value)
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _count(value: Any) -> Any:
    return pd.NA if value is None or pd.isna(value) else int(value)


def _oregon_identification(net: Network) -> pd.DataFrame:
    found = net.oregon
    by: dict[str, dict[str, Any]] = {}
    if found is not None and len(found):
        missing = [c for c in OREGON_ROW_COLUMNS if c not in found.columns]
        if missing:
            raise WorkbookError(f"Oregon's network rows lack the columns {missing}; "
                                f"found {list(found.columns)}")
        by = {str(r["district_id"]): r for r in found.to_dict("records")}
    rows = []
    for d in net.district_ids:
        row: dict[str, Any] = {"district_id": d, "district": net.names.get(d, d),
                               "state": net.state, "growth_targets": "",
                               "growth_targets_met": pd.NA, "growth_targets_total": pd.NA,
                               "growth_by_year": "", "triggers": "", "tier": "",
                               "tier_reason": "", "continuum_step": ""}
        o = by.get(d)
        if o is None:
            row["summary"] = ("Not computed: Oregon's growth targets, triggers and "
                              "partnership tier are not available for this district yet.")
            rows.append(row)
            continue
        met, total = _count(o["growth_targets_met"]), _count(o["growth_targets_total"])
        triggers, tier = _text(o["triggers"]), _text(o["tier"])
        step = _text(o["continuum_step"])
        targets = (f"{met} of {total} met" if not pd.isna(met) and not pd.isna(total) and total
                   else "no growth targets judged yet")
        row.update(growth_targets=targets, growth_targets_met=met, growth_targets_total=total,
                   growth_by_year=_text(o.get("growth_by_year")), triggers=triggers,
                   tier=tier, tier_reason=_text(o.get("tier_reason")), continuum_step=step)
        parts = [f"growth targets: {targets}",
                 f"corrective-action triggers raised: {triggers}" if _raised(triggers)
                 else "no corrective-action trigger raised",
                 f"partnership tier: {tier}" if tier else
                 "partnership tier: not computed (no CSI/TSI designation file given)"]
        if step:
            parts.append(f"continuum step: {step}")
        text = "; ".join(parts) + "."
        row["summary"] = text[0].upper() + text[1:]
        rows.append(row)
    out = frame_of(rows, OREGON_IDENT_COLUMNS)
    for col in ("growth_targets_met", "growth_targets_total"):
        out[col] = pd.to_numeric(out[col]).astype("Int64")
    return out


def _raised(triggers: str) -> bool:
    """Whether an Oregon `triggers` cell names a trigger raised ("" or "none": not)."""
    return bool(triggers.strip()) and triggers.strip().lower() not in ("none", "no", "-")


# --------------------------------------------------------------------------- 3b. state view

COUNTY_COLUMNS = ["county", "leas", "district_ids"]


def county_of(net: Network, district_id: str) -> str:
    """The county office a district belongs to: the county the outcomes name, else (in a
    California file without names) the county code, the first two digits of the CDS code."""
    county = str(net.counties.get(district_id, "") or "").strip()
    if county:
        return county
    if net.state == "CA" and len(district_id) == 14 and district_id.isdigit():
        return f"county code {district_id[:2]}"
    return "county not given"


def county_offices(net: Network, ident: pd.DataFrame) -> pd.DataFrame:
    """Appendix A by county office: each county's LEAs, and how many the state supports.

    California: LEAs at each level of support this year (computed), then, when the state's
    assistance lists are loaded, the LEAs identified in each year of the lists
    (`identification.tables.by_county` over `history`, the State Board item's Appendix A
    table, restricted to this region's LEAs). Oregon: LEAs by partnership tier and with a
    corrective-action trigger raised. Counties in name order; the LEAs behind each count in
    `district_ids`. Counts of LEAs, never of students.
    """
    by: dict[str, list[str]] = {}
    for d in net.district_ids:
        by.setdefault(county_of(net, d), []).append(d)
    rows: list[dict[str, Any]] = []
    levels = (dict(zip(ident["district_id"], ident["level"], strict=True))
              if "level" in ident.columns else {})
    for county in sorted(by):
        ids = by[county]
        row: dict[str, Any] = {"county": county, "leas": len(ids),
                               "district_ids": ", ".join(ids)}
        if net.state == "OR":
            mine = ident[ident["district_id"].isin(ids)]
            row["tier primary"] = int((mine["tier"] == "primary").sum())
            row["tier opportunity and innovation"] = int(
                (mine["tier"] == "opportunity and innovation").sum())
            row["triggers raised"] = int(sum(_raised(t) for t in mine["triggers"]))
        elif net.identification is not None:
            for lvl in (1, 2, 3):
                row[f"level {lvl} ({net.year})"] = sum(
                    1 for d in ids if not pd.isna(levels.get(d, pd.NA))
                    and int(levels[d]) == lvl)
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return frame_of([], COUNTY_COLUMNS)
    if net.lists is not None and net.state == "CA":
        from workbook.identification import tables as ident_tables

        hist = ident_tables.history(net.lists, net.identification)
        hist = hist[hist["org_id"].isin(net.district_ids)].copy()
        hist["county"] = [county_of(net, o) for o in hist["org_id"]]
        wide = ident_tables.by_county(hist) if len(hist) else pd.DataFrame(columns=["county"])
        years = [c for c in wide.columns if c != "county"]
        wide = wide.rename(columns={y: f"identified {y}" for y in years})
        out = out.merge(wide, on="county", how="left")
        for y in years:
            out[f"identified {y}"] = out[f"identified {y}"].fillna(0).astype("int64")
    cols = [c for c in out.columns if c != "district_ids"] + ["district_ids"]
    return out[cols].reset_index(drop=True)


def county_caption(net: Network) -> str:
    """How to read `county_offices` for the region's state, in plain words."""
    if net.state == "OR":
        return ("Partnership tiers come from the CSI/TSI school designation file (none given: "
                "zero), and triggers are the corrective-action triggers the Oregon rules "
                "raise for each district.")
    return ("Levels of support are computed by the state's rules for this year; "
            "\"identified\" counts LEAs newly or again identified for differentiated "
            "assistance in each year of the state's lists, so a district in its second year "
            "of support counts at level 2 but not as identified.")


YOY_IDENT_COLUMNS = ["district_id", "district", "year_then", "level_then", "status_then",
                     "year_now", "level_now", "status_now", "change"]


def identification_change(net: Network, ident: pd.DataFrame) -> pd.DataFrame:
    """Year over year: each district's level of support in `net.prior_year` and now, and
    what changed in words. Empty unless both years' identification is computed (the
    outcomes hold two years and the state's rules cover both)."""
    then = net.prior_identification
    if then is None or net.identification is None or net.prior_year is None:
        return frame_of([], YOY_IDENT_COLUMNS)
    rows = []
    now_by = dict(zip(ident["district_id"], zip(ident["level"], ident["status"], strict=True),
                      strict=True))
    for d in net.district_ids:
        lea = then.lea(d)
        lvl_then = pd.NA if lea is None else lea["level"]
        st_then = "" if lea is None else str(lea["status"] or "")
        lvl_now, st_now = now_by.get(d, (pd.NA, ""))
        if pd.isna(lvl_then) or pd.isna(lvl_now):
            change = ("not computed in " + str(net.prior_year if pd.isna(lvl_then)
                                                 else net.year) + ": no Dashboard results")
        elif int(lvl_now) > int(lvl_then):
            change = f"more support: level {int(lvl_then)} to {int(lvl_now)}"
        elif int(lvl_now) < int(lvl_then):
            change = f"less support: level {int(lvl_then)} to {int(lvl_now)}"
        else:
            change = f"same level ({int(lvl_now)})"
        rows.append({"district_id": d, "district": net.names.get(d, d),
                     "year_then": net.prior_year, "level_then": lvl_then,
                     "status_then": st_then, "year_now": net.year, "level_now": lvl_now,
                     "status_now": st_now, "change": change})
    out = frame_of(rows, YOY_IDENT_COLUMNS)
    for col in ("level_then", "level_now"):
        out[col] = pd.to_numeric(out[col]).astype("Int64")
    return out


def indicator_years(net: Network) -> pd.DataFrame:
    """Year over year: each district's state indicators by student group in
    `net.prior_year` and `net.year` (long form, one row per district, indicator, group and
    year, as `state_indicators` gives one year; show it through `report.blocks`, which
    suppresses small groups). Empty when the outcomes hold one year only."""
    if net.prior_year is None:
        return frame_of([], INDICATOR_COLUMNS)
    both = pd.concat([snapshots(net.outcomes, net.district_ids, net.prior_year),
                      snapshots(net.outcomes, net.district_ids, net.year)], ignore_index=True)
    both = both.sort_values(["org_id", "indicator", "student_group", "year"], kind="stable")
    return both[INDICATOR_COLUMNS].reset_index(drop=True)


def year_over_year_note(net: Network) -> str:
    """What the year-over-year tables compare, in one sentence ("" with one year only)."""
    if net.prior_year is None:
        return ""
    gap = net.year - net.prior_year
    return (f"Compared: {net.prior_year} and {net.year}, the two latest years the loaded "
            "files hold for these districts"
            + (f" ({gap} years apart: the years between are not loaded)." if gap > 1 else "."))


# --------------------------------------------------------------------------- 4. themes


def cause_themes(net: Network) -> pd.DataFrame:
    """How often each coded cause recurs across the region, by practice and fishbone
    category, with the districts behind each count (`rootcause.recurring_causes`)."""
    return recurring_causes({d: list(net.docs[d].of(Cause)) for d in net.district_ids})


# --------------------------------------------------------------------------- 5. supports

SUPPORT_COLUMNS = ["district_id", "district", "need", "support_type", "practice", "strategy",
                   "provider", "provided", "requested", "provided_on", "effectiveness",
                   "effectiveness_label", "evidence", "how_used"]


def supports_log(net: Network) -> pd.DataFrame:
    """The region's supports: what each district needed and received, of which type, for
    which practice and strategy, from whom, when, and how effective it was."""
    rows = []
    for d in net.district_ids:
        doc = net.docs[d]
        for s in doc.of(Support):
            strategy = doc.get(s.strategy) if s.strategy else None
            rows.append({"district_id": d, "district": net.names.get(d, d), "need": s.need,
                         "support_type": s.support_type or "", "practice": s.practice or "",
                         "strategy": strategy.label() if strategy is not None else "",
                         "provider": s.provider, "provided": s.provided,
                         "requested": s.requested, "provided_on": s.provided_on,
                         "effectiveness": s.effectiveness,
                         "effectiveness_label": quarterly.EFFECTIVENESS.get(
                             s.effectiveness or 0, ""),
                         "evidence": s.evidence, "how_used": s.how_used})
    out = frame_of(rows, SUPPORT_COLUMNS)
    out["provided"] = out["provided"].astype(bool)
    out["effectiveness"] = pd.to_numeric(out["effectiveness"]).astype("Int64")
    return out


NEED_COLUMNS = ["district_id", "district", "county", "practices", "cause_practices", "groups",
                "level", "behind_pct", "attention"]


def district_needs(net: Network, codes: pd.DataFrame, by_district: pd.DataFrame,
                   ident: pd.DataFrame) -> pd.DataFrame:
    """What each district needs help with, for matching: its practices (strategy practices
    and the other practices its causes point at), the student groups its measures follow and
    the groups the state identified it for, its level of support and attention score."""
    strat_by: dict[str, list[str]] = {}
    cause_by: dict[str, list[str]] = {}
    for d, p, n_s, n_c in zip(codes["district_id"], codes["practice"], codes["strategies"],
                              codes["causes"], strict=True):
        if n_s > 0:
            strat_by.setdefault(d, []).append(p)
        elif n_c > 0:
            cause_by.setdefault(d, []).append(p)
    att = {r["district_id"]: r for r in by_district[
        ["district_id", "level", "behind_pct", "attention"]].to_dict("records")}
    idg = (dict(zip(ident["district_id"], ident["groups"], strict=True))
           if len(ident) and "groups" in ident.columns else {})
    rows = []
    for d in net.district_ids:
        groups: list[str] = []
        for m in net.docs[d].of(Measure):
            g = (m.student_group or "ALL").upper()
            if g not in groups:
                groups.append(g)
        for g in _group_codes(idg.get(d, "")):
            if g not in groups:
                groups.append(g)
        mine = att.get(d, {"level": pd.NA, "behind_pct": float("nan"), "attention": 0})
        rows.append({"district_id": d, "district": net.names.get(d, d),
                     "county": net.counties.get(d, ""),
                     "practices": ", ".join(strat_by.get(d, [])),
                     "cause_practices": ", ".join(cause_by.get(d, [])),
                     "groups": ", ".join(groups), "level": mine["level"],
                     "behind_pct": mine["behind_pct"], "attention": int(mine["attention"])})
    out = frame_of(rows, NEED_COLUMNS)
    out["level"] = pd.to_numeric(out["level"]).astype("Int64")
    return out


def _group_codes(text: str) -> list[str]:
    """Student group codes from an identification `groups` cell ("EL; SWD" or
    "EL (4, 5); SWD")."""
    from workbook.data.groups import GROUP_NAMES

    out = []
    for part in re.split(r"[;,]", str(text)):
        code = re.split(r"[:\s(]", part.strip())[0].upper()
        if code in GROUP_NAMES and code not in out:
            out.append(code)
    return out


MATCH_COLUMNS = ["district_id", "district", "provider_id", "provider", "kind",
                 "support_type", "practices_matched", "groups_matched", "score", "why"]


#: The matching as a reader needs it (the reason names the practices, groups and score).
MATCH_DISPLAY = ["district_id", "district", "provider", "support_type", "why"]


def _split(text: str) -> list[str]:
    return [t.strip() for t in str(text).split(",") if t.strip()]


def _ongoing(log: pd.DataFrame, providers: Iterable[Provider]) -> dict[str, set[str]]:
    """Districts each provider already supports: a provided support from it (by id or
    name) that has no effectiveness rating yet counts against its capacity."""
    open_ = log[log["provided"] & log["effectiveness"].isna()]
    by_name: dict[str, set[str]] = {}
    for d, name in zip(open_["district_id"], open_["provider"], strict=True):
        by_name.setdefault(str(name).strip().lower(), set()).add(d)
    return {p.id: by_name.get(p.id.lower(), set()) | by_name.get(p.name.strip().lower(), set())
            for p in providers}


def _score(need: dict[str, Any], p: Provider) -> tuple[int, list[str], list[str], str]:
    strategies = _split(need["practices"])
    causes = _split(need["cause_practices"])
    matched = [c for c in strategies + causes if c in p.practices]
    groups = [g for g in _split(need["groups"]) if g in p.student_groups]
    score = sum(3 if c in strategies else 2 for c in matched) + len(groups)
    level = need["level"]
    support_type = p.support_types[0]
    if not pd.isna(level) and int(level) >= 2 and "differentiated assistance" in p.support_types:
        score += 3
        support_type = "differentiated assistance"
    return score, matched, groups, support_type


def match_providers(needs: pd.DataFrame, providers: ProvidersFile | None, log: pd.DataFrame,
                    *, per_district: int = 1) -> pd.DataFrame:
    """Propose who supports which district, and why, within every provider's capacity.

    Deterministic and explainable: districts are taken most in need first (attention
    score, then share of actions behind, then id). For each, every provider that serves
    its county, has room left and shares at least one practice with it is scored: 3 for
    each of the district's strategy practices it covers, 2 for each practice only its
    causes point at, 1 for each student group it can help, and 3 when the district is
    identified for the state's support (level 2 or 3) and the provider gives
    differentiated assistance. The best score wins (ties: the provider with more room left,
    then its id), up to `per_district` providers each. Room left is the capacity minus
    districts it already supports (a provided support from it not yet rated) minus the
    proposals made so far. A district with no provider that fits gets a row saying why.
    """
    if providers is None or needs.empty:
        return frame_of([], MATCH_COLUMNS).astype({"score": "int64"})
    plist = list(providers.providers)
    busy = _ongoing(log, plist)
    room = {p.id: p.capacity - len(busy[p.id]) for p in plist}
    counties = {p.id: {c.strip().lower() for c in p.counties} for p in plist}
    order = needs.assign(_b=needs["behind_pct"].fillna(-1)).sort_values(
        ["attention", "_b", "district_id"], ascending=[False, False, True], kind="stable")
    rows = []
    for need in order.to_dict("records"):
        d = need["district_id"]
        if not need["practices"] and not need["cause_practices"]:
            rows.append(_no_match(need, "no coded strategy or cause to match on yet"))
            continue
        chosen = 0
        candidates = []
        county = str(need["county"]).strip().lower()
        for p in plist:
            if d in busy[p.id] or (counties[p.id] and county not in counties[p.id]):
                continue
            score, matched, groups, kind = _score(need, p)
            if not matched:
                continue
            candidates.append((score, p, matched, groups, kind))
        candidates.sort(key=lambda c: (-c[0], -room[c[1].id], c[1].id))
        full = [c for c in candidates if room[c[1].id] <= 0]
        for score, p, matched, groups, kind in candidates:
            if chosen >= per_district:
                break
            if room[p.id] <= 0:
                continue
            room[p.id] -= 1
            chosen += 1
            rows.append({"district_id": d, "district": need["district"], "provider_id": p.id,
                         "provider": p.name, "kind": p.kind, "support_type": kind,
                         "practices_matched": ", ".join(matched),
                         "groups_matched": ", ".join(groups), "score": score,
                         "why": _why(need, p, matched, groups, kind, score)})
        if not chosen:
            reason = ("every provider that fits is at capacity ("
                      + ", ".join(sorted({c[1].id for c in full})) + ")" if full else
                      f"no provider serves {need['county'] or 'its county'} for practices "
                      f"{', '.join(_split(need['practices']) + _split(need['cause_practices']))}")
            rows.append(_no_match(need, reason))
    out = frame_of(rows, MATCH_COLUMNS)
    out["score"] = pd.to_numeric(out["score"]).astype("int64")
    return out


def _no_match(need: dict[str, Any], reason: str) -> dict[str, Any]:
    return {"district_id": need["district_id"], "district": need["district"],
            "provider_id": "", "provider": "", "kind": "", "support_type": "",
            "practices_matched": "", "groups_matched": "", "score": 0,
            "why": f"No match: {reason}."}


def _why(need: dict[str, Any], p: Provider, matched: list[str], groups: list[str], kind: str,
         score: int) -> str:
    strategies = set(_split(need["practices"]))
    in_strategies = [c for c in matched if c in strategies]
    in_causes = [c for c in matched if c not in strategies]
    parts = []
    if in_strategies:
        parts.append(f"helps with {', '.join(in_strategies)}, coded in the district's "
                     "strategies")
    if in_causes:
        parts.append(f"{'and ' if parts else 'helps '}with {', '.join(in_causes)}, coded in "
                     "its root causes")
    if groups:
        parts.append(f"works with its student groups {', '.join(groups)}")
    level = need["level"]
    if kind == "differentiated assistance" and not pd.isna(level):
        parts.append(f"gives the differentiated assistance its level {int(level)} calls for")
    parts.append(f"serves {need['county']} County" if p.counties and need["county"]
                 else "serves every county of the region")
    if need["attention"]:
        parts.append(f"the district's attention score is {int(need['attention'])}")
    return f"{p.name}: {'; '.join(parts)} (match score {score})."


LOAD_COLUMNS = ["provider_id", "provider", "kind", "capacity", "already_supporting", "proposed",
                "room_left"]


def provider_load(matches: pd.DataFrame, providers: ProvidersFile | None, log: pd.DataFrame
                  ) -> pd.DataFrame:
    """Each provider's capacity, the districts it already supports, the districts proposed
    to it and the room left (never below zero when the matching respects capacity)."""
    if providers is None:
        return frame_of([], LOAD_COLUMNS)
    busy = _ongoing(log, providers.providers)
    rows = []
    for p in providers.providers:
        proposed = int((matches["provider_id"] == p.id).sum())
        rows.append({"provider_id": p.id, "provider": p.name, "kind": p.kind,
                     "capacity": p.capacity, "already_supporting": len(busy[p.id]),
                     "proposed": proposed,
                     "room_left": p.capacity - len(busy[p.id]) - proposed})
    return frame_of(rows, LOAD_COLUMNS)


EFFECT_COLUMNS = ["district_id", "district", "support", "support_type", "provided_on",
                  "behind_pct_then", "behind_pct_now", "change", "peers", "peers_change",
                  "difference", "reading"]

#: What the support comparison can and cannot say, in plain words (shown under the table).
EFFECT_CAVEAT = (
    "How to read this: for each support with a date, the share of the district's actions "
    "behind on the day it was given is compared with today's share, and the same change is "
    "worked out for similar districts (ones whose strategies share a practice with it) that "
    "did not get a support of that type. A negative change is good: fewer actions behind. "
    "These are a handful of districts, not an experiment: districts were not chosen at "
    "random for support, the ones who got it may have been struggling most, many other "
    "things changed at the same time, and a difference of a few actions can be chance. "
    "Read a difference as a question for the next coaching conversation, not as proof that "
    "a support worked or did not.")


def _behind_share(actions: pd.DataFrame) -> dict[str, float]:
    g = actions.groupby("district_id")["behind"]
    return {str(d): _pct(int(s.sum()), len(s)) for d, s in g}


def behind_shares(docs: Mapping[str, PlanDocument], days: Iterable[dt.date]
                  ) -> dict[dt.date, dict[str, float]]:
    """Each district's share of actions behind (percent) on each of `days`, by the same
    rules as `action_rows` (one pass over the actions, however many days)."""
    days = sorted(set(days))
    out: dict[dt.date, dict[str, float]] = {day: {} for day in days}
    for d, doc in docs.items():
        actions = doc.of(Action)
        if not actions:
            continue
        updates = updates_by_action(doc)
        behind = dict.fromkeys(days, 0)
        for a in actions:
            mine = updates.get(a.id, [])
            dates = [u.date for u in mine]
            for day in days:
                k = bisect.bisect_right(dates, day)
                status = mine[k - 1].status if k else "not started"
                # whether it is behind does not depend on the completion day (only on time
                # does), so the rule is asked without working that day out
                behind[day] += progress.classify(status, None, a.due, day)[1]
        for day in days:
            out[day][d] = _pct(behind[day], len(actions))
    return out


def support_effect(net: Network, codes: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    """Did the support work? For every provided support with a date (`provided_on`), the
    district's share of actions behind then and now, beside the same change for similar
    districts that did not get a support of that type (`EFFECT_CAVEAT` says how little so
    small a comparison can show). `now` is `action_rows` on `net.as_of`."""
    log = supports_log(net)
    dated = log[log["provided"] & log["provided_on"].notna()]
    if dated.empty:
        return frame_of([], EFFECT_COLUMNS)
    shares_now = _behind_share(now)
    practices: dict[str, set[str]] = {}
    with_practice: dict[str, set[str]] = {}
    for d, p, n in zip(codes["district_id"], codes["practice"], codes["strategies"],
                       strict=True):
        if n > 0:
            practices.setdefault(d, set()).add(p)
            with_practice.setdefault(p, set()).add(d)
    kinds: dict[str, set[str]] = {}
    for d, t in zip(log.loc[log["provided"], "district_id"],
                    log.loc[log["provided"], "support_type"], strict=True):
        kinds.setdefault(d, set()).add(t or "unspecified")
    dated = dated[dated["provided_on"] <= net.as_of]
    then_at = behind_shares(net.docs, dated["provided_on"])
    by_day: dict[dt.date, np.ndarray] = {}
    ids = list(net.district_ids)
    at = {d: i for i, d in enumerate(ids)}
    now_v = np.array([shares_now.get(d, np.nan) for d in ids], dtype=float)
    by_practice = {p: np.isin(ids, sorted(ds)) for p, ds in with_practice.items()}
    by_kind: dict[str, np.ndarray] = {}
    rows = []
    for s in dated.to_dict("records"):
        day = s["provided_on"]
        then = then_at[day]
        d, kind = s["district_id"], s["support_type"] or "unspecified"
        if kind not in by_kind:
            by_kind[kind] = np.array([kind in kinds.get(x, set()) for x in ids])
        change = now_v - np.array([then.get(x, np.nan) for x in ids], dtype=float) \
            if day not in by_day else by_day[day]
        by_day[day] = change
        similar = np.zeros(len(ids), dtype=bool)
        for p in practices.get(d, set()):
            similar |= by_practice[p]
        similar[at[d]] = False
        peers = similar & ~by_kind[kind] & ~np.isnan(change)
        n_peers = int(peers.sum())
        mine = float(change[at[d]])
        peer_change = round(float(change[peers].mean()), 1) if n_peers else float("nan")
        diff = round(mine - peer_change, 1) if n_peers and not np.isnan(mine) else float("nan")
        rows.append({"district_id": d, "district": s["district"], "support": s["need"],
                     "support_type": kind, "provided_on": day,
                     "behind_pct_then": then.get(d, float("nan")),
                     "behind_pct_now": shares_now.get(d, float("nan")),
                     "change": round(mine, 1), "peers": n_peers,
                     "peers_change": peer_change, "difference": diff,
                     "reading": _reading(mine, peer_change, n_peers)})
    out = frame_of(rows, EFFECT_COLUMNS)
    for col in ("behind_pct_then", "behind_pct_now", "change", "peers_change", "difference"):
        out[col] = pd.to_numeric(out[col]).astype("float64")
    return out


def effect_note(effect: pd.DataFrame, supports: pd.DataFrame) -> str:
    """Why the support comparison has the rows it has, in one sentence."""
    given = supports[supports["provided"]]
    if given.empty:
        return "No support is recorded as provided yet, so there is nothing to compare."
    dated = int(given["provided_on"].notna().sum())
    if not dated:
        return (f"{_plural(len(given), 'support')} provided, but none records the day it was "
                "given (provided_on), so implementation before and after cannot be compared "
                "yet; add the dates in the supports log.")
    return (f"{_plural(len(effect), 'dated support')} compared; {len(given) - dated} provided "
            "without a date left out.")


def _reading(mine: float, peers: float, n: int) -> str:
    if pd.isna(mine):
        return "No actions to compare."
    if not n:
        return "No similar district without this support to compare with."
    few = " (only 1 district to compare)" if n == 1 else f" ({n} districts to compare)"
    if abs(mine - peers) < 5:
        return "Moved about as much as similar districts" + few + "."
    better = mine < peers
    return (("Fewer actions behind than similar districts" if better else
             "More actions behind than similar districts") + " since the support" + few + ".")


# --------------------------------------------------------------------------- all at once


def network_tables(net: Network) -> dict[str, pd.DataFrame]:
    """Every table of the network view, each built once:

    ``codes`` (practice_codes), ``matrix``, ``shared``, ``actions`` (region-wide action
    rows on `net.as_of`), ``milestones``, ``measures``, ``comments``, ``identification``,
    ``by_practice``, ``by_district`` (districts needing attention first), ``indicators``
    (state indicators by student group, unsuppressed: show through `report.blocks`),
    ``themes`` (recurring causes), ``supports``, ``needs``, ``matches``, ``load``,
    ``effect``, ``counties`` (Appendix A by county office), ``ident_change`` and
    ``indicator_years`` (year over year; empty when the outcomes hold one year).
    """
    codes = practice_codes(net)
    actions = action_rows(net.docs, net.as_of)
    milestones = milestone_rows(net.docs, actions, net.as_of)
    measures = measure_rows(net)
    comments = open_comments(net)
    ident = identification_table(net)
    by_district = implementation_by_district(net, actions, milestones, comments, measures,
                                             ident)
    log = supports_log(net)
    needs = district_needs(net, codes, by_district, ident)
    matches = match_providers(needs, net.providers, log)
    return {
        "codes": codes, "matrix": strategy_matrix(codes, dict(net.names)),
        "shared": shared_practices(codes), "actions": actions, "milestones": milestones,
        "measures": measures, "comments": comments, "identification": ident,
        "by_practice": implementation_by_practice(actions, milestones),
        "by_district": by_district, "indicators": state_indicators(net),
        "themes": cause_themes(net), "supports": log, "needs": needs, "matches": matches,
        "load": provider_load(matches, net.providers, log),
        "effect": support_effect(net, codes, actions),
        "counties": county_offices(net, ident),
        "ident_change": identification_change(net, ident),
        "indicator_years": indicator_years(net),
    }


def summary_sentence(tables: Mapping[str, pd.DataFrame]) -> str:
    """One plain sentence about the region: districts, the most shared practice, actions
    behind and how many districts are flagged for attention."""
    by = tables["by_district"]
    shared = tables["shared"]
    parts = [_plural(len(by), "district")]
    top = shared[shared["districts_with_strategies"] > 0].head(1)
    if len(top):
        t = top.iloc[0]
        parts.append(f"most share practice {t['practice']} ({t['practice_name']}): "
                     f"{t['districts_with_strategies']} districts code strategies to it")
    acts = tables["actions"]
    if len(acts):
        parts.append(f"{int(acts['behind'].sum())} of {_plural(len(acts), 'action')} behind")
    flagged = int((by["attention"] > 0).sum())
    parts.append(f"{_plural(flagged, 'district')} flagged for attention")
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]
