"""The texts of the illustrative sample plans, by theme (academic, attendance, behaviour,
graduation, college and career, English learners), read from `themes.yaml` and checked: every
practice code is a Four Domains practice, every theme has five whys, two milestones and five
actions, and every goal indicator has exactly one theme."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from workbook import catalogue
from workbook.errors import WorkbookError
from workbook.rootcause.model import FishboneCategory


@dataclass(frozen=True)
class ActionText:
    """One action of a theme (see themes.yaml)."""

    title: str
    outputs: str
    budget: float  # for a district of about 2,500 students; scaled by enrolment
    funding: str
    owner: str
    collaborators: tuple[str, ...]


@dataclass(frozen=True)
class Theme:
    """The invented part of one goal's plan, adapted from the guide's own examples.

    Built from one theme of themes.yaml for one indicator (`_ThemeIn.for_indicator`).
    """

    goal: str
    why: str  # the goal's explanation, before the evidence
    priority: str
    symptom: str
    whys: tuple[tuple[str, str], ...]  # (answer, evidence), five of them
    root: tuple[str, str, int]  # the last why as a cause: (category, practice, impact)
    fishbone: tuple[tuple[str, str, str, str, int, bool], ...]
    # (category, cause, evidence, practice, impact, addressed by the strategy)
    strategy: str
    toa: tuple[str, str, str]  # if we ..., then ..., and ...
    practice: str
    measure: tuple[str, str, tuple[int, ...], tuple[int, int, int]]
    # (indicator, data source, baseline choices, target gains for years 1-3)
    milestones: tuple[str, str]
    actions: tuple[ActionText, ...]  # three for milestone 1, two for milestone 2


_Text = Annotated[str, Field(min_length=1)]


_Code = Annotated[str, Field(pattern=r"^[1-4][a-c]$")]  # a Four Domains practice


_Impact = Annotated[int, Field(ge=1, le=5)]


_PLACEHOLDER = re.compile(r"\{(\w*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _WhyIn(_Strict):
    answer: _Text
    evidence: _Text


class _RootIn(_Strict):
    category: FishboneCategory
    practice: _Code
    impact: _Impact


class _CauseIn(_RootIn):
    cause: _Text
    evidence: _Text
    addressed: bool


class _TheoryIn(_Strict):
    if_: _Text = Field(alias="if")
    then: _Text
    and_: _Text = Field(alias="and")


class _MeasureIn(_Strict):
    indicator: _Text
    data_source: _Text
    baselines: tuple[int, ...] = Field(min_length=1)
    gains: tuple[int, int, int]


class _ActionIn(_Strict):
    title: _Text
    outputs: _Text
    budget: float = Field(ge=0)
    funding: _Text
    owner: _Text
    collaborators: tuple[_Text, ...] = Field(min_length=1)


class _ThemeIn(_Strict):
    indicators: tuple[str, ...] = Field(min_length=1)
    subjects: dict[str, _Text] | None = None
    goal: _Text
    why: _Text
    priority: _Text
    symptom: _Text
    whys: tuple[_WhyIn, _WhyIn, _WhyIn, _WhyIn, _WhyIn]
    root: _RootIn
    fishbone: tuple[_CauseIn, ...] = Field(min_length=1)
    strategy: _Text
    theory_of_action: _TheoryIn
    practice: _Code
    measure: _MeasureIn
    milestones: tuple[_Text, _Text]
    actions: tuple[_ActionIn, _ActionIn, _ActionIn, _ActionIn, _ActionIn]

    @model_validator(mode="after")
    def _placeholders(self) -> _ThemeIn:
        known = {"subject", "Subject"} if self.subjects is not None else set()
        found = set(_PLACEHOLDER.findall(self.model_dump_json()))
        if found - known:
            raise ValueError(f"unknown placeholder(s) {sorted(found - known)}; only a theme "
                             "with `subjects` may use {subject} and {Subject}")
        if self.subjects is not None and set(self.subjects) != set(self.indicators):
            raise ValueError(f"subjects name {sorted(self.subjects)}, indicators are "
                             f"{sorted(self.indicators)}; give one subject per indicator")
        return self

    def for_indicator(self, code: str) -> Theme:
        """The theme's dataclass for one indicator, {subject} filled in."""
        subject = (self.subjects or {}).get(code, "")

        def t(text: str) -> str:
            return text.replace("{subject}", subject).replace(
                "{Subject}", subject[:1].upper() + subject[1:])

        m, toa = self.measure, self.theory_of_action
        return Theme(
            goal=t(self.goal), why=t(self.why), priority=t(self.priority),
            symptom=t(self.symptom),
            whys=tuple((t(w.answer), t(w.evidence)) for w in self.whys),
            root=(self.root.category, self.root.practice, self.root.impact),
            fishbone=tuple((c.category, t(c.cause), t(c.evidence), c.practice, c.impact,
                            c.addressed) for c in self.fishbone),
            strategy=t(self.strategy), toa=(t(toa.if_), t(toa.then), t(toa.and_)),
            practice=self.practice,
            measure=(t(m.indicator), t(m.data_source), m.baselines, m.gains),
            milestones=(t(self.milestones[0]), t(self.milestones[1])),
            actions=tuple(ActionText(t(a.title), t(a.outputs), a.budget, a.funding, a.owner,
                                      a.collaborators) for a in self.actions))


class _BehindIn(_Strict):
    cause: _Text
    adjustment: _Text


class _ThemesFile(_Strict):
    themes: dict[str, _ThemeIn]
    level_evidence: dict[Literal[1, 2, 3, 4], _Text]
    behind: tuple[_BehindIn, ...] = Field(min_length=1)
    glossary_terms: tuple[_Text, ...]

    @model_validator(mode="after")
    def _complete(self) -> _ThemesFile:
        problems = []
        owners = [(code, name) for name, th in self.themes.items() for code in th.indicators]
        codes = [code for code, _ in owners]
        for code in GOAL_INDICATORS:
            if codes.count(code) != 1:
                problems.append(f"indicator {code} must be in exactly one theme's indicators, "
                                f"found in {[n for c, n in owners if c == code] or 'none'}")
        problems += [f"themes.{n}.indicators: {c} is not a goal indicator "
                     f"({', '.join(GOAL_INDICATORS)})" for c, n in owners
                     if c not in GOAL_INDICATORS]
        if set(self.level_evidence) != {1, 2, 3, 4}:
            problems.append("level_evidence needs levels 1, 2, 3 and 4")
        if problems:
            raise ValueError("; ".join(problems))
        return self


@dataclass(frozen=True)
class Content:
    themes: dict[str, Theme]  # by indicator
    level_evidence: dict[int, str]
    behind: tuple[tuple[str, str], ...]  # (why it is behind, the adjustment)
    glossary: tuple[tuple[str, str], ...]  # (term, definition) from the catalogue


THEMES_FILE = Path(__file__).with_name("themes.yaml")


@functools.cache
def content(path: Path = THEMES_FILE) -> Content:
    """themes.yaml, validated; a bad file raises WorkbookError naming the file and key."""
    try:
        raw = _ThemesFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        raise WorkbookError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        lines = [f"{path}: {'.'.join(map(str, e['loc'])) or '(top level)'}: {e['msg']}"
                 for e in exc.errors()]
        raise WorkbookError("\n".join(lines) + "\nNo sample plan was built; fix the file.") \
            from None
    definitions = catalogue.glossary()
    missing = [t for t in raw.glossary_terms if t not in definitions]
    if missing:
        raise WorkbookError(
            f"{path}: glossary_terms: {', '.join(missing)} not in the catalogue's glossary "
            "(workbook/catalogue/glossary.yaml); add them there or fix the spelling. "
            f"Terms there: {', '.join(definitions)}")
    return Content(
        themes={code: theme.for_indicator(code) for theme in raw.themes.values()
                for code in theme.indicators},
        level_evidence={level: text for level, text in raw.level_evidence.items()},
        behind=tuple((b.cause, b.adjustment) for b in raw.behind),
        glossary=tuple((t, definitions[t]) for t in raw.glossary_terms))


#: Indicators a sample goal can be about, in the order ties are broken.
GOAL_INDICATORS = ("ELA", "MATH", "CHRO", "SUSP", "GRAD", "CCI", "ELPI", "SCIENCE")
