"""Stage 2b, root cause analysis: 5 Whys chains and fishbone causes, each with evidence."""

from __future__ import annotations

from typing import ClassVar, Literal, get_args

from pydantic import Field, field_validator

from workbook.records.base import PracticeCode, Record, Text, check_practice

FishboneCategory = Literal["students", "staff", "curriculum and instruction", "leadership",
                           "systems and processes", "family and community", "resources"]
#: Fishbone (Tool D) categories used in school improvement.
FISHBONE_CATEGORIES: tuple[FishboneCategory, ...] = get_args(FishboneCategory)


class Symptom(Record):
    """The problem as seen in the data, tied to a priority area."""

    kind: ClassVar[str] = "symptom"
    parent_field: ClassVar[str | None] = "priority"
    priority: str = ""  # id of the priority area
    statement: Text


class Why(Record):
    """One answer in a 5 Whys chain (step 1 answers why the symptom happens)."""

    kind: ClassVar[str] = "why"
    parent_field: ClassVar[str | None] = "symptom"
    symptom: str
    step: int = Field(ge=1, le=7)
    text: Text
    evidence: Text = ""


class Cause(Record):
    """A candidate cause: from a fishbone category or the end of a 5 Whys chain."""

    kind: ClassVar[str] = "cause"
    parent_field: ClassVar[str | None] = "symptom"
    symptom: str
    text: Text
    category: FishboneCategory = "systems and processes"
    evidence: Text = ""
    actionable: bool | None = None
    practice: PracticeCode | None = None
    impact: int | None = Field(default=None, ge=1, le=5)  # team's judgement, for prioritising
    prioritised: bool = False

    @field_validator("practice", mode="before")
    @classmethod
    def _practice(cls, v: str | None) -> str | None:
        return check_practice(v)


#: Words that usually mark a symptom or an excuse rather than a root cause in our control.
NOT_ROOT_WORDS = ("money", "funding", "budget", "time", "lazy", "parents don't", "parents do not",
                  "don't care", "do not care", "poverty", "their fault", "blame")


def cause_flags(cause: Cause) -> list[str]:
    """Why a cause may be a symptom, not a root cause (empty when it looks sound)."""
    flags = []
    if not cause.evidence.strip():
        flags.append("no evidence")
    if cause.actionable is False:
        flags.append("not actionable")
    low = cause.text.lower()
    if any(w in low for w in NOT_ROOT_WORDS):
        flags.append("stops at money, time or blame: ask why once more")
    return flags
