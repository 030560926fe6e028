"""State files recognised by what they hold, not by their names (issue 12).

Renamed copies of every bundled state file load to the same tidy table; what the content
cannot tell is asked for in one line (`--indicator`, `--year`, or the region source's
`indicator:` / `year:`); header-only files, empty region filters and hostile inputs are
one clear problem each, in bounded time and memory.
"""

from __future__ import annotations

import random
import re
import shutil
import string
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import CA_1718, CA_2024, OR_DIR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from workbook import data
from workbook.cli import app
from workbook.data import cache, recognise
from workbook.errors import WorkbookError
from workbook.run import regions

ELA11 = CA_1718 / "ela11download2017f.txt"
MATH11 = CA_1718 / "math11download2017f.txt"
GRAD18 = CA_1718 / "graddownload2018.txt"
CA_FILES = sorted(p for p in CA_1718.iterdir() if p.suffix in {".txt", ".csv"}) + [CA_2024]
#: Files whose content holds no year (CDE's local indicators): the name, or --year, says it.
NO_YEAR = {"LocalIndPerf2018.txt": 2018}
#: Files whose layout fits two indicators alike (CDE's grade-11 ELA and math downloads).
AMBIGUOUS = {ELA11.name: "ELA11", MATH11.name: "MATH11"}


def cli(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def tidy(datasets: list[data.Dataset]) -> list[pd.DataFrame]:
    """Each dataset's frame without the columns that name the file."""
    return [ds.frame.drop(columns=["source_file"], errors="ignore").reset_index(drop=True)
            for ds in datasets]


def same_tables(renamed: list[data.Dataset], original: list[data.Dataset]) -> None:
    assert [ds.format for ds in renamed] == [ds.format for ds in original]
    for got, want in zip(tidy(renamed), tidy(original), strict=True):
        pd.testing.assert_frame_equal(got, want)


def not_cde_style(name: str) -> bool:
    """Names that give no hint: not CDE's pattern and no year (a year in a name is the
    only year a local indicator file has)."""
    return (recognise.from_name(name) is None and not re.search(r"20\d\d", name)
            and name.strip() not in {"", ".", ".."})


# a random file name (never a CDE-style one: that would be a hint) with any suffix case
stems = st.text(string.ascii_letters + string.digits + " ()-_", min_size=1,
                max_size=24).filter(not_cde_style)


def suffix_case(suffix: str, draw_bits: list[bool]) -> str:
    return "".join(c.upper() if up else c.lower() for c, up in zip(suffix, draw_bits,
                                                                     strict=False))


@pytest.fixture(scope="module")
def originals() -> dict[str, list[data.Dataset]]:
    return {p.name: data.read(p) for p in CA_FILES}


# ---------------------------------------------------------------- renamed copies


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stem=stems, case=st.lists(st.booleans(), min_size=5, max_size=5))
def test_renamed_california_files_load_to_the_same_table(originals, tmp_path, stem, case):
    for src in CA_FILES:
        dst = tmp_path / f"{stem}{suffix_case(src.suffix, case)}"
        shutil.copyfile(src, dst)
        if src.name in AMBIGUOUS:  # alone, it cannot be told from its twin: one line says so
            [ds] = data.read(dst)
            undecided = [p for p in ds.problems if "cannot tell which indicator" in p.message]
            assert len(ds.problems) == 1 and undecided
            assert "--indicator ELA11|MATH11" in undecided[0].message
            assert ds.frame["indicator"].isna().all() and len(ds.frame) == len(
                originals[src.name][0].frame)  # ...but every row was read and checked
            renamed = data.read(dst, data.Hint(indicator=AMBIGUOUS[src.name]))
        elif src.name in NO_YEAR:
            [ds] = data.read(dst)
            assert [p.message for p in ds.problems if "--year" in p.message]
            renamed = data.read(dst, data.Hint(year=NO_YEAR[src.name]))
        else:
            renamed = data.read(dst)
        assert all(ds.problems == [] for ds in renamed), [ds.problems for ds in renamed]
        same_tables(renamed, originals[src.name])
        dst.unlink()


@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(stems, min_size=2, max_size=2, unique_by=str.lower))
def test_renamed_ela_and_math_read_together_are_told_apart(originals, tmp_path, names):
    """Grade-11 ELA and math share one layout: read together, the lower distance from
    standard for the same schools and groups is math's."""
    copies = []
    for src, stem in zip([MATH11, ELA11], names, strict=True):
        copies.append(tmp_path / f"{stem}.TXT")
        shutil.copyfile(src, copies[-1])
    assert data.check(copies) == []
    frame = data.load_outcomes(copies)
    want = data.load_outcomes([MATH11, ELA11])
    pd.testing.assert_frame_equal(frame.drop(columns="source_file"),
                                  want.drop(columns="source_file"))
    assert set(frame["indicator"]) == {"ELA11", "MATH11"}


@pytest.mark.parametrize("told", [ELA11, MATH11])
def test_an_undecided_file_is_told_by_its_decided_twin(tmp_path, originals, told):
    """One twin keeps CDE's name (or gets a hint), the other was renamed: the values
    decide the renamed one; a twin whose name contradicts the values decides nothing."""
    other = MATH11 if told == ELA11 else ELA11
    renamed = tmp_path / "copy.txt"
    shutil.copyfile(other, renamed)
    datasets = data._read_all([told, renamed], None)
    assert [ds.problems for ds in datasets] == [[], []]
    same_tables(datasets[1:], originals[other.name])
    lying = tmp_path / f"{other.name[:-4]}.txt"  # the twin's content under the other's name
    shutil.copyfile(told, lying)
    datasets = data._read_all([lying, renamed], None)
    assert ["cannot tell" in p.message for p in datasets[1].problems] == [True]


def test_renamed_oregon_workbooks_load_to_the_same_table(tmp_path):
    rnd = random.Random(12)
    for src in sorted(OR_DIR.glob("*.xlsx")):
        stem = "".join(rnd.choices(string.ascii_letters + " -", k=12)).strip() or "x"
        dst = tmp_path / f"{stem}.XLSX"
        shutil.copyfile(src, dst)
        renamed, original = data.read(dst), data.read(src)
        assert [ds.problems for ds in renamed] == [[] for _ in original]
        same_tables(renamed, original)


def _download(tmp_path: Path, indicator: str, name: str) -> Path:
    """The 2024 extract's rows of one indicator, written as CDE's download file of that
    indicator: only the columns the indicator fills, tab-delimited, no `indicator`."""
    f = pd.read_csv(CA_2024, dtype=str, keep_default_na=False)
    rows = f[f["indicator"] == indicator]
    keep = [c for c in rows.columns if (rows[c] != "").any()
            and c not in {"file", "indicator", "studentgroup.long"}]
    out = rows[keep].copy()
    out["reportingyear"] = "2024"
    path = tmp_path / name
    out.to_csv(path, sep="\t", index=False)
    return path


def test_every_2024_indicator_as_a_renamed_download_is_recognised(tmp_path):
    """A general case: other years' layouts (2024: fiveyrnumer, type, currprogressed,
    hscutpoints ...) are recognised by content too, and land on the extract's rows."""
    extract = data.load_outcomes([CA_2024])
    compare = ["org_id", "student_group", "year", "denominator", "status", "color"]
    written = {ind: _download(tmp_path, ind, f"file {i}.txt") for i, ind in enumerate(
        ["GRAD", "CHRO", "SUSP", "CCI", "ELPI", "ELA", "MATH", "SCIENCE"])}
    for indicator in ["GRAD", "CHRO", "SUSP", "CCI", "ELPI"]:
        [ds] = data.read(written[indicator])
        assert ds.problems == [] and set(ds.frame["indicator"]) == {indicator}
    together = data._read_all([written["ELA"], written["MATH"], written["SCIENCE"]], None)
    assert [ds.candidates for ds in together[:2]] == [(), ()]
    assert [set(ds.frame["indicator"]) for ds in together[:2]] == [{"ELA"}, {"MATH"}]
    [science] = data.read(written["SCIENCE"])  # no layout of its own: the user says it
    assert "--indicator ELA|MATH|SCIENCE" in science.problems[0].message
    hints = {written["SCIENCE"]: data.Hint("SCIENCE")}
    frame = data.load_outcomes(list(written.values()), hints)
    for indicator in written:
        got = frame[frame["indicator"] == indicator][compare].reset_index(drop=True)
        want = extract[extract["indicator"] == indicator][compare].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want)


def test_content_wins_over_a_contradicting_name(tmp_path):
    lying = tmp_path / "ccidownload2018.txt"  # graduation rates, named as CCI
    shutil.copyfile(GRAD18, lying)
    [ds] = data.read(lying)
    assert ds.problems == [] and set(ds.frame["indicator"]) == {"GRAD"}


def test_a_cde_style_name_settles_what_content_leaves_open(tmp_path, originals):
    named = tmp_path / "MATH11download2017f (1).txt"
    shutil.copyfile(MATH11, named)
    same_tables(data.read(named), originals[MATH11.name])


def test_a_name_outside_what_the_content_fits_is_not_trusted(tmp_path):
    named = tmp_path / "graddownload2017f.txt"  # an assessment file named as graduation
    shutil.copyfile(ELA11, named)
    [ds] = data.read(named)
    [p] = ds.problems
    assert "ELA11 or MATH11" in p.message and "its name says GRAD" in p.message


# ---------------------------------------------------------------- damaged renamed copies


def _damage(src: Path, dst: Path, lineno: int, column: str, value: str) -> None:
    lines = src.read_text(encoding="latin-1").splitlines()
    header = lines[0].split("\t")
    cells = lines[lineno - 1].split("\t")
    cells[header.index(column)] = value
    lines[lineno - 1] = "\t".join(cells)
    dst.write_text("\n".join(lines) + "\n", encoding="latin-1")


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stem=stems, src=st.sampled_from([GRAD18, ELA11, CA_1718 / "ccidownload2017f.txt"]),
       line=st.integers(2, 100), column=st.sampled_from(["currdenom", "cds", "rtype"]))
def test_a_renamed_copy_with_a_damaged_row_reports_that_row(tmp_path, stem, src, line,
                                                             column):
    dst = tmp_path / f"{stem}.txt"
    _damage(src, dst, line, column, "lots")
    found = {(p.file, p.row, p.column) for p in data.check([dst])}
    assert (str(dst), line, column) in found  # also where the indicator stays undecided
    dst.unlink()


def test_duplicates_are_found_in_a_file_of_undecided_indicator(tmp_path):
    lines = ELA11.read_text(encoding="latin-1").splitlines()
    dst = tmp_path / "copy.txt"
    dst.write_text("\n".join(lines + [lines[5]]) + "\n", encoding="latin-1")
    problems = data.check([dst])
    assert [(p.row, "duplicate row" in p.message) for p in problems if p.row] == [
        (len(lines) + 1, True)]
    assert "already on row 6" in next(p.message for p in problems if p.row)


# ---------------------------------------------------------------- overrides


def test_cli_indicator_and_year_override(tmp_path):
    dst = tmp_path / "Riverside ela 2017.txt"
    shutil.copyfile(ELA11, dst)
    result = cli("data", "check", dst)
    assert result.exit_code == 1
    [line] = [x for x in result.stdout.splitlines() if x]
    assert line.startswith(f"{dst}::: cannot tell which indicator") and "--indicator" in line
    ok = cli("data", "check", dst, "--indicator", "ela11", "--year", "2017")
    assert ok.exit_code == 0, ok.output
    frame = data.load_outcomes([dst], {dst: data.Hint("ELA11", 2016)})
    assert set(frame["indicator"]) == {"ELA11"} and set(frame["year"]) == {2016}
    levels = cli("data", "levels", dst, "-o", tmp_path / "levels.csv")
    assert levels.exit_code == 1 and "cannot tell which indicator" in levels.output
    assert not (tmp_path / "levels.csv").exists()
    bad = cli("data", "check", dst, "--indicator", "NOPE")
    assert bad.exit_code == 1 and "not an indicator we know" in bad.output
    assert "Traceback" not in bad.output


def _manifest(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(f"name: r\ntitle: R\nschool_year: '2017-18'\nyear: 2017\n"
                    f"sources:\n  - {source}\n", encoding="utf-8")
    return path


def test_region_source_override_reaches_loader_and_cache_key(tmp_path):
    dst = tmp_path / "scores.txt"
    shutil.copyfile(ELA11, dst)
    plain = regions.load(str(_manifest(tmp_path, "{path: scores.txt}"))).source_paths()
    with pytest.raises(data.DataError, match="indicator: ELA11"):
        data.load_outcomes(plain)
    told = regions.load(str(_manifest(tmp_path, "{path: scores.txt, indicator: ela11, "
                                                "year: 2017}"))).source_paths()
    frame = data.load_outcomes(told)
    want = data.load_outcomes([ELA11])
    pd.testing.assert_frame_equal(frame.drop(columns="source_file"),
                                  want.drop(columns="source_file"))
    assert cache.fingerprint(told) != cache.fingerprint(plain)
    built = cache.read_all(cache.cached(told, root=tmp_path / "cache"))
    assert set(built["indicator"]) == {"ELA11"}


def test_region_source_with_an_unknown_indicator_is_refused(tmp_path):
    with pytest.raises(WorkbookError, match=r"sources\.0\.indicator"):
        regions.load(str(_manifest(tmp_path, "{path: x.txt, indicator: GRADS}")))


def test_a_region_filter_selecting_nothing_is_an_error(sample_outcomes):
    region = regions.load("sample").model_copy(
        update={"districts": regions.DistrictFilter(county="Nowhere")})
    with pytest.raises(WorkbookError, match="selects no district") as err:
        regions.check_selection(region, [], sample_outcomes)
    assert "Monterey" in str(err.value)  # says what the data holds
    regions.check_selection(region, [("27661420000000", "x")], sample_outcomes)
    other_year = region.model_copy(update={"year": 1999})
    with pytest.raises(WorkbookError, match="no district rows for year 1999"):
        regions.check_selection(other_year, [], sample_outcomes)


def test_workbook_run_of_a_region_selecting_nothing_exits_1(tmp_path):
    """The batch calls the check: `workbook run` says so in one line, runs nothing."""
    manifest = tmp_path / "nowhere.yaml"
    text = regions.manifest_path("sample").read_text(encoding="utf-8")
    text = text.replace("name: sample", "name: nowhere").replace(
        "county: Monterey", "county: Nowhere")
    manifest.write_text(text, encoding="utf-8")
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "workbook.cli", "run", str(manifest),
                             "--outputs", str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 2, result.stderr  # a manifest error (data problems are 1)
    assert "selects no district" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.html"))


# ---------------------------------------------------------------- hostile input


def _one_line(tmp_path: Path, name: str, text: str, expect: tuple[int, str | None]) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = cli("data", "check", path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [x for x in result.stdout.splitlines() if x]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}:{expect[0]}:{expect[1] or ''}:"), lines[0]
    return lines[0]


def _grad_rows(n: int = 5) -> tuple[str, list[str]]:
    lines = GRAD18.read_text(encoding="latin-1").splitlines()
    return lines[0], lines[1:1 + n]


def _with(header: str, row: str, column: str, value: str) -> str:
    cells = row.split("\t")
    cells[header.split("\t").index(column)] = value
    return "\t".join(cells)


@pytest.mark.parametrize("value", ["1e999", "99999999999999999999", "-1e999", "nan"])
def test_reporting_year_out_of_any_range(tmp_path, value):
    header, rows = _grad_rows()
    rows[2] = _with(header, rows[2], "reportingyear", value)
    line = _one_line(tmp_path, "g.txt", "\n".join([header, *rows]) + "\n",
                     (4, "reportingyear"))
    assert "is not a year" in line


@pytest.mark.parametrize("value", ["1e999", "99999999999999999999", "inf"])
def test_numbers_must_be_finite_and_in_range(tmp_path, value):
    header, rows = _grad_rows()
    rows[1] = _with(header, rows[1], "currdenom", value)
    _one_line(tmp_path, "g.txt", "\n".join([header, *rows]) + "\n", (3, "currdenom"))


def test_a_200000_character_field(tmp_path):
    header, rows = _grad_rows()
    rows[3] = _with(header, rows[3], "schoolname", "x" * 200_000)
    line = _one_line(tmp_path, "g.txt", "\n".join([header, *rows]) + "\n", (5, None))
    assert len(line) < 300 and "characters" in line


def test_header_only_file_is_an_error(tmp_path):
    header, _ = _grad_rows()
    line = _one_line(tmp_path, "graddownload2018.txt", header + "\n", (1, None))
    assert "header only, no rows" in line
    with pytest.raises(data.DataError, match="header only"):
        data.load_outcomes([tmp_path / "graddownload2018.txt"])


def test_junk_rows_under_a_real_header_are_capped(tmp_path):
    header, _ = _grad_rows()
    rnd = random.Random(5)
    width = header.count("\t") + 1
    junk = ["\t".join("".join(rnd.choices(string.ascii_letters, k=4)) for _ in range(width))
            for _ in range(30_000)]
    misshapen = ["".join(rnd.choices(string.printable[:90], k=20)) for _ in range(30_000)]
    for name, body in [("a.txt", junk), ("b.txt", misshapen)]:
        path = tmp_path / name
        path.write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
        start = time.perf_counter()
        result = cli("data", "check", path)
        took = time.perf_counter() - start
        lines = [x for x in result.stdout.splitlines() if x]
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert len(lines) == data.model.PROBLEMS_PER_FILE + 1
        assert "more" in lines[-1] and lines[-1].startswith(f"{path}:::")
        assert took < 30, took
