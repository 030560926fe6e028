"""Notebook 04 analysis: the quarterly Tool A tables, the summary sentence and the charts."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from workbook import progress as pr
from workbook.direction.model import Goal, Measure
from workbook.errors import WorkbookError
from workbook.plan.model import Action, Milestone, Strategy
from workbook.progress.model import Adjustment, MilestoneReview, Result, StatusUpdate, Support
from workbook.records.document import PlanDocument

ORG = "27661590000000"
START = dt.date(2024, 7, 1)
D = dt.date


def _plan() -> tuple[PlanDocument, dict[str, str]]:
    """Two strategies, four year-1 milestones (+ one year-2), known statuses at 2024-12-31."""
    doc = PlanDocument(ORG)
    ids: dict[str, str] = {}
    math_goal = doc.add(Goal(org_id=ORG, title="Math"))
    att_goal = doc.add(Goal(org_id=ORG, title="Attendance"))
    m_math = doc.add(Measure(org_id=ORG, parent=math_goal.id, indicator="math",
                             state_indicator="MATH", baseline=-50, baseline_year=2024,
                             targets={1: -40, 2: -30}))
    m_att = doc.add(Measure(org_id=ORG, parent=att_goal.id, indicator="chronic absence",
                            baseline=20, targets={1: 15, 2: 10}, higher_is_better=False))
    s1 = doc.add(Strategy(org_id=ORG, goal=math_goal.id, title="PLCs", practice="3b"))
    s2 = doc.add(Strategy(org_id=ORG, goal=att_goal.id, title="Mentors", practice="3b"))
    doc.add(Measure(org_id=ORG, parent=s1.id, indicator="teachers using data", baseline=20,
                    targets={1: 50, 2: 80}))
    doc.add(Result(org_id=ORG, measure=m_math.id, plan_year=1, value=-45))
    doc.add(Result(org_id=ORG, measure=m_att.id, plan_year=1, value=14))
    doc.add(Result(org_id=ORG, measure=m_att.id, plan_year=2, value=30))  # future: ignored

    ms = {
        "M1": doc.add(Milestone(org_id=ORG, strategy=s1.id, title="PLCs meet", due=D(2025, 1, 31))),
        "M2": doc.add(Milestone(org_id=ORG, strategy=s1.id, title="Data cycles",
                                due=D(2025, 5, 30))),
        "M3": doc.add(Milestone(org_id=ORG, strategy=s2.id, title="Mentors matched",
                                due=D(2024, 11, 30))),
        "M4": doc.add(Milestone(org_id=ORG, strategy=s2.id, title="Check-ins")),
        "M5": doc.add(Milestone(org_id=ORG, strategy=s1.id, title="Year 2", plan_year=2)),
    }
    ids.update({k: v.id for k, v in ms.items()})

    def action(key, ms_key, **kw):
        a = doc.add(Action(org_id=ORG, milestone=ms[ms_key].id, title=key, **kw))
        ids[key] = a.id
        return a

    def status(key, day, st, **kw):
        doc.add(StatusUpdate(org_id=ORG, action=ids[key], date=day, status=st, **kw))

    action("a1", "M1", start=D(2024, 8, 1), due=D(2024, 10, 31), budget=500,
           funding_source="Title I", owner="Principal", outputs="PLC calendar")
    action("a2", "M1", start=D(2024, 9, 1), due=D(2024, 12, 31), budget=250)
    action("a3", "M2", start=D(2024, 9, 1), due=D(2024, 12, 30), budget=1000)
    action("a4", "M2", start=D(2024, 10, 1), due=D(2025, 3, 1))
    action("a5", "M3", start=D(2024, 9, 1), due=D(2024, 11, 15), budget=100)
    action("a6", "M3", start=D(2024, 9, 1), due=D(2024, 11, 1), budget=100)
    action("a7", "M4")
    action("a8", "M5", start=D(2025, 8, 1), due=D(2025, 9, 1), budget=9999)

    status("a1", D(2024, 9, 30), "on track", budget_used=100, cause="late start")
    status("a1", D(2024, 10, 20), "complete", budget_used=400, output_delivered=True)
    status("a2", D(2024, 11, 30), "on track", budget_used=50)
    status("a2", D(2025, 1, 15), "complete", budget_used=250)  # after the quarter
    status("a3", D(2024, 11, 30), "on track")
    status("a4", D(2024, 12, 1), "behind", cause="sub shortage", adjustment="PD moved to Jan")
    status("a5", D(2024, 11, 10), "complete", output_delivered=True)
    status("a5", D(2024, 11, 30), "complete")
    status("a6", D(2024, 11, 20), "complete")  # completed late
    doc.add(MilestoneReview(org_id=ORG, milestone=ms["M4"].id, date=D(2024, 12, 20),
                            complete=True))
    doc.add(Adjustment(org_id=ORG, target=ms["M2"].id, date=D(2024, 12, 5),
                       change="split the milestone", reason="too big"))
    doc.add(Support(org_id=ORG, need="PLC facilitation", provided=True, provider="COE",
                    how_used="coached leads", effectiveness=4))
    doc.add(Support(org_id=ORG, need="Substitutes"))
    return doc, ids


def test_quarter_bounds():
    assert pr.quarter_bounds(START, 1) == (D(2024, 7, 1), D(2024, 9, 30))
    assert pr.quarter_bounds(START, 2) == (D(2024, 10, 1), D(2024, 12, 31))
    assert pr.quarter_bounds(START, 3) == (D(2025, 1, 1), D(2025, 3, 31))
    assert pr.quarter_bounds(START, 4) == (D(2025, 4, 1), D(2025, 6, 30))
    assert pr.quarter_bounds(START, 1, plan_year=2) == (D(2025, 7, 1), D(2025, 9, 30))
    assert pr.quarter_bounds(D(2024, 8, 15), 2) == (D(2024, 11, 15), D(2025, 2, 14))
    assert pr.add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    with pytest.raises(WorkbookError, match="quarter"):
        pr.quarter_bounds(START, 5)
    assert pr.plan_year_for(START, 2025) == 1
    assert pr.plan_year_for(START, 2026) == 2


def test_latest_status_classifies_at_boundary_dates():
    doc, ids = _plan()
    by = pr.latest_status(doc, D(2024, 12, 30)).set_index("action")
    assert (by.loc["a3", "on_time"], by.loc["a3", "behind"]) == (True, False)  # due today
    by = pr.latest_status(doc, D(2024, 12, 31)).set_index("action")
    assert (by.loc["a3", "on_time"], by.loc["a3", "behind"]) == (False, True)  # a day late
    assert (by.loc["a2", "on_time"], by.loc["a2", "behind"]) == (True, False)  # due today
    assert by.loc["a2", "status"] == "on track"  # the January update is after as_of
    assert by.loc["a4", "behind"] and not by.loc["a4", "on_time"]  # reported behind
    assert by.loc["a4", "cause"] == "sub shortage"
    assert by.loc["a5", "completed_on"] == D(2024, 11, 10) and by.loc["a5", "on_time"]
    assert (by.loc["a6", "on_time"], by.loc["a6", "behind"]) == (False, False)  # late, done
    assert by.loc["a7", "status"] == "not started" and by.loc["a7", "on_time"]
    assert by.loc["a1", "budget_used"] == 400  # latest cumulative value, not 100 + 400
    assert by.loc["a7", "budget_used"] == 0
    assert by.loc["a1", "output_delivered"] and not by.loc["a2", "output_delivered"]
    assert len(by) == 8
    # an update dated exactly on as_of counts
    by = pr.latest_status(doc, D(2024, 10, 20)).set_index("action")
    assert by.loc["a1", "status"] == "complete" and by.loc["a1", "on_time"]


def test_quarterly_tables_figures():
    doc, ids = _plan()
    t = pr.quarterly_tables(doc, START, 2)
    assert set(t) == {"period", "strategies", "milestones", "actions", "causes",
                      "performance", "supports", "adjustments"}
    period = t["period"].iloc[0]
    assert (period["start"], period["end"], period["as_of"]) == (
        D(2024, 10, 1), D(2024, 12, 31), D(2024, 12, 31))
    assert len(t["actions"]) == 7  # the year-2 action is not counted

    ms = t["milestones"].set_index("milestone")
    assert list(ms.index) == ["PLCs meet", "Data cycles", "Mentors matched", "Check-ins"]
    assert ms["complete"].tolist() == [False, False, True, True]  # M4 by review
    assert ms["behind"].tolist() == [False, True, False, False]
    assert ms.loc["PLCs meet", "actions_completed_pct"] == 50.0
    assert ms.loc["PLCs meet", "actions_on_time_pct"] == 100.0
    assert ms.loc["PLCs meet", "outputs_list"] == "PLC calendar"
    assert ms.loc["Data cycles", "actions_behind_pct"] == 100.0
    assert ms.loc["Data cycles", "causes_adjustments"] == (
        "sub shortage (adjustment: PD moved to Jan); too big (adjustment: split the milestone)")
    assert ms.loc["Mentors matched", "actions_on_time"] == 1
    assert ms.loc["Mentors matched", "outputs_completed"] == 1
    assert ms.loc["Check-ins", "actions_completed_pct"] == 0.0  # complete only by review

    st = t["strategies"].set_index("strategy")
    plc, men = st.loc["PLCs"], st.loc["Mentors"]
    assert (plc["milestones"], plc["milestones_completed"], plc["milestones_behind"]) == (2, 0, 1)
    assert plc["milestones_completed_pct"] == 0.0
    assert (plc["actions"], plc["actions_completed"], plc["actions_on_time"],
            plc["actions_behind"]) == (4, 1, 2, 2)
    assert (plc["actions_completed_pct"], plc["actions_on_time_pct"],
            plc["actions_behind_pct"]) == (25.0, 50.0, 50.0)
    assert (plc["budget_planned"], plc["budget_used"]) == (1750.0, 450.0)
    assert (men["milestones_completed"], men["milestones_completed_pct"]) == (2, 100.0)
    assert (men["actions_completed_pct"], men["actions_on_time_pct"],
            men["actions_behind_pct"]) == (66.7, 66.7, 0.0)

    causes = t["causes"]
    assert causes["date"].tolist() == [D(2024, 12, 1), D(2024, 12, 5)]  # Q1's cause left out
    assert causes["adjustment"].tolist() == ["PD moved to Jan", "split the milestone"]
    assert causes["strategy"].tolist() == ["PLCs", "PLCs"]

    perf = t["performance"].set_index("indicator")
    assert perf.loc["math", "target"] == -40 and perf.loc["math", "latest_result"] == -45
    assert not perf.loc["math", "on_track"]
    assert perf.loc["chronic absence", "latest_result"] == 14  # year 2 result ignored
    assert perf.loc["chronic absence", "on_track"]  # lower is better: 14 <= 15
    assert perf.loc["teachers using data", "on_track"] is pd.NA
    assert perf.loc["math", "level"] == "goal"
    assert perf.loc["teachers using data", "parent"] == "PLCs"

    sup = t["supports"]
    assert sup["provided"].tolist() == [True, False]
    assert sup["effectiveness_label"].tolist() == ["very effective", ""]

    assert pr.summary_sentence(t) == (
        "3 of 4 milestones on track; 2 actions behind; math measure behind target.")


def test_first_quarter_and_summary_wording():
    doc, _ = _plan()
    t = pr.quarterly_tables(doc, START, 1)
    assert t["causes"]["cause"].tolist() == ["late start"]
    assert t["milestones"]["complete"].tolist() == [False] * 4  # review is later
    assert pr.summary_sentence(t) == (
        "4 of 4 milestones on track; no actions behind; math measure behind target.")
    # singular and plural
    one = {"milestones": t["milestones"].head(1), "actions": t["actions"].head(0),
           "performance": t["performance"].iloc[[1]]}
    assert pr.summary_sentence(one) == (
        "1 of 1 milestone on track; no actions yet; 1 of 1 measure on target.")
    late = t["actions"].head(1).assign(behind=True)
    perf = t["performance"].assign(on_track=False)
    assert pr.summary_sentence({"actions": late, "performance": perf}) == (
        "1 action behind; 3 measures behind target (math, chronic absence, "
        "teachers using data).")


def test_as_of_inside_the_quarter():
    doc, _ = _plan()
    t = pr.quarterly_tables(doc, START, 2, as_of=D(2024, 11, 5))
    acts = t["actions"].set_index("action")
    assert acts.loc["a6", "behind"]  # due Nov 1, not complete by Nov 5
    assert t["period"].iloc[0]["as_of"] == D(2024, 11, 5)


def test_empty_plan_gives_empty_tables():
    doc = PlanDocument(ORG)
    t = pr.quarterly_tables(doc, START, 3)
    for key in ("strategies", "milestones", "actions", "causes", "performance", "supports"):
        assert t[key].empty, key
    assert "budget_used" in t["strategies"].columns
    assert pr.summary_sentence(t) == "No actions yet."
    assert pr.summary_sentence({}) == "No actions yet."
    assert pr.latest_status(doc, START).empty
    assert pr.status_over_time(doc).empty
    pr.status_over_time_chart(pr.status_over_time(doc)).to_dict()
    pr.progress_chart(pr.progress_data(t)).to_dict()


def test_milestone_without_actions():
    doc = PlanDocument(ORG)
    s = doc.add(Strategy(org_id=ORG, title="Lonely"))
    doc.add(Milestone(org_id=ORG, strategy=s.id, title="No actions"))
    t = pr.quarterly_tables(doc, START, 1)
    row = t["milestones"].iloc[0]
    assert math.isnan(row["actions_completed_pct"]) and not row["complete"]
    assert t["strategies"].iloc[0]["milestones"] == 1
    assert pr.summary_sentence(t) == "1 of 1 milestone on track; no actions yet."


def _dataset(spec: dict) -> list[dict]:
    (rows,) = spec["datasets"].values()
    return rows


def test_status_over_time():
    doc, _ = _plan()
    frame = pr.status_over_time(doc)
    assert frame["month"].iloc[0] == "2024-09" and frame["month"].iloc[-1] == "2025-01"
    nov = frame[frame["month"] == "2024-11"].set_index("status")["actions"].to_dict()
    assert nov == {"not started": 3, "on track": 2, "complete": 3}
    assert frame.groupby("month")["actions"].sum().eq(8).all()
    spec = pr.status_over_time_chart(frame).to_dict()
    assert _dataset(spec) == frame.to_dict("records")  # drawn from the frame it is given
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["color"]["field"] == "status"
    assert spec["encoding"]["y"]["field"] == "actions"
    assert {"month": "2024-12", "status": "behind", "actions": 1, "order": 2} in _dataset(spec)
    assert spec["title"] and 500 <= spec["width"] <= 700


def test_progress_chart():
    doc, _ = _plan()
    t = pr.quarterly_tables(doc, START, 2)
    data = pr.progress_data(t)
    spec = pr.progress_chart(data).to_dict()
    rows = _dataset(spec)
    assert rows == data.to_dict("records")
    fewer = pr.progress_chart(data[data["point"] != "target"]).to_dict()
    assert all(r["point"] != "target" for r in _dataset(fewer))
    row = "math (goal: Math): behind target"
    assert {"measure": "math (goal: Math)", "point": "latest result", "value": -45.0,
            "status": "behind target", "row": row} in rows
    assert {"measure": "math (goal: Math)", "point": "target", "value": -40.0,
            "status": "behind target", "row": row} in rows
    assert not [r for r in rows if r["measure"].startswith("teachers")
                and r["point"] == "latest result"]
    assert spec["facet"]["row"]["field"] == "row"
    assert spec["spec"]["encoding"]["x"]["field"] == "value"
    assert {x["field"] for x in spec["spec"]["encoding"]["tooltip"]} >= {"measure", "value"}
    assert spec["title"]


@pytest.mark.parametrize("start", ["2024-08-01", "2024-08-15", "2024-01-31"])
def test_quarter_of_is_the_inverse_of_quarter_bounds(start):
    from workbook.progress.tables import quarter_bounds, quarter_of

    plan_start = dt.date.fromisoformat(start)
    for offset in range(3 * 365):
        day = plan_start + dt.timedelta(days=offset)
        plan_year, quarter = quarter_of(plan_start, day)
        first, last = quarter_bounds(plan_start, quarter, plan_year)
        assert first <= day <= last, (day, plan_year, quarter, first, last)
    assert quarter_of(plan_start, plan_start - dt.timedelta(days=40)) == (1, 1)


# --- stages 5-6: Tool A's year layout, supports, adjustments, results from the state file ---


def test_the_old_private_names_are_the_public_functions():
    from workbook.progress import quarterly, tables

    assert tables._classify is tables.classify and pr.classify is tables.classify
    assert tables._completed_on is tables.completed_on
    assert quarterly._milestone_complete is quarterly.milestone_complete
    assert pr.classify("behind", None, D(2030, 1, 1), D(2024, 1, 1)) == (False, True)


def test_year_grid_puts_each_quarter_side_by_side_as_its_own_quarter_reports_it():
    doc, ids = _plan()
    doc.add(MilestoneReview(org_id=ORG, milestone=ids["M1"], date=D(2025, 2, 3),
                            complete=False, notes="second action late", reviewer="team"))
    as_of = D(2025, 2, 15)
    grid = pr.year_tables(doc, START, 1, as_of=as_of)
    ms = grid["milestones"]
    # four year-1 milestones, Tool A's seven rows each
    assert len(ms) == 4 * 7 and set(ms["milestone_id"]) == {ids[k] for k in
                                                             ("M1", "M2", "M3", "M4")}
    for q in (1, 2, 3):
        end = min(pr.quarter_bounds(START, q)[1], as_of)
        one = pr.quarterly_tables(doc, START, q, as_of=end)["milestones"].set_index(
            "milestone_id")
        for key in ("M1", "M2", "M3"):
            mine = ms[ms["milestone_id"] == ids[key]].set_index("item")[f"q{q}"]
            assert mine["Actions completed (%)"] == pr.year.format_percent(
                one.loc[ids[key], "actions_completed_pct"])
            assert mine["Cause & adjustments made"] == one.loc[ids[key], "causes_adjustments"]
    assert (ms["q4"] == "").all()  # the fourth quarter has not begun on as_of
    m1 = ms[ms["milestone_id"] == ids["M1"]].set_index("item")
    assert m1.loc["Actions completed (%)", "q1"] == "0.0%"
    assert m1.loc["Actions completed (%)", "q2"] == "50.0%"  # a2 is complete in January
    assert m1.loc["Actions completed (%)", "q3"] == "100.0%"
    assert m1.loc["Additional information/comments", "q3"] == (
        "2025-02-03 not complete: second action late")
    st = grid["strategies"].set_index(["strategy", "item"])
    assert st.loc[("Mentors", "Milestones completed (%)"), "semester_1"] == "100.0%"
    assert st.loc[("Mentors", "Milestones reviewed"), "semester_1"] == (
        "Check-ins: 2024-12-20 complete")
    assert st.loc[("PLCs", "Milestones reviewed"), "semester_2"].startswith("PLCs meet: 2025")
    assert "sub shortage" in st.loc[("PLCs", "Cause & adjustments made"), "semester_1"]
    assert list(grid["reviews"]["semester"]) == [1, 2]
    assert grid["quarters"]["as_of"].tolist() == [D(2024, 9, 30), D(2024, 12, 31), as_of, None]


def test_semesters_are_two_quarters_of_the_plan_year():
    assert pr.semester_of(START, D(2024, 12, 31)) == (1, 1)
    assert pr.semester_of(START, D(2025, 1, 1)) == (1, 2)
    assert pr.semester_of(START, D(2025, 7, 1)) == (2, 1)
    assert pr.semester_bounds(START, 2, 1) == (D(2025, 1, 1), D(2025, 6, 30))


def test_supports_carry_type_links_dates_and_the_evidence_behind_the_score():
    doc, ids = _plan()
    strategy = next(s for s in doc.of(Strategy) if s.title == "PLCs")
    doc.add(Support(org_id=ORG, need="Attendance coach", support_type="Coaching",
                    strategy=strategy.id, needed=D(2024, 9, 1), requested=D(2024, 9, 15),
                    provided=True, provided_on=D(2025, 1, 20), effectiveness=2,
                    evidence="attendance flat"))
    at_year_end = pr.supports_table(doc).set_index("need")
    row = at_year_end.loc["Attendance coach"]
    assert (row["support_type"], row["strategy"], row["effectiveness_label"]) == (
        "coaching", "PLCs", "somewhat effective")
    # as of December it was asked for but not yet given
    dec = pr.quarterly_tables(doc, START, 2)["supports"].set_index("need")
    assert not dec.loc["Attendance coach", "provided"]
    assert dec.loc["Attendance coach", "provided_on"] is None
    # a support first needed after the report date is not in that report
    doc.add(Support(org_id=ORG, need="Later", needed=D(2025, 5, 1)))
    assert "Later" not in set(pr.quarterly_tables(doc, START, 2)["supports"]["need"])
    assert "Later" in set(pr.supports_table(doc)["need"])


def test_support_types_are_the_states_own_lists():
    import yaml

    from workbook import paths

    oregon = yaml.safe_load((paths.root() / "parameters/states/or/continuum.yaml")
                            .read_text(encoding="utf-8"))
    assert pr.support_types("OR") == tuple(t["name"].lower() for t in
                                           oregon["supports"]["types"])
    assert "differentiated assistance" in pr.support_types("CA")
    assert "corrective action" not in pr.support_types("CA")
    from typing import get_args

    from workbook.progress.model import SupportType

    assert set(get_args(SupportType)) == set(pr.all_support_types())  # the union cannot drift
    assert pr.support_types("ZZ") == ()
    old = Support.model_validate({"org_id": ORG, "need": "x", "effectiveness": 4})
    assert (old.support_type, old.needed, old.effectiveness_meaning) == (None, None,
                                                                         "very effective")


def test_adjustments_say_what_changed_why_and_who_was_told():
    doc, ids = _plan()
    doc.add(Adjustment(org_id=ORG, date=D(2025, 1, 10), change="monthly reviews with coach",
                       reason="two actions behind", told="board", told_on=D(2025, 1, 21)))
    t = pr.quarterly_tables(doc, START, 3)["adjustments"]
    assert t["adjusted"].tolist() == ["Data cycles", "the whole plan"]
    assert t.iloc[1][["told", "told_on"]].tolist() == ["board", D(2025, 1, 21)]
    assert pr.quarterly_tables(doc, START, 1)["adjustments"].empty  # none by September
    old = Adjustment.model_validate({"org_id": ORG, "date": "2024-01-01", "change": "c",
                                     "reason": "r"})
    assert (old.told, old.told_on) == ("", None)


def _outcomes(rows: list[dict]) -> pd.DataFrame:
    base = {"org_id": ORG, "org_level": "district", "grade": "all", "year": 2025,
            "suppression": "", "status_text": pd.NA, "source_file": "/x/dash_2025.csv",
            "source_row": 7}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_results_are_proposed_from_the_next_years_state_file_and_confirmed():
    doc, ids = _plan()
    m_math = next(m for m in doc.of(Measure) if m.indicator == "math")
    ela = doc.add(Measure(org_id=ORG, parent=m_math.parent, indicator="ELA, English learners",
                          state_indicator="ela", student_group="el", targets={1: -60}))
    table = _outcomes([
        {"indicator": "MATH", "student_group": "ALL", "status": -41.5},
        {"indicator": "MATH", "student_group": "ALL", "status": -10.0, "year": 2024},
        {"indicator": "MATH", "student_group": "ALL", "status": -5.0, "org_id": "other"},
        {"indicator": "ELA", "student_group": "EL", "status": pd.NA, "suppression": "*"},
    ])
    p = pr.result_proposals(doc, table, ORG, START, 1).set_index("measure_id")
    assert pr.school_year_of(START, 1) == 2025 and pr.school_year_of(D(2024, 8, 1), 2) == 2026
    assert list(p.index) == [m_math.id, ela.id]  # only measures naming a state indicator
    assert p.loc[m_math.id, "value"] == -41.5 and not p.loc[m_math.id, "suppressed"]
    assert p.loc[m_math.id, "note"] == "from dash_2025.csv, row 7"
    assert p.loc[m_math.id, "saved_value"] == -45  # the typed result already saved
    assert p.loc[ela.id, "suppressed"] and math.isnan(p.loc[ela.id, "value"])
    assert "too small to publish" in p.loc[ela.id, "note"]
    with pytest.raises(WorkbookError, match="no value to confirm"):
        pr.confirmed_result(p.loc[ela.id].to_dict() | {"measure_id": ela.id}, ORG)
    existing = next(r for r in doc.of(Result) if r.measure == m_math.id and r.plan_year == 1)
    saved = pr.confirmed_result(p.loc[m_math.id].to_dict() | {"measure_id": m_math.id}, ORG,
                                "PLCs started late", existing=existing)
    assert (saved.id, saved.value, saved.source, saved.school_year, saved.explanation) == (
        existing.id, -41.5, "state file", 2025, "PLCs started late")
    doc.add(saved)
    perf = pr.quarterly_tables(doc, START, 4)["performance"].set_index("indicator")
    assert perf.loc["math", "latest_result"] == -41.5
    assert perf.loc["math", "explanation"] == "PLCs started late"
    assert perf.loc["math", "result_source"].startswith("state file: dash_2025.csv")
    # no file for the year: every measure says so, none is invented
    none = pr.result_proposals(doc, None, ORG, START, 2)
    assert none["value"].isna().all() and none["note"].str.contains("no ").all()


def test_a_support_type_no_state_lists_is_refused_with_the_known_ones():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="not a type of support.*coaching"):
        Support(org_id=ORG, need="x", support_type="magic beans")
    assert Support(org_id=ORG, need="x", support_type="Corrective_Action").support_type == (
        "corrective action")
