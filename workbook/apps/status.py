"""Monthly status: the actions open this month, one status update each, and the quarter.

Each month the action owners (or the team's coordinator) say where every open action
stands: its status, the date, whether the output was delivered, the budget used so far
(cumulative, as the quarterly report reads it), and, when it is behind, why and what the
team will change. Saving writes one StatusUpdate per action touched, all in one
transaction, and the quarterly view below (the same tables as the quarterly report,
workbook.progress.tables) updates at once.

An action already updated this month is edited in place; otherwise a new update is
added. The store holds one update per action per month (a unique key, migration 0004), so
two people adding the same month's update get a conflict, compared field by field, never
two competing rows. A date outside the month on screen is refused, never moved silently.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import ipywidgets as widgets
import pandas as pd

from workbook import progress as pg
from workbook.apps.common import App, Chart, esc, guard, run
from workbook.apps.forms import Field, Problems, Saver, clean_text, parse_date, parse_number
from workbook.apps.panels import PlanExport
from workbook.apps.toolb import questions_panel
from workbook.plan.model import Action
from workbook.plan.tables import ordered_actions, title_of
from workbook.progress.model import STATUSES, StatusUpdate
from workbook.records.document import PlanDocument


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return pg.add_months(month_start(day), 1) - dt.timedelta(days=1)


def plan_dates(doc: PlanDocument, default_start: dt.date) -> tuple[dt.date, dt.date]:
    org = doc.organisation
    start = (org.plan_start if org and org.plan_start else default_start)
    end = (org.plan_end if org and org.plan_end else pg.add_months(start, 36)
           - dt.timedelta(days=1))
    return start, end


class ActionRow:
    """One action's update for the month."""

    def __init__(self, app: StatusApp, action: Action, where: str, current: dict,
                 existing: StatusUpdate | None, default_day: dt.date) -> None:
        self.action, self.existing = action, existing
        source = existing
        self.status = Field(widgets.Dropdown(options=list(STATUSES),
                                             value=source.status if source
                                             else current["status"],
                                             layout=widgets.Layout(width="130px")), "Status")
        self.date = Field(widgets.DatePicker(value=source.date if source else default_day,
                                             layout=widgets.Layout(width="160px")), "Date")
        self.output = Field(widgets.Checkbox(value=source.output_delivered if source
                                             else bool(current["output_delivered"]),
                                             description="delivered", indent=False),
                            "Output")
        budget = source.budget_used if source else current["budget_used"]
        self.budget = Field(widgets.Text(value=f"{budget:g}", continuous_update=True,
                                         layout=widgets.Layout(width="120px")),
                            "Budget used", help="so far")
        self.cause = Field(widgets.Textarea(value=source.cause if source else "", rows=2,
                                            placeholder="Why is it behind?",
                                            layout=widgets.Layout(width="100%")), "Cause",
                           width="49%")
        self.adjustment = Field(widgets.Textarea(value=source.adjustment if source else "",
                                                 rows=2, placeholder="What will change?",
                                                 layout=widgets.Layout(width="100%")),
                                "Adjustment", width="49%")
        due = action.due.isoformat() if action.due else "no due date"
        head = (f"<b>{esc(action.title)}</b><br><small>{esc(where)} · due {esc(due)} · "
                f"{esc(action.owner or 'no owner')} · budget {action.budget:,.0f}"
                f"{' · updated this month by ' + esc(existing.updated_by) if existing else ''}"
                "</small>")
        self.touched = False
        self.widget = widgets.VBox([
            widgets.HTML(head),
            widgets.HBox([self.status.widget, self.date.widget, self.output.widget,
                          self.budget.widget]),
            widgets.HBox([self.cause.widget, self.adjustment.widget],
                         layout=widgets.Layout(width="100%"))])
        self.widget.add_class("wb-card")
        self.widget.add_class("wb-action-row")
        for f in self.fields().values():
            f.control.observe(self._touch, "value")
            app.watch(f.control)

    def _touch(self, _: Any) -> None:
        self.touched = True

    def fields(self) -> dict[str, Field]:
        return {"status": self.status, "date": self.date, "output": self.output,
                "budget": self.budget, "cause": self.cause, "adjustment": self.adjustment}


class StatusApp(App):
    name = "status"
    title = "Monthly status"

    def build(self) -> None:
        self.month = widgets.Dropdown(description="Month:", layout=widgets.Layout(width="260px"))
        self.month.add_class("wb-month")
        self.month.observe(self._month_changed, "value")
        self.rows_box = widgets.VBox([])
        self.save_button = widgets.Button(description="Save updates", button_style="primary")
        self.save_button.add_class("wb-save")
        self.save_button.on_click(lambda _: self.save())
        self.quarter = widgets.HTML()
        self.quarter.add_class("wb-quarter")
        self.chart = Chart("status-over-time")
        self.saver = Saver(self, retry=self.save)
        self.report_button = widgets.Button(description="Build the printable quarterly report",
                                            layout=widgets.Layout(width="auto"))
        self.report_button.add_class("wb-build-report")
        self.report_button.on_click(lambda _: self.build_report())
        self.report_link = widgets.HTML()
        self.report_link.add_class("wb-report-link")
        self.export = PlanExport(self)
        self.view = widgets.VBox([
            self.export.widget, self.month,
            widgets.HTML("<h4>Actions open this month</h4>"), self.rows_box,
            self.save_button, self.saver.place(),
            widgets.HTML("<h4>The quarter so far</h4>"), self.quarter,
            self.chart.widget,
            widgets.HTML("<h4>Quarterly report</h4><p>The quarterly implementation report "
                         "for staff, families and boards, built from what is saved now: the "
                         "same report the regional batch writes, with small groups of "
                         "students hidden. It opens in any browser, with no network, and "
                         "prints.</p>"),
            self.report_button, self.report_link, questions_panel("implement")])

    def url_params(self) -> dict[str, str]:
        return {"month": self.month.value.strftime("%Y-%m") if self.month.value else ""}

    # -- loading -----------------------------------------------------------------------
    def load(self) -> None:
        self.doc = self.store.document(self.district_id)
        self.start, self.end = plan_dates(self.doc, dt.date(2024, 8, 1))
        months, m = [], month_start(self.start)
        while m <= self.end:
            months.append((m.strftime("%B %Y"), m))
            m = pg.add_months(m, 1)
        self.month.options = months
        wanted = self.query.pop("month", "")
        chosen = self.month.value
        try:
            chosen = month_start(dt.date.fromisoformat(wanted + "-01")) if wanted else chosen
        except ValueError:
            self.messages.info(f"{wanted!r} is not a month (YYYY-MM); showing this month.")
        if chosen not in [v for _, v in months]:
            today = month_start(dt.date.today())
            chosen = today if months and months[0][1] <= today <= months[-1][1] else (
                months[-1][1] if months else today)
        self.month.value = chosen
        self._fill()
        self.body.children = (self.view,)

    def _fill(self) -> None:
        first, last = self.month.value, month_end(self.month.value)
        table = pg.latest_status(self.doc, last).set_index("action_id")
        updates = [u for u in self.doc.of(StatusUpdate) if isinstance(u, StatusUpdate)]
        default_day = min(max(dt.date.today(), first), last)
        self.rows: list[ActionRow] = []
        for s, m, a in ordered_actions(self.doc):
            this_month = [u for u in updates if u.action == a.id and first <= u.date <= last]
            existing = this_month[-1] if this_month else None
            current = table.loc[a.id]
            started = a.start is None or a.start <= last
            if existing is None and (current["complete"] or not started):
                continue
            where = f"{title_of(s, 'no strategy')} › {title_of(m, 'no milestone')}"
            self.rows.append(ActionRow(self, a, where, current.to_dict(), existing,
                                       default_day))
        self.rows.sort(key=lambda r: (r.action.due or dt.date.max, r.action.title))
        self.rows_box.children = tuple(r.widget for r in self.rows) or (widgets.HTML(
            "<p class='wb-msg-info'>No open actions this month.</p>"),)
        self.draw_quarter()

    @guard("status")
    def _month_changed(self, change: dict) -> None:
        if not self.district_id or not self.may_switch(
                self.month, change, "Save (or reload the page to drop) this month's updates "
                "before opening another month."):
            return
        with self.loading():
            self._fill()
        self.update_url()

    # -- the quarter -------------------------------------------------------------------
    def draw_quarter(self) -> None:
        as_of = month_end(self.month.value)
        plan_year, quarter = pg.quarter_of(self.start, as_of)
        tables = pg.quarterly_tables(self.doc, self.start, quarter, plan_year, as_of=as_of)
        cols = ["strategy", "milestones", "milestones_completed", "milestones_behind",
                "actions", "actions_completed", "actions_behind", "budget_planned",
                "budget_used"]
        frame = tables["strategies"][cols].rename(columns=HEADERS)
        self.quarter.value = (
            f"<p><b>Plan year {plan_year}, quarter {quarter}, as of {as_of:%d %B %Y}:</b> "
            f"{esc(pg.summary_sentence(tables))}</p>" + _table(frame))
        self.chart.show(lambda: pg.status_over_time_chart(pg.status_over_time(self.doc)),
                        "How many actions were in each status at the end of each month.")

    # -- the printable report ----------------------------------------------------------
    @guard("status")
    def build_report(self) -> None:
        """Run the quarterly report workbook for the chosen month's quarter; offer the page
        as a download (the server serves no files, so it travels inside the link)."""
        if self.dirty:
            self.messages.info("Save this month's updates first: the report reads what is "
                               "saved.")
            return
        plan_year, quarter = pg.quarter_of(self.start, month_end(self.month.value))
        self.report_html = printable_report(self, self.report_button, self.report_link,
                                            self.start, plan_year, quarter)

    # -- saving ------------------------------------------------------------------------
    def read(self) -> tuple[list[StatusUpdate], Problems]:
        fields = {f"{i}.{k}": f for i, r in enumerate(self.rows) for k, f in r.fields().items()}
        p = Problems(fields)
        out: list[StatusUpdate] = []
        for i, r in enumerate(self.rows):
            if not r.touched:
                continue
            day = p.read(f"{i}.date", partial(parse_date, r.date.value))
            if day is None and f"{i}.date" not in p.found:
                p.add(f"{i}.date", "Choose the date of this update.")
            budget = p.read(f"{i}.budget", partial(parse_number, r.budget.value, minimum=0))
            cause = p.read(f"{i}.cause", partial(clean_text, r.cause.value))
            adjustment = p.read(f"{i}.adjustment", partial(clean_text, r.adjustment.value))
            if r.status.value == "behind" and cause == "":
                p.add(f"{i}.cause", "Say why it is behind: the cause is what the team "
                                    "adjusts.")
            first, last = self.month.value, month_end(self.month.value)
            if day is not None and not first <= day <= last:
                # never silently moved out of the month on screen
                p.add(f"{i}.date", f"{day:%d %B %Y} is not in {first:%B %Y}, the month you "
                                   f"are updating: choose a date in {first:%B}, or open "
                                   f"{day:%B %Y} to give that month's update.")
            if day is not None and r.action.start and day < r.action.start:
                p.add(f"{i}.date", f"The action starts on {r.action.start}; an update cannot "
                                   "come before it.")
            base = r.existing.model_dump() if r.existing else {"org_id": self.district_id}
            update = p.model(StatusUpdate, {
                **base, "action": r.action.id, "date": day or self.month.value,
                "status": r.status.value, "output_delivered": bool(r.output.value),
                "budget_used": budget or 0.0, "cause": cause or "",
                "adjustment": adjustment or ""},
                {"budget_used": f"{i}.budget", "cause": f"{i}.cause",
                 "adjustment": f"{i}.adjustment", "date": f"{i}.date"})
            if update is not None:
                out.append(update)
        return out, p

    @guard("status")
    def save(self) -> None:
        updates, problems = self.read()
        if problems:
            self.saver.here.error(problems.summary())
            return
        if not updates:
            self.saver.here.info("Nothing to save: change an action's status, date, output, "
                               "budget, cause or adjustment first.")
            return
        n = len(updates)
        if self.saver(updates, what=f"{n} status update{'s' if n > 1 else ''}") is None:
            return
        with self.loading():
            self.doc = self.store.document(self.district_id)
            self._fill()
        self.mark_clean()


HEADERS = {"strategy": "Strategy", "milestones": "Milestones",
           "milestones_completed": "completed", "milestones_behind": "behind",
           "actions": "Actions", "actions_completed": "completed", "actions_behind": "behind",
           "budget_planned": "Budget planned", "budget_used": "Budget used"}


def _table(frame: pd.DataFrame) -> str:
    """A frame as the page shows it: Yes/No, "—" for what is not there (never <NA>)."""
    shown = frame.astype(object).where(frame.notna(), "—")
    shown = shown.map(lambda v: ("Yes" if v else "No") if isinstance(v, bool) else v)
    table = shown.to_html(index=False, escape=True, border=0, classes="wb-table",
                          float_format=lambda v: f"{v:,.0f}")
    return f"<div class='wb-wide'>{table}</div>"  # scrolls sideways on a phone


def printable_report(app: App, button: widgets.Button, link: widgets.HTML, start: dt.date,
                     plan_year: int, quarter: int) -> str | None:
    """Run workbook 04 for one quarter of `app`'s district, from what is saved, and put a
    download link to the page in `link` (the server serves no files, so the page travels
    inside the link); returns the page, or None when it could not be built (said in
    `link`). Shared by the monthly status app and the monitoring app."""
    import base64

    from workbook.errors import WorkbookError
    from workbook.run import batch

    button.disabled = True
    link.value = (f"<p class='wb-msg-info'>Building the report for plan year {plan_year}, "
                  f"quarter {quarter} (about ten seconds)...</p>")
    try:
        page = batch.report_now(app.region, app.district_id, "04_quarterly_report",
                                overrides={"quarter": quarter, "plan_year": plan_year,
                                           "plan_start": start.isoformat(),
                                           "audience": "stakeholder"},
                                database_url=app.store.url)
    except WorkbookError as err:
        link.value = f"<p class='wb-msg-error'>No report: {esc(err)}</p>"
        return None
    finally:
        button.disabled = False
    data = base64.b64encode(page.encode("utf-8")).decode("ascii")
    name = f"quarterly-report-{app.district_id}-year{plan_year}-q{quarter}.html"
    link.value = (
        f"<p><a class='wb-report-download' download='{esc(name)}' "
        f"href='data:text/html;charset=utf-8;base64,{data}'>Download the quarterly report "
        f"(plan year {plan_year}, quarter {quarter}, {len(page) // 1024} KB)</a></p>")
    return page


def app() -> None:
    """Show the monthly status app (the one call its notebook makes)."""
    run(StatusApp)
