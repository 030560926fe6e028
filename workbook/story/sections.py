"""The annual story's sections as the notebook shows them: a heading, plain sentences, a
table or chart through `workbook.report.blocks` (suppressed for stakeholders like every
other table). The prose shown is kept, so the fine print can say how easy it is to read.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from workbook import i18n
from workbook.i18n import _
from workbook.report import blocks as show
from workbook.story import charts, readability
from workbook.story import tables as T

if TYPE_CHECKING:
    from workbook.run.context import Context

_said: list[str] = []


def _html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def heading(text: str) -> None:
    _html(f"<h2>{show.esc(text)}</h2>")


def say(text: str, kind: str = "info") -> None:
    """A paragraph of the story (kept for the readability figure)."""
    _said.append(text)
    show.note(text, kind=kind)  # type: ignore[arg-type]


def start(ctx: Context, plan_year: int) -> None:
    """The page header: title, subtitle, and who the story is for."""
    _said.clear()
    title = _("Our year in review: {district}").format(district=ctx.district_name)
    subtitle = _("Plan year {n} · for families, staff and the board · {region}").format(
        n=plan_year, region=ctx.region.title)
    show.page(title, subtitle=subtitle, illustrative=ctx.illustrative, glossary=ctx.glossary)
    note = i18n.user_text_note()
    if note and T.has_plan(ctx.doc):
        show.note(note)


def set_out(ctx: Context) -> None:
    heading(_("What we set out to do"))
    say(T.set_out_sentence(ctx.doc))
    say(_("Each strategy says what we will do, and how we think it will help students."))
    show.table(T.set_out(ctx.doc), _("Our goals and strategies"), name="goals")


def what_we_did(ctx: Context, as_of: dt.date) -> None:
    heading(_("What we did"))
    say(T.implementation_sentence(ctx.doc, as_of))
    show.table(T.implementation(ctx.doc, as_of), _("Our work, strategy by strategy"),
               name="implementation")


def what_changed(ctx: Context, plan_year: int) -> None:
    heading(_("What changed for students"))
    say(T.measures_sentence(ctx.doc, plan_year))
    show.table(T.measures(ctx.doc, plan_year), _("Our goal measures and targets"),
               name="measures")
    data = T.measures_chart_data(ctx.doc, plan_year)
    if len(data):
        show.chart(data, charts.measures_chart, _("Where we started, our target, and now"),
                   name="measures-chart", alt_text=charts.measures_text, key_cols=())
    _student_results(ctx, T.story_indicators(ctx.doc, ctx.outcomes, ctx.params.district_id,
                                             ctx.params.year))


def _hold_needs_tables(ctx: Context) -> None:
    """The needs assessment's (01) student-count tables, suppressed as 01 suppresses them,
    so this page hides every cell 01 hides: otherwise a group hidden there could be shown
    here, or worked out from the two pages together."""
    if show.settings().audience != "stakeholder":
        return
    from workbook.report.sections import needs_tables

    for name, frame, value_cols, key_cols in needs_tables(ctx.outcomes, ctx.params.district_id,
                                                           ctx.params.year):
        show.hold(frame, f"01:{name}", value_cols, key_cols)


def _student_results(ctx: Context, indicators: list[str]) -> None:
    _hold_needs_tables(ctx)
    results = T.student_results(ctx.outcomes, ctx.params.district_id, ctx.params.year,
                                indicators)
    say(_("The state's results show how each group of students did this year and last "
          "year. Small groups are hidden to protect privacy."))
    shown = show.prepare(results, value_cols=["status", "prior_status", "change"],
                         key_cols=["indicator", "year"], name="student-results")
    yoy = T.year_over_year(shown)
    if len(yoy):
        show.chart(yoy, charts.year_over_year_chart, _("All students: last year and this year"),
                   name="year-over-year", alt_text=T.year_over_year_text, key_cols=())
    show.table(results, _("Results by group of students"), name="student-results",
               value_cols=["status", "prior_status", "change"], key_cols=["indicator", "year"])


def what_we_learned(ctx: Context) -> None:
    heading(_("What we learned and what we will change"))
    say(T.learned_sentence(ctx.doc))
    show.table(T.adjustments(ctx.doc), _("Changes to our plan, and why"), name="adjustments")
    show.table(T.supports(ctx.doc), _("Help we received, and how well it worked"),
               name="supports")


def no_plan(ctx: Context) -> None:
    """The whole page for a district with no plan: where it stands and how to start."""
    heading(_("Where we stand"))
    say(T.no_plan_sentence(ctx.district_name))
    _student_results(ctx, [c for c in T.MAIN_INDICATORS
                           if c in set(T.where_it_stands(ctx.outcomes, ctx.params.district_id,
                                                         ctx.params.year)["indicator"])])
    heading(_("How to start"))
    say(_("The improvement cycle starts with four steps. Each one has a page in the "
          "workbook apps."))
    show.note(_("The links open the apps when this page is served by `workbook serve`."))
    items = "".join(f'<li><a href="{show.esc(href)}">{show.esc(text)}</a></li>'
                    for text, href in T.first_steps())
    _said.extend(text for text, _app in T.first_steps())
    _html(f"<ol class='wb-steps'>{items}</ol>")


def fine_print() -> None:
    """The readability of what this page said, in the current language."""
    result = readability.score(" ".join(_said))
    _html(f"<p class='wb-note' id='readability'>{show.esc(readability.sentence(result))}</p>")
