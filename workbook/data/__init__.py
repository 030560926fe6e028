"""Loading real state files into one tidy outcome table, checked where it enters.

    >>> from workbook import data
    >>> problems = data.check(["ELA_2024.txt"])          # every problem, none raised
    >>> frame = data.load_outcomes(data.sample_sources())  # raises DataError on bad input

A new state's format is one reader function plus one entry in `FORMATS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.errors

from workbook.data import assistance, california, oregon
from workbook.data.model import (
    INDICATORS,
    PERCENT_INDICATORS,
    TIDY_COLUMNS,
    TIDY_SCHEMA,
    Problem,
    conform,
)
from workbook.data.readers import RawTable, find_header, read_delimited, read_sheets, sheet_table
from workbook.errors import WorkbookError

__all__ = [
    "DataError", "Dataset", "Problem", "TIDY_COLUMNS", "INDICATORS", "FORMATS",
    "read", "check", "load_outcomes", "load_lists", "sample_sources", "SAMPLE_DIR", "KEY",
]

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "samples" / "data"
DATA_SUFFIXES = {".txt", ".csv", ".tsv", ".xlsx"}
#: One outcome row per these columns.
KEY = ["state", "org_id", "indicator", "student_group", "grade", "year"]


class DataError(WorkbookError):
    """Input files failed their checks; `problems` lists every one found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = "\n".join(str(p) for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) in the input data:\n{head}{more}")


@dataclass(frozen=True)
class Format:
    """A file layout we can read: how to recognise its header and how to read it."""

    name: str
    kind: str  # "outcomes" (the tidy table) or "assistance"
    detect: Callable[[list[str]], bool]
    reader: Callable[[RawTable], tuple[pd.DataFrame, list[Problem]]]
    header_hint: tuple[str, ...] = ()  # for workbooks: columns that locate the header row


FORMATS: list[Format] = [
    Format("ca_dashboard", "outcomes", california.is_dashboard, california.read_dashboard),
    Format("ca_local_indicators", "outcomes", california.is_local_indicators,
           california.read_local_indicators),
    Format("ca_school_eligibility", "assistance", assistance.is_school_eligibility,
           assistance.read_school_eligibility),
    Format("or_assessment", "outcomes", lambda c: set(oregon.ASSESSMENT_COLUMNS[:4]) <= set(c),
           oregon.read_assessment, ("Student Group", "Grade Level")),
    Format("or_attendance", "outcomes", lambda c: "Students Included" in c,
           oregon.read_attendance, ("Student Group", "Students Included")),
    Format("ca_da_list", "assistance", assistance.is_da_list, assistance.read_da_list,
           ("CDS", "LEAname")),
    Format("ca_essa_list", "assistance", assistance.is_essa_list, assistance.read_essa_list,
           ("cds", "schoolname")),
    Format("ca_lcap_metrics", "reference", lambda c: {"priority_area", "metrics"} <= set(c),
           lambda raw: (raw.frame, list(raw.problems))),
]


@dataclass
class Dataset:
    """One table read from a file (a workbook may hold several)."""

    path: Path
    format: str
    kind: str
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in DATA_SUFFIXES)
        else:
            out.append(p)
    return out


def read(path: str | Path) -> list[Dataset]:
    """Read one file into datasets, collecting problems instead of raising."""
    path = Path(path)
    if not path.is_file():
        return [Dataset(path, "", "", pd.DataFrame(),
                        [Problem(str(path), None, None, "no such file")])]
    if path.suffix.lower() == ".xlsx":
        return _read_workbook(path)
    if path.suffix.lower() not in DATA_SUFFIXES:
        return [Dataset(path, "", "", pd.DataFrame(), [Problem(
            str(path), None, None,
            f"not a data file we read (expected {', '.join(sorted(DATA_SUFFIXES))})")])]
    raw = read_delimited(path)
    columns = list(raw.frame.columns)
    for fmt in FORMATS:
        if not fmt.header_hint and fmt.detect(columns):
            frame, problems = fmt.reader(raw)
            return [_finish(Dataset(path, fmt.name, fmt.kind, frame, problems))]
    return [Dataset(path, "", "", pd.DataFrame(), raw.problems + [Problem(
        str(path), 1, None,
        f"header matches no known format (CDE Dashboard download, CDE local indicators, "
        f"...); found columns {columns[:10]}")])]


def _read_workbook(path: Path) -> list[Dataset]:
    try:
        sheets = read_sheets(path)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        return [Dataset(path, "", "", pd.DataFrame(),
                        [Problem(str(path), None, None, f"cannot open workbook: {exc}")])]
    found = []
    for name, rows in sheets:
        for fmt in FORMATS:
            if not fmt.header_hint:
                continue
            at = find_header(rows, fmt.header_hint)
            if at is None:
                continue
            raw = sheet_table(path, name, rows, at)
            if fmt.detect(list(raw.frame.columns)):
                frame, problems = fmt.reader(raw)
                found.append(_finish(Dataset(path, fmt.name, fmt.kind, frame, problems)))
                break
    if not found:
        names = [n for n, _ in sheets]
        return [Dataset(path, "", "", pd.DataFrame(), [Problem(
            str(path), None, None, f"no sheet holds a known table; sheets: {names}")])]
    return found


def _finish(ds: Dataset) -> Dataset:
    """Schema checks and duplicate keys on a tidy outcome table."""
    if ds.kind != "outcomes" or ds.frame.empty:
        return ds
    frame = ds.frame
    try:
        TIDY_SCHEMA.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases
        reported = {p.row for p in ds.problems}  # a reader already explained these rows
        for _, case in cases.iterrows():
            idx = case["index"]
            if pd.isna(idx):
                ds.problems.append(Problem(str(ds.path), None, case["column"],
                                           f"{case['check']}: {case['failure_case']}"))
                continue
            row = frame.loc[int(idx)]
            if int(row["source_row"]) in reported:
                continue
            col = case["column"] if isinstance(case["column"], str) else None
            what = f"value {case['failure_case']!r} fails {case['check']}" if col else str(
                case["check"])
            ds.problems.append(Problem(row["source_file"], int(row["source_row"]), col, what))
    pct = frame["indicator"].isin(PERCENT_INDICATORS) & ~frame["status"].between(0, 100)
    for idx in pct[pct & frame["status"].notna()].index:
        row = frame.loc[idx]
        ds.problems.append(Problem(row["source_file"], int(row["source_row"]), "status",
                                   f"{row['indicator']} is a percentage but the status is "
                                   f"{row['status']}"))
    dup = frame.duplicated(KEY, keep="first")
    if dup.any():
        first = frame.drop_duplicates(KEY).set_index(KEY)["source_row"]
        for idx in dup[dup].index:
            row = frame.loc[idx]
            ds.problems.append(Problem(
                row["source_file"], int(row["source_row"]), None,
                f"duplicate row: {row['indicator']} for {row['org_id']} group "
                f"{row['student_group']} grade {row['grade']} year {row['year']} already on "
                f"row {first.loc[tuple(row[KEY])]}"))
    ds.problems.sort(key=lambda p: (p.file, p.row or 0))
    return ds


def check(paths: Iterable[str | Path]) -> list[Problem]:
    """Every problem in the given files (directories are searched for data files)."""
    problems: list[Problem] = []
    for path in _expand(paths):
        for ds in read(path):
            problems += ds.problems
    return problems


def load_outcomes(paths: Iterable[str | Path]) -> pd.DataFrame:
    """The tidy outcome table of all given files; raises DataError listing every problem."""
    frames, problems = [], []
    for path in _expand(paths):
        for ds in read(path):
            problems += ds.problems
            if ds.kind == "outcomes":
                frames.append(ds.frame)
    if problems:
        raise DataError(problems)
    if not frames:
        return conform(pd.DataFrame())
    return pd.concat(frames, ignore_index=True)


def load_lists(paths: Iterable[str | Path]) -> assistance.AssistanceLists:
    """The state's assistance lists among these files, decoded in full (other files are
    skipped): CDE's LCFF eligibility files (every year's status, the methods, the EC 52072
    flag, each student group's letter decoded by the file's own Value sheet) and its ESSA
    assistance status file (school designations, Title I, charter). Raises DataError
    listing every problem."""
    out = assistance.AssistanceLists()
    problems: list[Problem] = []
    for path in _expand(paths):
        if path.suffix.lower() != ".xlsx":
            continue
        try:
            sheets = read_sheets(path)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            problems.append(Problem(str(path), None, None, f"cannot open workbook: {exc}"))
            continue
        value = next((rows for name, rows in sheets if name.strip().lower() == "value"), None)
        for name, rows in sheets:
            at = find_header(rows, ("CDS", "LEAname"))
            if at is not None:
                raw = sheet_table(path, name, rows, at)
                if assistance.is_da_list(list(raw.frame.columns)):
                    lists, found = assistance.read_eligibility(raw, value, f"{path}[Value]")
                    out.extend(lists)
                    problems += found
                    continue
            at = find_header(rows, ("cds", "schoolname"))
            if at is not None:
                raw = sheet_table(path, name, rows, at)
                if assistance.is_essa_list(list(raw.frame.columns)):
                    essa, found = assistance.read_essa_schools(raw)
                    out.extend(assistance.AssistanceLists(essa=essa))
                    problems += found
    if problems:
        raise DataError(problems)
    return out


def sample_sources() -> list[Path]:
    """The bundled sample region's outcome files: Monterey County (and Santa Cruz 2017-18)."""
    return sorted((SAMPLE_DIR / "ca_dashboard_2024_monterey").glob("dashboard_*.csv")) + sorted(
        (SAMPLE_DIR / "ca_dashboard_2017_2018_monterey_santacruz").glob("*download*.txt"))
