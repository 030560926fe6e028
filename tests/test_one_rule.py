"""One implementation of every rule: the Excel quarterly sheet is workbook 04's tables, and
every chart is drawn from the table printed under it.

The Excel export once judged "on time" with rules of its own and disagreed with the report.
These tests read the exported sheet back with openpyxl and compare every cell with the
frames `progress.tables.quarterly_tables` gives, for every sample district and for the cases
where the two used to disagree.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import partial

import openpyxl
import pandas as pd
import pytest

from workbook import data, progress
from workbook import rootcause as rc
from workbook.exchange.excel import QUARTERLY_HEADERS, QUARTERLY_TABLES, export_plan
from workbook.plan.model import Action, Milestone, Strategy
from workbook.progress.model import StatusUpdate
from workbook.records.document import PlanDocument
from workbook.records.organisation import Organisation
from workbook.report import blocks as show
from workbook.report import sections
from workbook.rootcause.model import Cause, Symptom
from workbook.run import regions
from workbook.samples.plans import sample_plans

ORG = "27661590000000"
D = dt.date


@pytest.fixture(scope="module")
def plans() -> list[PlanDocument]:
    return sample_plans(data.load_outcomes(data.sample_sources()))


# --- reading the sheet back -------------------------------------------------------------


def _sheet(path) -> tuple[list[str], dict[str, tuple[list[str], list[list]]]]:
    """The sheet's notes (column A above the first table) and each table by key: its
    headers and rows, found by the table's title in column A."""
    ws = openpyxl.load_workbook(path)["Quarterly report"]
    column_a = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    out = {}
    for key, title in QUARTERLY_TABLES.items():
        head = column_a.index(title) + 2  # 1-based row of the header
        headers = [c.value for c in ws[head] if c.value is not None]
        rows = []
        for r in range(head + 1, ws.max_row + 2):
            values = [ws.cell(r, c).value for c in range(1, len(headers) + 1)]
            if all(v is None for v in values):
                break
            rows.append(values)
        out[key] = (headers, rows)
    notes = column_a[:column_a.index(QUARTERLY_TABLES["strategies"])]
    return [n for n in notes if n], out


def _as_written(value: object) -> object:
    """A frame cell as openpyxl reads it back: booleans as yes/no, dates as datetimes,
    missing values and empty text as empty cells."""
    if value is None or value is pd.NA or value is pd.NaT or value == "":
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def assert_sheet_is(path, tables: dict[str, pd.DataFrame]) -> None:
    """Every table of the sheet equals the frame of the same key, cell by cell."""
    notes, sheet = _sheet(path)
    period = tables["period"].iloc[0]
    assert notes[-3].startswith(
        f"Plan year {period['plan_year']}, quarter {period['quarter']} "
        f"({period['start'].isoformat()} to {period['end'].isoformat()}), figures as of "
        f"{period['as_of'].isoformat()}")
    for key in QUARTERLY_TABLES:
        frame = tables[key]
        headers, rows = sheet[key]
        assert headers == [QUARTERLY_HEADERS[c] for c in frame.columns], key
        expected = [[_as_written(v) for v in row]
                    for row in frame.itertuples(index=False, name=None)]
        assert rows == expected, key


def _export(tmp_path, doc: PlanDocument, name: str, **kw):
    return export_plan(doc, tmp_path / f"{name}.xlsx", **kw)


# --- every sample district --------------------------------------------------------------


def test_every_sample_district_gets_workbook_04s_tables(plans, tmp_path):
    as_of = D(2024, 12, 15)  # inside quarter 2 (November to January), after an action is due
    for doc in plans:
        start = doc.organisation.plan_start
        assert progress.quarter_of(start, as_of) == (1, 2)
        path = _export(tmp_path, doc, doc.org_id, as_of=as_of)
        assert_sheet_is(path, progress.quarterly_tables(doc, start, 2, 1, as_of=as_of))


def test_with_the_region_manifest_the_sheet_is_the_batch_report(plans, tmp_path):
    region = regions.load("sample")
    start = dt.date.fromisoformat(region.plan_start)
    checked = 0
    for doc in plans:
        path = _export(tmp_path, doc, doc.org_id, plan_start=start, quarter=region.quarter,
                       plan_year=region.plan_year)
        # the call workbook 04 makes with the manifest's parameters
        tables = progress.quarterly_tables(doc, start, region.quarter, region.plan_year)
        assert_sheet_is(path, tables)
        checked += int(tables["actions"]["behind"].any())
    assert checked  # some district has an action behind, so the rule is exercised


# --- the cases where Excel and the report used to disagree --------------------------------


def _plan(start: dt.date) -> tuple[PlanDocument, Action]:
    doc = PlanDocument(ORG)
    doc.add(Organisation(org_id=ORG, name="Edge Unified", plan_start=start))
    strategy = doc.add(Strategy(org_id=ORG, title="Tutoring"))
    milestone = doc.add(Milestone(org_id=ORG, strategy=strategy.id, title="Tutors in place",
                                  due=D(2025, 6, 30)))
    action = doc.add(Action(org_id=ORG, milestone=milestone.id, title="Hire tutors",
                            due=D(2024, 11, 30), budget=1000))
    return doc, action


def _counts(tables: dict[str, pd.DataFrame]) -> tuple[int, int, int]:
    [row] = tables["strategies"].to_dict("records")
    return row["actions_completed"], row["actions_on_time"], row["actions_behind"]


def test_no_status_yet_and_a_future_due_date_is_on_time(tmp_path):
    doc, action = _plan(D(2024, 7, 1))
    action.due = D(2025, 3, 31)
    tables = progress.quarterly_tables(doc, D(2024, 7, 1), 2, as_of=D(2024, 12, 15))
    assert _counts(tables) == (0, 1, 0)  # Excel's own rule said: not on time
    assert tables["actions"].iloc[0]["status"] == "not started"
    assert_sheet_is(_export(tmp_path, doc, "nostatus", as_of=D(2024, 12, 15)), tables)


def test_completed_reopened_and_completed_late_is_late(tmp_path):
    doc, action = _plan(D(2024, 7, 1))
    for day, status in [(D(2024, 10, 15), "complete"), (D(2024, 11, 1), "on track"),
                        (D(2024, 12, 10), "complete")]:  # due 2024-11-30
        doc.add(StatusUpdate(org_id=ORG, action=action.id, date=day, status=status))
    tables = progress.quarterly_tables(doc, D(2024, 7, 1), 2, as_of=D(2024, 12, 15))
    assert _counts(tables) == (1, 0, 0)  # Excel's own rule said: on time (first completion)
    assert tables["actions"].iloc[0]["completed_on"] == D(2024, 12, 10)
    assert_sheet_is(_export(tmp_path, doc, "reopened", as_of=D(2024, 12, 15)), tables)


def test_10_november_of_an_august_15_plan_is_in_its_first_quarter(tmp_path):
    start = D(2024, 8, 15)
    doc, action = _plan(start)
    doc.add(StatusUpdate(org_id=ORG, action=action.id, date=D(2024, 8, 20), status="behind",
                         cause="Tutors not yet hired", adjustment="Second job fair"))
    assert progress.quarter_of(start, D(2024, 11, 10)) == (1, 1)
    tables = progress.quarterly_tables(doc, start, 1, as_of=D(2024, 11, 10))
    assert list(tables["causes"]["cause"]) == ["Tutors not yet hired"]  # in quarter 1 only
    path = _export(tmp_path, doc, "aug15", as_of=D(2024, 11, 10))
    assert_sheet_is(path, tables)
    notes, _ = _sheet(path)
    assert notes[1].startswith("Plan year 1, quarter 1 (2024-08-15 to 2024-11-14)")


# --- every chart is drawn from the table under it ---------------------------------------


@pytest.fixture()
def drawn(monkeypatch) -> list[dict]:
    """Charts `report.blocks.chart` draws (as specs), with the table shown losing its last
    row, so a builder that ignores the frame it is given draws something else."""
    charts: list[dict] = []
    prepare = show.prepare
    monkeypatch.setattr(show, "prepare", lambda frame, **kw: prepare(frame, **kw).iloc[:-1])
    monkeypatch.setattr(show, "svg", lambda chart: charts.append(chart.to_dict()) or "<svg/>")
    monkeypatch.setattr(show, "_display", lambda markup: None)
    show.configure("team", "CA")
    return charts


def test_the_fishbone_is_drawn_from_the_cause_table_shown(plans, drawn):
    doc = next(d for d in plans if d.of(Cause))
    sections.root_causes(doc)
    symptoms = doc.of(Symptom)
    assert len(drawn) == len(symptoms)
    for spec, symptom in zip(drawn, symptoms, strict=True):
        shown = rc.cause_table([c for c in doc.of(Cause) if c.symptom == symptom.id]).iloc[:-1]
        assert spec == rc.fishbone_chart(symptom, shown).to_dict()
        causes = [lay for lay in spec["layer"] if lay["name"] == "causes"][0]["data"]["values"]
        assert sorted(v["cause"] for v in causes) == sorted(shown["cause"])


def _builders(doc: PlanDocument) -> list[tuple[str, pd.DataFrame, object]]:
    """(name, frame, builder) as notebooks 02 and 04 pass them to `show.chart`."""
    start = doc.organisation.plan_start
    tables = progress.quarterly_tables(doc, start, 2, 1)
    symptom = doc.of(Symptom)[0]
    return [
        ("prioritisation", rc.cause_table(doc.of(Cause)), rc.prioritisation_chart),
        ("status over time", progress.status_over_time(doc), progress.status_over_time_chart),
        ("progress", progress.progress_data(tables), progress.progress_chart),
        ("fishbone", rc.cause_table([c for c in doc.of(Cause) if c.symptom == symptom.id]),
         partial(rc.fishbone_chart, symptom)),
    ]


def test_every_chart_is_drawn_from_the_frame_it_is_given(plans, drawn):
    doc = next(d for d in plans if d.of(Cause) and d.of(StatusUpdate))
    for name, frame, build in _builders(doc):
        assert len(frame) > 1, name
        drawn.clear()
        show.chart(frame, build, name, alt_text=name)
        [spec] = drawn
        assert spec == build(frame.iloc[:-1]).to_dict(), name  # the table shown under it
        assert spec != build(frame).to_dict(), name


# --- one table of suppression thresholds ------------------------------------------------


def test_the_california_reader_and_the_texts_read_the_one_threshold_table(monkeypatch):
    from conftest import CA_2024

    from workbook import privacy

    assert privacy.thresholds_text() == "California 11, Oregon 10"
    assert privacy.small_group_text(privacy.threshold_for("CA")) == "fewer than 11 students"
    monkeypatch.setitem(privacy.THRESHOLDS, "CA", 20)
    f = data.load_outcomes([CA_2024])
    flagged = f[f["suppression"] == "fewer than 20 students"]
    assert not flagged.empty and (flagged["denominator"] < 20).all()  # the reader read it
    assert privacy.thresholds_text() == "California 20, Oregon 10"
    hidden = privacy.suppress(pd.DataFrame({"n": [15, 40]}), families=(),
                              threshold=privacy.threshold_for("CA"))
    assert hidden["suppressed"].iloc[0] == "fewer than 20 students"
