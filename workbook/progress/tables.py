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

from workbook.errors import WorkbookError
from workbook.plan.tables import (
    NO_MILESTONE,
    NO_STRATEGY,
    frame_of,
    latest_update,
    ordered_actions,
    title_of,
    updates_by_action,
)
from workbook.progress.model import (
    STATUSES,
    StatusUpdate,
)
from workbook.records.document import PlanDocument

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


def completed_on(updates: list[StatusUpdate]) -> dt.date | None:
    """The day the action became complete (start of the final run of 'complete')."""
    day = None
    for u in updates:
        if u.status == "complete":
            day = day or u.date
        else:
            day = None
    return day


_completed_on = completed_on  # the old private name, kept for callers not yet moved


#: The on-time and behind rules of `classify` in words, for every page or sheet that shows
#: the counts (the Excel export quotes it), so the text cannot drift from the code.
RULES = ("An open action is behind when the team reports it behind or its due date has "
         "passed, otherwise on time (no status yet counts as not started). A completed action "
         "is on time when it became complete (the first of its last run of 'complete' "
         "updates) on or before its due date; a late completion is neither on time nor "
         "behind. Budget used is the latest cumulative amount reported.")


def classify(status: str, completed_on: dt.date | None, due: dt.date | None,
             as_of: dt.date) -> tuple[bool, bool]:
    """(on_time, behind) under the module's rules (`RULES`)."""
    if status == "complete":
        return due is None or (completed_on is not None and completed_on <= due), False
    if status == "behind":
        return False, True
    if due is None:
        return True, False
    return due >= as_of, due < as_of


_classify = classify  # the old private name, kept for callers not yet moved


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
        done_on = completed_on(mine) if status == "complete" else None
        on_time, behind = classify(status, done_on, a.due, as_of)
        rows.append({
            "strategy": title_of(s, NO_STRATEGY), "milestone": title_of(m, NO_MILESTONE),
            "action": a.title, "owner": a.owner, "start": a.start, "due": a.due,
            "status": status, "status_date": last.date if last else None,
            "completed_on": done_on, "complete": status == "complete",
            "on_time": on_time, "behind": behind,
            "output_delivered": any(u.output_delivered for u in mine),
            "outputs": a.outputs, "budget_planned": float(a.budget),
            "budget_used": float(last.budget_used) if last else 0.0,
            "cause": last.cause if last else "", "adjustment": last.adjustment if last else "",
            "strategy_id": s.id if s else "", "milestone_id": a.milestone, "action_id": a.id,
        })
    out = frame_of(rows, STATUS_COLUMNS)
    for col in ("complete", "on_time", "behind", "output_delivered"):
        out[col] = out[col].astype(bool)
    for col in ("budget_planned", "budget_used"):
        out[col] = out[col].astype("float64")
    return out


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
        return frame_of([], OVER_TIME_COLUMNS).astype({"actions": "int64", "order": "int64"})
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
    return frame_of(rows, OVER_TIME_COLUMNS)


