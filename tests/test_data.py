"""Loading the real state files: the tidy table, and clear problems for bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import CA_1718, CA_2024, OR_DIR, SAMPLE

from workbook import data
from workbook.data import cache


def test_every_bundled_file_checks_clean(monkeypatch):
    read, seen = data.read, {}

    def spy(path, hint=None):
        seen[Path(path)] = read(path, hint)
        return seen[Path(path)]

    monkeypatch.setattr(data, "read", spy)
    assert data.check([SAMPLE]) == []
    # ...and that is because every bundled file was read, not because none was found
    files = sorted(f for f in SAMPLE.rglob("*") if f.suffix in {".csv", ".txt", ".xlsx"})
    assert files and sorted(seen) == files
    datasets = [ds for found in seen.values() for ds in found]
    assert [ds.path.name for ds in datasets if not ds.format or ds.frame.empty] == []
    assert {ds.format for ds in datasets} == {fmt.name for fmt in data.FORMATS}


def test_sample_region_is_monterey_2024_plus_2017_18(sample_outcomes):
    f = sample_outcomes
    assert set(f["state"]) == {"CA"}
    y2024 = f[f["year"] == 2024]
    assert len(y2024) == 2402  # every row of the extract
    districts = y2024.loc[y2024["org_level"] == "district", "org_id"].unique()
    assert len(districts) == 25  # 24 districts and the county office
    assert set(y2024["indicator"]) == {"CCI", "CHRO", "ELA", "ELPI", "GRAD", "MATH",
                                       "SCIENCE", "SUSP"}
    assert {2017, 2018} <= set(f["year"].dropna())


def test_values_match_the_published_row(sample_outcomes):
    f = sample_outcomes
    row = f[(f["org_id"] == "27661420000000") & (f["indicator"] == "CHRO")
            & (f["student_group"] == "HOM") & (f["year"] == 2024)].iloc[0]
    assert (row["numerator"], row["denominator"], row["status"]) == (698, 3526, 19.8)
    assert (row["prior_status"], row["change"]) == (26.8, -7.0)
    assert (row["status_level"], row["change_level"], row["color"]) == (2, 5, 3)
    assert row["student_group_name"] == "Homeless Youth"
    assert row["district_name"] == "Salinas City Elementary"


def test_ids_keep_leading_zeros_and_schools_point_to_their_district(sample_outcomes):
    f = sample_outcomes
    state = f[f["org_level"] == "state"]
    assert not state.empty and set(state["org_id"]) == {"00000000000000"}
    assert f["org_id"].str.fullmatch(r"\d{14}").all()
    schools = f[f["org_level"] == "school"]
    assert (schools["district_id"] == schools["org_id"].str[:7] + "0000000").all()


def test_not_reported_small_groups_are_flagged(sample_outcomes):
    f = sample_outcomes
    small = f[(f["denominator"] > 0) & (f["denominator"] < 11) & f["status"].isna()]
    assert not small.empty
    assert small["not_reported"].all()
    assert (small["suppression"] == "fewer than 11 students").all()


def test_latin1_file_is_decoded(copy_file, tmp_path):
    src = CA_1718 / "graddownload2018.txt"
    text = src.read_text(encoding="utf-8").replace("Salinas Union High", "Niños Jiménez Union")
    bad = tmp_path / "graddownload2018.txt"
    bad.write_bytes(text.encode("cp1252"))
    [ds] = data.read(bad)
    assert ds.problems == []
    assert "Niños Jiménez Union" in set(ds.frame["district_name"])


def test_double_encoded_text_is_a_problem(tmp_path):
    src = CA_1718 / "graddownload2018.txt"
    lines = src.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "Salinas" in line)
    lines[at] = lines[at].replace("Salinas", "NiÃ±os")
    bad = tmp_path / "graddownload2018.txt"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = data.check([bad])
    assert [p.row for p in problems] == [at + 1]
    assert "double-encoded" in problems[0].message


def _damage(tmp_path, src, lineno, column, value, name=None):
    """Write a copy of src with one cell (1-based line, header = 1) replaced."""
    lines = src.read_text(encoding="utf-8").splitlines()
    sep = "\t" if "\t" in lines[0] else ","
    header = lines[0].split(sep)
    cells = lines[lineno - 1].split(sep)
    cells[header.index(column)] = value
    lines[lineno - 1] = sep.join(cells)
    out = tmp_path / (name or src.name)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def test_text_in_numeric_column_names_file_row_and_column(tmp_path):
    bad = _damage(tmp_path, CA_1718 / "graddownload2018.txt", 7, "currdenom", "lots")
    [p] = data.check([bad])
    assert (p.file, p.row, p.column) == (str(bad), 7, "currdenom")
    assert "'lots'" in p.message
    assert str(p).startswith(f"{bad}:7:currdenom: ")


def test_lost_leading_zero_is_explained(tmp_path):
    bad = _damage(tmp_path, CA_1718 / "graddownload2018.txt", 2, "cds", "0000000000000")
    [p] = data.check([bad])
    assert (p.row, p.column) == (2, "cds")
    assert "leading zero" in p.message


def test_renamed_column_is_reported_with_a_guess(tmp_path):
    src = CA_1718 / "graddownload2018.txt"
    text = src.read_text(encoding="utf-8").replace("currstatus", "curr_status", 1)
    bad = tmp_path / src.name
    bad.write_text(text, encoding="utf-8")
    problems = data.check([bad])
    assert len(problems) == 1
    assert problems[0].column == "currstatus" and problems[0].row == 1
    assert "'curr_status'" in problems[0].message


def test_duplicate_rows_point_at_both(tmp_path):
    src = CA_1718 / "graddownload2018.txt"
    lines = src.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / src.name
    bad.write_text("\n".join(lines + [lines[3]]) + "\n", encoding="utf-8")
    [p] = data.check([bad])
    assert p.row == len(lines) + 1
    assert "duplicate" in p.message and "row 4" in p.message


def test_level_out_of_range_is_caught_by_the_schema(tmp_path):
    bad = _damage(tmp_path, CA_1718 / "graddownload2018.txt", 3, "color", "9")
    [p] = data.check([bad])
    assert (p.row, p.column) == (3, "color")


def test_percent_out_of_range(tmp_path):
    bad = _damage(tmp_path, CA_1718 / "graddownload2018.txt", 3, "currstatus", "172.1")
    [p] = data.check([bad])
    assert (p.row, p.column) == (3, "status") and "percentage" in p.message


def test_every_problem_is_collected_at_once(tmp_path):
    bad = _damage(tmp_path, CA_1718 / "graddownload2018.txt", 3, "currstatus", "x")
    bad = _damage(tmp_path, bad, 9, "rtype", "Q")
    bad = _damage(tmp_path, bad, 12, "cds", "27")
    assert sorted((p.row, p.column) for p in data.check([bad])) == [
        (3, "currstatus"), (9, "rtype"), (12, "cds")]


def test_unknown_files_are_problems_not_crashes(tmp_path):
    junk = tmp_path / "notes.csv"
    junk.write_text("a,b\n1,2\n")
    [p] = data.check([junk])
    assert "matches no known format" in p.message
    with pytest.raises(data.DataError) as err:
        data.load_outcomes([junk])
    assert "notes.csv" in str(err.value)


@pytest.fixture(scope="module")
def oregon():
    return {p.name: data.read(p) for p in sorted(OR_DIR.glob("*.xlsx"))}


def test_oregon_attendance(oregon):
    [ds] = oregon["regularattenders_report_2122.xlsx"]
    assert ds.problems == [] and ds.format == "or_attendance"
    f = ds.frame
    baker = f[(f["org_id"] == "1894") & (f["student_group"] == "ALL") & (f["grade"] == "all")]
    reg = baker[baker["indicator"] == "REG_ATTEND"].iloc[0]
    chronic = baker[baker["indicator"] == "CHRONIC_ABSENT"].iloc[0]
    assert (reg["denominator"], reg["numerator"], reg["status"]) == (3842, 3087, 80.3)
    assert (chronic["numerator"], chronic["status"]) == (755, 19.7)
    assert reg["year"] == 2022 and reg["org_level"] == "district"
    black = f[(f["org_id"] == "1894") & (f["student_group"] == "AA")
              & (f["indicator"] == "CHRONIC_ABSENT")].iloc[0]
    assert pd.isna(black["status"]) and black["status_text"] == "<5"
    assert black["not_reported"]
    grades = set(f.loc[f["grade"] != "all", "grade"])
    assert {"K", "1", "12"} <= grades


def test_oregon_assessment_markers(oregon):
    [ds] = oregon["pagr_schools_ela_tot_raceethnicity_2122.xlsx"]
    assert ds.problems == [] and ds.format == "or_assessment"
    f = ds.frame
    assert (f["org_level"] == "school").sum() == 20046  # plus district roll-ups
    assert set(f["suppression"].dropna()) >= {"*", "--", "< 5.0%", "> 95.0%"}
    starred = f[f["suppression"] == "*"]
    assert starred["status"].isna().all() and starred["not_reported"].all()
    assert set(f["student_group"]) == {"ALL", "WH", "HI", "MR", "AS", "AA", "AI", "PI"}
    assert "HS" in set(f["grade"])


def test_title_rows_above_the_header_are_skipped():
    [ds] = data.read(SAMPLE / "ca_assistance_lists" / "assistancestatus23.xlsx")
    assert ds.format == "ca_da_list" and ds.problems == []
    first = ds.frame.iloc[0]
    assert first["org_id"] == "01100170000000" and first["source_row"] == 7
    assert "EL:F" not in first["student_groups"] and "FOS:F" in first["student_groups"]


def test_cache_round_trip_and_district_slice(tmp_path, sample_outcomes, monkeypatch):
    sources = data.sample_sources()
    folder = cache.cached(sources, tmp_path)
    with monkeypatch.context() as mp:
        mp.setattr(cache, "build", lambda *a: pytest.fail("the second call built the cache"))
        assert cache.cached(sources, tmp_path) == folder  # second call reuses it
    assert not list(tmp_path.glob(".building-*"))
    everything = cache.read_all(folder)
    key = ["source_file", "source_row", "indicator"]
    pd.testing.assert_frame_equal(
        everything.sort_values(key).reset_index(drop=True),
        sample_outcomes.sort_values(key).reset_index(drop=True))
    one = cache.read_district(folder, "27661590000000")
    assert set(one["district_id"]) <= {"27661590000000", "00000000000000"}
    assert (one["org_level"] == "school").any() and (one["org_level"] == "state").any()
    assert len(cache.districts(folder)) == 37


def _parts_one_by_one(folder: Path) -> pd.DataFrame:
    """What `read_all` must equal: each part read by pandas, joined in folder order."""
    from workbook.data.model import TIDY_COLUMNS

    files = sorted(folder.glob("district=*/part.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files],
                     ignore_index=True).astype(TIDY_COLUMNS)


def test_read_all_joins_the_parts_as_pandas_would(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from workbook.data.model import TIDY_COLUMNS
    from workbook.run import regions

    for sources in (data.sample_sources(), regions.load("oregon-lbl").source_paths()):
        folder = cache.cached(sources, tmp_path)
        got = cache.read_all(folder)
        pd.testing.assert_frame_equal(got, _parts_one_by_one(folder), check_exact=True)
    # parts whose types disagree (a cache written otherwise) are still joined
    odd = tmp_path / "odd"
    for i, column in enumerate([pa.array([7]), pa.array(["x"])]):
        (odd / f"district={i}").mkdir(parents=True)
        pq.write_table(pa.table({c: column if c == "org_name" else pa.array([None], pa.string())
                                 for c in TIDY_COLUMNS}), odd / f"district={i}" / "part.parquet")
    assert cache.read_all(odd)["org_name"].tolist() == ["7", "x"]
    with pytest.raises(ValueError, match="No objects to concatenate"):
        cache.read_all(tmp_path / "nothing")


def test_changed_source_gets_a_new_cache(tmp_path, copy_file):
    src = copy_file(CA_2024)
    first = cache.fingerprint([src])
    text = src.read_text()
    assert "Salinas" in text  # the edit below really changes the file
    src.write_text(text.replace("Salinas", "Salinaz", 1))
    assert cache.fingerprint([src]) != first


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "workbook.cli", *map(str, args)],
                          capture_output=True, text=True)


def test_cli_check_clean_and_bad(tmp_path):
    ok = _cli("data", "check", CA_1718)
    assert ok.returncode == 0, ok.stderr
    bad = _damage(tmp_path, CA_1718 / "graddownload2018.txt", 7, "currdenom", "lots")
    run = _cli("data", "check", bad, tmp_path / "missing.txt")
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        f"{bad}:7:currdenom: text 'lots' in a numeric column; expected a number, an empty "
        "field or a suppression marker (*, -, --, N/A, n/a, <5, >95%)",
        f"{tmp_path / 'missing.txt'}::: no such file",
    ]
    assert "Traceback" not in run.stderr
