"""Small-n suppression for student counts shown to families, boards and the public.

States forbid publishing figures for small groups of students, each below its own size
(`THRESHOLDS`, the one table of them: data readers, suppression and report text all read it).
Hiding the small cell is not enough, because a reader who sees ALL and every other group can
subtract. `suppress` also hides complementary cells until no hidden cell can be worked out
from one additive relation.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import NamedTuple

import pandas as pd

from workbook.errors import WorkbookError

THRESHOLDS: dict[str, int] = {"CA": 11, "OR": 10}
"""Smallest group size each state lets us show. A count below its state's value is hidden.

California (CDE) does not report student groups of fewer than 11; Oregon (ODE) suppresses
counts under 10."""

STATE_NAMES: dict[str, str] = {"CA": "California", "OR": "Oregon"}

NOT_REPORTED = "not reported"
COMPLEMENTARY = "hidden so a smaller group cannot be worked out"


class Family(NamedTuple):
    """An additive relation a reader can use: `total` is the sum of `parts`.

    The labels are values of `column` (a student group, or an organisation when schools sum to
    a district). A plain `(total, parts)` or `(total, parts, column)` tuple is accepted too.
    """

    total: Hashable
    parts: tuple[Hashable, ...]
    column: str = "student_group"


RACE_ETHNICITY = Family("ALL", ("AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR"))
"""ALL = sum of the race/ethnicity groups, in California Dashboard codes.

Conservative on purpose: real files rarely add up exactly (students who declined to state,
Oregon has no Filipino group), but treating the sum as exact can only hide more, never less.
"""


def threshold_for(state: str, override: int | None = None) -> int:
    """The small-n threshold for `state` (e.g. "CA", "or").

    `override` exists for a stricter local policy (say a district that hides groups under 20);
    it may raise the state's threshold but never lower it, since the state figure is the
    legal minimum. Unknown states raise rather than fall back to a guess.
    """
    key = state.strip().upper()
    if key not in THRESHOLDS:
        known = ", ".join(sorted(THRESHOLDS))
        raise WorkbookError(f"no small-n threshold known for state {state!r} (known: {known})")
    legal = THRESHOLDS[key]
    if override is None:
        return legal
    if override < legal:
        raise WorkbookError(f"threshold {override} is below {key}'s legal minimum of {legal}")
    return override


def small_group_text(threshold: int) -> str:
    """Why a small group is not shown, in the words every table uses: "fewer than 11
    students" (pass `threshold_for(state)`)."""
    return f"fewer than {threshold} students"


def thresholds_text() -> str:
    """Every state's threshold in words for banners: "California 11, Oregon 10"."""
    return ", ".join(f"{STATE_NAMES.get(k, k)} {v}" for k, v in THRESHOLDS.items())


def suppress(
    df: pd.DataFrame,
    *,
    threshold: int,
    n_col: str = "n",
    value_cols: Sequence[str] = (),
    families: Iterable[Family | tuple] = (RACE_ETHNICITY,),
    key_cols: Sequence[str] = (),
    marker_col: str = "suppressed",
) -> pd.DataFrame:
    """Return a copy of `df` that is safe to show: no small group, directly or by subtraction.

    Each row is one cell: a count of students `n_col` plus figures derived from it
    (`value_cols`: numerators, rates, percentages, status colours). Hiding a row blanks the
    count and every value column (pd.NA) and writes why in the text column `marker_col`:

    - 0 < n < threshold: "fewer than {threshold} students" (primary suppression).
      n == 0 is shown: an empty group has no student to protect.
    - n missing: "not reported" (an existing marker is kept, so suppressing twice is harmless).
    - complementary: whenever a family (see `Family`) has its total row present and exactly
      one of its cells hidden, that cell is total minus the shown parts (or the sum of the
      parts, if the total is the hidden one), so the smallest shown non-zero part is hidden
      too (ties broken by the family's order; then the total; then zero parts), marked
      "hidden so a smaller group cannot be worked out". This repeats until nothing changes,
      because one such hide can expose a cell in another family.

    Families apply within each combination of `key_cols` (e.g. org_id, indicator, year) and of
    the other families' columns, so a race family works per school and a schools-to-district
    family works per student group. Those columns must identify rows uniquely.

    The check works on the rows present. Keep groups suppressed upstream as rows with missing
    n: a dropped row is invisible here, and the gap it leaves can be worked out by a reader.
    Suppress the full table first and filter for display afterwards; removing rows never
    exposes anything. Only subtraction within one family is guarded against; solving several
    families together, or narrowing a hidden cell to a range, is not.

    Counts come back as nullable Int64 and integer value columns likewise; the input is not
    modified.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise WorkbookError(f"threshold must be a positive whole number, got {threshold!r}")
    fams = [_family(f) for f in families]
    id_cols = list(dict.fromkeys([*key_cols, *(f.column for f in fams)]))
    absent = [c for c in [n_col, *value_cols, *id_cols] if c not in df.columns]
    if absent:
        raise WorkbookError(f"suppress: columns not in the table: {absent}")
    clash = sorted(set(value_cols) & {n_col, *id_cols})
    if clash:
        raise WorkbookError(f"suppress: {clash} cannot be both value and count/key columns")

    out = df.copy()
    out[n_col] = _counts(out[n_col], n_col)
    for col in value_cols:
        if pd.api.types.is_integer_dtype(out[col]):
            out[col] = out[col].astype("Int64")

    n = out[n_col]
    missing = n.isna().to_numpy()
    small = ((n > 0) & (n < threshold)).fillna(False).to_numpy(dtype=bool)
    marker = pd.Series(pd.NA, index=out.index, dtype="string")
    if marker_col in df.columns:
        marker[missing] = df[marker_col].astype("string")[missing]
    marker[missing & marker.isna().to_numpy()] = NOT_REPORTED
    marker[small] = small_group_text(threshold)

    counts = [None if pd.isna(v) else int(v) for v in n]
    hidden = list(missing | small)
    ids = df[id_cols].set_axis(range(len(df)))
    instances = [inst for fam in fams for inst in _instances(ids, fam, id_cols)]
    changed = True
    while changed:
        changed = False
        for total, parts in instances:
            if sum(hidden[c] for c in (total, *parts)) == 1:
                pick = _complement(total, parts, counts, hidden)
                hidden[pick] = True
                marker.iloc[pick] = COMPLEMENTARY
                changed = True

    out.loc[hidden, [n_col, *value_cols]] = pd.NA
    out[marker_col] = marker
    return out


def _family(spec: Family | tuple) -> Family:
    """Accept plain tuples and check the relation makes sense."""
    fam = Family(spec[0], tuple(spec[1]), *spec[2:])
    if not fam.parts or fam.total in fam.parts or len(set(fam.parts)) != len(fam.parts):
        raise WorkbookError(f"family {fam!r} needs distinct parts that do not include the total")
    return fam


def _counts(col: pd.Series, name: str) -> pd.Series:
    """Counts as nullable Int64; refuse anything that is not a non-negative whole number."""
    try:
        counts = col.astype("Int64")
    except (TypeError, ValueError) as exc:
        raise WorkbookError(
            f"column {name!r} must hold whole-number counts; turn markers such as '*' into "
            "missing values before suppressing"
        ) from exc
    if (counts < 0).any():
        raise WorkbookError(f"column {name!r} has negative counts")
    return counts


def _instances(ids: pd.DataFrame, fam: Family, id_cols: list[str]) -> list[tuple[int, list[int]]]:
    """Row positions of (total, present parts) for each place the family applies."""
    keys = [c for c in id_cols if c != fam.column]
    rows = ids[ids[fam.column].isin([fam.total, *fam.parts])]
    dupes = rows.duplicated(subset=id_cols)
    if dupes.any():
        example = rows[dupes].iloc[0].to_dict()
        raise WorkbookError(
            f"rows are not unique on {id_cols} (e.g. {example}); add the missing column to key_cols"
        )
    groups = rows.groupby(keys, dropna=False, sort=False) if keys else [((), rows)]
    found = []
    for _, group in groups:
        where = dict(zip(group[fam.column], group.index, strict=True))
        parts = [where[p] for p in fam.parts if p in where]
        if fam.total in where and parts:
            found.append((where[fam.total], parts))
    return found


def _complement(total: int, parts: list[int], counts: list[int | None], hidden: list[bool]) -> int:
    """Which shown cell to hide so the family again has at least two unknowns.

    The smallest non-zero part loses the least information. A zero comes last, after the
    total: hidden next to a small cell it would leave their known sum equal to that cell.
    """
    shown = sorted((counts[p], i, p) for i, p in enumerate(parts) if not hidden[p])
    nonzero = [p for c, _, p in shown if c]
    zero = [p for c, _, p in shown if not c]
    return [*nonzero, *([] if hidden[total] else [total]), *zero][0]
