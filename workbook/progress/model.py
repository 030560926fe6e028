"""Stages 5 and 6, implement, monitor and adjust: status updates, results, supports."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import ClassVar, Literal, get_args

import yaml
from pydantic import Field, field_validator

from workbook import paths
from workbook.records.base import PracticeCode, Record, ShortText, Text, check_practice

Status = Literal["not started", "on track", "behind", "complete"]
STATUSES: tuple[Status, ...] = get_args(Status)


class StatusUpdate(Record):
    """A dated status of one action (monthly), with what was delivered and spent."""

    kind: ClassVar[str] = "status"
    parent_field: ClassVar[str | None] = "action"
    action: str
    date: dt.date
    status: Status
    output_delivered: bool = False
    budget_used: float = Field(default=0, ge=0)
    cause: Text = ""  # why it is behind
    adjustment: Text = ""


class MilestoneReview(Record):
    """A semester review of a milestone (Tool A: "milestones reviewed per semester").

    `semester` (1 or 2 of its plan year) is optional: older reviews carry only their date,
    and `progress.quarterly.semester_of` places them by it.
    """

    kind: ClassVar[str] = "milestone_review"
    parent_field: ClassVar[str | None] = "milestone"
    milestone: str
    date: dt.date
    complete: bool = False
    notes: Text = ""
    semester: int | None = Field(default=None, ge=1, le=2)
    reviewer: ShortText = ""  # who reviewed it (the team, a coach)


#: Where a Result's value came from.
ResultSource = Literal["typed", "state file"]


class Result(Record):
    """The annual result of a measure for one plan year, with Tool A's "explanation and
    needed adjustments" column.

    A result read from the state's file for that year (`progress.results.proposals`) is
    saved only once a person confirms it; `source` and `source_note` say where it came from
    (the file, the district row, the school year), so a typed value is never mistaken
    for the state's. Older results load with the defaults (typed).
    """

    kind: ClassVar[str] = "result"
    parent_field: ClassVar[str | None] = "measure"
    measure: str
    plan_year: int = Field(ge=1, le=5)
    value: float
    notes: Text = ""
    explanation: Text = ""  # Tool A: explanation and needed adjustments
    school_year: int | None = None  # spring of the school year the value describes
    source: ResultSource = "typed"
    source_note: ShortText = ""  # e.g. the state file and row the value was read from


def states_dir() -> Path:
    """Where the states' rules live: each state's support types are listed under
    `supports: types:` in one of its files (Oregon: continuum.yaml; California:
    supports.yaml)."""
    return paths.root() / "parameters" / "states"


def type_words(value: str) -> str:
    """A support type as stored: lower-case words ("Technical_Assistance" -> "technical
    assistance")."""
    return " ".join(value.replace("_", " ").split()).lower()


@functools.cache
def support_types(state: str) -> tuple[str, ...]:
    """The support types on `state`'s continuum, in the order its rules list them, read from
    `parameters/states/<state>/*.yaml` (`supports: types: [{code, name, source}]`).

    A state whose files list none has none (the app then accepts any type typed in)."""
    folder = states_dir() / state.lower()
    found: list[str] = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        supports = data.get("supports") if isinstance(data, dict) else None
        types = supports.get("types") if isinstance(supports, dict) else None
        for t in types or []:
            word = type_words(str(t.get("name") or t.get("code") or "")) \
                if isinstance(t, dict) else type_words(str(t))
            if word and word not in found:
                found.append(word)
    return tuple(found)


SupportType = Literal["technical assistance", "professional development", "coaching",
                      "corrective action", "differentiated assistance",
                      "intensive intervention"]
#: Every state's types together (`SupportType`: the network's provider files name them; a
#: test keeps it equal to `all_support_types()`, read from the states' rules). A district's
#: own choices are its state's `support_types`.
#: SUPPORT_TYPES: the types the generated network regions draw from, in their historical
#: order (a seeded region stays the same region).
SUPPORT_TYPES: tuple[SupportType, ...] = (
    "technical assistance", "professional development", "coaching", "corrective action",
    "differentiated assistance")


#: Every state's types (for records whose state is not known here): Oregon's continuum
#: (seed 000) and California's system of support (seed 001), read from their rules.
def all_support_types() -> tuple[str, ...]:
    seen: list[str] = []
    root = states_dir()
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        seen += [t for t in support_types(folder.name) if t not in seen]
    return tuple(seen)


#: Support.effectiveness -> what the score means, written out (Tool A's supports table).
EFFECTIVENESS: dict[int, str] = {1: "not at all effective", 2: "somewhat effective",
                                 3: "mostly effective", 4: "very effective"}


class Support(Record):
    """A support the district needs or received, who gave it, and how well it worked.

    The fields after `effectiveness` are optional (older plans load unchanged): where the
    support sits on the continuum (`support_type`: one of the state's `support_types`), the
    practice, priority or strategy it serves, when it was needed, asked for and given, and
    the evidence behind the effectiveness score (`EFFECTIVENESS` says what each score
    means), so the network view can ask whether a support moved implementation and results.
    """

    kind: ClassVar[str] = "support"
    need: Text
    provided: bool = False
    provider: ShortText = ""
    how_used: Text = ""
    effectiveness: int | None = Field(default=None, ge=1, le=4)  # 1 not at all .. 4 very
    support_type: ShortText | None = None  # a type on the state's continuum
    practice: PracticeCode | None = None  # the Four Domains practice it helps with
    priority: str = ""  # id of the priority area it serves
    strategy: str = ""  # id of the strategy it serves
    needed: dt.date | None = None  # when the district needed it
    requested: dt.date | None = None
    provided_on: dt.date | None = None
    evidence: Text = ""  # what shows how effective it was

    @field_validator("practice", mode="before")
    @classmethod
    def _practice(cls, v: str | None) -> str | None:
        return check_practice(v)

    @field_validator("support_type", mode="before")
    @classmethod
    def _type(cls, v: str | None) -> str | None:
        """A type some state's continuum lists (parameters/states/*/), in its words."""
        if not isinstance(v, str):
            return v
        word = type_words(v) or None
        known = all_support_types()
        if word is not None and known and word not in known:
            raise ValueError(f"{v!r} is not a type of support on any state's continuum; "
                             f"use one of: {', '.join(known)}")
        return word

    @property
    def effectiveness_meaning(self) -> str:
        """The score in words ("" when not rated)."""
        return EFFECTIVENESS.get(self.effectiveness or 0, "")


class Adjustment(Record):
    """A change to the plan (stage 6): what changed, why, and who was told and when.

    `target` is the record adjusted ("" for the plan as a whole). `told` and `told_on` are
    optional (older adjustments load unchanged)."""

    kind: ClassVar[str] = "adjustment"
    target: str = ""  # id of the record adjusted, "" for the whole plan
    date: dt.date
    change: Text
    reason: Text
    told: Text = ""  # who was told (board, staff, families, the state liaison)
    told_on: dt.date | None = None


class Comment(Record):
    """A coach's or liaison's comment on any record, open until the district resolves it."""

    kind: ClassVar[str] = "comment"
    parent_field: ClassVar[str | None] = "target"
    target: str  # id of the record commented on
    author: ShortText
    text: Text
    created: dt.datetime
    resolved: bool = False
    resolved_by: ShortText = ""
