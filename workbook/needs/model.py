"""Stage 2, assess needs: the needs assessment, SWOT, priorities and self-reflection ratings."""

from __future__ import annotations

from typing import ClassVar, Literal

import pandas as pd
from pydantic import Field, field_validator

from workbook import catalogue
from workbook.errors import WorkbookError
from workbook.records.base import ElementCode, Record, ShortText, Text

#: Tool A's checklist of needs-assessment elements.
NEEDS_ELEMENTS = (
    "student outcome data", "student group data", "perception data (surveys)",
    "process and program data", "demographic data", "staff data",
    "fiscal and resource data", "self-reflection rubric (Tool C)",
)


class NeedsAssessment(Record):
    """How the needs assessment was done, who took part, and which elements it covered."""

    kind: ClassVar[str] = "needs_assessment"
    elements: list[ShortText] = Field(default_factory=list)
    process: Text = ""
    participants: Text = ""
    stakeholder_input: Text = ""


class SwotEntry(Record):
    """A strength, weakness, opportunity or threat, with the evidence behind it."""

    kind: ClassVar[str] = "swot"
    quadrant: Literal["strength", "weakness", "opportunity", "threat"]
    text: Text
    evidence: Text = ""


class Priority(Record):
    """A priority area chosen from the needs assessment (the guide recommends at most four)."""

    kind: ClassVar[str] = "priority"
    title: ShortText
    evidence: Text = ""
    rank: int = 1


class Rating(Record):
    """One rater's rating of one Tool C element: a performance level 1-4 and evidence."""

    kind: ClassVar[str] = "rating"
    rater: ShortText  # kept private: aggregates never show it
    element: ElementCode
    level: int = Field(ge=1, le=4)
    evidence: Text = ""

    @field_validator("element")
    @classmethod
    def _known(cls, v: str) -> str:
        try:
            catalogue.element(v)
        except WorkbookError as exc:
            raise ValueError(str(exc)) from None
        return v


def aggregate_ratings(ratings: list[Rating], by: Literal["element", "practice", "domain"]
                      = "element", min_raters: int = 1) -> pd.DataFrame:
    """Mean level, spread and agreement per element/practice/domain, without rater names.

    `min_raters` hides any row rated by fewer people than that, so a lone rater's view
    cannot be read off a team summary.
    """
    cols = [by, "raters", "ratings", "mean_level", "min_level", "max_level", "agreement"]
    if not ratings:
        return pd.DataFrame(columns=cols)
    f = pd.DataFrame({"rater": r.rater, "element": r.element, "level": r.level}
                     for r in ratings)
    f["practice"] = f["element"].str[:2]
    f["domain"] = f["element"].str[:1]
    # one rating per rater and element: a rater's latest entry wins upstream in the store
    g = f.groupby(by)
    out = pd.DataFrame({
        "raters": g["rater"].nunique(),
        "ratings": g["level"].size(),
        "mean_level": g["level"].mean().round(2),
        "min_level": g["level"].min(),
        "max_level": g["level"].max(),
        # share of ratings at the most common level: 1.0 = everyone agrees
        "agreement": g["level"].agg(lambda s: s.value_counts().iloc[0] / len(s)).round(2),
    }).reset_index()
    return out[out["raters"] >= min_raters][cols].reset_index(drop=True)
