"""The domain model and the coach's plan-quality findings."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from workbook.direction.model import Direction, Goal, Measure, split_theory
from workbook.needs.model import Priority, Rating, aggregate_ratings
from workbook.plan.model import Action, Milestone, Strategy
from workbook.records.document import PlanDocument, findings
from workbook.rootcause.model import Cause, cause_flags

ORG = "27661590000000"
TOA = ("If we give teachers weekly time to study student work, then they adjust lessons to "
       "what students missed, and more students meet the ELA standard")


def test_theory_of_action_splits_into_if_then_and():
    assert split_theory(TOA) == ("we give teachers weekly time to study student work",
                                 "they adjust lessons to what students missed",
                                 "more students meet the ELA standard")
    assert split_theory("If we train staff, then attendance rises") == (
        "we train staff", "attendance rises", "")
    assert split_theory("Train staff") == ("", "", "")


def _only_error(make) -> tuple[tuple, str, str]:
    """(field, error type, message) of the one validation error `make()` raises."""
    with pytest.raises(ValidationError) as info:
        make()
    [error] = info.value.errors()
    return error["loc"], error["type"], error["msg"]


def test_practice_codes_are_checked_against_the_catalogue():
    assert Strategy(org_id=ORG, title="s", practice="3B").practice == "3b"
    loc, kind, msg = _only_error(lambda: Strategy(org_id=ORG, title="s", practice="5a"))
    assert (loc, kind) == (("practice",), "value_error")
    assert msg.startswith("Value error, unknown practice code '5a'; valid practice codes are: "
                          "1a, 1b, 1c, 2a"), msg
    # 3c has two elements
    loc, kind, msg = _only_error(lambda: Rating(org_id=ORG, rater="A", element="3c3", level=2))
    assert (loc, kind) == (("element",), "value_error")
    assert msg.startswith("Value error, unknown element code '3c3'; valid element codes are: "
                          "1a1, 1a2"), msg
    assert _only_error(lambda: Rating(org_id=ORG, rater="A", element="1a1", level=5))[:2] == (
        ("level",), "less_than_equal")


def test_bad_input_is_rejected_field_by_field():
    with pytest.raises(ValidationError, match="before the start"):
        Action(org_id=ORG, milestone="m", title="a", start=dt.date(2025, 3, 1),
               due=dt.date(2025, 2, 1))
    assert _only_error(lambda: Measure(org_id=ORG, parent="g", indicator="x",
                                       targets={1: "lots"}))[:2] == (("targets", 1),
                                                                     "float_parsing")
    assert _only_error(lambda: Goal(org_id=ORG, title="x" * 501))[:2] == (
        ("title",), "string_too_long")
    # unknown fields are errors
    assert _only_error(lambda: Goal(org_id=ORG, title="x", colour="red"))[:2] == (
        ("colour",), "extra_forbidden")


def _plan() -> PlanDocument:
    doc = PlanDocument(ORG)
    doc.add(Direction(org_id=ORG, purpose=TOA))
    g = doc.add(Goal(org_id=ORG, title="Reading"))
    doc.add(Measure(org_id=ORG, parent=g.id, indicator="ELA DFS", baseline=-40,
                    targets={1: -30, 2: -20}))
    s = doc.add(Strategy(org_id=ORG, goal=g.id, title="PLCs", theory_of_action=TOA,
                         practice="3b"))
    doc.add(Measure(org_id=ORG, parent=s.id, indicator="teachers using data", baseline=20,
                    targets={1: 50, 2: 80}))
    m = doc.add(Milestone(org_id=ORG, strategy=s.id, title="PLCs meet weekly"))
    doc.add(Action(org_id=ORG, milestone=m.id, title="Schedule", owner="Principal",
                   due=dt.date(2025, 1, 1)))
    return doc


def test_a_complete_plan_has_no_findings():
    assert findings(_plan()) == []


def test_every_coaching_rule_produces_its_finding():
    doc = _plan()
    doc.add(Direction(org_id=ORG, purpose="If we work hard"))
    g = doc.add(Goal(org_id=ORG, title="Attendance"))  # no measure
    s = doc.add(Strategy(org_id=ORG, goal=g.id, title="Mentors",
                         theory_of_action="If we assign mentors, then students feel known"))
    doc.add(Measure(org_id=ORG, parent=s.id, indicator="mentored", targets={1: 10}))
    doc.add(Milestone(org_id=ORG, strategy=s.id, title="Empty"))
    doc.add(Action(org_id=ORG, milestone="m0", title="Loose end"))
    for i in range(5):
        doc.add(Priority(org_id=ORG, title=f"p{i}", rank=i + 1))
    doc.add(Cause(org_id=ORG, symptom="x", text="Not enough money"))
    messages = sorted(f.message for f in findings(doc))
    assert messages == sorted([
        "the purpose is not a full theory of action (If we ..., then ..., and ...)",
        "goal has no goal performance measure",
        "theory of action is missing its 'and ...' (what changes for students)",
        "strategy is not coded to a Four Domains practice (1a-4c)",
        "measure has no baseline",
        "measure has 1 target(s); set targets for at least two years",
        "milestone has no actions",
        "action has no person responsible",
        "action has no due date",
        "5 priority areas; the guide recommends at most four",
        "cause: no evidence",
        "cause: stops at money, time or blame: ask why once more",
    ])


def test_cause_flags():
    good = Cause(org_id=ORG, symptom="s", text="No common grading practice",
                 evidence="walkthrough notes", actionable=True, practice="3b")
    assert cause_flags(good) == []
    assert cause_flags(good.model_copy(update={"actionable": False})) == ["not actionable"]


def test_ratings_aggregate_without_rater_names():
    ratings = [Rating(org_id=ORG, rater=r, element=e, level=lv) for r, e, lv in [
        ("Ana", "1a1", 2), ("Bo", "1a1", 2), ("Cy", "1a1", 4),
        ("Ana", "1a2", 3), ("Bo", "3b1", 1)]]
    by_element = aggregate_ratings(ratings, "element")
    assert "rater" not in by_element.columns
    row = by_element.set_index("element").loc["1a1"]
    assert (row["raters"], row["mean_level"], row["agreement"]) == (3, 2.67, 0.67)
    by_domain = aggregate_ratings(ratings, "domain").set_index("domain")
    assert by_domain.loc["1", "ratings"] == 4 and by_domain.loc["3", "mean_level"] == 1
    # a practice only one person rated is hidden when at least two raters are required
    assert list(aggregate_ratings(ratings, "practice", min_raters=2)["practice"]) == ["1a"]


def test_removal_takes_parts_and_unlinks_references():
    from workbook.progress.model import Comment, StatusUpdate
    from workbook.records.document import removal
    from workbook.rootcause.model import Symptom

    doc = PlanDocument(ORG)
    prio = doc.add(Priority(org_id=ORG, title="Attendance"))
    symptom = doc.add(Symptom(org_id=ORG, priority=prio.id, statement="Ninth graders miss"))
    cause = doc.add(Cause(org_id=ORG, symptom=symptom.id, text="No routine"))
    goal = doc.add(Goal(org_id=ORG, title="Attend"))
    gm = doc.add(Measure(org_id=ORG, parent=goal.id, indicator="CHRO"))
    strat = doc.add(Strategy(org_id=ORG, goal=goal.id, title="Mentors"))
    ms = doc.add(Milestone(org_id=ORG, strategy=strat.id, title="Mentors hired"))
    act = doc.add(Action(org_id=ORG, milestone=ms.id, title="Post jobs"))
    upd = doc.add(StatusUpdate(org_id=ORG, action=act.id, date=dt.date(2025, 1, 1),
                               status="on track"))
    note = doc.add(Comment(org_id=ORG, target=act.id, author="Liz", text="Who hires?",
                           created=dt.datetime(2025, 1, 2, tzinfo=dt.UTC)))

    gone = removal(doc, goal)
    assert [r.id for r in gone.delete] == [goal.id, gm.id]
    assert [(r.id, r.goal) for r in gone.unlink] == [(strat.id, "")]
    assert gone.summary().endswith("with 1 measure; 1 record that points to it "
                                   "(strategy 'Mentors') stays, unlinked")

    gone = removal(doc, strat)
    assert {r.id for r in gone.delete} == {strat.id, ms.id, act.id, upd.id, note.id}
    assert gone.unlink == []
    assert gone.summary() == ("strategy 'Mentors', with 1 milestone, 1 action, 1 status update "
                              "and 1 comment")

    gone = removal(doc, prio)  # the root cause analysis stays, without its priority
    assert [r.id for r in gone.delete] == [prio.id]
    assert [(r.id, r.priority) for r in gone.unlink] == [(symptom.id, "")]
    assert cause.id not in {r.id for r in gone.delete}
