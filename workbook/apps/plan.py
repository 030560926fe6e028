"""Plan builder: direction, needs and priorities, goals and measures, strategies,
milestones and actions.

The plan is built the way the guide orders it, one tab per step, each record saved on its
own (so a team can split the work): direction and glossary; the needs assessment (its
elements, process, participants and stakeholder input), the SWOT with evidence and the
ranked priority areas; goals and their measures; strategies and theirs; milestones and
actions. The direction tab also holds Tool A's at-a-glance people (leadership team members
by name and position; plan signatures with position, plan role and date signed); the needs
tab Tool A's checklist of needs-assessment elements (workbook/catalogue/tool_a.yaml); each
of those tabs shows Tool B's questions for its stage (`toolb.questions_panel`). A measure
can name the state indicator and student group it follows, so workbook 03 fills its
baseline from the state's file. Any record but the direction and the needs assessment can
be deleted, after a
question that says what goes with it. Beside the form, the plan-quality findings a coach
would point out (workbook.records.document.findings: a strategy without a measure, a theory of
action without its "then", a measure with fewer than two targets, an action without an
owner or a due date...) are recomputed from what is typed now, so a finding disappears as
the team fixes it, before they save. Open comments from the liaison sit under the record
they are about.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from workbook.apps.common import App, esc, guard, run
from workbook.apps.editor import Editor, Spec
from workbook.apps.panels import (
    DeletedRecords,
    OpenComments,
    PlanExport,
    practice_options,
)
from workbook.apps.toolb import questions_panel
from workbook.data.groups import GROUP_NAMES
from workbook.data.model import INDICATORS
from workbook.direction.model import Direction, GlossaryTerm, Goal, Measure, Signature, TeamMember
from workbook.direction.tables import SIGNATURE_STATEMENT
from workbook.i18n import _
from workbook.needs.model import (
    NeedsAssessment,
    Priority,
    SwotEntry,
    tool_a_categories,
    tool_a_prompt,
)
from workbook.plan.model import Action, Milestone, Strategy
from workbook.records.base import Record
from workbook.records.document import PlanDocument, findings


def _short(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def _element_options() -> list[tuple[str, str]]:
    """Tool A's needs-assessment check boxes, "Category: option" (tool_a.yaml)."""
    out = []
    for cat in tool_a_categories():
        hint = f" (e.g., {cat.examples})" if cat.examples else ""
        if cat.options:
            out += [(f"{cat.name}: {o.name}", f"{cat.code}.{o.code}") for o in cat.options]
        else:
            out.append((cat.name + hint, cat.code))
    return out


def _other_options() -> list[tuple[str, str]]:
    """Tool A's "other: ___" blanks, one per category that has one."""
    return [(_("Other ({category})").format(category=cat.name), cat.code)
            for cat in tool_a_categories() if cat.other]


def _indicator_options() -> list[tuple[str, str]]:
    return [(_("not a state indicator"), "")] + [
        (f"{code}: {name}", code) for code, (name, _higher) in INDICATORS.items()]


def _group_options() -> list[tuple[str, str]]:
    return [(f"{code}: {name}", code) for code, name in GROUP_NAMES.items()]


MEASURE_SPECS = [
    Spec("indicator", "Indicator", required=True, help="what is measured, e.g. ELA distance "
         "from standard"),
    Spec("data_source", "Data source"),
    Spec("state_indicator", "State indicator", "choice", options=_indicator_options,
         help="the state's indicator this measures: its baseline then comes from the "
              "state's file, and its results from next year's"),
    Spec("student_group", "Student group", "choice", options=_group_options),
    Spec("baseline", "Baseline", "number"),
    Spec("baseline_year", "Baseline year", "int"),
    Spec("targets", "Targets", "targets"),
    Spec("higher_is_better", "Direction", "bool", help="higher is better"),
]


SWOT_ORDER = ["strength", "weakness", "opportunity", "threat"]


class PlanApp(App):
    name = "plan"
    title = "Plan builder"

    def build(self) -> None:
        self.doc = PlanDocument("")
        self.comments = OpenComments(self)
        live = self.update_findings
        self.direction = Editor(
            self, self.comments, key="direction", title="Direction", model=Direction,
            single=True, records=lambda: self.doc.of(Direction), new_values=dict,
            label=lambda r: "Direction",
            specs=[Spec("mission", "Mission", "area"), Spec("vision", "Vision", "area"),
                   Spec("purpose", "Purpose (theory of action)", "theory")],
            on_change=live)
        self.team_member = Editor(
            self, self.comments, key="team_member", title=_("Team member"), model=TeamMember,
            records=lambda: sorted(self.doc.of(TeamMember),
                                   key=lambda m: (m.rank, m.name.lower())),
            new_values=lambda: {"rank": len(self.doc.of(TeamMember)) + 1},
            label=lambda r: _short(f"{r.name}, {r.position}" if r.position else r.name),
            specs=[Spec("name", _("Name"), required=True, limit=200),
                   Spec("position", _("Position"), limit=200),
                   Spec("rank", _("Order"), "int", help=_("1 is listed first"))],
            on_change=live)
        self.signature = Editor(
            self, self.comments, key="signature", title=_("Plan signature"), model=Signature,
            records=lambda: sorted(self.doc.of(Signature), key=lambda s: s.signed),
            new_values=dict,
            label=lambda r: _short(f"{r.name} ({r.signed.isoformat()})"),
            specs=[Spec("name", _("Name"), required=True, limit=200),
                   Spec("position", _("Position"), limit=200),
                   Spec("plan_role", _("Improvement plan role"), limit=200),
                   Spec("signed", _("Date signed"), "date",
                        help=_("signing says: ") + SIGNATURE_STATEMENT)],
            on_change=live)
        self.glossary = Editor(
            self, self.comments, key="glossary", title="Glossary term", model=GlossaryTerm,
            records=lambda: sorted(self.doc.of(GlossaryTerm), key=lambda t: t.term.lower()),
            new_values=dict, label=lambda r: _short(r.term),
            specs=[Spec("term", "Term", required=True, limit=200),
                   Spec("definition", "Definition", "area", required=True)],
            on_change=live)
        self.needs_assessment = Editor(
            self, self.comments, key="needs_assessment", title="Needs assessment",
            model=NeedsAssessment, single=True,
            records=lambda: self.doc.of(NeedsAssessment), new_values=dict,
            label=lambda r: "Needs assessment",
            specs=[Spec("elements", _("Elements included in the needs assessment"), "checks",
                        options=_element_options, help=_("Tool A's categories")),
                   Spec("element_other", _("Other elements"), "notes",
                        options=_other_options),
                   Spec("process", tool_a_prompt("process"), "area"),
                   Spec("participants", _("Who took part"), "area"),
                   Spec("stakeholder_input", tool_a_prompt("stakeholder_input"), "area")],
            on_change=live)
        self.swot = Editor(
            self, self.comments, key="swot", title="SWOT entry", model=SwotEntry,
            records=lambda: sorted(self.doc.of(SwotEntry),
                                   key=lambda e: SWOT_ORDER.index(e.quadrant)),
            new_values=lambda: {"quadrant": "strength"},
            label=lambda r: f"{r.quadrant.capitalize()}: {_short(r.text, 60)}",
            specs=[Spec("quadrant", "Quadrant", "choice",
                        options=[(q.capitalize(), q) for q in SWOT_ORDER]),
                   Spec("text", "Entry", "area", required=True),
                   Spec("evidence", "Evidence", "area", help="the data or observation "
                        "behind it")],
            on_change=live)
        self.priority = Editor(
            self, self.comments, key="priority", title="Priority area", model=Priority,
            records=lambda: sorted(self.doc.of(Priority), key=lambda p: p.rank),
            new_values=lambda: {"rank": len(self.doc.of(Priority)) + 1},
            label=lambda r: f"{r.rank}. {_short(r.title)}",
            specs=[Spec("title", "Priority area", required=True, limit=500),
                   Spec("evidence", "Evidence", "area"),
                   Spec("rank", "Rank", "int", help="1 is the most urgent")],
            on_change=live)
        self.goal = Editor(
            self, self.comments, key="goal", title="Goal", model=Goal,
            records=lambda: self.doc.of(Goal), new_values=dict,
            label=lambda r: _short(r.title),
            specs=[Spec("title", "Goal", required=True, limit=500),
                   Spec("explanation", "Why this goal", "area")],
            on_show=lambda: self._children(self.goal, self.goal_measure), on_change=live)
        self.goal_measure = self._measure_editor("goal_measure", "Goal measure", self.goal)
        self.strategy = Editor(
            self, self.comments, key="strategy", title="Strategy", model=Strategy,
            records=lambda: self.doc.of(Strategy), new_values=dict,
            label=lambda r: _short(r.title),
            specs=[Spec("title", "Strategy", required=True, limit=500),
                   Spec("goal", "Goal it serves", "choice", options=self._goal_options),
                   Spec("theory_of_action", "Theory of action", "theory"),
                   Spec("practice", "Four Domains practice", "choice",
                        options=practice_options)],
            on_show=self._strategy_shown, on_change=live)
        self.strategy_measure = self._measure_editor("strategy_measure", "Strategy measure",
                                                     self.strategy)
        self.milestone = Editor(
            self, self.comments, key="milestone", title="Milestone", model=Milestone,
            records=lambda: [m for m in self.doc.of(Milestone)
                             if self.strategy.record and m.strategy == self.strategy.record.id],
            new_values=lambda: {"strategy": self.strategy.record.id
                                if self.strategy.record else ""},
            label=lambda r: f"Year {r.plan_year}: {_short(r.title)}",
            specs=[Spec("title", "Milestone", required=True, limit=500),
                   Spec("plan_year", "Plan year", "int"), Spec("due", "Due", "date")],
            on_show=lambda: self._children(self.milestone, self.action), on_change=live)
        self.action = Editor(
            self, self.comments, key="action", title="Action", model=Action,
            records=lambda: [a for a in self.doc.of(Action)
                             if self.milestone.record and a.milestone == self.milestone.record.id],
            new_values=lambda: {"milestone": self.milestone.record.id
                                if self.milestone.record else ""},
            label=lambda r: _short(r.title), aliases={"": "due"},
            specs=[Spec("title", "Action", required=True, limit=500),
                   Spec("outputs", "Outputs", "area"), Spec("start", "Start", "date"),
                   Spec("due", "Due", "date"),
                   Spec("budget", "Budget", "number", default=0.0),
                   Spec("funding_source", "Funding source"),
                   Spec("owner", "Person responsible"),
                   Spec("collaborators", "Collaborators", "list", help="names, commas "
                        "between")],
            on_change=live)
        self.editors: list[Editor[Any]] = [
            self.direction, self.team_member, self.signature, self.glossary,
            self.needs_assessment, self.swot, self.priority,
            self.goal, self.goal_measure, self.strategy, self.strategy_measure, self.milestone,
            self.action]
        self.findings = widgets.HTML()
        self.findings.add_class("wb-findings")
        self.deleted = DeletedRecords(self, reload=self.load)
        tabs = widgets.Tab(children=[
            widgets.VBox([self.direction.widget, self.team_member.widget,
                          self.signature.widget, self.glossary.widget,
                          questions_panel("direction")]),
            widgets.VBox([self.needs_assessment.widget, self.swot.widget,
                          self.priority.widget, questions_panel("needs")]),
            widgets.VBox([self.goal.widget, self.goal_measure.widget]),
            widgets.VBox([self.strategy.widget, self.strategy_measure.widget]),
            widgets.VBox([self.milestone.widget, self.action.widget]),
            self.deleted.widget])
        for i, t in enumerate(["Direction", "Needs and priorities", "Goals and measures",
                               "Strategies", "Milestones and actions", "Deleted"]):
            tabs.set_title(i, t)
        self.tabs = tabs
        side = widgets.VBox([self.findings, questions_panel("plan")],
                            layout=widgets.Layout(width="36%"))
        columns = widgets.HBox([widgets.VBox([tabs], layout=widgets.Layout(width="64%")),
                                side])
        columns.add_class("wb-cols")
        self.export = PlanExport(self)
        self.view = widgets.VBox([self.export.widget, columns])

    def _measure_editor(self, key: str, title: str, parent: Editor) -> Editor:
        return Editor(
            self, self.comments, key=key, title=title, model=Measure,
            records=lambda: [m for m in self.doc.of(Measure)
                             if parent.record and m.parent == parent.record.id],
            new_values=lambda: {"parent": parent.record.id if parent.record else "",
                                "student_group": "ALL", "higher_is_better": True},
            label=lambda r: _short(f"{r.indicator} ({r.student_group})"),
            specs=MEASURE_SPECS, on_change=self.update_findings)

    def _goal_options(self) -> list[tuple[str, str]]:
        return [("no goal chosen", "")] + [(_short(g.title), g.id) for g in self.doc.of(Goal)]

    def _children(self, parent: Editor, child: Editor) -> None:
        """A parent was shown: its children's list follows; no parent saved, no children."""
        if getattr(self, "editors", None) is None:
            return
        child.refresh()
        if parent.record is None:
            child.enable(False, f"Save the {parent.title.lower()} first; then add its "
                                f"{child.title.lower()}s here.")
        else:
            child.enable(True)

    def _strategy_shown(self) -> None:
        self._children(self.strategy, self.strategy_measure)
        self._children(self.strategy, self.milestone)

    # -- loading -----------------------------------------------------------------------
    def refresh_doc(self) -> None:
        self.doc = self.store.document(self.district_id)
        self.comments.refresh(self.doc)

    def load(self) -> None:
        self.refresh_doc()
        for e in (self.direction, self.team_member, self.signature, self.glossary,
                  self.needs_assessment, self.swot,
                  self.priority, self.goal, self.strategy):
            e.refresh()
        self.body.children = (self.view,)
        self.deleted.refresh()
        self.update_findings()

    # -- live findings -----------------------------------------------------------------
    def draft_document(self) -> PlanDocument:
        """The stored plan with every form's current (valid) contents in place."""
        drafts: dict[str, Record] = {}
        for e in self.editors:
            d = e.draft()
            if d is not None:
                drafts[d.id] = d
        doc = PlanDocument(self.district_id)
        for r in self.doc.all():
            doc.add(drafts.pop(r.id, r))
        for d in drafts.values():
            doc.add(d)
        return doc

    @guard("plan")
    def update_findings(self, *_: Any) -> None:
        if not self.district_id:
            return
        found = findings(self.draft_document())
        showing = {e.record.id if e.record else f"draft-{e.key}" for e in self.editors}
        items = []
        for f in found:
            here = f.record_id in showing
            style = " style='font-weight:600'" if here else ""
            mark = "▶ " if here else ""
            items.append(f"<li{style}>{mark}{esc(f.label)}: {esc(f.message)}</li>")
        n = len(found)
        head = (f"<h4>Plan quality: {n} finding{'s' if n != 1 else ''}</h4><p><small>Updated "
                "as you type; ▶ marks the records open in the forms.</small></p>")
        self.findings.value = head + (f"<ul>{''.join(items)}</ul>" if items else
                                      "<p>No findings on what is written so far.</p>")
        self.findings.add_class("wb-side")
        self.findings_list = found


def app() -> None:
    """Show the plan builder (the one call its notebook makes)."""
    run(PlanApp)
