"""Turning text cells into numbers while keeping the states' suppression markers."""

from __future__ import annotations

import difflib
import re

import pandas as pd

from workbook.data.model import Problem
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


def numbers(raw: RawTable, column: str, problems: list[Problem]) -> tuple[pd.Series, pd.Series]:
    """Parse one column of a raw table into (Float64 values, marker text).

    Empty cells and known markers become missing values (the marker is kept); any other
    text is a problem naming file, row and column, and also becomes missing.
    """
    text = raw.frame[column].fillna("").astype(str).str.strip()
    values = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    marker = text.where(text.map(is_marker), "")
    bad = (text != "") & values.isna() & (marker == "")
    for idx in bad[bad].index:
        problems.append(
            raw.problem(
                int(idx),
                column,
                f"text {text[idx]!r} in a numeric column; expected a number, an empty field "
                f"or a suppression marker ({', '.join(sorted(MARKERS))}, <5, >95%)",
            )
        )
    return values.astype("Float64"), marker.astype("string")


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
    for idx, value in ids.items():
        if len(value) == width and value.isdigit():
            continue
        if value.isdigit() and len(value) < width:
            msg = (f"id {value!r} has {len(value)} digits, not {width}: a leading zero was "
                   f"probably lost (keep the column as text when saving)")
        elif re.fullmatch(r"\d+\.0", value) or "e+" in value.lower():
            msg = f"id {value!r} was stored as a number; keep the column as text"
        else:
            msg = f"id {value!r} is not a {width}-digit code"
        problems.append(raw.problem(int(idx), column, msg))
    return ids
