"""Stage 3, create the plan: strategies as theories of action, milestones and actions."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from workbook.direction.model import split_theory
from workbook.records.base import PracticeCode, Record, ShortText, Text, check_practice


class Strategy(Record):
    """A strategy written as a theory of action and coded to a Four Domains practice."""

    kind: ClassVar[str] = "strategy"
    parent_field: ClassVar[str | None] = "goal"
    goal: str = ""  # id of the goal it serves
    title: ShortText
    theory_of_action: Text = ""  # "If we ..., then ..., and ..."
    practice: PracticeCode | None = None
    causes: list[str] = Field(default_factory=list)  # ids of the root causes it addresses

    @field_validator("practice", mode="before")
    @classmethod
    def _practice(cls, v: str | None) -> str | None:
        return check_practice(v)

    @property
    def parts(self) -> tuple[str, str, str]:
        """(if, then, and) of the theory of action."""
        return split_theory(self.theory_of_action)


class Milestone(Record):
    """An annual milestone on the way to a strategy's measure."""

    kind: ClassVar[str] = "milestone"
    parent_field: ClassVar[str | None] = "strategy"
    strategy: str
    title: ShortText
    plan_year: int = Field(default=1, ge=1, le=5)
    due: dt.date | None = None


class Action(Record):
    """Work that delivers a milestone: outputs, timeline, budget, owner and collaborators."""

    kind: ClassVar[str] = "action"
    parent_field: ClassVar[str | None] = "milestone"
    milestone: str
    title: ShortText
    outputs: Text = ""
    start: dt.date | None = None
    due: dt.date | None = None
    budget: float = Field(default=0, ge=0)
    funding_source: ShortText = ""
    owner: ShortText = ""
    collaborators: list[ShortText] = Field(default_factory=list)

    @model_validator(mode="after")
    def _dates(self) -> Action:
        if self.start and self.due and self.due < self.start:
            raise ValueError(f"due date {self.due} is before the start {self.start}")
        return self
