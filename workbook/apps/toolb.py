"""Tool B's coaching questions for one stage of the cycle, where that stage is worked on.

Every app that holds a stage's work shows that stage's questions beside the form: the
direction and needs tabs of the plan builder, the root cause app, the monthly status app
(the implement questions). `questions_panel` is the one widget they call, so each stage's
questions read the same in every app and in its workbook (`report.sections.coaching`).
"""

from __future__ import annotations

import ipywidgets as widgets

from workbook import catalogue
from workbook.apps.common import esc
from workbook.i18n import _

#: What each stage's panel is called (the guide's own step names).
TITLES = {
    "direction": "Coaching questions: set the direction",
    "needs": "Coaching questions: assess needs",
    "rootcause": "Coaching questions: root causes",
    "plan": "Coaching questions: create the plan",
    "implement": "Coaching questions: implement the plan",
    "monitor": "Coaching questions: monitor and adjust",
}


def questions_panel(stage: str, title: str | None = None) -> widgets.HTML:
    """Tool B's techniques and questions for `stage` (see `catalogue.STAGES`), by the
    source's sections, with its attribution. Raises WorkbookError for an unknown stage."""
    st = catalogue.coaching_stage(stage)
    heading = title or _(TITLES.get(stage, "Coaching questions"))
    n = len(st.questions)
    parts = [f"<h4>{esc(heading)}</h4>",
             f"<p><small>{esc(_('{n} questions from Tool B').format(n=n))}</small></p>"]
    for section in st.sections:
        if section.heading:
            parts.append(f"<b>{esc(section.heading)}</b>")
        items = [f"<li>{esc(t)}</li>" for t in section.techniques]
        items += [f"<li><i>{esc(str(q))}</i></li>" for q in section.questions]
        if items:
            parts.append(f"<ul>{''.join(items)}</ul>")
    parts.append(f"<p><small>{esc(_('From Tool B.'))} {esc(catalogue.attribution())}"
                 "</small></p>")
    panel = widgets.HTML("".join(parts), layout=widgets.Layout(width="auto"))
    panel.add_class("wb-side")
    panel.add_class(f"wb-coaching-{stage}")
    panel.add_class("wb-toolb")
    return panel
