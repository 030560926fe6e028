"""Stages 5 and 6, implement, monitor and adjust: status updates, results, supports."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal, get_args

from pydantic import Field, field_validator

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
    """A semester review of a milestone."""

    kind: ClassVar[str] = "milestone_review"
    parent_field: ClassVar[str | None] = "milestone"
    milestone: str
    date: dt.date
    complete: bool = False
    notes: Text = ""


class Result(Record):
    """The annual result of a measure for one plan year."""

    kind: ClassVar[str] = "result"
    parent_field: ClassVar[str | None] = "measure"
    measure: str
    plan_year: int = Field(ge=1, le=5)
    value: float
    notes: Text = ""


SupportType = Literal["technical assistance", "professional development", "coaching",
                      "corrective action", "differentiated assistance"]
#: The continuum of supports, lightest first (Oregon's continuum, seed 000, and California's
#: differentiated assistance, seed 001).
SUPPORT_TYPES: tuple[SupportType, ...] = get_args(SupportType)


class Support(Record):
    """A support the district needs or received, who gave it, and how well it worked.

    The fields after `effectiveness` are optional (older plans load unchanged): where the
    support sits on the continuum, the practice, priority or strategy it serves, when it
    was asked for and given, and the evidence behind the effectiveness rating, so the
    network view can ask whether a support moved implementation and results.
    """

    kind: ClassVar[str] = "support"
    need: Text
    provided: bool = False
    provider: ShortText = ""
    how_used: Text = ""
    effectiveness: int | None = Field(default=None, ge=1, le=4)  # 1 not at all .. 4 very
    support_type: SupportType | None = None
    practice: PracticeCode | None = None  # the Four Domains practice it helps with
    priority: str = ""  # id of the priority area it serves
    strategy: str = ""  # id of the strategy it serves
    requested: dt.date | None = None
    provided_on: dt.date | None = None
    evidence: Text = ""  # what shows how effective it was

    @field_validator("practice", mode="before")
    @classmethod
    def _practice(cls, v: str | None) -> str | None:
        return check_practice(v)


class Adjustment(Record):
    """A change to the plan and the reason for it."""

    kind: ClassVar[str] = "adjustment"
    target: str = ""  # id of the record adjusted
    date: dt.date
    change: Text
    reason: Text


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
