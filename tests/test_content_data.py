"""Content kept as data files: Dashboard cut points, sample-plan themes, the one glossary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup
from pydantic import ValidationError

from workbook import catalogue
from workbook import dashboard as db
from workbook.direction.model import GlossaryTerm
from workbook.errors import WorkbookError
from workbook.exchange.yamlfile import to_yaml
from workbook.report import page as report
from workbook.samples import plans, themes

FIXTURES = Path(__file__).parent / "fixtures" / "sample_plans"
EXPORTED_AT = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


# ---------------------------------------------------------------- Dashboard cut points


def test_every_row_of_the_dashboard_file_names_its_source():
    raw = yaml.safe_load(db.DATA_FILE.read_text(encoding="utf-8"))
    rows = [*raw["grids"].values(), *raw["cut_tables"], *raw["size_rules"]]
    assert len(rows) == 5 + 20 + 7
    for row in rows:
        assert row["source"].startswith("CDE "), row
        assert any(str(year) in row["source"] for year in range(2017, 2025)), row
        assert isinstance(row["verified"], bool) and row["checked"]
    for thing in (*db.GRIDS.values(), *db.CUT_TABLES, *db.SIZE_RULES.values()):
        assert thing.source and thing.checked


def test_unverified_names_the_rows_no_bundled_file_confirms():
    lines = db.unverified()
    assert [line.split(" cut points")[0].split(" size rules")[0] for line in lines] == [
        "SUSP 2024 MS", "SUSP 2024 HS", "GRAD 2017"]
    assert all("CDE five-by-five colored tables, 2017-2019" in line for line in lines[:2])
    assert "15 for LEA foster and homeless groups is not exercised" in lines[2]
    assert not db.cut_table("SUSP", 2024, "MS").verified
    assert db.cut_table("SUSP", 2024, "HD").verified


def _broken(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(db.DATA_FILE.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "california.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_the_dashboard_file_round_trips_to_the_same_rules(tmp_path):
    again = db.read_rules(_broken(tmp_path, lambda raw: None))
    assert again.cut_tables == db.CUT_TABLES and again.size_rules == db.SIZE_RULES


@pytest.mark.parametrize(("change", "message"), [
    (lambda raw: raw["cut_tables"][18].update(verifed=True),
     "cut_tables.18.verifed (SUSP 2024 MS): Extra inputs are not permitted"),
    (lambda raw: raw["cut_tables"][0].update(status="≥67 ≥85 ≥90"),
     "cut_tables.0.status (GRAD 2017): Value error, need 4 edges for 5 bands, got 3"),
    (lambda raw: raw["cut_tables"][6].update(change="≥-15 >-3 ≥3 ≥1"),
     "cut_tables.6.change (ELA 2024 K8): Value error, edges must be strictly ascending"),
    (lambda raw: raw["cut_tables"][10].update(status="<2.5 >5 >10 >20"),
     "cut_tables.10.status (CHRO 2024): Value error, edge '<2.5' must be"),
    (lambda raw: raw["cut_tables"][3].update(grid="gradution"),
     "cut_tables.3 (GRAD 2018): grid 'gradution' is not one of"),
    (lambda raw: raw["size_rules"][4].pop("source"),
     "size_rules.4.source (CHRO/SUSP/CCI 2024): Field required"),
    (lambda raw: raw["grids"]["academic"]["cells"].update({3: "Y Y Y G"}),
     "grids.academic.cells: Value error, status level 3: needs five of R O Y G B -"),
    (lambda raw: raw["size_rules"].pop(1), "cut_tables.1 (CCI 2017): no size_rules row"),
])
def test_a_bad_dashboard_file_names_the_file_row_and_key(tmp_path, change, message):
    path = _broken(tmp_path, change)
    with pytest.raises(WorkbookError) as caught:
        db.read_rules(path)
    assert f"{path}: " in str(caught.value)
    assert message in str(caught.value)


def test_a_dashboard_file_that_is_not_yaml(tmp_path):
    path = tmp_path / "california.yaml"
    path.write_text("grids: [\n", encoding="utf-8")
    with pytest.raises(WorkbookError, match="california.yaml: not valid YAML"):
        db.read_rules(path)


# ---------------------------------------------------------------- sample-plan themes


@pytest.mark.parametrize("district_id", sorted(p.stem for p in FIXTURES.glob("*.yaml")))
def test_sample_plan_export_is_unchanged(sample_outcomes, district_id):
    """The plans built from themes.yaml equal those built when the texts were code.

    The fixtures were exported before the move; together the three districts use every
    theme (academic, attendance, graduation; math, college/career, English learners;
    suspension, English learners, attendance) and the county-office branches. Re-exported
    once since, when the samples gained Tool A's needs-assessment categories (replacing the
    invented items), team names and signatures, and monitoring records; nothing else moved.
    """
    doc = plans.sample_plan(district_id, sample_outcomes)
    expected = (FIXTURES / f"{district_id}.yaml").read_text(encoding="utf-8")
    assert to_yaml(doc, exported_at=EXPORTED_AT) == expected


def test_every_goal_indicator_has_a_theme():
    content = themes.content()
    assert set(content.themes) == set(plans.GOAL_INDICATORS)
    assert content.themes["MATH"].priority == "Mathematics achievement"
    assert "English language arts" in content.themes["ELA"].goal
    assert content.themes["SCIENCE"].toa[2].endswith("standards in science")


def _broken_themes(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(themes.THEMES_FILE.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "themes.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "message"), [
    (lambda raw: raw["themes"]["behaviour"]["actions"][2].update(owners="x"),
     "themes.behaviour.actions.2.owners: Extra inputs are not permitted"),
    (lambda raw: raw["themes"]["graduation"]["whys"].pop(),
     "themes.graduation.whys.4: Field required"),
    (lambda raw: raw["themes"]["attendance"].update(goal="Attend {subject}"),
     "themes.attendance: Value error, unknown placeholder(s) ['subject']"),
    (lambda raw: raw["themes"]["english_learners"]["root"].update(practice="5a"),
     "themes.english_learners.root.practice: String should match pattern"),
    (lambda raw: raw["themes"]["attendance"]["indicators"].append("GRAD"),
     "indicator GRAD must be in exactly one theme's indicators, found in ['attendance', "
     "'graduation']"),
    (lambda raw: raw["glossary_terms"].append("milestones"),
     "glossary_terms: milestones not in the catalogue's glossary"),
])
def test_a_bad_themes_file_names_the_file_and_key(tmp_path, change, message):
    path = _broken_themes(tmp_path, change)
    with pytest.raises(WorkbookError) as caught:
        themes.content(path)
    assert f"{path}: " in str(caught.value)
    assert message in str(caught.value)


# ---------------------------------------------------------------- the one glossary


def test_the_glossary_has_each_term_once_with_its_source():
    entries = catalogue.glossary_entries()
    folded = [e.term.casefold() for e in entries]
    assert len(folded) == len(set(folded))
    assert all(e.source for e in entries)
    assert catalogue.glossary() == {e.term: e.definition for e in entries}
    assert set(report.GLOSSARY) == set(catalogue.glossary())
    with pytest.raises(ValidationError, match="more than once"):
        catalogue._GlossaryFile.model_validate({"terms": [
            {"term": "Milestone", "definition": "a", "source": "s"},
            {"term": "milestone", "definition": "b", "source": "s"}]})


def test_sample_plans_take_their_glossary_from_the_catalogue(sample_outcomes):
    doc = plans.sample_plan("27659610000000", sample_outcomes)
    terms = {t.term: t.definition for t in doc.of(GlossaryTerm)}
    assert len(terms) == 14 and terms.items() <= catalogue.glossary().items()


def _page(glossary: dict[str, str] | None, subtitle: str = "") -> BeautifulSoup:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T\n\n## A\n\ntext")]
    return BeautifulSoup(report.render(nb, title="T", subtitle=subtitle, glossary=glossary),
                         "html.parser")


def test_a_plan_term_replaces_the_catalogue_term_ignoring_case():
    page = _page({"Milestone": "The plan's own meaning.", "Extra term": "Only in the plan."})
    entries = [(d.get_text(), d.find_next_sibling("dd").get_text())
               for d in page.select("dl.glossary dt")]
    milestones = [e for e in entries if e[0].casefold() == "milestone"]
    assert milestones == [("Milestone", "The plan's own meaning.")]
    assert ("Extra term", "Only in the plan.") in entries
    assert len(entries) == len(catalogue.glossary()) + 1
    names = [t for t, _ in entries]
    assert names == sorted(names, key=str.casefold)


def test_only_the_dashboard_page_names_the_unverified_rows():
    needs = _page(None, subtitle="California School Dashboard 2024 · Monterey")
    footer = needs.select_one("footer.wb-note")
    assert footer is not None
    assert "state’s published ones" in footer.get_text()
    # the rows of the page's Dashboard year (and the grids), not a 2017 size rule
    assert [li.get_text() for li in footer.select("li")] == db.unverified(2024)
    assert len(db.unverified(2024)) == 2 and len(db.unverified()) == 3
    assert _page(None, subtitle="Plan year 1, quarter 2 · Monterey").select_one("footer") is None
