"""California School Dashboard levels and colors, recomputed from status and change.

Why recompute what CDE already published? Three reasons: (1) to check a loaded file (a level
that cannot be reproduced from the row's own numbers points at a wrong file, a wrong year's
cut points or a changed rule), (2) to answer "what would it take" questions (which change
would turn this group Yellow?), and (3) to run a district's *own* measures through the same
status x change grid, so local and state results read alike.

Every level here is in "goodness" order, as CDE stores them in its download files: 5 is
the best band and 1 the worst, whatever the direction of the measure. A Very High ELA
status is 5, a Very High chronic absenteeism rate is 1; a large *decline* in absenteeism
is change level 5. (Checked on the bundled files: chronic absenteeism rows at 20.2-55.6 %
carry status level 1, and its declines of 3.0 points or more carry change level 5.)
Colors: 1 Red, 2 Orange, 3 Yellow, 4 Green, 5 Blue; 0 means CDE gave none.

The cut points are data, in `CUT_TABLES` (one typed row per indicator x year x variant) and
the small-group rules in `SIZE_RULES`; each row names its source and what in the bundled
files verified it. `compute_levels` applies them to the tidy table of `workbook.data`;
`agreement` / `disagreements` compare the result with CDE's published columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "Edge", "ge", "gt", "CutPoints", "level", "levels", "Grid", "grid",
    "STANDARD_GRID", "ACADEMIC_GRID", "GRADUATION_GRID", "SUSPENSION_GRID",
    "SUSPENSION_GRID_ELEMENTARY", "IndicatorCuts", "SizeRules", "CUT_TABLES", "SIZE_RULES",
    "cut_table", "variant_of", "compute_levels", "agreement", "disagreements",
    "LocalMeasure", "local_levels", "LEVEL_COLUMNS",
]

LEVEL_COLUMNS = ("status_level", "change_level", "color")
Side = Literal["above", "below"]


# --------------------------------------------------------------------------------------
# Cut points
# --------------------------------------------------------------------------------------


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


def _round_half_away(values: np.ndarray, decimals: int | None) -> np.ndarray:
    """Round as SAS and CDE do (half away from zero), robust to binary float noise."""
    if decimals is None:
        return values
    scale = 10.0 ** decimals
    return np.sign(values) * np.floor(np.abs(values) * scale + 0.5 + 1e-9) / scale


def levels(values: Iterable[float | None] | pd.Series, cuts: CutPoints) -> pd.Series:
    """Goodness levels 1-5 for many values (0 where the value is missing), as Int64."""
    index = values.index if isinstance(values, pd.Series) else None
    raw = pd.to_numeric(pd.Series(values, index=index), errors="coerce").astype("float64")
    x = _round_half_away(raw.to_numpy(), cuts.decimals)
    band = np.zeros(len(x), dtype="int64")
    for edge in cuts.edges:
        band += (x >= edge.value) if edge.on_edge == "above" else (x > edge.value)
    out = band + 1 if cuts.higher_is_better else 5 - band
    out = np.where(np.isnan(x), 0, out)
    return pd.Series(out, index=raw.index, dtype="Int64")


def level(value: float | None, cuts: CutPoints) -> int:
    """The goodness level 1-5 of one value under `cuts`; 0 when the value is missing."""
    return int(levels([value], cuts).iloc[0])


# --------------------------------------------------------------------------------------
# The five-by-five grids
# --------------------------------------------------------------------------------------

_COLOR_LETTER = {"R": 1, "O": 2, "Y": 3, "G": 4, "B": 5, "-": 0}


@dataclass(frozen=True)
class Grid:
    """A status level x change level -> color table (both levels in goodness order).

    `cells[s - 1][c - 1]` is the color for status level s and change level c; 0 is a cell
    CDE marks N/A.
    """

    name: str
    cells: tuple[tuple[int, int, int, int, int], ...]

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
        rows[status] = colors  # type: ignore[assignment]
    if sorted(rows) != [1, 2, 3, 4, 5]:
        raise ValueError(f"grid {name!r} needs rows for status levels 1-5")
    return Grid(name, tuple(rows[s] for s in range(1, 6)))


#: The grid CDE has used since 2017 for most state indicators (five-by-five colored
#: tables, 2017-2024). Verified cell by cell on the bundled chronic absenteeism, English
#: learner progress (2017, 2024), college/career (2024) and suspension (2024) rows.
STANDARD_GRID = grid("standard", """
                 change:  1  2  3  4  5
    status (best)     5:  Y  G  B  B  B
                      4:  O  Y  G  G  B
                      3:  O  O  Y  G  G
                      2:  R  O  O  Y  Y
    status (worst)    1:  R  R  R  O  Y
""")

#: ELA and mathematics since the 2019 Dashboard (the academic five-by-five table; same
#: cells as the cadashR package draws). Verified on every 2024 ELA/math row with a color.
ACADEMIC_GRID = grid("academic", """
                 change:  1  2  3  4  5
                      5:  G  G  B  B  B
                      4:  G  G  G  G  B
                      3:  Y  Y  Y  G  G
                      2:  O  O  O  Y  Y
                      1:  R  R  R  O  O
""")

#: Graduation rate: as the standard grid, except that a Very Low status is Red and a
#: Very High status Blue whatever the change. The bundled 2017, 2018 and 2024 files show
#: Very Low rows Red with every change level and Very High rows Blue with change levels
#: 2-5 (standard grid: Green for 2); no Very High row has change level 1 in these files,
#: so that one cell follows the rest of its row.
GRADUATION_GRID = grid("graduation", """
                 change:  1  2  3  4  5
                      5:  B  B  B  B  B
                      4:  O  Y  G  G  B
                      3:  O  O  Y  G  G
                      2:  R  O  O  Y  Y
                      1:  R  R  R  R  R
""")

#: Suspension: the standard grid with the cell CDE prints as N/A (gray) - a Very Low rate
#: cannot have increased significantly (seen on CDE's elementary, elementary-district and
#: unified tables, 2017-2019). N/A cells are unreachable, so they never decide a color.
SUSPENSION_GRID = grid("suspension", """
                 change:  1  2  3  4  5
                      5:  -  G  B  B  B
                      4:  O  Y  G  G  B
                      3:  O  O  Y  G  G
                      2:  R  O  O  Y  Y
                      1:  R  R  R  O  Y
""")

#: Elementary schools and elementary districts: also Low + increased significantly is
#: N/A, again unreachable (CDE Fall 2017 and 2019 elementary tables).
SUSPENSION_GRID_ELEMENTARY = grid("suspension, elementary", """
                 change:  1  2  3  4  5
                      5:  -  G  B  B  B
                      4:  -  Y  G  G  B
                      3:  O  O  Y  G  G
                      2:  R  O  O  Y  Y
                      1:  R  R  R  O  Y
""")


# --------------------------------------------------------------------------------------
# The cut-point table
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorCuts:
    """The cut points for one indicator, Dashboard year and variant.

    `variant` is "" when one table serves every row; "K8"/"HS" for ELA and mathematics
    (high schools have their own status cuts, file column `hscutpoints`); the suspension
    school/LEA type (ES, MS, HS, ED, HD, UD; file column `type`). `change` None means CDE
    reported status only (no change level, no color). `source` says where the numbers
    come from and what in the bundled files checks them.
    """

    indicator: str
    year: int
    variant: str
    status: CutPoints
    change: CutPoints | None
    grid: Grid | None
    source: str


def _cuts(*edges: Edge, higher: bool = True) -> CutPoints:
    return CutPoints(tuple(edges), higher_is_better=higher)  # type: ignore[arg-type]


_FIVE = "CDE five-by-five colored tables"
_TG = "CDE Dashboard technical guide"

# Change bands shared by several tables. The asymmetric edges are CDE's wording, e.g.
# academic change: "declined significantly by more than 15.0 points" (−15.0 is only
# Declined), "declined by 3.0 to 15.0", "maintained: declined or increased by less than
# 3.0" (−3.0 is Declined, +3.0 is Increased), "increased significantly by 15.0 or more".
_ACADEMIC_CHANGE = _cuts(ge(-15), gt(-3), ge(3), ge(15))
# Graduation: "declined significantly by more than 5.0 %", "declined 1.0 % to 5.0 %",
# maintained "less than 1.0 %", "increased 1.0 % to less than 5.0 %", "5.0 % or more".
_GRAD_CHANGE = _cuts(ge(-5), gt(-1), ge(1), ge(5))
# Suspension LEA/school change bands (lower is better), e.g. unified: "declined
# significantly by 2.0 % or greater", "declined by 0.3 % to less than 2.0 %", "maintained:
# declined or increased by less than 0.3 %", "increased by 0.3 % to 2.0 %", "increased
# significantly by greater than 2.0 %".
_SUSP_CHANGE_03_20 = _cuts(gt(-2.0), gt(-0.3), ge(0.3), gt(2.0), higher=False)

CUT_TABLES: tuple[IndicatorCuts, ...] = (
    # ---------------------------------------------------------------- Fall 2017 ------
    IndicatorCuts(
        "GRAD", 2017, "",
        # Very Low < 67 ≤ Low < 85 ≤ Medium < 90 ≤ High < 95 ≤ Very High
        status=_cuts(ge(67), ge(85), ge(90), ge(95)),
        # Change is against the average of up to three prior years (file: priorstatus,
        # cal_method); the cut points are the same as later years'.
        change=_GRAD_CHANGE, grid=GRADUATION_GRID,
        source=f"{_TG} Fall 2017 (graduation rate indicator); bundled graddownload2017f: "
               "Low 69.1-84.8, Medium 85.3-89.9, High 90.3-94.9, Very High 95.0+"),
    IndicatorCuts(
        "CCI", 2017, "",
        # Fall 2017 college/career: status only ("Prepared" percent), no change, no color.
        status=_cuts(ge(10), ge(35), ge(55), ge(70)), change=None, grid=None,
        source=f"{_TG} Fall 2017 (college/career indicator, status only); bundled "
               "ccidownload2017f: Very Low ≤9.5, Low 10.3-34.9, Medium 35.0-54.6, "
               "High 55.2-67.1, Very High 70.0+"),
    IndicatorCuts(
        "ELPI", 2017, "",
        # CELDT-based ELPI: Very Low < 60 ≤ Low < 67 ≤ Medium < 75 ≤ High < 85 ≤ Very High;
        # change: "declined significantly by more than 10.0 %", "declined 1.5 % to 10.0 %",
        # "maintained: less than 1.5 %", "increased 1.5 % to less than 10.0 %", "10.0 % or
        # more".
        status=_cuts(ge(60), ge(67), ge(75), ge(85)),
        change=_cuts(ge(-10), gt(-1.5), ge(1.5), ge(10)), grid=STANDARD_GRID,
        source=f"{_TG} Fall 2017 and {_FIVE} Nov 2017 (English learner progress); bundled "
               "elpidownload2017f: status 59.9|60.3, 66.9|67.0, 74.7|75.0, 84.2|85.1; "
               "change -11.6|-9.8, -1.5|-1.4, 1.4|1.5, 9.8|10.1"),
    # ---------------------------------------------------------------- 2018 -----------
    IndicatorCuts(
        "GRAD", 2018, "",
        # Very Low < 67 ≤ Low < 80 ≤ Medium < 90 ≤ High < 95 ≤ Very High (traditional
        # schools; DASS schools and county offices used modified methods in 2018 - see
        # `disagreements`: they are not reproduced here).
        status=_cuts(ge(67), ge(80), ge(90), ge(95)),
        change=_GRAD_CHANGE, grid=GRADUATION_GRID,
        source=f"{_TG} 2018 and {_FIVE} 2018 (graduation rate); bundled graddownload2018 "
               "(non-DASS): Very Low ≤66.7, Low 67.2-79.4, Medium 80.0+, High 90.0+, "
               "Very High 95.1+"),
    # ---------------------------------------------------------------- 2024 -----------
    # Academic indicator (distance from standard, points). Grades 3-8 ("K8") and high
    # school ("HS", file column hscutpoints = Y) have separate status cuts; change cuts
    # are shared. Wording: "Very Low: 70.1 or more points below standard", "Low: 5.1 to
    # 70.0 below", "Medium: 5.0 below to 9.9 above", "High: 10.0 to 44.9 above", "Very
    # High: 45.0 or more above" - so each lower edge belongs to the band above it.
    IndicatorCuts(
        "ELA", 2024, "K8", status=_cuts(ge(-70), ge(-5), ge(10), ge(45)),
        change=_ACADEMIC_CHANGE, grid=ACADEMIC_GRID,
        source=f"{_TG} 2024 (academic indicator); bundled ELA_2024: -70.1|-69.7, "
               "-5.3|-4.9, 9.9|11.4, 42.8|51.1; change -3.1|-2.8, 2.8|3.0, -15.1|-14.6"),
    IndicatorCuts(
        "ELA", 2024, "HS", status=_cuts(ge(-45), ge(0), ge(30), ge(75)),
        change=_ACADEMIC_CHANGE, grid=ACADEMIC_GRID,
        source=f"{_TG} 2024 (academic indicator, high school cut scores); bundled "
               "ELA_2024 hscutpoints rows: -60.9|-30.4, -2.8|11.2, 26.8|36.8, 60.5|83.3"),
    IndicatorCuts(
        "MATH", 2024, "K8", status=_cuts(ge(-95), ge(-25), ge(0), ge(35)),
        change=_ACADEMIC_CHANGE, grid=ACADEMIC_GRID,
        source=f"{_TG} 2024 (academic indicator); bundled MATH_2024: -97.4|-95.0, "
               "-25.4|-23.9, -1.1|0.8, 29.4|35.9"),
    IndicatorCuts(
        "MATH", 2024, "HS", status=_cuts(ge(-115), ge(-60), ge(0), ge(25)),
        change=_ACADEMIC_CHANGE, grid=ACADEMIC_GRID,
        source=f"{_TG} 2024 (academic indicator, high school cut scores); bundled "
               "MATH_2024 hscutpoints rows: -123.2|-113.8, -97.7|-50.6, -15.8|37.5"),
    IndicatorCuts(
        "CHRO", 2024, "",
        # Lower is better. "Very Low 2.5 % or less", "Low 2.6 % to 5.0 %", "Medium 5.1 %
        # to 10.0 %", "High 10.1 % to 20.0 %", "Very High 20.1 % or greater"; change
        # "declined significantly by 3.0 p.pts or more", "declined by 0.5 to 2.9",
        # "maintained: 0.4 or fewer", "increased by 0.5 to 3.0", "increased
        # significantly by 3.1 or more".
        status=_cuts(gt(2.5), gt(5), gt(10), gt(20), higher=False),
        change=_cuts(gt(-3), gt(-0.5), ge(0.5), gt(3), higher=False), grid=STANDARD_GRID,
        source=f"{_FIVE} 2023 (chronic absenteeism; unchanged for 2024); bundled "
               "CHRONIC_2024: 20.0 High, 20.2 Very High, 10.0 Medium, 5.0 Low; change "
               "-3.0 declined significantly, -0.5 declined, 0.3 maintained, 0.6 increased"),
    IndicatorCuts(
        "GRAD", 2024, "",
        # Combined four-/five-year rate. Very Low < 68 ≤ Low < 80 ≤ Medium < 90.5 ≤ High
        # < 95 ≤ Very High. The High edge is 90.5, not 90.0: the bundled file publishes
        # 90.0, 90.2 and 90.4 as Medium and 90.7 as High (rates rounded to 0.1).
        status=_cuts(ge(68), ge(80), ge(90.5), ge(95)),
        change=_GRAD_CHANGE, grid=GRADUATION_GRID,
        source=f"{_TG} 2024 (graduation rate); bundled GRAD_2024: 64.5|68.4, 79.0|80.4, "
               "90.4|90.7, 94.9|95.1; change 0.9|1.1, 4.8|5.0, -1.4 declined, -6.3 "
               "declined significantly"),
    IndicatorCuts(
        "CCI", 2024, "",
        # "Prepared" percent. Very Low < 10 ≤ Low < 35 ≤ Medium < 55 ≤ High < 70 ≤ Very
        # High; change "declined significantly by more than 9.0", "declined 2.0 to 9.0",
        # "maintained: less than 2.0", "increased 2.0 to less than 9.0", "9.0 or more".
        status=_cuts(ge(10), ge(35), ge(55), ge(70)),
        change=_cuts(ge(-9), gt(-2), ge(2), ge(9)), grid=STANDARD_GRID,
        source=f"{_TG} 2024 (college/career); bundled CCI_2024: 9.6|11.1, 34.3|37.3, "
               "54.1|55.5, 68.8|70.6; change 1.5 maintained, 2.2 increased, 15.6 "
               "increased significantly, -10.9 declined significantly"),
    IndicatorCuts(
        "ELPI", 2024, "",
        # ELPAC-based ELPI ("progressed at least one level"). Very Low < 35 ≤ Low < 45 ≤
        # Medium < 55 ≤ High < 65 ≤ Very High; change "declined significantly by 10.0 % or
        # more", "declined 2.0 % to 9.9 %", "maintained: 1.9 % or less either way",
        # "increased 2.0 % to 9.9 %", "increased significantly by 10.0 % or more".
        status=_cuts(ge(35), ge(45), ge(55), ge(65)),
        change=_cuts(gt(-10), gt(-2), ge(2), ge(10)), grid=STANDARD_GRID,
        source=f"{_FIVE} 2023 (English learner progress; unchanged for 2024); bundled "
               "ELPI_2024: 34.9|39.8, 44.5|45.2, 54.9|55.3, 64.5|67.7; change "
               "-10.2|-9.9, -2.4|-1.3, -1.1|5.0, 8.1|12.5"),
    # Suspension (lower is better): one table per LEA type (ED elementary, HD high school,
    # UD unified district) and school type (ES, MS, HS). Status edges are "X % or less"
    # / "greater than X %", i.e. the edge value belongs to the lower (better) band.
    IndicatorCuts(
        "SUSP", 2024, "ED",
        status=_cuts(gt(0.5), gt(1.5), gt(3.0), gt(6.0), higher=False),
        change=_SUSP_CHANGE_03_20, grid=SUSPENSION_GRID_ELEMENTARY,
        source=f"{_FIVE} 2019 and 2023 (LEA elementary school district); bundled "
               "SUSPENSION_2024 ED: 0.4|1.1, 1.5|1.6, 3.0|3.1, 5.9|6.9; change -2.0 "
               "declined significantly, -0.3 declined, 0.3 increased"),
    IndicatorCuts(
        "SUSP", 2024, "UD",
        status=_cuts(gt(1.0), gt(2.5), gt(4.5), gt(8.0), higher=False),
        change=_SUSP_CHANGE_03_20, grid=SUSPENSION_GRID,
        source=f"{_FIVE} 2018 (LEA unified district, on CDE's 2018 placement report) and "
               "2023; bundled SUSPENSION_2024 UD: 0.9|1.3, 2.5|2.8, 4.5|4.6, 8.0|8.9; "
               "change 2.0 increased, 2.2 increased significantly"),
    IndicatorCuts(
        "SUSP", 2024, "HD",
        # Status 1.5 / 3.5 / 6.0 / 9.0; change: maintained "less than 0.5 %", declined
        # significantly "3.0 % or greater", increased significantly "greater than 2.0 %".
        status=_cuts(gt(1.5), gt(3.5), gt(6.0), gt(9.0), higher=False),
        change=_cuts(gt(-3.0), gt(-0.5), ge(0.5), gt(2.0), higher=False),
        grid=SUSPENSION_GRID,
        source=f"{_FIVE} 2017-2019 (LEA high school district), from recollection of the "
               "tables; bundled SUSPENSION_2024 HD agrees: 0.0 Very Low, 1.9-3.3 Low, "
               "4.5-5.8 Medium, 6.5-7.9 High, 9.1+ Very High; change 0.4 maintained, "
               "0.5 increased, -0.5 and -2.6 declined, -4.1 declined significantly "
               "(the +2.0 edge is not exercised by the bundled rows)"),
    IndicatorCuts(
        "SUSP", 2024, "ES",
        # "declined by 0.3 % to less than 1.0 %", "declined significantly by 1.0 % or
        # greater" (elementary schools suspend least, so smaller steps count).
        status=_cuts(gt(0.5), gt(1.0), gt(3.0), gt(6.0), higher=False),
        change=_cuts(gt(-1.0), gt(-0.3), ge(0.3), gt(2.0), higher=False),
        grid=SUSPENSION_GRID_ELEMENTARY,
        source=f"{_FIVE} Fall 2017 and 2019 (school elementary, on CDE's placement "
               "reports); bundled SUSPENSION_2024 ES: 1.0 Low, 1.1 Medium, 3.0|3.1, "
               "6.0|6.6; change -1.2 declined significantly, 3.4 increased significantly"),
    IndicatorCuts(
        "SUSP", 2024, "MS",
        status=_cuts(gt(0.5), gt(2.0), gt(8.0), gt(12.0), higher=False),
        change=_cuts(gt(-3.0), gt(-0.3), ge(0.3), gt(4.0), higher=False),
        grid=SUSPENSION_GRID,
        source=f"{_FIVE} 2017-2019 (school middle school), from recollection; NOT "
               "verified: the bundled files have no middle-school rows"),
    IndicatorCuts(
        "SUSP", 2024, "HS",
        status=_cuts(gt(0.5), gt(1.5), gt(6.0), gt(10.0), higher=False),
        change=_cuts(gt(-2.0), gt(-0.3), ge(0.3), gt(2.0), higher=False),
        grid=SUSPENSION_GRID,
        source=f"{_FIVE} 2017-2019 (school high school), from recollection; the bundled "
               "HS rows (all 0.0 % with change 0.0) confirm only Very Low / Maintained"),
)


def cut_table(indicator: str, year: int, variant: str = "") -> IndicatorCuts | None:
    """The cut points for an indicator, Dashboard year and variant, or None if unknown."""
    return _BY_KEY.get((indicator, int(year), variant))


_BY_KEY: dict[tuple[str, int, str], IndicatorCuts] = {
    (t.indicator, t.year, t.variant): t for t in CUT_TABLES}
_VARIANT_INDICATORS = {"ELA", "MATH", "SUSP"}


def variant_of(frame: pd.DataFrame) -> pd.Series:
    """Which cut-point variant each tidy row takes ("" / "K8" / "HS" / suspension type)."""
    indicator = frame["indicator"].astype("string")
    out = pd.Series("", index=frame.index, dtype="string")
    academic = indicator.isin(["ELA", "MATH"])
    hs = frame["hs_cutpoints"].astype("boolean").fillna(False) if "hs_cutpoints" in frame \
        else pd.Series(False, index=frame.index)
    out[academic] = np.where(hs[academic], "HS", "K8")
    susp = indicator == "SUSP"
    if "school_type" in frame:
        out[susp] = frame.loc[susp, "school_type"].astype("string").fillna("").str.upper()
    return out


# --------------------------------------------------------------------------------------
# Small-group rules
# --------------------------------------------------------------------------------------


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


_LEA_15 = frozenset({"FOS", "HOM", "LTEL"})

SIZE_RULES: dict[tuple[str, int], SizeRules] = {
    ("GRAD", 2017): SizeRules(
        small_population=150, small_population_groups=frozenset({"ALL"}),
        source="Fall 2017 safety net for schools/LEAs under 150 students, All Students "
               "row only (bundled file: safetynet = Y exactly on ALL rows with currdenom "
               "< 150; their changes of ±5 or more carry change level 2/4)"),
    ("CCI", 2017): SizeRules(source="status only in Fall 2017"),
    ("ELPI", 2017): SizeRules(
        source="n-size 30 in both years; CDE counted annual CELDT testers (currtesters, "
               "priortesters), which the tidy table does not carry - see disagreements"),
    ("GRAD", 2018): SizeRules(
        reduced_min_color=15, reduced_groups=frozenset({"FOS", "HOM"}),
        small_population=150,
        source="2018: safety net for every group under 150 (safetynet = Y exactly when "
               "currdenom < 150); LEA-level homeless groups of 20 and 24 carry colors"),
    **{(ind, 2024): SizeRules(
        reduced_min_color=15, reduced_groups=_LEA_15, small_population=150,
        source="2024 record layouts: smalldenom 'student population less than 150: 3x5 "
               "color grid was applied'; currnsizemet/priornsizemet n-size 30; LEA-level "
               "FOS/HOM/LTEL groups of 15-29 carry colors in the bundled file")
       for ind in ("CHRO", "SUSP", "CCI")},
    ("GRAD", 2024): SizeRules(
        reduced_min_color=15, reduced_groups=_LEA_15, small_population=150,
        collapsed_change_published=False,
        source="2024: as chronic absenteeism, but the graduation file keeps the five-level "
               "change level and takes only the color from the 3x5 grid (e.g. High + "
               "increased significantly, n = 122: Green)"),
    **{(ind, 2024): SizeRules(
        reduced_min_color=15, reduced_groups=_LEA_15,
        source="2024: no small-population grid for the academic and EL progress "
               "indicators (their files have no smalldenom column)")
       for ind in ("ELA", "MATH", "ELPI")},
}


def _collapse(change_level: np.ndarray) -> np.ndarray:
    """3x5 grid: declined significantly -> declined, increased significantly -> increased."""
    return np.select([change_level == 1, change_level == 5], [2, 4], change_level)


# --------------------------------------------------------------------------------------
# Recomputing the published columns
# --------------------------------------------------------------------------------------


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[col], errors="coerce").astype("float64").to_numpy()


def compute_levels(frame: pd.DataFrame) -> pd.DataFrame:
    """CDE's status level, change level and color for every row of a tidy outcome table.

    Why: to check CDE's published levels against the row's own numbers (see `agreement`)
    and to work out levels for values CDE has not published yet. Returns a frame aligned
    to `frame.index` with Int64 columns `status_level`, `change_level`, `color` (0 = none
    given, as in CDE's files). Rows whose indicator / year / variant has no entry in
    `CUT_TABLES` get <NA> in all three; status-only tables (Fall 2017 college/career) get
    <NA> change level and color.

    Rules applied, in CDE's order (see `SizeRules`): no status level without a status or
    below `min_reported` students; no change level without a prior-year status; a 3x5
    grid for small populations; no color unless both years reach the n-size. CDE never
    gives a color from status alone in these files (every row with a status but no
    change has color 0), so neither does this.
    """
    result = {c: pd.array([pd.NA] * len(frame), dtype="Int64") for c in LEVEL_COLUMNS}
    if len(frame):
        keys = pd.DataFrame({  # positional, so any index (even a repeated one) works
            "indicator": frame["indicator"].astype("string").to_numpy(),
            "year": pd.to_numeric(frame["year"], errors="coerce").to_numpy(),
            "variant": variant_of(frame).to_numpy()})
        for (indicator, year, var), pos in keys.groupby(
                ["indicator", "year", "variant"], dropna=True).indices.items():
            table = cut_table(str(indicator), int(year), str(var))
            if table is None:
                continue
            rules = SIZE_RULES.get((table.indicator, table.year), SizeRules())
            part = _levels_for(frame.iloc[pos], table, rules)
            for col in LEVEL_COLUMNS:
                result[col][pos] = part[col].to_numpy()
    return pd.DataFrame(result, index=frame.index)


def _levels_for(part: pd.DataFrame, table: IndicatorCuts, rules: SizeRules) -> pd.DataFrame:
    status = _num(part, "status")
    change = _num(part, "change")
    prior_status = _num(part, "prior_status")
    denom = _num(part, "denominator")
    prior_denom = _num(part, "prior_denominator")

    big_enough = np.isnan(denom) | (denom >= rules.min_reported)
    has_status = ~np.isnan(status) & big_enough
    status_level = np.where(has_status, levels(status, table.status).to_numpy(int), 0)
    result = {"status_level": pd.array(status_level, dtype="Int64"),
              "change_level": pd.array([pd.NA] * len(part), dtype="Int64"),
              "color": pd.array([pd.NA] * len(part), dtype="Int64")}
    if table.change is None:
        return pd.DataFrame(result, index=part.index)

    prior_big = np.isnan(prior_denom) | (prior_denom >= rules.min_reported)
    has_change = has_status & ~np.isnan(change) & ~np.isnan(prior_status) & prior_big
    change_level = np.where(has_change, levels(change, table.change).to_numpy(int), 0)

    grid_change = change_level
    if rules.small_population is not None:
        small = ~np.isnan(denom) & (denom < rules.small_population)
        if rules.small_population_groups is not None:
            small &= part["student_group"].isin(rules.small_population_groups).to_numpy()
        grid_change = np.where(small, _collapse(change_level), change_level)
        if rules.collapsed_change_published:
            change_level = grid_change
    result["change_level"] = pd.array(change_level, dtype="Int64")
    if table.grid is None:
        return pd.DataFrame(result, index=part.index)

    minimum = np.full(len(part), rules.min_color, dtype="float64")
    if rules.reduced_min_color is not None:
        reduced = (part["student_group"].isin(rules.reduced_groups)
                   & part["org_level"].isin(rules.reduced_org_levels)).to_numpy()
        minimum = np.where(reduced, rules.reduced_min_color, minimum)
    with np.errstate(invalid="ignore"):
        sized = (denom >= minimum) & (prior_denom >= minimum)  # NaN counts: no color
    colored = (status_level > 0) & (change_level > 0) & sized
    color = np.where(colored, table.grid.colors(status_level, grid_change), 0)
    result["color"] = pd.array(color, dtype="Int64")
    return pd.DataFrame(result, index=part.index)


# --------------------------------------------------------------------------------------
# Comparing with CDE's published levels
# --------------------------------------------------------------------------------------

_FIELD_NAMES = {"status_level": "status", "change_level": "change", "color": "color"}


def agreement(frame: pd.DataFrame, computed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per indicator and year: how often the recomputed levels equal CDE's published ones.

    Why: a one-glance check that the cut-point table and rules reproduce the state's own
    results (100 % expected; anything less is listed by `disagreements`). A row counts for
    a column when both the published and the recomputed value exist (a published 0, "none
    given", counts). Columns: `rows` (rows with a recomputed status level), then
    `<status|change|color>_compared`, `_agree` and `_pct` (percent, NaN when none compared).
    """
    computed = compute_levels(frame) if computed is None else computed
    frame, computed = frame.reset_index(drop=True), computed.reset_index(drop=True)
    key = pd.DataFrame({"indicator": frame["indicator"],
                        "year": pd.to_numeric(frame["year"], errors="coerce")})
    rows = []
    for (indicator, year), pos in key.groupby(["indicator", "year"]).indices.items():
        mine_status = computed["status_level"].iloc[pos]
        if mine_status.isna().all():
            continue
        rec: dict[str, object] = {"indicator": indicator, "year": int(year),
                                  "rows": int(mine_status.notna().sum())}
        for col, name in _FIELD_NAMES.items():
            pub = frame[col].iloc[pos].astype("Int64")
            mine = computed[col].iloc[pos].astype("Int64")
            both = pub.notna() & mine.notna()
            n = int(both.sum())
            agree = int((pub[both] == mine[both]).sum())
            rec[f"{name}_compared"] = n
            rec[f"{name}_agree"] = agree
            rec[f"{name}_pct"] = round(100.0 * agree / n, 1) if n else float("nan")
        rows.append(rec)
    return pd.DataFrame(rows).sort_values(["year", "indicator"]).reset_index(drop=True)


def disagreements(frame: pd.DataFrame, computed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every (row, level) where the recomputed value differs from CDE's published one.

    Why: the cases `agreement` counts, with the numbers needed to explain each - one line
    per row and column that differ, with `source_file` / `source_row` pointing at the line
    in CDE's file.
    """
    computed = compute_levels(frame) if computed is None else computed
    frame, computed = frame.reset_index(drop=True), computed.reset_index(drop=True)
    keep = ["indicator", "year", "org_level", "org_id", "org_name", "student_group",
            "denominator", "prior_denominator", "status", "prior_status", "change",
            "source_file", "source_row"]
    parts = []
    for col in LEVEL_COLUMNS:
        pub = frame[col].astype("Int64")
        mine = computed[col].astype("Int64")
        differ = (pub.notna() & mine.notna() & (pub != mine)).fillna(False).astype(bool)
        if differ.any():
            part = frame.loc[differ, [c for c in keep if c in frame]].copy()
            part.insert(0, "field", col)
            part["published"] = pub[differ]
            part["computed"] = mine[differ]
            parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["field", *keep, "published", "computed"])
    return pd.concat(parts).sort_values(["source_file", "source_row", "field"])


# --------------------------------------------------------------------------------------
# A district's own measures on the same machinery
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalMeasure:
    """A district's own measure, placed on the Dashboard's status x change grid.

    `status_cuts` / `change_cuts` are four ascending numbers each (or `Edge`s, to say
    exactly which band a value on the edge falls in). A plain number gives a value exactly
    on it the *better* band - the usual way a local target is read ("at least 80 %"
    reaches the level; "at most 5 %" absent does too). `change_cuts` None makes a
    status-only measure (no change level, no color). `decimals` rounds before comparing
    (None: compare as given). Group-size rules apply only when counts are passed to
    `local_levels`.
    """

    name: str
    status_cuts: Sequence[float | Edge]
    change_cuts: Sequence[float | Edge] | None = None
    higher_is_better: bool = True
    grid: Grid = STANDARD_GRID
    decimals: int | None = None
    min_reported: int = 11
    min_color: int = 30
    _status: CutPoints = field(init=False, repr=False, compare=False)
    _change: CutPoints | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status_cuts", tuple(self.status_cuts))
        if self.change_cuts is not None:
            object.__setattr__(self, "change_cuts", tuple(self.change_cuts))
        object.__setattr__(self, "_status", self._cut_points(self.status_cuts))
        change = None if self.change_cuts is None else self._cut_points(self.change_cuts)
        object.__setattr__(self, "_change", change)

    def _cut_points(self, values: Sequence[float | Edge]) -> CutPoints:
        better_side: Side = "above" if self.higher_is_better else "below"
        edges = tuple(v if isinstance(v, Edge) else Edge(float(v), better_side)
                      for v in values)
        return CutPoints(edges, higher_is_better=self.higher_is_better,  # type: ignore[arg-type]
                         decimals=self.decimals)

    @property
    def status_points(self) -> CutPoints:
        """The status cut points as a `CutPoints` (for `level`)."""
        return self._status

    @property
    def change_points(self) -> CutPoints | None:
        """The change cut points as a `CutPoints`, or None for a status-only measure."""
        return self._change


def local_levels(status: float | Sequence[float | None] | pd.Series,
                 change: float | Sequence[float | None] | pd.Series | None,
                 measure: LocalMeasure, *,
                 denominator: float | Sequence[float | None] | pd.Series | None = None,
                 prior_denominator: float | Sequence[float | None] | pd.Series | None = None,
                 ) -> pd.DataFrame:
    """Status level, change level and color of a local measure, on the Dashboard's grid.

    Why: so a district's own indicators (a local reading screener, attendance goals ...)
    are reported in the same five levels and colors as the state's, with the same rules.
    Accepts scalars or sequences (aligned by position, or by index for Series). Counts are
    optional; when given, no status level below `measure.min_reported` students and no
    color unless both years reach `measure.min_color`.
    """
    def as_series(v: object, n: int | None = None) -> pd.Series:
        if isinstance(v, pd.Series):
            return pd.to_numeric(v, errors="coerce").astype("float64")
        if v is None or np.isscalar(v):
            return pd.Series([v] * (n or 1), dtype="float64")
        return pd.Series(list(v), dtype="float64")  # type: ignore[arg-type]

    s = as_series(status)
    n = len(s)
    c = as_series(change, n).set_axis(s.index)
    st = levels(s, measure.status_points).to_numpy(int)
    if denominator is not None:
        d = as_series(denominator, n).set_axis(s.index).to_numpy()
        st = np.where(np.isnan(d) | (d >= measure.min_reported), st, 0)
    out = pd.DataFrame({"status_level": pd.array(st, dtype="Int64")}, index=s.index)
    if measure.change_points is None:
        out["change_level"] = pd.array([pd.NA] * n, dtype="Int64")
        out["color"] = pd.array([pd.NA] * n, dtype="Int64")
        return out
    ch = np.where(st > 0, levels(c, measure.change_points).to_numpy(int), 0)
    sized = np.ones(n, dtype=bool)
    for counts in (denominator, prior_denominator):
        if counts is not None:
            k = as_series(counts, n).set_axis(s.index).to_numpy()
            with np.errstate(invalid="ignore"):
                sized &= k >= measure.min_color
    out["change_level"] = pd.array(ch, dtype="Int64")
    out["color"] = pd.array(np.where(sized, measure.grid.colors(st, ch), 0), dtype="Int64")
    return out
