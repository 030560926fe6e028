"""California's Dashboard rules as data: the cut points of each indicator and year, the 5x5
grids that turn status and change levels into colors, and the small-group rules, read from
`california.yaml` (every row names its CDE source and whether it is verified) and checked
when this module is imported. Why ~430 lines: the typed rule objects and the file schema that
builds them are read together when a rule is added or questioned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workbook.errors import WorkbookError

Side = Literal["above", "below"]


@dataclass(frozen=True)
class Edge:
    """One boundary between two adjacent bands on the number line.

    CDE words every band edge one of two ways: "45.0 points or more" (the value on the edge
    belongs to the band *above* it) or "more than 15.0 points" (it belongs to the band
    *below*). The difference matters: statuses and changes are published to one decimal,
    so values land exactly on edges all the time (−3.0, 90.0, 2.5 ...).
    """

    value: float
    on_edge: Side

    def __str__(self) -> str:
        return f"{'≥' if self.on_edge == 'above' else '>'}{self.value:g}"


def ge(value: float) -> Edge:
    """An edge whose own value starts the band above it ("value or more")."""
    return Edge(float(value), "above")


def gt(value: float) -> Edge:
    """An edge whose own value still belongs to the band below it ("more than value")."""
    return Edge(float(value), "below")


@dataclass(frozen=True)
class CutPoints:
    """Four ascending edges that split a measure into five bands.

    Bands are counted on the number line (band 0 lowest). `higher_is_better` turns the band
    into a goodness level: band 4 is level 5 when higher is better, level 1 when lower is
    better. `decimals` is the rounding CDE applies before it compares ("determined after
    calculations and rounding", record layouts); None compares the value as given.
    """

    edges: tuple[Edge, Edge, Edge, Edge]
    higher_is_better: bool = True
    decimals: int | None = 1

    def __post_init__(self) -> None:
        if len(self.edges) != 4:
            raise ValueError(f"need 4 edges for 5 bands, got {len(self.edges)}")
        values = [e.value for e in self.edges]
        if any(b <= a for a, b in zip(values, values[1:], strict=False)):
            raise ValueError(f"edges must be strictly ascending: {values}")

    def describe(self) -> str:
        """The edges as text, e.g. '≥-70 ≥-5 ≥10 ≥45 (higher is better)'."""
        way = "higher" if self.higher_is_better else "lower"
        return " ".join(str(e) for e in self.edges) + f" ({way} is better)"


_COLOR_LETTER = {"R": 1, "O": 2, "Y": 3, "G": 4, "B": 5, "-": 0}


@dataclass(frozen=True)
class Grid:
    """A status level x change level -> color table (both levels in goodness order).

    `cells[s - 1][c - 1]` is the color for status level s and change level c; 0 is a cell
    CDE marks N/A. `source`, `checked` and `verified` say where the cells come from (as for
    `IndicatorCuts`); they do not take part in comparisons.
    """

    name: str
    cells: tuple[tuple[int, int, int, int, int], ...]
    source: str = field(default="", compare=False, repr=False)
    checked: str = field(default="", compare=False, repr=False)
    verified: bool = field(default=True, compare=False, repr=False)

    def color(self, status_level: int, change_level: int) -> int:
        """The color of one cell; 0 if either level is 0 (none given)."""
        if not (1 <= status_level <= 5 and 1 <= change_level <= 5):
            return 0
        return self.cells[status_level - 1][change_level - 1]

    def colors(self, status_level: Sequence[int] | np.ndarray,
               change_level: Sequence[int] | np.ndarray) -> np.ndarray:
        """Vectorised `color`: 0 wherever either level is outside 1-5."""
        s = np.asarray(status_level, dtype="int64")
        c = np.asarray(change_level, dtype="int64")
        ok = (s >= 1) & (s <= 5) & (c >= 1) & (c <= 5)
        table = np.asarray(self.cells, dtype="int64")
        return np.where(ok, table[np.clip(s, 1, 5) - 1, np.clip(c, 1, 5) - 1], 0)


def grid(name: str, text: str) -> Grid:
    """Read a grid written as CDE prints it: one line per status level, best first.

    Each line is `<status level>: <five colors>` with colors R O Y G B (or - for N/A) for
    change levels 1..5 in goodness order (for a higher-is-better measure: declined
    significantly, declined, maintained, increased, increased significantly).
    """
    rows: dict[int, tuple[int, int, int, int, int]] = {}
    for line in text.strip().splitlines():
        if ":" not in line:
            continue
        head, cells = line.split(":", 1)
        if not head.split() or not head.split()[-1].isdigit():
            continue  # the header line naming the change levels
        status = int(head.split()[-1])
        colors = tuple(_COLOR_LETTER[c] for c in cells.split())
        if len(colors) != 5:
            raise ValueError(f"grid {name!r}: status level {status} needs 5 cells")
        rows[status] = colors
    if sorted(rows) != [1, 2, 3, 4, 5]:
        raise ValueError(f"grid {name!r} needs rows for status levels 1-5")
    return Grid(name, tuple(rows[s] for s in range(1, 6)))


@dataclass(frozen=True)
class IndicatorCuts:
    """The cut points for one indicator, Dashboard year and variant.

    `variant` is "" when one table serves every row; "K8"/"HS" for ELA and mathematics
    (high schools have their own status cuts, file column `hscutpoints`); the suspension
    school/LEA type (ES, MS, HS, ED, HD, UD; file column `type`). `change` None means CDE
    reported status only (no change level, no color). `source` names the CDE document and
    year the numbers come from, `checked` what in the bundled files confirms them, and
    `verified` is False when nothing does (see `unverified`).
    """

    indicator: str
    year: int
    variant: str
    status: CutPoints
    change: CutPoints | None
    grid: Grid | None
    source: str
    checked: str = ""
    verified: bool = True


@dataclass(frozen=True)
class SizeRules:
    """When CDE withholds a level or a color, and its small-population (3x5) rule.

    - `min_reported`: below this many students CDE reports no status (so no status level)
      and no change. Applied to the current and prior denominators.
    - `min_color`: a color needs at least this many students in *both* years (CDE's
      accountability n-size; record layouts `currnsizemet` / `priornsizemet`).
    - `reduced_min_color` for `reduced_groups` at `reduced_org_levels`: the lower n-size
      some groups get at LEA level (2024: foster youth, homeless and long-term English
      learners need 15; schools still need 30).
    - `small_population`: a current denominator below this puts the row on the 3x5 grid
      (CDE "safety net" / `smalldenom`): "increased/declined significantly" are merged
      into "increased/declined". `small_population_groups` None means every student
      group; otherwise only those groups (Fall 2017: the All Students row only).
      `collapsed_change_published`: whether CDE's published change level is the merged
      one (True) or still the five-level one with only the color taken from the 3x5 grid.
    - `source`, `checked`, `verified`: as for `IndicatorCuts`.
    """

    min_reported: int = 11
    min_color: int = 30
    reduced_min_color: int | None = None
    reduced_groups: frozenset[str] = frozenset()
    reduced_org_levels: frozenset[str] = frozenset({"district"})
    small_population: int | None = None
    small_population_groups: frozenset[str] | None = None
    collapsed_change_published: bool = True
    source: str = ""
    checked: str = ""
    verified: bool = True


DATA_FILE = Path(__file__).with_name("california.yaml")


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    checked: str = Field(min_length=1)
    verified: bool


class _GridRow(_Row):
    cells: dict[int, str]

    @field_validator("cells")
    @classmethod
    def _five_by_five(cls, cells: dict[int, str]) -> dict[int, str]:
        if sorted(cells) != [1, 2, 3, 4, 5]:
            raise ValueError(f"needs rows for status levels 1-5, found {sorted(cells)}")
        for status, text in cells.items():
            letters = text.split()
            if len(letters) != 5 or not set(letters) <= set(_COLOR_LETTER):
                raise ValueError(f"status level {status}: needs five of R O Y G B -, "
                                 f"found {text!r}")
        return cells


def _edges(text: str) -> tuple[Edge, ...]:
    """'≥-15 >-3 ≥3 ≥15' as edges: '≥' (or '>=') starts the band above, '>' ends the one below."""
    edges = []
    for token in text.split():
        sign = next((s for s in ("≥", ">=", ">") if token.startswith(s)), None)
        try:
            value = float(token[len(sign):]) if sign else None
        except ValueError:
            value = None
        if value is None:
            raise ValueError(f"edge {token!r} must be ≥<number> or ><number>, e.g. ≥45 or >2.5")
        edges.append(ge(value) if sign in ("≥", ">=") else gt(value))
    return tuple(edges)


class _CutRow(_Row):
    indicator: str = Field(pattern=r"^[A-Z0-9_]+$")
    year: int = Field(ge=2000, le=2100)
    variant: str = ""
    better: Literal["higher", "lower"] = "higher"
    status: str
    change: str | None
    grid: str | None

    @field_validator("status", "change")
    @classmethod
    def _four_ascending_edges(cls, text: str | None) -> str | None:
        if text is not None:
            CutPoints(_edges(text))  # type: ignore[arg-type]  # raises ValueError
        return text

    def cuts(self) -> tuple[CutPoints, CutPoints | None]:
        higher = self.better == "higher"
        # CutPoints checks there are four edges (ValueError), as in the validator above
        change = None if self.change is None else CutPoints(
            _edges(self.change), higher_is_better=higher)  # type: ignore[arg-type]
        return CutPoints(_edges(self.status), higher_is_better=higher), change  # type: ignore[arg-type]


class _SizeRow(_Row):
    indicators: tuple[str, ...] = Field(min_length=1)
    year: int = Field(ge=2000, le=2100)
    min_reported: int = Field(default=11, ge=0)
    min_color: int = Field(default=30, ge=0)
    reduced_min_color: int | None = Field(default=None, ge=0)
    reduced_groups: frozenset[str] = frozenset()
    reduced_org_levels: frozenset[str] = frozenset({"district"})
    small_population: int | None = Field(default=None, ge=0)
    small_population_groups: frozenset[str] | None = None
    collapsed_change_published: bool = True


#: Grids the module names as constants (STANDARD_GRID ...); the file must define them.
_NAMED_GRIDS = ("standard", "academic", "graduation", "suspension", "suspension, elementary")


class _California(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    grids: dict[str, _GridRow]
    cut_tables: tuple[_CutRow, ...]
    size_rules: tuple[_SizeRow, ...]

    @model_validator(mode="after")
    def _consistent(self) -> _California:
        problems = [f"grids: {name!r} is missing" for name in _NAMED_GRIDS
                    if name not in self.grids]
        seen: set[tuple[str, int, str]] = set()
        sized = {(i, r.year) for r in self.size_rules for i in r.indicators}
        for n, row in enumerate(self.cut_tables):
            where = f"cut_tables.{n} ({_row_name(row.model_dump())})"
            key = (row.indicator, row.year, row.variant)
            if key in seen:
                problems.append(f"{where}: a second row for the same indicator, year and variant")
            seen.add(key)
            if row.grid is not None and row.grid not in self.grids:
                problems.append(f"{where}: grid {row.grid!r} is not one of {sorted(self.grids)}")
            if (row.change is None) != (row.grid is None):
                problems.append(f"{where}: change and grid must both be given or both null")
            if (row.indicator, row.year) not in sized:
                problems.append(f"{where}: no size_rules row for {row.indicator} {row.year}")
        keys = [(i, r.year) for r in self.size_rules for i in r.indicators]
        problems += [f"size_rules: {i} {y}: more than one row"
                     for i, y in sorted({k for k in keys if keys.count(k) > 1})]
        if problems:
            raise ValueError("; ".join(problems))
        return self


@dataclass(frozen=True)
class DashboardRules:
    """The contents of california.yaml as typed objects (see `read_rules`)."""

    grids: dict[str, Grid]
    cut_tables: tuple[IndicatorCuts, ...]
    size_rules: dict[tuple[str, int], SizeRules]


def _row_name(row: dict) -> str:
    """'SUSP 2024 MS', 'CHRO/SUSP/CCI 2024': how a message names a row of the file."""
    name = row.get("indicator") or "/".join(map(str, row.get("indicators") or ()))
    return " ".join(str(p) for p in (name, row.get("year"), row.get("variant")) if p)


def _where(raw: object, loc: tuple) -> str:
    """A validation error's place, with the row it is in named by its indicator and year."""
    text = ".".join(str(p) for p in loc) or "(top level)"
    if len(loc) >= 2 and loc[0] in ("cut_tables", "size_rules") and isinstance(loc[1], int):
        try:
            # raw is whatever the YAML held; a wrong shape is caught just below
            text += f" ({_row_name(raw[loc[0]][loc[1]])})"  # type: ignore[index]
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
    return text


def _five_colors(text: str) -> tuple[int, int, int, int, int]:
    """The colors of one grid row ("R O Y G B"); `_GridRow` has checked there are five."""
    colors = tuple(_COLOR_LETTER[c] for c in text.split())
    assert len(colors) == 5
    return colors


def read_rules(path: str | Path = DATA_FILE) -> DashboardRules:
    """Read and validate a cut-point file like california.yaml.

    Why: the cut points are CDE's content, not code; a file that fails here (an unknown key,
    three edges, a grid name that does not exist) raises `WorkbookError` naming the file,
    the row and the key, rather than silently recomputing wrong colors.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        content = _California.model_validate(raw)
    except yaml.YAMLError as exc:
        raise WorkbookError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        lines = [f"{path}: {_where(raw, e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise WorkbookError("\n".join(lines) + "\nNothing was loaded; fix the file and "
                            "import workbook.dashboard again.") from None
    grids = {name: Grid(name, tuple(_five_colors(row.cells[s]) for s in range(1, 6)),
                        source=row.source, checked=row.checked, verified=row.verified)
             for name, row in content.grids.items()}
    tables = tuple(IndicatorCuts(
        r.indicator, r.year, r.variant, *r.cuts(), grid=None if r.grid is None else grids[r.grid],
        source=r.source, checked=r.checked, verified=r.verified) for r in content.cut_tables)
    rules: dict[tuple[str, int], SizeRules] = {}
    for r in content.size_rules:
        fields = r.model_dump(exclude={"indicators", "year"})
        rule = SizeRules(**fields)
        rules.update({(indicator, r.year): rule for indicator in r.indicators})
    return DashboardRules(grids, tables, rules)


_RULES = read_rules()


GRIDS: dict[str, Grid] = _RULES.grids


#: The grid CDE has used since 2017 for most state indicators.
STANDARD_GRID = GRIDS["standard"]


#: ELA and mathematics since the 2019 Dashboard.
ACADEMIC_GRID = GRIDS["academic"]


#: Graduation rate: Very Low is Red and Very High Blue whatever the change.
GRADUATION_GRID = GRIDS["graduation"]


#: Suspension: the standard grid with CDE's N/A cell (Very Low + increased significantly).
SUSPENSION_GRID = GRIDS["suspension"]


#: Elementary schools and districts: also Low + increased significantly is N/A.
SUSPENSION_GRID_ELEMENTARY = GRIDS["suspension, elementary"]


CUT_TABLES: tuple[IndicatorCuts, ...] = _RULES.cut_tables


SIZE_RULES: dict[tuple[str, int], SizeRules] = _RULES.size_rules


_BY_KEY: dict[tuple[str, int, str], IndicatorCuts] = {
    (t.indicator, t.year, t.variant): t for t in CUT_TABLES}


def cut_table(indicator: str, year: int, variant: str = "") -> IndicatorCuts | None:
    """The cut points for an indicator, Dashboard year and variant, or None if unknown."""
    return _BY_KEY.get((indicator, int(year), variant))


def unverified(year: int | None = None) -> list[str]:
    """Every grid, cut table and size rule no bundled CDE file confirms, with its source
    (with `year`: the grids and that Dashboard year's rows only).

    Why: such rows come from memory of CDE's tables, so a level recomputed with them may be
    wrong; reports name them in their fine print. One line per row, e.g.
    "SUSP 2024 MS cut points: CDE five-by-five colored tables, ... (checked: nothing; ...)".
    """
    lines = [f"{g.name} grid: {g.source} (checked: {g.checked})"
             for g in GRIDS.values() if not g.verified]
    lines += [f"{' '.join(p for p in (t.indicator, str(t.year), t.variant) if p)} cut points: "
              f"{t.source} (checked: {t.checked})" for t in CUT_TABLES
              if not t.verified and year in (None, t.year)]
    shared: dict[int, list[tuple[str, int]]] = {}
    for key, rule in SIZE_RULES.items():
        shared.setdefault(id(rule), []).append(key)
    for keys in shared.values():
        rule = SIZE_RULES[keys[0]]
        if not rule.verified and year in (None, keys[0][1]):
            lines.append(f"{'/'.join(k[0] for k in keys)} {keys[0][1]} size rules: "
                         f"{rule.source} (checked: {rule.checked})")
    return lines
