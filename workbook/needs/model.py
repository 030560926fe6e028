"""Stage 2, assess needs: the needs assessment, SWOT, priorities and self-reflection ratings."""

from __future__ import annotations

import functools
from importlib import resources
from typing import ClassVar, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workbook import catalogue
from workbook.errors import WorkbookError
from workbook.records.base import ElementCode, PracticeCode, Record, ShortText, Text, check_practice


class ToolAOption(BaseModel):
    """One check box of a Tool A needs-assessment category ("attendance")."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^[a-z_]+$")
    name: str


class ToolACategory(BaseModel):
    """One line of Tool A's "Elements" checklist: its check boxes, its "other: ___"
    blank and its "(e.g., ...)" list."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^[a-z_]+$")
    name: str
    options: tuple[ToolAOption, ...] = ()
    other: bool = False
    examples: str = ""

    def codes(self) -> tuple[str, ...]:
        """The element codes this category stores: "category.option", or the category's
        own code when it has no check boxes of its own."""
        return tuple(f"{self.code}.{o.code}" for o in self.options) or (self.code,)


class _ToolAFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: dict[str, object]
    prompts: dict[str, str]
    categories: tuple[ToolACategory, ...]
    legacy: dict[str, tuple[str, ...]]


@functools.cache
def _tool_a() -> _ToolAFile:
    text = resources.files(catalogue).joinpath("tool_a.yaml").read_text(encoding="utf-8")
    try:
        data = _ToolAFile.model_validate(yaml.safe_load(text))
    except (ValidationError, yaml.YAMLError) as exc:
        raise WorkbookError(f"workbook/catalogue/tool_a.yaml is not valid: {exc}") from None
    known = {c for cat in data.categories for c in cat.codes()}
    bad = sorted({c for codes in data.legacy.values() for c in codes} - known)
    if bad:
        raise WorkbookError(f"workbook/catalogue/tool_a.yaml: legacy items map to unknown "
                            f"codes {bad}; known: {sorted(known)}")
    return data


def tool_a_categories() -> tuple[ToolACategory, ...]:
    """Tool A's needs-assessment categories, in the template's order."""
    return _tool_a().categories


def tool_a_prompt(key: str) -> str:
    """Tool A's wording of a needs-assessment prompt ("elements", "process",
    "stakeholder_input")."""
    return _tool_a().prompts[key]


def element_label(code: str) -> str:
    """"Student engagement: attendance" for "engagement.attendance"; a text that is not a
    Tool A code (typed by hand in an older plan) is shown as written."""
    cat_code, _, option = code.partition(".")
    for cat in tool_a_categories():
        if cat.code == cat_code:
            for o in cat.options:
                if o.code == option:
                    return f"{cat.name}: {o.name}"
            if not option:
                return cat.name
    return code


def _elements(values: list[str]) -> list[str]:
    """Tool A codes for stored elements: the eight items earlier versions offered are mapped
    to the codes they stand for (`legacy` in tool_a.yaml); anything else is kept as written,
    each once, in the order given."""
    legacy = {k.lower(): v for k, v in _tool_a().legacy.items()}
    out: list[str] = []
    for v in values:
        for code in legacy.get(str(v).strip().lower(), (v,)):
            if code not in out:
                out.append(code)
    return out


def needs_elements() -> tuple[str, ...]:
    """Every Tool A element code, in the template's order (tool_a.yaml)."""
    return tuple(c for cat in tool_a_categories() for c in cat.codes())


class NeedsAssessment(Record):
    """How the needs assessment was done, who took part, and which of Tool A's elements it
    covered (`elements`: codes such as "engagement.attendance"; `element_other`: the text of
    a category's "other: ___" blank, by category code)."""

    kind: ClassVar[str] = "needs_assessment"
    elements: list[ShortText] = Field(default_factory=list)
    element_other: dict[str, ShortText] = Field(default_factory=dict)
    process: Text = ""
    participants: Text = ""
    stakeholder_input: Text = ""

    @field_validator("elements", mode="after")
    @classmethod
    def _tool_a_codes(cls, v: list[str]) -> list[str]:
        return _elements(v)

    @field_validator("element_other", mode="after")
    @classmethod
    def _other_blanks(cls, v: dict[str, str]) -> dict[str, str]:
        blanks = {c.code for c in tool_a_categories() if c.other}
        bad = sorted(set(v) - blanks)
        if bad:
            raise ValueError(f"{bad} have no 'other' blank in Tool A; those that do: "
                             f"{sorted(blanks)}")
        return {k: t for k, t in v.items() if t}


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


#: Kinds of record that are one rater's own: only that rater (and the team's anonymous
#: aggregate) ever sees them (workbook.apps.roles).
PRIVATE_KINDS = frozenset({"rating", "reflection"})


class Reflection(Record):
    """One rater's strengths and weaknesses in one Four Domains domain (Tool C's closing
    "Strengths and Weaknesses in ..." row of each domain); private to the rater."""

    kind: ClassVar[str] = "reflection"
    rater: ShortText  # kept private: tables never show it
    domain: int = Field(ge=1, le=4)
    strengths: Text = ""
    weaknesses: Text = ""

    def label(self) -> str:
        return f"reflection on domain {self.domain}"


class Consensus(Record):
    """The level the team agreed on for one practice after discussing its ratings: entered
    by the team, never derived from the ratings (it sits beside their anonymous mean)."""

    kind: ClassVar[str] = "consensus"
    practice: PracticeCode
    level: int = Field(ge=1, le=4)
    note: Text = ""

    @field_validator("practice", mode="before")
    @classmethod
    def _practice(cls, v: str) -> str | None:
        return check_practice(v)

    def label(self) -> str:
        return f"consensus on {self.practice}"


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
