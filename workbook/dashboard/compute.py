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

The cut points, small-group rules and grids are data, in california.yaml beside this module,
read and validated on import into `CUT_TABLES` (one typed row per indicator x year x
variant), `SIZE_RULES` and the `*_GRID` constants; each row names its source, what in the
bundled files verified it, and whether anything did (`unverified` lists the rows nothing
did). `compute_levels` applies them to the tidy table of `workbook.data`; `agreement` /
`disagreements` compare the result with CDE's published columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbook.dashboard.rules import (
    SIZE_RULES,
    STANDARD_GRID,
    CutPoints,
    Edge,
    Grid,
    IndicatorCuts,
    Side,
    SizeRules,
    cut_table,
)

LEVEL_COLUMNS = ("status_level", "change_level", "color")


# --------------------------------------------------------------------------------------
# Cut points
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# The cut-point table and the small-group rules, read from california.yaml
# --------------------------------------------------------------------------------------


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
    # Modified methods (2018 graduation: DASS schools and county offices) where CDE had them
    # for that indicator and year; elsewhere these rows take the ordinary table.
    other = (~academic & ~susp).to_numpy()
    if other.any():
        kind = np.where(_flag(frame, "dass"), "DASS",
                        np.where(_flag(frame, "coe") & (frame["org_level"] == "district")
                                 .fillna(False).to_numpy(bool), "COE", ""))
        years = pd.to_numeric(frame["year"], errors="coerce").to_numpy()
        pick = other & (kind != "") & ~np.isnan(years)
        keys = list(zip(indicator.to_numpy()[pick], years[pick].astype(int), kind[pick],
                        strict=True))
        known = {key: cut_table(str(key[0]), key[1], key[2]) is not None for key in set(keys)}
        use = np.zeros(len(frame), dtype=bool)
        use[np.flatnonzero(pick)] = [known[key] for key in keys]
        out[use] = kind[use]
    return out


def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A boolean tidy column as a plain array (missing column or value: False)."""
    if column not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame[column].astype("boolean").fillna(False).to_numpy(bool)


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
        # CutPoints checks there are four edges (ValueError)
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
    def as_series(v: float | Sequence[float | None] | pd.Series | None,
                  n: int | None = None) -> pd.Series:
        if isinstance(v, pd.Series):
            return pd.to_numeric(v, errors="coerce").astype("float64")
        if v is None or np.isscalar(v):
            return pd.Series([v] * (n or 1), dtype="float64")
        assert not isinstance(v, (int, float))  # numbers are scalars, handled above
        return pd.Series(list(v), dtype="float64")

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
