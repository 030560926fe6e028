"""A district's whole improvement plan as one document, and the coach's quality findings.

The store holds records one by one; this module gathers them into a `PlanDocument` (for
notebooks, YAML and Excel) and checks it the way a coach would. Findings are returned,
never raised: a plan in progress is allowed to be incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbook.direction.model import Direction, GlossaryTerm, Goal, Measure, Signature, TeamMember
from workbook.needs.model import (
    Consensus,
    NeedsAssessment,
    Priority,
    Rating,
    Reflection,
    SwotEntry,
)
from workbook.plan.model import Action, Milestone, Strategy
from workbook.progress.model import (
    Adjustment,
    Comment,
    MilestoneReview,
    Result,
    StatusUpdate,
    Support,
)
from workbook.records.base import R, Record
from workbook.records.organisation import Organisation
from workbook.rootcause.model import Cause, Symptom, Why, cause_flags

#: kind -> model, in the order a plan reads (parents before children).
KINDS: dict[str, type[Record]] = {m.kind: m for m in (
    Organisation, TeamMember, Signature, Direction, Goal, Strategy, Measure, GlossaryTerm,
    NeedsAssessment, SwotEntry, Priority, Rating, Reflection, Consensus, Symptom, Why, Cause,
    Milestone, Action, StatusUpdate, MilestoneReview, Result, Support, Adjustment, Comment)}
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

    def of(self, model: type[R]) -> list[R]:
        """The records of one kind, typed: `doc.of(Strategy)` is a `list[Strategy]`."""
        return self.records.get(model.kind, [])  # type: ignore[return-value]  # add() keys by kind

    def of_kind(self, kind: str) -> list[Record]:
        """The records of a kind named by its string (for code that walks every kind)."""
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
        return [r for kind in KINDS for r in self.of_kind(kind)]

    @property
    def organisation(self) -> Organisation | None:
        orgs = self.of(Organisation)
        return orgs[0] if orgs else None

    def open_comments(self) -> list[Comment]:
        return [c for c in self.of(Comment) if not c.resolved]


#: Links that point at a record without belonging to it: deleting the record clears the
#: link (the strategy stays, without a goal; the analysis stays, without a priority area).
#: Every other parent link means "part of": the part goes with the whole.
REFERENCE_LINKS = {("strategy", "goal"), ("symptom", "priority")}


@dataclass
class Removal:
    """What deleting one record does to the plan: what goes with it, what is unlinked."""

    record: Record
    delete: list[Record]  # the record first, then everything that belongs to it
    unlink: list[Record]  # copies with the link to a deleted record cleared

    def summary(self) -> str:
        """"the strategy, 2 measures, 3 milestones ..." in words."""
        counts: dict[str, int] = {}
        for r in self.delete[1:]:
            counts[r.kind] = counts.get(r.kind, 0) + 1
        words = [f"{n} {_NOUNS.get(k, k)[n != 1]}" for k, n in counts.items()]
        text = f"{self.record.label()}" + (f", with {_join(words)}" if words else "")
        if self.unlink:
            n = len(self.unlink)
            verbs = ("points", "stays") if n == 1 else ("point", "stay")
            text += (f"; {n} record{'s' if n != 1 else ''} that {verbs[0]} to it "
                     f"({_join(sorted({r.label() for r in self.unlink}))}) {verbs[1]}, "
                     "unlinked")
        return text


_NOUNS = {"measure": ("measure", "measures"), "milestone": ("milestone", "milestones"),
          "action": ("action", "actions"), "status": ("status update", "status updates"),
          "milestone_review": ("milestone review", "milestone reviews"),
          "result": ("annual result", "annual results"), "comment": ("comment", "comments"),
          "why": ("why", "whys"), "cause": ("cause", "causes")}


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def removal(doc: PlanDocument, record: Record) -> Removal:
    """Everything deleting `record` from `doc` deletes (its parts, their parts, comments
    on any of them) and the records whose reference to it is cleared (REFERENCE_LINKS)."""
    children: dict[str, list[Record]] = {}
    for r in doc.all():
        pid = r.parent_id
        if pid:
            children.setdefault(pid, []).append(r)
    delete, unlink, seen = [record], [], {record.id}
    i = 0
    while i < len(delete):
        for child in children.get(delete[i].id, []):
            if child.id in seen:
                continue
            if (child.kind, child.parent_field) in REFERENCE_LINKS:
                unlink.append(child.model_copy(update={str(child.parent_field): ""}))
            else:
                delete.append(child)
            seen.add(child.id)
        i += 1
    gone = {d.id for d in delete}
    unlink = [u for u in unlink if u.id not in gone]
    # strategies name the root causes they address: a deleted cause leaves that list
    kept = {u.id: u for u in unlink}
    for s in doc.of(Strategy):
        causes = getattr(s, "causes", [])
        if s.id not in gone and any(c in gone for c in causes):
            base = kept.get(s.id, s)
            kept[s.id] = base.model_copy(update={"causes": [c for c in causes
                                                            if c not in gone]})
    return Removal(record, delete, list(kept.values()))


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
    for m in doc.of(Measure):
        measures_of.setdefault(m.parent, []).append(m)
    for d in doc.of(Direction):
        if_, then, and_ = _split(d.purpose)
        if d.purpose and not (then and and_):
            add(d, "the purpose is not a full theory of action (If we ..., then ..., and ...)",
                "direction")
    for g in doc.of(Goal):
        if g.id not in measures_of:
            add(g, "goal has no goal performance measure", "direction")
    for s in doc.of(Strategy):
        if s.id not in measures_of:
            add(s, "strategy has no strategy performance measure", "plan")
        if_, then, and_ = s.parts
        if not if_:
            add(s, "theory of action does not start with 'If we ...'", "plan")
        if not then:
            add(s, "theory of action is missing its 'then ...' (what changes for adults)",
                "plan")
        if not and_:
            add(s, "theory of action is missing its 'and ...' (what changes for students)",
                "plan")
        if not s.practice:
            add(s, "strategy is not coded to a Four Domains practice (1a-4c)", "plan")
    for m in doc.of(Measure):
        if m.baseline is None:
            add(m, "measure has no baseline", "plan")
        if len(m.targets) < 2:
            add(m, f"measure has {len(m.targets)} target(s); set targets for at least two "
                "years", "plan")
    actions_of = {a.milestone for a in doc.of(Action)}
    for ms in doc.of(Milestone):
        if ms.id not in actions_of:
            add(ms, "milestone has no actions", "plan")
    for a in doc.of(Action):
        if not a.owner:
            add(a, "action has no person responsible", "implement")
        if a.due is None:
            add(a, "action has no due date", "implement")
    priorities = doc.of(Priority)
    if len(priorities) > 4:
        add(priorities[4], f"{len(priorities)} priority areas; the guide recommends at most "
            "four", "needs")
    for c in doc.of(Cause):
        for flag in cause_flags(c):
            add(c, f"cause: {flag}", "rootcause")
    return out


def _split(text: str) -> tuple[str, str, str]:
    from workbook.direction.model import split_theory

    return split_theory(text)
