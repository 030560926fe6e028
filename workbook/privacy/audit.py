"""The disclosure audit: proof that no hidden count or value in published tables can be
worked out, from the tables alone.

Method: the feasibility intervals of statistical disclosure control for tabular data, as in
the audit of tau-ARGUS and the `attack` of the R package sdcTable (Hundepool et al.,
*Statistical Disclosure Control*, Wiley 2012, chapters 4 and 5 on tabular and frequency data;
the tau-ARGUS user's manual, Statistics Netherlands; for the exact test, Langsrud, "Secondary
cell suppression by Gaussian elimination", Privacy in Statistical Databases 2024, the method
of the R package GaussSuppression). Every hidden cell is an unknown; every additive relation
among a table's rows (`families`: a total equal to the sum of its parts) is a linear equation
over the published counts, and the same equation holds for count x value, because a published
status is an n-weighted mean (ALL.status x ALL.n = sum of part.status x part.n). A hidden
count is safe when, over all non-negative solutions (small groups 1 to K-1 by their marker),
its minimum and maximum differ by at least `protection`; a hidden value when its count x
value is not pinned. See `workbook.privacy.solve` for the computation.

Across tables: rows of different tables that agree on every identifying column they share
(`LINK_COLUMNS` and each table's key columns, when those identify the rows of both tables)
are the same cell, so a cell hidden in one table and shown in another, or pinned by relations
that run through several tables, is found too.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import NamedTuple

import pandas as pd

from workbook.privacy import solve
from workbook.privacy.families import FAMILIES, Family, as_family, instances
from workbook.privacy.thresholds import marker_bounds

LINK_COLUMNS = ("org_id", "year", "grade", "indicator", "student_group")
"""Columns that identify a cell in any table, besides a table's own key columns."""


@dataclass(frozen=True, eq=False)
class Table:
    """One published table: the frame exactly as shown (after `suppress`) and how to read it.

    `mean_cols` are the values that are n-weighted means of their rows' students (a status,
    a rate): a family's total is then the n-weighted mean of its parts.
    """

    name: str
    frame: pd.DataFrame
    key_cols: Sequence[str] = ()
    n_col: str = "n"
    mean_cols: Sequence[str] = ("status",)
    marker_col: str = "suppressed"
    _reads: dict = field(default_factory=dict, repr=False, init=False)  # once per families


@dataclass(frozen=True)
class Finding:
    """A hidden cell a reader can work out (`low` == `high`) or narrow too far, and why."""

    table: str
    keys: tuple[tuple[str, Hashable], ...]
    quantity: str  # "count", or the value column (e.g. "status")
    low: float
    high: float
    reason: str

    def __str__(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.keys)
        if self.low == self.high:
            found = f"can be worked out: {_num(self.low)}"
        else:
            found = f"is narrowed to {_num(self.low)}..{_num(self.high)}"
        return (f"table '{self.table}', {where}: the hidden {self.quantity} {found} "
                f"({self.reason})")


def audit(tables: Iterable[Table] | Mapping[str, pd.DataFrame], *,
          families: Iterable[Family | tuple] = FAMILIES, protection: int = 1) -> list[Finding]:
    """Every hidden cell of `tables` that the published cells give away; empty means safe.

    `tables` are the frames as published, together (one report's tables, so that what one
    shows and another hides is caught), as `Table`s or a mapping of name to frame (read with
    `Table`'s defaults). A hidden cell is a row whose count is missing; a value is hidden where
    it is missing on a row with a suppression marker. Tables without the count column hold
    nothing about students and are skipped. The relations are `families` among the rows
    present, applied within each combination of the table's other identifying columns, as
    `suppress` applies them; a reader is assumed to know them exactly. A part missing from a
    table is the same cell in another table that has it, else zero (a filtered view such as
    "the groups in red" does not claim the groups it leaves out are empty).

    Each finding names the table, the row's keys, the quantity, what a reader can work out,
    and the relations that give it away (or the other table that shows it).
    """
    items = [t for t in _as_tables(tables) if t.n_col in t.frame.columns]
    if not any(_hidden_anything(t) for t in items):
        return []
    fams = [as_family(f) for f in families]
    system = System([read_table(t, fams) for t in items])
    findings, worked_out = system.count_findings(protection)
    for col in dict.fromkeys(c for t in items for c in t.mean_cols):
        findings += system.value_findings(col, worked_out)
    unique = {(f.table, f.keys, f.quantity): f for f in findings}
    return sorted(unique.values(), key=lambda f: (f.table, str(f.keys), f.quantity))


class Interval(NamedTuple):
    """What a reader can know of one hidden count: it lies in [low, high]."""

    table: str
    keys: tuple[tuple[str, Hashable], ...]
    low: float
    high: float


def intervals(tables: Iterable[Table] | Mapping[str, pd.DataFrame], *,
              families: Iterable[Family | tuple] = FAMILIES) -> list[Interval]:
    """The feasibility interval of every hidden count of `tables`, exactly (two linear programs
    per cell, so slower than `audit`, which proves widths without solving for most cells).
    A cell whose relations cannot all hold gets (-inf, inf): they tell a reader nothing."""
    items = [t for t in _as_tables(tables) if t.n_col in t.frame.columns]
    fams = [as_family(f) for f in families]
    system = System([read_table(t, fams) for t in items])
    known, _, hidden, low, high = system.counts()
    rels = [rel for _, rel in system.relations]
    out = []
    for c, row in hidden.items():
        value = known[c]
        if value is not None:
            out.append(Interval(row.read.name, row.read.keys[row.i], value, value))
            continue
        found = solve.interval(known, rels, c, low=low, high=high)
        low_c, high_c = found if found is not None else (-math.inf, math.inf)
        out.append(Interval(row.read.name, row.read.keys[row.i], low_c, high_c))
    return out


def hidden_in(frame: pd.DataFrame, tables: Iterable[Table], *, key_cols: Sequence[str] = (),
              n_col: str = "n", families: Iterable[Family | tuple] = FAMILIES) -> list[bool]:
    """Which rows of `frame` are cells that one of `tables` hides (matched as `audit` matches
    cells across tables), so that a later table of a report can hide them too."""
    fams = [as_family(f) for f in families]
    new = _read(Table("new", frame, key_cols, n_col=n_col, mean_cols=()), fams)
    out = [False] * len(frame)
    for table in tables:
        if table.n_col not in table.frame.columns:
            continue
        old = read_table(table, fams)
        for i, j in _same_cells(old, new):
            if j < len(out) and old.real[i]:
                out[j] = out[j] or old.n[i] is None
    return out


# --------------------------------------------------------------------------- the system


@dataclass
class _Read:
    """A table's rows as plain values, read once; after the real rows come the missing parts
    of its relations ("phantoms"), so they can meet the same cells in other tables."""

    name: str
    n: list[float | None]
    marker: list[object]
    means: dict[str, list[float | None]]
    link_cols: list[str]
    links: list[tuple]
    keys: list[tuple[tuple[str, Hashable], ...]]
    relations: list[tuple[int, list[int], str]]
    real: list[bool]
    index: dict[tuple[str, ...], tuple[list[tuple], bool]] = field(default_factory=dict)

    def keyed(self, cols: list[str]) -> tuple[list[tuple], bool]:
        """Each row's values of `cols` (a subset of `link_cols`), and whether they are unique."""
        key = tuple(cols)
        if key not in self.index:
            pick = [self.link_cols.index(c) for c in cols]
            rows = [tuple(k[p] for p in pick) for k in self.links]
            self.index[key] = rows, len(set(rows)) == len(rows)
        return self.index[key]


class _Row(NamedTuple):
    read: _Read
    i: int
    cell: int


class System:
    """The cells of several tables (rows that are one cell merged) and their relations.

    `suppress` keeps one and changes the known values of its last table while it hides cells;
    `audit` asks it once.
    """

    def __init__(self, reads: list[_Read]) -> None:
        self.reads = reads
        start = [0]
        for r in reads:
            start.append(start[-1] + len(r.n))
        parent = list(range(start[-1]))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for a, b in combinations(range(len(reads)), 2):
            for i, j in _same_cells(reads[a], reads[b]):
                parent[find(start[a] + i)] = find(start[b] + j)
        roots = sorted({find(r) for r in range(start[-1])})
        cell = {root: k for k, root in enumerate(roots)}
        self.size = len(roots)
        self.rows = [_Row(r, i, cell[find(start[t] + i)])
                     for t, r in enumerate(reads) for i in range(len(r.n))]
        real = [False] * self.size
        for row in self.rows:
            real[row.cell] = real[row.cell] or row.read.real[row.i]
        self.empty = [not x for x in real]  # missing from every table: zero
        of = [row.cell for row in self.rows]
        self.relations: list[tuple[int, solve.Relation]] = []
        seen: set[tuple] = set()
        for t, r in enumerate(reads):
            for total, parts, label in r.relations:
                key = (of[start[t] + total], tuple(sorted(of[start[t] + p] for p in parts)))
                if key not in seen:
                    seen.add(key)
                    self.relations.append((t, solve.Relation(key[0], list(key[1]), label)))

    def counts(self) -> tuple[list[float | None], list[str | None], dict[int, _Row],
                              list[float], list[float]]:
        """Per cell: the count a reader sees (None if hidden everywhere), the table showing
        it, the first row hiding it, and what its markers tell of it (low, high)."""
        known: list[float | None] = [0.0 if e else None for e in self.empty]
        shown_in: list[str | None] = [None] * self.size
        low, high = [0.0] * self.size, [math.inf] * self.size
        hidden: dict[int, _Row] = {}
        for row in self.rows:
            if not row.read.real[row.i]:
                continue
            n = row.read.n[row.i]
            if n is not None:
                if known[row.cell] is None:
                    known[row.cell], shown_in[row.cell] = n, row.read.name
            else:
                hidden.setdefault(row.cell, row)
                lo, hi = marker_bounds(row.read.marker[row.i])
                low[row.cell], high[row.cell] = max(low[row.cell], lo), min(high[row.cell], hi)
        return known, shown_in, hidden, low, high

    def count_problems(self, protection: int) -> list[solve.Problem]:
        """Hidden counts a reader can pin or narrow too far (see `solve.problems`)."""
        known, _, _, low, high = self.counts()
        rels = [rel for _, rel in self.relations]
        return solve.problems(known, rels, low=low, high=high, protection=protection)

    def count_findings(self, protection: int) -> tuple[list[Finding], dict[int, float]]:
        """Findings about counts, and the hidden counts a reader can work out exactly."""
        known, shown_in, hidden, low, high = self.counts()
        findings = []
        for c, row in hidden.items():
            value = known[c]
            if value is not None:
                findings.append(_finding(row, "count", value, value,
                                         f"shown in table '{shown_in[c]}'"))
        rels = [rel for _, rel in self.relations]
        worked_out = {}
        for p in solve.problems(known, rels, low=low, high=high, protection=protection):
            if p.low == p.high:
                worked_out[p.cell] = p.low
            why = "; ".join(rels[r].label for r in p.relations)
            if p.by_bounds:
                why += ("; no count is negative and a group marked 'fewer than K students' "
                        "has 1 to K-1")
            findings.append(_finding(hidden[p.cell], "count", p.low, p.high, why))
        return findings, worked_out

    def value_findings(self, col: str, worked_out: dict[int, float]) -> list[Finding]:
        """The n-weighted mean `col`: count x value of each cell follows the same relations,
        in the tables that show `col`. `worked_out` are the hidden counts a reader has
        already (to turn count x value into the value)."""
        count: list[float | None] = [0.0 if e else None for e in self.empty]
        mean: list[float | None] = [0.0 if e else None for e in self.empty]
        shown_in: list[str | None] = [None] * self.size
        hidden: dict[int, _Row] = {}
        for row in self.rows:
            n = row.read.n[row.i]
            if n is not None:
                count[row.cell] = n
            values = row.read.means.get(col)
            if values is None or not row.read.real[row.i]:
                continue
            v = values[row.i]
            if v is not None:
                if mean[row.cell] is None:
                    mean[row.cell], shown_in[row.cell] = v, row.read.name
            elif n is None or not pd.isna(row.read.marker[row.i]):
                hidden.setdefault(row.cell, row)
        if not hidden:
            return []
        findings = []
        for c, row in hidden.items():
            value = mean[c]
            if value is not None:
                findings.append(_finding(row, col, value, value,
                                         f"shown in table '{shown_in[c]}'"))
        product: list[float | None] = [
            None if n is None or m is None else n * m for n, m in zip(count, mean, strict=True)]
        guard = [c in hidden and mean[c] is None for c in range(self.size)]
        rels = [rel for t, rel in self.relations if col in self.reads[t].means]
        for p in solve.problems(product, rels, guard=guard):
            n = count[p.cell] if count[p.cell] is not None else worked_out.get(p.cell)
            value = p.low / n if n else p.low
            why = "n-weighted mean: " + "; ".join(rels[r].label for r in p.relations)
            findings.append(_finding(hidden[p.cell], col, value, value,
                                     why + ("" if n else "; shown: count x value")))
        return findings


def read_table(table: Table, fams: list[Family], keep: bool = True) -> _Read:
    """The table's rows as `_Read`, kept on the table (a report audits its tables again with
    every table it adds) unless `keep` is False (`suppress` changes the read it makes)."""
    key = tuple(fams)
    if not keep:
        return _read(table, fams)
    if key not in table._reads:
        table._reads[key] = _read(table, fams)
    return table._reads[key]


def _read(table: Table, fams: list[Family]) -> _Read:
    frame = table.frame
    id_cols = [c for c in dict.fromkeys([*table.key_cols,
                                         *(f.column for f in fams if f.column in frame.columns)])
               if c in frame.columns]
    link_cols = [c for c in dict.fromkeys([*LINK_COLUMNS, *id_cols]) if c in frame.columns]
    key_cols = [c for c in dict.fromkeys([*table.key_cols, *LINK_COLUMNS])
                if c in frame.columns]
    values = {c: [_norm(v) for v in frame[c].tolist()]
              for c in dict.fromkeys([*link_cols, *key_cols])}
    size = len(frame)
    read = _Read(
        name=table.name,
        n=_floats(frame[table.n_col]),
        marker=(frame[table.marker_col].tolist() if table.marker_col in frame.columns
                else [pd.NA] * size),
        means={c: _floats(frame[c]) for c in table.mean_cols if c in frame.columns},
        link_cols=link_cols,
        links=list(zip(*(values[c] for c in link_cols), strict=True)) if link_cols else [],
        keys=[tuple(zip(key_cols, vals, strict=True))
              for vals in zip(*(values[c] for c in key_cols), strict=True)]
        if key_cols else [()] * size,
        relations=[],
        real=[True] * size,
    )
    phantoms: dict[tuple, int] = {}
    ids = {c: values[c] for c in id_cols}
    for fam in fams:
        if fam.column not in frame.columns:
            continue
        labels = values[fam.column]
        at_col = link_cols.index(fam.column) if fam.column in link_cols else None
        for total, parts, place in instances(ids, fam, id_cols):
            names = " + ".join(str(labels[p]) for p in parts)
            at = ", ".join(f"{k}={v}" for k, v in place)
            label = (f"{fam.total} = {names}" + (f" at {at}" if at else "")
                     + f" in '{table.name}'")
            present = {labels[p] for p in parts}
            missing = [p for p in fam.parts if p not in present]
            if at_col is not None and read.links:
                for part in missing:
                    link = list(read.links[total])
                    link[at_col] = _norm(part)
                    parts = [*parts, phantoms.setdefault(tuple(link), _phantom(read, link))]
            read.relations.append((total, parts, label))
    return read


def _phantom(read: _Read, link: list) -> int:
    """A row for a part a relation names but the table leaves out."""
    read.n.append(None)
    read.marker.append(pd.NA)
    for values in read.means.values():
        values.append(None)
    read.links.append(tuple(link))
    read.keys.append(tuple(zip(read.link_cols, link, strict=True)))
    read.real.append(False)
    return len(read.n) - 1


# --------------------------------------------------------------------------- helpers


def _as_tables(tables: Iterable[Table] | Mapping[str, pd.DataFrame]) -> list[Table]:
    if isinstance(tables, Mapping):
        return [Table(name, frame) for name, frame in tables.items()]
    return list(tables)


def _hidden_anything(table: Table) -> bool:
    cols = [c for c in (table.n_col, *table.mean_cols) if c in table.frame.columns]
    return bool(table.frame[cols].isna().to_numpy().any())


def _floats(col: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in col.tolist()]


def _norm(value: object) -> object:
    """One spelling per value, so 2024, 2024.0 and numpy's 2024 meet."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def _same_cells(a: _Read, b: _Read) -> list[tuple[int, int]]:
    """Row pairs of two tables that are one cell: equal on every identifying column the two
    share, when those columns tell the rows of each table apart."""
    common = [c for c in a.link_cols if c in b.link_cols]
    if not common or not a.links or not b.links:
        return []
    keys_a, unique_a = a.keyed(common)
    keys_b, unique_b = b.keyed(common)
    if not (unique_a and unique_b):
        return []
    where = {k: i for i, k in enumerate(keys_a)}
    return [(where[k], j) for j, k in enumerate(keys_b) if k in where]


def _finding(row: _Row, quantity: str, low: float, high: float, reason: str) -> Finding:
    return Finding(row.read.name, row.read.keys[row.i], quantity, round(low, 6),
                   round(high, 6), reason)


def _num(x: float) -> str:
    return f"{x:g}"
