"""Coaching: a liaison reads a district's plan, comments on any part, sees what was resolved.

The liaison picks any record of the plan (direction, a goal, a measure, a strategy, a
milestone, an action, a symptom or a cause), reads it, sees the plan-quality findings
about it as prompts, and leaves a comment. The district team sees open comments beside
the fields they refer to (in the plan builder and the root cause builder) and marks each
one resolved there; this app then shows who resolved it. Each comment is its own record,
so comments never collide with the team's edits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as widgets

from workbook.apps.common import App, esc, guard, run
from workbook.apps.forms import Field, Problems, Saver, clean_text
from workbook.apps.panels import PlanExport, coaching_panel, comment_html
from workbook.progress.model import Comment
from workbook.records.base import Record
from workbook.records.document import findings

#: What a liaison comments on, in plan order, with the name shown for each kind.
#: What a liaison can comment on, in the order of the cycle (ratings stay anonymous).
TARGET_KINDS = {"direction": "Direction", "glossary": "Glossary",
                "needs_assessment": "Needs assessment", "swot": "SWOT",
                "priority": "Priority", "symptom": "Symptom", "why": "Why", "cause": "Cause",
                "goal": "Goal", "measure": "Measure", "strategy": "Strategy",
                "milestone": "Milestone", "action": "Action"}
#: Records of which a plan has one: named for what they hold.
WHOLE = {"direction": "mission, vision and purpose",
         "needs_assessment": "elements, process, participants and input"}


def record_html(r: Record) -> str:
    """A record's fields as a small table (every value escaped)."""
    rows = []
    for name, value in r.content().items():
        if value in (None, "", [], {}):
            continue
        rows.append(f"<tr><th>{esc(name.replace('_', ' '))}</th><td>{esc(value)}</td></tr>")
    saved = (f"<p><small>Last saved by {esc(r.updated_by)} "
             f"{r.updated_at:%Y-%m-%d %H:%M} UTC</small></p>") if r.updated_at else ""
    return f"<table class='wb-table wb-record'>{''.join(rows)}</table>{saved}"


class CoachingApp(App):
    name = "coaching"
    title = "Coaching"

    def build(self) -> None:
        self.target = widgets.Select(rows=14, layout=widgets.Layout(width="100%"))
        self.target.add_class("wb-target")
        self.target.observe(self._picked, "value")
        self.summary = widgets.HTML()
        self.summary.add_class("wb-coaching-summary")
        self.record_view = widgets.HTML()
        self.prompts = widgets.HTML()
        self.thread = widgets.HTML()
        self.thread.add_class("wb-thread")
        self.text = Field(widgets.Textarea(rows=3, layout=widgets.Layout(width="100%"),
                                           placeholder="Your comment or question for the "
                                                       "district team"), "New comment")
        self.text.control.add_class("wb-comment-text")
        self.watch(self.text.control)
        self.add_button = widgets.Button(description="Add comment", button_style="primary")
        self.add_button.add_class("wb-save")
        self.add_button.on_click(lambda _: self.save())
        self.saver = Saver(self, retry=self.save)
        left = widgets.VBox([self.summary, widgets.HTML("<b>Parts of the plan</b>"),
                             self.target], layout=widgets.Layout(width="38%"))
        right = widgets.VBox([self.record_view, self.prompts, self.thread, self.text.widget,
                              self.add_button, self.saver.place(), coaching_panel("plan")],
                             layout=widgets.Layout(width="62%"))
        columns = widgets.HBox([left, right])
        columns.add_class("wb-cols")
        self.export = PlanExport(self)
        self.view = widgets.VBox([self.export.widget, columns])

    def url_params(self) -> dict[str, str]:
        return {"target": self.target.value or ""}

    # -- loading -----------------------------------------------------------------------
    def load(self) -> None:
        self.doc = self.store.document(self.district_id)
        self.comments = [c for c in self.doc.of(Comment) if isinstance(c, Comment)]
        self.findings = findings(self.doc)
        options = []
        for kind, name in TARGET_KINDS.items():
            for r in self.doc.of_kind(kind):
                n = sum(1 for c in self.comments if c.target == r.id and not c.resolved)
                label = WHOLE.get(r.kind) or r.label().split(" ", 1)[-1].strip("'\"")
                options.append((f"{name}: {label[:70]}{f'  [{n} open]' if n else ''}", r.id))
        wanted = self.query.pop("target", "") or self.target.value
        ids = [v for _, v in options]
        self.target.options = options
        self.target.value = wanted if wanted in ids else (ids[0] if ids else None)
        self._summary()
        self._show()
        self.body.children = (self.view,)

    def _summary(self) -> None:
        open_ = [c for c in self.comments if not c.resolved]
        done = [c for c in self.comments if c.resolved]
        recent = sorted(done, key=lambda c: c.updated_at or c.created, reverse=True)[:5]
        items = "".join(f"<li>{esc(self._label(c.target))}: “{esc(c.text[:80])}” — resolved "
                        f"by {esc(c.resolved_by or '?')}</li>" for c in recent)
        self.summary.value = (
            f"<p><b>{len(open_)}</b> open comment{'s' if len(open_) != 1 else ''}, "
            f"<b>{len(done)}</b> resolved by the district.</p>"
            + (f"<p>Recently resolved:</p><ul class='wb-resolved'>{items}</ul>" if items
               else ""))

    def _label(self, record_id: str) -> str:
        r = self.doc.get(record_id)
        return r.label() if r else "a removed record"

    def _show(self) -> None:
        r = self.doc.get(self.target.value) if self.target.value else None
        if r is None:
            self.record_view.value = "<p>This district has no plan stored yet.</p>"
            self.prompts.value = self.thread.value = ""
            return
        kind = TARGET_KINDS.get(r.kind, r.kind)
        self.record_view.value = f"<h4>{esc(kind)}</h4>{record_html(r)}"
        mine = [f for f in self.findings if f.record_id == r.id]
        self.prompts.value = ("<p><b>Worth asking about</b> (plan-quality findings):</p><ul>"
                              + "".join(f"<li>{esc(f.message)}</li>" for f in mine)
                              + "</ul>") if mine else ""
        thread = [c for c in self.comments if c.target == r.id]
        self.thread.value = ("<p><b>Comments</b></p>" + "".join(comment_html(c)
                                                                 for c in thread)
                             if thread else "<p><i>No comments on this yet.</i></p>")

    @guard("coaching")
    def _picked(self, change: dict) -> None:
        if not self.may_switch(self.target, change, "Add (or clear) your comment before "
                               "opening another part of the plan."):
            return
        self._show()
        self.update_url()

    # -- saving ------------------------------------------------------------------------
    @guard("coaching")
    def save(self, *_: Any) -> None:
        p = Problems({"text": self.text})
        text = p.read("text", lambda: clean_text(self.text.value))
        if text == "":
            p.add("text", "Write the comment first.")
        if not self.target.value:
            p.add("text", "Pick the part of the plan the comment is about.")
        user = self.user.name or "liaison"
        comment = p.model(Comment, {"org_id": self.district_id, "target": self.target.value,
                                    "author": user, "text": text or "",
                                    "created": dt.datetime.now(dt.UTC)})
        if p or comment is None:
            self.saver.here.error(p.summary())
            return
        if self.saver([comment], what="your comment") is None:
            return
        with self.loading():
            self.text.value = ""
            self.load()
        self.mark_clean()


def app() -> None:
    """Show the coaching app (the one call its notebook makes)."""
    run(CoachingApp)

