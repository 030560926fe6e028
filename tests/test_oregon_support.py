"""Oregon's system of support around the region: growth targets met / not met per year,
the network hook (`network_rows`), the region landing page's Oregon part, the one
glossary tagged by state, and `workbook oregon tiers` (fuzzed with hypothesis: whatever
the designation CSV, one line per problem and exit 1, never a traceback)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import private_cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from workbook import catalogue, data
from workbook.cli import app
from workbook.direction.model import Measure
from workbook.identification import oregon as rules
from workbook.progress.model import Support
from workbook.report import page as report
from workbook.run import batch, regions
from workbook.samples import oregon as or_plans

OR_DIR = data.SAMPLE_DIR / "or_ode"
CORVALLIS, ALSEA = "1901", "1899"
HEADER = "district_id,school_id,school_name,designation"


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory):
    with private_cache(tmp_path_factory, "oregon-support-cache"):
        yield


@pytest.fixture(scope="module")
def outcomes() -> pd.DataFrame:
    return data.load_outcomes(sorted(OR_DIR.glob("*.xlsx")))


@pytest.fixture(scope="module")
def region():
    """The sample region with plans started a year earlier, so plan year 1 (2021-22) has
    ODE results to be judged against."""
    return regions.load("oregon-lbl").model_copy(update={"plan_start": "2021-08-01"})


def _status(outcomes, org, indicator) -> float:
    f = outcomes[(outcomes["org_id"] == org) & (outcomes["org_level"] == "district")
                 & (outcomes["indicator"] == indicator) & (outcomes["grade"] == "all")
                 & (outcomes["student_group"] == "ALL") & (outcomes["year"] == 2022)]
    return float(f["status"].iloc[0])


@pytest.fixture(scope="module")
def documents(outcomes, region):
    """The sample plans; Corvallis's first growth target set just under its 2021-22 result
    (met), the others as the sample sets them (above: not met); a corrective-action step
    recorded for Alsea."""
    ids = region.districts.members
    docs = {d: or_plans.sample_plan(d, outcomes, start=dt.date(2021, 8, 1)) for d in ids}
    first = [m for m in docs[CORVALLIS].of(Measure) if m.state_indicator][0]
    got = _status(outcomes, CORVALLIS, first.state_indicator)
    first.targets = {1: got - 1 if first.higher_is_better else got + 1, 2: 99.0}
    docs[ALSEA].add(Support(org_id=ALSEA, need="Step 2: required coaching program, growth "
                            "targets not met", provided=True, provider="ESD",
                            support_type="corrective action",
                            provided_on=dt.date(2023, 3, 1)))
    docs[ALSEA].add(Support(org_id=ALSEA, need="Step 1: written plan", provided=True,
                            provider="ODE", support_type="corrective action",
                            provided_on=dt.date(2022, 10, 1)))
    return docs


def _designations(tmp_path: Path, outcomes) -> Path:
    """A synthetic designation file: four of Corvallis's schools CSI or TSI, one of Alsea's."""
    schools = outcomes[(outcomes["org_level"] == "school")]
    corv = sorted(schools.loc[schools["district_id"] == CORVALLIS, "org_id"].unique())[:4]
    alsea = sorted(schools.loc[schools["district_id"] == ALSEA, "org_id"].unique())[:1]
    lines = [HEADER] + [f"{CORVALLIS},{s},School {s},{'CSI' if i == 0 else 'TSI'}"
                        for i, s in enumerate(corv)] + [f"{ALSEA},{alsea[0]},A,TSI"]
    path = tmp_path / "designations.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------ growth targets per year


def test_growth_by_year_counts_every_target_of_a_year():
    results = pd.DataFrame({
        "plan_year": [1, 1, 1, 2, 2, 3], "year": [2022, 2022, 2022, 2023, 2023, 2024],
        "verdict": ["met", "not met", "no data yet", "met", "met", "no data yet"]})
    by = rules.growth_by_year(results).set_index("plan_year")
    assert list(by["verdict"]) == ["not met", "met", "no data yet"]
    assert (by.loc[1, "met"], by.loc[1, "not_met"], by.loc[1, "no_data"]) == (1, 1, 1)
    assert by.loc[2, "school_year"] == "2022-23"


# ------------------------------------------------------------------ the network hook


def test_network_rows_on_the_sample_region(tmp_path, outcomes, region, documents):
    from workbook.network.tables import OREGON_ROW_COLUMNS

    ids = region.districts.members
    csv = _designations(tmp_path, outcomes)
    rows = rules.network_rows(region, outcomes, ids, documents=documents,
                              designations=csv).set_index("district_id")
    assert list(rows.index) == ids
    assert set(OREGON_ROW_COLUMNS) <= {"district_id", *rows.columns}
    tiers = rules.partnership_tiers(*rules.read_designations(csv)[:1], outcomes) \
        .set_index("district_id")
    for d in ids:
        res = rules.district_growth(documents[d], outcomes, d, region.plan_start)
        judged = res[res["verdict"] != "no data yet"]
        assert rows.loc[d, "growth_targets_total"] == len(judged) > 0
        assert rows.loc[d, "growth_targets_met"] == (judged["verdict"] == "met").sum()
        raised = "Longitudinal performance growth targets not met" in rows.loc[d, "triggers"]
        assert raised == (judged["verdict"] == "not met").any()
        assert rows.loc[d, "tier"] == (tiers.loc[d, "tier"] if d in tiers.index else "none")
    assert rows.loc[CORVALLIS, "growth_targets_met"] == 1
    assert rows.loc[CORVALLIS, "growth_by_year"].startswith(
        f"2021-22: not met (1 of {rows.loc[CORVALLIS, 'growth_targets_total']} met)")
    assert rows.loc[CORVALLIS, "tier"] in ("primary", "opportunity and innovation")
    assert "4 designated (1 CSI, 3 TSI)" in rows.loc[CORVALLIS, "tier_reason"]
    assert rows.loc["1898", "tier"] == "none"
    # the latest step recorded, by date, named by the rules
    assert rows.loc[ALSEA, "continuum_step"] == "2: Required coaching program (2023-03-01)"
    assert rows.loc[CORVALLIS, "continuum_step"] == ""
    # recorded triggers come in by district; nobody's record: counted as not recorded
    recorded = rules.network_rows(region, outcomes, [CORVALLIS], documents=documents,
                                  recorded={CORVALLIS: {"finances": True}})
    assert "Misuse of or inadequate reporting of finances" in recorded["triggers"].iloc[0]
    assert recorded["triggers_not_recorded"].iloc[0] == \
        rows.loc[CORVALLIS, "triggers_not_recorded"] - 1
    assert recorded["tier"].iloc[0] == ""  # no designation file: no tier claimed


def test_network_rows_without_a_plan_judge_nothing(outcomes, region):
    rows = rules.network_rows(region, outcomes, [CORVALLIS], documents={})
    assert rows.iloc[0]["growth_targets_total"] == 0 and rows.iloc[0]["triggers"] == ""
    assert rows.iloc[0]["growth_by_year"] == ""


def test_a_bad_designation_file_in_the_manifest_is_an_error(tmp_path, outcomes, region):
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\n19x1,1,S,CSI\n", encoding="utf-8")
    with pytest.raises(rules.WorkbookError, match=r"bad.csv:2:district_id"):
        rules.network_rows(region, outcomes, [CORVALLIS], documents={}, designations=bad)


# ------------------------------------------------------------------ the landing page


def test_landing_page_shows_growth_targets_by_year_and_tiers(tmp_path, outcomes, region,
                                                               documents):
    ids = region.districts.members
    page = BeautifulSoup(rules.index_html(region, outcomes, ids, documents=documents),
                         "html.parser")
    table = page.select_one("table.wb-growth")
    rows = {tr.find("td").get_text(): [td.get_text() for td in tr.find_all("td")]
            for tr in table.select("tbody tr")}
    names = dict(batch.district_ids(region, outcomes))
    assert len(rows) == len(ids)
    corvallis = rows[names[CORVALLIS]]
    assert corvallis[1].startswith("2021-22: not met (1 of ") and "2022-23: no data yet" in \
        corvallis[1]
    assert "Longitudinal performance growth targets not met" in corvallis[2]
    assert rows[names[ALSEA]][-1] == "2: Required coaching program (2023-03-01)"
    assert "Partnership tier" not in table.get_text()  # no designation file named
    assert "No designation file in the manifest" in page.get_text()
    # the manifest names one (relative to the manifest): the tiers and their reasons show
    csv = _designations(tmp_path, outcomes)
    named = region.model_copy(update={
        "base": tmp_path, "districts": region.districts.model_copy(
            update={"designations": csv.name})})
    page = BeautifulSoup(rules.index_html(named, outcomes, ids, documents=documents),
                         "html.parser")
    heads = [th.get_text() for th in page.select("table.wb-growth th")]
    assert "Partnership tier" in heads and "Why" in heads
    text = page.select_one("table.wb-growth").get_text()
    assert "4 designated (1 CSI, 3 TSI)" in text


# ------------------------------------------------------------------ one glossary, by state


def test_the_glossary_is_one_list_tagged_by_state():
    oregon, california = catalogue.glossary("OR"), catalogue.glossary("CA")
    for terms in (oregon, california, catalogue.glossary()):
        folded = [t.casefold() for t in terms]
        assert len(folded) == len(set(folded))
    words = " | ".join(oregon).casefold()
    for term in ("education service district (esd)", "partnership tier",
                 "growth targets", "csi/tsi"):
        assert term in words, term
    assert "Dashboard colors" not in oregon and "differentiated assistance (DA)" not in oregon
    assert "Dashboard colors" in california and "differentiated assistance (DA)" in california
    assert not any("ESD" in t or "CSI/TSI" in t for t in california)
    assert "milestone" in oregon and "milestone" in california  # every state's
    merged = catalogue.merge_glossary({"Milestone": "The plan's own."}, "OR")
    assert [(t, d) for t, d in merged.items() if t.casefold() == "milestone"] == [
        ("Milestone", "The plan's own.")]


@pytest.mark.parametrize(("state", "shown", "hidden"), [
    ("OR", "partnership tier", "Dashboard colors"),
    ("CA", "Dashboard colors", "partnership tier")])
def test_a_report_explains_its_own_states_terms(state, shown, hidden):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T\n\n## A\n\ntext")]
    html = report.render(nb, title="T", state=state, glossary={"milestone": "ours"})
    terms = [dt_.get_text() for dt_ in BeautifulSoup(html, "html.parser")
             .select("dl.glossary dt")]
    assert shown in terms and hidden not in terms
    assert [t for t in terms if t.casefold() == "milestone"] == ["milestone"]


def test_oregon_sample_plans_carry_oregons_glossary(outcomes):
    doc = or_plans.sample_plan(CORVALLIS, outcomes)
    terms = {t.term for t in doc.of_kind("glossary")}
    assert terms == set(catalogue.glossary("OR"))


# ------------------------------------------------------------------ workbook oregon tiers


def _tiers(*args: str):
    return CliRunner().invoke(app, ["oregon", "tiers", *args])


def test_the_tiers_command_prints_tier_reason_and_cut_offs(tmp_path, outcomes):
    csv = _designations(tmp_path, outcomes)
    result = _tiers("--designations", str(csv))
    assert result.exit_code == 0, result.output
    lines = {ln.split("\t")[0]: ln.split("\t") for ln in result.stdout.splitlines()
             if "\t" in ln}
    expected = rules.partnership_tiers(*rules.read_designations(csv)[:1], outcomes) \
        .set_index("district_id")
    assert set(lines) == set(regions.load("oregon-lbl").districts.members)
    assert lines[CORVALLIS][2] == expected.loc[CORVALLIS, "tier"]
    assert lines[CORVALLIS][3] == expected.loc[CORVALLIS, "reason"]
    assert lines["1898"][2:] == ["none", "no CSI or TSI school in the designation file"]
    cut = rules.continuum().partnership
    assert re.search(rf"cut-offs: primary at {cut.primary_min_schools} or more CSI/TSI "
                     rf"schools and {cut.primary_min_share:g}%", result.stdout)
    assert cut.source in result.stdout


@pytest.mark.parametrize(("text", "where"), [
    (f"{HEADER}\n1901,27,A,TSI\n1901,abc,B,TSI\n", ":3:school_id: 'abc' is not an ODE id"),
    (f"{HEADER}\n1901,27,A,XYZ\n", ":2:designation: 'XYZ' is not CSI or TSI"),
    ("district,school\n1901,27\n", ":1:designation: column 'designation' is missing"),
    (f"{HEADER}\n1901,27,A,TSI\n\n2097,27,B,CSI\n",
     ":4:school_id: school '27' is also listed on line 2 under district '1901'"),
    ("", "cannot read the designation CSV"),
])
def test_a_bad_designation_csv_is_one_line_per_problem_and_exit_1(tmp_path, text, where):
    csv = tmp_path / "d.csv"
    csv.write_text(text, encoding="utf-8")
    result = _tiers("--designations", str(csv))
    assert result.exit_code == 1 and result.stdout == ""
    assert where in result.stderr and str(csv) in result.stderr
    assert all(ln.startswith("error: ") for ln in result.stderr.splitlines())


def test_the_tiers_command_refuses_a_california_region_and_a_missing_file(tmp_path):
    result = _tiers("--designations", str(tmp_path / "none.csv"), "--region", "sample")
    assert result.exit_code == 1 and "not Oregon" in result.stderr
    result = _tiers("--designations", str(tmp_path / "none.csv"))
    assert result.exit_code == 1 and "none.csv" in result.stderr
    result = _tiers()
    assert result.exit_code == 1 and "give --designations" in result.stderr


_CELL = st.one_of(st.sampled_from(["1901", "2097", "27", "CSI", "TSI", "tsi", "", " ", '"',
                                   "1e5", "-1", "١٢", "NaN", "\x00", "x" * 300]),
                  st.text(max_size=12))


@st.composite
def designation_files(draw) -> bytes:
    header = draw(st.sampled_from([HEADER, HEADER.upper(), "district_id,school_id",
                                   HEADER + ",extra", ""]))
    rows = draw(st.lists(st.lists(_CELL, min_size=0, max_size=6), max_size=8))
    text = header + "\n" + "\n".join(",".join(r) for r in rows)
    raw = text.encode(draw(st.sampled_from(["utf-8", "utf-16", "latin-1"])), "replace")
    if draw(st.booleans()) and raw:  # damage a byte
        i = draw(st.integers(0, len(raw) - 1))
        raw = raw[:i] + bytes([draw(st.integers(0, 255))]) + raw[i + 1:]
    return raw


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=designation_files())
def test_fuzzed_designation_files_never_give_a_traceback(tmp_path, monkeypatch, outcomes,
                                                          raw):
    from workbook.data import cache

    # the region's data read once (the fixture), not from the cache at every example
    monkeypatch.setattr(cache, "cached", lambda *_a, **_k: [])
    monkeypatch.setattr(cache, "read_all", lambda *_a, **_k: outcomes)
    csv = tmp_path / "fuzz.csv"
    csv.write_bytes(raw)
    result = _tiers("--designations", str(csv))
    assert result.exit_code in (0, 1), (raw, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        (raw, result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert result.stderr and all(ln.startswith("error: ")
                                     for ln in result.stderr.splitlines())
    else:
        assert "cut-offs:" in result.stdout
