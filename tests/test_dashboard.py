"""Recomputing California Dashboard levels and colors, checked against CDE's own files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import CA_1718

from workbook import dashboard as db
from workbook.data.model import conform

# --------------------------------------------------------------------------------------
# Every published level in the bundled files
# --------------------------------------------------------------------------------------

# Fall 2017 English learner progress: CDE applied the n-size of 30 to the annual CELDT
# *testers* (currtesters / priortesters), not to currdenom, which also counts students
# reclassified in the year. These rows have 30+ in currdenom and prior denominator but
# fewer than 30 testers in one of the years (file column nsize_met = N), so CDE gave no
# color; the tidy table does not carry tester counts, so the recomputation colors them.
ELPI_2017_TESTER_NSIZE = {
    ("elpidownload2017f.txt", row, "color") for row in (66, 70, 104, 105, 106, 107, 108,
                                                        110, 112)}

# 2018 graduation: DASS schools (dass_flag = Y) and county offices (coe_flag = Y) were
# levelled with CDE's 2018 modified method (the DASS cut points, california.yaml rows
# "GRAD 2018 DASS" and "GRAD 2018 COE"); these rows were off by one band under the
# traditional cuts (e.g. Mount Toro High 84.7 % High, not Medium; the Monterey county
# office's change +2.4 Maintained, not Increased) and are now reproduced.
GRAD_2018_DASS_OR_COE = {
    ("graddownload2018.txt", row, field) for row, field in [
        (16, "change_level"), (21, "change_level"), (23, "change_level"),  # Monterey COE
        (36, "status_level"), (39, "status_level"), (40, "status_level"),  # W. M. Smith
        (215, "status_level"), (215, "color"), (219, "status_level"),      # Central Coast
        (220, "status_level"), (221, "status_level"),
        (298, "change_level"), (302, "change_level"),                      # El Puente
        (345, "status_level"), (346, "status_level"), (347, "status_level"),  # Mount Toro
        (350, "status_level"), (351, "status_level"),
        (431, "status_level"), (434, "status_level"), (436, "status_level"),  # Pinnacles
        (480, "change_level"), (485, "change_level"), (487, "status_level"),  # Santa Cruz
        (488, "change_level"), (489, "status_level"), (490, "status_level"),  # COE
        (516, "change_level"), (523, "status_level"), (525, "status_level"),  # SC County
        (526, "status_level"),                                                # Community
        (580, "status_level"), (581, "status_level"), (582, "status_level"),  # New School
        (584, "status_level"),
        (614, "change_level"),                                             # Renaissance
        (724, "status_level"), (724, "color"), (727, "status_level"),      # Costanoa
        (729, "status_level"), (729, "color"),
    ]}

EXPLAINED = ELPI_2017_TESTER_NSIZE


@pytest.fixture(scope="module")
def computed(sample_outcomes):
    return db.compute_levels(sample_outcomes)


def test_every_published_level_is_reproduced_except_the_explained_ones(sample_outcomes,
                                                                       computed):
    f = sample_outcomes
    for col in db.LEVEL_COLUMNS:  # every published level has cut points, so is compared
        published = f[col].notna()
        assert computed.loc[published, col].notna().all(), col
    off = db.disagreements(f, computed)
    actual = {(Path(str(r.source_file)).name, int(r.source_row), r.field)
              for r in off.itertuples()}
    assert actual == EXPLAINED


def test_the_explanations_hold_in_the_raw_files(sample_outcomes, computed):
    grad = pd.read_csv(CA_1718 / "graddownload2018.txt", sep="\t", dtype=str,
                       encoding="latin-1", keep_default_na=False)
    for _, row, _ in GRAD_2018_DASS_OR_COE:
        line = grad.iloc[row - 2]  # source rows count the header as row 1
        assert "Y" in (line["dass_flag"], line["coe_flag"]), row
    # the modified method is what reproduces them: under the traditional cuts they differ
    rows = sample_outcomes[sample_outcomes["source_file"].str.endswith("graddownload2018.txt")]
    traditional = db.compute_levels(rows.assign(dass=False, coe=False))
    off = {(int(r.source_row), r.field) for r in db.disagreements(rows, traditional).itertuples()}
    assert off == {(row, field) for _, row, field in GRAD_2018_DASS_OR_COE}
    elpi = pd.read_csv(CA_1718 / "elpidownload2017f.txt", sep="\t", dtype=str,
                       encoding="latin-1", keep_default_na=False)
    for _, row, _ in ELPI_2017_TESTER_NSIZE:
        line = elpi.iloc[row - 2]
        assert int(line["currdenom"]) >= 30 and int(line["priordenom"]) >= 30
        assert min(int(line["currtesters"]), int(line["priortesters"])) < 30, row
        assert line["nsize_met"] == "N"


def test_agreement_table(sample_outcomes, computed):
    table = db.agreement(sample_outcomes, computed).set_index(["indicator", "year"])
    assert sorted(table.index) == [
        ("CCI", 2017), ("CCI", 2024), ("CHRO", 2024), ("ELA", 2024), ("ELPI", 2017),
        ("ELPI", 2024), ("GRAD", 2017), ("GRAD", 2018), ("GRAD", 2024), ("MATH", 2024),
        ("SUSP", 2024)]
    counts = {key: (r.rows, r.status_agree, r.change_compared, r.change_agree,
                    r.color_compared, r.color_agree) for key, r in table.iterrows()}
    assert counts == {
        ("CCI", 2017): (528, 528, 0, 0, 0, 0),  # status only in Fall 2017
        ("ELPI", 2017): (215, 215, 215, 215, 215, 206),  # 9 tester n-size rows
        ("GRAD", 2017): (609, 609, 609, 609, 609, 609),
        ("GRAD", 2018): (776, 776, 776, 776, 776, 776),  # DASS / COE modified method
        ("CCI", 2024): (141, 141, 141, 141, 141, 141),
        ("CHRO", 2024): (376, 376, 376, 376, 376, 376),
        ("ELA", 2024): (437, 437, 437, 437, 437, 437),
        ("ELPI", 2024): (60, 60, 60, 60, 60, 60),
        ("GRAD", 2024): (141, 141, 141, 141, 141, 141),
        ("MATH", 2024): (437, 437, 437, 437, 437, 437),
        ("SUSP", 2024): (414, 414, 414, 414, 414, 414),
    }
    assert (table["rows"] == table["status_compared"]).all()


def test_rows_without_cut_points_get_na(sample_outcomes, computed):
    science = sample_outcomes["indicator"].isin(["SCIENCE", "ELA11", "ELPI_PL1"])
    assert science.any()
    assert computed[science].isna().all().all()
    cci17 = (sample_outcomes["indicator"] == "CCI") & (sample_outcomes["year"] == 2017)
    assert computed.loc[cci17, ["change_level", "color"]].isna().all().all()
    assert computed.index.equals(sample_outcomes.index)


def test_any_index_works(sample_outcomes, computed):
    part = sample_outcomes.iloc[::7]
    again = db.compute_levels(part.set_axis([3] * len(part)))  # a repeated label
    assert again.reset_index(drop=True).equals(computed.iloc[::7].reset_index(drop=True))
    assert db.compute_levels(sample_outcomes.iloc[:0]).empty


def test_levels_are_stored_in_goodness_order(sample_outcomes):
    f = sample_outcomes
    chro = f[(f["indicator"] == "CHRO") & f["status"].notna()]
    assert set(chro.loc[chro["status"] > 20, "status_level"]) == {1}  # Very High absence
    assert set(chro.loc[chro["status"] <= 2.5, "status_level"]) == {5}
    assert set(chro.loc[chro["change"] <= -3, "change_level"]) <= {4, 5}  # declines: good


# --------------------------------------------------------------------------------------
# Cut points and edges
# --------------------------------------------------------------------------------------


def cuts(indicator: str, year: int, variant: str = "") -> db.IndicatorCuts:
    table = db.cut_table(indicator, year, variant)
    assert table is not None
    return table


@pytest.mark.parametrize("value, expected", [
    (-70.1, 1), (-70.0, 2), (-5.1, 2), (-5.0, 3), (9.9, 3), (10.0, 4), (44.9, 4), (45.0, 5),
    (None, 0), (float("nan"), 0),
])
def test_ela_status_edges(value, expected):
    assert db.level(value, cuts("ELA", 2024, "K8").status) == expected


@pytest.mark.parametrize("value, expected", [
    (-15.1, 1), (-15.0, 2), (-3.0, 2), (-2.9, 3), (2.9, 3), (3.0, 4), (14.9, 4), (15.0, 5),
])
def test_academic_change_edges(value, expected):
    assert db.level(value, cuts("MATH", 2024, "HS").change) == expected


@pytest.mark.parametrize("value, expected", [
    (0.0, 5), (2.5, 5), (2.6, 4), (5.0, 4), (5.1, 3), (10.0, 3), (10.1, 2), (20.0, 2),
    (20.1, 1),
])
def test_chronic_absence_status_edges_lower_is_better(value, expected):
    assert db.level(value, cuts("CHRO", 2024).status) == expected


@pytest.mark.parametrize("value, expected", [
    (-3.0, 5), (-2.9, 4), (-0.5, 4), (-0.4, 3), (0.4, 3), (0.5, 2), (3.0, 2), (3.1, 1),
])
def test_chronic_absence_change_edges(value, expected):
    assert db.level(value, cuts("CHRO", 2024).change) == expected


def test_graduation_high_edge_is_90_5_in_2024():
    status = cuts("GRAD", 2024).status
    assert [db.level(v, status) for v in (67.9, 68.0, 79.9, 80.0, 90.4, 90.5, 94.9, 95.0)] \
        == [1, 2, 2, 3, 3, 4, 4, 5]
    assert db.level(84.9, cuts("GRAD", 2017).status) == 2  # Fall 2017: Medium began at 85


def test_values_are_rounded_to_a_tenth_before_comparing():
    status = cuts("CHRO", 2024).status
    assert db.level(2.54, status) == 5  # 2.5 after rounding
    assert db.level(2.55, status) == 4  # 2.6 (half away from zero)
    assert db.level(0.1 + 0.2 + 2.2, status) == 5  # float noise around 2.5


def test_cut_points_must_ascend():
    with pytest.raises(ValueError):
        db.CutPoints((db.ge(1), db.ge(3), db.ge(2), db.ge(4)))
    with pytest.raises(ValueError):
        db.CutPoints((db.ge(1), db.ge(2), db.ge(3)))  # type: ignore[arg-type]


def test_every_table_names_its_source():
    keys = [(t.indicator, t.year, t.variant) for t in db.CUT_TABLES]
    assert len(keys) == len(set(keys))
    assert all(t.source for t in db.CUT_TABLES)
    assert all((t.indicator, t.year) in db.SIZE_RULES for t in db.CUT_TABLES)


# --------------------------------------------------------------------------------------
# The grids
# --------------------------------------------------------------------------------------


def test_standard_grid_corners_and_diagonal():
    g = db.STANDARD_GRID
    assert g.color(5, 5) == 5 and g.color(1, 1) == 1
    assert g.color(5, 1) == 3 and g.color(1, 5) == 3  # Very High declining: Yellow
    assert [g.color(s, s) for s in range(1, 6)] == [1, 2, 3, 4, 5]
    assert g.color(0, 3) == 0 and g.color(3, 0) == 0  # no level, no color


def test_indicator_specific_grids():
    assert [db.ACADEMIC_GRID.color(4, c) for c in range(1, 6)] == [4, 4, 4, 4, 5]
    assert [db.GRADUATION_GRID.color(1, c) for c in range(1, 6)] == [1] * 5
    assert [db.GRADUATION_GRID.color(5, c) for c in range(1, 6)] == [5] * 5
    assert db.SUSPENSION_GRID.color(5, 1) == 0  # N/A: Very Low cannot rise significantly
    assert list(db.STANDARD_GRID.colors([5, 2, 0], [3, 4, 2])) == [5, 3, 0]


def test_grid_text_must_have_five_rows_of_five():
    with pytest.raises(ValueError):
        db.grid("bad", "5: R O Y G\n4: R O Y G B")
    with pytest.raises(ValueError):
        db.grid("bad", "5: R O Y G B")


# --------------------------------------------------------------------------------------
# Small-group rules, on made-up rows
# --------------------------------------------------------------------------------------


def tidy(**overrides) -> dict:
    row = {"state": "CA", "org_level": "district", "org_id": "01234560000000",
           "indicator": "ELA", "student_group": "ALL", "grade": "all", "year": 2024,
           "denominator": 200, "prior_denominator": 200, "status": -10.0,
           "prior_status": -12.0, "change": 2.0, "hs_cutpoints": False, "school_type": ""}
    row.update(overrides)
    return row


def levels_of(*rows: dict) -> list[tuple[int, int, int]]:
    frame = conform(pd.DataFrame(list(rows)))
    out = db.compute_levels(frame)
    return [tuple(None if pd.isna(v) else int(v) for v in r)
            for r in out[list(db.LEVEL_COLUMNS)].itertuples(index=False)]


def test_a_group_below_30_gets_levels_but_no_color():
    assert levels_of(tidy(), tidy(denominator=29), tidy(prior_denominator=29)) == [
        (2, 3, 2), (2, 3, 0), (2, 3, 0)]


def test_below_the_reporting_minimum_there_is_no_status_level():
    # CDE publishes no status under 11 students; if a file still carried one, no level.
    assert levels_of(tidy(denominator=10), tidy(status=None)) == [(0, 0, 0), (0, 0, 0)]
    # No prior-year status (prior group under 11): status level only.
    assert levels_of(tidy(prior_status=None, change=None, prior_denominator=8)) == [
        (2, 0, 0)]


def test_lea_foster_homeless_and_ltel_groups_need_15_schools_still_30():
    rows = [tidy(student_group=g, denominator=15, prior_denominator=16)
            for g in ("FOS", "HOM", "LTEL", "EL")]
    school = tidy(student_group="LTEL", denominator=15, prior_denominator=16,
                  org_level="school")
    assert levels_of(*rows, school) == [(2, 3, 2)] * 3 + [(2, 3, 0), (2, 3, 0)]


def test_small_population_collapses_significant_change():
    big = tidy(indicator="CHRO", status=12.0, prior_status=17.0, change=-5.0)
    small = dict(big, denominator=149, prior_denominator=160)
    # High absence (2) that declined significantly (5) is Yellow; under 150 students the
    # 3x5 grid treats it as "declined" (4): Yellow as well, but the level changes.
    assert levels_of(big, small) == [(2, 5, 3), (2, 4, 3)]
    grad = tidy(indicator="GRAD", status=93.4, prior_status=85.9, change=7.5)
    grad_small = dict(grad, denominator=122, prior_denominator=156)
    # Graduation keeps the five-level change level but colors on the 3x5 grid.
    assert levels_of(grad, grad_small) == [(4, 5, 5), (4, 5, 4)]
    # Academic indicators have no small-population grid.
    assert levels_of(tidy(change=20.0, denominator=40, prior_denominator=40)) == [(2, 5, 3)]


def test_fall_2017_safety_net_applied_to_the_all_students_row_only():
    base = tidy(indicator="GRAD", year=2017, status=96.6, prior_status=86.7, change=9.9,
                denominator=119, prior_denominator=445, org_level="school")
    assert levels_of(base, dict(base, student_group="HI")) == [(5, 4, 5), (5, 5, 5)]


def test_2018_graduation_modified_method_for_dass_schools_and_county_offices():
    base = tidy(indicator="GRAD", year=2018, status=84.7, prior_status=76.7, change=8.0,
                denominator=144, prior_denominator=116, org_level="school")
    dass = dict(base, dass=True)
    coe = dict(base, org_level="district", coe=True, status=72.7, change=2.4)
    coe_school = dict(coe, org_level="school")  # a county office's non-DASS school
    later = dict(dass, year=2024)  # no modified method after 2019
    # traditional 84.7 Medium, DASS High; county office 72.7 Medium and +2.4 Maintained
    # (traditional: Low, Increased); 2024 has no modified method (five-level change kept).
    assert levels_of(base, dass, coe, coe_school, later) == [
        (3, 4, 4), (4, 4, 4), (3, 3, 3), (2, 4, 3), (3, 5, 4)]


def test_fall_2017_foster_and_homeless_need_15_at_the_lea_level():
    row = tidy(indicator="GRAD", year=2017, status=80.0, prior_status=79.0, change=1.0,
               denominator=20, prior_denominator=18)
    groups = [dict(row, student_group=g) for g in ("FOS", "HOM", "SWD")]
    school = dict(row, student_group="HOM", org_level="school")
    assert [c for _, _, c in levels_of(*groups, school)] == [3, 3, 0, 0]


def test_variants_pick_their_own_cut_points():
    hs = tidy(status=-2.8, hs_cutpoints=True)
    k8 = tidy(status=-2.8)
    ed = tidy(indicator="SUSP", school_type="ED", status=1.5, prior_status=1.5, change=0.0)
    ud = dict(ed, school_type="UD")
    unknown = dict(ed, school_type="")
    assert [r[0] for r in levels_of(hs, k8, ed, ud, unknown)] == [2, 3, 4, 4, None]


# --------------------------------------------------------------------------------------
# A district's own measure on the same machinery
# --------------------------------------------------------------------------------------


def test_local_measure_higher_is_better():
    reading = db.LocalMeasure(name="Grade 3 reading benchmark (% at or above)",
                              status_cuts=[40, 55, 70, 85], change_cuts=[-10, -2, 2, 10])
    out = db.local_levels([39.9, 40, 70, 85, 90], [-12, -10, 0, 2, 15], reading)
    assert list(out["status_level"]) == [1, 2, 4, 5, 5]
    assert list(out["change_level"]) == [1, 2, 3, 4, 5]
    assert list(out["color"]) == [
        db.STANDARD_GRID.color(s, c) for s, c in [(1, 1), (2, 2), (4, 3), (5, 4), (5, 5)]]


def test_local_measure_lower_is_better():
    absent = db.LocalMeasure(name="Students missing 10 % of days", status_cuts=[5, 10, 15, 25],
                             change_cuts=[-3, -1, 1, 3], higher_is_better=False)
    # On a cut, a value earns the better (lower-rate) band: 5.0 % is still the best.
    out = db.local_levels([5.0, 5.1, 25.0, 30.0], [-3.0, 0.0, 1.0, 4.0], absent)
    assert list(out["status_level"]) == [5, 4, 2, 1]
    assert list(out["change_level"]) == [5, 3, 3, 1]  # +1.0 on the cut: still Maintained
    assert list(out["color"]) == [5, 4, 2, 1]


def test_local_measure_edges_counts_and_status_only():
    exact = db.LocalMeasure(name="Survey", status_cuts=[db.gt(50), 60, 70, 80])
    assert db.level(50, exact.status_points) == 1  # "more than 50" for Low
    status_only = db.local_levels(65, None, exact)
    assert status_only["status_level"].iloc[0] == 3
    assert status_only[["change_level", "color"]].isna().all().all()
    m = db.LocalMeasure(name="Attendance", status_cuts=[80, 85, 90, 95],
                        change_cuts=[-2, -0.5, 0.5, 2], min_color=20)
    out = db.local_levels(pd.Series([96.0, 96.0, 96.0]), pd.Series([1.0, 1.0, 1.0]), m,
                          denominator=[25, 10, 25], prior_denominator=[25, 25, 19])
    assert list(out["status_level"]) == [5, 0, 5]
    assert list(out["color"]) == [5, 0, 0]


def test_local_measure_rejects_bad_cuts():
    with pytest.raises(ValueError):
        db.LocalMeasure(name="x", status_cuts=[3, 2, 1, 0])
