"""Stage 1, set the direction: mission, vision, purpose, goals, measures and glossary."""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar

from pydantic import Field, field_validator

from workbook.records.base import Record, ShortText, Text


class Direction(Record):
    """The district's mission, vision and purpose (the purpose is a theory of action)."""

    kind: ClassVar[str] = "direction"
    mission: Text = ""
    vision: Text = ""
    purpose: Text = ""  # "If we ..., then ..., and ..."


class Goal(Record):
    """A student-focused goal and why it was chosen."""

    kind: ClassVar[str] = "goal"
    title: ShortText
    explanation: Text = ""


class Measure(Record):
    """A performance measure: for a goal (goal measure) or a strategy (strategy measure).

    Targets are keyed by plan year (1, 2, 3); the guide asks for at least two.
    """

    kind: ClassVar[str] = "measure"
    parent_field: ClassVar[str | None] = "parent"
    parent: str  # id of the goal or strategy it measures
    indicator: ShortText
    data_source: ShortText = ""
    state_indicator: ShortText = ""  # e.g. "ELA" when the measure matches a state indicator
    student_group: ShortText = "ALL"
    baseline: float | None = None
    baseline_year: int | None = None
    targets: dict[int, float] = Field(default_factory=dict)
    higher_is_better: bool = True

    @field_validator("targets")
    @classmethod
    def _years(cls, v: dict[int, float]) -> dict[int, float]:
        bad = [y for y in v if not 1 <= int(y) <= 5]
        if bad:
            raise ValueError(f"target years must be plan years 1-5, found {bad}")
        return v


class TeamMember(Record):
    """A member of the leadership team (Tool A's at-a-glance "Name / Position")."""

    kind: ClassVar[str] = "team_member"
    name: ShortText
    position: ShortText = ""
    rank: int = Field(default=1, ge=1, le=999)  # order on the at-a-glance page


class Signature(Record):
    """A plan signature (Tool A: "I have reviewed the plan and understand the work that we
    need to do together to fully implement the plan"): name, position, improvement plan
    role and the date signed."""

    kind: ClassVar[str] = "signature"
    name: ShortText
    position: ShortText = ""
    plan_role: ShortText = ""
    signed: dt.date

    @field_validator("signed")
    @classmethod
    def _not_future(cls, v: dt.date) -> dt.date:
        if v > dt.date.today() + dt.timedelta(days=1):
            raise ValueError(f"a plan cannot be signed on {v}, a date still to come")
        return v


class GlossaryTerm(Record):
    """A term the plan uses, defined for families and board members."""

    kind: ClassVar[str] = "glossary"
    term: ShortText
    definition: Text


_TOA = re.compile(r"^\s*if\s+(?P<if>.+?)(?:,?\s+then\s+(?P<then>.+?))?(?:,?\s+and\s+(?P<and>.+))?$",
                  re.IGNORECASE | re.DOTALL)


def split_theory(text: str) -> tuple[str, str, str]:
    """Split "If we ..., then ..., and ..." into its three parts ("" where missing)."""
    m = _TOA.match(text or "")
    if not m:
        return "", "", ""
    first, then, also = ((m.group(k) or "").strip().rstrip(".,;") for k in ("if", "then", "and"))
    return first, then, also
