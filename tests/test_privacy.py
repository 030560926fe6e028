"""Small-n suppression: nothing below the threshold is shown, directly or by subtraction."""

import random
import re

import pandas as pd
import pytest

from workbook.errors import WorkbookError
from workbook.privacy import (
    COMPLEMENTARY,
    NOT_REPORTED,
    RACE_ETHNICITY,
    TEST_TAKERS,
    THRESHOLDS,
    Family,
    Table,
    audit,
    marker_bounds,
    suppress,
    threshold_for,
)

RACES = RACE_ETHNICITY.parts


def leaks(out, families, key_cols=(), n_col="n"):
    """Brute force: every hidden cell a reader can get by adding or subtracting shown cells.

    For each family and each place it applies, if the total row is present and exactly one
    present cell is hidden, that cell is total - sum(shown parts) (or the sum of the parts).
    """
    families = [Family(*f) for f in families]
    id_cols = list(dict.fromkeys([*key_cols, *(f.column for f in families)]))
    found = []
    for fam in families:
        others = [c for c in id_cols if c != fam.column]
        places: dict[tuple, dict] = {}
        for row in out.to_dict("records"):
            n = None if pd.isna(row[n_col]) else int(row[n_col])
            places.setdefault(tuple(row[c] for c in others), {})[row[fam.column]] = n
        for place, cells in places.items():
            present = [g for g in (fam.total, *fam.parts) if g in cells]
            hidden = [g for g in present if cells[g] is None]
            if fam.total not in cells or len(hidden) != 1:
                continue
            shown_parts = sum(cells[g] for g in fam.parts if g in cells and cells[g] is not None)
            value = shown_parts if hidden[0] == fam.total else cells[fam.total] - shown_parts
            found.append((fam.total, place, hidden[0], value))
    return found


def race_table(counts, org="S1"):
    """One school's table: ALL plus each race group, ALL being the sum."""
    rows = [(org, "ALL", sum(counts.values()))] + [(org, g, n) for g, n in counts.items()]
    return pd.DataFrame(rows, columns=["org_id", "student_group", "n"])


def shown(out, group, org="S1"):
    row = out[(out["org_id"] == org) & (out["student_group"] == group)].iloc[0]
    return None if pd.isna(row["n"]) else int(row["n"])


FULL = {"AA": 40, "AI": 12, "AS": 30, "FI": 25, "HI": 120, "PI": 5, "WH": 90, "MR": 18}


# --- thresholds -------------------------------------------------------------------------


def test_state_thresholds():
    assert THRESHOLDS == {"CA": 11, "OR": 10}
    assert threshold_for("CA") == 11
    assert threshold_for(" or ") == 10


def test_unknown_state_raises():
    with pytest.raises(WorkbookError, match=re.escape(
            "no small-n threshold known for state 'WA' (known: CA, OR; or set small_n: in "
            "parameters/states/wa/terms.yaml)")):
        threshold_for("WA")


def test_a_new_state_brings_its_threshold_in_its_folder(tmp_path, monkeypatch):
    """A third state is a folder: its terms.yaml's small_n is its threshold, and a region
    may name it; no code edit."""
    import shutil

    from workbook import paths
    from workbook.run.regions import Region

    shutil.copytree(paths.root() / "parameters" / "states", tmp_path / "parameters" / "states")
    wa = tmp_path / "parameters" / "states" / "wa"
    wa.mkdir()
    (wa / "terms.yaml").write_text("state: WA\nstate_name: Washington\ncolors: false\n"
                                   "small_n: 10\n", encoding="utf-8")
    monkeypatch.setenv("WORKBOOK_HOME", str(tmp_path))
    assert threshold_for("wa") == 10
    with pytest.raises(WorkbookError, match="below WA's legal minimum of 10"):
        threshold_for("WA", override=5)
    region = Region(name="x", title="X", school_year="2024-25", year=2024, state="WA",
                    sources=[])
    assert region.state == "WA"
    with pytest.raises(ValueError, match=r"no folder parameters/states/tx/ .*known states: "
                                         r"CA, OR, WA"):
        Region(name="x", title="X", school_year="2024-25", year=2024, state="TX", sources=[])
    (wa / "terms.yaml").write_text("small_n: ten\n", encoding="utf-8")
    with pytest.raises(WorkbookError, match="small_n must be a whole number"):
        threshold_for("WA")


def test_override_may_only_be_stricter():
    assert threshold_for("OR", override=20) == 20
    with pytest.raises(WorkbookError, match="threshold 5 is below CA's legal minimum of 11"):
        threshold_for("CA", override=5)


# --- primary suppression ----------------------------------------------------------------


def test_primary_hides_threshold_minus_one_and_shows_threshold():
    df = pd.DataFrame({"student_group": ["EL", "SWD"], "n": [10, 11], "rate": [0.3, 0.4]})
    out = suppress(df, threshold=11, value_cols=["rate"], families=())
    assert out["n"].isna().tolist() == [True, False]
    assert out["rate"].isna().tolist() == [True, False]
    assert out["n"].iloc[1] == 11
    assert out["rate"].iloc[1] == 0.4
    assert out["suppressed"].iloc[0] == "fewer than 11 students"
    assert pd.isna(out["suppressed"].iloc[1])


def test_oregon_and_california_differ_on_ten():
    df = pd.DataFrame({"student_group": ["EL"], "n": [10]})
    ca = suppress(df, threshold=threshold_for("CA"), families=())
    oregon = suppress(df, threshold=threshold_for("OR"), families=())
    assert pd.isna(ca["n"].iloc[0])
    assert ca["suppressed"].iloc[0] == "fewer than 11 students"
    assert oregon["n"].iloc[0] == 10
    assert pd.isna(oregon["suppressed"].iloc[0])


def test_zero_is_shown_and_missing_is_not_reported():
    df = pd.DataFrame(
        {"student_group": ["EL", "SWD", "FOS"], "n": [0, None, 3], "status": ["x", "Red", "y"]}
    )
    out = suppress(df, threshold=11, value_cols=["status"], families=())
    assert out["n"].iloc[0] == 0
    assert out["status"].iloc[0] == "x"
    assert out["suppressed"].iloc[1] == NOT_REPORTED
    assert pd.isna(out["status"].iloc[1])  # a status derived from a hidden count goes too
    assert out["suppressed"].iloc[2] == "fewer than 11 students"


def test_dtypes():
    df = pd.DataFrame({"student_group": ["EL", "SWD"], "n": [5, 50], "num": [1, 20]})
    out = suppress(df, threshold=11, value_cols=["num"], families=())
    assert out["n"].dtype == "Int64"
    assert out["num"].dtype == "Int64"
    assert out["suppressed"].dtype == "string"
    assert out["num"].tolist() == [pd.NA, 20]


def test_input_frame_unchanged():
    df = race_table(FULL)
    df["rate"] = 0.5
    before = df.copy(deep=True)
    out = suppress(df, threshold=11, value_cols=["rate"])
    pd.testing.assert_frame_equal(df, before)
    assert "suppressed" not in df.columns
    assert out["n"].isna().any()


def test_suppressing_twice_changes_nothing():
    df = race_table(FULL)
    once = suppress(df, threshold=11)
    twice = suppress(once, threshold=11)
    pd.testing.assert_frame_equal(once, twice)


# --- complementary suppression ----------------------------------------------------------


def test_helper_catches_subtraction_without_complementary_suppression():
    primary_only = suppress(race_table(FULL), threshold=11, families=())
    assert leaks(primary_only, [RACE_ETHNICITY], ["org_id"]) == [("ALL", ("S1",), "PI", 5)]


def test_one_small_race_group_cannot_be_worked_out():
    out = suppress(race_table(FULL), threshold=11)
    assert leaks(out, [RACE_ETHNICITY], ["org_id"]) == []
    assert shown(out, "PI") is None
    assert shown(out, "AI") is None  # smallest shown part, 12, hides with it
    assert out.loc[out["student_group"] == "AI", "suppressed"].item() == COMPLEMENTARY
    assert shown(out, "ALL") == sum(FULL.values())
    assert out["n"].isna().sum() == 2


def test_ties_break_in_family_order():
    counts = dict(FULL, AI=30, AS=30, FI=30, MR=30)  # four parts tie for smallest
    out = suppress(race_table(counts), threshold=11)
    hidden = out.loc[out["n"].isna(), "student_group"].tolist()
    assert hidden == ["AI", "PI"]


def test_zero_parts_are_not_used_as_cover():
    counts = {"AA": 0, "AI": 0, "AS": 3, "FI": 0, "HI": 40, "PI": 0, "WH": 15, "MR": 0}
    out = suppress(race_table(counts), threshold=11)
    assert shown(out, "AS") is None
    assert shown(out, "WH") is None
    assert shown(out, "AA") == 0
    assert leaks(out, [RACE_ETHNICITY], ["org_id"]) == []


def test_hidden_total_is_covered_by_a_part():
    df = race_table({"AA": 20, "HI": 30, "WH": 50})
    df.loc[df["student_group"] == "ALL", "n"] = None  # not reported upstream
    fam = Family("ALL", ("AA", "HI", "WH"))
    out = suppress(df, threshold=11, families=[fam], key_cols=["org_id"])
    assert shown(out, "AA") is None
    assert out.loc[out["student_group"] == "ALL", "suppressed"].item() == NOT_REPORTED
    assert leaks(out, [fam], ["org_id"]) == []


def test_chain_through_families_sharing_parts():
    fams = [Family("ALL", ("AA", "HI", "WH")), Family("POC", ("AA", "HI"))]
    df = pd.DataFrame({"student_group": ["ALL", "POC", "AA", "HI", "WH"], "n": [47, 35, 5, 30, 12]})
    out = suppress(df, threshold=11, families=fams)
    hidden = set(out.loc[out["n"].isna(), "student_group"])
    # ALL hides WH (smallest), then POC still has only AA hidden, so HI must go too; and
    # then WH = ALL - POC, which only solving both families together shows: ALL goes as well
    assert hidden == {"AA", "WH", "HI", "ALL"}
    assert leaks(out, fams) == []
    assert leaks(suppress(df, threshold=11, families=fams[:1]), fams) != []


def schools_and_district():
    """S1 and S2 by race group, with D1 their sum; only S1's AA (5) is small."""
    s1 = {"AA": 5, "HI": 20, "WH": 30}
    s2 = {"AA": 15, "HI": 40, "WH": 25}
    d1 = {g: s1[g] + s2[g] for g in s1}
    df = pd.concat([race_table(s1, "S1"), race_table(s2, "S2"), race_table(d1, "D1")])
    return df.assign(year=2024).reset_index(drop=True)


def hidden_cells(out):
    rows = out[out["n"].isna()]
    return set(zip(rows["org_id"], rows["student_group"], strict=True))


def test_chain_from_schools_to_district():
    fams = [Family("ALL", ("AA", "HI", "WH")), Family("D1", ("S1", "S2"), "org_id")]
    out = suppress(schools_and_district(), threshold=11, families=fams, key_cols=["year"])
    # S1 HI covers S1 AA in S1's race family; the district's AA and HI rows would then give
    # S1's cells back by subtraction, so S2's AA and HI go as well.
    assert hidden_cells(out) == {("S1", "AA"), ("S1", "HI"), ("S2", "AA"), ("S2", "HI")}
    assert leaks(out, fams, ["year"]) == []
    assert shown(out, "ALL", "S1") == 55
    assert shown(out, "AA", "D1") == 20


def test_chain_needs_more_than_one_pass():
    # District first: S2 AA covers S1 AA, then S2's race family hides WH (its smallest), which
    # leaves the district's HI and WH rows with one hidden cell each: a second pass is needed.
    fams = [Family("D1", ("S1", "S2"), "org_id"), Family("ALL", ("AA", "HI", "WH"))]
    out = suppress(schools_and_district(), threshold=11, families=fams, key_cols=["year"])
    assert leaks(out, fams, ["year"]) == []
    assert hidden_cells(out) == {(s, g) for s in ("S1", "S2") for g in ("AA", "HI", "WH")}


def test_families_apply_per_key():
    df = pd.concat([race_table(FULL, "S1"), race_table(dict(FULL, PI=50), "S2")])
    out = suppress(df, threshold=11, key_cols=["org_id"])
    assert shown(out, "AI", "S1") is None
    assert shown(out, "AI", "S2") == 12


def test_duplicate_cells_raise():
    df = pd.concat([race_table(FULL, "S1"), race_table(FULL, "S2")])
    with pytest.raises(WorkbookError, match=r"rows are not unique on \['student_group'\] .*"
                       "add the missing column to key_cols"):
        suppress(df, threshold=11)  # org_id forgotten


def test_bad_input_raises():
    df = race_table(FULL)
    with pytest.raises(WorkbookError, match=re.escape(
            "suppress: columns not in the table: ['rate']")):
        suppress(df, threshold=11, value_cols=["rate"])
    with pytest.raises(WorkbookError, match="column 'n' must hold whole-number counts"):
        suppress(df.assign(n=df["n"].astype(str).replace("5", "*")), threshold=11)
    with pytest.raises(WorkbookError, match="threshold must be a positive whole number, got 0"):
        suppress(df, threshold=0)
    with pytest.raises(WorkbookError, match=r"family .* needs distinct parts that do not "
                       "include the total"):
        suppress(df, threshold=11, families=[("ALL", ["ALL", "AA"])])


# --- property-style -----------------------------------------------------------------


def random_table(rng):
    """Schools summing to a district, by race group and year, with many small groups."""
    schools = [f"S{i}" for i in range(1, rng.randint(1, 4) + 1)]
    rows = []
    for year in (2023, 2024)[: rng.randint(1, 2)]:
        district = dict.fromkeys(["ALL", *RACES], 0)
        for school in schools:
            races = {g: rng.choice([0, rng.randint(1, 12), rng.randint(1, 80)]) for g in RACES}
            counts = {"ALL": sum(races.values()) + rng.choice([0, 0, rng.randint(1, 3)]), **races}
            for group, n in counts.items():
                district[group] += n
                rows.append((school, year, group, n))
        rows += [("D1", year, group, n) for group, n in district.items()]
    df = pd.DataFrame(rows, columns=["org_id", "year", "student_group", "n"])
    df["n"] = [None if rng.random() < 0.03 else n for n in df["n"]]
    df["n"] = df["n"].astype("Int64")
    df["absent"] = [rng.randint(0, n) if not pd.isna(n) else None for n in df["n"]]
    df["absent"] = df["absent"].astype("Int64")
    df["rate"] = (df["absent"] / df["n"]).astype("Float64")
    return df.sample(frac=1, random_state=rng.randint(0, 999)).reset_index(drop=True), schools


def test_random_tables_never_leak():
    rng = random.Random(20240611)
    complementary = 0
    for _ in range(200):
        df, schools = random_table(rng)
        threshold = rng.choice([10, 11])
        fams = [RACE_ETHNICITY, Family("D1", tuple(schools), "org_id")]
        out = suppress(
            df,
            threshold=threshold,
            value_cols=["absent", "rate"],
            families=fams,
            key_cols=["year"],
        )
        assert leaks(out, fams, ["year"]) == []
        n = out["n"]
        assert not ((n > 0) & (n < threshold)).fillna(False).any()
        is_hidden = n.isna()
        assert out.loc[is_hidden, ["absent", "rate"]].isna().all().all()
        assert out.loc[is_hidden, "suppressed"].notna().all()
        assert out.loc[~is_hidden, "suppressed"].isna().all()
        assert (n[~is_hidden] == df["n"][~is_hidden]).all()
        complementary += (out["suppressed"] == COMPLEMENTARY).sum()
    assert complementary > 100  # the tables really exercised complementary suppression


# --- every relation, and the audit ----------------------------------------------------------


def test_package_keeps_the_old_names():
    from workbook import privacy

    assert privacy.THRESHOLDS is privacy.thresholds.THRESHOLDS
    assert callable(privacy.suppress) and callable(privacy.audit)
    assert privacy.threshold_for("CA") == 11
    assert privacy.FAMILIES == (privacy.RACE_ETHNICITY, privacy.TEST_TAKERS,
                                privacy.LEARNER_STATUS)


def test_test_takers_are_a_family_by_default():
    df = pd.DataFrame({"indicator": "ELA", "student_group": ["ALL", "SBA", "CAA", "HI"],
                       "n": [162, 160, 2, 159]})
    out = suppress(df, threshold=11, key_cols=["indicator"])
    assert out.set_index("student_group")["suppressed"].to_dict()["SBA"] == COMPLEMENTARY
    assert leaks(out, [TEST_TAKERS], ["indicator"]) == []
    assert leaks(suppress(df, threshold=11, families=[RACE_ETHNICITY]), [TEST_TAKERS]) != []


def test_also_hide_hides_as_complementary():
    df = race_table({"AA": 40, "HI": 120, "WH": 90})
    out = suppress(df, threshold=11, also_hide=[False, False, True, False])
    assert out["suppressed"].tolist()[2] == COMPLEMENTARY
    assert out["n"].isna().sum() == 2  # and one more, so HI cannot be worked out


def test_marker_bounds():
    assert marker_bounds("fewer than 11 students") == (1, 10)
    assert marker_bounds(COMPLEMENTARY) == (0, float("inf"))
    assert marker_bounds(pd.NA) == (0, float("inf"))


def test_random_tables_pass_the_audit():
    rng = random.Random(20250101)
    for _ in range(60):
        df, schools = random_table(rng)
        fams = [RACE_ETHNICITY, Family("D1", tuple(schools), "org_id")]
        out = suppress(df, threshold=rng.choice([10, 11]), value_cols=["absent", "rate"],
                       families=fams, key_cols=["year"])
        assert audit([Table("t", out, ["year"], mean_cols=("rate",))], families=fams) == []
