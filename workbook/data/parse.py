"""Turning text cells into numbers while keeping the states' suppression markers."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from workbook.data.model import Problem, ProblemList
from workbook.data.readers import RawTable

#: Markers states print instead of a number, and what they mean.
MARKERS: dict[str, str] = {
    "*": "a group too small to publish (suppressed; the state's threshold)",
    "--": "no students tested",
    "-": "suppressed with a neighbouring value",
    "n/a": "not applicable",
    "N/A": "not applicable",
}
_BOUND = re.compile(r"^\s*([<>])\s*(\d+(?:\.\d+)?)\s*%?\s*$")  # < 5.0%, >95, >95%, <5


def is_marker(text: str) -> bool:
    """True when a cell holds a known suppression or not-reported marker."""
    return text in MARKERS or bool(_BOUND.match(text))


#: No count, rate or distance in a state file comes near this; beyond it a value is damage.
MAX_MAGNITUDE = 1e9


def report_rows(problems: list[Problem], raw: RawTable, index, column: str | None,
                message: Callable[[Any], str]) -> None:
    """One problem per row label in `index`, as many as the list has room to list (a
    `ProblemList`); the rest are only counted, so a million bad rows cost no more than a
    hundred."""
    index = list(index) if not isinstance(index, (list, pd.Index)) else index
    room = problems.room if isinstance(problems, ProblemList) else len(index)
    for idx in index[:room]:
        problems.append(raw.problem(int(idx), column, message(idx)))
    if isinstance(problems, ProblemList):
        problems.skip(len(index) - room)


def numbers(raw: RawTable, column: str, problems: list[Problem]) -> tuple[pd.Series, pd.Series]:
    """Parse one column of a raw table into (Float64 values, marker text).

    Empty cells and known markers become missing values (the marker is kept); any other
    text, and numbers that are not finite or absurdly large (`1e999`, twenty nines), is a
    problem naming file, row and column, and also becomes missing.
    """
    text = raw.frame[column].fillna("").astype(str).str.strip()
    values = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    values = values.astype("float64")
    unparsed = (text != "") & values.isna()
    marker = pd.Series("", index=text.index, dtype=object)
    if unparsed.any():  # only cells that are not numbers can be markers
        odd = text[unparsed]
        marker[unparsed] = odd.where(odd.map(is_marker), "").astype(object)
    bad = unparsed & (marker == "")
    report_rows(problems, raw, bad[bad].index, column, lambda idx: (
        f"text {short(text[idx])} in a numeric column; expected a number, an empty field "
        f"or a suppression marker ({', '.join(sorted(MARKERS))}, <5, >95%)"))
    huge = values.notna() & ~values.abs().le(MAX_MAGNITUDE)
    report_rows(problems, raw, huge[huge].index, column, lambda idx: (
        f"number {short(text[idx])} is not a finite value a state file holds "
        f"(at most {MAX_MAGNITUDE:.0e} in size)"))
    values = values.where(~huge)
    return values.astype("Float64"), marker.astype("string")


def short(text: str, width: int = 40) -> str:
    """A cell quoted for a message, cut short: a 200,000-character cell stays one line."""
    return repr(text) if len(text) <= width else f"{text[:width]!r}... ({len(text)} characters)"


def require_columns(raw: RawTable, required: list[str], what: str) -> list[Problem]:
    """A problem for every required column that is missing, with a guess at a rename."""
    present = list(raw.frame.columns)
    lower = {c.lower(): c for c in present}
    out = []
    for col in required:
        if col in present or col.lower() in lower:
            continue
        guess = difflib.get_close_matches(col, present, n=1, cutoff=0.6)
        hint = f"; did it get renamed to {guess[0]!r}?" if guess else ""
        out.append(
            Problem(
                raw.label,
                raw.header_row,
                col,
                f"column {col!r} is missing from this {what} file{hint} "
                f"Columns in the file: {present[:12]}{' ...' if len(present) > 12 else ''}",
            )
        )
    return out


def check_ids(raw: RawTable, column: str, width: int, problems: list[Problem]) -> pd.Series:
    """Validate fixed-width numeric ids (CDS codes) and say when leading zeros were lost."""
    ids = raw.frame[column].fillna("").astype(str).str.strip()
    ok = ids.str.fullmatch(rf"[0-9]{{{width}}}").fillna(False).astype(bool)

    def message(idx) -> str:
        value = ids[idx]
        if value.isdigit() and len(value) < width:
            return (f"id {value!r} has {len(value)} digits, not {width}: a leading zero was "
                    f"probably lost (keep the column as text when saving)")
        if re.fullmatch(r"\d+\.0", value) or "e+" in value.lower():
            return f"id {value!r} was stored as a number; keep the column as text"
        return f"id {short(value)} is not a {width}-digit code"

    report_rows(problems, raw, ok[~ok].index, column, message)
    return ids
