"""Reading raw state files as text tables, keeping every value as written.

Everything is read as text: ids keep their leading zeros and suppression markers survive
until a loader decides what they mean. Each raw table remembers the file's own row
number of every record so problems can point at it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbook.data.model import Problem, ProblemList

# Latin-1 text decoded as if it were UTF-8 and saved again: "NiÃ±os" for "Niños".
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|Â[\u00a0-\u00bf]")


@dataclass(frozen=True)
class Hint:
    """What a user says a file holds, where its content cannot say: `--indicator GRAD
    --year 2018`, or `indicator:` / `year:` on a region's source. It overrides the content."""

    indicator: str | None = None
    year: int | None = None

    def __bool__(self) -> bool:
        return self.indicator is not None or self.year is not None


@dataclass
class RawTable:
    """A table of text cells plus where each record came from."""

    path: Path
    frame: pd.DataFrame  # all str, missing cells as ""
    rows: list[int]  # the file's row number of each record (header row included in numbering)
    header_row: int
    sheet: str | None = None
    encoding: str = "utf-8"
    problems: list[Problem] = field(default_factory=list)
    hint: Hint | None = None  # what the user told us the file holds (--indicator, --year)

    @property
    def label(self) -> str:
        """How problems name this table: the file, plus the sheet for workbooks."""
        return f"{self.path}[{self.sheet}]" if self.sheet else str(self.path)

    def problem(self, index: int | None, column: str | None, message: str) -> Problem:
        row = None if index is None else self.rows[index]
        return Problem(self.label, row, column, message)


#: No cell of a state file is longer; a longer one is damage, reported and not kept.
MAX_FIELD = 4096
_CHUNK = 50_000  # records turned into a frame at a time (text cells cost ~60 bytes each)


def decode(path: Path) -> tuple[str, str, list[Problem]]:
    """Text of a file: UTF-8 (BOM tolerated) when it is, else Windows-1252 (CDE's Latin-1)."""
    data = path.read_bytes()
    problems: list[Problem] = []
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = data.decode("cp1252", errors="replace"), "cp1252"
        if "\ufffd" in text:
            text, encoding = data.decode("latin-1"), "latin-1"
    m = _MOJIBAKE.search(text)
    if m:
        problems.append(
            Problem(
                str(path),
                text.count("\n", 0, m.start()) + 1,
                None,
                "text looks double-encoded (Latin-1 read as UTF-8, e.g. 'Ã±' for 'ñ'); "
                "re-export the file from the original",
            )
        )
    return text, encoding, problems


def read_delimited(path: Path) -> RawTable:
    """A tab- or comma-delimited file (CDE downloads are tab-delimited, extracts CSV).

    A record whose field count differs from the header's is reported and left out (its
    cells cannot be matched to columns); so is one with a field longer than `MAX_FIELD`.
    """
    text, encoding, found = decode(path)
    problems = ProblemList(found)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    del text
    header: list[str] | None = None
    frames: list[pd.DataFrame] = []
    body: list[list[str]] = []
    rows: list[int] = []
    lineno = 0
    while True:
        start = reader.line_num + 1
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error:  # a field beyond the csv module's own limit (131,072 characters)
            problems.append(Problem(str(path), start, None,
                                    f"a field longer than {MAX_FIELD} characters; no state "
                                    "file holds one (is this the right file?)"))
            continue
        lineno = start
        if not "".join(rec).strip():
            continue
        if header is None:
            header = [h.strip() for h in rec]
            header_row = lineno
            continue
        if len(rec) != len(header):
            if problems.room:
                problems.append(Problem(str(path), lineno, None,
                                        f"has {len(rec)} fields but the header has "
                                        f"{len(header)}; the row is not read"))
            else:
                problems.skip(1)
            continue
        if max(map(len, rec)) > MAX_FIELD:
            problems.append(Problem(str(path), lineno, None,
                                    f"a field of {max(map(len, rec))} characters (longer "
                                    f"than {MAX_FIELD}); no state file holds one"))
            continue
        body.append(rec)
        rows.append(lineno)
        if len(body) >= _CHUNK:
            frames.append(pd.DataFrame(body, dtype=str))
            body = []
    if header is None:
        return RawTable(path, pd.DataFrame(), [], 1, encoding=encoding, problems=problems)
    if body or not frames:
        frames.append(pd.DataFrame(body, columns=range(len(header)), dtype=str))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame.columns = _unique(header)
    return RawTable(path, frame, rows, header_row, encoding=encoding, problems=problems)


def read_sheets(path: Path) -> list[tuple[str, list[tuple]]]:
    """Every sheet of a workbook as (name, rows of cell values).

    Streams in read-only mode: some state sheets claim a million rows in their
    dimensions, and trailing empty rows are dropped.
    """
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        out = []
        for sheet in book.worksheets:
            rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
            while rows and all(v is None or str(v).strip() == "" for v in rows[-1]):
                rows.pop()
            out.append((sheet.title, rows))
        return out
    finally:
        book.close()


def find_header(rows: list[tuple], required: Iterable[str], scan: int = 30) -> int | None:
    """Index of the first row (within `scan`) that holds every required column name.

    CDE workbooks put title rows above the header, so the header is found by content.
    """
    want = {r.lower() for r in required}
    for i, row in enumerate(rows[:scan]):
        names = {str(v).strip().lower() for v in row if v is not None}
        if want <= names:
            return i
    return None


def sheet_table(path: Path, sheet: str, rows: list[tuple], header_index: int) -> RawTable:
    """A RawTable from sheet rows whose header sits at `header_index` (0-based)."""
    header = [str(v).strip() if v is not None else f"column{j + 1}" for j, v in
              enumerate(rows[header_index])]
    body, numbers = [], []
    for i, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        cells = ["" if v is None else _cell_text(v) for v in row]
        body.append((cells + [""] * len(header))[: len(header)])
        numbers.append(i)
    frame = pd.DataFrame(body, columns=_unique(header), dtype=str)
    return RawTable(path, frame, numbers, header_index + 1, sheet=sheet.strip() and sheet)


def _cell_text(value: object) -> str:
    """A workbook cell as the text a person sees (no '12.0' for an integer 12)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            out.append(f"{name}.{seen[name]}")
        else:
            seen[name] = 0
            out.append(name)
    return out
