"""Loading real state files into one tidy outcome table, checked where it enters.

    >>> from workbook import data
    >>> problems = data.check(["ELA_2024.txt"])          # every problem, none raised
    >>> frame = data.load_outcomes(data.sample_sources())  # raises DataError on bad input

A new state's format is one reader function plus one entry in `FORMATS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.errors

from workbook.data import assistance, california, oregon, recognise
from workbook.data.model import (
    INDICATORS,
    PERCENT_INDICATORS,
    TIDY_COLUMNS,
    TIDY_SCHEMA,
    Problem,
    ProblemList,
    conform,
)
from workbook.data.parse import short
from workbook.data.readers import (
    Hint,
    RawTable,
    find_header,
    read_delimited,
    read_sheets,
    sheet_table,
)
from workbook.errors import WorkbookError

__all__ = [
    "DataError", "Dataset", "Hint", "Sources", "Problem", "TIDY_COLUMNS", "INDICATORS",
    "FORMATS",
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
    Format("or_assessment", "outcomes", oregon.is_assessment,
           oregon.read_assessment, ("Student Group", "Grade Level")),
    Format("or_cohort", "outcomes", oregon.is_cohort, oregon.read_cohort,
           ("Student Group Code", "Adjusted Cohort")),
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
    #: the indicators it could hold, when its content and name could not decide (else ())
    candidates: tuple[str, ...] = ()


class Sources(list[Path]):
    """Data files plus what their owner said they hold (`hints`, by path): a region's
    sources with its `indicator:` / `year:` keys. Reads like a list of paths."""

    def __init__(self, paths: Iterable[Path] = (), hints: Mapping[Path, Hint] | None = None):
        super().__init__(paths)
        self.hints: dict[Path, Hint] = dict(hints or {})


#: Per-file hints (`--indicator`, `--year`, a region source's `indicator:` / `year:`), by
#: the path as given: a folder's hint applies to every file in it.
Hints = Mapping[str | Path, Hint]


def _expand(paths: Iterable[str | Path], hints: Hints | None = None) -> list[tuple[Path, Hint]]:
    if hints is None:
        hints = getattr(paths, "hints", None)
    given = {Path(k): v for k, v in (hints or {}).items()}
    out: list[tuple[Path, Hint]] = []
    for p in map(Path, paths):
        hint = given.get(p, Hint())
        if p.is_dir():
            out += [(f, given.get(f, hint)) for f in sorted(p.rglob("*"))
                    if f.suffix.lower() in DATA_SUFFIXES]
        else:
            out.append((p, hint))
    return out


def read(path: str | Path, hint: Hint | None = None) -> list[Dataset]:
    """Read one file into datasets, collecting problems instead of raising. `hint` says
    what the file holds where its content cannot (it overrides the content)."""
    path = Path(path)
    if not path.is_file():
        return [Dataset(path, "", "", pd.DataFrame(),
                        [Problem(str(path), None, None, "no such file")])]
    if path.suffix.lower() == ".xlsx":
        return _read_workbook(path, hint)
    if path.suffix.lower() not in DATA_SUFFIXES:
        return [Dataset(path, "", "", pd.DataFrame(), [Problem(
            str(path), None, None,
            f"not a data file we read (expected {', '.join(sorted(DATA_SUFFIXES))})")])]
    try:
        raw = read_delimited(path)
    except OSError as err:
        return [Dataset(path, "", "", pd.DataFrame(), [Problem(
            str(path), None, None, f"cannot read the file: {err.strerror or err}")])]
    raw.hint = hint
    columns = list(raw.frame.columns)
    if columns:
        for fmt in FORMATS:
            if not fmt.header_hint and fmt.detect(columns):
                return [_table(path, fmt, raw)]
    problems = ProblemList(raw.problems)
    problems.append(Problem(str(path), raw.header_row if columns else None, None, (
        f"header matches no known format (CDE Dashboard download, CDE local indicators, "
        f"...); found columns {[c[:40] for c in columns[:10]]}") if columns else
        "the file is empty: no header, no rows"))
    return [Dataset(path, "", "", pd.DataFrame(), problems.listed(str(path)))]


def _table(path: Path, fmt: Format, raw: RawTable) -> Dataset:
    """Read one recognised table; a header with no rows under it is an error."""
    if raw.frame.empty:
        found = ProblemList(raw.problems)
        found.append(Problem(
            raw.label, raw.header_row, None,
            "header only, no rows: the file has the header of a known format but no data "
            "under it" + (" that could be read" if found else " (a cut-short download?)")))
        return Dataset(path, fmt.name, fmt.kind, pd.DataFrame(), found.listed(raw.label))
    frame, problems = fmt.reader(raw)
    ds = Dataset(path, fmt.name, fmt.kind, frame, problems,
                 tuple(frame.attrs.get("candidates", ())))
    return _finish(ds, raw.label)


def _read_workbook(path: Path, hint: Hint | None = None) -> list[Dataset]:
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
            raw.hint = hint
            if fmt.detect(list(raw.frame.columns)):
                found.append(_table(path, fmt, raw))
                break
    if not found:
        names = [n for n, _ in sheets]
        return [Dataset(path, "", "", pd.DataFrame(), [Problem(
            str(path), None, None, f"no sheet holds a known table; sheets: {names}")])]
    return found


def _finish(ds: Dataset, label: str) -> Dataset:
    """Schema checks and duplicate keys on a tidy outcome table; at most
    `PROBLEMS_PER_FILE` problems listed, the rest counted."""
    problems = ProblemList(ds.problems)
    if ds.kind == "outcomes" and not ds.frame.empty and not problems.full:
        _check_tidy(ds, problems)
    ds.problems = problems.listed(label)
    return ds


def _check_tidy(ds: Dataset, problems: ProblemList) -> None:
    frame = ds.frame
    schema = TIDY_SCHEMA
    if ds.candidates or frame["indicator"].isna().any():  # undecided: said once already
        schema = TIDY_SCHEMA.remove_columns(["indicator"])
    reported = {p.row for p in problems}  # a reader already explained these rows
    try:
        schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        for case in err.failure_cases.itertuples(index=False):
            if problems.full:
                problems.skip(1)
                continue
            idx = case.index
            column = case.column if isinstance(case.column, str) else None
            if pd.isna(idx):
                problems.append(Problem(str(ds.path), None, column,
                                        f"{case.check}: {short(str(case.failure_case))}"))
                continue
            row = frame.loc[int(idx)]
            if int(row["source_row"]) in reported:
                continue
            what = (f"value {short(str(case.failure_case))} fails {case.check}" if column
                    else str(case.check))
            problems.append(Problem(row["source_file"], int(row["source_row"]), column, what))
    pct = frame["indicator"].isin(PERCENT_INDICATORS).fillna(False) & ~frame[
        "status"].between(0, 100).fillna(True)
    bad = pct[pct].index
    problems.skip(len(bad) - problems.room)
    for idx in bad[:problems.room]:
        row = frame.loc[idx]
        problems.append(Problem(row["source_file"], int(row["source_row"]), "status",
                                f"{row['indicator']} is a percentage but the status is "
                                f"{row['status']}"))
    dup = frame.duplicated(KEY, keep="first")
    if dup.any():
        first = frame.drop_duplicates(KEY).set_index(KEY)["source_row"]
        problems.skip(int(dup.sum()) - problems.room)
        for idx in dup[dup].index[:problems.room]:
            row = frame.loc[idx]
            problems.append(Problem(
                row["source_file"], int(row["source_row"]), None,
                f"duplicate row: {_text(row['indicator'])} for {row['org_id']} group "
                f"{row['student_group']} grade {row['grade']} year {_text(row['year'])} "
                f"already on row {first.loc[tuple(row[KEY])]}"))


def _text(value: object) -> str:
    return "?" if value is None or value is pd.NA else str(value)


def _read_all(paths: Iterable[str | Path], hints: Hints | None) -> list[Dataset]:
    """Every dataset of the given files; undecided ELA/math pairs decided together."""
    datasets = [ds for path, hint in _expand(paths, hints) for ds in read(path, hint)]
    _pair(datasets)
    return datasets


_TWINS = ({"ELA", "MATH"}, {"ELA11", "MATH11"})  # one layout, two indicators


def _pair(datasets: list[Dataset]) -> None:
    """An undecided assessment file read with its twin of the same year (ELA with math):
    `recognise.pair_assessments` tells which is which, whether the twin is undecided too
    or was decided by its name or a hint. Decided files lose their 'cannot tell' line."""

    def years(ds: Dataset) -> tuple:
        return tuple(sorted(set(ds.frame["year"].dropna().tolist())))

    groups: dict[tuple, list[Dataset]] = {}
    for ds in datasets:
        if ds.kind != "outcomes" or ds.frame.empty:
            continue
        decided = set(ds.frame["indicator"].dropna().unique())
        twins = set(ds.candidates) if ds.candidates else decided
        if twins in _TWINS or (len(decided) == 1 and any(decided < t for t in _TWINS)):
            pair = next(t for t in _TWINS if twins <= t)
            groups.setdefault((tuple(sorted(pair)), years(ds)), []).append(ds)
    for (pair, _), found in groups.items():
        undecided = [ds for ds in found if ds.candidates]
        if not undecided or len(found) != 2:
            continue
        order = recognise.pair_assessments([ds.frame for ds in found])
        if order is None:
            continue
        suffix = "11" if "ELA11" in pair else ""
        names = [name + suffix for name in order]
        if any(set(ds.frame["indicator"].dropna()) != {name}
               for ds, name in zip(found, names, strict=True) if not ds.candidates):
            continue  # the twin's own name or hint disagrees with the values: leave it
        for ds, name in zip(found, names, strict=True):
            if ds.candidates:
                ds.frame["indicator"] = pd.Series(name, index=ds.frame.index, dtype="string")
                ds.problems = [p for p in ds.problems
                               if not p.message.startswith("cannot tell which indicator")]
                ds.candidates = ()


def check(paths: Iterable[str | Path], hints: Hints | None = None) -> list[Problem]:
    """Every problem in the given files (directories are searched for data files); `hints`
    (by path as given) say what files hold where their content cannot."""
    return [p for ds in _read_all(paths, hints) for p in ds.problems]


def load_outcomes(paths: Iterable[str | Path], hints: Hints | None = None) -> pd.DataFrame:
    """The tidy outcome table of all given files; raises DataError listing every problem."""
    frames, problems = [], []
    for ds in _read_all(paths, hints):
        problems += ds.problems
        if ds.kind == "outcomes":
            frames.append(ds.frame)
    if problems:
        raise DataError(problems)
    if not frames:
        return conform(pd.DataFrame())
    # ODE's assessment and attendance rows take their district's county from its cohort file
    return oregon.with_county(pd.concat(frames, ignore_index=True))


def load_lists(paths: Iterable[str | Path]) -> assistance.AssistanceLists:
    """The state's assistance lists among these files, decoded in full (other files are
    skipped): CDE's LCFF eligibility files (every year's status, the methods, the EC 52072
    flag, each student group's letter decoded by the file's own Value sheet) and its ESSA
    assistance status file (school designations, Title I, charter). Raises DataError
    listing every problem."""
    out = assistance.AssistanceLists()
    problems: list[Problem] = []
    for path, _ in _expand(paths):
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
