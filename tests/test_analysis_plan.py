"""Notebook 03 analysis: direction, measures, strategies, coverage, timeline, budget, findings."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from workbook import catalogue
from workbook import plan as ap
from workbook.data.model import conform
from workbook.direction.model import Direction, Goal, Measure
from workbook.needs.model import Priority
from workbook.plan.model import Action, Milestone, Strategy
from workbook.progress.model import StatusUpdate
from workbook.records.document import PlanDocument
from workbook.rootcause.model import Cause, Symptom

ORG = "2766159"
D = dt.date
TOA = ("If we give teachers weekly time to study student work, then they adjust lessons to "
       "what students missed, and more students meet the ELA standard")


def _plan() -> PlanDocument:
    doc = PlanDocument(ORG)
    doc.add(Direction(org_id=ORG, mission="Every student, every day", vision="Ready for life",
                      purpose=TOA))
    g = doc.add(Goal(org_id=ORG, title="Reading"))
    doc.add(Goal(org_id=ORG, title="Belonging"))  # no measure
    doc.add(Measure(org_id=ORG, parent=g.id, indicator="ELA DFS", data_source="CAASPP",
                    state_indicator="ELA", baseline=-40, baseline_year=2024,
                    targets={1: -30, 2: -20, 3: -10}))
    doc.add(Measure(org_id=ORG, parent=g.id, indicator="EL ELA DFS", state_indicator="ela",
                    student_group="EL", targets={1: -60}))
    doc.add(Measure(org_id=ORG, parent=g.id, indicator="absence", state_indicator="CHRO",
                    higher_is_better=False))
    s1 = doc.add(Strategy(org_id=ORG, goal=g.id, title="PLCs", theory_of_action=TOA,
                          practice="3b"))
    s2 = doc.add(Strategy(org_id=ORG, title="Tutoring", practice="3b"))
    doc.add(Measure(org_id=ORG, parent=s1.id, indicator="teachers using data", baseline=20,
                    targets={1: 50, 2: 80}))
    sym = doc.add(Symptom(org_id=ORG, statement="Low ELA"))
    doc.add(Cause(org_id=ORG, symptom=sym.id, text="No shared planning time", practice="2a",
                  evidence="survey"))
    m1 = doc.add(Milestone(org_id=ORG, strategy=s1.id, title="PLCs meet"))
    m2 = doc.add(Milestone(org_id=ORG, strategy=s2.id, title="Tutors hired"))
    a1 = doc.add(Action(org_id=ORG, milestone=m1.id, title="Schedule", owner="Principal",
                        start=D(2024, 8, 1), due=D(2024, 9, 15), budget=1000,
                        funding_source="Title I"))
    doc.add(Action(org_id=ORG, milestone=m1.id, title="Train leads", owner="Coach",
                   start=D(2024, 9, 1), due=D(2024, 10, 31), budget=500,
                   funding_source="LCFF"))
    doc.add(Action(org_id=ORG, milestone=m2.id, title="Post jobs", budget=2000,
                   funding_source="Title I"))  # undated
    doc.add(StatusUpdate(org_id=ORG, action=a1.id, date=D(2024, 8, 31), status="on track"))
    doc.add(StatusUpdate(org_id=ORG, action=a1.id, date=D(2024, 9, 10), status="complete"))
    return doc


def _dataset(spec: dict) -> list[dict]:
    (rows,) = spec["datasets"].values()
    return rows


def test_direction_table_splits_the_purpose():
    t = ap.direction_table(_plan()).set_index("part")["text"]
    assert t["Mission"] == "Every student, every day"
    assert t["If"] == "we give teachers weekly time to study student work"
    assert t["then"] == "they adjust lessons to what students missed"
    assert t["and"] == "more students meet the ELA standard"
    assert list(ap.direction_table(PlanDocument(ORG)).columns) == ["part", "text"]


def test_goal_measures():
    t = ap.goal_measures(_plan())
    assert len(t) == 4  # three goal measures + the goal without one; no strategy measure
    first = t.iloc[0]
    assert (first["goal"], first["indicator"], first["data_source"]) == (
        "Reading", "ELA DFS", "CAASPP")
    assert (first["baseline"], first["baseline_year"]) == (-40.0, 2024)
    assert (first["target_year_1"], first["target_year_2"], first["target_year_3"]) == (
        -30.0, -20.0, -10.0)
    assert first["direction"] == "higher is better"
    assert t.iloc[2]["direction"] == "lower is better"
    assert math.isnan(t.iloc[1]["target_year_2"])
    assert t.iloc[3]["goal"] == "Belonging" and t.iloc[3]["indicator"] == ""


def _tidy() -> pd.DataFrame:
    rows = [
        {"org_id": ORG, "indicator": "ELA", "student_group": "EL", "grade": "all",
         "year": 2024, "status": -61.3, "denominator": 812},
        {"org_id": ORG, "indicator": "ELA", "student_group": "EL", "grade": "all",
         "year": 2023, "status": -70.0},
        {"org_id": ORG, "indicator": "ELA", "student_group": "ALL", "grade": "all",
         "year": 2024, "status": -20.5},
        {"org_id": "9999999", "indicator": "ELA", "student_group": "EL", "grade": "all",
         "year": 2024, "status": -5.0},
        {"org_id": ORG, "indicator": "CHRO", "student_group": "ALL", "grade": "all",
         "year": 2024, "status": None, "not_reported": True},
    ]
    return conform(pd.DataFrame(rows))


def test_fill_baselines_uses_the_real_value():
    doc = _plan()
    filled = ap.fill_baselines(doc, _tidy(), ORG, 2024)
    assert [m.indicator for m in filled] == ["EL ELA DFS"]  # ELA already has a baseline;
    (m,) = filled                                             # CHRO has no status
    assert (m.baseline, m.baseline_year) == (-61.3, 2024)
    original = next(x for x in doc.of(Measure) if x.id == m.id)
    assert original.baseline is None  # the document is untouched
    assert ap.fill_baselines(doc, _tidy(), ORG, 2023)[0].baseline == -70.0
    assert ap.fill_baselines(doc, _tidy(), "123", 2024) == []
    assert ap.fill_baselines(doc, _tidy().head(0), ORG, 2024) == []


def test_strategies_table():
    t = ap.strategies_table(_plan()).set_index("strategy")
    plc = t.loc["PLCs"]
    assert plc["if"] == "we give teachers weekly time to study student work"
    assert (plc["practice"], plc["practice_name"]) == ("3b", catalogue.practice("3b").name)
    assert plc["goal"] == "Reading"
    assert (plc["measures"], plc["milestones"], plc["actions"]) == (1, 1, 2)
    assert (t.loc["Tutoring", "goal"], t.loc["Tutoring", "measures"]) == ("", 0)


def test_practice_coverage_has_all_twelve_practices():
    cov = ap.practice_coverage(_plan())
    assert len(cov) == 12
    assert cov["practice"].tolist() == [p.code for p in catalogue.practices()]
    by = cov.set_index("practice")
    assert (by.loc["3b", "strategies"], by.loc["3b", "causes"]) == (2, 0)
    assert (by.loc["2a", "strategies"], by.loc["2a", "causes"]) == (0, 1)
    assert by["strategies"].sum() == 2 and by["causes"].sum() == 1
    assert by.loc["4c", "domain"] == 4 and by.loc["4c", "letter"] == "c"
    spec = ap.coverage_chart(cov).to_dict()
    rows = _dataset(spec)
    assert len(rows) == 12
    row = next(r for r in rows if r["practice"] == "3b")
    assert row["strategies"] == 2 and row["label"] == "3b: 2 strategies, 0 causes"
    assert next(r for r in rows if r["practice"] == "2a")["label"] == "2a: 0 strategies, 1 cause"
    rect = spec["layer"][0]
    assert rect["mark"]["type"] == "rect"
    assert rect["encoding"]["x"]["field"] == "letter"
    assert rect["encoding"]["color"]["field"] == "strategies"
    assert spec["title"] and 300 <= spec["width"] <= 700  # room left for the long row labels
    assert len(ap.practice_coverage(PlanDocument(ORG))) == 12


def test_timeline_and_gantt():
    t = ap.timeline(_plan())
    assert t["action"].tolist() == ["Schedule", "Train leads", "Post jobs"]
    assert t["status"].tolist() == ["complete", "not started", "not started"]
    assert t["undated"].tolist() == [False, False, True]
    assert t.iloc[2]["start"] is None
    spec = ap.gantt_chart(t).to_dict()
    rows = _dataset(spec)
    assert [r["action"] for r in rows] == ["Schedule", "Train leads"]  # undated not drawn
    assert rows[0]["start"] == "2024-08-01" and rows[0]["due"] == "2024-09-15"
    assert rows[0]["status"] == "complete" and rows[0]["owner"] == "Principal"
    enc = spec["encoding"]
    assert (enc["x"]["field"], enc["x"]["type"], enc["x2"]["field"]) == (
        "start", "temporal", "due")
    assert enc["color"]["field"] == "status"
    assert enc["color"]["scale"]["domain"] == ["not started", "on track", "behind", "complete"]
    assert "owner" in {x["field"] for x in enc["tooltip"]}
    assert enc["y"]["sort"] == ["PLCs › PLCs meet › Schedule", "PLCs › PLCs meet › Train leads"]
    assert spec["title"] and 300 <= spec["width"] <= 700  # room left for the long row labels


def test_budget_by_source():
    b = ap.budget_by_source(_plan())
    assert b.to_dict("records") == [
        {"funding_source": "LCFF", "strategy": "PLCs", "budget": 500.0, "actions": 1},
        {"funding_source": "Title I", "strategy": "PLCs", "budget": 1000.0, "actions": 1},
        {"funding_source": "Title I", "strategy": "Tutoring", "budget": 2000.0, "actions": 1},
    ]
    spec = ap.budget_chart(b).to_dict()
    assert len(_dataset(spec)) == 3
    assert spec["encoding"]["x"]["field"] == "budget"
    assert spec["encoding"]["color"]["field"] == "strategy"
    assert spec["title"]


def test_findings_with_questions():
    doc = _plan()
    s = doc.add(Strategy(org_id=ORG, title="Loose"))
    doc.add(Milestone(org_id=ORG, strategy=s.id, title="Nothing planned"))
    for i in range(5):
        doc.add(Priority(org_id=ORG, title=f"P{i}"))
    f = ap.findings_with_questions(doc)
    assert list(f.columns) == ["stage", "kind", "label", "message", "question", "record_id"]
    empty_ms = f[f["message"] == "milestone has no actions"]
    assert empty_ms["question"].tolist() == [
        "What are the specific actions and timeline for completing each milestone?"]
    toa = f[f["message"].str.startswith("theory of action does not start")]
    assert toa["question"].iloc[0] == (
        "How can the practice and impacts be written as a Theory of Action?")
    # no shared keyword: the stage's first question
    prio = f[f["stage"] == "needs"]
    assert prio["question"].tolist() == [str(catalogue.coaching_questions("needs")[0])]
    assert f.equals(ap.findings_with_questions(doc))  # deterministic
    assert (f["question"] != "").all()


def test_empty_plan():
    doc = PlanDocument(ORG)
    assert ap.direction_table(doc).empty
    assert ap.goal_measures(doc).empty
    assert ap.strategies_table(doc).empty
    assert ap.timeline(doc).empty
    assert ap.budget_by_source(doc).empty
    assert ap.findings_with_questions(doc).empty
    assert ap.fill_baselines(doc, _tidy(), ORG, 2024) == []
    ap.gantt_chart(ap.timeline(doc)).to_dict()
    ap.budget_chart(ap.budget_by_source(doc)).to_dict()
    ap.coverage_chart(ap.practice_coverage(doc)).to_dict()


def test_plan_measures_has_goal_and_strategy_measures():
    doc = _plan()
    t = ap.plan_measures(doc)
    goal_rows = t[t["measures"] == "goal"]
    strategy_rows = t[t["measures"] == "strategy"]
    # every goal measure, the goal without one, and both strategies (Tutoring has none)
    assert list(goal_rows["indicator"]) == ["ELA DFS", "EL ELA DFS", "absence", ""]
    assert list(strategy_rows["for"]) == ["PLCs", "Tutoring"]
    plcs = strategy_rows.iloc[0]
    assert (plcs["indicator"], plcs["baseline"], plcs["target_year_2"]) == (
        "teachers using data", 20.0, 80.0)
    assert strategy_rows.iloc[1]["indicator"] == ""  # the gap shows
    # the goal measures read as goal_measures has them
    g = ap.goal_measures(doc)
    assert list(g["measure_id"].dropna()) == list(goal_rows["measure_id"].dropna())
    # a measure whose goal is gone is listed, not dropped
    doc.add(Measure(org_id=ORG, parent="gone", indicator="orphan"))
    last = ap.plan_measures(doc).iloc[-1]
    assert (last["indicator"], last["for"]) == ("orphan", "(no goal or strategy)")


def test_strategy_measures_that_name_an_indicator_get_their_baseline():
    doc = _plan()
    s = next(x for x in doc.of(Strategy) if x.title == "Tutoring")
    doc.add(Measure(org_id=ORG, parent=s.id, indicator="EL reading",
                    state_indicator="ELA", student_group="el"))
    filled = {m.indicator: m.baseline for m in ap.fill_baselines(doc, _tidy(), ORG, 2024)}
    assert filled == {"EL ELA DFS": -61.3, "EL reading": -61.3}
    from workbook.report.sections import with_records

    shown = ap.plan_measures(with_records(doc, ap.fill_baselines(doc, _tidy(), ORG, 2024)))
    row = shown[shown["indicator"] == "EL reading"].iloc[0]
    assert (row["measures"], row["baseline"], row["baseline_year"]) == ("strategy", -61.3, 2024)


def test_team_and_signatures_tables():
    from workbook import direction
    from workbook.records.organisation import Organisation

    doc = _plan()
    assert direction.team_table(doc).empty and direction.signatures_table(doc).empty
    doc.add(Organisation(org_id=ORG, name="D", leadership_team=["Superintendent", "Principal"]))
    old = direction.team_table(doc)  # a plan from before names: positions, names blank
    assert list(old["position"]) == ["Superintendent", "Principal"] and set(old["name"]) == {""}
    doc.add(direction.TeamMember(org_id=ORG, name="Bea Two", position="Principal", rank=2))
    doc.add(direction.TeamMember(org_id=ORG, name="Al One", position="Superintendent", rank=1))
    assert list(direction.team_table(doc)["name"]) == ["Al One", "Bea Two"]
    doc.add(direction.Signature(org_id=ORG, name="Bea Two", position="Principal",
                                plan_role="School lead", signed=D(2024, 7, 3)))
    doc.add(direction.Signature(org_id=ORG, name="Al One", signed=D(2024, 7, 1)))
    sig = direction.signatures_table(doc)
    assert list(sig["name"]) == ["Al One", "Bea Two"]
    assert sig.iloc[1][["plan_role", "signed"]].tolist() == ["School lead", "2024-07-03"]


def test_a_signature_needs_a_real_date():
    import pytest
    from pydantic import ValidationError

    from workbook.direction.model import Signature

    with pytest.raises(ValidationError, match="signed"):
        Signature(org_id=ORG, name="X")
    with pytest.raises(ValidationError, match="still to come"):
        Signature(org_id=ORG, name="X", signed=dt.date.today() + dt.timedelta(days=30))
