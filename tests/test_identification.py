"""California's system of support computed by the state's rules, checked against its lists.

The rules are data (parameters/states/ca/differentiated_assistance_<year>.yaml); the
published lists are CDE's LCFF eligibility files for 2022-2024 and its 2024-25 ESSA list
(workbook/samples/data/ca_assistance_lists).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from workbook import data, paths
from workbook.cli import app
from workbook.data import assistance
from workbook.data.model import conform
from workbook.errors import WorkbookError
from workbook.identification import model
from workbook.identification import tables as idn
from workbook.run import batch, regions

LISTS = data.SAMPLE_DIR / "ca_assistance_lists"
MCOE = "27102720000000"


@pytest.fixture(scope="module")
def lists() -> assistance.AssistanceLists:
    return data.load_lists([LISTS])


@pytest.fixture(scope="module")
def lists_to_2023() -> assistance.AssistanceLists:
    """The lists as they stood before the 2024 determinations."""
    return data.load_lists([LISTS / "assistancestatus22.xlsx", LISTS / "assistancestatus23.xlsx"])


@pytest.fixture(scope="module")
def monterey(sample_outcomes, lists) -> idn.Identification:
    return idn.identify(sample_outcomes, 2024, lists=lists)


# --------------------------------------------------------------------------------------
# The rules files
# --------------------------------------------------------------------------------------


def test_every_year_has_a_valid_file_whose_rules_name_their_source():
    assert model.years() == [2017, 2018, 2019, 2022, 2023, 2024, 2025]
    for year in model.years():
        rules = model.rules_for(year)
        assert rules.year == year and rules.sources
        assert all(a.source in rules.sources and a.checked for a in rules.priority_areas)
        assert {a.priority for a in rules.priority_areas} <= set(range(1, 11))
    verified = model.rules_for(2024)
    assert [line.split(":")[0] for line in verified.unverified()] == ["2024 charter schools"]
    assert {9, 10} == {a.priority for a in verified.priority_areas if a.lea_types == ("coe",)}


def test_the_rules_folder_is_found_through_the_project_root(monkeypatch, tmp_path):
    assert model.folder() == paths.root() / "parameters" / "states" / "ca"
    monkeypatch.setenv("WORKBOOK_HOME", str(tmp_path))
    with pytest.raises(WorkbookError, match=r"no differentiated-assistance rules for CA 2024: "
                                            r".*differentiated_assistance_2024.yaml does not "
                                            r"exist; years with rules: \[\]"):
        model.rules_for(2024)


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "differentiated_assistance_2024.yaml"
    text = (model.folder() / path.name).read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, message", [
    ("    name: Pupil achievement\n", "    name: Pupil achievement\n    colour: Red\n",
     r"priority_areas.3.colour \(priority 4\): Extra inputs are not permitted"),
    ("{ELA: [Red], MATH: [Red, Orange]}", "{ELA: [Rouge], MATH: [Red]}",
     r"priority_areas.3.state_indicators.0.when \(priority 4\): .*\['Rouge'\] must be colors"),
    ("{ELA: [Red], MATH: [Red, Orange]}", "{ELA: [Red, Very Low]}",
     r"mixes colors and status levels"),
    ("{GRAD: [Red]}", "{GRADUATION: [Red]}", r"indicator 'GRADUATION' is not one of"),
    ("    source: list\n    verified: true\n    checked: >-\n      sheet \"LCFF",
     "    source: lists\n    verified: true\n    checked: >-\n      sheet \"LCFF",
     r"priority_areas \(priority 4\).source: 'lists' is not one of sources"),
    ("year: 2024\ntitle", "year: 2023\ntitle",
     r"\(top level\): level3.window: must end with this year \(2023\)"),
])
def test_a_broken_rules_file_names_the_file_and_the_key(tmp_path, old, new, message):
    path = _broken(tmp_path, old, new)
    with pytest.raises(WorkbookError, match=message) as err:
        model.read_rules(path)
    assert str(path) in str(err.value)


def test_a_file_must_be_named_for_its_year(tmp_path):
    path = tmp_path / "differentiated_assistance_2018.yaml"
    shutil.copyfile(model.folder() / "differentiated_assistance_2019.yaml", path)
    with pytest.raises(WorkbookError, match=rf"{path}: year: 2019 but the file is named for "
                                            "2018"):
        model.read_rules(path)


# --------------------------------------------------------------------------------------
# Each rule on small frames
# --------------------------------------------------------------------------------------


def tidy(*rows: dict) -> pd.DataFrame:
    base = {"state": "CA", "org_level": "district", "org_id": "01234560000000",
            "org_name": "Test Unified", "district_id": "01234560000000", "county": "Test",
            "grade": "all", "year": 2024, "denominator": 100.0, "status_level": 1,
            "student_group": "SWD", "charter": False, "coe": False}
    return conform(pd.DataFrame([{**base, **r} for r in rows]))


def areas(frame: pd.DataFrame, year: int = 2024, **kw) -> dict[tuple[str, str], str]:
    ident = idn.identify(frame, year, **kw)
    g = ident.groups
    return {(o, s): p for o, s, p in zip(g["org_id"], g["student_group"], g["priorities"],
                                         strict=True) if p}


def test_priority_4_both_academic_indicators_red_or_red_and_orange():
    frame = tidy(
        {"student_group": "SWD", "indicator": "ELA", "color": 1},
        {"student_group": "SWD", "indicator": "MATH", "color": 2},
        {"student_group": "HI", "indicator": "ELA", "color": 2},
        {"student_group": "HI", "indicator": "MATH", "color": 2},
        {"student_group": "WH", "indicator": "ELA", "color": 1},  # math not reported
        {"student_group": "AA", "indicator": "ELA", "color": 2},
        {"student_group": "AA", "indicator": "MATH", "color": 1})
    assert areas(frame) == {("01234560000000", "SWD"): "4", ("01234560000000", "AA"): "4"}


def test_priority_5_6_and_8_one_red_indicator_each():
    frame = tidy(
        {"student_group": "HOM", "indicator": "CHRO", "color": 1},
        {"student_group": "SED", "indicator": "GRAD", "color": 1},
        {"student_group": "SED", "indicator": "CHRO", "color": 2},
        {"student_group": "FOS", "indicator": "SUSP", "color": 1},
        {"student_group": "EL", "indicator": "CCI", "color": 1},
        {"student_group": "AS", "indicator": "CCI", "color": 2})
    assert areas(frame) == {("01234560000000", "HOM"): "5", ("01234560000000", "SED"): "5",
                            ("01234560000000", "FOS"): "6", ("01234560000000", "EL"): "8"}


def test_english_learner_progress_counts_for_english_learners_only():
    frame = tidy(*[{"student_group": g, "indicator": "ELPI", "color": 1}
                   for g in ("EL", "LTEL", "SWD")])
    assert areas(frame, 2024) == {("01234560000000", "EL"): "4",
                                  ("01234560000000", "LTEL"): "4"}
    assert areas(frame.assign(year=2023), 2023) == {("01234560000000", "EL"): "4"}


def test_2025_long_term_english_learners_by_english_learner_progress_alone():
    frame = tidy(
        {"student_group": "LTEL", "indicator": "ELPI", "color": 2},  # Orange counts
        {"student_group": "EL", "indicator": "ELPI", "color": 2},  # not for EL
        {"student_group": "LTEL", "org_id": "07654320000000", "indicator": "ELA", "color": 1},
        {"student_group": "LTEL", "org_id": "07654320000000", "indicator": "MATH", "color": 1},
    ).assign(year=2025)
    assert areas(frame, 2025) == {("01234560000000", "LTEL"): "4"}


def test_status_only_years_read_status_levels_in_cdes_words():
    # 2022: Very High chronic absenteeism is the worst band, status level 1 in goodness
    # order; Very Low graduation also level 1; ELA and math both Very Low
    frame = tidy(
        {"student_group": "SWD", "indicator": "CHRO", "status_level": 1, "color": 0},
        {"student_group": "SWD", "indicator": "ELA", "status_level": 1, "color": 0},
        {"student_group": "SWD", "indicator": "MATH", "status_level": 1, "color": 0},
        {"student_group": "HI", "indicator": "CHRO", "status_level": 5, "color": 0},
    ).assign(year=2022)
    ident = idn.identify(frame, 2022)
    lea = ident.lea("01234560000000")
    assert lea["eligible"] and lea["groups"] == "SWD:4;5"
    assert "chronic absenteeism Very High status" in ident.groups.set_index(
        "student_group").at["SWD", "evidence"]
    # 2023: the college/career indicator's Very Low status stood in for Red
    cci = tidy({"student_group": "EL", "indicator": "CCI", "status_level": 1, "color": 0}
               ).assign(year=2023)
    assert areas(cci, 2023) == {("01234560000000", "EL"): "8"}


def test_the_same_group_must_meet_two_areas_and_all_students_do_not_count():
    one_group = tidy({"student_group": "HOM", "indicator": "CHRO", "color": 1},
                     {"student_group": "HOM", "indicator": "SUSP", "color": 1})
    two_groups = tidy({"student_group": "HOM", "indicator": "CHRO", "color": 1},
                      {"student_group": "SWD", "indicator": "SUSP", "color": 1})
    everyone = tidy({"student_group": "ALL", "indicator": "CHRO", "color": 1},
                    {"student_group": "ALL", "indicator": "SUSP", "color": 1})
    results = [idn.identify(f, 2024).lea("01234560000000") for f in (one_group, two_groups,
                                                                       everyone)]
    assert [bool(r["eligible"]) for r in results] == [True, False, False]
    assert results[0]["status"] == "Differentiated Assistance, Year 1"
    assert results[0]["summary"] == ("Differentiated assistance: Homeless Youth met priority "
                                     "areas 5 and 6 — chronic absenteeism Red, suspension "
                                     "rate Red")
    table = idn.output_table(idn.identify(everyone, 2024))
    assert list(table["student_group"]) == ["ALL"] and list(table["da_eligible"]) == ["N"]
    assert "not a student group the state identifies on" in table["reasons"].iloc[0]


def _local(org: str, area: int, text: str, year: int = 2024, coe: bool = False) -> dict:
    return {"org_id": org, "indicator": f"LOCAL_P{area}", "student_group": "ALL",
            "status_text": text, "year": year, "coe": coe, "color": pd.NA,
            "status_level": pd.NA}


def test_local_indicators_count_when_not_met_for_two_or_more_years():
    frame = tidy(
        _local("01234560000000", 1, "Not Met For Two or More Years"),
        _local("01234560000000", 7, "Not Met For Two or More Years"),
        _local("02222220000000", 2, "Not Met"),  # this year only: not yet
        _local("03333330000000", 2, "Not Met"),
        _local("03333330000000", 2, "Not Met", year=2023),  # two years running
        _local("03333330000000", 3, "Met"),
        {"org_id": "03333330000000", "student_group": "EL", "indicator": "SUSP", "color": 1},
    )
    ident = idn.identify(frame, 2024)
    leas = ident.leas.set_index("org_id")
    assert leas.at["01234560000000", "local_priorities"] == "1;7"
    assert bool(leas.at["01234560000000", "method2"]) and leas.at["01234560000000", "eligible"]
    assert leas.at["02222220000000", "local_priorities"] == ""
    assert not leas.at["02222220000000", "eligible"]
    # one student group in one state priority area and a local indicator in another
    assert leas.at["03333330000000", "local_priorities"] == "2"
    assert bool(leas.at["03333330000000", "method3"]) and leas.at["03333330000000", "eligible"]
    assert areas(frame)[("03333330000000", "EL")] == "2;6"
    assert not [n for n in ident.notes if "methods 2" in n]  # local results were loaded
    assert ident.notes[0].startswith("No college/career, chronic absenteeism, ELA, English "
                                     "learner progress, graduation rate, math results are "
                                     "loaded for 2024")
    assert "methods 2 and 3" in idn.identify(frame[~frame["indicator"].str.startswith(
        "LOCAL")], 2024).notes[-1]


def test_priorities_9_and_10_are_for_county_offices_only():
    coe, district = "01100170000000", "01234560000000"
    frame = tidy(*[_local(org, area, "Not Met For Two or More Years", coe=org == coe)
                   for org in (coe, district) for area in (9, 10)])
    leas = idn.identify(frame, 2024).leas.set_index("org_id")
    assert leas.at[coe, "lea_type"] == "coe" and leas.at[coe, "local_priorities"] == "9;10"
    assert leas.at[coe, "eligible"] and not leas.at[district, "eligible"]
    assert leas.at[district, "local_priorities"] == ""


def test_charter_schools_need_the_criteria_two_years_running():
    charter = {"org_id": "01234560111111", "org_level": "school", "charter": True,
               "org_name": "Test Charter", "student_group": "SED"}
    frame = tidy({**charter, "indicator": "CHRO", "color": 1},
                 {**charter, "indicator": "SUSP", "color": 1},
                 {**charter, "year": 2023, "indicator": "CHRO", "color": 1},
                 {**charter, "year": 2023, "indicator": "SUSP", "color": 1})
    alone = idn.identify(frame[frame["year"] == 2024], 2024).lea("01234560111111")
    assert alone["lea_type"] == "charter" and pd.isna(alone["eligible"])
    assert "also met them in 2023, whose results are not loaded" in alone["reasons"]
    both = idn.identify_with_prior(frame, 2024).lea("01234560111111")
    assert both["eligible"] and both["status"] == "Differentiated Assistance, Year 1"
    once = frame[~((frame["year"] == 2023) & (frame["indicator"] == "SUSP"))]
    assert not idn.identify_with_prior(once, 2024).lea("01234560111111")["eligible"]
    # 2022: charter schools were not part of the determinations
    early = idn.identify(frame.assign(year=2022), 2022).lea("01234560111111")
    assert pd.isna(early["eligible"]) and early["status"] == ""
    assert idn.output_table(idn.identify(frame[frame["year"] == 2024], 2024))[
        "da_eligible"].eq("?").all()


def test_second_year_of_support_comes_from_the_previous_list(monterey):
    leas = monterey.leas.set_index("org_name")
    # King City Union: Year 1 in 2023, no student group met two areas in 2024
    assert not leas.at["King City Union", "eligible"]
    assert leas.at["King City Union", "status"] == "Differentiated Assistance, Year 2"
    assert leas.at["King City Union", "level"] == 2


def test_level3_decision_from_partial_history():
    window = (2019, 2022, 2023, 2024)
    met = pd.DataFrame([(o, y, g) for o, gs in {"A": "XYZ", "B": "XY"}.items()
                        for y in (2022, 2023, 2024) for g in gs],
                       columns=["org_id", "year", "student_group"])
    statuses = pd.DataFrame({"org_id": ["A", "B", "C", "C", "C", "D"],
                             "year": [2019, 2019, 2019, 2022, 2023, 2019],
                             "status": ["General Assistance", "Differentiated Assistance",
                                        "Differentiated Assistance", "General Assistance",
                                        "General Assistance", "Differentiated Assistance"]})
    decided = idn.level3_decision(window, 3, 3, met, statuses)
    # A: three groups in 2022-2024; B: two; C: at most two years possible; D: unknown
    assert decided == {"A": True, "B": False, "C": False, "D": None}
    # an LEA with only two student groups needs both
    assert idn.level3_decision(window, 3, 3, met, statuses, {"B": 2})["B"] is True
    # 2019 in DA with its groups unknown: three groups might have met it that year
    unknown = met[~((met["org_id"] == "A") & (met["year"] == 2024))]
    assert idn.level3_decision(window, 3, 3, unknown, statuses.assign(
        status="Differentiated Assistance"))["A"] is None


# --------------------------------------------------------------------------------------
# Checked against the state: Monterey County 2024
# --------------------------------------------------------------------------------------

#: CDE's 2024 LCFF eligibility list (assistancestatus24.xlsx, December 2024) for the Monterey
#: LEAs, transcribed with its letters decoded (B = 4 and 5, D = 4 and 6, E = 4 and 8, ...).
#: The file itself is not bundled (the project bundles only the lists in shared/data); with
#: it loaded, `workbook identify` prints the same comparison LEA by LEA. Computed and
#: published agree for all 24 districts and the county office: no disagreement to explain.
CDE_2024_MONTEREY = {
    MCOE: "HI:5;8, HOM:5;8, LTEL:5;8, SED:5;8",
    "27660350000000": "HOM:4;5, SWD:4;5",  # Greenfield Union Elementary
    "27660680000000": "EL:4;6;8",  # South Monterey County Joint Union High
    "27660920000000": "LTEL:4;6",  # Monterey Peninsula Unified
    "27661590000000": "LTEL:4;6",  # Salinas Union High
    "27738250000000": "EL:4;8, LTEL:4;6, SWD:4;8",  # North Monterey County Unified
    "27754730000000": "SWD:4;6",  # Gonzales Unified
}
#: On the same list, in their second year of differentiated assistance.
CDE_2024_SECOND_YEAR = {"King City Union", "San Ardo Union Elementary", "Soledad Unified"}

#: Charter schools are their own LEAs; CDE's lists cover districts and county offices only.
MONTEREY_CHARTERS = {"27102720112177", "27102720116491", "27102720124297", "27102722730232",
                     "27102726119663", "27660922730240", "27660926118962", "27751500118349"}


def test_monterey_2024_computed_equals_cdes_2024_list(monterey, lists):
    side = idn.compare(monterey, lists)
    assert len(side) == 25 + len(MONTEREY_CHARTERS)  # 24 districts, the county office
    got = side[side["computed_groups"] != ""]
    assert dict(zip(got["org_id"], got["computed_groups"], strict=True)) == CDE_2024_MONTEREY
    second = side[side["computed_status"].str.endswith("Year 2")]
    assert set(second["org_name"]) == CDE_2024_SECOND_YEAR
    assert not monterey.leas.loc[monterey.leas["org_id"].isin(MONTEREY_CHARTERS),
                                 "eligible"].any()


def test_the_brief_s_examples_now_follow_the_state(monterey):
    leas = monterey.leas.set_index("org_name")
    for name in ("Chualar Union", "San Antonio Union Elementary", "San Lucas Union Elementary",
                 "Santa Rita Union Elementary"):
        assert leas.at[name, "status"] == "General Assistance" and leas.at[name, "level"] == 1
    for name in ("King City Union", "Soledad Unified", "Salinas Union High"):
        assert leas.at[name, "status"].startswith("Differentiated Assistance")


def test_monterey_2024_against_the_2023_list_and_the_criteria(sample_outcomes, lists_to_2023):
    """Without the 2024 list: the 2023 list and the criteria imply who continues, who is
    new and who leaves in 2024 (CDE's 2024 list, transcribed above, confirms it)."""
    ident = idn.identify(sample_outcomes, 2024, lists=lists_to_2023)
    hist = idn.history(lists_to_2023, ident)
    mine = hist[(hist["county"] == "Monterey") & (hist["year"] == 2024)]
    assert set(mine["source"]) == {"computed"}
    change = mine.groupby("change")["org_name"].apply(set).to_dict()
    assert change["continuing"] == {
        "Monterey County Office of Education", "Greenfield Union Elementary",
        "South Monterey County Joint Union High", "Monterey Peninsula Unified",
        "Salinas Union High", "North Monterey County Unified", "Gonzales Unified"}
    assert change["exited"] == {"King City Union", "San Ardo Union Elementary",
                                "Soledad Unified"}
    assert "new" not in change
    # the 2023 list's Year 1 becomes Year 2; the level 3 flag needs the 2019 student
    # groups, which no bundled file has (CDE's 2024 list says Y for the county office)
    assert ident.lea("27660500000000")["status"] == "Differentiated Assistance, Year 2"
    assert pd.isna(ident.lea(MCOE)["level3"])


def test_level3_rule_agrees_with_every_lea_the_lists_decide(lists):
    """EC 52072(b)(1): the same three or more student groups in three of the last four
    Dashboard years (2020 and 2021 had none). Checked on every LEA of the three lists."""
    own_groups = {"45737000000000": 2}  # Mountain Union Elementary: SED and WH only
    for year, decided_y, decided_n in ((2022, 0, 788), (2023, 0, 797)):
        rule = model.rules_for(year).level3
        assert rule is not None
        got = idn.level3_decision(rule.window, rule.years_met, rule.min_groups,
                                  idn.group_years(lists), lists.history, own_groups)
        flags = lists.leas[lists.leas["year"] == year].set_index("org_id")["ec52072"]
        pairs = [(got.get(org), bool(flag)) for org, flag in flags.items()]
        assert not [p for p in pairs if p[0] is not None and p[0] != p[1]]
        assert sum(p[0] is True for p in pairs) == decided_y
        assert sum(p[0] is False for p in pairs) == decided_n


# --------------------------------------------------------------------------------------
# The lists decoded, and Appendix A
# --------------------------------------------------------------------------------------


def test_letters_are_decoded_by_the_files_own_value_sheet(tmp_path, lists):
    codes = lists.codes.set_index(["year", "code"])["priorities"]
    assert codes[(2022, "B")] == "4;5" and codes[(2023, "K")] == "4;5;6;8"
    assert sorted(lists.codes.loc[lists.codes["year"] == 2022, "code"]) == list("ABCD")
    copy = tmp_path / "assistancestatus23.xlsx"
    shutil.copyfile(LISTS / copy.name, copy)
    book = openpyxl.load_workbook(copy)
    book["Value"]["B6"] = "Met Criteria in Priority Areas 5 and 8"  # the "B = " row
    book.save(copy)
    changed = data.load_lists([copy]).groups.set_index(["org_id", "student_group"])
    assert changed.at[("01611920000000", "EL"), "priorities"] == "5;8"  # Hayward Unified
    book["District and COE 2023"]["O13"] = "Z"  # Fremont Unified, HOMpriorities
    book.save(copy)
    with pytest.raises(data.DataError) as err:
        data.load_lists([copy])
    assert f"{copy}[District and COE 2023]:13:HOMpriorities: code 'Z' is not in the file's " \
           "Value sheet" in str(err.value)


def test_essa_designations_and_title_i(lists):
    salinas = idn.essa_schools(lists, "27661590000000")
    assert len(salinas) == 12 and salinas["title_i"].all()
    named = salinas[salinas["status"] != "No Status"]
    assert dict(zip(named["org_name"], named["status"], strict=True)) == {
        "El Puente": "CSI Grad", "Mount Toro High": "CSI Grad"}
    # a charter school is its own LEA: not among its authorising district's schools
    peninsula = idn.essa_schools(lists, "27660920000000")
    assert "Learning for Life Charter" not in set(peninsula["org_name"])
    assert list(idn.essa_schools(lists, "27660922730240")["org_name"]) == [
        "Learning for Life Charter"]


def test_at_a_glance_lines(monterey, lists):
    rows = dict(idn.glance(monterey, lists, "27660350000000"))
    assert rows["Level of support (computed)"].startswith(
        "Level 2 — Differentiated assistance: Homeless Youth met priority areas 4 and 5 — "
        "ELA Red and math Red, chronic absenteeism Red")
    # CDE's 2024 list is not bundled (CDE_2024_MONTEREY above has its Monterey rows)
    assert rows["Published status (CDE list 2024)"] == ("No state list for this year and LEA "
                                                        "is loaded.")
    assert "Computed and published" not in rows
    assert rows["ESSA designations (2024–25)"] == (
        "None of its 5 schools is designated CSI, TSI or ATSI.")
    assert rows["Title I-funded schools (2022–23)"].startswith("5 of its 5 schools: Arroyo")
    coe = dict(idn.glance(monterey, lists, MCOE))
    # level 3 needs the 2019 student groups (no bundled file has them), so the computed
    # level stays 2; CDE's 2024 list flags the county office for level 3
    assert coe["Level of support (computed)"].startswith(
        "Level 2 — Differentiated assistance: Hispanic met priority areas 5 and 8 — "
        "graduation rate Red, college/career Red")
    assert coe["ESSA designations (2024–25)"] == "CSI Grad: Salinas Community"


def test_appendix_a_tables(lists, monterey):
    hist = idn.history(lists)
    totals = idn.totals_by_year(hist).set_index("year")
    # 228 districts in December 2017 (EdSource, "1 in 4 California school districts ...")
    assert totals.at[2017, "identified"] == 228
    assert list(totals.index) == [2017, 2018, 2019, 2022, 2023]
    assert totals.loc[2023, ["identified", "new", "exited"]].tolist() == [466, 68, 219]
    assert (totals["new"] + totals["continuing"]).dropna().equals(
        totals["identified"].iloc[1:])
    years = idn.years_identified(hist).set_index("years identified")
    assert years.at[1, 2017] == 228 and years[2023].sum() == 466
    # the computed 2024 joins the published years
    both = idn.history(lists, monterey)
    mine = both[both["county"] == "Monterey"]
    region = idn.totals_by_year(mine).set_index("year")
    assert region.loc[2024, ["identified", "new", "continuing", "exited", "second_year"]
                      ].tolist() == [7, 0, 7, 3, 3]
    assert set(idn.exited(mine, 2024)["org_name"]) == CDE_2024_SECOND_YEAR
    counts = idn.group_area_counts(lists).set_index(["year", "student_group"])
    assert counts.loc[(2023, "EL"), ["priority 4", "priority 5", "priority 6", "priority 8"]
                      ].tolist() == [148, 82, 61, 74]
    by = idn.indicator_counts(monterey).set_index("student_group")
    assert by.at["LTEL", "CCI"] == 1 and by.at["SWD", "ELA"] == 3
    county = idn.by_county(both).set_index("county")
    assert county.at["Monterey", 2024] == 7


def test_without_any_list_the_computed_year_stands_alone(sample_outcomes):
    ident = idn.identify(sample_outcomes, 2024)
    hist = idn.history(assistance.AssistanceLists(), ident)
    assert set(hist["source"]) == {"computed"} and set(hist["year"]) == {2024}
    totals = idn.totals_by_year(hist).set_index("year")
    assert totals.at[2024, "identified"] == 7 and pd.isna(totals.at[2024, "new"])
    assert idn.compare(ident, assistance.AssistanceLists())["published"].sum() == 0
    rows = dict(idn.glance(ident, assistance.AssistanceLists(), "27660350000000"))
    assert rows["ESSA designations"] == "No ESSA list is loaded."
    assert rows["Published status (CDE list 2024)"] == ("No state list for this year and LEA "
                                                        "is loaded.")
    assert ident.lea("27660500000000")["status"] == "General Assistance"  # no 2023 list


def test_no_results_at_all_gives_empty_tables_not_errors():
    none = assistance.AssistanceLists()
    ident = idn.identify(conform(pd.DataFrame()), 2024)
    assert ident.leas.empty and ident.groups.empty and "No college/career" in ident.notes[0]
    hist = idn.history(none, ident)
    for table in (idn.output_table(ident), idn.compare(ident, none), idn.totals_by_year(hist),
                  idn.years_identified(hist), idn.by_county(hist),
                  idn.group_area_counts(none, ident), idn.indicator_counts(ident)):
        assert table.empty
    assert idn.glance(ident, none, MCOE)[0] == (
        "Level of support", "Not computed: no 2024 Dashboard results for this LEA.")


def test_the_region_landing_page_has_a_da_column_and_appendix_a():
    jobs = [batch.Job("sample", "27660350000000", "Greenfield Union Elementary", [],
                      "/nonexistent", {}, {})]
    page = batch._index_html(regions.load("sample"), {"districts": {}}, jobs)
    assert "<th>Differentiated assistance</th>" in page
    assert "<td>Level 2: Differentiated Assistance, Year 1 (HOM 4;5, SWD 4;5)</td>" in page
    assert "<h2>Differentiated assistance by year</h2>" in page
    assert "<tr><td>2024</td><td>1</td><td>1</td><td>0</td><td>1</td><td>0</td><td>0</td>" \
        in page


# --------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------


def test_identify_command_writes_the_csv_and_compares(tmp_path):
    out = tmp_path / "da.csv"
    result = CliRunner().invoke(app, ["identify", "sample", "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype=str)
    assert list(table.columns) == idn.OUTPUT_COLUMNS
    assert table["priorities"].str.fullmatch(r"\d+(;\d+)*").all()
    assert all(p.split(";") == sorted(p.split(";"), key=int) for p in table["priorities"])
    assert set(table["da_eligible"]) == {"Y", "N"}
    assert set(table["student_group"]) <= set(model.rules_for(2024).student_groups) | {"ALL"}
    row = table[(table["cds"] == "27660350000000") & (table["student_group"] == "HOM")].iloc[0]
    assert row["priorities"] == "4;5" and row["da_eligible"] == "Y"
    assert "chronic absenteeism Red (n=" in row["reasons"]
    # no 2024 list is bundled: each LEA's computed status, nothing to compare with
    assert ("27660350000000 Greenfield Union Elementary: computed Differentiated Assistance, "
            "Year 1\n") in result.stdout


def test_identify_command_bad_input_one_line_exit_1_nothing_written(tmp_path, monkeypatch):
    out = tmp_path / "da.csv"
    result = CliRunner().invoke(app, ["identify", "nowhere", "-o", str(out)])
    assert result.exit_code == 1 and not out.exists()
    assert result.output.count("\n") == 1 and result.output.startswith("error: no region")
    home = tmp_path / "home"
    shutil.copytree(paths.root() / "parameters", home / "parameters")
    rules = home / "parameters" / "states" / "ca" / "differentiated_assistance_2024.yaml"
    rules.write_text(rules.read_text().replace("min_priority_areas: 2",
                                               "min_priority_area: 2"))
    monkeypatch.setenv("WORKBOOK_HOME", str(home))
    monkeypatch.setenv("WORKBOOK_CACHE_DIR", str(paths.cache_root()))
    result = CliRunner().invoke(app, ["identify", "sample", "-o", str(out)])
    assert result.exit_code == 1 and not out.exists()
    assert "Traceback" not in result.output
    assert f"{rules}: min_priority_area: Extra inputs are not permitted" in result.output
