"""Chart helpers every stage shares: the drawing width, inlined data, the "nothing to draw"
chart. A stage's charts live in its own `charts.py`; only what several stages need is here."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

WIDTH = 620


def chart_data(frame: pd.DataFrame) -> alt.Data:
    """Inline values for a chart: JSON-safe records (pandas NA becomes null)."""
    return alt.Data(values=json.loads(frame.to_json(orient="records", double_precision=10)))


def empty_chart(title: str, message: str) -> alt.TopLevelMixin:
    """A chart that only says `message`, for when there is nothing to draw."""
    text = alt.Chart(chart_data(pd.DataFrame({"message": [message]}))).mark_text(
        fontSize=13, color="#555555").encode(text="message:N", tooltip=["message:N"])
    return alt.layer(text).properties(title=title, width=WIDTH, height=60)
