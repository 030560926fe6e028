"""Tables written faster, the same bytes (property tests): `labels._cells` writes a column's
cells once per distinct value, the same texts as `cell` value by value; `blocks._html_table`
writes a table of strings as pandas' `to_html` does, or leaves it to pandas."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.i18n import using
from workbook.report import labels

VALUES = st.one_of(
    st.none(), st.just(float("nan")), st.just(pd.NA), st.just(-0.0), st.just(0.0),
    st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True, width=64),
    st.floats(-5, 5).map(np.float64), st.integers(-3, 3).map(np.int64),
    st.booleans().map(np.bool_), st.sampled_from(["EL", "ALL", "fewer than 11 students", ""]),
    st.dates().map(lambda d: pd.Timestamp(d)),
    st.just(pd.Timestamp("2026-01-01 23:30", tz="UTC")),
    st.just(pd.Timestamp("2026-01-01 23:30", tz="UTC").tz_convert("Asia/Tokyo")),
    st.lists(st.integers(0, 3), max_size=2), st.just(dt.date(2026, 12, 2)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(VALUES, st.booleans()), max_size=30),
       st.sampled_from(["value", "suppressed", "note", "student_group"]),
       st.sampled_from(["en", "es"]))
def test_a_column_written_once_per_value_reads_as_cell_by_cell(rows, column, language):
    values = [v for v, _ in rows]
    unreported = [u for _, u in rows]
    with using(language):
        expected = [labels.cell(v, column, u) for v, u in rows]
        assert labels._cells(values, column, unreported) == expected


def test_equal_values_of_other_types_keep_their_own_text():
    texts = labels._cells([True, 1, 1.0, np.True_, np.int64(1), -0.0, 0.0],
                          "value", [False] * 7)
    assert texts == ["Yes", "1", "1", "Yes", "1", "0", "0"]


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40) | \
    st.sampled_from(["", " a", "a ", "a&b<c>d", "\"quoted\" 'x'", "x" * 300, "—", "\t"])


@settings(max_examples=400, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=5, unique=True), st.integers(0, 6), st.data())
def test_a_table_of_strings_is_written_as_pandas_writes_it(headings, n_rows, data):
    """blocks._html_table is pandas' to_html byte for byte, or declines (None)."""
    from workbook.report import blocks

    rows = [data.draw(st.lists(TEXT, min_size=len(headings), max_size=len(headings)))
            for _ in range(n_rows)]
    people = pd.DataFrame(rows, columns=headings, dtype=object)
    ours = blocks._html_table(people)
    theirs = people.to_html(index=False, escape=True, border=0, classes="wb-table")
    assert ours is None or ours == theirs
    if n_rows and all(blocks._plain(t) for t in headings + [v for r in rows for v in r]):
        assert ours is not None  # the fast path is taken for ordinary tables
