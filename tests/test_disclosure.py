"""Nothing leaked: no hidden count or status in the published tables can be worked out.

The audit (`privacy.audit`) treats hidden cells as unknowns of the additive relations among
the groups and of the n-weighted means; these tests show it catches the leaks the
race-only suppression left in the sample region (Chualar ELA: 162 - 160 = 2), that
`suppress` now closes them, and that every stakeholder table of the region's needs
assessments passes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbook import needs as N
from workbook import privacy
from workbook.errors import WorkbookError
from workbook.privacy import COMPLEMENTARY, FAMILIES, RACE_ETHNICITY, Family, Table
from workbook.report import blocks as show
from workbook.report import region
from workbook.report.sections import needs_tables

CHUALAR = "27659950000000"  # Chualar Union: 162 tested in ELA, 160 on Smarter Balanced


def group_of(item) -> str:
    return dict(item.keys)["student_group"]


def by_group(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("student_group")


# --------------------------------------------------------------------------- the CAA case


@pytest.fixture(scope="module")
def chualar_ela(sample_outcomes):
    snap = N.district_snapshot(sample_outcomes, CHUALAR, 2024)
    return snap[snap["indicator"] == "ELA"].reset_index(drop=True)


def test_race_only_suppression_let_the_caa_group_be_worked_out(chualar_ela):
    rows = by_group(chualar_ela)
    assert (rows.loc["ALL", "n"], rows.loc["SBA", "n"], rows.loc["CAA", "n"]) == (162, 160, 2)
    old = privacy.suppress(chualar_ela, threshold=11, families=[RACE_ETHNICITY],
                           key_cols=["indicator"], value_cols=N.VALUE_COLUMNS)
    found = [f for f in privacy.audit([Table("snapshot", old, ["indicator"])])
             if group_of(f) == "CAA"]
    assert {(f.quantity, f.low, f.high) for f in found} == {("count", 2, 2),
                                                            ("status", 1.8, 1.8)}
    assert all("ALL = SBA + CAA at indicator=ELA in 'snapshot'" in f.reason for f in found)
    text = str(next(f for f in found if f.quantity == "count"))
    assert "table 'snapshot'" in text and "student_group=CAA" in text
    assert "can be worked out: 2" in text


def test_caa_count_and_status_are_now_hidden(chualar_ela):
    out = privacy.suppress(chualar_ela, threshold=11, key_cols=["indicator"],
                           value_cols=N.VALUE_COLUMNS)
    tables = [Table("snapshot", out, ["indicator"])]
    assert privacy.audit(tables) == []
    rows = by_group(out)
    assert rows.loc["ALL", "n"] == 162 and rows.loc["ALL", "status"] == -22.2
    assert pd.isna(rows.loc["SBA", "n"]) and pd.isna(rows.loc["SBA", "status"])
    assert rows.loc["SBA", "suppressed"] == COMPLEMENTARY
    spans = {group_of(i): (i.low, i.high) for i in privacy.intervals(tables)}
    assert spans["CAA"] == (1, 10)  # anything its marker allows
    assert spans["SBA"] == (152, 161)


def test_whole_chualar_snapshot_passes(sample_outcomes):
    snap = N.district_snapshot(sample_outcomes, CHUALAR, 2024)
    out = privacy.suppress(snap, threshold=11, key_cols=["indicator"],
                           value_cols=N.VALUE_COLUMNS)
    assert privacy.audit([Table("snapshot", out, ["indicator"])]) == []
    hidden = out[out["n"].isna()]
    assert hidden["suppressed"].notna().all()
    tested = hidden[hidden["student_group"].isin(["SBA", "CAA", "CAST"])]
    assert set(zip(tested["indicator"], tested["student_group"], strict=True)) == {
        ("ELA", "SBA"), ("ELA", "CAA"), ("MATH", "SBA"), ("MATH", "CAA"),
        ("SCIENCE", "CAST"), ("SCIENCE", "CAA")}


# --------------------------------------------------------------------------- the audit


def leaky() -> pd.DataFrame:
    return pd.DataFrame({
        "indicator": "ELA", "student_group": ["ALL", "SBA", "CAA"],
        "n": pd.array([162, 160, None], dtype="Int64"),
        "status": pd.array([-22.2, -22.5, None], dtype="Float64"),
        "suppressed": pd.array([None, None, "fewer than 11 students"], dtype="string")})


def test_audit_names_the_cell_and_the_relation():
    found = privacy.audit({"leaky": leaky()})
    assert [(f.table, group_of(f), f.quantity) for f in found] == [
        ("leaky", "CAA", "count"), ("leaky", "CAA", "status")]
    count, status = found
    assert (count.low, count.high) == (2, 2)
    assert count.reason == "ALL = SBA + CAA in 'leaky'"
    assert status.low == status.high == pytest.approx(1.8)
    assert str(count) == ("table 'leaky', indicator=ELA, student_group=CAA: the hidden count "
                          "can be worked out: 2 (ALL = SBA + CAA in 'leaky')")


def test_safe_when_the_complement_is_hidden_too():
    frame = leaky()
    frame.loc[1, ["n", "status"]] = pd.NA
    frame.loc[1, "suppressed"] = COMPLEMENTARY
    assert privacy.audit({"safe": frame}) == []


def test_a_cell_hidden_in_one_table_and_shown_in_another():
    full = leaky()
    full.loc[1, ["n", "status"]] = pd.NA
    full.loc[1, "suppressed"] = COMPLEMENTARY
    red = leaky().iloc[:2]  # ALL and SBA only, say "groups in red"
    found = privacy.audit([Table("full", full), Table("red", red)])
    assert [(f.table, group_of(f), f.quantity, f.low) for f in found] == [
        ("full", "CAA", "count", 2), ("full", "CAA", "status", pytest.approx(1.8)),
        ("full", "SBA", "count", 160), ("full", "SBA", "status", -22.5)]
    assert found[2].reason == "shown in table 'red'"


def test_a_filtered_table_does_not_claim_left_out_groups_are_empty():
    full = leaky()
    full.loc[1, ["n", "status"]] = pd.NA
    full.loc[1, "suppressed"] = COMPLEMENTARY
    only_all = leaky().iloc[:1]
    assert privacy.audit([Table("full", full), Table("all", only_all)]) == []


def test_bounds_pin_two_small_groups_known_to_sum_to_two():
    frame = pd.DataFrame({"student_group": ["ALL", "HI", "AI", "WH"],
                          "n": pd.array([50, 48, None, None], dtype="Int64"),
                          "suppressed": [None, None, "fewer than 11 students",
                                         "fewer than 11 students"]})
    found = privacy.audit({"races": frame})
    assert [(group_of(f), f.low, f.high) for f in found] == [("AI", 1, 1), ("WH", 1, 1)]
    assert "has 1 to K-1" in found[0].reason
    raw = frame.assign(n=[50, 48, 1, 1])
    out = privacy.suppress(raw, threshold=11)
    assert by_group(out)["suppressed"].to_dict()["HI"] == COMPLEMENTARY
    assert privacy.audit({"races": out}) == []


def test_protection_asks_for_a_wider_interval():
    raw = pd.DataFrame({"student_group": ["ALL", "HI", "AI", "WH"], "n": [51, 48, 1, 2]})
    out = privacy.suppress(raw, threshold=11)
    assert privacy.audit({"t": out}) == []  # AI is 1 or 2
    assert [group_of(f) for f in privacy.audit({"t": out}, protection=2)] == ["AI", "WH"]
    wide = privacy.suppress(raw, threshold=11, protection=2)
    assert privacy.audit({"t": wide}, protection=2) == []
    assert pd.isna(by_group(wide).loc["HI", "n"])


# --------------------------------------------------------------------------- relations


def test_the_data_holds_no_relation_the_families_miss(sample_outcomes):
    found = privacy.find_families(sample_outcomes)
    pairs = {(f.total, frozenset(f.parts)) for f in found}
    assert {("ALL", frozenset({"SBA", "CAA"})), ("ALL", frozenset({"CAST", "CAA"})),
            ("EL", frozenset({"ELO", "RFP"}))} <= pairs
    for fam in found:
        assert any(fam.total == known.total and set(fam.parts) <= set(known.parts)
                   for known in FAMILIES), fam


def test_find_families_ignores_coincidences():
    rows = []
    for k in range(8):  # ALL = A + B everywhere; C + D = B only once, by chance
        a, b = 10 + k, 20 + 3 * k
        c = 5 if k == 0 else 1 + k
        rows += [(f"T{k}", "ALL", a + b), (f"T{k}", "A", a), (f"T{k}", "B", b),
                 (f"T{k}", "C", c), (f"T{k}", "D", b - 5 if k == 0 else 2)]
    frame = pd.DataFrame(rows, columns=["org_id", "student_group", "denominator"])
    assert privacy.find_families(frame, key_cols=["org_id"]) == [Family("ALL", ("A", "B"))]


# --------------------------------------------------------------------------- reports



def test_every_sample_report_passes_the_audit(sample_outcomes):
    f = sample_outcomes
    districts = sorted(f[(f["org_level"] == "district") & (f["year"] == 2024)]["org_id"].unique())
    assert len(districts) == 25
    before: dict[str, int] = {}
    for district in districts:
        published, old = [], []
        for name, frame, values, keys in needs_tables(f, district):
            shown = show.prepare(frame, value_cols=values, key_cols=keys, audience="stakeholder",
                                 state="CA", name=name, earlier=published)
            present = [k for k in keys if k in frame.columns]
            published.append(Table(name, shown, present))
            old.append(Table(name, privacy.suppress(
                frame, threshold=11, families=[RACE_ETHNICITY], key_cols=present,
                value_cols=[c for c in values if c in frame.columns]), present))
            hidden = shown[shown["n"].isna()]
            assert hidden["suppressed"].notna().all(), (district, name)
        assert privacy.audit(published) == [], district
        caa = [x for x in privacy.audit(old) if group_of(x) == "CAA" and x.quantity == "count"]
        if caa:
            before[district] = len(caa)
    assert len(before) >= 15 and sum(before.values()) >= 30  # the count
    assert before[CHUALAR] == 3  # ELA, math and science


def test_team_audience_is_unchanged(chualar_ela):
    assert show.prepare(chualar_ela, value_cols=N.VALUE_COLUMNS, audience="team") is chualar_ela


def test_a_later_table_hides_what_an_earlier_one_hid():
    full = leaky().assign(n=pd.array([162, 160, 2], dtype="Int64"), status=[-22.2, -22.5, 1.8])
    first = show.prepare(full, value_cols=["status"], key_cols=["indicator"],
                         audience="stakeholder", state="CA", name="full")
    red = show.prepare(full.iloc[:2], value_cols=["status"], key_cols=["indicator"],
                       audience="stakeholder", state="CA", name="red",
                       earlier=[Table("full", first, ["indicator"])])
    marks = by_group(red)["suppressed"]
    assert pd.isna(marks["ALL"]) and marks["SBA"] == COMPLEMENTARY


def test_a_table_that_gives_a_cell_away_is_refused():
    full = leaky().assign(n=pd.array([162, 160, 2], dtype="Int64"), status=[-22.2, -22.5, 1.8])
    show.configure("stakeholder", "CA")
    try:
        show.table(full.iloc[:2], "Groups in red", name="red", value_cols=["status"],
                   key_cols=["indicator"])
        with pytest.raises(WorkbookError, match=r"refusing to show table 'full' to "
                           r"stakeholders: table 'full', indicator=ELA, student_group=CAA: "
                           r"the hidden count can be worked out: 2"):
            show.table(full, "All groups", name="full", value_cols=["status"],
                       key_cols=["indicator"])
    finally:
        show.configure()


# --------------------------------------------------------------------------- property


@st.composite
def tables_with_families(draw):
    """Atoms of students grouped several ways: each family is one grouping of the same atoms
    (so its parts sum to ALL exactly), one part maybe split again (a family inside a
    family); many cells are small. Two places (key column) at most, each with its own
    groups and families, as indicators have."""
    threshold = draw(st.integers(5, 15))
    rows, fams = [], {}
    for place in range(draw(st.integers(1, 2))):
        atoms = draw(st.lists(st.one_of(st.integers(0, threshold + 2), st.integers(0, 120)),
                              min_size=2, max_size=7))
        atoms.append(draw(st.integers(2 * threshold, 300)))
        cells = {"ALL": sum(atoms)}
        for f in range(draw(st.integers(1, 3))):
            groups = draw(st.lists(st.integers(0, 3), min_size=len(atoms),
                                   max_size=len(atoms)))
            parts = {}
            for atom, g in zip(atoms, groups, strict=True):
                parts.setdefault(f"P{place}F{f}.{g}", []).append(atom)
            if len(parts) < 2:
                continue
            fams[f"P{place}F{f}"] = Family("ALL", tuple(sorted(parts)))
            for label, members in parts.items():
                cells[label] = sum(members)
            label, members = max(parts.items(), key=lambda p: len(p[1]))
            if len(members) >= 2 and draw(st.booleans()):
                subs = {f"{label}.{i}": m for i, m in enumerate(members)}
                fams[label] = Family(label, tuple(subs))
                cells.update(subs)
        for label, n in cells.items():
            rows.append((place, label, n, draw(st.floats(-100, 100, allow_nan=False))))
    frame = pd.DataFrame(rows, columns=["place", "student_group", "n", "status"])
    return frame, list(fams.values()), threshold, draw(st.randoms(use_true_random=False))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables_with_families())
def test_random_families_suppressed_pass_the_audit(case):
    frame, fams, threshold, rnd = case
    out = privacy.suppress(frame, threshold=threshold, families=fams, key_cols=["place"],
                           value_cols=["status"])
    tables = [Table("t", out, ["place"])]
    assert privacy.audit(tables, families=fams) == []
    n = out["n"]
    assert not ((n > 0) & (n < threshold)).fillna(False).any()
    spans = privacy.intervals(tables, families=fams)
    assert len(spans) == int(n.isna().sum())
    if spans:
        pick = rnd.choice(spans)
        assert pick.low < pick.high, pick
        assert all(s.low < s.high or math.isinf(s.high) for s in spans)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables_with_families(), st.integers(1, 4))
def test_audit_agrees_with_exact_intervals(case, protection):
    """The audit proves most widths without solving for each cell; on tables suppressed
    without complementary cells (so many leak) it flags exactly the cells whose exact
    interval is too narrow."""
    frame, fams, threshold, _ = case
    out = privacy.suppress(frame, threshold=threshold, families=(), key_cols=["place"])
    tables = [Table("t", out, ["place"], mean_cols=())]
    flagged = {f.keys for f in privacy.audit(tables, families=fams, protection=protection)}
    narrow = set()
    for span in privacy.intervals(tables, families=fams):
        row = out[(out["place"] == dict(span.keys)["place"])
                  & (out["student_group"] == dict(span.keys)["student_group"])].iloc[0]
        prior = threshold - 2 if row["suppressed"] == f"fewer than {threshold} students" \
            else math.inf
        if span.high - span.low < min(protection, prior) - 1e-6:
            narrow.add(span.keys)
    assert flagged == narrow


# --------------------------------------------------------------------------- across a region


def _published_snapshot(org: str, all_n: int, hi_n: int) -> Table:
    """One district's ELA table as its stakeholder report publishes it."""
    frame = pd.DataFrame({"org_id": org, "indicator": "ELA",
                          "student_group": ["ALL", "HI", "WH"],
                          "n": [all_n, hi_n, all_n - hi_n],
                          "status": [-10.0, -12.0, -8.0]})
    shown = show.prepare(frame, value_cols=["status"], key_cols=["org_id", "indicator"],
                         audience="stakeholder", state="CA", name=f"{org}/snapshot")
    return Table(f"{org}/snapshot", shown, ["org_id", "indicator"])


def _totals(counts: dict[str, int]) -> pd.DataFrame:
    rows = [(org, org, 2024, "ELA", "ALL", n) for org, n in counts.items()]
    rows.append((region.REGION_ID, "Region", 2024, "ELA", "ALL", sum(counts.values())))
    frame = pd.DataFrame(rows, columns=["org_id", "org_name", "year", "indicator",
                                        "student_group", "n"])
    return frame.assign(n=frame["n"].astype("Int64"))


def test_a_region_total_minus_the_other_districts_gives_a_hidden_count_away():
    counts = {"A": 7, "B": 120, "C": 64}  # district A: 7 students, hidden in its report
    published = {(org, "01"): [_published_snapshot(org, n, n - 2)] for org, n in counts.items()}
    tables = [t for ts in published.values() for t in ts]
    assert privacy.audit(tables) == []  # each report, and all of them, pass on their own
    a_all = by_group(tables[0].frame).loc["ALL"]
    assert pd.isna(a_all["n"]) and a_all["suppressed"] == "fewer than 11 students"

    families = [*privacy.FAMILIES, region.region_family(counts)]
    # the small district's row hidden, as its report hides it, but the region total shown
    naive = Table(region.TOTALS, privacy.suppress(_totals(counts), threshold=11, families=()),
                  region.TOTALS_KEYS, mean_cols=())
    leaks = privacy.audit([*tables, naive], families=families)
    found = [(f.table, dict(f.keys)["org_id"], group_of(f), f.low, f.high) for f in leaks
             if f.quantity == "count"]
    assert ("A/snapshot", "A", "ALL", 7, 7) in found  # 191 - 120 - 64
    assert any("region = A + B + C" in f.reason for f in leaks)

    checked = region.audit_region(published, _totals(counts), threshold=11,
                                  district_ids=counts)
    assert checked.withheld == {} and checked.totals_reason == ""
    shown = checked.totals.set_index("org_id")
    assert pd.isna(shown.loc["A", "n"]) and pd.isna(shown.loc[region.REGION_ID, "n"])
    assert shown.loc[region.REGION_ID, "suppressed"] == COMPLEMENTARY
    assert (shown.loc["B", "n"], shown.loc["C", "n"]) == (120, 64)
    final = [*tables, Table(region.TOTALS, checked.totals, region.TOTALS_KEYS, mean_cols=())]
    assert privacy.audit(final, families=families) == []
    span = {(dict(i.keys)["org_id"], group_of(i)): (i.low, i.high)
            for i in privacy.intervals(final, families=families)}
    assert span[("A", "ALL")][1] - span[("A", "ALL")][0] >= 1


def test_a_report_that_shows_what_another_hides_is_withheld():
    full = leaky()
    full.loc[1, ["n", "status"]] = pd.NA
    full.loc[1, "suppressed"] = COMPLEMENTARY
    full = full.assign(org_id="A")
    shows = leaky().iloc[:2].assign(org_id="A")  # another workbook shows SBA: 160
    published = {("A", "01"): [Table("A/01/snapshot", full, ["org_id", "indicator"])],
                 ("A", "03"): [Table("A/03/measures", shows, ["org_id", "indicator"])],
                 ("B", "01"): [_published_snapshot("B", 120, 100)]}
    checked = region.audit_region(published, _totals({"A": 162, "B": 120}), threshold=11,
                                  district_ids=["A", "B"])
    assert set(checked.withheld) == {("A", "01"), ("A", "03")}
    assert checked.withheld[("A", "01")].startswith(
        "withheld: table 'A/01/snapshot', org_id=A, indicator=ELA, student_group=CAA: the "
        "hidden count can be worked out: 2")
    assert checked.withheld[("A", "03")] == (
        "withheld: table 'A/01/snapshot', org_id=A, indicator=ELA, student_group=SBA: the "
        "hidden count can be worked out: 160 (shown in table 'A/03/measures')")
    assert checked.totals is not None and checked.totals_reason == ""


BIG_SUR = "27751500000000"  # a handful of students: its counts are hidden in its report
REGION_DISTRICTS = ["27659610000000", "27660760000000", BIG_SUR]


def _publish_needs(sample_outcomes, folder: Path, district: str) -> None:
    """Write a district's needs-assessment data as its stakeholder report does."""
    show.configure("stakeholder", "CA", folder / "data" / "01_needs_assessment")
    try:
        for name, frame, values, keys in needs_tables(sample_outcomes, district):
            show.table(frame, name, name=name, value_cols=values, key_cols=keys)
    finally:
        show.configure()
    (folder / "01_needs_assessment.html").write_text("<html><body>report</body></html>")


def test_the_batch_publishes_region_totals_that_give_nothing_away(sample_outcomes, tmp_path,
                                                                  capsys):
    from workbook.run import batch, regions

    manifest = tmp_path / "r.yaml"
    manifest.write_text(
        "name: r\ntitle: R\nschool_year: '2024-25'\nyear: 2024\nstate: CA\n"
        "sources:\n  - {format: ca_dashboard, path: "
        "'sample:ca_dashboard_2024_monterey/dashboard_2024_monterey.csv'}\n"
        f"districts: {REGION_DISTRICTS}\nnotebooks: [01_needs_assessment, "
        "02_root_cause_analysis]\n")
    reg = regions.load(str(manifest))
    folder = tmp_path / "r"
    jobs, outcomes = [], []
    for district in REGION_DISTRICTS:
        out = folder / district
        _publish_needs(sample_outcomes, out, district)
        jobs.append(batch.Job("r", district, district, ["01_needs_assessment",
                                                        "02_root_cause_analysis"],
                              str(out), {}, {}))
        outcomes.append(batch.Outcome(district, "01_needs_assessment", "done"))
    # a second workbook of Alisal publishes a table that shows a count its needs
    # assessment hides
    alisal = folder / REGION_DISTRICTS[0]
    snap = pd.read_csv(alisal / "data" / "01_needs_assessment" / "snapshot.csv",
                       dtype={"student_group": str})
    hidden = snap[snap["n"].isna()].iloc[0]
    true = sample_outcomes[(sample_outcomes["org_id"] == REGION_DISTRICTS[0])
                           & (sample_outcomes["year"] == 2024)
                           & (sample_outcomes["indicator"] == hidden["indicator"])
                           & (sample_outcomes["student_group"] == hidden["student_group"])]
    leak = pd.DataFrame({"indicator": [hidden["indicator"]],
                         "student_group": [hidden["student_group"]],
                         "n": [int(true["denominator"].iloc[0])]})
    (alisal / "data" / "02_root_cause_analysis").mkdir(parents=True)
    leak.to_csv(alisal / "data" / "02_root_cause_analysis" / "groups.csv", index=False)
    (alisal / "02_root_cause_analysis.html").write_text("<html></html>")
    outcomes.append(batch.Outcome(REGION_DISTRICTS[0], "02_root_cause_analysis", "done"))
    capsys.readouterr()

    result = batch.RunResult("r", outcomes)
    problems = batch.write_summary(reg, jobs, result, folder)

    assert {(o.district_id, o.notebook) for o in problems} == {
        (REGION_DISTRICTS[0], "01_needs_assessment"),
        (REGION_DISTRICTS[0], "02_root_cause_analysis")}
    assert all(o.error.startswith("withheld: table ") for o in problems)
    assert not (alisal / "02_root_cause_analysis.html").exists()
    assert not (alisal / "data" / "02_root_cause_analysis").exists()
    record = json.loads((folder / "run.json").read_text())
    assert record["districts"][REGION_DISTRICTS[0]]["status"] == "failed"
    assert len(record["failures"]) == 2
    index = (folder / "index.html").read_text()
    assert "Students with results" in index
    assert f'href="{REGION_DISTRICTS[0]}/01_needs_assessment.html"' not in index
    assert f'href="{BIG_SUR}/01_needs_assessment.html"' in index

    # what a reader of the region now sees: the kept reports' CSVs and the totals
    seen = [t for d in REGION_DISTRICTS[1:]
            for t in region.read_published(folder / d, d, "01_needs_assessment")]
    totals = pd.read_csv(folder / "data" / f"{region.TOTALS}.csv",
                         dtype={"org_id": str, "suppressed": str})
    families = [*privacy.FAMILIES, region.region_family(REGION_DISTRICTS)]
    shown = Table(region.TOTALS, totals, region.TOTALS_KEYS, mean_cols=())
    assert privacy.audit([*seen, shown], families=families) == []
    big_sur = totals[totals["org_id"] == BIG_SUR].set_index("indicator")
    assert big_sur.loc["ELA", "suppressed"] == "fewer than 11 students"
    # with the small counts hidden but the region's total shown, the total less the others
    # gives Big Sur's ELA away
    raw = region.totals_frame(sample_outcomes, REGION_DISTRICTS, 2024)
    naive = privacy.suppress(raw, threshold=11, families=())
    leaks = privacy.audit([*seen, Table(region.TOTALS, naive, region.TOTALS_KEYS,
                                        mean_cols=())], families=families)
    true_ela = raw[(raw["org_id"] == BIG_SUR) & (raw["indicator"] == "ELA")]["n"]
    assert any(dict(f.keys)["org_id"] == BIG_SUR and dict(f.keys)["indicator"] == "ELA"
               and f.low == f.high == int(true_ela.iloc[0]) for f in leaks)
    spans = {(dict(i.keys)["org_id"], dict(i.keys)["indicator"]): (i.low, i.high)
             for i in privacy.intervals([*seen, shown], families=families)
             if dict(i.keys).get("student_group") == "ALL"}
    low, high = spans[(BIG_SUR, "ELA")]
    assert high - low >= 1


@pytest.mark.parametrize("damage", ["n,student_group\nabc,ALL\n",
                                    "n,student_group\n1,ALL\n2,HI,x,y\n", "\xff\xfe n\n1\n"])
def test_a_damaged_published_data_file_withholds_its_report(sample_outcomes, tmp_path, damage):
    from workbook.run import batch, regions

    manifest = tmp_path / "r.yaml"
    manifest.write_text(
        "name: r\ntitle: R\nschool_year: '2024-25'\nyear: 2024\nstate: CA\n"
        "sources:\n  - {format: ca_dashboard, path: "
        "'sample:ca_dashboard_2024_monterey/dashboard_2024_monterey.csv'}\n"
        f"districts: ['{BIG_SUR}']\nnotebooks: [01_needs_assessment]\n")
    folder = tmp_path / "r"
    out = folder / BIG_SUR
    _publish_needs(sample_outcomes, out, BIG_SUR)
    bad = out / "data" / "01_needs_assessment" / "snapshot.csv"
    bad.write_bytes(damage.encode("latin-1"))
    job = batch.Job("r", BIG_SUR, "Big Sur", ["01_needs_assessment"], str(out), {}, {})
    result = batch.RunResult("r", [batch.Outcome(BIG_SUR, "01_needs_assessment", "done")])
    problems = batch.write_summary(regions.load(str(manifest)), [job], result, folder)
    assert [(o.district_id, o.notebook) for o in problems] == [(BIG_SUR,
                                                                "01_needs_assessment")]
    assert problems[0].error.startswith(f"withheld: {bad}: cannot read this published data")
    assert "\n" not in problems[0].error
    assert not (out / "01_needs_assessment.html").exists()
    index = (folder / "index.html").read_text()
    assert "cannot read this published data file" in index
    assert "Students with results" in index  # the totals, suppressed on their own
