"""Additive relations among the rows of a table: the totals a reader can subtract from.

A relation is a `Family`: a total row equal to the sum of its part rows. Suppression and the
disclosure audit both read the same list (`FAMILIES`), and `find_families` reads the
relations off the data itself, so a test can prove the list misses none the data holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from workbook.errors import WorkbookError


class Family(NamedTuple):
    """An additive relation a reader can use: `total` is the sum of `parts`.

    The labels are values of `column` (a student group, or an organisation when schools sum to
    a district). A plain `(total, parts)` or `(total, parts, column)` tuple is accepted too.
    Parts absent from a table count as zero there, so one family can cover tables that hold
    different parts (`TEST_TAKERS`); where several tables are audited together, a part one
    table leaves out is the cell another table shows (`audit`).
    """

    total: Hashable
    parts: tuple[Hashable, ...]
    column: str = "student_group"


RACE_ETHNICITY = Family("ALL", ("AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR"))
"""ALL = sum of the race/ethnicity groups, in California Dashboard codes.

Conservative on purpose: real files rarely add up exactly (students who declined to state,
Oregon has no Filipino group; in the sample it is exact in 67 of 113 tables), but treating the
sum as exact can only hide more, never less.
"""

TEST_TAKERS = Family("ALL", ("SBA", "CAA", "CAST"))
"""ALL = Smarter Balanced takers + California Alternate Assessment takers (ELA and math), and
ALL = California Science Test takers + alternate takers (science): an indicator's table holds
SBA or CAST, never both. Exact in 57 of the sample's 61 tables; in the other four ALL is a
little larger (students with neither score), which exactness again only over-protects."""

LEARNER_STATUS = Family("EL", ("ELO", "RFP"))
"""EL = English learners only + reclassified fluent English proficient, as CDE's 2017 grade 11
results count them (exact in all 74 sample tables that have the three rows)."""

FAMILIES: tuple[Family, ...] = (RACE_ETHNICITY, TEST_TAKERS, LEARNER_STATUS)
"""Every additive relation among California and Oregon student groups that suppression and the
audit guard. `find_families` on the bundled data finds no other (tests/test_disclosure.py)."""


def as_family(spec: Family | tuple) -> Family:
    """Accept plain tuples and check the relation makes sense."""
    fam = Family(spec[0], tuple(spec[1]), *spec[2:])
    if not fam.parts or fam.total in fam.parts or len(set(fam.parts)) != len(fam.parts):
        raise WorkbookError(f"family {fam!r} needs distinct parts that do not include the total")
    return fam


def instances(ids: pd.DataFrame | Mapping[str, list], fam: Family,
              id_cols: Sequence[str]) -> list[tuple[int, list[int], tuple]]:
    """Row positions of (total, present parts, place) for each place the family applies.

    `ids` holds the id columns (a frame indexed 0..n-1, or lists by column); the place is the
    tuple of (column, value) of the other id columns. Raises if the id columns do not tell
    the family's rows apart.
    """
    columns = ({c: ids[c].tolist() for c in id_cols} if isinstance(ids, pd.DataFrame)
               else ids)
    keys = [c for c in id_cols if c != fam.column]
    members = {fam.total, *fam.parts}
    places: dict[tuple, dict[Hashable, int]] = {}
    labels = columns[fam.column]
    other = list(zip(*(columns[c] for c in keys), strict=True)) if keys else None
    for i, label in enumerate(labels):
        if not _member(label, members):
            continue
        place = tuple(None if pd.isna(v) else v for v in other[i]) if other else ()
        cells = places.setdefault(place, {})
        if label in cells:
            example = {c: columns[c][i] for c in id_cols}
            raise WorkbookError(f"rows are not unique on {list(id_cols)} (e.g. {example}); add "
                                "the missing column to key_cols")
        cells[label] = i
    found = []
    for place, where in places.items():
        parts = [where[p] for p in fam.parts if p in where]
        if fam.total in where and parts:
            found.append((where[fam.total], parts, tuple(zip(keys, place, strict=True))))
    return found


def _member(label: object, members: set) -> bool:
    try:
        return label in members
    except TypeError:  # unhashable label: not one of ours
        return False


def find_families(frame: pd.DataFrame, *, column: str = "student_group",
                  n_col: str = "denominator",
                  key_cols: Sequence[str] = ("org_id", "year", "indicator", "grade"),
                  min_tables: int = 5, min_share: float = 0.75,
                  max_rows: int = 20) -> list[Family]:
    """The additive relations the data itself holds: which rows sum exactly to another row.

    Every table (one combination of `key_cols`) is searched exhaustively: for each row, every
    set of two or more other non-zero rows whose counts sum exactly to its count (all 2^k
    subset sums, k <= `max_rows`; larger tables are skipped). In one table many such sums are
    coincidences (small groups fill any gap), so a relation counts only when it recurs: it must
    hold in at least `min_tables` tables and in at least `min_share` of the tables that have all
    its rows. Coincidences in the sample region hold in at most 40% of their tables; the real
    relations in 84-100%.

    Returns one `Family` per relation, most consistent first.
    """
    rows = frame[frame[n_col].notna()]
    hits: Counter[tuple[Hashable, frozenset]] = Counter()
    tables: list[frozenset] = []
    for _, table in rows.groupby(list(key_cols), dropna=False, sort=False):
        table = table.drop_duplicates(column)
        labels = table[column].tolist()
        counts = table[n_col].to_numpy(dtype=np.int64)
        tables.append(frozenset(labels))
        parts = [i for i, c in enumerate(counts) if c > 0]
        if len(labels) < 3 or len(parts) > max_rows:
            continue
        sums, sizes = np.zeros(1, np.int64), np.zeros(1, np.int64)
        for i in parts:  # sums[m]: sum over the parts in bit set m
            sums, sizes = np.concatenate([sums, sums + counts[i]]), np.concatenate([sizes,
                                                                                    sizes + 1])
        for j, target in enumerate(counts):
            for mask in np.nonzero((sums == target) & (sizes >= 2))[0]:
                members = [parts[b] for b in range(len(parts)) if mask >> b & 1]
                if j not in members:
                    hits[(labels[j], frozenset(labels[m] for m in members))] += 1
    found = []
    for (total, parts_set), times in hits.items():
        if times < min_tables:
            continue
        relation = parts_set | {total}
        support = sum(relation <= t for t in tables)
        if times / support >= min_share:
            found.append((times / support, times, Family(total, tuple(sorted(parts_set,
                                                                              key=str)),
                                                         column)))
    found.sort(key=lambda f: (-f[0], -f[1], str(f[2])))
    return [f for *_, f in found]
