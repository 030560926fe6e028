"""Oregon end to end, the fast part: ODE's files read by column signature (the cohort media
file against values read from it by hand), district ELA rolled up from school rows with the
suppressed share said, counties from the cohort file, the needs tables on an Oregon
district, the rules of the continuum and the partnership tiers, growth targets met or not
met, the Oregon sample plans and the disclosure audit at ODE's threshold of 10."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from workbook import data, privacy
from workbook import needs as N
from workbook.data import oregon
from workbook.direction.model import Measure
from workbook.errors import WorkbookError
from workbook.identification import oregon as rules
from workbook.privacy import Table
from workbook.report import blocks as show
from workbook.report import sections
from workbook.run import batch, regions
from workbook.samples import oregon as or_plans

OR_DIR = data.SAMPLE_DIR / "or_ode"
COHORT = OR_DIR / "cohortmediafile2021-2022.xlsx"
CORVALLIS, ALSEA, ADEL = "1901", "1899", "2063"


@pytest.fixture(scope="module")
def outcomes() -> pd.DataFrame:
    return data.load_outcomes(sorted(OR_DIR.glob("*.xlsx")))


def _row(frame, org, indicator, group="ALL", grade="all", level="district"):
    f = frame[(frame["org_id"] == org) & (frame["indicator"] == indicator)
              & (frame["student_group"] == group) & (frame["grade"] == grade)
              & (frame["org_level"] == level)]
    assert len(f) == 1, f
    return f.iloc[0]


# ------------------------------------------------------------------ the cohort media file


def test_cohort_file_matches_values_read_from_it(outcomes):
    """Numbers copied by hand from the published workbook (sheets '4YR District and School',
    '5YR District and School', '4YR State and County')."""
    r = _row(outcomes, CORVALLIS, "GRAD4")
    assert (r["denominator"], r["numerator"], r["status"], r["prior_status"]) == (
        529, 469, 88.66, 88.21)
    assert r["county"] == "Benton" and r["source_file"].endswith("[4YR District and School]")
    c = _row(outcomes, CORVALLIS, "COMPL4")
    assert (c["numerator"], c["status"]) == (469 + 13, 91.12)  # graduates + other completers
    hi = _row(outcomes, CORVALLIS, "GRAD4", "HI")
    assert (hi["denominator"], hi["status"], hi["prior_status"]) == (101, 82.18, 92)
    a5 = _row(outcomes, ALSEA, "GRAD5")
    assert (a5["denominator"], a5["numerator"], a5["status"], a5["prior_status"]) == (
        40, 23, 57.5, 46.67)
    state = _row(outcomes, "99999905", "GRAD4", level="state")
    assert (state["denominator"], state["status"], state["prior_status"]) == (46486, 81.34, 80.63)


def test_cohort_markers_are_kept_not_numbers(outcomes):
    adel_male = _row(outcomes, ADEL, "GRAD4", "MAL")
    assert adel_male["suppression"] == "*" and pd.isna(adel_male["status"])
    assert adel_male["not_reported"]
    high = outcomes[(outcomes["indicator"] == "GRAD4") & (outcomes["status_text"] == ">95%")]
    assert len(high) > 100 and high["status"].isna().all()
    dash = _row(outcomes, "2111", "GRAD4")  # Annex SD 29: a cohort of one, rate '-'
    assert dash["status_text"] == "-" and pd.isna(dash["status"]) and dash["denominator"] == 1


def test_county_rows_left_out_and_every_district_has_a_county(outcomes):
    cohort = outcomes[outcomes["indicator"].isin(["GRAD4", "GRAD5", "COMPL4", "COMPL5"])]
    assert set(cohort["org_level"]) == {"state", "district", "school"}
    districts = outcomes[(outcomes["org_level"] == "district") & outcomes["indicator"].isin(
        ["GRAD4", "REG_ATTEND"])]
    counties = districts.groupby("district_id")["county"].first()
    assert counties[CORVALLIS] == "Benton" and counties["2100"] == "Linn"
    # the attendance rows got their district's county from the cohort file
    att = _row(outcomes, CORVALLIS, "REG_ATTEND")
    assert att["county"] == "Benton"


def _cohort_copy(tmp_path: Path, year: str, span: str) -> Path:
    """A workbook of ODE's layout for another year and span, under another name."""
    head = ["County", "District ID", "District Name", "School ID", "School Name",
            "Student Group Code", "Student Group", "Adjusted Cohort", "Graduates",
            f"{year} {span}-year Cohort Graduation Rate", "Other Completers",
            f"{year} {span}-year Cohort Completer Rate", "Institution Level",
            f"2019-20 (prior year) {span}-year Cohort Graduation Rate"]
    rows = [["Benton", 1901, "Corvallis SD 509J", 1901, "Corvallis SD 509J", "Tot",
             "All Students", 500, 450, 90, 10, 92, "District", 88.5],
            ["Benton", 1901, "Corvallis SD 509J", 1901, "Corvallis SD 509J", "NewGrp",
             "A group ODE added", "*", "*", "*", "*", "*", "District", "NA"],
            ["Benton", 1901, "Corvallis SD 509J", 1902, "Some High School", "Tot",
             "All Students", 120, "*", ">95%", "*", ">95%", "High School", "-"]]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = " Grad rates"  # a leading space, as ODE has written
    sheet.append(head)
    for r in rows:
        sheet.append(r)
    path = tmp_path / "any_name.xlsx"
    book.save(path)
    return path


def test_another_year_and_span_load_by_column_signature(tmp_path):
    ds = data.read(_cohort_copy(tmp_path, "2020-21", "Five"))
    assert [d.format for d in ds] == ["or_cohort"] and ds[0].problems == []
    f = ds[0].frame
    assert set(f["year"]) == {2021} and set(f["indicator"]) == {"GRAD5", "COMPL5"}
    grad = f[(f["indicator"] == "GRAD5") & (f["org_id"] == "1901")].set_index("student_group")
    assert grad.loc["ALL", "status"] == 90 and grad.loc["ALL", "prior_status"] == 88.5
    assert grad.loc["NEWGRP", "student_group_name"] == "A group ODE added"
    school = f[(f["org_id"] == "1902") & (f["indicator"] == "GRAD5")].iloc[0]
    assert school["org_level"] == "school" and school["status_text"] == ">95%"


def test_damaged_cohort_file_names_file_row_and_column(tmp_path):
    path = _cohort_copy(tmp_path, "2020-21", "Four")
    book = openpyxl.load_workbook(path)
    book.active["H2"] = "lots"
    book.active["M3"] = "Region"
    book.save(path)
    problems = data.check([path])
    text = "\n".join(map(str, problems))
    assert ":2:Adjusted Cohort: text 'lots'" in text
    assert ":3:Institution Level: institution level 'Region'" in text
    with pytest.raises(data.DataError):
        data.load_outcomes([path])


# ------------------------------------------------------------- other assessment layouts


def _assessment(tmp_path: Path, name: str, head: list[str], rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    book.active.append(head)
    for r in rows:
        book.active.append(r)
    path = tmp_path / name
    book.save(path)
    return path


def test_district_math_file_loads_with_the_same_reader(tmp_path):
    head = ["Academic Year", "District ID", "District", "Subject", "Student Group",
            "Grade Level", "Number Proficient", "Percent Proficient (Level 3 or 4)",
            "Number of Participants"]
    rows = [["2022-2023", 1901, "Corvallis SD 509J", "Mathematics", "All Students",
             "All Grades", 1200, 40.0, 3000],
            ["2022-2023", 1901, "Corvallis SD 509J", "Mathematics", "Not Economically "
             "Disadvantaged", "Grade 3", "*", "*", "*"]]
    ds = data.read(_assessment(tmp_path, "pagr_districts_math_2223.xlsx", head, rows))
    assert ds[0].format == "or_assessment" and ds[0].problems == []
    f = ds[0].frame
    assert set(f["org_level"]) == {"district"} and set(f["indicator"]) == {"MATH_PROF"}
    top = f[f["grade"] == "all"].iloc[0]
    assert (top["year"], top["status"], top["denominator"]) == (2023, 40.0, 3000)


def test_unknown_subject_is_a_problem_naming_the_row(tmp_path):
    head = ["Academic Year", "District ID", "District", "School ID", "School", "Subject",
            "Student Group", "Grade Level", "Number Proficient",
            "Percent Proficient (Level 3 or 4)", "Number of Participants"]
    rows = [["2021-2022", 1, "D", 2, "S", "Music", "All Students", "Grade 3", 5, 50, 10]]
    problems = data.check([_assessment(tmp_path, "x.xlsx", head, rows)])
    assert any(p.row == 2 and p.column == "Subject" and "Music" in p.message
               for p in problems)


# ------------------------------------------------------------------------ the roll-up


def _school(school, group, grade, num, den, marker=""):
    return {"state": "OR", "org_level": "school", "org_id": school, "org_name": school,
            "district_id": "7", "district_name": "Seven", "county": "", "indicator":
            "ELA_PROF", "student_group": group, "student_group_name": group, "grade": grade,
            "year": 2022, "numerator": num, "denominator": den,
            "status": None if num is None or den is None else 100 * num / den,
            "suppression": marker, "source_file": "f", "source_row": 2}


def test_rollup_sums_published_cells_and_says_what_is_hidden():
    schools = data.model.conform(pd.DataFrame([
        _school("1", "ALL", "3", 20, 40), _school("2", "ALL", "3", 30, 50),
        _school("3", "ALL", "3", None, None, "*"),          # fewer than 10: count unknown
        _school("1", "ALL", "4", None, 30, "> 95.0%"),      # participants known
        _school("1", "AS", "3", None, None, "*"), _school("2", "AS", "3", 6, 12)]))
    out = oregon.rollup_districts(schools).set_index(["student_group", "grade"])
    g3 = out.loc[("ALL", "3")]
    assert (g3["numerator"], g3["denominator"], g3["status"]) == (50, 90, 55.6)
    assert "2 of 3 cells; 1 suppressed (at most 9 students" in g3["suppression"]
    every = out.loc[("ALL", "all")]
    assert (every["numerator"], every["denominator"]) == (50, 90)
    assert "30 students in cells whose count ODE hid (at most 39 students" in \
        every["suppression"]
    # Asian: 12 published, up to 9 hidden: 42.9% may be hidden, still under half: reported
    assert out.loc[("AS", "3"), "status"] == 50.0


def test_rollup_withheld_when_most_students_may_be_hidden():
    schools = data.model.conform(pd.DataFrame([
        _school("1", "AS", "3", 5, 10), _school("2", "AS", "3", None, None, "*"),
        _school("3", "AS", "3", None, None, "*")]))
    row = oregon.rollup_districts(schools).iloc[0]
    assert pd.isna(row["status"]) and row["not_reported"]  # 18 of 28 may be hidden


def test_published_district_row_wins_over_the_rollup():
    schools = pd.DataFrame([_school("1", "ALL", "3", 20, 40)])
    own = dict(_school("7", "ALL", "3", 21, 41), org_level="district")
    frame = data.model.conform(pd.DataFrame([*schools.to_dict("records"), own]))
    assert len(oregon.with_rollup(frame)) == len(frame)  # nothing rolled up for district 7


def test_corvallis_ela_is_rolled_up_from_its_schools(outcomes):
    schools = outcomes[(outcomes["district_id"] == CORVALLIS) & (outcomes["org_level"] ==
                       "school") & (outcomes["indicator"] == "ELA_PROF")
                       & (outcomes["student_group"] == "ALL")]
    full = schools[schools["numerator"].notna() & schools["denominator"].notna()]
    r = _row(outcomes, CORVALLIS, "ELA_PROF")
    assert r["numerator"] == full["numerator"].sum() == 1511
    assert r["denominator"] == full["denominator"].sum() == 2977
    assert r["suppression"].startswith(oregon.ROLLUP_MARK) and "7 suppressed" in r["suppression"]


# ------------------------------------------------------------------- needs on Oregon data


def test_needs_tables_run_on_an_oregon_district(outcomes):
    snap = N.district_snapshot(outcomes, CORVALLIS, 2022)
    assert not snap.duplicated(["indicator", "student_group"]).any()
    gaps = N.gaps(outcomes, CORVALLIS, 2022)  # the InvalidIndexError of the issue
    reg = gaps[(gaps["indicator"] == "REG_ATTEND") & (gaps["student_group"] == "ALL")].iloc[0]
    assert (reg["status"], reg["state_status"]) == (65.1, 63.9)
    # the county figure: Benton's districts (county from the cohort file), n-weighted
    benton = outcomes[(outcomes["org_level"] == "district") & (outcomes["county"] == "Benton")
                      & (outcomes["indicator"] == "REG_ATTEND") & (outcomes["grade"] == "all")
                      & (outcomes["student_group"] == "ALL")]
    assert len(benton) == 4
    weighted = (benton["status"] * benton["denominator"]).sum() / benton["denominator"].sum()
    assert reg["county_status"] == round(weighted, 1) and reg["county_leas"] == 4
    behind = N.behind_groups(gaps)
    assert len(behind) and (behind[["gap_to_state", "gap_to_all"]].min(axis=1) < 0).all()
    trend = N.trend(outcomes, CORVALLIS)
    grad = trend[trend["indicator"] == "GRAD4"].set_index("year")["status"]
    assert grad[2021] == 88.21 and grad[2022] == 88.66


@pytest.mark.parametrize("district", [CORVALLIS, ADEL])
def test_stakeholder_tables_pass_the_disclosure_audit_at_10(outcomes, district):
    published = []
    for name, frame, values, keys in sections.needs_tables(outcomes, district, 2022):
        shown = show.prepare(frame, value_cols=values, key_cols=keys, audience="stakeholder",
                             state="OR", name=name, earlier=published)
        present = [k for k in keys if k in frame.columns]
        published.append(Table(name, shown, present))
        if "n" in shown:
            small = pd.to_numeric(shown["n"], errors="coerce")
            assert not ((small > 0) & (small < 10)).any(), (district, name)
    assert privacy.audit(published) == []


# ------------------------------------------------------------------ regions and counties


def _manifest(tmp_path: Path, districts: str) -> regions.Region:
    path = tmp_path / "or-test.yaml"
    path.write_text(f"name: or-test\ntitle: t\nschool_year: '2022-23'\nyear: 2022\n"
                    f"state: OR\nsources: [{{path: '{OR_DIR}'}}]\ndistricts: {districts}\n")
    return regions.load(str(path))


def test_county_filter_selects_the_countys_districts(tmp_path, outcomes):
    chosen = batch.district_ids(_manifest(tmp_path, "{county: Benton}"), outcomes)
    assert {d for d, _ in chosen} == {"1898", "1899", "1900", "1901"}


def test_esd_counties_and_members(tmp_path, outcomes):
    region = _manifest(tmp_path, "{esd: X ESD, counties: [Benton, Lincoln]}")
    assert {d for d, _ in batch.district_ids(region, outcomes)} == {
        "1898", "1899", "1900", "1901", "2097"}
    region = _manifest(tmp_path, "{esd: X ESD, members: ['1901', '99']}")
    with pytest.raises(WorkbookError, match=r"member districts not in its data: \['99'\]"):
        batch.district_ids(region, outcomes)


def test_sample_region_is_the_twelve_lbl_districts(outcomes):
    region = regions.load("oregon-lbl")
    chosen = batch.district_ids(region, outcomes)
    assert len(chosen) == 12 and ("2097", "Lincoln County SD") in chosen


# ----------------------------------------------------------------- rules and partnerships


def test_continuum_rules_cite_the_seed():
    r = rules.continuum()
    assert [t.code for t in r.supports.types] == [
        "technical_assistance", "professional_development", "coaching", "corrective_action"]
    assert [s.step for s in r.corrective_action_steps] == [1, 2, 3, 4, 5]
    assert all("seed 000" in t.source for t in r.triggers)
    assert {t.code for t in r.triggers if t.computable} == {"growth_targets", "perkins"}
    assert "002/003" in r.partnership.source and r.partnership.verified is False


def test_a_typo_in_the_rules_file_names_the_key(tmp_path):
    text = (rules.rules_folder("OR") / "continuum.yaml").read_text().replace(
        "primary_min_share", "primary_min_shares")
    bad = tmp_path / "continuum.yaml"
    bad.write_text(text)
    with pytest.raises(WorkbookError, match="partnership.primary_min_shares"):
        rules.continuum.__wrapped__(bad)


def test_partnership_tiers_from_a_designation_csv(tmp_path, outcomes):
    csv = tmp_path / "designations.csv"
    schools = outcomes[(outcomes["district_id"] == "2100") & (outcomes["org_level"] ==
                       "school")]["org_id"].unique()
    lines = ["district_id,school_id,school_name,designation"]
    lines += [f"2100,{s},School {s},TSI" for s in schools[:8]]
    lines += ["1901,9999001,One school,CSI"]
    csv.write_text("\n".join(lines) + "\n")
    frame, problems = rules.read_designations(csv)
    assert problems == []
    tiers = rules.partnership_tiers(frame, outcomes).set_index("district_id")
    total = tiers.loc["2100", "schools"]
    assert tiers.loc["2100", "tsi"] == 8
    expected = "primary" if 100 * 8 / total >= 25 else "opportunity and innovation"
    assert tiers.loc["2100", "tier"] == expected
    assert tiers.loc["1901", "tier"] == "opportunity and innovation"
    assert tiers.loc["2101", "tier"] == "none"


def test_a_bad_designation_csv_lists_every_problem(tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text("district_id,school_id,school_name,designation\nx1,5,S,CSI\n7,8,T,ATSX\n")
    _, problems = rules.read_designations(csv)
    assert [(p.row, p.column) for p in problems] == [(2, "district_id"), (3, "designation")]
    csv.write_text("district,school\n1,2\n")
    _, problems = rules.read_designations(csv)
    assert {p.column for p in problems} == {"district_id", "school_id", "designation",
                                           "school_name"}


def test_growth_targets_met_and_not_met_per_year(outcomes):
    later = pd.concat([outcomes, pd.DataFrame([
        dict(_row(outcomes, CORVALLIS, "REG_ATTEND"), year=2023, status=70.0),
        dict(_row(outcomes, CORVALLIS, "GRAD4"), year=2023, status=85.0)])],
        ignore_index=True)
    measures = [Measure(id="m1", org_id=CORVALLIS, parent="g", indicator="Regular attenders",
                        state_indicator="REG_ATTEND", baseline=65.1, baseline_year=2022,
                        targets={1: 68.0, 2: 71.0}),
                Measure(id="m2", org_id=CORVALLIS, parent="g", indicator="Graduation",
                        state_indicator="GRAD4", baseline=88.66, baseline_year=2022,
                        targets={1: 89.8})]
    res = rules.growth_results(measures, later, CORVALLIS, first_year=2023)
    verdicts = {(r.indicator, r.plan_year): r.verdict for r in res.itertuples()}
    assert verdicts == {("REG_ATTEND", 1): "met", ("REG_ATTEND", 2): "no data yet",
                        ("GRAD4", 1): "not met"}
    trig = rules.triggers(res, perkins_met_share=95, recorded={"civil_rights": False})
    state = trig.set_index("trigger_code")["state"]
    assert state["growth_targets"] == "raised" and state["perkins"] == "not raised"
    assert state["civil_rights"] == "not raised" and state["finances"] == "not recorded"
    assert rules.triggers(res, perkins_met_share=80).set_index("trigger_code")["state"]["perkins"] \
        == "raised"


def test_continuum_history_names_each_step():
    hist = rules.continuum_history([
        rules.StepRecord(district_id="1901", step=2, date="2023-03-01",
                         reason="growth targets not met two years"),
        rules.StepRecord(district_id="1901", step=1, date="2022-10-01", reason="plan")])
    assert list(hist["step"]) == [1, 2] and hist["name"].iloc[1] == "Required coaching program"


# ------------------------------------------------------------------------ sample plans


def test_oregon_sample_plan_is_built_on_real_results_and_illustrative(outcomes):
    doc = or_plans.sample_plan(CORVALLIS, outcomes, esd="Linn Benton Lincoln ESD",
                               start=dt.date(2022, 8, 1))
    assert doc.organisation is not None and doc.organisation.illustrative
    assert doc.organisation.state == "OR" and doc.organisation.county == "Benton"
    goal_measures = [m for m in doc.of(Measure) if m.state_indicator]
    assert goal_measures
    for m in goal_measures:
        r = _row(outcomes, CORVALLIS, m.state_indicator)
        assert m.baseline == r["status"] and m.baseline_year == 2022
        assert len(m.targets) >= 2 and m.data_source.startswith("ODE")
    texts = " ".join(str(v) for rec in doc.all() for v in rec.model_dump().values())
    for word in ("Dashboard", "California", "LCAP", "County Office"):
        assert word not in texts, word
    assert "ESD" in texts


def test_sample_plan_for_a_heavily_suppressed_district(outcomes):
    doc = or_plans.sample_plan(ADEL, outcomes)
    assert doc.organisation is not None and doc.organisation.illustrative
