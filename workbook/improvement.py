"""A district's whole improvement plan as one document, and the coach's quality findings.

The store holds records one by one; this module gathers them into a `PlanDocument` (for
notebooks, YAML and Excel) and checks it the way a coach would. Findings are returned,
never raised: a plan in progress is allowed to be incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbook.direction import Direction, GlossaryTerm, Goal, Measure
from workbook.needs import NeedsAssessment, Priority, Rating, SwotEntry
from workbook.organisation import Organisation
from workbook.plan import Action, Milestone, Strategy
from workbook.progress import (
    Adjustment,
    Comment,
    MilestoneReview,
    Result,
    StatusUpdate,
    Support,
)
from workbook.records import Record
from workbook.rootcause import Cause, Symptom, Why, cause_flags

#: kind -> model, in the order a plan reads (parents before children).
KINDS: dict[str, type[Record]] = {m.kind: m for m in (
    Organisation, Direction, Goal, Strategy, Measure, GlossaryTerm, NeedsAssessment, SwotEntry,
    Priority, Rating, Symptom, Why, Cause, Milestone, Action, StatusUpdate, MilestoneReview,
    Result, Support, Adjustment, Comment)}
#: how collections are named in YAML and Excel
SECTION = {k: (k + "s" if not k.endswith("s") else k) for k in KINDS}
SECTION.update({"direction": "direction", "organisation": "organisation",
                "glossary": "glossary", "swot": "swot", "needs_assessment": "needs_assessment",
                "why": "whys", "status": "status_updates", "milestone_review":
                "milestone_reviews", "priority": "priorities", "strategy": "strategies"})


@dataclass
class PlanDocument:
    """Every record of one organisation's plan, grouped by kind."""

    org_id: str
    records: dict[str, list[Record]] = field(default_factory=dict)

    def of(self, kind: str) -> list[Record]:
        return self.records.get(kind, [])

    def add(self, record: Record) -> Record:
        self.records.setdefault(record.kind, []).append(record)
        return record

    def get(self, record_id: str) -> Record | None:
        for items in self.records.values():
            for r in items:
                if r.id == record_id:
                    return r
        return None

    def all(self) -> list[Record]:
        return [r for kind in KINDS for r in self.of(kind)]

    @property
    def organisation(self) -> Organisation | None:
        orgs = self.of("organisation")
        return orgs[0] if orgs else None  # type: ignore[return-value]

    def open_comments(self) -> list[Comment]:
        return [c for c in self.of("comment") if not c.resolved]  # type: ignore[misc]


@dataclass(frozen=True)
class Finding:
    """Something a coach would point out, with the record it is about."""

    record_id: str
    kind: str
    label: str
    message: str
    stage: str  # the cycle stage whose coaching questions help: direction, plan, ...

    def __str__(self) -> str:
        return f"{self.label}: {self.message}"


def findings(doc: PlanDocument) -> list[Finding]:
    """Every plan-quality finding, in plan order."""
    out: list[Finding] = []

    def add(r: Record, message: str, stage: str) -> None:
        out.append(Finding(r.id, r.kind, r.label(), message, stage))

    measures_of: dict[str, list[Measure]] = {}
    for m in doc.of("measure"):
        measures_of.setdefault(m.parent, []).append(m)  # type: ignore[attr-defined]
    for d in doc.of("direction"):
        if_, then, and_ = _split(d.purpose)  # type: ignore[attr-defined]
        if d.purpose and not (then and and_):  # type: ignore[attr-defined]
            add(d, "the purpose is not a full theory of action (If we ..., then ..., and ...)",
                "direction")
    for g in doc.of("goal"):
        if g.id not in measures_of:
            add(g, "goal has no goal performance measure", "direction")
    for s in doc.of("strategy"):
        if s.id not in measures_of:
            add(s, "strategy has no strategy performance measure", "plan")
        if_, then, and_ = s.parts  # type: ignore[attr-defined]
        if not if_:
            add(s, "theory of action does not start with 'If we ...'", "plan")
        if not then:
            add(s, "theory of action is missing its 'then ...' (what changes for adults)",
                "plan")
        if not and_:
            add(s, "theory of action is missing its 'and ...' (what changes for students)",
                "plan")
        if not s.practice:  # type: ignore[attr-defined]
            add(s, "strategy is not coded to a Four Domains practice (1a-4c)", "plan")
    for m in doc.of("measure"):
        if m.baseline is None:  # type: ignore[attr-defined]
            add(m, "measure has no baseline", "plan")
        if len(m.targets) < 2:  # type: ignore[attr-defined]
            add(m, f"measure has {len(m.targets)} target(s); set targets for at least two "  # type: ignore[attr-defined]
                "years", "plan")
    actions_of = {a.milestone for a in doc.of("action")}  # type: ignore[attr-defined]
    for ms in doc.of("milestone"):
        if ms.id not in actions_of:
            add(ms, "milestone has no actions", "plan")
    for a in doc.of("action"):
        if not a.owner:  # type: ignore[attr-defined]
            add(a, "action has no person responsible", "implement")
        if a.due is None:  # type: ignore[attr-defined]
            add(a, "action has no due date", "implement")
    priorities = doc.of("priority")
    if len(priorities) > 4:
        add(priorities[4], f"{len(priorities)} priority areas; the guide recommends at most "
            "four", "needs")
    for c in doc.of("cause"):
        for flag in cause_flags(c):  # type: ignore[arg-type]
            add(c, f"cause: {flag}", "rootcause")
    return out


def _split(text: str) -> tuple[str, str, str]:
    from workbook.direction import split_theory

    return split_theory(text)
