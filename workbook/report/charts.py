"""Chart helpers every stage shares: the drawing width, inlined data, the "nothing to draw"
chart. A stage's charts live in its own `charts.py`; only what several stages need is here."""

from __future__ import annotations

import json
from typing import Any

import altair as alt
import pandas as pd

WIDTH = 620


def wrap_labels(chars: int = 40) -> str:
    """A `labelExpr` that draws an axis or header label on lines of at most about `chars`
    characters (broken at spaces), so a long name is shown whole instead of cut short. The
    chart's data stay as they are."""
    return (f"split(trim(replace(datum.value, regexp('(.{{1,{int(chars)}}})(\\\\s+|$)', 'g'), "
            "'$1\\n')), '\\n')")


def chart_data(frame: pd.DataFrame) -> alt.Data:
    """Inline values for a chart: JSON-safe records (pandas NA becomes null)."""
    return alt.Data(values=json.loads(frame.to_json(orient="records", double_precision=10)))


def layered(*charts: alt.Chart | alt.LayerChart, **kwargs: Any) -> alt.LayerChart:
    """`alt.layer` for charts without row or column facets, which it always layers into a
    `LayerChart` (altair types it `LayerChart | FacetChart` for charts sharing a facet)."""
    chart = alt.layer(*charts, **kwargs)
    assert isinstance(chart, alt.LayerChart)
    return chart


def empty_chart(title: str, message: str) -> alt.LayerChart:
    """A chart that only says `message`, for when there is nothing to draw."""
    text = alt.Chart(chart_data(pd.DataFrame({"message": [message]}))).mark_text(
        fontSize=13, color="#555555").encode(text="message:N", tooltip=["message:N"])
    return layered(text).properties(title=title, width=WIDTH, height=60)
