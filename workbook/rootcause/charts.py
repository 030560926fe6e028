"""Tool D's fishbone and the cause prioritisation chart, each drawn from the cause table
(`rootcause.tables.cause_table`) printed under it."""

from __future__ import annotations

import math
from collections.abc import Iterable

import altair as alt
import pandas as pd

from workbook.i18n import _
from workbook.report.charts import WIDTH, chart_data, empty_chart, layered
from workbook.rootcause.model import FISHBONE_CATEGORIES, Symptom
from workbook.rootcause.tables import NO_PRACTICE, actionable_text, plain_value, wrap

_W, _H = WIDTH + 80, 450  # drawing units = pixels
_BONE_START, _SLOT = 155, 135  # x where the first bone meets the spine, distance between bones
_BONE_RISE, _BONE_SLANT = 170, 55  # a bone's height above/below the spine and its lean


_HEAD_X = 565  # where the spine meets the head


_CHAR_PX = 5.0  # average width of a character at font size 10


_LINE_PX = 12  # line height of cause and category labels


_HEAD_LINE_PX = 14


def _cause_tooltip() -> list[alt.Tooltip]:
    return [alt.Tooltip("cause:N", title=_("Cause")),
            alt.Tooltip("category:N", title=_("Category")),
            alt.Tooltip("evidence:N", title=_("Evidence")),
            alt.Tooltip("actionable:N", title=_("Actionable")),
            alt.Tooltip("practice:N", title=_("Practice")),
            alt.Tooltip("impact:N", title=_("Impact (1-5)")),
            alt.Tooltip("flags:N", title=_("May be a symptom because"))]


def fishbone_chart(symptom: Symptom | str, causes: pd.DataFrame,
                   categories: Iterable[str] = FISHBONE_CATEGORIES) -> alt.LayerChart:
    """A fishbone (Ishikawa, Tool D) diagram: the symptom at the head, one bone per category.

    `symptom` is the Symptom or its statement; `causes` is the `cause_table` frame shown
    under the chart, and the chart is drawn from it alone, so the two cannot disagree.

    Bones alternate above and below the spine in pairs; each category's causes sit along its
    bone (a dot on the bone, the label to its left), wrapped to the room there and shortened
    with an ellipsis when too long (the tooltip has the full cause, its evidence, whether it
    is actionable, its practice and its flags). Every category in `categories` gets a bone,
    empty or not, and a cause of another category gets a bone of its own. Causes that look
    like symptoms (`cause_flags`) are grey. Layers are named: bones, head_box, head,
    categories, cause_points, causes.
    """
    statement = symptom.statement if isinstance(symptom, Symptom) else str(symptom)
    found = _cause_rows(causes)
    cats = list(dict.fromkeys([*categories, *(c["category"] for c in found)]))
    pairs = max(1, math.ceil(len(cats) / 2))
    slot = min(_SLOT, (_HEAD_X - 30 - _BONE_START + _SLOT) / pairs)
    start = _HEAD_X - 10 - (pairs - 1) * slot
    lines, cat_rows, cause_rows = [], [], []
    lines.append({"x": 0, "y": 0, "x2": _HEAD_X, "y2": 0, "what": "spine",
                  "label": statement})
    for i, cat in enumerate(cats):
        side = 1 if i % 2 == 0 else -1
        xs = start + (i // 2) * slot  # where the bone meets the spine
        xt, yt = xs - _BONE_SLANT, side * _BONE_RISE
        mine = [c for c in found if c["category"] == cat]
        lines.append({"x": xt, "y": yt, "x2": xs, "y2": 0, "what": "bone",
                      "label": f"{cat}: {len(mine)} cause(s)"})
        cat_label = wrap(cat, 18, 2)
        n_lines = cat_label.count("\n") + 1
        top = _BONE_RISE + 8 + n_lines * _LINE_PX if side > 0 else -(_BONE_RISE + 8)
        cat_rows.append({"x": xt, "y": top,
                         "text": cat_label, "category": cat, "causes": len(mine)})
        spacing = _BONE_RISE / (len(mine) + 1)
        font = 10 if spacing >= 13 else max(6, int(spacing) - 2)
        max_lines = max(1, min(3, int((spacing - 1) // (_LINE_PX - 1))))
        for j, c in enumerate(mine):
            t = (j + 1) / (len(mine) + 1)  # from the outer end towards the spine
            px, py = xt + t * (xs - xt), yt + t * (0 - yt)
            room = (px - 8) if i // 2 == 0 else (slot - 14)
            chars = max(6, int(room / (_CHAR_PX * font / 10)))
            cause_rows.append({
                "x": px, "y": py, "text": wrap(c["cause"], chars, max_lines), "font": font,
                "cause": c["cause"], "category": cat, "evidence": c["evidence"],
                "actionable": c["actionable"], "practice": c["practice"],
                "impact": c["impact"], "flags": c["flags"], "is_root": c["is_root"]})

    head_text = wrap(statement, 19, 9)
    half_text = (head_text.count("\n") + 1) * _HEAD_LINE_PX / 2
    half = half_text + 9
    head = pd.DataFrame([{"x": _HEAD_X + 7, "y": half_text, "text": head_text,
                          "statement": statement}])
    box = pd.DataFrame([{"x": _HEAD_X, "x2": _W - 2, "y": -half, "y2": half,
                         "statement": statement}])

    x_scale = alt.Scale(domain=[0, _W], nice=False, zero=False)
    y_scale = alt.Scale(domain=[-_H / 2, _H / 2], nice=False, zero=False)

    def X(field: str = "x") -> alt.X:
        return alt.X(f"{field}:Q", scale=x_scale, axis=None)

    def Y(field: str = "y") -> alt.Y:
        return alt.Y(f"{field}:Q", scale=y_scale, axis=None)

    bones = alt.Chart(chart_data(pd.DataFrame(lines))).mark_rule(
        color="#444444").encode(
        x=X(), y=Y(), x2=alt.X2("x2"), y2=alt.Y2("y2"),
        strokeWidth=alt.StrokeWidthValue(2, condition={"test": "datum.what == 'spine'",
                                                       "value": 4}),
        tooltip=[alt.Tooltip("label:N", title="")]).properties(name="bones")
    head_box = alt.Chart(chart_data(box)).mark_rect(
        fill="#fee8c8", stroke="#d7191c", cornerRadius=8).encode(
        x=X(), x2=alt.X2("x2"), y=Y(), y2=alt.Y2("y2"),
        tooltip=[alt.Tooltip("statement:N", title=_("Symptom"))]).properties(name="head_box")
    head_mark = alt.Chart(chart_data(head)).mark_text(
        align="left", baseline="top", fontSize=11, fontWeight="bold", lineBreak="\n",
        lineHeight=_HEAD_LINE_PX, color="#222222").encode(
        x=X(), y=Y(), text=alt.Text("text", type="nominal"),
        tooltip=[alt.Tooltip("statement:N", title=_("Symptom"))]).properties(name="head")
    cat_mark = alt.Chart(chart_data(pd.DataFrame(cat_rows))).mark_text(
        align="center", baseline="top", fontSize=11, fontWeight="bold", lineBreak="\n",
        lineHeight=_LINE_PX, color="#2c7bb6").encode(
        x=X(), y=Y(), text=alt.Text("text", type="nominal"),
        tooltip=[alt.Tooltip("category:N", title=_("Category")),
                 alt.Tooltip("causes:Q", title=_("Causes"))]).properties(name="categories")
    cause_cols = ["x", "y", "text", "font", "cause", "category", "evidence", "actionable",
                  "practice", "impact", "flags", "is_root"]
    cause_data = chart_data(pd.DataFrame(cause_rows, columns=cause_cols))
    grey = alt.ColorValue("#8a8a8a", condition={"test": "datum.is_root", "value": "#222222"})
    points = alt.Chart(cause_data).mark_circle(size=30).encode(
        x=X(), y=Y(), color=grey, tooltip=_cause_tooltip()).properties(name="cause_points")
    labels = alt.Chart(cause_data).mark_text(
        align="right", baseline="middle", dx=-6, lineBreak="\n",
        lineHeight=_LINE_PX - 1).encode(
        x=X(), y=Y(), text=alt.Text("text", type="nominal"), color=grey,
        size=alt.Size("font:Q", scale=None, legend=None),
        tooltip=_cause_tooltip()).properties(name="causes")
    n = len(found)
    subtitle = (f"{n} cause(s) in {len({c['category'] for c in found})} of {len(cats)} "
                "categories" if n else "No causes recorded yet: ask why, bone by bone")
    return layered(bones, head_box, head_mark, cat_mark, points, labels).properties(
        title=alt.TitleParams(_("Fishbone: possible causes of the symptom"),
                              subtitle=[subtitle, "Grey: no evidence, not actionable, or "
                                        "stops at money, time or blame"]),
        width=_W, height=_H, view=alt.ViewBackground(stroke=None))


_ACTIONABLE_X = {False: 0, None: 1, True: 2}


_PRIO_H = 380


_X_LABELS = "datum.value == 0 ? 'not actionable' : datum.value == 1 ? 'not judged' : " \
            "datum.value == 2 ? 'actionable' : ''"


_Y_LABELS = "datum.value == 0 ? 'not rated' : datum.value"


def prioritisation_chart(causes: pd.DataFrame) -> alt.LayerChart:
    """Impact (y, the team's 1-5) against actionability (x: no / not judged / yes).

    Drawn from `causes`, the `cause_table` frame shown under it, and nothing else. Causes
    share a cell side by side; causes without an impact rating sit in the "not rated" row at
    the bottom instead of being left out. The shaded corner (actionable, impact 3 or more)
    is where to act first. Labels are shortened; the tooltip has the full cause.
    """
    found = _cause_rows(causes)
    title = "Which causes to act on: impact x actionability"
    if not found:
        return empty_chart(title, "No causes recorded yet.")
    cells: dict[tuple[int, int], list[dict]] = {}
    for c in found:
        key = (_ACTIONABLE_X[c["actionable_value"]], c["impact_value"] or 0)
        cells.setdefault(key, []).append(c)
    rows = []
    unit_px = _PRIO_H / 6  # one impact level
    for (x, y), members in cells.items():
        step = min(0.22, 0.76 / len(members))  # stack the cell's causes top to bottom
        font = max(6, min(10, int(step * unit_px) - 2))
        for j, c in enumerate(members):
            rows.append({
                "x": x - 0.44, "y": y + 0.38 - (j + 0.5) * step, "font": font,
                "label": wrap(c["cause"], 32, 1), "cause": c["cause"],
                "category": c["category"], "evidence": c["evidence"],
                "actionable": c["actionable"], "impact": c["impact"],
                "practice": c["practice"], "flags": c["flags"],
                "prioritised": c["prioritised"]})
    f = pd.DataFrame(rows)
    x_enc = alt.X("x:Q", title=_("Actionable: within our control?"),
              scale=alt.Scale(domain=[-0.5, 2.5], nice=False, zero=False),
              axis=alt.Axis(values=[0, 1, 2], labelExpr=_X_LABELS, grid=False))
    y_enc = alt.Y("y:Q", title=_("Impact on the symptom (team's rating)"),
              scale=alt.Scale(domain=[-0.5, 5.5], nice=False, zero=False),
              axis=alt.Axis(values=[0, 1, 2, 3, 4, 5], labelExpr=_Y_LABELS, grid=False))
    zones = pd.DataFrame([
        {"x": 1.5, "x2": 2.5, "y": 2.5, "y2": 5.5, "zone": "act first: high impact, actionable",
         "fill": "#a6d96a"},
        {"x": -0.5, "x2": 2.5, "y": -0.5, "y2": 0.5, "zone": "impact not rated yet",
         "fill": "#e0e0e0"}])
    zone = alt.Chart(chart_data(zones)).mark_rect(opacity=0.35).encode(
        x=x_enc, x2="x2:Q", y=y_enc, y2="y2:Q", fill=alt.Fill("fill:N", scale=None),
        tooltip=[alt.Tooltip("zone:N", title="")]).properties(name="zones")
    dividers = alt.Chart(chart_data(pd.DataFrame({"x": [0.5, 1.5]}))).mark_rule(
        color="#bbbbbb", strokeDash=[3, 3]).encode(x="x:Q").properties(name="dividers")
    tooltip = [alt.Tooltip("cause:N", title=_("Cause")),
               alt.Tooltip("category:N", title=_("Category")),
               alt.Tooltip("impact:N", title=_("Impact")),
               alt.Tooltip("actionable:N", title=_("Actionable")),
               alt.Tooltip("evidence:N", title=_("Evidence")),
               alt.Tooltip("practice:N", title=_("Practice")),
               alt.Tooltip("flags:N", title=_("May be a symptom because")),
               alt.Tooltip("prioritised:N", title=_("Prioritised"))]
    color = alt.Color("category:N", title=_("Category"),
                      scale=alt.Scale(domain=list(FISHBONE_CATEGORIES), scheme="tableau10"))
    points = alt.Chart().mark_point(filled=True, size=50).encode(
        x=x_enc, y=y_enc, color=color,
        shape=alt.Shape("prioritised:N", title=_("Prioritised"),
                        scale=alt.Scale(domain=[True, False], range=["diamond", "circle"])),
        tooltip=tooltip).properties(name="points")
    labels = alt.Chart().mark_text(align="left", dx=6).encode(
        x=x_enc, y=y_enc, text="label:N", size=alt.Size("font:Q", scale=None, legend=None),
        tooltip=tooltip).properties(name="labels")
    return layered(zone, dividers, points, labels, data=chart_data(f)).properties(
        title=alt.TitleParams(title, subtitle=_("Shaded corner: act first. Bottom row: "
                                                "impact not rated yet.")),
        width=WIDTH - 80, height=_PRIO_H)


def _cause_rows(causes: pd.DataFrame) -> list[dict]:
    """The rows of a `cause_table` frame as plain dicts, in order, with the values a chart
    shows: actionable and impact in words, the practice with its name, evidence or "none
    recorded", flags, and whether the cause looks like a root cause."""
    rows = []
    for r in causes.to_dict("records"):
        r = {k: plain_value(v) for k, v in r.items()}
        impact = r["impact"]
        rows.append({
            "cause": r["cause"], "category": r["category"],
            "evidence": r["evidence"] or "none recorded",
            "actionable": actionable_text(r["actionable"]), "actionable_value": r["actionable"],
            "impact": "not rated" if impact is None else str(impact), "impact_value": impact,
            "practice": f"{r['practice']} {r['practice_name']}" if r["practice"]
            else NO_PRACTICE,
            "flags": r["flags"] or "", "is_root": bool(r["is_root"]),
            "prioritised": bool(r["prioritised"])})
    return rows
