"""The network view's charts, each drawn from the frame printed under it and nothing else
(data inlined, nothing displayed)."""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import pandas as pd

from workbook import catalogue
from workbook.needs.charts import COLOR_HEX
from workbook.report.charts import WIDTH, chart_data, empty_chart

_PRACTICES = [p.code for p in catalogue.practices()]


def _height(n: int, per: int = 18) -> int:
    return max(60, min(per * n, 2400))


#: The matrix's shades, lightest (no strategy) to darkest (the most in any cell), mixed in
#: RGB so the page can tell which ink reads on each cell.
SHADES = ("#deebf7", "#08306b")


def _rgb(color: str) -> tuple[int, int, int]:
    return (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))


def _luminance(rgb: Iterable[float]) -> float:
    """WCAG's relative luminance of an sRGB colour (0-255 channels)."""
    def lin(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ink_on(share: float) -> str:
    """Black or white, whichever contrasts more with the shade `share` (0-1) of the way
    from the lightest to the darkest: never below 4.58:1 (WCAG AA asks 4.5:1)."""
    lo, hi = _rgb(SHADES[0]), _rgb(SHADES[1])
    shade = [a + (b - a) * min(max(share, 0.0), 1.0) for a, b in zip(lo, hi, strict=True)]
    lum = _luminance(shade)
    return "white" if (1.05 / (lum + 0.05)) > ((lum + 0.05) / 0.05) else "black"


def _whole_steps(most: int, at_most: int = 6) -> list[int]:
    """Whole numbers from 0 to `most` (both shown), at most `at_most` of them, evenly
    stepped: a legend of counts never says 0.5, nor the same number twice."""
    step = max(1, -(-most // (at_most - 1)))
    steps = list(range(0, most, step))
    if len(steps) > 1 and (most - steps[-1]) * 2 < step:
        steps.pop()  # 12 beside 13 would print one over the other
    return steps + [most]


def matrix_chart(codes: pd.DataFrame) -> alt.TopLevelMixin:
    """The coded strategy matrix: districts x the twelve practices, each cell shaded by the
    number of strategies coded to it, with the number of causes coded the same way printed
    in it. Drawn from the `practice_codes` frame."""
    if codes.empty:
        return empty_chart("Coded strategy matrix", "No strategy or cause is coded yet.")
    # each number in the ink that reads on its own cell, whatever the most strategies in
    # one cell is (a liaison's four districts may have at most one)
    most = max(float(codes["strategies"].max()), 1.0)
    f = codes.assign(label=codes["causes"].map(lambda n: str(n) if n else ""),
                     ink=[ink_on(float(n) / most) for n in codes["strategies"]])
    districts = sorted(set(f["district"]))
    x = alt.X("practice:O", sort=_PRACTICES, title="Four Domains practice",
              scale=alt.Scale(domain=_PRACTICES), axis=alt.Axis(labelAngle=0, orient="top"))
    y = alt.Y("district:N", sort=districts, title=None, axis=alt.Axis(labelLimit=220))
    tip = [alt.Tooltip("district:N", title="District"),
           alt.Tooltip("practice:N", title="Practice"),
           alt.Tooltip("practice_name:N", title="Name"),
           alt.Tooltip("strategies:Q", title="Strategies"),
           alt.Tooltip("causes:Q", title="Causes")]
    base = alt.Chart().encode(x=x, y=y)
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color("strategies:Q", title="Strategies",
                        scale=alt.Scale(range=list(SHADES), interpolate="rgb",
                                        domain=[0, most], nice=False),
                        legend=alt.Legend(format="d", values=_whole_steps(int(most)))),
        tooltip=tip)
    text = base.mark_text(fontSize=9).encode(
        text="label:N", tooltip=tip,
        color=alt.condition("datum.ink === 'white'", alt.value("white"), alt.value("black")))
    return alt.layer(cells, text, data=chart_data(f)).properties(
        title=alt.TitleParams("Strategies (shade) and causes (number) by practice",
                              subtitle="Each row a district; columns the practices 1a-4c"),
        width=WIDTH - 220, height=_height(len(districts)))


def shared_chart(shared: pd.DataFrame) -> alt.TopLevelMixin:
    """How many districts code strategies, and how many trace causes, to each practice.
    Drawn from the `shared_practices` frame."""
    if shared.empty:
        return empty_chart("Shared practices", "No practices to show.")
    long = shared[["practice", "practice_name", "districts_with_strategies",
                   "districts_with_causes"]].melt(id_vars=["practice", "practice_name"],
                                                  var_name="what", value_name="districts")
    long["what"] = long["what"].map({"districts_with_strategies": "strategies",
                                     "districts_with_causes": "causes"})
    return alt.Chart(chart_data(long)).mark_bar().encode(
        y=alt.Y("practice:N", sort=_PRACTICES, title="Practice"),
        yOffset=alt.YOffset("what:N", sort=["strategies", "causes"]),
        x=alt.X("districts:Q", title="Districts"),
        color=alt.Color("what:N", title="Coded in", sort=["strategies", "causes"],
                        scale=alt.Scale(range=["#1565c0", "#d84315"])),
        tooltip=[alt.Tooltip("practice:N", title="Practice"),
                 alt.Tooltip("practice_name:N", title="Name"),
                 alt.Tooltip("what:N", title="Coded in"),
                 alt.Tooltip("districts:Q", title="Districts")],
    ).properties(title="Districts coding strategies and causes to each practice",
                 width=WIDTH - 120, height=12 * 2 * 12)


def practice_status_chart(by_practice: pd.DataFrame) -> alt.TopLevelMixin:
    """Actions on time, behind and complete by practice (stacked). Drawn from the
    `implementation_by_practice` frame."""
    if by_practice.empty:
        return empty_chart("Implementation by practice", "No actions recorded yet.")
    long = by_practice[["practice", "practice_name", "complete", "on_time", "behind"]].melt(
        id_vars=["practice", "practice_name"], var_name="status", value_name="actions")
    long["status"] = long["status"].str.replace("_", " ")
    long = long[long["actions"] > 0]
    order = ["complete", "on time", "behind"]
    return alt.Chart(chart_data(long)).mark_bar().encode(
        y=alt.Y("practice:N", sort=[*_PRACTICES, ""], title="Practice"),
        x=alt.X("actions:Q", title="Actions", stack="zero"),
        color=alt.Color("status:N", sort=order, title="Status",
                        scale=alt.Scale(domain=order, range=["#1565c0", "#2e7d32", "#d84315"])),
        tooltip=[alt.Tooltip("practice:N", title="Practice"),
                 alt.Tooltip("practice_name:N", title="Name"),
                 alt.Tooltip("status:N", title="Status"),
                 alt.Tooltip("actions:Q", title="Actions")],
    ).properties(title="Actions by practice: complete, on time and behind",
                 width=WIDTH - 120, height=_height(len(by_practice), 26))


def attention_chart(by_district: pd.DataFrame) -> alt.TopLevelMixin:
    """Share of each district's actions behind, districts needing attention first, colored
    by the attention score. Drawn from the `implementation_by_district` frame."""
    f = by_district[by_district["actions"] > 0]
    if f.empty:
        return empty_chart("Districts needing attention", "No actions recorded yet.")
    order = list(f["district"])
    return alt.Chart(chart_data(f[["district", "behind_pct", "attention", "reason"]])
                     ).mark_bar().encode(
        y=alt.Y("district:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("behind_pct:Q", title="Actions behind (%)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("attention:O", title="Attention score",
                        scale=alt.Scale(scheme="oranges")),
        tooltip=[alt.Tooltip("district:N", title="District"),
                 alt.Tooltip("behind_pct:Q", title="Behind (%)"),
                 alt.Tooltip("attention:Q", title="Attention score"),
                 alt.Tooltip("reason:N", title="Why")],
    ).properties(title="Districts needing attention first: share of actions behind",
                 width=WIDTH - 220, height=_height(len(f)))


def _has_colors(f: pd.DataFrame) -> bool:
    return bool((f["color"].fillna(0).astype(int) > 0).any()) if "color" in f else False


def outcome_grid_chart(indicators: pd.DataFrame) -> alt.TopLevelMixin:
    """Districts x indicators for all students, status printed; cells in the state's colors
    where the state publishes colors, plain where it does not (Oregon). Indicators are
    named, not coded. Drawn from the (suppressed) `state_indicators` frame: only its
    all-students rows."""
    from workbook.data.model import INDICATORS
    from workbook.i18n import _

    f = indicators[indicators["student_group"] == "ALL"].copy()
    if f.empty:
        return empty_chart("All students by indicator", "No results for these districts.")
    f["label"] = [("n/r" if nr else f"{s:.1f}" if pd.notna(s) else "")
                  for s, nr in zip(f["status"], f["not_reported"].fillna(True), strict=True)]
    f["indicator_label"] = [_(INDICATORS.get(str(c), (str(c), True))[0]).split(" (")[0]
                            for c in f["indicator"]]
    colored = _has_colors(f)
    f["color_name"] = f["color_name"].fillna("not reported")
    order = sorted(set(f["org_name"]))
    columns = list(dict.fromkeys(f["indicator_label"]))
    keep = ["org_name", "indicator_label", "status", "color_name", "label"]
    base = alt.Chart().encode(
        x=alt.X("indicator_label:N", title=None, sort=columns,
                axis=alt.Axis(labelAngle=-30, orient="top", labelLimit=160)),
        y=alt.Y("org_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)))
    tip = [alt.Tooltip("org_name:N", title="District"),
           alt.Tooltip("indicator_label:N", title="Indicator"),
           alt.Tooltip("status:Q", title="Status", format=".1f")]
    if colored:
        names = [c for c in COLOR_HEX if c in set(f["color_name"])]
        tip.append(alt.Tooltip("color_name:N", title="Color"))
        cells = base.mark_rect(stroke="white").encode(
            color=alt.Color("color_name:N", title="Color",
                            scale=alt.Scale(domain=names,
                                            range=[COLOR_HEX[n] for n in names])),
            tooltip=tip)
    else:  # no colors published: plain cells, the number is the message
        cells = base.mark_rect(stroke="white", color="#f0f0f0").encode(tooltip=tip)
    text = base.mark_text(fontSize=9).encode(text="label:N", tooltip=tip)
    return alt.layer(cells, text, data=chart_data(f[keep])).properties(
        title="All students: each district's results by indicator",
        width=WIDTH - 220, height=_height(len(order)))


def outcome_grid_summary(indicators: pd.DataFrame) -> str:
    """The grid's text alternative, in the state's terms (colors only where published)."""
    f = indicators[indicators["student_group"] == "ALL"] if "student_group" in indicators \
        else indicators
    how = "in the state's colors" if _has_colors(f) else \
        "as published by the state (it publishes no colors)"
    return (f"Each district's all-students result on each state indicator, {how}; every "
            "student group is in the data below.")


def load_chart(load: pd.DataFrame) -> alt.TopLevelMixin:
    """Each provider's capacity: districts already supported, proposed, and room left.
    Drawn from the `provider_load` frame."""
    if load.empty:
        return empty_chart("Provider capacity", "No providers file for this region.")
    long = load.melt(id_vars=["provider"], value_vars=["already_supporting", "proposed",
                                                       "room_left"],
                     var_name="part", value_name="districts")
    long["part"] = long["part"].str.replace("_", " ")
    long = long[long["districts"] > 0]
    order = ["already supporting", "proposed", "room left"]
    return alt.Chart(chart_data(long)).mark_bar().encode(
        y=alt.Y("provider:N", title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("districts:Q", title="Districts", stack="zero"),
        color=alt.Color("part:N", sort=order, title="",
                        scale=alt.Scale(domain=order, range=["#9e9e9e", "#1565c0", "#c8e6c9"])),
        tooltip=[alt.Tooltip("provider:N", title="Provider"),
                 alt.Tooltip("part:N", title="Part"),
                 alt.Tooltip("districts:Q", title="Districts")],
    ).properties(title="Provider capacity: already supporting, proposed, room left",
                 width=WIDTH - 260, height=_height(len(load), 28))
