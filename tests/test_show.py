"""workbook.report (blocks and page) without a kernel: suppression, CSVs, escaping, charts."""

from __future__ import annotations

import altair as alt
import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from workbook.errors import WorkbookError
from workbook.report import blocks as show
from workbook.report import page as report

EVIL = "<script>alert(1)</script><b>bold</b>"


@pytest.fixture(autouse=True)
def shown(monkeypatch):
    """Restore show's settings after each test; capture what it would display."""
    monkeypatch.setattr(show, "_settings", show.Settings())
    captured: list[str] = []
    monkeypatch.setattr(show, "_display", captured.append)
    return captured


def frame() -> pd.DataFrame:
    """One indicator: all students, four race groups (one under 11) and two other groups."""
    return pd.DataFrame({
        "org_id": "X", "indicator": "ELA",
        "student_group": ["ALL", "AA", "AS", "HI", "WH", "SWD", "EL"],
        "student_group_name": ["All Students", "Black/African American", "Asian", "Hispanic",
                               EVIL, "Students with Disabilities", "English Learner"],
        "n": [200, 5, 30, 100, 65, 8, 40],
        "status": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0],
    })


def soup(markup: str) -> BeautifulSoup:
    return BeautifulSoup(markup, "html.parser")


def bar(f: pd.DataFrame) -> alt.Chart:
    return alt.Chart(f).mark_bar().encode(x="student_group:N", y="status:Q")


# --------------------------------------------------------------------------- prepare
def test_prepare_stakeholder_hides_small_and_complementary_cells():
    show.configure("stakeholder", "CA")
    out = prepared = show.prepare(frame(), value_cols=["status"]).set_index("student_group")
    hidden = prepared[prepared["n"].isna()].index.tolist()
    # AA (5) and SWD (8) are under 11; AS (30) is the smallest other race group, hidden so
    # AA cannot be worked out as ALL minus the other race groups
    assert sorted(hidden) == ["AA", "AS", "SWD"]
    assert out.loc[["AA", "AS", "SWD"], "status"].isna().all()
    assert out.loc["AA", "suppressed"] == "fewer than 11 students"
    assert out.loc["SWD", "suppressed"] == "fewer than 11 students"
    assert "cannot be worked out" in out.loc["AS", "suppressed"]
    shown = out.loc[["ALL", "HI", "WH", "EL"]]
    assert shown["n"].tolist() == [200, 100, 65, 40]
    assert shown["status"].tolist() == [10.0, 40.0, 50.0, 70.0]
    assert shown["suppressed"].isna().all()


def test_prepare_oregon_threshold_is_10():
    show.configure("stakeholder", "OR")
    f = frame()
    f.loc[f["student_group"] == "SWD", "n"] = 10
    out = show.prepare(f, value_cols=["status"]).set_index("student_group")
    assert out.loc["SWD", "n"] == 10 and out.loc["SWD", "status"] == 60.0
    assert pd.isna(out.loc["AA", "n"])


def test_prepare_team_shows_everything_as_is():
    show.configure("team", "CA")
    f = frame()
    out = show.prepare(f, value_cols=["status"])
    pd.testing.assert_frame_equal(out, f)
    assert "suppressed" not in out.columns


def test_prepare_leaves_tables_without_counts_alone():
    show.configure("stakeholder", "CA")
    f = frame().drop(columns=["n"])
    pd.testing.assert_frame_equal(show.prepare(f, value_cols=["status"]), f)


# ----------------------------------------------------------------------------- table
def test_table_writes_the_csv_as_shown_and_escapes(tmp_path, shown):
    data = tmp_path / "report" / "data" / "01_needs_assessment"
    show.configure("stakeholder", "CA", data)
    show.table(frame(), f"Results {EVIL}", name="snapshot", value_cols=["status"],
               caption="Caption <i>x</i>")
    csv = pd.read_csv(data / "snapshot.csv", dtype={"student_group": str},
                      keep_default_na=False, na_values=[""])
    assert "n" in csv.columns
    expected = show.prepare(frame(), value_cols=["status"])
    assert csv["student_group"].tolist() == expected["student_group"].tolist()
    assert csv["n"].isna().tolist() == expected["n"].isna().tolist()
    small = csv[(csv["n"] > 0) & (csv["n"] < 11)]
    assert small.empty
    hidden = csv.set_index("student_group").loc[["AA", "AS", "SWD"]]
    assert hidden["n"].isna().all() and hidden["status"].isna().all()
    assert csv.loc[csv["student_group"] == "WH", "student_group_name"].item() == EVIL

    assert len(shown) == 1
    markup = shown[0]
    assert "<script" not in markup and "<b>" not in markup and "<i>" not in markup
    assert "&lt;script&gt;" in markup
    page = soup(markup)
    assert page.h4.get_text() == f"Results {EVIL}"
    assert page.select_one(".wb-caption").get_text() == "Caption <i>x</i>"
    rows = page.select("table tbody tr")
    assert len(rows) == len(csv)
    heads = [th.get_text() for th in page.select("thead th")]
    # human headings, each code with its name; the CSV keeps the machine columns
    assert heads == ["District code", "Indicator", "Student group", "Students", "Result",
                     "Hidden because"], heads
    assert {"student_group", "student_group_name", "n", "suppressed"} <= set(csv.columns)
    shown_n = [r.select("td")[heads.index("Students")].get_text() for r in rows]
    assert shown_n[0] == "200" and not shown_n[1].isdigit()  # AA: blank, see below
    assert not any(v.isdigit() and 0 < int(v) < 11 for v in shown_n)
    # the data link is relative to the report, which sits above data/
    link = page.select_one("p.wb-data a")
    assert link["href"] == "data/01_needs_assessment/snapshot.csv"


def test_table_team_mode_writes_counts(tmp_path):
    show.configure("team", "CA", tmp_path / "data")
    show.table(frame(), "Results", name="snap", value_cols=["status"])
    csv = pd.read_csv(tmp_path / "data" / "snap.csv")
    assert csv["n"].tolist() == [200, 5, 30, 100, 65, 8, 40]


def test_table_missing_values_read_as_a_dash_with_a_note(shown):
    """A missing value is a dash, explained under the table; a blank note stays blank (it
    is not a missing value); "not reported" only where the state did not report the row."""
    f = pd.DataFrame({"group": ["A", "B"], "n": pd.array([20, None], dtype="Int64"),
                      "status": [1.5, None], "note": ["x", None]})
    show.table(f, "Missing", name="missing")
    page = soup(shown[0])
    cells = [td.get_text() for td in page.select("tbody td")]
    assert cells == ["A", "20", "1.5", "x", "B", "—", "—", ""], cells
    assert "— no value" in page.select_one("p.wb-note").get_text()
    f["not_reported"] = pd.array([False, True], dtype="boolean")
    show.table(f, "Unreported", name="unreported")
    cells = [td.get_text() for td in soup(shown[1]).select("tbody td")]
    assert cells[5:] == ["B", "not reported", "not reported", "", "Yes"], cells


def test_shown_rows_have_no_suppression_words_and_booleans_read_yes_no(shown):
    """A row that is shown has an empty "Hidden because" cell, never "not reported"; True
    and False read Yes and No; no raw <NA>, NaN or None anywhere."""
    show.configure("stakeholder", "CA")
    f = frame()
    f["higher_is_better"] = [True, False, True, True, False, True, True]
    f["change"] = [None, 1.0, float("nan"), pd.NA, 2.5, None, 3.0]
    show.table(f, "Results", name="flags", value_cols=["status", "change"])
    page = soup(shown[0])
    heads = [th.get_text() for th in page.select("thead th")]
    rows = [[td.get_text() for td in tr.select("td")] for tr in page.select("tbody tr")]
    by_group = {r[heads.index("Student group")]: r for r in rows}
    hidden = heads.index("Hidden because")
    assert by_group["All Students (ALL)"][hidden] == ""
    assert by_group["Black/African American (AA)"][hidden] == "fewer than 11 students"
    assert {r[heads.index("Higher is better")] for r in rows} == {"Yes", "No"}
    cells = {c for r in rows for c in r}
    assert not cells & {"True", "False", "<NA>", "NaN", "nan", "None", "not reported"}


def test_labels_name_every_column_and_fall_back_to_words():
    from workbook.report import labels

    assert labels.label("student_group") == "Student group"
    assert labels.label("milestones_completed_pct") == "Milestones completed (%)"
    assert labels.label("strategy_id") == "Strategy number"
    assert labels.label("some_new_column_pct") == "Some new column (%)"
    assert labels.label("provider_x_id") == "Provider x number"
    people = labels.for_people(pd.DataFrame({"indicator": ["CHRO", "NEW"],
                                             "student_group": ["EL", "ZZ"],
                                             "order": [1, 2]}))
    assert list(people.columns) == ["Indicator", "Student group"]  # `order` left out
    assert people.iloc[0].tolist() == ["Chronic absenteeism rate (CHRO)",
                                       "English Learners (EL)"]
    assert people.iloc[1].tolist() == ["NEW", "ZZ"]  # unknown codes as they are
    # a code shown with its name is headed as the name: the cell is a district, not a code
    named = labels.for_people(pd.DataFrame({"district_id": ["27661590000000"],
                                            "district": ["Salinas Union High"],
                                            "org_id": ["X"]}))
    assert list(named.columns) == ["District", "District code"]
    assert named.iloc[0].tolist() == ["Salinas Union High (27661590000000)", "X"]


@pytest.mark.parametrize(("indicator", "values", "low", "high"), [
    ("ELA", [-65.5, -65.3], -80.4, -50.4),  # 0.2 points drawn inside a 30-point range
    ("ELA", [-100.0, -20.0], -104.0, -16.0),  # a wide change keeps its own range
    ("CHRO", [12.0, 12.4], 0.0, 13.64),  # a rate starts at zero
    ("NEWDFS", [-3.0, -2.0], -7.5, 2.5),  # unknown, below zero: the default span
])
def test_trend_axes_span_the_meaningful_change(indicator, values, low, high):
    from workbook.report import labels

    lo, hi = labels.y_domain(indicator, values)
    assert (round(lo, 2), round(hi, 2)) == (low, high)
    assert lo <= min(values) and hi >= max(values)


def test_trend_chart_draws_each_panel_on_its_honest_range():
    """The trend chart's data carry each panel's range (invisible points), so a 0.2-point
    change in distance from standard is drawn inside a 30-point axis."""
    from workbook.needs.charts import trend_chart

    f = pd.DataFrame({"indicator": ["ELA", "ELA", "CHRO", "CHRO"],
                      "indicator_name": ["ELA", "ELA", "Chronic", "Chronic"],
                      "year": [2023, 2024, 2023, 2024], "status": [-65.3, -65.5, 12.0, 12.4],
                      "n": [100, 100, 100, 100], "basis": "reported", "not_reported": False,
                      "color_name": "Yellow", "note": ""})
    spec = trend_chart(f).to_dict()
    rows = spec["data"]["values"]
    ela = {(r["y_lo"], r["y_hi"]) for r in rows if r["indicator"] == "ELA"}
    chro = {(r["y_lo"], r["y_hi"]) for r in rows if r["indicator"] == "CHRO"}
    assert len(ela) == 1 and round(ela.pop()[1] - (-65.4), 6) == 15.0
    assert len(chro) == 1 and chro.pop() == pytest.approx((0.0, 12.4 * 1.1))
    fields = {layer["encoding"]["y"]["field"] for layer in spec["spec"]["layer"]}
    assert fields == {"status", "y_lo", "y_hi"}


def test_chart_labels_are_never_cut_and_long_titles_wrap():
    long = "A chart title that is much longer than a chart is wide, so it must wrap somewhere"
    spec = show.readable(alt.Chart(frame()).mark_bar().encode(
        x="n:Q", y=alt.Y("student_group_name:N", axis=alt.Axis(labelLimit=0)))
        .properties(title=long).to_dict())
    assert spec["config"]["legend"]["titleLimit"] == 0
    assert spec["config"]["axis"]["labelLimit"] == 0
    assert isinstance(spec["title"], list) and " ".join(spec["title"]) == long
    assert all(len(line) <= show.TITLE_CHARS for line in spec["title"])
    drawing = show.svg(alt.Chart(frame()).mark_bar().encode(
        x="n:Q", y=alt.Y("student_group_name:N", axis=alt.Axis(labelLimit=40)),
        color=alt.Color("indicator:N", title="Dashboard color legend",
                        legend=alt.Legend(titleLimit=30))))
    # a chart's own limits are lifted too: every label drawn whole
    assert "…" not in drawing and "Dashboard color legend" in drawing
    assert "Students with Disabilities" in drawing


def test_empty_table_says_nothing_to_show(shown):
    show.table(frame().iloc[0:0], "Nothing here", name="none")
    block = soup(shown[0])
    assert "Nothing to show yet." in block.get_text()
    assert block.select_one("table") is None


def test_no_csv_without_a_data_dir(tmp_path, shown, monkeypatch):
    monkeypatch.chdir(tmp_path)
    show.configure("stakeholder", "CA")
    show.table(frame(), "No files", name="nofile", value_cols=["status"])
    assert list(tmp_path.iterdir()) == []
    assert "wb-data" not in shown[0]


# ----------------------------------------------------------------------------- chart
def test_chart_is_svg_with_alt_text_data_and_suppressed_csv(tmp_path, shown):
    data = tmp_path / "data" / "nb"
    show.configure("stakeholder", "CA", data)
    drawn: list[pd.DataFrame] = []

    def build(f: pd.DataFrame) -> alt.Chart:
        drawn.append(f)
        return bar(f)

    alt_text = 'Status by group: "quoted" & <b>tagged</b>'
    show.chart(frame(), build, f"Chart {EVIL}", alt_text=alt_text, name="chart",
               value_cols=["status"])
    # the chart was drawn from the suppressed frame
    assert len(drawn) == 1
    assert drawn[0].set_index("student_group").loc[["AA", "AS", "SWD"], "n"].isna().all()
    csv = pd.read_csv(data / "chart.csv")
    assert "n" in csv.columns
    assert csv["n"].isna().sum() == 3 and not ((csv["n"] > 0) & (csv["n"] < 11)).any()

    markup = "".join(shown)
    assert "<script" not in markup and "<b>" not in markup
    page = soup(markup)
    fig = page.select_one("figure.wb-chart")
    assert fig["role"] == "img"
    # the image's name: its title, what it shows, and where its numbers are
    assert fig["aria-label"] == (f"Chart {EVIL}. {alt_text}. The data are in the table after "
                                 "the chart.")
    assert fig.select_one("figcaption strong").get_text() == f"Chart {EVIL}"
    svg = fig.select_one("svg")
    assert svg is not None
    marks = [g for g in svg.select("[class]") if "role-mark" in g["class"]]
    assert any(m.find(["path", "rect", "text"]) for m in marks)
    details = fig.find_next_sibling()
    assert details.name == "details"
    assert len(details.select("table tbody tr")) == len(csv)
    assert EVIL in details.get_text()  # user text is in the data table, as text


def test_chart_alt_text_is_written_from_what_is_shown(shown):
    """A summary that quotes figures sees only the suppressed frame."""
    show.configure("stakeholder", "CA")

    def summary(f: pd.DataFrame) -> str:
        rows = f[f["status"].notna()]
        return "; ".join(f"{g} {v:g}" for g, v in zip(rows["student_group"], rows["status"],
                                                      strict=True))

    show.chart(frame(), bar, "Status", alt_text=summary, name="alt", value_cols=["status"])
    label = soup(shown[0]).select_one("figure.wb-chart")["aria-label"]
    assert "ALL 10; HI 40; WH 50; EL 70." in label  # AA, AS and SWD hidden
    assert " AA " not in label and " AS " not in label and "SWD" not in label
    show.configure("team", "CA")
    show.chart(frame(), bar, "Status", alt_text=summary, name="alt", value_cols=["status"])
    assert "AA 20" in soup(shown[1]).select_one("figure.wb-chart")["aria-label"]


def test_prepare_takes_an_explicit_audience_and_state():
    """The apps say who is looking, without touching the notebook-wide setting."""
    f = frame()
    team = show.prepare(f, value_cols=["status"], audience="team", state="CA")
    pd.testing.assert_frame_equal(team, f)
    stake = show.prepare(f, value_cols=["status"], audience="stakeholder", state="OR")
    assert stake["n"].isna().sum() == 3
    assert show.settings().audience == "team"  # the default was not changed


def test_chart_svg_has_role_mark():
    svg = show.svg(bar(frame()))
    assert svg.lstrip().startswith("<svg")
    assert "role-mark" in svg
    assert "<script" not in svg


def test_empty_chart_says_nothing_to_chart(shown):
    show.chart(frame().iloc[0:0], bar, "Empty", alt_text="nothing", name="empty")
    assert "Nothing to chart yet." in soup(shown[0]).get_text()
    assert "<svg" not in shown[0]


def test_items_and_notes_escape(shown):
    show.items("Items <u>x</u>", ["<img src=x onerror=alert(1)>", EVIL])
    show.items("None", [])
    show.note(EVIL, kind="summary")
    markup = "".join(shown)
    assert "<img" not in markup and "<script" not in markup and "<u>" not in markup
    page = soup(markup)
    assert [li.get_text() for li in page.select("li")] == [
        "<img src=x onerror=alert(1)>", EVIL, "None yet."]
    assert page.select_one("p.wb-summary").get_text() == EVIL


# ---------------------------------------------------------------------------- report
def notebook(outputs: list) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nIntro."),
        nbformat.v4.new_markdown_cell("## First section"),
        nbformat.v4.new_code_cell("secret_source_code()", outputs=outputs),
        nbformat.v4.new_markdown_cell("## Second & last"),
        nbformat.v4.new_code_cell("print('log line')", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="log line\n")]),
    ]
    return nb


def test_render_refuses_a_notebook_with_an_error():
    err = nbformat.v4.new_output("error", ename="ValueError", evalue="bad district",
                                 traceback=["Traceback (most recent call last)", "boom"])
    with pytest.raises(WorkbookError) as caught:
        report.render(notebook([err]), title="T")
    assert "ValueError: bad district" in str(caught.value)
    assert "no report" in str(caught.value)


def test_render_has_outputs_not_code():
    out = nbformat.v4.new_output("display_data", data={"text/html": "<p class='x'>shown</p>"})
    page = report.render(notebook([out]), title=f"Report {EVIL}", subtitle="Sub",
                         audience="stakeholder", glossary={"Term <x>": "Meaning"})
    assert "<script" not in page.lower()
    assert "secret_source_code" not in page and "log line" not in page
    doc = soup(page)
    assert doc.select_one("header.title-page h1").get_text() == f"Report {EVIL}"
    assert doc.title.get_text() == f"Report {EVIL}"
    assert doc.select_one("main p.x").get_text() == "shown"
    assert doc.select_one("main h1") is None  # the notebook's h1 is on the title page
    terms = [dt.get_text() for dt in doc.select("#glossary + dl dt")]
    assert "Term <x>" in terms and set(report.GLOSSARY) <= set(terms)
    assert "are hidden" in doc.select_one("header.title-page").get_text()


def test_toc_links_every_h2():
    from nbconvert.filters import markdown2html_mistune

    body = "\n".join([markdown2html_mistune("## At a glance\n\nText."),
                      "<p>output</p>",
                      markdown2html_mistune("## Gaps & trends"),
                      '<h2 class="plain">No id <em>here</em></h2>'])
    new_body, toc = report._toc(body)
    doc = soup(new_body)
    ids = [h.get("id") for h in doc.select("h2")]
    assert ids == ["sec-1", "sec-2", "sec-3"]
    assert doc.select("h2")[2]["class"] == ["plain"]
    links = soup(toc).select("nav.toc ol li a")
    assert [a["href"] for a in links] == ["#sec-1", "#sec-2", "#sec-3"]
    assert [a.get_text() for a in links] == ["At a glance", "Gaps & trends", "No id here"]
    assert all(doc.find(id=a["href"][1:]) is not None for a in links)
    assert "&amp;" in toc  # the text is escaped in the contents


def test_toc_without_headings_is_empty():
    body, toc = report._toc("<p>no headings</p>")
    assert body == "<p>no headings</p>"
    assert soup(toc).select("li") == []


def test_level_and_color_columns_show_only_when_the_state_gives_colors():
    """Oregon publishes no Dashboard colors: its tables show no empty level and color
    columns on the page (the CSV keeps them); a California table keeps them."""
    from workbook.report.labels import for_people

    oregon = pd.DataFrame({"indicator": ["GRAD4", "GRAD4"], "student_group": ["ALL", "NEVEREL"],
                           "status": [88.7, 41.2], "status_level": [0, 0],
                           "change_level": [0, 0], "color": [0, 0],
                           "color_name": ["no color", "not reported"]})
    shown = for_people(oregon)
    assert not [c for c in shown.columns if "color" in c.lower() or "level" in c.lower()]
    assert list(shown.iloc[1])[:2] == ["Four-year cohort graduation rate (GRAD4)",
                                       "Never English Learners (NEVEREL)"]
    california = oregon.assign(indicator="CHRO", student_group=["ALL", "EL"], color=[0, 2],
                               color_name=["no color", "Orange"])
    heads = list(for_people(california).columns)
    assert "Dashboard color (1-5)" in heads and "Status level (1-5)" in heads


# the width of the drawing of one y-axis label: it grows with the label's measured width
_LABEL_WIDTH = """
import json, re, sys
import vl_convert
from workbook.report import blocks
if sys.argv[1] == "own":
    blocks.start_chart_engine()
def width(label, font):
    spec = {"data": {"values": [{"g": label, "v": 1}]}, "mark": "bar",
            "encoding": {"y": {"field": "g", "type": "nominal", "title": None},
                         "x": {"field": "v", "type": "quantitative", "title": None}},
            "config": {"font": font, "axis": {"labelLimit": 0}}}
    return float(re.search(r'<svg[^>]* width="([0-9.]+)"', vl_convert.vegalite_to_svg(spec))[1])
print(json.dumps({"dejavu_W": width("WWWWWWWW", "DejaVu Sans"),
                  # vl-convert's stand-in for a font it cannot find: the text as zeros, as
                  # many as the characters of its JSON (with the quotes), in sans-serif
                  "liberation_0": width("0000000000", "Liberation Sans"),
                  "ours_W": width("WWWWWWWW", blocks.FONT),
                  "liberation_W": width("WWWWWWWW", "Liberation Sans")}))
"""


def _label_widths(mode: str) -> dict[str, float]:
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _LABEL_WIDTH, mode], capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_charts_measure_text_with_vl_converts_own_font_not_the_systems():
    """With the engine started by start_chart_engine, no system font is seen: a label in a
    font only the system has is measured as vl-convert's stand-in (its text as zeros in its
    own sans-serif), and our FONT is its own Liberation Sans. Without it (the control), the
    system's DejaVu Sans, which the test machine has (scripts/system-setup.sh), is measured."""
    own = _label_widths("own")
    assert own["dejavu_W"] == own["liberation_0"]
    assert own["ours_W"] == own["liberation_W"] != own["liberation_0"]
    system = _label_widths("system")
    assert system["dejavu_W"] != system["liberation_0"]  # the control: DejaVu is installed
    assert system["dejavu_W"] > system["liberation_W"]  # and its W is wider


def test_report_page_and_apps_show_text_in_the_charts_font():
    """The page and the apps' charts name the font vl-convert measured the labels with."""
    from workbook.apps import page as app_page

    first = show.FONT.split(",")[0].strip()
    assert show.READABLE_CONFIG["font"] == show.FONT
    assert f'font-family: "{first}"' in report.CSS
    assert f'svg text{{font-family:"{first}"' in app_page.CSS
