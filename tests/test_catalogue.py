"""The catalogue holds exactly the Four Domains rubric and the Tool B questions of the source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from workbook import catalogue
from workbook.errors import WorkbookError

#: Tools B and C of the CCSSO guide, copied verbatim from its text (header line names the source).
SOURCE = Path(__file__).parent / "fixtures" / "ccsso_tools_b_c_excerpt.txt"
PRACTICE_CODES = [f"{d}{p}" for d in "1234" for p in "abc"]
# Element rows start with their code; one row (1c3) is wrapped in <p>, another lacks the space.
ELEMENT_ROW = re.compile(r"^(?:<p>)?(\d[a-c]\d)\.")
PRACTICE_ROW = re.compile(r"^(\d)\.?([a-c])\. (.*)$")


def _clean(text: str) -> str:
    """Undo the source's markup the way the transcription did: tags, stray spaces."""
    text = re.sub(r"</?(?:p|i)>", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r" ([.:])", r"\1", text)


def _tool(start: str, end: str) -> list[str]:
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    return lines[lines.index(start) : lines.index(end)]


TOOL_B = "TOOL B: COACHING TECHNIQUES AND QUESTIONS"
TOOL_C = "TOOL C: LEA SELF-REFLECTION TO SUPPORT SCHOOL IMPROVEMENT"
TOOL_D = "TOOL D: FISHBONE TEMPLATE FOR ROOT CAUSE ANALYSIS"


def test_four_domains_and_twelve_practices() -> None:
    assert [d.code for d in catalogue.domains()] == [1, 2, 3, 4]
    assert [d.name for d in catalogue.domains()] == [
        "Turnaround Leadership",
        "Talent Development",
        "Instructional Transformation",
        "Culture Shift",
    ]
    assert [p.code for p in catalogue.practices()] == PRACTICE_CODES
    assert all(p.code[0] == str(p.domain) for p in catalogue.practices())
    assert [p.code for p in catalogue.practices(2)] == ["2a", "2b", "2c"]


def test_levels_are_the_four_performance_levels() -> None:
    assert [(lv.level, lv.name) for lv in catalogue.levels()] == [
        (1, "Consistently Low Performance"),
        (2, "Basic Performance"),
        (3, "Moderate Performance"),
        (4, "Consistently High Performance"),
    ]


def test_every_element_has_four_non_empty_descriptors() -> None:
    for e in catalogue.elements():
        assert [lv.level for lv in e.levels] == [1, 2, 3, 4], e.code
        assert [lv.name for lv in e.levels] == [lv.name for lv in catalogue.levels()], e.code
        assert all(lv.descriptor.strip() for lv in e.levels), e.code
        assert e.text.strip(), e.code


def test_element_codes_agree_with_their_practice_and_domain() -> None:
    for e in catalogue.elements():
        assert e.code.startswith(e.practice)
        assert catalogue.practice_of(e.code).code == e.practice
        assert catalogue.domain_of(e.code).code == e.domain == int(e.code[0])
    assert sum(len(catalogue.elements(p)) for p in PRACTICE_CODES) == len(catalogue.elements())
    assert all(catalogue.elements(p) for p in PRACTICE_CODES)


def test_element_codes_match_the_source_both_ways() -> None:
    tool_c = _tool(TOOL_C, TOOL_D)
    in_source = [m.group(1) for line in tool_c if (m := ELEMENT_ROW.match(line))]
    assert len(in_source) == len(set(in_source))
    assert set(in_source) == {e.code for e in catalogue.elements()}
    assert in_source == [e.code for e in catalogue.elements()]  # same order too


def test_rubric_text_is_transcribed_verbatim() -> None:
    tool_c = _tool(TOOL_C, TOOL_D)
    practice_names = {}
    for line in tool_c:
        cells = [_clean(c) for c in line.split("\t")]
        if m := ELEMENT_ROW.match(line):
            e = catalogue.element(m.group(1))
            assert _clean(re.sub(r"^(\d[a-c]\d\.)", r"\1 ", cells[0])) == f"{e.code}. {e.text}"
            assert cells[1:5] == [lv.descriptor for lv in e.levels], e.code
        elif m := PRACTICE_ROW.match(cells[0]):
            practice_names[m.group(1) + m.group(2)] = m.group(3)
        elif cells[0] == "Element":
            assert cells[1:5] == [lv.name for lv in catalogue.levels()]
    assert practice_names == {p.code: p.name for p in catalogue.practices()}


def test_lookups_normalise_codes() -> None:
    assert catalogue.element(" 1A1 ").code == "1a1"
    assert catalogue.practice("4C").name == (
        "Engage students and families in pursuing educational goals"
    )
    assert catalogue.domain_of("3b").name == "Instructional Transformation"
    assert catalogue.domain("2") == catalogue.domain(2)
    assert catalogue.is_practice_code("1a") and not catalogue.is_practice_code("1d")
    assert catalogue.is_element_code("3c2") and not catalogue.is_element_code("3c3")
    assert not catalogue.is_element_code(None) and not catalogue.is_practice_code(1)


@pytest.mark.parametrize(
    ("lookup", "code", "named"),
    [
        (catalogue.element, "5a1", ["1a1", "1a5", "3c2", "4c3"]),
        (catalogue.practice, "1d", PRACTICE_CODES),
        (catalogue.practice_of, "1a", ["1a1", "4c3"]),
        (catalogue.domain_of, "9z", ["1a", "4c", "1a1", "4c3"]),
        (catalogue.domain, 5, ["1", "2", "3", "4"]),
        (catalogue.coaching_questions, "adjust", list(catalogue.STAGES)),
    ],
)
def test_lookup_errors_name_the_valid_codes(lookup, code, named) -> None:
    with pytest.raises(WorkbookError) as info:
        lookup(code)
    message = str(info.value)
    assert repr(code) in message
    assert all(n in message for n in named), message


def test_every_stage_has_coaching_questions() -> None:
    assert catalogue.STAGES == ("direction", "needs", "rootcause", "plan", "implement", "monitor")
    for stage in catalogue.STAGES:
        questions = catalogue.coaching_questions(stage)
        assert questions, stage
        assert all(q.text.strip() for q in questions), stage
        assert catalogue.coaching_stage(stage).heading, stage


def test_coaching_text_is_transcribed_verbatim() -> None:
    tool_b = _tool(TOOL_B, TOOL_C)
    bullets = {
        re.sub(r"\s+", " ", m.group(1).replace("**", "").replace("*", "")).strip()
        for line in tool_b
        if (m := re.match(r"^ ?- (?:o )?(.*)$", line))
    }
    held: set[str] = set()
    for stage in catalogue.STAGES:
        for section in catalogue.coaching_stage(stage).sections:
            held.update(section.techniques)
            held.update(q.text for q in section.questions)
            held.update(q.context for q in section.questions if q.context)
            if section.note:
                held.add(f"{section.heading}: {section.note}")
    assert bullets == held


def test_models_are_frozen() -> None:
    with pytest.raises(ValidationError):
        catalogue.element("1a1").text = "changed"  # type: ignore[misc]
    assert catalogue.elements() is catalogue.elements()


def test_attribution_names_authors_and_licence() -> None:
    text = catalogue.attribution()
    assert "Layland" in text and "Corbett" in text and "CC BY 4.0" in text
