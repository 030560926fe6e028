"""The one tidy outcome table every loader produces, and the problem record for bad input.

One row per organisation x indicator x student group x grade x year. Ids are text
(leading zeros matter). Levels and colors are the ones the state published (0 = the state
gave none); `workbook.dashboard` recomputes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

#: column -> pandas dtype, in display order.
TIDY_COLUMNS: dict[str, str] = {
    "state": "string",  # two-letter state code: CA, OR
    "org_level": "string",  # state / district / school
    "org_id": "string",  # CA 14-digit CDS code; OR institution id
    "org_name": "string",
    "district_id": "string",  # the district the row belongs to (itself for a district)
    "district_name": "string",
    "county": "string",  # county or region; empty where the file has none
    "indicator": "string",  # ELA, MATH, CHRO, SUSP, GRAD, CCI, ELPI, ... (see INDICATORS)
    "student_group": "string",  # normalised code, see workbook.data.groups
    "student_group_name": "string",
    "grade": "string",  # "all" unless the file reports by grade
    "year": "Int64",  # spring of the school year: 2024 = 2023-24
    "numerator": "Float64",
    "denominator": "Float64",  # number of students the status is computed over
    "status": "Float64",
    "prior_denominator": "Float64",
    "prior_status": "Float64",
    "change": "Float64",
    "status_level": "Int64",  # as published: 1 (lowest) .. 5, 0 = none given
    "change_level": "Int64",
    "color": "Int64",  # 1 Red, 2 Orange, 3 Yellow, 4 Green, 5 Blue, 0 none
    "status_text": "string",  # a categorical result (Met / Not Met) or the state's marker
    "not_reported": "boolean",  # the state did not report a status for this row
    "suppression": "string",  # the state's marker for why ('*', '--', '< 5.0%', 'n<11')
    "school_type": "string",  # CA suspension cut-point type (ES, MS, HS, K12 ...)
    "hs_cutpoints": "boolean",  # CA ELA/math: high-school cut points apply
    "charter": "boolean",  # CA charter school: an LEA of its own for the state's support
    "coe": "boolean",  # CA county office of education (file flag, or district code 10xxx)
    "dass": "boolean",  # CA Dashboard Alternative School Status school
    "source_file": "string",
    "source_row": "Int64",  # 1-based line/row in the source file, header included
}

#: indicator code -> (long name, whether a higher status is better)
INDICATORS: dict[str, tuple[str, bool]] = {
    "ELA": ("English Language Arts (distance from standard)", True),
    "MATH": ("Mathematics (distance from standard)", True),
    "SCIENCE": ("Science (distance from standard)", True),
    "ELA11": ("Grade 11 English Language Arts (distance from standard)", True),
    "MATH11": ("Grade 11 Mathematics (distance from standard)", True),
    "CHRO": ("Chronic absenteeism rate", False),
    "SUSP": ("Suspension rate", False),
    "GRAD": ("Graduation rate", True),
    "CCI": ("College/career prepared", True),
    "ELPI": ("English learner progress", True),
    "ELPI_PL1": ("ELPAC level 1 (share of English learners)", False),
    "ELPI_PL2": ("ELPAC level 2 (share of English learners)", False),
    "ELPI_PL3": ("ELPAC level 3 (share of English learners)", True),
    "ELPI_PL4": ("ELPAC level 4 (share of English learners)", True),
    **{f"LOCAL_P{n}": (f"Local indicator, state priority {n} (Met / Not Met)", True)
       for n in range(1, 11)},
    "ELA_PROF": ("ELA proficient (level 3 or 4)", True),
    "MATH_PROF": ("Mathematics proficient (level 3 or 4)", True),
    "REG_ATTEND": ("Regular attenders", True),
    "CHRONIC_ABSENT": ("Chronically absent", False),
    "SCI_PROF": ("Science proficient (level 3 or 4)", True),
    "GRAD4": ("Four-year cohort graduation rate", True),
    "GRAD5": ("Five-year cohort graduation rate", True),
    "COMPL4": ("Four-year cohort completer rate", True),
    "COMPL5": ("Five-year cohort completer rate", True),
}

COLOR_NAMES: dict[int, str] = {1: "Red", 2: "Orange", 3: "Yellow", 4: "Green", 5: "Blue"}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can."""

    file: str
    row: int | None  # 1-based, header is row 1 (for workbooks: the sheet's own row number)
    column: str | None
    message: str

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        return f"{self.file}:{row}:{self.column or ''}: {self.message}"


#: Problems listed per file; past this, a file's problems are only counted (a million junk
#: rows under a real header must not take minutes and gigabytes to say so).
PROBLEMS_PER_FILE = 100


class ProblemList(list[Problem]):
    """A file's problems, listing the first `limit` and counting the rest.

    Loaders append to it like a list; `room` says how many more will be listed, so a loop
    over bad rows can stop early and `skip` the remainder instead of formatting each.
    """

    def __init__(self, items=(), limit: int = PROBLEMS_PER_FILE):
        super().__init__()
        self.limit = limit
        self.more = 0
        self.stopped = False  # checking stopped once the list was full
        self.extend(items)

    @property
    def room(self) -> int:
        return max(self.limit - len(self), 0)

    @property
    def full(self) -> bool:
        return self.more > 0 or len(self) >= self.limit

    def append(self, problem: Problem) -> None:
        if len(self) < self.limit:
            super().append(problem)
        else:
            self.more += 1

    def extend(self, problems) -> None:
        for problem in problems:
            self.append(problem)
        self.more += getattr(problems, "more", 0)
        self.stopped |= getattr(problems, "stopped", False)

    def __iadd__(self, problems):  # type: ignore[misc]
        self.extend(problems)
        return self

    def skip(self, n: int) -> None:
        """Note `n` further problems without listing them."""
        self.more += max(n, 0)

    def listed(self, file: str) -> list[Problem]:
        """The listed problems, sorted, plus one line saying how many more there were."""
        out = sorted(self, key=lambda p: (p.file, p.row or 0))
        if self.stopped:
            out.append(Problem(file, None, None,
                               f"... and at least {self.more} more: checking stopped after "
                               f"{self.limit} problems in this file (is it the right file?); "
                               "fix these and check again"))
        elif self.more:
            out.append(Problem(file, None, None,
                               f"... and {self.more} more problem(s) in this file, not listed "
                               f"(only the first {self.limit} are); fix these and check again"))
        return out

    def stop_when_full(self) -> bool:
        """True (and noted) when the list is full: a loader then stops checking the file,
        so a million junk rows cost what a hundred do."""
        if self.full:
            self.stopped = True
        return self.stopped


def empty_tidy() -> pd.DataFrame:
    """An empty tidy table with the right dtypes (for files with no outcome rows)."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in TIDY_COLUMNS.items()})


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Add missing tidy columns and cast every column to its tidy dtype."""
    out = frame.copy()
    for col, dtype in TIDY_COLUMNS.items():
        if col not in out:
            out[col] = pd.NA
        out[col] = out[col].astype(dtype)
    return out[list(TIDY_COLUMNS)].reset_index(drop=True)


_level = pa.Check.isin([0, 1, 2, 3, 4, 5])

#: Checks on the tidy table. Run lazily, so every failure is reported at once.
TIDY_SCHEMA = pa.DataFrameSchema(
    {
        "state": pa.Column("string", pa.Check.isin(["CA", "OR"])),
        "org_level": pa.Column("string", pa.Check.isin(["state", "district", "school"])),
        "org_id": pa.Column("string", pa.Check.str_matches(r"^\d+$")),
        "indicator": pa.Column("string", pa.Check.isin(list(INDICATORS))),
        "student_group": pa.Column("string", pa.Check.str_matches(r"^[A-Z0-9]+$")),
        "year": pa.Column("Int64", pa.Check.in_range(1990, 2100), nullable=True),
        "numerator": pa.Column("Float64", pa.Check.ge(0), nullable=True),
        "denominator": pa.Column("Float64", pa.Check.ge(0), nullable=True),
        "prior_denominator": pa.Column("Float64", pa.Check.ge(0), nullable=True),
        "status_level": pa.Column("Int64", _level, nullable=True),
        "change_level": pa.Column("Int64", _level, nullable=True),
        "color": pa.Column("Int64", _level, nullable=True),
    },
    strict=False,
)

#: Indicators whose status is a percentage of students, so it must lie in 0..100.
PERCENT_INDICATORS = {"CHRO", "SUSP", "GRAD", "CCI", "ELPI", "ELA_PROF", "MATH_PROF",
                      "REG_ATTEND", "CHRONIC_ABSENT", "ELPI_PL1", "ELPI_PL2", "ELPI_PL3",
                      "ELPI_PL4", "SCI_PROF", "GRAD4", "GRAD5", "COMPL4", "COMPL5"}
