"""Which indicator and year a CDE Dashboard file holds, told by its content.

A user renames files (`Riverside grad 2018.txt`, `graddownload2018 (1).txt`), so the name
is only a hint. The content decides, in this order:

1. what the user said (`--indicator`, `--year`, or `indicator:` / `year:` on a source);
2. the extract's own `indicator` column (or its `file` column, which holds CDE's name);
3. the columns: each indicator's download has its own layout (`LAYOUTS`);
4. the values: a rate lies in 0..100, a distance from standard does not have to, and a
   graduation rate is high where a chronic absenteeism rate is low;
5. a CDE-style name (graddownload2018.txt, ELA_2024.txt) settles what the content leaves
   open between indicators it fits; a name that contradicts clear content is ignored;
6. two files of the same assessment layout and year, read together, are ELA and math:
   for the same schools and groups, math's distance from standard is the lower one.

Where it still cannot tell, the file's rows are checked for everything that does not
depend on the indicator and one problem says which option to add.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from workbook.data.readers import Hint

__all__ = ["Hint", "Identity", "LAYOUTS", "identify", "from_name", "pair_assessments",
           "parse_year"]


@dataclass(frozen=True)
class Layout:
    """Columns that tell one CDE download layout apart, and the indicators it can hold."""

    indicators: tuple[str, ...]
    scale: str  # "rate": status in 0..100; "dfs": distance from standard, any sign
    all: tuple[str, ...] = ()  # every one present
    any: tuple[str, ...] = ()  # at least one present
    none: tuple[str, ...] = ()  # none present

    def fits(self, columns: set[str]) -> bool:
        return (set(self.all) <= columns and (not self.any or bool(set(self.any) & columns))
                and not set(self.none) & columns)


#: The layouts of CDE's Dashboard downloads, most specific first. From CDE's record layouts
#: (www.cde.ca.gov/ta/ac/cm/: gradindicatorfall17, gradindicator18, gradindicator19,
#: gradindicator24; chronic18, chronic19, chronic22, chronic24; suspindicatorfall17,
#: suspindicator22, suspindicator24; elagr38fall17, elagr11fall17, ela18, ela22) and the
#: bundled files (cci, elpi 2017 and 2018).
LAYOUTS: tuple[Layout, ...] = (
    # college/career: counts of prepared students by measure
    Layout(("CCI",), "rate", any=("curr_prep", "curr_prep_pct", "curr_aprep", "curr_nprep")),
    # English learner progress: testers and levels (2017), progressed/maintained (2019-)
    Layout(("ELPI",), "rate", any=("currtesters", "curradvanced", "currmaintained",
                                   "currprogressed", "currmaintain_pl4", "currdeclined")),
    # suspension: the only one with the school or district `type` (ES, MS, HS, UD ...)
    Layout(("SUSP",), "rate", all=("type", "currnumer")),
    # graduation: the 3-year average (Fall 2017) or five-year graduates (2019-)
    Layout(("GRAD",), "rate", all=("currnumer",),
           any=("cal_method", "prioryear1_numer", "prioryear1_status", "fiveyrnumer")),
    # graduation 2018 and chronic absenteeism share currnumer/currdenom/safetynet: values
    Layout(("GRAD", "CHRO"), "rate", all=("currnumer", "currdenom")),
    # grade 11 ELA and math (Fall 2017): California Alternate Assessment counts, no levels
    Layout(("ELA11", "MATH11"), "dfs", all=("caa_denom",), none=("statuslevel",)),
    # ELA and math (grades 3-8, later 3-8 and 11): identical layouts
    Layout(("ELA", "MATH"), "dfs",
           any=("hscutpoints", "caa_denom", "currdenom_swd", "statuslevel")),
    # no numerator and no levels: an assessment, science included
    Layout(("ELA", "MATH", "SCIENCE"), "dfs", all=("currstatus",), none=("currnumer",)),
)

_NAME = re.compile(
    r"^(ela11|math11|ela|math|grad|cci|elpi|chronic|chron|susp|suspension|science)"
    r"(?:download)?_?(\d{4})f?", re.IGNORECASE)
_NAME_CODE = {"chronic": "CHRO", "chron": "CHRO", "susp": "SUSP", "suspension": "SUSP"}
_YEAR = re.compile(r"^\s*((?:19|20|21)\d\d)(?:f|\.0+)?\s*$", re.IGNORECASE)


def from_name(name: str) -> tuple[str, int] | None:
    """(indicator, year) from a CDE file name such as graddownload2017f.txt or ELA_2024.txt."""
    m = _NAME.match(name)
    if not m:
        return None
    word = m.group(1).lower()
    return _NAME_CODE.get(word, word.upper()), int(m.group(2))


def parse_year(text: pd.Series) -> pd.Series:
    """`reportingyear` as a year (Int64): 2018, `2017f` (Fall 2017), `2024.0` (the
    extract); anything else (`1e999`, twenty nines, `2018-19`) is missing."""
    found = text.fillna("").astype(str).str.extract(_YEAR, expand=False)
    return pd.to_numeric(found, errors="coerce").astype("Int64")


@dataclass(frozen=True)
class Identity:
    """What a file holds: an indicator (None when undecided: then `candidates` and
    `why` say what it could be) and a year (None: per row, from `reportingyear`)."""

    indicator: str | None
    year: int | None
    candidates: tuple[str, ...] = ()
    why: str = ""


def identify(columns: list[str], status: pd.Series, name: str,
             hint: Hint | None = None) -> Identity:
    """The indicator of a CDE download (not an extract) from its columns and statuses."""
    hint = hint or Hint()
    named = from_name(name)
    year = hint.year if hint.year is not None else None
    if hint.indicator:
        return Identity(hint.indicator, year)
    cols = set(columns)
    layout = next((lay for lay in LAYOUTS if lay.fits(cols)), None)
    if layout is None:
        candidates: tuple[str, ...] = ()
    else:
        candidates = _by_values(layout, columns, status)
    if len(candidates) == 1:
        return Identity(candidates[0], year)
    if named and (not candidates or named[0] in candidates):
        return Identity(named[0], year)
    if not candidates:
        why = "its columns fit no CDE Dashboard download we know"
    else:
        why = f"its columns and values fit {' or '.join(candidates)}"
    if named:
        why += f" (its name says {named[0]}, which they do not fit)"
    return Identity(None, year, candidates, why)


def _by_values(layout: Layout, columns: list[str], status: pd.Series) -> tuple[str, ...]:
    """Narrow a layout's indicators by the order of its columns and its statuses."""
    candidates = layout.indicators
    if set(candidates) == {"GRAD", "CHRO"} and {"safetynet", "change"} <= set(columns):
        # 2018-19 layouts: graduation puts safetynet before change, chronic absenteeism
        # after it (CDE's gradindicator18 fields 16-17; chronic18 and chronic19 16-17)
        grad = columns.index("safetynet") < columns.index("change")
        return ("GRAD",) if grad else ("CHRO",)
    values = pd.to_numeric(status, errors="coerce").dropna()
    values = values[values.abs() < 1e6]
    if set(candidates) == {"GRAD", "CHRO"} and len(values) >= 3:
        # graduation rates sit high (CA ~85%), chronic absenteeism rates low (~10-30%)
        middle = float(values.median())
        if middle >= 60:
            return ("GRAD",)
        if middle <= 40:
            return ("CHRO",)
    return candidates


def year_hint(name: str, hint: Hint | None) -> int | None:
    """The year to use where a file has no `reportingyear`: the user's, else the name's."""
    if hint and hint.year is not None:
        return hint.year
    named = from_name(name)
    return named[1] if named else None


def pair_assessments(frames: list[pd.DataFrame]) -> list[str] | None:
    """For two undecided assessment files of one layout and year read together: which is
    ELA and which math (ELA11/MATH11 for grade 11), or None when the evidence is not clear.

    Why this holds: the same students take both tests, and in California math's distance
    from standard is below ELA's for nearly every school and group (statewide 2018: ELA
    -6.0, math -36.4). We ask for at least 10 shared rows, math lower on 80% of them, and
    a median gap of 10 points or more; otherwise the user says which is which.
    """
    if len(frames) != 2:
        return None
    key = ["org_id", "student_group"]
    a, b = (f.dropna(subset=["status"]).drop_duplicates(key).set_index(key)["status"]
            for f in frames)
    both = a.index.intersection(b.index)
    if len(both) < 10:
        return None
    gap = (a.loc[both] - b.loc[both]).astype(float)
    if (gap > 0).mean() >= 0.8 and gap.median() >= 10:
        return ["ELA", "MATH"]
    if (gap < 0).mean() >= 0.8 and gap.median() <= -10:
        return ["MATH", "ELA"]
    return None
