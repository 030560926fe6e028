"""What a reader can work out about hidden cells: feasibility intervals over the relations.

The standard test of statistical disclosure control for suppressed tables (Hundepool et al.,
*Statistical Disclosure Control*, Wiley 2012, ch. 4-5; the audit of tau-ARGUS; sdcTable's
`attack`): treat every hidden cell as an unknown, every additive relation among the cells as a
linear equation, and ask for each hidden cell the smallest and largest value it can take.

* A cell is *pinned* when every solution gives it the same value. Exactly: its unit vector
  lies in the row space of the relation matrix restricted to the hidden cells (the Gaussian
  elimination test of Langsrud's GaussSuppression), i.e. its row of the null space is zero.
* Counts are also bounded: no count is negative, and a cell marked "fewer than K students"
  holds 1 to K-1 (a zero is shown, so a hidden small group has at least one student). Bounds
  can pin a cell that linear algebra leaves free (two small groups known to sum to 2 are both
  1), so counts get linear programming (scipy's HiGHS): min and max of each hidden cell.
  A single relation needs no solver (its interval is closed-form), and one program finding a
  point deep inside the bounds proves most cells wide enough without their own min and max.
* Sums of count x value (an n-weighted mean times its n) obey the same relations but have no
  bounds (a status can be negative), so for them only the exact test applies.

Cells are plain positions here; `audit` and `suppress` map table rows onto them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from scipy.linalg import null_space
from scipy.optimize import linprog

TOL = 1e-7


class Relation(NamedTuple):
    """Cell `total` equals the sum of cells `parts`; `label` says which and where."""

    total: int
    parts: list[int]
    label: str


@dataclass
class Problem:
    """A hidden cell a reader can pin, or narrow more than `protection` allows."""

    cell: int
    low: float
    high: float
    relations: list[int] = field(default_factory=list)  # the relations that do it
    by_bounds: bool = False  # narrowed through the non-negativity and small-group bounds


def problems(known: Sequence[float | None], relations: Sequence[Relation], *,
             low: Sequence[float] | None = None, high: Sequence[float] | None = None,
             guard: Sequence[bool] | None = None, protection: float = 1) -> list[Problem]:
    """Every guarded hidden cell whose feasibility interval is narrower than required.

    `known[i]` is the published value of cell i, None when hidden. `low`/`high` are what a
    reader knows of each hidden cell before any relation (None: unbounded, as for products).
    A hidden cell is protected when its interval is at least `protection` wide, or as wide as
    its prior bounds when those are narrower (a "fewer than 2" cell is 1 by its marker alone).
    Only cells with `guard` True are reported (default: every hidden cell). A cell pinned by
    linear algebra is reported even where the bounds contradict the relations (an inexact
    relation, taken as exact, still tells a reader roughly what the cell holds).
    """
    n = len(known)
    lo = list(low) if low is not None else [-math.inf] * n
    hi = list(high) if high is not None else [math.inf] * n
    guarded = list(guard) if guard is not None else [True] * n
    hidden = [v is None for v in known]
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    used: list[int] = []
    for r, rel in enumerate(relations):
        cells = [c for c in (rel.total, *rel.parts) if hidden[c]]
        if cells:
            used.append(r)
            for c in cells[1:]:
                parent[find(c)] = find(cells[0])
    components: dict[int, list[int]] = {}
    for r in used:
        rel = relations[r]
        root = find(next(c for c in (rel.total, *rel.parts) if hidden[c]))
        components.setdefault(root, []).append(r)

    found = []
    for rels in components.values():
        found += _component(known, relations, rels, lo, hi, guarded, protection)
    return found



def _system(known: Sequence[float | None], relations: Sequence[Relation], rels: list[int],
            cells: list[int]) -> tuple[dict[int, int], np.ndarray, np.ndarray]:
    """The relations `rels` as A x = b over the hidden `cells` (known cells moved to b):
    each relation says total - sum(parts) = 0."""
    col = {c: k for k, c in enumerate(cells)}
    a = np.zeros((len(rels), len(cells)))
    b = np.zeros(len(rels))
    for i, r in enumerate(rels):
        rel = relations[r]
        for c, coef in ((rel.total, 1.0), *((p, -1.0) for p in rel.parts)):
            value = known[c]
            if value is None:
                a[i, col[c]] += coef
            else:
                b[i] -= coef * value
    return col, a, b


def _component(known: Sequence[float | None], relations: Sequence[Relation], rels: list[int],
               lo: list[float], hi: list[float], guarded: list[bool],
               protection: float) -> list[Problem]:
    cells = sorted({c for r in rels for c in (relations[r].total, *relations[r].parts)
                    if known[c] is None})
    col, a, b = _system(known, relations, rels, cells)
    if len(rels) == 1:  # one equation pins a cell only when it is its only unknown
        free = np.full(len(cells), len(cells) > 1)
        basis = np.zeros((len(cells), 0))
        point = a[0] * b[0]  # the one unknown's value when pinned (coefficient +-1)
    else:
        basis = null_space(a)
        free = np.linalg.norm(basis, axis=1) > TOL if basis.size else np.zeros(len(cells), bool)
        point = np.linalg.lstsq(a, b, rcond=None)[0]
    bounds = [(lo[c], hi[c]) for c in cells]
    need = [min(protection, hi[c] - lo[c]) for c in cells]
    wanted = [k for k, c in enumerate(cells) if guarded[c] and free[k] and need[k] > 0]
    bounded = any(math.isfinite(x) for pair in bounds for x in pair)
    intervals = _intervals(a, b, bounds, basis, wanted, need) if bounded and wanted else {}

    found = []
    for k, c in enumerate(cells):
        if not guarded[c]:
            continue
        if not free[k]:
            y = (np.linalg.lstsq(a.T, np.eye(len(cells))[k], rcond=None)[0] if len(rels) > 1
                 else np.ones(1))
            why = [r for r, w in zip(rels, y, strict=True) if abs(w) > TOL]
            found.append(Problem(c, float(point[k]), float(point[k]), why))
        elif intervals is not None and k in intervals:
            low_k, high_k = intervals[k]
            if high_k - low_k < need[k] - TOL:
                found.append(Problem(c, low_k, high_k, list(rels), by_bounds=True))
    return found


def _intervals(a: np.ndarray, b: np.ndarray, bounds: list[tuple[float, float]],
               basis: np.ndarray, wanted: list[int],
               need: list[float]) -> dict[int, tuple[float, float]] | None:
    """Min and max of the `wanted` unknowns over {a x = b, bounds}, as far as it matters.

    None if no solution exists (the relations then do not hold exactly, and a reader who sees
    that learns nothing from them). One relation has a closed form. Otherwise one linear
    program finds a point as deep inside the bounds as possible (depth t); moving from it
    along the null space keeps every bound for a while, which proves a width for each unknown
    without solving for it; only unknowns not proven wide enough get their own min and max.
    """
    if a.shape[0] == 1:
        one = _one_relation(a[0], float(b[0]), bounds)
        return None if one is None else {k: one[k] for k in wanted}
    n = a.shape[1]
    deep = _deepest(a, b, bounds)
    if deep is None:
        return None
    x, depth = deep
    fixed = [k for k, (lo, hi) in enumerate(bounds) if hi - lo <= TOL]
    out: dict[int, tuple[float, float]] = {}
    for k in wanted:
        v = basis @ basis[k]  # the null-space direction that moves unknown k most
        step = depth / np.abs(v).max() if depth > TOL else 0.0
        if fixed and np.abs(v[fixed]).max() > TOL:
            step = 0.0  # it would move a cell its bounds fix
        if 2 * step * v[k] >= need[k]:
            out[k] = (x[k] - step * v[k], x[k] + step * v[k])
            continue
        c = np.zeros(n)
        c[k] = 1.0
        ends = []
        for sign in (1.0, -1.0):
            res = linprog(sign * c, A_eq=a, b_eq=b, bounds=bounds, method="highs")
            if res.status == 2:
                return None
            ends.append(sign * res.fun if res.status == 0 else -sign * math.inf)
        out[k] = (ends[0], ends[1])
    return out


def _deepest(a: np.ndarray, b: np.ndarray,
             bounds: list[tuple[float, float]]) -> tuple[np.ndarray, float] | None:
    """A solution of a x = b within `bounds`, with the largest margin t to every bound that
    leaves room (capped at half the narrowest such range); None if there is no solution."""
    m, n = a.shape
    rows, rhs = [], []
    room = [k for k, (lo, hi) in enumerate(bounds) if hi - lo > TOL]
    for k in room:
        lo, hi = bounds[k]
        if math.isfinite(lo):  # x_k - t >= lo
            row = np.zeros(n + 1)
            row[k], row[n] = -1.0, 1.0
            rows.append(row)
            rhs.append(-lo)
        if math.isfinite(hi):  # x_k + t <= hi
            row = np.zeros(n + 1)
            row[k], row[n] = 1.0, 1.0
            rows.append(row)
            rhs.append(hi)
    cap = min([(bounds[k][1] - bounds[k][0]) / 2 for k in room] or [0.0])
    cap = min(cap, 1e6)
    c = np.zeros(n + 1)
    c[n] = -1.0
    res = linprog(c, A_ub=np.array(rows) if rows else None, b_ub=np.array(rhs) if rhs else None,
                  A_eq=np.hstack([a, np.zeros((m, 1))]), b_eq=b,
                  bounds=[*bounds, (0.0, cap)], method="highs")
    if res.status != 0:
        return None
    return res.x[:n], float(res.x[n])


def _one_relation(a: np.ndarray, b: float,
                  bounds: list[tuple[float, float]]) -> list[tuple[float, float]] | None:
    """Closed form for sum(a_k x_k) = b with each a_k = +-1 and x_k in bounds."""
    ends = [sorted((a_k * l_k, a_k * h_k)) for a_k, (l_k, h_k) in zip(a, bounds, strict=True)]
    lows, highs = _Sum([e[0] for e in ends]), _Sum([e[1] for e in ends])
    if lows.without(None) > b + TOL or highs.without(None) < b - TOL:
        return None
    out = []
    for k, (a_k, (l_k, h_k)) in enumerate(zip(a, bounds, strict=True)):
        # the others' sum lies in [lows without k, highs without k]
        span = sorted((a_k * (b - highs.without(k)), a_k * (b - lows.without(k))))
        out.append((max(l_k, span[0]), min(h_k, span[1])))
    return out


class _Sum:
    """A sum of terms that may be infinite (of one sign), leaving one term out on request."""

    def __init__(self, terms: list[float]) -> None:
        self.terms = terms
        self.finite = sum(t for t in terms if math.isfinite(t))
        self.infinite = [t for t in terms if not math.isfinite(t)]

    def without(self, k: int | None) -> float:
        skip = self.terms[k] if k is not None else 0.0
        infinite = list(self.infinite)
        if not math.isfinite(skip):
            infinite.remove(skip)
            skip = 0.0
        return infinite[0] if infinite else self.finite - skip


def interval(known: Sequence[float | None], relations: Sequence[Relation], cell: int, *,
             low: Sequence[float], high: Sequence[float]) -> tuple[float, float] | None:
    """The exact feasibility interval of one hidden cell (two linear programs over the
    relations that reach it); its prior bounds when no relation does; None if the relations
    cannot all hold."""
    hidden = {i for i, v in enumerate(known) if v is None}
    reach, rels, todo = {cell}, [], [cell]
    while todo:
        c = todo.pop()
        for r, rel in enumerate(relations):
            members = (rel.total, *rel.parts)
            if c in members and r not in rels:
                rels.append(r)
                for m in members:
                    if m in hidden and m not in reach:
                        reach.add(m)
                        todo.append(m)
    if not rels:
        return low[cell], high[cell]
    cells = sorted(reach)
    col, a, b = _system(known, relations, rels, cells)
    objective = np.zeros(len(cells))
    objective[col[cell]] = 1.0
    ends = []
    for sign in (1.0, -1.0):
        res = linprog(sign * objective, A_eq=a, b_eq=b,
                      bounds=[(low[c], high[c]) for c in cells], method="highs")
        if res.status == 2:
            return None
        ends.append(sign * res.fun if res.status == 0 else -sign * math.inf)
    return ends[0], ends[1]
