"""The Four Domains rubric, the coaching questions and the glossary, as typed, read-only data.

Every stage of the cycle codes its goals, strategies and self-reflection ratings against the
same twelve practices of *Four Domains of Rapid School Improvement*, so the codes live in one
place. The data are transcribed from Tools B and C of Layland & Corbett (2017), *Utilizing
Integrated Resources to Implement the School and District Improvement Cycle and Supports*
(CCSSO, CC BY 4.0); see :func:`attribution`.

The glossary (glossary.yaml) is the one list of terms that reports and plans explain, each
with the source of its definition; see :func:`glossary`.

The YAML files are read lazily, on first use, and cached; every object returned is frozen.
Codes are matched after stripping whitespace and lower-casing, so ``"1A"`` finds practice 1a.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from workbook.errors import WorkbookError

__all__ = [
    "STAGES",
    "CoachingQuestion",
    "CoachingSection",
    "CoachingStage",
    "Domain",
    "Element",
    "GlossaryEntry",
    "Level",
    "LevelDescriptor",
    "Practice",
    "Stage",
    "attribution",
    "coaching_questions",
    "coaching_stage",
    "domain",
    "domain_of",
    "domains",
    "element",
    "elements",
    "glossary",
    "glossary_entries",
    "merge_glossary",
    "is_element_code",
    "is_practice_code",
    "levels",
    "practice",
    "practice_of",
    "practices",
]

Stage = Literal["direction", "needs", "rootcause", "plan", "implement", "monitor"]
STAGES: tuple[str, ...] = get_args(Stage)
"""Stages of the cycle that have coaching questions, in the order the cycle runs."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Level(_Frozen):
    """One of the rubric's four performance levels, e.g. ``2 Basic Performance``."""

    level: int = Field(ge=1, le=4)
    name: str = Field(min_length=1)


class LevelDescriptor(Level):
    """What an element looks like at one performance level."""

    descriptor: str = Field(min_length=1)


class Domain(_Frozen):
    """A domain, e.g. ``1 Turnaround Leadership``; ``heading`` is the rubric's own heading."""

    code: int = Field(ge=1, le=4)
    name: str = Field(min_length=1)
    heading: str
    reflection_prompt: str


class Practice(_Frozen):
    """A practice, e.g. ``1a Prioritize improvement and communicate urgency``."""

    code: str = Field(pattern=r"^[1-4][a-c]$")
    domain: int = Field(ge=1, le=4)
    name: str = Field(min_length=1)


class Element(_Frozen):
    """A rubric element, e.g. ``1a1``, with its descriptor at each of the four levels."""

    code: str = Field(pattern=r"^[1-4][a-c][1-9]$")
    practice: str
    text: str = Field(min_length=1)
    levels: tuple[LevelDescriptor, LevelDescriptor, LevelDescriptor, LevelDescriptor]

    @property
    def domain(self) -> int:
        """Domain code, taken from the element code."""
        return int(self.code[0])


class Source(_Frozen):
    """Where a catalogue file was transcribed from."""

    title: str
    tool: str
    authors: tuple[str, ...]
    publisher: str
    year: int
    licence: str
    licence_url: str
    citation: str
    changes: str
    based_on: str | None = None


class CoachingQuestion(_Frozen):
    """A coaching question; ``context`` is the source's lead-in, e.g. ``If a mission exists:``."""

    text: str = Field(min_length=1)
    context: str | None = None

    def __str__(self) -> str:
        return self.text if self.context is None else f"{self.context} {self.text}"


class CoachingSection(_Frozen):
    """A run of techniques and questions under one of the source's sub-headings (if any)."""

    heading: str | None = None
    note: str | None = None
    preparation: str | None = None
    techniques: tuple[str, ...] = ()
    questions: tuple[CoachingQuestion, ...] = ()


class CoachingStage(_Frozen):
    """Tool B for one stage: the source heading, preparation for the coach, and its sections."""

    heading: str
    preparation: str | None = None
    sections: tuple[CoachingSection, ...]

    @property
    def questions(self) -> tuple[CoachingQuestion, ...]:
        """All questions of the stage, in source order."""
        return tuple(q for s in self.sections for q in s.questions)

    @property
    def techniques(self) -> tuple[str, ...]:
        """All techniques (instructions to the coach) of the stage, in source order."""
        return tuple(t for s in self.sections for t in s.techniques)


class _FourDomainsFile(_Frozen):
    source: Source
    levels: tuple[Level, Level, Level, Level]
    domains: tuple[Domain, ...]
    practices: tuple[Practice, ...]
    elements: tuple[Element, ...]

    @model_validator(mode="after")
    def _consistent(self) -> _FourDomainsFile:
        problems: list[str] = []
        if [lv.level for lv in self.levels] != [1, 2, 3, 4]:
            problems.append("levels must be numbered 1, 2, 3, 4")
        groups: tuple[tuple[str, list[int | str]], ...] = (
            ("domain", [d.code for d in self.domains]),
            ("practice", [p.code for p in self.practices]),
            ("element", [e.code for e in self.elements]),
        )
        for kind, codes in groups:
            dupes = sorted({str(c) for c in codes if codes.count(c) > 1})
            if dupes:
                problems.append(f"duplicate {kind} codes: {', '.join(dupes)}")
        domain_codes = {d.code for d in self.domains}
        practice_codes = {p.code for p in self.practices}
        for p in self.practices:
            if p.domain not in domain_codes or p.code[0] != str(p.domain):
                problems.append(f"practice {p.code} names domain {p.domain}")
        for e in self.elements:
            if e.practice not in practice_codes or not e.code.startswith(e.practice):
                problems.append(f"element {e.code} names practice {e.practice}")
            if tuple(Level(level=d.level, name=d.name) for d in e.levels) != self.levels:
                problems.append(f"element {e.code} levels differ from the top-level `levels`")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class _CoachingFile(_Frozen):
    source: Source
    introduction: str
    stages: dict[Stage, CoachingStage]

    @model_validator(mode="after")
    def _all_stages(self) -> _CoachingFile:
        missing = [s for s in STAGES if s not in self.stages]
        if missing:
            raise ValueError(f"stages missing: {', '.join(missing)}")
        return self


class GlossaryEntry(_Frozen):
    """One glossary term, its definition and where the definition comes from; `states`
    names the states whose systems it belongs to (empty: every state's)."""

    term: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    source: str = Field(min_length=1)
    states: tuple[str, ...] = ()

    def for_state(self, state: str) -> bool:
        """Whether a report on a district of `state` explains this term."""
        return not self.states or state.upper() in {s.upper() for s in self.states}


class _GlossaryFile(_Frozen):
    terms: tuple[GlossaryEntry, ...]

    @model_validator(mode="after")
    def _unique(self) -> _GlossaryFile:
        folded = [t.term.casefold() for t in self.terms]
        dupes = sorted({t.term for t in self.terms if folded.count(t.term.casefold()) > 1})
        if dupes:
            raise ValueError(f"terms listed more than once (ignoring case): {', '.join(dupes)}")
        return self


def _load(name: str, model: type[_Frozen]) -> Any:
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    try:
        return model.model_validate(yaml.safe_load(text))
    except (ValidationError, yaml.YAMLError) as exc:
        raise WorkbookError(
            f"the packaged catalogue file workbook/catalogue/{name} is invalid; "
            f"reinstall workbook or fix the file:\n{exc}"
        ) from exc


@functools.cache
def _four_domains() -> _FourDomainsFile:
    return _load("four_domains.yaml", _FourDomainsFile)


@functools.cache
def _coaching() -> _CoachingFile:
    return _load("coaching_questions.yaml", _CoachingFile)


@functools.cache
def _glossary() -> _GlossaryFile:
    return _load("glossary.yaml", _GlossaryFile)


def preload() -> None:
    """Read and check every packaged catalogue file now (a server does this once, before
    its kernels fork, so no page pays for it)."""
    _four_domains()
    _coaching()
    _glossary()


def _norm(code: object) -> str:
    return str(code).strip().lower()


def _unknown(kind: str, code: object, valid: list[str]) -> WorkbookError:
    return WorkbookError(f"unknown {kind} {code!r}; valid {kind}s are: {', '.join(valid)}")


@functools.cache
def attribution() -> str:
    """The citation and licence to print wherever the rubric or questions are shown (CC BY)."""
    src = _four_domains().source
    return f"{src.citation} Licensed under {src.licence} ({src.licence_url})."


@functools.cache
def levels() -> tuple[Level, ...]:
    """The four performance levels, lowest first."""
    return _four_domains().levels


@functools.cache
def domains() -> tuple[Domain, ...]:
    """The four domains, in order."""
    return _four_domains().domains


@functools.cache
def domain(code: int | str) -> Domain:
    """The domain with this code (1-4, as int or string)."""
    for d in domains():
        if _norm(code) == str(d.code):
            return d
    raise _unknown("domain code", code, [str(d.code) for d in domains()])


@functools.cache
def practices(domain_code: int | str | None = None) -> tuple[Practice, ...]:
    """The twelve practices in order, or only those of one domain."""
    every = _four_domains().practices
    if domain_code is None:
        return every
    wanted = domain(domain_code).code
    return tuple(p for p in every if p.domain == wanted)


@functools.cache
def practice(code: str) -> Practice:
    """The practice with this code, e.g. ``"1a"``."""
    for p in practices():
        if _norm(code) == p.code:
            return p
    raise _unknown("practice code", code, [p.code for p in practices()])


@functools.cache
def elements(practice_code: str | None = None) -> tuple[Element, ...]:
    """All rubric elements in order, or only those of one practice."""
    every = _four_domains().elements
    if practice_code is None:
        return every
    wanted = practice(practice_code).code
    return tuple(e for e in every if e.practice == wanted)


@functools.cache
def element(code: str) -> Element:
    """The element with this code, e.g. ``"1a1"``."""
    for e in elements():
        if _norm(code) == e.code:
            return e
    raise _unknown("element code", code, [e.code for e in elements()])


@functools.cache
def practice_of(element_code: str) -> Practice:
    """The practice an element belongs to."""
    return practice(element(element_code).practice)


@functools.cache
def domain_of(code: str) -> Domain:
    """The domain a practice code (``"2b"``) or an element code (``"2b1"``) belongs to."""
    if is_practice_code(code):
        return domain(practice(code).domain)
    if is_element_code(code):
        return domain(practice_of(code).domain)
    valid = [p.code for p in practices()] + [e.code for e in elements()]
    raise _unknown("practice or element code", code, valid)


@functools.cache
def _codes() -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(p.code for p in practices()), frozenset(e.code for e in elements())


def is_practice_code(value: object) -> bool:
    """Whether ``value`` is a practice code in the catalogue (``"1a"`` … ``"4c"``)."""
    return isinstance(value, str) and _norm(value) in _codes()[0]


def is_element_code(value: object) -> bool:
    """Whether ``value`` is an element code in the catalogue (``"1a1"`` … ``"4c3"``)."""
    return isinstance(value, str) and _norm(value) in _codes()[1]


@functools.cache
def coaching_stage(stage: str) -> CoachingStage:
    """Tool B for one stage of the cycle (see :data:`STAGES`)."""
    stages = _coaching().stages
    key = _norm(stage)
    if key not in stages:
        raise _unknown("stage", stage, list(STAGES))
    return stages[key]


@functools.cache
def coaching_questions(stage: str) -> tuple[CoachingQuestion, ...]:
    """The coaching questions for one stage of the cycle, in source order."""
    return coaching_stage(stage).questions


@functools.cache
def _state_glossary(state: str) -> tuple[GlossaryEntry, ...]:
    """A state's own terms (parameters/states/<st>/glossary.yaml), each tagged with it;
    () for a state without the file."""
    from workbook.identification.model import folder

    path = folder(state) / "glossary.yaml"
    if not path.is_file():
        return ()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        terms = raw.get("terms") if isinstance(raw, dict) else None
        if not isinstance(terms, list):
            raise ValueError("expected a `terms:` list")
        tagged = [{**t, "states": [state.upper()]} if isinstance(t, dict) else t
                  for t in terms]
        return _GlossaryFile.model_validate({"terms": tagged}).terms
    except (OSError, ValueError, yaml.YAMLError) as exc:  # ValidationError is a ValueError
        raise WorkbookError(f"{path}: the state's glossary is invalid; fix the file:\n{exc}"
                            ) from None


def glossary_entries(state: str | None = None) -> tuple[GlossaryEntry, ...]:
    """Every glossary term with its definition and source, in the file's order.

    `state` None: the catalogue file as written (every term, whatever its tag). A state
    ("CA", "OR"): the terms for every state and that state's, then the state's own file's
    (parameters/states/<st>/glossary.yaml); each term once, ignoring case, the state's
    definition winning over a general one of the same name.
    """
    if state is None:
        return _glossary().terms
    own = _state_glossary(state)
    taken = {t.term.casefold() for t in own}
    general = [t for t in _glossary().terms
               if t.for_state(state) and t.term.casefold() not in taken]
    return (*general, *own)


def glossary(state: str | None = None) -> dict[str, str]:
    """The one glossary, term -> definition (a new dict each call, so callers may add to it);
    for `state`, the terms a report on that state's districts explains (see
    `glossary_entries`).

    Why one: reports and plans used to keep their own lists, so a report could explain
    "Milestone" and "milestone" twice, differently. A plan's own terms replace these by name,
    ignoring case (`merge_glossary`, used by `workbook.report.page.render`).
    """
    return {t.term: t.definition for t in glossary_entries(state)}


def merge_glossary(own: dict[str, str] | None = None, state: str | None = None
                   ) -> dict[str, str]:
    """The glossary for `state` with a plan's own terms over it, each term once ignoring
    case (the plan's spelling and definition win), sorted ignoring case.

    Why ignore case: a plan's "milestone" and the catalogue's "Milestone" are one term, and a
    report that explains it twice, differently, confuses its readers. Why by state: an
    Oregon report has no Dashboard colors to explain, and a California one no ESDs; a plan's
    own term is kept whatever its state (the team wrote it).
    """
    terms = {term.casefold(): (term, text) for term, text in glossary(state).items()}
    for term, text in (own or {}).items():
        terms[term.casefold()] = (term, text)
    return dict(sorted(terms.values(), key=lambda item: item[0].casefold()))
