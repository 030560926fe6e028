"""Small-n suppression with complementary suppression over every additive relation."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from workbook.errors import WorkbookError
from workbook.privacy import solve
from workbook.privacy.audit import LINK_COLUMNS, System, Table, read_table
from workbook.privacy.families import FAMILIES, Family, as_family, instances
from workbook.privacy.thresholds import (
    COMPLEMENTARY,
    NOT_REPORTED,
    small_group_text,
)


def suppress(
    df: pd.DataFrame,
    *,
    threshold: int,
    n_col: str = "n",
    value_cols: Sequence[str] = (),
    families: Iterable[Family | tuple] = FAMILIES,
    key_cols: Sequence[str] = (),
    marker_col: str = "suppressed",
    protection: int = 1,
    also_hide: Sequence[bool] | pd.Series | None = None,
    earlier: Sequence[Table] = (),
) -> pd.DataFrame:
    """Return a copy of `df` that is safe to show: no small group, directly or by working out.

    Each row is one cell: a count of students `n_col` plus figures derived from it
    (`value_cols`: numerators, rates, percentages, status colours). Hiding a row blanks the
    count and every value column (pd.NA) and writes why in the text column `marker_col`:

    - 0 < n < threshold: "fewer than {threshold} students" (primary suppression).
      n == 0 is shown: an empty group has no student to protect.
    - n missing: "not reported" (an existing marker is kept, so suppressing twice is harmless).
    - complementary, "hidden so a smaller group cannot be worked out": further cells hidden
      until no hidden cell can be worked out from the additive relations (`families`, by
      default `FAMILIES`: race/ethnicity, test takers, English learner status) and the
      n-weighted means that follow them. First, while a family has its total row present and
      exactly one of its cells hidden, the smallest shown non-zero part is hidden too (ties
      broken by the family's order; then the total; then zero parts). Then the disclosure
      test of `workbook.privacy.solve` runs over all families at once, counts bounded below
      by 0 and small groups to 1..threshold-1: while a hidden count is pinned, or narrowed to
      an interval less than `protection` wide, one more cell of a relation that narrows it is
      hidden (same order of preference). The result passes `privacy.audit`.
    - `also_hide`: rows to hide as complementary from the start, e.g. cells an earlier table
      of the same report hid (`report.blocks` passes them).
    - `earlier`: tables already published beside this one (`Table`s, as shown). The relations
      then run through them too (a part this table leaves out is their cell), only cells of
      this table are hidden, and the quick one-family rule is skipped (it would treat parts
      left out of a filtered table as empty).

    Families apply within each combination of `key_cols` (e.g. org_id, indicator, year) and of
    the other families' columns, so a race family works per school and a schools-to-district
    family works per student group. Those columns must identify rows uniquely.

    The check works on the rows present. Keep groups suppressed upstream as rows with missing
    n: a dropped row is invisible here, and the gap it leaves can be worked out by a reader.
    Suppress the full table first and filter for display afterwards; removing rows never
    exposes anything.

    Counts come back as nullable Int64 and integer value columns likewise; the input is not
    modified.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise WorkbookError(f"threshold must be a positive whole number, got {threshold!r}")
    fams = [as_family(f) for f in families]
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
    if also_hide is not None:
        extra = np.asarray(also_hide, dtype=bool) & ~np.asarray(hidden, dtype=bool)
        hidden = list(np.asarray(hidden, dtype=bool) | extra)
        marker[extra] = COMPLEMENTARY
    ids = {c: df[c].tolist() for c in id_cols}
    found = [(inst, fam) for fam in fams for inst in instances(ids, fam, id_cols)]

    def hide(cell: int) -> None:
        hidden[cell] = True
        marker.iloc[cell] = COMPLEMENTARY

    changed = not earlier
    while changed:  # the quick rule first, for a table alone: one family, one hidden cell
        changed = False
        for (total, parts, _), _fam in found:
            if sum(hidden[c] for c in (total, *parts)) == 1:
                hide(_complement(total, parts, counts, hidden))
                changed = True

    if found or earlier:  # then every relation at once, with the earlier tables
        now = out[list(dict.fromkeys([*id_cols, *(c for c in LINK_COLUMNS if c in out)]))].copy()
        now[n_col] = out[n_col].mask(np.asarray(hidden, dtype=bool))
        now[marker_col] = marker
        table = Table("this table", now, list(key_cols), n_col=n_col, mean_cols=(),
                      marker_col=marker_col)
        reads = [read_table(t, fams) for t in earlier if t.n_col in t.frame.columns]
        system = System([*reads, read_table(table, fams, keep=False)])
        for cell in _covers(system, protection):
            hide(cell)
    out.loc[hidden, [n_col, *value_cols]] = pd.NA
    out[marker_col] = marker
    return out


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


def _complement(total: int, parts: list[int], counts: list[int | None], hidden: list[bool]) -> int:
    """Which shown cell to hide so the family again has at least two unknowns.

    The smallest non-zero part loses the least information. A zero comes last, after the
    total: hidden next to a small cell it would leave their known sum equal to that cell.
    """
    shown = sorted((counts[p], i, p) for i, p in enumerate(parts) if not hidden[p])
    nonzero = [p for c, _, p in shown if c]
    zero = [p for c, _, p in shown if not c]
    return [*nonzero, *([] if hidden[total] else [total]), *zero][0]


def _covers(system: System, protection: int) -> Iterator[int]:
    """Rows of the system's last table to hide, one at a time, until no problem is left.

    For the first problem: a shown cell of the relations that hold the exposed cell itself if
    one is shown in this table (and in no earlier one, which would make hiding it useless),
    else of the other relations that narrow it; preferring, as `_complement` does, the
    smallest non-zero part, then a total, then a zero part. Stops when nothing near a
    problem can be hidden (`audit` then reports it).
    """
    this = system.reads[-1]
    row_of = {row.cell: row.i for row in system.rows if row.read is this and this.real[row.i]}
    elsewhere = {row.cell for row in system.rows if row.read is not this
                 and row.read.real[row.i] and row.read.n[row.i] is not None}
    while True:
        issues = system.count_problems(protection)
        if not issues:
            return
        issue = issues[0]
        rels = [system.relations[r][1] for r in issue.relations]
        near = [rel for rel in rels if issue.cell in (rel.total, *rel.parts)]
        pick = None
        for group in (near, rels):
            ranked = [_rank(c, rel, this.n[row_of[c]]) for rel in group
                      for c in (rel.total, *rel.parts)
                      if c in row_of and c not in elsewhere and this.n[row_of[c]] is not None]
            if ranked:
                pick = row_of[min(ranked)[-1]]
                break
        if pick is None:
            return
        this.n[pick] = None
        this.marker[pick] = COMPLEMENTARY
        yield pick


def _rank(cell: int, rel: solve.Relation, count: float | None) -> tuple:
    kind = 1 if cell == rel.total else 2 if not count else 0
    position = rel.parts.index(cell) if cell in rel.parts else 0
    return kind, count or 0, position, cell
