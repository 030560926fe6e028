"""The state's rules for identifying LEAs for support, as data: one file per Dashboard year
under parameters/states/<state>/ (`differentiated_assistance_<year>.yaml`), read into typed
models that refuse unknown keys.

Why data and not code: CDE changes the criteria most years (status-only 2022, the
college/career proxy of 2023, long-term English learners in 2024 and 2025), and each rule
must say where it comes from and whether a bundled CDE file confirms it. A file that fails
here raises `WorkbookError` naming the file, the key and the priority area.

The folder is outside the installed package, like the region manifests: it is found
through `workbook.paths.root()` (WORKBOOK_HOME, else the checkout).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workbook import paths
from workbook.data.groups import GROUP_NAMES
from workbook.data.model import COLOR_NAMES, INDICATORS
from workbook.errors import WorkbookError

#: Dashboard color words -> the color codes of the tidy table (1 Red ... 5 Blue).
COLORS: dict[str, int] = {name: code for code, name in COLOR_NAMES.items()}
#: Status words as CDE prints them, from the lowest value to the highest.
STATUS_WORDS = ("Very Low", "Low", "Medium", "High", "Very High")
#: The LEAs a year's determinations can cover.
LeaType = Literal["district", "coe", "charter"]
METHODS = {
    1: "a student group met the criteria in two or more state priority areas",
    2: "local indicators Not Met for two or more years in two or more priority areas",
    3: "a student group met the criteria in one state priority area and a local indicator "
       "was Not Met for two or more years in a different one",
}


def status_level(indicator: str, word: str) -> int:
    """The tidy table's status level (goodness order, 5 best) for CDE's status word.

    CDE words status by value ("Very High" chronic absenteeism); the tidy table stores
    levels in goodness order, so for a lower-is-better indicator the words run backwards.
    """
    position = STATUS_WORDS.index(word) + 1
    higher_is_better = INDICATORS[indicator][1]
    return position if higher_is_better else 6 - position


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    title: str = Field(min_length=1)
    url: str = ""
    year: int = Field(ge=2000, le=2100)


class Alternative(_Strict):
    """One way to meet a priority area: every indicator in `when` at one of its values."""

    when: dict[str, tuple[str, ...]] = Field(min_length=1)
    groups: tuple[str, ...] | None = None  # only these student groups
    not_groups: tuple[str, ...] = ()  # never these

    @field_validator("when")
    @classmethod
    def _indicators_and_words(cls, when: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for indicator, words in when.items():
            if indicator not in INDICATORS:
                raise ValueError(f"indicator {indicator!r} is not one of the tidy table's "
                                 f"({', '.join(sorted(INDICATORS))})")
            kinds = {"color" if w in COLORS else "status" if w in STATUS_WORDS else "?"
                     for w in words}
            if "?" in kinds or not words:
                raise ValueError(f"{indicator}: {list(words)} must be colors "
                                 f"({', '.join(COLORS)}) or status levels "
                                 f"({', '.join(STATUS_WORDS)})")
            if len(kinds) > 1:
                raise ValueError(f"{indicator}: {list(words)} mixes colors and status levels")
        return when

    @field_validator("groups", "not_groups")
    @classmethod
    def _known_groups(cls, groups: tuple[str, ...] | None) -> tuple[str, ...] | None:
        unknown = sorted(set(groups or ()) - set(GROUP_NAMES))
        if unknown:
            raise ValueError(f"unknown student group(s) {unknown}")
        return groups

    def kind(self, indicator: str) -> Literal["color", "status"]:
        """Whether the alternative reads the indicator's color or its status level."""
        return "color" if self.when[indicator][0] in COLORS else "status"

    def codes(self, indicator: str) -> tuple[int, ...]:
        """The tidy table's codes that satisfy `indicator` (colors, or status levels)."""
        words = self.when[indicator]
        if self.kind(indicator) == "color":
            return tuple(COLORS[w] for w in words)
        return tuple(status_level(indicator, w) for w in words)

    def applies_to(self, group: str) -> bool:
        return (self.groups is None or group in self.groups) and group not in self.not_groups


class Rule(_Strict):
    """Where a rule comes from and what confirms it (see the files' header)."""

    source: str
    verified: bool
    checked: str = Field(min_length=1)


class PriorityArea(Rule):
    priority: int = Field(ge=1, le=10)
    name: str = Field(min_length=1)
    state_indicators: tuple[Alternative, ...] = ()
    local_indicator: bool = False  # "Not Met for Two or More Years" on its local indicator
    lea_types: tuple[LeaType, ...] = ("district", "coe", "charter")


class Charters(Rule):
    consecutive_years: int = Field(ge=1, le=5)


class Level3(Rule):
    """EC 52072(b)(1): three or more student groups (all if fewer) meet the criteria in
    `years_met` of the consecutive Dashboard years `window` (the last one this year)."""

    min_groups: int = Field(ge=1)
    years_met: int = Field(ge=1)
    window: tuple[int, ...] = Field(min_length=1)


class YearRules(_Strict):
    """One Dashboard year's differentiated-assistance rules (one file)."""

    state: Literal["CA"]
    year: int = Field(ge=2017, le=2100)
    title: str = Field(min_length=1)
    sources: dict[str, Source] = Field(min_length=1)
    student_groups: tuple[str, ...] = Field(min_length=1)
    lea_types: tuple[LeaType, ...] = Field(min_length=1)
    min_priority_areas: int = Field(ge=1)
    methods: tuple[Literal[1, 2, 3], ...] = Field(min_length=1)
    methods_source: str
    support_years: int = Field(ge=1, le=5)
    support_source: str
    charters: Charters | None = None
    charters_source: str | None = None
    level3: Level3 | None = None
    priority_areas: tuple[PriorityArea, ...] = Field(min_length=1)
    path: str = Field(default="", exclude=True)  # the file it was read from

    @field_validator("student_groups")
    @classmethod
    def _groups(cls, groups: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(groups) - set(GROUP_NAMES))
        if unknown:
            raise ValueError(f"unknown student group(s) {unknown}")
        return groups

    @model_validator(mode="after")
    def _consistent(self) -> YearRules:
        problems = []
        named = [("methods_source", self.methods_source),
                 ("support_source", self.support_source)]
        named += [("charters_source", self.charters_source)] if self.charters_source else []
        named += [("charters.source", self.charters.source)] if self.charters else []
        named += [("level3.source", self.level3.source)] if self.level3 else []
        named += [(f"priority_areas (priority {a.priority}).source", a.source)
                  for a in self.priority_areas]
        problems += [f"{where}: {src!r} is not one of sources ({', '.join(self.sources)})"
                     for where, src in named if src not in self.sources]
        numbers = [a.priority for a in self.priority_areas]
        problems += [f"priority_areas: priority {n} is given more than once"
                     for n in sorted({n for n in numbers if numbers.count(n) > 1})]
        for area in self.priority_areas:
            if not area.state_indicators and not area.local_indicator:
                problems.append(f"priority_areas (priority {area.priority}): neither "
                                "state_indicators nor local_indicator; nothing can meet it")
        if ("charter" in self.lea_types) != (self.charters is not None):
            problems.append("charters: give the charter rule exactly when lea_types lists "
                            "charter")
        if self.level3 and self.level3.window[-1] != self.year:
            problems.append(f"level3.window: must end with this year ({self.year})")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def indicators(self) -> list[str]:
        """Every state indicator the rules read."""
        return sorted({i for a in self.priority_areas for alt in a.state_indicators
                       for i in alt.when})

    def area(self, priority: int) -> PriorityArea | None:
        return next((a for a in self.priority_areas if a.priority == priority), None)

    def cite(self, key: str) -> str:
        """A source as text: 'title (year), url'."""
        s = self.sources[key]
        return f"{s.title} ({s.year})" + (f", {s.url}" if s.url else "")

    def unverified(self) -> list[str]:
        """Every rule of the file that no bundled CDE file confirms, with its source."""
        rules: list[tuple[str, Rule | None]] = [
            (f"priority {a.priority}", a) for a in self.priority_areas]
        rules += [("charter schools", self.charters), ("level 3 referral", self.level3)]
        return [f"{self.year} {name}: {self.cite(r.source)} (checked: {r.checked})"
                for name, r in rules if r is not None and not r.verified]


def folder(state: str = "CA") -> Path:
    """Where a state's rules live: parameters/states/<state> under the project root."""
    return paths.root() / "parameters" / "states" / state.lower()


def _file(year: int, state: str = "CA") -> Path:
    return folder(state) / f"differentiated_assistance_{year}.yaml"


def years(state: str = "CA") -> list[int]:
    """The Dashboard years that have a rules file."""
    out = []
    for p in folder(state).glob("differentiated_assistance_*.yaml"):
        suffix = p.stem.rsplit("_", 1)[-1]
        if suffix.isdigit():
            out.append(int(suffix))
    return sorted(out)


def _where(raw: object, loc: tuple) -> str:
    text = ".".join(str(p) for p in loc) or "(top level)"
    if len(loc) >= 2 and loc[0] == "priority_areas" and isinstance(loc[1], int):
        try:
            text += f" (priority {raw['priority_areas'][loc[1]]['priority']})"  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            pass
    return text


def read_rules(path: str | Path) -> YearRules:
    """Read and validate one rules file; `WorkbookError` names the file and every key."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WorkbookError(f"{path}: cannot read the rules file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise WorkbookError(f"{path}: not valid YAML: {exc}") from None
    try:
        rules = YearRules.model_validate({**(raw or {}), "path": str(path)}
                                         if isinstance(raw, dict) else raw)
    except ValidationError as err:
        lines = [f"{path}: {_where(raw, e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
                 for e in err.errors()]
        raise WorkbookError("\n".join(lines)) from None
    expected = path.stem.rsplit("_", 1)[-1]
    if expected.isdigit() and int(expected) != rules.year:
        raise WorkbookError(f"{path}: year: {rules.year} but the file is named for {expected}")
    return rules


@functools.cache
def _cached(path: str, mtime: float) -> YearRules:
    return read_rules(path)


def rules_for(year: int, state: str = "CA") -> YearRules:
    """The rules of a Dashboard year; a year without a file is an error naming the years
    that have one."""
    path = _file(int(year), state)
    if not path.is_file():
        raise WorkbookError(f"no differentiated-assistance rules for {state} {year}: {path} "
                            f"does not exist; years with rules: {years(state)}")
    return _cached(str(path), path.stat().st_mtime)
