"""The annual story (workbook 06): its tables on a sample plan, and the notebook executed for
real for a district with a plan (English and Spanish) and one without, then opened in
Chromium at a phone's width.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import private_cache, sample_store

from workbook import i18n, privacy
from workbook.progress import tables as progress
from workbook.report import blocks
from workbook.report import page as report
from workbook.run import context, notebooks
from workbook.samples import plans as sample_plans
from workbook.story import readability
from workbook.story import tables as T

RICH = "27661590000000"  # Salinas Union High: a sample plan, most groups reported
START = dt.date(2024, 8, 1)
AS_OF = T.plan_year_end(START, 1)


@pytest.fixture(scope="module", autouse=True)
def _cache(tmp_path_factory):
    with private_cache(tmp_path_factory, "story-cache"):
        yield


@pytest.fixture(scope="module")
def outcomes():
    return context.region_outcomes("sample")


@pytest.fixture(scope="module")
def doc(outcomes):
    return sample_plans.sample_plan(RICH, outcomes)


# --- tables -------------------------------------------------------------------------------

def test_implementation_counts_are_the_progress_rules(doc):
    """Per strategy, the story's done/on time/behind are workbook 04's own classification."""
    table = T.implementation(doc, AS_OF)
    status = progress.latest_status(doc, AS_OF)
    assert len(table) == len(doc.of(T.Strategy)) > 0
    assert table["Actions planned"].sum() == len(status)
    assert table["Done"].sum() == status["complete"].sum()
    assert table["On time"].sum() == status["on_time"].sum()
    assert table["Behind"].sum() == status["behind"].sum()
    sentence = T.implementation_sentence(doc, AS_OF)
    assert f"We planned {len(status)} actions" in sentence
    assert f"{int(status['behind'].sum())} were behind" in sentence


def test_set_out_lists_every_strategy_under_its_goal(doc):
    table = T.set_out(doc)
    strategies = {s.title for s in doc.of(T.Strategy)}
    assert set(table["Strategy"]) == strategies
    goals = {g.id: g.title for g in doc.of(T.Goal)}
    for s in doc.of(T.Strategy):
        row = table[table["Strategy"] == s.title].iloc[0]
        assert row["Goal"] == goals[s.goal]
        assert row["How we expect it to help"] == s.theory_of_action


def test_measures_in_spanish_use_the_spanish_decimal_mark(doc):
    with i18n.using("es"):
        table = T.measures(doc, 1)
    assert list(table.columns)[:2] == ["Meta", "Medida"]
    values = " ".join(table["Punto de partida"])
    assert re.search(r"\d,\d", values) and not re.search(r"\d\.\d", values)
    percent = [m for m in doc.of(T.Measure) if m.state_indicator in T.PERCENT_INDICATORS
               and m.baseline is not None]
    assert percent, "the sample plan measures a rate"
    assert re.search(r"\d,\d\xa0%", values)  # "13,7 %": a no-break space, as CLDR writes it


def test_student_results_for_stakeholders_hide_small_groups(outcomes):
    """The story's group table goes through the same suppression as every table: a group
    below the state's threshold is hidden, with another cell of its family so it cannot be
    worked out from all students, and the result passes the disclosure audit."""
    table = T.student_results(outcomes, RICH, 2024, ["ELA"])
    assert len(table) > 5 and set(table["indicator"]) == {"ELA"}
    damaged = table.copy()
    small = damaged.index[damaged["student_group"] == "AS"]
    damaged.loc[small, "n"] = 5  # one group made small
    kw = {"value_cols": ["status", "prior_status", "change"], "key_cols": ["indicator", "year"],
          "audience": "stakeholder", "state": "CA"}
    shown = blocks.prepare(damaged, **kw)
    assert shown.loc[small, "status"].isna().all()
    assert shown["status"].isna().sum() >= 2  # and a complementary cell
    assert not privacy.audit([privacy.Table("story", shown, ["indicator", "year"])])
    untouched = blocks.prepare(table, **kw)
    assert untouched.loc[small, "status"].notna().all()  # hidden because of n, not always


def test_year_over_year_comes_from_the_shown_table(outcomes):
    table = T.student_results(outcomes, RICH, 2024, ["ELA", "CHRO"])
    yoy = T.year_over_year(table)
    all_rows = table[table["student_group"] == "ALL"]
    assert len(yoy) == 2 * len(all_rows)
    chro = all_rows[all_rows["indicator"] == "CHRO"].iloc[0]
    this_year = yoy[yoy["when"] == "This year"]
    assert float(chro["status"]) in set(this_year["value"])
    text = T.year_over_year_text(yoy)
    assert f"this year {chro['status']:.1f}" in text


def test_readability_of_plain_and_hard_english():
    easy = readability.score("We made a plan. We did most of it. More students came to "
                             "school.", "en")
    hard = readability.score("Notwithstanding considerable organizational heterogeneity, "
                             "implementation fidelity necessitates comprehensive "
                             "institutional accountability mechanisms.", "en")
    assert easy.measure == "Flesch-Kincaid" and easy.met and easy.value < hard.value
    assert not hard.met
    spanish = readability.score("Hicimos un plan. Más estudiantes vinieron a la escuela.",
                                "es")
    assert spanish.measure == "Fernández Huerta" and spanish.higher_is_easier


# --- the notebook, executed ------------------------------------------------------------------

@pytest.fixture(scope="module")
def stories(tmp_path_factory, _cache):
    """06 for RICH in English and Spanish (sample plans), and for RICH with no plan stored."""
    from workbook.store import Store

    root = tmp_path_factory.mktemp("story")
    with_plans = sample_store(tmp_path_factory, "story-store")
    empty = f"sqlite:///{root / 'empty.db'}"
    Store(empty).engine.dispose()
    out: dict[str, Path] = {}
    for key, lang, url in (("en", "en", with_plans), ("es", "es", with_plans),
                           ("none", "en", empty), ("none-es", "es", empty)):
        nb = notebooks.execute("06_annual_story", {
            "district_id": RICH, "audience": "stakeholder", "database_url": url,
            "language": lang, "data_dir": str(root / key / "data")}, root / key / "06.ipynb")
        out[key] = report.write_report(nb, root / key / ("06_annual_story" + (
            ".es" if lang == "es" else "") + ".html"))
    return out


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _texts(doc: BeautifulSoup) -> set[str]:
    for tag in doc(["style", "svg", "script"]):
        tag.decompose()
    return {t.strip() for t in doc.find_all(string=True) if t.strip()}


def test_story_with_a_plan_has_the_four_parts(stories):
    doc = _soup(stories["en"])
    assert doc.html["lang"] == "en"
    headings = [h.get_text(strip=True).replace("¶", "") for h in doc.select("main h2")]
    assert headings == ["What we set out to do", "What we did", "What changed for students",
                        "What we learned and what we will change"]
    for block in ("tbl-goals", "tbl-implementation", "tbl-measures", "tbl-student-results",
                  "tbl-supports"):
        assert doc.select_one(f"#{block} table"), block
    for figure in doc.select("figure.wb-chart"):  # every chart has words and a data table
        assert len(figure["aria-label"]) > 40
        details = figure.find_next_sibling("details")
        assert details is not None and details.select("table tbody tr")


def test_story_readability_is_reported_and_plain(stories):
    line = _soup(stories["en"]).select_one("#readability").get_text()
    grade = float(re.search(r"grade (\d+(?:\.\d+)?)", line).group(1))
    assert "Flesch-Kincaid" in line and grade <= 9
    spanish = _soup(stories["es"]).select_one("#readability").get_text()
    ease = float(re.search(r"(\d+) en la escala Fernández Huerta", spanish).group(1))
    assert ease >= 60  # "normal" or easier on Fernández Huerta's scale


def test_spanish_edition_translates_every_fixed_string(stories, outcomes):
    english, spanish = _soup(stories["en"]), _soup(stories["es"])
    assert spanish.html["lang"] == "es"
    # what people wrote, names and numbers are the same in both editions; the rest is not
    plan = sample_plans.sample_plan(RICH, outcomes)
    written = {str(v).strip() for r in plan.all() for v in r.model_dump().values()
               if isinstance(v, str)}
    same_in_both = {"Color", "No", "no", "n", "Data:", "—", "–"}
    fixed = {t for t in _texts(english.body) if t not in written
             and not re.fullmatch(r"[\d\s.,:/%·–—+\-−()]+", t) and t not in same_in_both
             and "Salinas" not in t and not t.startswith("data/")}
    assert len(fixed) > 20
    left = sorted(fixed & _texts(spanish.body))
    assert not left, f"untranslated in the Spanish edition: {left[:10]}"
    note = spanish.find(string=re.compile("tal como las escribió"))
    assert note is not None  # people's own words are shown as written, and the page says so


def test_spanish_numbers_and_dates_follow_the_locale(stories):
    text = _soup(stories["es"]).select_one("main").get_text(" ")
    assert re.search(r"\d,\d\xa0%", text)  # 13,7 %
    assert re.search(r"\d{1,2} de [a-z]+ de \d{4}", text)  # 31 de julio de 2025


def test_district_without_a_plan_gets_one_page_of_where_it_stands(stories):
    doc = _soup(stories["none"])
    headings = [h.get_text(strip=True).replace("¶", "") for h in doc.select("main h2")]
    assert headings == ["Where we stand", "How to start"]
    assert not doc.select(".wb-empty"), "no empty sections"
    rows = doc.select("#tbl-student-results tbody tr")
    assert rows and "has not stored an improvement plan yet" in doc.get_text()
    steps = doc.select("ol.wb-steps li a")
    assert [a["href"] for a in steps] == [app for _text, app in T.first_steps()]
    spanish = _soup(stories["none-es"])
    assert [h.get_text(strip=True).replace("¶", "") for h in spanish.select("main h2")] == \
        ["Dónde estamos", "Cómo empezar"]


def test_story_fits_a_phone_and_prints(stories):
    from pgserver import offline_chromium

    for browser in offline_chromium():
        for key in ("en", "es", "none"):
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(stories[key].as_uri())
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{key}: the page scrolls sideways ({width} px)"
            charts = page.eval_on_selector_all(
                "figure.wb-chart svg", "s => s.map(e => e.getBoundingClientRect().right)")
            assert all(right <= 390 for right in charts), charts
            pdf = page.pdf(format="Letter")
            assert pdf[:4] == b"%PDF" and len(pdf) > 10_000
            page.close()


def test_user_text_stays_as_written_in_spanish(stories, outcomes):
    plan = sample_plans.sample_plan(RICH, outcomes)
    goal = plan.of(T.Goal)[0].title
    nb = nbformat.read(str(stories["es"].with_name("06.ipynb")), as_version=4)
    assert nb.metadata.papermill.parameters["language"] == "es"
    cells = [td.get_text(strip=True) for td in _soup(stories["es"]).select("#tbl-goals td")]
    assert goal in cells
    data = pd.read_csv(stories["es"].parent / "data" / "goals.csv")
    assert goal in set(data["Meta"])


def test_story_and_needs_assessment_read_together_hide_the_same_cells(tmp_path_factory):
    """The region's audit reads a district's reports together: the story's results by group
    must hide every cell the needs assessment hides (complements included), or the two pages
    together give a hidden group away. These districts leaked before the story held 01's
    tables (13 students of one group, worked out from the story's count)."""
    import yaml

    from workbook.run import batch, regions

    folder = tmp_path_factory.mktemp("story-leak")
    manifest = yaml.safe_load(regions.manifest_path("sample").read_text(encoding="utf-8"))
    manifest.update(name="leak", districts=["27102720000000", "27659790000000"],
                    notebooks=["01_needs_assessment", "06_annual_story"], languages=["en"],
                    audience="stakeholder")
    path = folder / "leak.yaml"
    path.write_text(yaml.safe_dump(manifest), encoding="utf-8")
    url = sample_store(tmp_path_factory, "story-leak-store")
    result = batch.run(str(path), workers=1, out_root=folder / "out", database_url=url)
    assert [o.status for o in result.outcomes].count("done") == 4, result.outcomes
    assert not result.failed, [o.error for o in result.failed]
    shown = pd.read_csv(next((folder / "out" / "leak" / "27659790000000").glob(
        "data/06_annual_story/student-results.csv")), dtype=str)
    assert len(shown) > 0
