"""The four workbooks executed for real (papermill, a kernel each) on a large and a tiny
district, and what happens when they are given wrong parameters.

The executed notebooks are shared across tests (tests/fixtures_workbooks.py): each district's
workbooks run once per session, in the stakeholder edition, into a temporary folder, against
a temporary SQLite store holding the illustrative sample plans.
"""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import papermill
import pytest
from bs4 import BeautifulSoup

from workbook.needs import tables as needs
from workbook.report import page as report
from workbook.run import notebooks
from workbook.run.params import NOTEBOOK_PARAMS, ParameterError
from workbook.store import Store

pytest_plugins = ["fixtures_workbooks"]  # the `workbooks` session fixture, shared

NOTEBOOKS = list(NOTEBOOK_PARAMS)
RICH = "27661590000000"  # Salinas Union High: large, most groups reported
SPARSE = "27751500000000"  # Big Sur Unified: tiny, almost nothing reported

DISTRICTS = {RICH: "Salinas Union High", SPARSE: "Big Sur Unified"}

#: the narrative's section headings, in order (markdown cells, kept in the report)
SECTIONS = {
    "01_needs_assessment": [
        "At a glance", "How the needs assessment was done", "Every indicator by student group",
        "Student groups furthest behind",
        "Gaps", "Trend", "Self-reflection (Tool C)", "SWOT", "Suggested priority areas",
        "Coaching questions for this stage"],
    "02_root_cause_analysis": [
        "Priorities, whys and fishbones", "All causes", "Which causes to work on first",
        "Coaching questions for root cause analysis"],
    "03_strategy_and_measures": [
        "Direction", "Goals and performance measures",
        "Coaching questions for setting the direction", "Strategies",
        "Milestones and actions", "Plan quality", "Coaching questions for creating the plan"],
    "04_quarterly_report": [
        "The year in Tool A's layout", "Milestone reviews",
        "Implementation by strategy", "Actions", "Causes and adjustments",
        "Performance against targets", "Supports",
        "Coaching questions for implementing the plan", "Coaching questions for monitoring"],
    "06_annual_story": [
        "What we set out to do", "What we did", "What changed for students",
        "What we learned and what we will change"],
}

#: titles of the tables and charts each workbook's outputs must contain
BLOCKS = {
    "01_needs_assessment": [
        "At a glance", "Dashboard colors by student group",
        "Status and change by indicator and student group", "Groups in the two lowest colors",
        "Results over time, all students", "Self-reflection profile",
        "Ratings by domain and practice", "Leadership team", "Plan signatures",
        "Elements included in the needs assessment", "Process and stakeholder input",
        "Team consensus beside the anonymous mean, by practice",
        "Strengths and weaknesses by domain (no names)",
        "Strengths, weaknesses, opportunities and threats",
        "Suggested priority areas", "Priority areas the team chose",
        "Questions a coach would ask"],
    "02_root_cause_analysis": [
        "5 Whys", "Fishbone 1", "Causes with evidence and practice", "Impact and actionability",
        "Questions a coach would ask"],
    "03_strategy_and_measures": [
        "Mission, vision and purpose", "Leadership team", "Plan signatures",
        "Goal and strategy measures",
        "Strategies as theories of action", "Four Domains practices covered",
        "Timeline of actions", "Budget by funding source", "Plan-quality findings",
        "Questions a coach would ask"],
    "04_quarterly_report": [
        "Strategies", "Milestones", "Actions this quarter", "Action status over time",
        "Why actions are behind, and what changed", "Measures against this year's targets",
        "Progress toward each target", "Supports needed, provided and how effective",
        "Strategies by semester", "Milestones quarter by quarter",
        "Milestones reviewed this year, by semester",
        "Adjustments to the plan this year: what changed, why, and who was told",
        "Questions a coach would ask"],
    "06_annual_story": [
        "Our goals and strategies", "Our work, strategy by strategy",
        "Our goal measures and targets", "Where we started, our target, and now",
        "All students: last year and this year", "Results by group of students",
        "Changes to our plan, and why", "Help we received, and how well it worked"],
}

EMPTY = re.compile(r"Nothing to (show|chart) yet")
CASES = [pytest.param(d, nb, id=f"{d}-{nb[:2]}") for d in DISTRICTS for nb in NOTEBOOKS]


def outputs_html(nb: nbformat.NotebookNode) -> str:
    """Every HTML output of the executed notebook, in order."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html")
            if html:
                parts.append("".join(html) if isinstance(html, list) else html)
    return "\n".join(parts)


def soup(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html.parser")


def block_titles(doc: BeautifulSoup) -> list[str]:
    """Titles of tables and empty charts (h4) and of drawn charts (figcaption strong)."""
    return ([h.get_text(strip=True) for h in doc.select("h4")]
            + [s.get_text(strip=True) for s in doc.select("figure.wb-chart figcaption strong")])


def read_csv(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"student_group": str, "indicator": str},
                       keep_default_na=False, na_values=[""])


# ------------------------------------------------------------------------- the store
def test_sample_plans_stored_for_both_districts(workbooks):
    """Both test districts have a plan in the temporary store, and the sparse one is sparse."""
    stored = Store(workbooks.database_url).orgs()
    assert RICH in stored and SPARSE in stored
    data = workbooks.outcomes()
    share = {}
    for d in DISTRICTS:
        snap = needs.district_snapshot(data, d, 2024)
        share[d] = snap["status"].notna().mean()
    assert share[RICH] > 0.75, share
    assert share[SPARSE] < 0.25, share  # most groups not reported: the case to test


# ------------------------------------------------------------------------- real runs
@pytest.mark.slow
@pytest.mark.parametrize(("district", "name"), CASES)
def test_workbook_runs_without_errors(workbooks, district, name):
    run = workbooks.district(district)
    nb = run.read(name)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    stderr = [o.text for c in nb.cells for o in c.get("outputs", [])
              if o.output_type == "stream" and o.name == "stderr"]
    assert not any("Traceback" in s or "Error" in s for s in stderr), stderr
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "a code cell was not executed"
    assert nb.metadata.papermill.parameters["district_id"] == district
    meta = report.page_meta(nb)
    assert DISTRICTS[district] in meta["title"]
    assert meta["audience"] == "stakeholder"
    assert meta["illustrative"] is True  # sample plans say they are illustrations


@pytest.mark.slow
@pytest.mark.parametrize(("district", "name"), CASES)
def test_expected_sections_and_blocks(workbooks, district, name):
    """Every heading and every table/chart title of the workbook is there, in order."""
    run = workbooks.district(district)
    page = soup(run.reports[name].read_text(encoding="utf-8"))
    headings = [h.get_text(strip=True).replace("¶", "") for h in page.select("main h2")]
    assert headings == SECTIONS[name]
    titles = block_titles(soup(outputs_html(run.read(name))))
    missing = [t for t in BLOCKS[name] if t not in titles]
    assert not missing, f"missing blocks {missing}; found {titles}"
    if name == "01_needs_assessment":
        assert any(t.startswith("Gaps: ") for t in titles), titles


@pytest.mark.slow
@pytest.mark.parametrize(("district", "name"), CASES)
def test_no_empty_sections(workbooks, district, name):
    """Each table/chart block has content or says there is nothing yet; no section is bare."""
    run = workbooks.district(district)
    out = soup(outputs_html(run.read(name)))
    blocks = out.select("section.wb-block")
    assert blocks
    for block in blocks:
        title = block.h4.get_text(strip=True) if block.h4 else ""
        assert title, block
        has_rows = bool(block.select("table tbody tr"))
        has_items = bool(block.select("li"))
        said_empty = bool(EMPTY.search(block.get_text()))
        assert has_rows or has_items or said_empty, f"empty block {title!r}"
        if said_empty:
            assert not has_rows
    for table in out.select("table.wb-table"):
        assert table.select("tbody tr"), table
    for fig in out.select("figure.wb-chart"):
        assert fig.select_one("svg") is not None, fig.get("id")
    # in the report, every h2 section has at least one output before the next h2
    page = soup(run.reports[name].read_text(encoding="utf-8"))
    main = page.select_one("main")
    sections: list[list[str]] = []
    for el in main.find_all(True, recursive=False):
        if el.find("h2") or el.name == "h2":
            sections.append([])
        elif sections:
            sections[-1] += el.get("class", [])
    assert len(sections) == len(SECTIONS[name])
    bare = [SECTIONS[name][i] for i, classes in enumerate(sections)
            if not set(classes) & {"wb-block", "wb-chart", "wb-summary", "wb-info"}]
    assert not bare, f"sections with no output: {bare}"


@pytest.mark.slow
def test_sparse_district_says_not_reported(workbooks):
    run = workbooks.district(SPARSE)
    out = soup(outputs_html(run.read("01_needs_assessment")))
    snapshot = out.select_one("#tbl-snapshot")
    assert snapshot is not None
    rows = snapshot.select("tbody tr")
    data = workbooks.outcomes()
    expected = needs.district_snapshot(data, SPARSE, 2024)
    assert len(rows) == len(expected)  # unreported groups are listed, not dropped
    cells = [[td.get_text(strip=True) for td in tr.select("td")] for tr in rows]
    raw = [c for row in cells for c in row if c in ("None", "nan", "<NA>")]
    assert not raw, f"missing values shown as {sorted(set(raw))}, not 'not reported'"
    # a value the state did not report is a dash, and the row says why (too few students,
    # not reported) in its last column, instead of a raw code or a blank
    said_why = [c for c in cells if c[-1] not in ("", "—")]
    assert len(said_why) >= len(rows) // 2, cells
    assert all(c[-1] != "—" or "—" not in c[2:-1] for c in cells), cells
    grid = out.select_one("#fig-color-grid")
    assert grid is not None and "n/r" in grid.get_text()
    # nothing is in Red or Orange: said explicitly, not left blank
    flagged = out.select_one("#tbl-flagged")
    assert flagged is not None and EMPTY.search(flagged.get_text())


@pytest.mark.slow
@pytest.mark.parametrize("district", list(DISTRICTS))
def test_stakeholder_csvs_hide_small_groups(workbooks, district):
    run = workbooks.district(district)
    folder = run.data_dir("01_needs_assessment")
    csvs = sorted(folder.glob("*.csv"))
    student = {p.name: read_csv(p) for p in csvs if "student_group" in read_csv(p).columns}
    assert {"snapshot.csv", "color-grid.csv"} <= set(student), [p.name for p in csvs]
    for fname, frame in student.items():
        assert "n" in frame.columns, f"{fname} has student groups but no n column"
        n = pd.to_numeric(frame["n"], errors="coerce")
        small = frame[(n > 0) & (n < 11)]
        assert small.empty, f"{fname} shows groups under 11:\n{small}"
        if "status" in frame.columns:
            shown = frame[frame["status"].notna()]
            assert (pd.to_numeric(shown["n"], errors="coerce") >= 11).all(), fname
    # the groups under 11 in the state's file are in the CSV, blanked, with the reason
    raw = needs.district_snapshot(workbooks.outcomes(), district, 2024)
    raw_small = raw[(raw["n"] > 0) & (raw["n"] < 11)]
    assert not raw_small.empty  # both districts have groups under 11 to hide
    snap = student["snapshot.csv"].set_index(["indicator", "student_group"])
    for _, row in raw_small.iterrows():
        got = snap.loc[(row["indicator"], row["student_group"])]
        assert pd.isna(got["n"]) and pd.isna(got["status"]), got
        assert got["suppressed"] == "fewer than 11 students"
    # the CSV is the table as shown: same rows, same counts
    table = soup(outputs_html(run.read("01_needs_assessment"))).select_one("#tbl-snapshot table")
    heads = [th.get_text(strip=True) for th in table.select("thead th")]
    shown_n = [tr.select("td")[heads.index("Students")].get_text(strip=True)  # labels: n
               for tr in table.select("tbody tr")]
    shown_counts = [int(v) if v.isdigit() else None for v in shown_n]
    csv_counts = [None if pd.isna(v) else int(v) for v in student["snapshot.csv"]["n"]]
    assert shown_counts == csv_counts


@pytest.mark.slow
def test_missing_values_read_not_reported(workbooks):
    """A blank cell in a shown table says "not reported", never None, nan or <NA>."""
    raw = {"None", "nan", "NaN", "<NA>", "NaT"}
    found = []
    for district in DISTRICTS:
        run = workbooks.district(district)
        for name in NOTEBOOKS:
            out = soup(outputs_html(run.read(name)))
            for table in out.select("table.wb-table"):
                cells = {td.get_text(strip=True) for td in table.select("td")}
                if cells & raw:
                    block = table.find_parent(["section", "details"])
                    title = block.h4 or block.summary if block else None
                    found.append((district, name, title.get_text() if title else "?",
                                  sorted(cells & raw)))
    assert not found, "tables showing raw missing values:\n" + "\n".join(map(str, found))


# ------------------------------------------------------------------ wrong parameters
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_misspelt_parameter_refused_before_running(workbooks, tmp_path, name):
    out = tmp_path / "out.ipynb"
    with pytest.raises(ParameterError) as err:
        workbooks.execute(name, {"distrct_id": SPARSE}, out)
    msg = str(err.value)
    assert name in msg
    assert "unknown parameter 'distrct_id'" in msg
    assert "did you mean 'district_id'?" in msg
    assert not out.exists()


@pytest.mark.parametrize(("name", "parameters", "words"), [
    ("01_needs_assessment", {"year": "soon"}, ["parameter year", "integer"]),
    ("02_root_cause_analysis", {"district_id": 27751500000000}, ["district_id", "string"]),
    ("03_strategy_and_measures", {"audience": "everyone"}, ["audience", "'team'"]),
    ("04_quarterly_report", {"quarter": 7}, ["quarter", "less than or equal to 4"]),
])
def test_wrong_value_refused_before_running(workbooks, tmp_path, name, parameters, words):
    out = tmp_path / "out.ipynb"
    with pytest.raises(ParameterError) as err:
        workbooks.execute(name, {"district_id": SPARSE, **parameters}, out)
    for word in words:
        assert word in str(err.value)
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.parametrize(("parameters", "words"), [
    ({"distrct_id": SPARSE}, ["unknown parameter 'distrct_id'", "did you mean 'district_id'?"]),
    ({"year": "soon"}, ["parameter year", "integer"]),
], ids=["misspelt", "wrong-type"])
def test_plain_papermill_stops_in_validation_cell(workbooks, tmp_path, parameters, words):
    """Plain papermill only warns about unknown names; the notebook itself refuses them."""
    out = tmp_path / "out.ipynb"
    with workbooks.env(), pytest.raises(papermill.PapermillExecutionError) as err:
        papermill.execute_notebook(str(notebooks.path_of("02_root_cause_analysis")), str(out),
                                   parameters=parameters, kernel_name="python3",
                                   progress_bar=False, cwd=str(notebooks.NOTEBOOK_DIR))
    assert err.value.ename == "ParameterError"
    for word in words:
        assert word in err.value.evalue
    assert "notebook parameters" in err.value.evalue
    # it stopped in the validation cell: nothing after it ran
    nb = nbformat.read(str(out), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    failed = [i for i, c in enumerate(code)
              if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert len(failed) == 1
    assert "params.from_namespace" in code[failed[0]].source
    assert all(not c.execution_count for c in code[failed[0] + 1:])
