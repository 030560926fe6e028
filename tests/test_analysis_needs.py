"""Notebook 01's tables and charts, on the real Monterey County sample data."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import pytest

from workbook import needs as N
from workbook.data import cache
from workbook.errors import WorkbookError
from workbook.needs.model import Rating

SUHSD = "27661590000000"  # Salinas Union High
LAGUNITA = "27660760000000"  # Lagunita Elementary: 63 students, mostly not reported
HEX = {"Red": "#d7191c", "Orange": "#fdae61", "Yellow": "#ffffbf", "Green": "#a6d96a",
       "Blue": "#2c7bb6", "not reported": "#e0e0e0", "no color": "#e0e0e0"}


@pytest.fixture(scope="module")
def suhsd(sample_outcomes):
    snap = N.district_snapshot(sample_outcomes, SUHSD, 2024)
    return snap, N.gaps(sample_outcomes, SUHSD, 2024)


@pytest.fixture(scope="module")
def lagunita(sample_outcomes):
    snap = N.district_snapshot(sample_outcomes, LAGUNITA, 2024)
    return snap, N.gaps(sample_outcomes, LAGUNITA, 2024)


def raw(frame, org, indicator, group, year=2024):
    rows = frame[(frame["org_id"] == org) & (frame["indicator"] == indicator)
                 & (frame["student_group"] == group) & (frame["year"] == year)]
    assert len(rows) == 1
    return rows.iloc[0]


def row(table, indicator, group):
    rows = table[(table["indicator"] == indicator) & (table["student_group"] == group)]
    assert len(rows) == 1
    return rows.iloc[0]


def layer_values(spec: dict, name: str | None = None, mark: str | None = None) -> list[dict]:
    """Data values of the layers matching a name or mark type (inline, or the parent's)."""
    out = []
    for layer in spec["layer"]:
        m = layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        if (name and layer.get("name") == name) or (mark and m == mark):
            out.append((layer.get("data") or spec["data"])["values"])
    assert len(out) == 1
    return out[0]


# --------------------------------------------------------------------------- snapshot


def test_snapshot_rows_are_the_published_district_rows(sample_outcomes, suhsd):
    snap, _ = suhsd
    r, s = raw(sample_outcomes, SUHSD, "CHRO", "ALL"), row(snap, "CHRO", "ALL")
    assert (s["status"], s["change"], s["prior_status"]) == (r["status"], r["change"],
                                                             r["prior_status"]) == (
        13.7, -3.9, 17.6)
    assert (s["status_level"], s["change_level"], s["color"]) == (2, 5, 3)
    assert s["n"] == r["denominator"] == 4533
    assert s["color_name"] == "Yellow" and not s["not_reported"]
    published = sample_outcomes[(sample_outcomes["org_id"] == SUHSD)
                                & (sample_outcomes["year"] == 2024)]
    assert len(snap) == len(published)  # every indicator x group, none dropped
    assert set(snap["org_id"]) == {SUHSD} and set(snap["year"]) == {2024}
    assert snap["student_group"].iloc[0] == "ALL"  # ALL first within each indicator
    assert list(dict.fromkeys(snap["indicator"])) == [
        "ELA", "MATH", "SCIENCE", "CHRO", "SUSP", "GRAD", "CCI", "ELPI"]
    for col in ("n", "status", "change", "status_level", "change_level", "color",
                "color_name", "not_reported"):
        assert col in snap


def test_snapshot_defaults_to_the_latest_year_and_explains_bad_ids(sample_outcomes, suhsd):
    pd.testing.assert_frame_equal(N.district_snapshot(sample_outcomes, SUHSD), suhsd[0])
    assert set(N.district_snapshot(sample_outcomes, SUHSD, 2017)["year"]) == {2017}
    with pytest.raises(WorkbookError, match="no district or school rows for '99999990000000'"):
        N.district_snapshot(sample_outcomes, "99999990000000")
    with pytest.raises(WorkbookError, match="no rows for 2020; years present: 2017, 2018, 2024"):
        N.district_snapshot(sample_outcomes, SUHSD, 2020)


def test_unreported_rows_stay_in_and_say_not_reported(sample_outcomes, lagunita):
    snap, _ = lagunita
    sci = row(snap, "SCIENCE", "ALL")  # 10 students: the state published no status
    assert sci["not_reported"] and pd.isna(sci["status"]) and sci["n"] == 10
    assert sci["color_name"] == "not reported" and sci["color"] == 0
    assert sci["suppression"] == "fewer than 11 students"
    hi = row(snap, "CHRO", "HI")  # 28 students: a status, but no color
    assert hi["status"] == 14.3 and hi["color_name"] == "no color" and not hi["not_reported"]
    published = sample_outcomes[(sample_outcomes["org_id"] == LAGUNITA)
                                & (sample_outcomes["year"] == 2024)]
    assert len(snap) == len(published) == 38
    assert snap["not_reported"].sum() == published["not_reported"].sum() == 20
    assert set(snap.loc[snap["not_reported"], "color_name"]) == {"not reported"}


def test_snapshot_works_on_a_cached_district_slice(sample_outcomes, tmp_path):
    folder = cache.build(sample_outcomes, tmp_path / "c")
    part = cache.read_district(folder, SUHSD)
    pd.testing.assert_frame_equal(N.district_snapshot(part, SUHSD, 2024),
                                  N.district_snapshot(sample_outcomes, SUHSD, 2024))
    g = N.gaps(part, SUHSD, 2024)  # one district only: no county figure to compare with
    assert g["county_status"].isna().all()
    assert g["compared_with"].str.contains("no county figure").all()
    assert g["gap_to_all"].notna().any()


def test_flagged_groups_are_exactly_the_red_and_orange_rows(sample_outcomes, suhsd):
    snap, _ = suhsd
    flagged = N.flagged_groups(snap)
    published = sample_outcomes[(sample_outcomes["org_id"] == SUHSD)
                                & (sample_outcomes["year"] == 2024)
                                & sample_outcomes["color"].isin([1, 2])]
    assert len(flagged) == len(published) == 25
    assert set(zip(flagged["indicator"], flagged["student_group"], strict=True)) == set(
        zip(published["indicator"], published["student_group"], strict=True))
    assert list(flagged["color"]) == sorted(flagged["color"])  # Red first
    assert set(flagged["color_name"]) == {"Red", "Orange"}
    first = flagged.iloc[0]
    assert (first["indicator"], first["student_group"], first["status"], first["n"]) == (
        "GRAD", "HOM", 64.2, 148)
    for col in ("indicator", "status", "change", "n"):
        assert col in flagged
    assert N.flagged_groups(snap[snap["color"] > 2]).empty


# --------------------------------------------------------------------------- gaps


def test_gap_signs_follow_higher_or_lower_is_better(suhsd):
    _, g = suhsd
    swd = row(g, "CHRO", "SWD")  # absenteeism: lower is better; 23.4% vs 13.7%
    assert (swd["status"], swd["all_status"], swd["gap_to_all"]) == (23.4, 13.7, -9.7)
    fi = row(g, "CHRO", "FI")  # 6.5%: better than all students
    assert fi["gap_to_all"] == 7.2
    hom = row(g, "GRAD", "HOM")  # graduation: higher is better; 64.2 vs 85.5
    assert hom["gap_to_all"] == -21.3
    el = row(g, "ELA", "EL")  # distance from standard: -79.1 vs -24.1
    assert el["gap_to_all"] == -55.0
    ok = g.dropna(subset=["gap_to_all"])
    diff = (ok["status"] - ok["all_status"]).astype(float).round(1)
    expected = diff.where(ok["higher_is_better"], -diff) + 0.0
    assert (ok["gap_to_all"].astype(float) == expected).all()
    alls = g[g["student_group"] == "ALL"]["gap_to_all"]
    assert (alls == 0).all() and not any(math.copysign(1, v) < 0 for v in alls)
    assert (g["n"].notna()).all() and "all_n" in g


def test_county_is_the_n_weighted_mean_of_the_county_leas(sample_outcomes, suhsd):
    _, g = suhsd
    f = sample_outcomes
    lea = f[(f["org_level"] == "district") & (f["county"] == "Monterey") & (f["year"] == 2024)
            & (f["indicator"] == "CHRO") & (f["student_group"] == "ALL") & f["status"].notna()]
    expected = (lea["status"] * lea["denominator"]).sum() / lea["denominator"].sum()
    r = row(g, "CHRO", "ALL")
    assert r["county_status"] == round(expected, 1) == 16.5
    assert r["county_leas"] == len(lea) == 24 and r["county_n"] == lea["denominator"].sum()
    assert r["gap_to_county"] == 2.8  # 13.7% against 16.5%: better, so positive
    assert "county (Monterey: n-weighted mean of 24 LEAs)" in r["compared_with"]
    assert "no state row for 2024" in r["compared_with"] and pd.isna(r["state_status"])


def test_state_comparison_where_the_files_have_a_state_row(sample_outcomes):
    g = N.gaps(sample_outcomes, SUHSD, 2018)
    r = row(g, "GRAD", "ALL")
    assert (r["status"], r["state_status"], r["state_n"], r["gap_to_state"]) == (
        88.0, 83.5, 518317, 4.5)
    assert r["compared_with"].endswith("; state")


def test_gaps_keep_unreported_groups(lagunita):
    _, g = lagunita
    el = row(g, "CHRO", "EL")
    assert el["not_reported"] and pd.isna(el["gap_to_all"]) and el["n"] == 2
    assert el["color_name"] == "not reported"


# --------------------------------------------------------------------------- trend


def test_trend_joins_prior_years_and_the_2017_18_files(sample_outcomes):
    t = N.trend(sample_outcomes, SUHSD)
    grad = t[t["indicator"] == "GRAD"]
    assert list(grad["year"]) == [2016, 2017, 2018, 2023, 2024]
    assert list(grad["status"]) == [90.9, 93.5, 88.0, 82.0, 85.5]
    assert list(grad["basis"]) == ["prior year, from the 2017 file", "reported", "reported",
                                   "prior year, from the 2024 file", "reported"]
    assert list(grad["n"]) == [5777, 1970, 2568, 2969, 3095]
    chro = t[t["indicator"] == "CHRO"]
    assert list(zip(chro["year"], chro["status"], strict=True)) == [(2023, 17.6), (2024, 13.7)]
    elpi = t[t["indicator"] == "ELPI"]  # reported for English learners only
    assert set(elpi["student_group"]) == {"EL"} and list(elpi["year"]) == [2016, 2017, 2023,
                                                                           2024]
    assert elpi["note"].str.contains("not comparable").all()
    assert set(t.loc[t["indicator"] != "ELPI", "student_group"]) - {"ALL", "EL"} == set()


def test_trend_keeps_unreported_years(sample_outcomes):
    t = N.trend(sample_outcomes, LAGUNITA)
    sci = t[(t["indicator"] == "SCIENCE") & (t["year"] == 2024)].iloc[0]
    assert sci["not_reported"] and pd.isna(sci["status"]) and sci["color_name"] == "not reported"
    assert len(t[t["not_reported"]]) == 7
    spec = N.trend_chart(t).to_dict()
    assert "Not reported: Science 2024" in " ".join(spec["title"]["subtitle"])


# --------------------------------------------------------------------------- charts


def test_color_grid_encodes_dashboard_colors(suhsd):
    snap, _ = suhsd
    chart = N.color_grid(snap)
    spec = chart.to_dict()
    assert len(spec["layer"]) == 2
    values = spec["data"]["values"]
    assert len(values) == len(snap)
    rect = next(lay for lay in spec["layer"] if lay["mark"]["type"] == "rect")
    scale = rect["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == {
        k: HEX[k] for k in scale["domain"]}
    assert rect["encoding"]["x"]["field"] == "student_group_name"
    assert rect["encoding"]["tooltip"]
    text = next(lay for lay in spec["layer"] if lay["mark"]["type"] == "text")
    assert text["encoding"]["text"]["field"] == "label"
    chro = next(v for v in values if v["indicator"] == "CHRO" and v["student_group"] == "ALL")
    assert (chro["label"], chro["color_name"], chro["n"]) == ("13.7", "Yellow", 4533)
    assert "Salinas Union High" in spec["title"]["text"]
    assert 500 <= spec["width"] <= 700


def test_tiny_district_charts_show_not_reported(lagunita):
    snap, g = lagunita
    spec = N.color_grid(snap).to_dict()
    values = spec["data"]["values"]
    sci = next(v for v in values if v["indicator"] == "SCIENCE" and v["student_group"] == "ALL")
    assert (sci["label"], sci["color_name"], sci["status"]) == ("n/r", "not reported", None)
    assert "not reported" in spec["layer"][0]["encoding"]["color"]["scale"]["domain"]
    for indicator in snap["indicator"].unique():
        gap = N.gap_chart(g, indicator).to_dict()
        assert gap["title"]["text"]
    sci_gap = N.gap_chart(g, "SCIENCE").to_dict()
    assert {v["label"] for v in sci_gap["data"]["values"]} == {"not reported"}
    empty = N.gap_chart(g, "GRAD").to_dict()  # an elementary district has no graduates
    assert layer_values(empty, mark="text")[0]["message"] == "No student-group rows for GRAD."


def test_gap_chart_bars_every_group_but_all(suhsd):
    _, g = suhsd
    spec = N.gap_chart(g, "CHRO").to_dict()
    values = spec["data"]["values"]
    groups = [v["student_group"] for v in values]
    assert "ALL" not in groups and len(groups) == len(g[g["indicator"] == "CHRO"]) - 1
    bars = next(lay for lay in spec["layer"] if lay["mark"]["type"] == "bar")
    assert bars["encoding"]["x"]["field"] == "gap_to_all"
    assert values[0]["student_group"] == "HOM" and values[0]["gap_to_all"] == -10.7  # worst
    nr = [v for v in values if v["not_reported"]]
    assert nr and all(v["label"] == "not reported" for v in nr)
    assert "negative = worse" in spec["title"]["subtitle"]
    assert {t["field"] for t in bars["encoding"]["tooltip"]} >= {"n", "gap_to_all", "status"}


def test_trend_chart_panels(sample_outcomes):
    t = N.trend(sample_outcomes, SUHSD)
    chart = N.trend_chart(t)
    assert isinstance(chart, alt.FacetChart)
    spec = chart.to_dict()
    values = spec["data"]["values"]
    assert {v["indicator"] for v in values} == {"ELA", "MATH", "SCIENCE", "ELA11", "MATH11",
                                                "CHRO", "SUSP", "GRAD", "CCI", "ELPI"}
    assert spec["resolve"]["scale"]["y"] == "independent"
    grad = [v for v in values if v["indicator"] == "GRAD"]
    assert [v["segment"] for v in grad] == [0, 0, 0, 1, 1]  # the line breaks at 2019-2022
    # single-year indicators are named, by their names
    assert any(line.startswith("Not drawn (fewer than two years): ") and "ELPAC level 1" in line
               for line in spec["title"]["subtitle"])
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
             for layer in spec["spec"]["layer"]]
    assert {"line", "point"} <= set(marks)  # the line, the years, and the axis-span guides
    assert N.trend_chart(t, indicators=["GRAD"]).to_dict()["data"]["values"] == grad


# --------------------------------------------------------------------------- Tool C


def ratings() -> list[Rating]:
    given = [("Ana", "1a1", 3), ("Ben", "1a1", 4), ("Cy", "1a2", 3),
             ("Ana", "3b1", 1), ("Ben", "3b1", 2), ("Cy", "3b2", 2),
             ("Ana", "2a1", 2), ("Ben", "2a1", 3)]
    return [Rating(org_id=SUHSD, rater=r, element=e, level=lv) for r, e, lv in given]


def test_rubric_profile_by_domain_and_practice_is_anonymous():
    p = N.rubric_profile(ratings())
    assert len(p) == 16 and list(p["scope"]).count("domain") == 4
    assert "rater" not in p.columns
    assert not p.astype(str).apply(lambda c: c.str.contains("Ana|Ben|Cy")).any().any()
    one_a = p[(p["scope"] == "practice") & (p["code"] == "1a")].iloc[0]
    assert one_a["name"] == "Prioritize improvement and communicate urgency"
    assert (one_a["mean_level"], one_a["raters"], one_a["label"]) == (3.33, 3, "strength")
    assert one_a["agreement"] == 0.67
    three_b = p[(p["scope"] == "practice") & (p["code"] == "3b")].iloc[0]
    assert (three_b["mean_level"], three_b["label"]) == (1.67, "weakness")
    two_a = p[(p["scope"] == "practice") & (p["code"] == "2a")].iloc[0]
    assert (two_a["mean_level"], two_a["label"]) == (2.5, "between")
    d4 = p[(p["scope"] == "domain") & (p["code"] == "4")].iloc[0]
    assert (d4["name"], d4["raters"], d4["label"]) == ("Culture Shift", 0, "not rated")
    hidden = N.rubric_profile(ratings(), min_raters=3)
    assert hidden.loc[hidden["code"] == "2a", "label"].item() == "too few raters"
    assert pd.isna(hidden.loc[hidden["code"] == "2a", "mean_level"].item())
    assert N.rubric_profile([])["label"].eq("not rated").all()


def test_rubric_chart(sample_outcomes):
    spec = N.rubric_chart(N.rubric_profile(ratings())).to_dict()
    values = spec["data"]["values"]
    assert len(values) == 12 and values[0]["practice"].startswith("1a Prioritize")
    bars = next(lay for lay in spec["layer"] if lay["mark"]["type"] == "bar")
    assert bars["encoding"]["x"]["field"] == "mean_level"
    assert bars["encoding"]["tooltip"] and spec["title"]["text"]
    assert next(v for v in values if v["code"] == "4a")["text"] == "not rated"


# --------------------------------------------------------------------------- priorities


def test_priorities_cite_the_real_numbers(suhsd):
    snap, g = suhsd
    p = N.suggest_priorities(snap, g)
    assert list(p["rank"]) == [1, 2, 3, 4]
    assert list(p["score"]) == sorted(p["score"], reverse=True)
    top = p.iloc[0]
    assert top["indicator"] == "SUSP" and top["n"] == 16829
    assert top["evidence"].startswith("Suspension rate, All Students: 4.5% (Yellow), up 0.4, "
                                      "n=16829; Long-Term English Learner 9.2% (Red")
    ela = p[p["indicator"] == "ELA"].iloc[0]
    assert "All Students: 24.1 points below standard (Yellow), up 6.2" in ela["evidence"]
    assert len(N.suggest_priorities(snap, g, max_n=2)) == 2


def test_priorities_weigh_red_for_everyone_heavily(sample_outcomes):
    greenfield = "27660350000000"  # ELA for all students is Red
    snap = N.district_snapshot(sample_outcomes, greenfield, 2024)
    p = N.suggest_priorities(snap, N.gaps(sample_outcomes, greenfield, 2024))
    assert p.iloc[0]["indicator"] == "ELA" and p.iloc[0]["color_name"] == "Red"
    assert p.iloc[0]["score"] >= 8


def test_priorities_for_a_tiny_district_and_none_when_all_is_well(lagunita):
    snap, g = lagunita
    p = N.suggest_priorities(snap, g)
    assert list(p["indicator"]) == ["CHRO"]
    assert p.iloc[0]["evidence"] == ("Chronic absenteeism rate, All Students: 12.7% (Yellow), "
                                     "down 0.7, n=63; White 12.5% (Orange, n=32)")
    fine = snap.assign(color=5)
    assert N.suggest_priorities(fine, g.assign(gap_to_all=1.0)).empty


def test_every_2024_district_gets_tables_and_charts(sample_outcomes):
    f = sample_outcomes
    ids = f[(f["org_level"] == "district") & (f["year"] == 2024)]["org_id"].unique()
    assert len(ids) == 25
    for district in ids:
        snap = N.district_snapshot(f, district, 2024)
        g = N.gaps(f, district, 2024)
        assert len(g) == len(snap) and g["n"].notna().all()
        N.suggest_priorities(snap, g)
        assert N.flagged_groups(snap)["color"].isin([1, 2]).all()
    for district in (LAGUNITA, "27661750000000", "27102720000000"):
        snap = N.district_snapshot(f, district, 2024)
        assert N.color_grid(snap).to_dict()["layer"]
        assert N.trend_chart(N.trend(f, district)).to_dict()["title"]


def test_tables_feed_small_n_suppression(lagunita):
    from workbook import privacy

    snap, g = lagunita
    shown = privacy.suppress(g, threshold=11, key_cols=["indicator"],
                             value_cols=["status", "gap_to_all", "color_name"])
    chro = shown[shown["indicator"] == "CHRO"].set_index("student_group")
    assert chro.loc["EL", "suppressed"] == "fewer than 11 students"
    assert chro.loc["HI", "suppressed"] == privacy.COMPLEMENTARY  # else EL + MR = ALL - rest
    assert pd.isna(chro.loc["HI", "status"]) and chro.loc["ALL", "status"] == 12.7
    assert len(privacy.suppress(snap, threshold=11, key_cols=["indicator"],
                                value_cols=["status", "change"])) == len(snap)


# --------------------------------------------------------------------------- issue 17: Tools A, C


def test_tool_a_categories_are_the_templates():
    from workbook.needs.model import tool_a_categories, tool_a_prompt

    cats = tool_a_categories()
    assert [c.name for c in cats][:3] == ["Demographics", "LEA or SEA policies and supports",
                                          "Student outcomes/performance"]
    assert len(cats) == 12 and cats[-1].name == "Other"
    engagement = next(c for c in cats if c.code == "engagement")
    assert [o.name for o in engagement.options] == ["attendance", "behavior"] and engagement.other
    assert "stakeholder input" in tool_a_prompt("stakeholder_input")


def test_needs_elements_table_shows_what_was_checked_and_old_items():
    from workbook.needs.model import NeedsAssessment

    a = NeedsAssessment(org_id="1", elements=["engagement.attendance", "climate",
                                              "perception data (surveys)", "Our own list"],
                        element_other={"engagement": "course failures"})
    # the old item "perception data (surveys)" stands for climate: kept once
    assert a.elements == ["engagement.attendance", "climate", "Our own list"]
    t = N.needs_elements_table([a]).set_index("category")
    assert t.loc["Student engagement", "included"] == "attendance"
    assert t.loc["Student engagement", "other"] == "course failures"
    assert t.loc["Climate and culture", "included"] == "yes"
    assert t.loc["Demographics", "included"] == ""
    assert t.loc["Other (as written)", "included"] == "Our own list"
    assert N.needs_elements_table([]).shape == (12, 3)
    with pytest.raises(ValueError, match="no 'other' blank"):
        NeedsAssessment(org_id="1", element_other={"climate": "x"})


def test_needs_process_table_uses_tool_a_questions():
    from workbook.needs.model import NeedsAssessment

    a = NeedsAssessment(org_id="1", process="Data review in fall.", participants="Principals",
                        stakeholder_input="Surveys")
    t = N.needs_process_table([a])
    assert t["question"].iloc[0].startswith("How was the needs assessment")
    assert list(t["answer"]) == ["Data review in fall. Who took part: Principals", "Surveys"]


def test_reflections_are_listed_without_names_and_hidden_below_two_writers():
    from workbook.needs.model import Reflection

    refl = [Reflection(org_id="1", rater="Ana", domain=1, strengths="Zeta strength",
                       weaknesses="Roles unclear"),
            Reflection(org_id="1", rater="Ben", domain=1, strengths="Alpha strength"),
            Reflection(org_id="1", rater="Ana", domain=2, strengths="Mentors")]
    t = N.reflections_table(refl).set_index("domain")
    assert t.loc[1, "strengths"] == "Alpha strength • Zeta strength"  # sorted, not as written
    assert t.loc[1, "weaknesses"] == "Roles unclear" and t.loc[1, "writers"] == 2
    assert "Mentors" not in t.loc[2, "strengths"] and "fewer than 2" in t.loc[2, "strengths"]
    assert t.loc[3, "writers"] == 0 and t.loc[3, "strengths"] == ""
    assert t.loc[4, "prompt"] == "Strengths and Weaknesses in Culture"
    assert "Ana" not in t.to_string() and "Ben" not in t.to_string()


def test_consensus_sits_beside_the_mean_and_is_not_derived():
    from workbook.needs.model import Consensus

    ratings = [Rating(org_id="1", rater=r, element="1a1", level=lv)
               for r, lv in (("a", 1), ("b", 2), ("c", 2))]
    agreed = [Consensus(org_id="1", practice="1a", level=4), Consensus(org_id="1",
                                                                       practice="2b", level=3)]
    profile = N.rubric_profile(ratings, min_raters=2, consensus=agreed)
    practices = profile[profile["scope"] == "practice"].set_index("code")
    assert practices.loc["1a", "mean_level"] == pytest.approx(5 / 3, abs=0.01)
    assert practices.loc["1a", "consensus_level"] == 4  # typed, far from the mean
    assert practices.loc["2b", "consensus_level"] == 3 and practices.loc["2b", "raters"] == 0
    assert pd.isna(practices.loc["1b", "consensus_level"])
    assert profile[profile["scope"] == "domain"]["consensus_level"].isna().all()
    t = N.consensus_table(profile).set_index("practice")
    assert t.loc["1a", "differs"] == "yes" and t.loc["2b", "differs"] == ""
    assert N.rubric_profile(ratings, min_raters=2)["consensus_level"].isna().all()


def _counts_one_by_one(frame: pd.DataFrame, ids: list[str], year: int) -> pd.DataFrame:
    """What `all_students_counts` must equal: each district's snapshot, all students."""
    rows = []
    for district in ids:
        try:
            snap = N.district_snapshot(frame, district, year)
        except WorkbookError:
            continue
        rows.append(snap[snap["student_group"] == "ALL"][
            ["org_id", "org_name", "year", "indicator", "student_group", "n"]])
    return pd.concat(rows, ignore_index=True) if rows else None


@pytest.mark.parametrize("region", ["sample", "oregon-lbl"])
def test_all_students_counts_are_the_snapshots_of_every_district(region):
    from workbook.run import context

    frame = context.region_outcomes(region)
    districts = list(frame.loc[frame["org_level"] == "district", "org_id"].unique())
    schools = list(frame.loc[frame["org_level"] == "school", "org_id"].unique()[:4])
    year = int(frame["year"].max())
    for ids in (districts, districts[::-1][:5] + schools, ["no such district"] + districts[:2]):
        for y in (year, year - 1):
            want = _counts_one_by_one(frame, ids, y)
            got = N.all_students_counts(frame, ids, y)
            if want is None:
                assert got.empty
            else:
                pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert N.all_students_counts(frame, districts, 1990).empty
