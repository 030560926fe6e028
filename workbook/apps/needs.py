"""Needs assessment explorer: choose an indicator and a student group, the charts follow.

The whole district, or one of its schools (`?school=` in the URL). Three views of its
state results, the same analysis the needs-assessment
workbook prints (workbook.needs.tables):

* the grid of every indicator x student group (Dashboard colors where the state has
  them, else each result shaded by its gap to all students: Oregon); the chosen row and
  column stand out and the chosen cell is outlined. The grid is drawn once per district;
  the highlight is a CSS rule on the drawing, so moving it costs nothing;
* the gap chart of the chosen indicator (each group against all students);
* the trend of the chosen indicator for the chosen group, over every year the files give.

Picking a school keeps the indicator, student group and year shown when the school has
them; when it must change one, a line says which and why (never silently).

Changing the indicator redraws the gap chart first (what the user is looking at), then
the trend. Drawings are cached per district, so going back to a choice is instant.

Small groups are hidden unless the server says its audience is the district's own team
(`workbook serve --audience team`): every frame is suppressed (workbook.privacy, with the
region's state threshold and complementary suppression of race/ethnicity groups) before
it is drawn, listed in a menu or summed up in a caption, exactly as in a stakeholder
report.
"""

from __future__ import annotations

import functools

import altair as alt
import ipywidgets as widgets
import pandas as pd

from workbook import needs as an
from workbook import privacy
from workbook.apps import chartcache
from workbook.apps.common import (
    App,
    Chart,
    audience,
    guard,
    outcomes,
    region_state,
    run,
    state_terms,
)
from workbook.data.groups import group_name
from workbook.i18n import _
from workbook.report import blocks as show
from workbook.report.blocks import Audience
from workbook.report.charts import empty_chart

#: Groups that are test-taker populations, not student groups: left out of the menu.
NOT_GROUPS = {"SBA", "CAA", "CAST"}


def frames(region: str, district_id: str, year: int | None = None
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(snapshot, gaps) of the district's (or school's) `year`, by default its latest, as
    the server's audience may see them."""
    return _frames(region, district_id, audience(), year)


@functools.lru_cache(maxsize=64)
def years(region: str, org_id: str) -> tuple[int, ...]:
    """The years the district or school has results for, oldest first."""
    data = outcomes(region)
    rows = data[(data["org_id"] == org_id) & data["org_level"].isin(["district", "school"])]
    return tuple(sorted(int(y) for y in rows["year"].dropna().unique()))


@functools.lru_cache(maxsize=16)
def _frames(region: str, district_id: str, who: Audience, year: int | None = None
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    data = outcomes(region)
    state = region_state(region)
    snap = show.prepare(an.district_snapshot(data, district_id, year),
                        value_cols=an.VALUE_COLUMNS, key_cols=["indicator"], audience=who,
                        state=state)
    gaps = show.prepare(an.gaps(data, district_id, year), value_cols=an.GAP_VALUE_COLUMNS,
                        key_cols=["indicator"], audience=who, state=state)
    return snap, gaps


def grid_chart(region: str, snapshot: pd.DataFrame):
    """The grid of every indicator by student group in the state's way: Dashboard colors
    where the state has them, else each result shaded by its gap to all students."""
    return an.color_grid(snapshot) if state_terms(region)["colors"] else \
        an.results_grid(snapshot)


def grid_text(region: str, snapshot: pd.DataFrame) -> str:
    """What the grid shows, for people who cannot see it, in the state's words."""
    if state_terms(region)["colors"] or snapshot.empty:
        return an.grid_summary(snapshot)
    missing = int(snapshot["not_reported"].astype(bool).sum())
    return _("{n} indicator and student group results, each shaded by its gap to all "
             "students; {missing} not reported.").format(n=len(snapshot), missing=missing)


@functools.lru_cache(maxsize=16)
@chartcache.shared
def grid_svg(region: str, district_id: str, who: Audience, year: int | None = None) -> str:
    return show.svg(grid_chart(region, _frames(region, district_id, who, year)[0]))


@functools.lru_cache(maxsize=256)
@chartcache.shared
def gap_svg(region: str, district_id: str, indicator: str, who: Audience,
            year: int | None = None) -> str:
    return show.svg(an.gap_chart(_frames(region, district_id, who, year)[1], indicator))


@functools.lru_cache(maxsize=16)
def _race_trends(region: str, district_id: str) -> pd.DataFrame:
    """Every race/ethnicity group's trend and all students', so suppression can compare."""
    family = (privacy.RACE_ETHNICITY.total, *privacy.RACE_ETHNICITY.parts)
    return an.group_trends(outcomes(region), district_id, family)


@functools.lru_cache(maxsize=256)
def _group_trend(region: str, district_id: str, group: str, who: Audience) -> pd.DataFrame:
    """The results over time of one student group (all indicators), as `who` may see
    them: a race/ethnicity group is suppressed alongside its siblings, so a hidden sibling
    cannot be worked out."""
    race = group in privacy.RACE_ETHNICITY.parts
    if race and who == "stakeholder":
        frame = _race_trends(region, district_id)
    else:
        frame = an.group_trends(outcomes(region), district_id, [group])
    if frame.empty:
        return frame
    shown = show.prepare(frame, value_cols=an.TREND_VALUE_COLUMNS,
                         key_cols=["indicator", "year"], audience=who,
                         state=region_state(region))
    return shown[shown["student_group"] == group].reset_index(drop=True)


@functools.lru_cache(maxsize=256)
@chartcache.shared
def trend_svg(region: str, district_id: str, indicator: str, group: str,
              group_label: str, who: Audience) -> str:
    tr = _group_trend(region, district_id, group, who)
    tr = tr[tr["indicator"] == indicator]
    title = f"{an.indicator_name(indicator, short=True)} over time: {group_label}"
    if tr.empty or tr["status"].notna().sum() == 0:
        return show.svg(empty_chart(title, "No reported results over time for this "
                                              "group and indicator."))
    chart = an.trend_chart(tr, title=title, indicators=[indicator])
    lo, hi = steady_domain(tr["status"].dropna().astype(float).tolist())
    for layer in getattr(getattr(chart, "spec", None), "layer", []):
        layer.encoding.y.scale = alt.Scale(domain=[lo, hi], zero=False, nice=False)
    return show.svg(chart)


def steady_domain(values: list[float]) -> tuple[float, float]:
    """The y range of a trend: its values with a sensible least span, so that a 0.2-point
    change does not fill the panel and look like a fall.

    The least span is 2 points or a tenth of the largest magnitude, whichever is more
    (distance from standard -65.3 to -65.5 is drawn over about 6.5 points); results that
    are never negative (rates) are not given negative room.
    """
    if not values:
        return 0.0, 1.0
    lo, hi = min(values), max(values)
    least = max(2.0, 0.1 * max(abs(lo), abs(hi)))
    if hi - lo < least:
        mid = (lo + hi) / 2
        lo, hi = mid - least / 2, mid + least / 2
    pad = (hi - lo) * 0.08
    lo, hi = lo - pad, hi + pad
    if min(values) >= 0 and lo < 0:
        lo, hi = 0.0, hi - lo
    return round(lo, 3), round(hi, 3)


def _css_string(text: str) -> str:
    """`text` as a CSS string: quotes, backslashes and angle brackets escaped."""
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + out.replace("<", "\\3C ").replace(">", "\\3E ") + '"'


def highlight_css(indicator_short: str, group_name: str) -> str:
    """CSS that dims the grid except the chosen row and column and outlines the cell.

    Vega labels each cell `Student group: G; indicator_short: I; ...`, so the rule finds
    cells by that label without drawing the grid again.
    """
    g = f"Student group: {group_name};"
    i = f"indicator_short: {indicator_short};"
    cells = ".wb-chart-grid g.layer_0_marks path"
    return (f"<style>{cells}{{opacity:.35}}"
            f"{cells}[aria-label^={_css_string(g)}],"
            f"{cells}[aria-label*={_css_string(' ' + i)}]{{opacity:1}}"
            f"{cells}[aria-label^={_css_string(g + ' ' + i)}]"
            "{stroke:#000;stroke-width:3px;opacity:1}</style>")


@functools.lru_cache(maxsize=64)
def school_choices(region: str, district_id: str) -> tuple[tuple[str, str], ...]:
    return tuple(an.schools(outcomes(region), district_id))


class NeedsApp(App):
    """The explorer; read-only (nothing here is saved)."""

    name = "needs"
    title = "Needs assessment explorer"

    def build(self) -> None:
        self.school = widgets.Dropdown(description="School:",
                                       layout=widgets.Layout(width="460px"))
        self.school.add_class("wb-school")
        self.school.observe(self._school_changed, "value")
        self.indicator = widgets.Dropdown(description="Indicator:",
                                          layout=widgets.Layout(width="420px"))
        self.group = widgets.Dropdown(description="Student group:",
                                      style={"description_width": "initial"},
                                      layout=widgets.Layout(width="380px"))
        self.indicator.add_class("wb-indicator")
        self.group.add_class("wb-group")
        self.grid, self.gap, self.trend = Chart("grid"), Chart("gap"), Chart("trend")
        self.indicator.observe(self._indicator_changed, "value")
        self.group.observe(self._group_changed, "value")
        self.view = widgets.VBox([
            self.school, widgets.HBox([self.indicator, self.group]), self.grid.widget,
            widgets.HBox([self.gap.widget, self.trend.widget],
                         layout=widgets.Layout(flex_flow="row wrap"))])
        self.view.children[1].add_class("wb-cols")
        self.view.children[3].add_class("wb-cols")

    # -- loading -----------------------------------------------------------------------
    @property
    def org_id(self) -> str:
        """The school chosen, or the district."""
        return self.school.value or self.district_id

    def load(self) -> None:
        self.year: int | None = None  # the year shown: the district's latest, at first
        choices = school_choices(self.region, self.district_id)
        asked = self.query.pop("school", "")
        wanted = asked or self.school.value
        self.school.options = [("Whole district", "")] + [(n, i) for i, n in choices]
        self.school.value = wanted if wanted in {i for i, _ in choices} else ""
        notes = [_("School {school!r} is not in this district; showing the whole "
                   "district.").format(school=wanted)] if asked and self.school.value != asked \
            else []
        self._load_org(notes)

    def _pick_year(self) -> list[str]:
        """Keep the year shown when the district or school chosen has it; otherwise its
        latest, and a line saying so (returned)."""
        have = years(self.region, self.org_id)
        asked = self.query.pop("year", "")
        wanted = int(asked) if asked.isdigit() else getattr(self, "year", None)
        if wanted is not None and wanted in have:
            self.year = wanted
            return []
        self.year = have[-1] if have else None
        if wanted is None or self.year is None:
            return []
        return [_("{org} has no results for {year}; showing {shown} instead.").format(
            org=self.school.label or self.district_name, year=wanted, shown=self.year)]

    def _load_org(self, notes: list[str] | None = None) -> None:
        """Show the chosen district or school; `notes` and any choice that had to change
        are said in the message line (which is cleared when nothing changed)."""
        notes = [*(notes or []), *self._pick_year()]
        snap, gaps = frames(self.region, self.org_id, self.year)
        self.snapshot, self.gaps = snap, gaps
        names = dict(zip(snap["indicator"], snap["indicator_name"], strict=False))
        order = an.gap_indicators(gaps) + [i for i in dict.fromkeys(snap["indicator"])
                                           if i not in an.gap_indicators(gaps)]
        wanted = self.query.pop("indicator", "") or self.indicator.value
        self.indicator.options = [(names.get(i, i), i) for i in order]
        self.indicator.value = wanted if wanted in order else (order[0] if order else None)
        if wanted and wanted not in order and self.indicator.value:
            # never switched silently: say what is shown instead, and why
            notes.append(_("{indicator} is not reported for {org}; showing {shown} "
                           "instead.").format(
                indicator=an.indicator_name(wanted),
                org=self.school.label or self.district_name,
                shown=an.indicator_name(self.indicator.value)))
        group = self.query.pop("group", "") or self.group.value
        self._fill_groups(group)
        if group and self.group.value and group != self.group.value:
            notes.append(_("{group} has no results here for this indicator; showing {shown} "
                           "instead.").format(group=group_name(group),
                                              shown=self._group_label()))
        if notes:
            self.messages.info(" ".join(notes))
        else:
            self.messages.clear()
        self.body.children = (self.view,)
        self.draw_grid()
        self.draw_gap()
        self.draw_trend()

    def _fill_groups(self, wanted: str | None) -> None:
        rows = self.snapshot[self.snapshot["indicator"] == self.indicator.value]
        pairs = [(n, g) for g, n in dict.fromkeys(zip(rows["student_group"],
                                                      rows["student_group_name"],
                                                      strict=True))
                 if g not in NOT_GROUPS]
        codes = [g for _, g in pairs]
        self.group.options = pairs
        default = "ALL" if "ALL" in codes else (codes[0] if codes else None)
        self.group.value = wanted if wanted in codes else default

    @classmethod
    def prepare(cls, region: str) -> None:
        """Before the request: draw one district so the chart engine is warm."""
        from workbook.apps.common import district_choices

        for did, _name in district_choices(region)[:2]:
            _snap, gaps = frames(region, did)
            grid_svg(region, did, audience())
            for ind in an.gap_indicators(gaps)[:3]:
                gap_svg(region, did, ind, audience())
                trend_svg(region, did, ind, "ALL", "All Students", audience())

    def url_params(self) -> dict[str, str]:
        latest = years(self.region, self.org_id)[-1:] if self.district_id else ()
        year = getattr(self, "year", None)
        return {"school": self.school.value or "", "indicator": self.indicator.value or "",
                "group": self.group.value or "",
                "year": str(year) if year is not None and (year,) != tuple(latest) else ""}

    # -- reacting ----------------------------------------------------------------------
    @guard("needs")
    def _school_changed(self, _: dict) -> None:
        if self.is_loading or not self.district_id:
            return
        with self.loading():
            self._load_org()
        self.update_url()

    @guard("needs")
    def _indicator_changed(self, _: dict) -> None:
        if self.is_loading or not self.district_id:
            return
        self.draw_gap()  # what the user is looking at, first
        with self.loading():
            self._fill_groups(self.group.value)
        self.update_url()
        self.draw_trend()
        self.draw_grid()

    @guard("needs")
    def _group_changed(self, _: dict) -> None:
        if self.is_loading or not self.district_id:
            return
        self.update_url()
        self.draw_trend()
        self.draw_grid()

    # -- drawing -----------------------------------------------------------------------
    def _group_label(self) -> str:
        for label, code in self.group.options:
            if code == self.group.value:
                return label
        return self.group.value or ""

    def draw_grid(self) -> None:
        svg = grid_svg(self.region, self.org_id, audience(), self.year)
        ind = self.indicator.value or ""
        css = highlight_css(an.indicator_name(ind, short=True), self._group_label())
        self.grid.show_svg(css + svg, grid_text(self.region, self.snapshot))

    def draw_gap(self) -> None:
        ind = self.indicator.value
        if not ind:
            self.gap.empty("No indicator to show.")
            return
        self.gap.show_svg(gap_svg(self.region, self.org_id, ind, audience(), self.year),
                          an.gap_summary(self.gaps, ind))

    def draw_trend(self) -> None:
        ind, group = self.indicator.value, self.group.value
        if not ind or not group:
            self.trend.empty("Choose an indicator and a student group.")
            return
        label = self._group_label()
        self.trend.show_svg(trend_svg(self.region, self.org_id, ind, group, label,
                                      audience()),
                            f"{an.indicator_name(ind)} over time for {label}.")


def app() -> None:
    """Show the needs assessment explorer (the one call its notebook makes)."""
    run(NeedsApp)
