"""Illustrative sample plans built from every sample district's real 2024 Dashboard results."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from workbook import catalogue, data
from workbook.direction.model import Direction, GlossaryTerm, Goal, Measure, split_theory
from workbook.errors import WorkbookError
from workbook.exchange import yamlfile as planfile
from workbook.needs.model import NeedsAssessment, Priority, Rating, SwotEntry
from workbook.plan.model import Action, Milestone, Strategy
from workbook.progress.model import StatusUpdate, Support
from workbook.records.document import PlanDocument, findings
from workbook.rootcause.model import Cause, Symptom, Why
from workbook.samples.plans import (
    DELIBERATE_FINDINGS,
    ILLUSTRATIVE,
    NO_DATA_FINDINGS,
    choose_goals,
    sample_plan,
    sample_plans,
)

YEAR = 2024
BIG_SUR = "27751500000000"  # tiny: 7 students tested, most results not reported
ALISAL = "27659610000000"
COUNTY_OFFICE = "27102720000000"

#: Fields a reader sees that hold invented text, by record kind. Each must say it is
#: illustrative, unless it cites real Dashboard results. Not listed, because they are real
#: or are labels rather than prose: names, county, indicator names and data sources of goal
#: measures, glossary definitions (general, not about the district), role names of owners,
#: collaborators and raters, funding sources.
NARRATIVE = {
    "organisation": ("contacts",),
    "direction": ("mission", "vision", "purpose"),
    "goal": ("title", "explanation"),
    "needs_assessment": ("process", "participants", "stakeholder_input"),
    "swot": ("text", "evidence"),
    "priority": ("title", "evidence"),
    "rating": ("evidence",),
    "reflection": ("strengths", "weaknesses"),
    "consensus": ("note",),
    "symptom": ("statement",),
    "why": ("text", "evidence"),
    "cause": ("text", "evidence"),
    "strategy": ("title", "theory_of_action"),
    "milestone": ("title",),
    "action": ("title", "outputs"),
    "status": ("cause", "adjustment"),
    "support": ("need", "how_used"),
    "comment": ("text", "author"),
}


@pytest.fixture(scope="module")
def outcomes() -> pd.DataFrame:
    return data.load_outcomes(data.sample_sources())


@pytest.fixture(scope="module")
def district_ids(outcomes) -> list[str]:
    f = outcomes[(outcomes["org_level"] == "district") & (outcomes["year"] == YEAR)]
    return sorted(f["org_id"].unique())


@pytest.fixture(scope="module")
def plans(outcomes) -> dict[str, PlanDocument]:
    return {doc.org_id: doc for doc in sample_plans(outcomes)}


def _rows(outcomes: pd.DataFrame, district_id: str) -> pd.DataFrame:
    return outcomes[(outcomes["org_id"] == district_id) & (outcomes["org_level"] == "district")
                    & (outcomes["year"] == YEAR)]


def _goal_measures(doc: PlanDocument):
    goals = {g.id for g in doc.of(Goal)}
    return [m for m in doc.of(Measure) if m.parent in goals]


def test_every_sample_district_gets_a_plan(plans, district_ids):
    assert len(district_ids) == 25
    assert sorted(plans) == district_ids
    for district_id, doc in plans.items():
        org = doc.organisation
        assert org is not None and org.org_id == district_id
        assert org.level == "district" and org.county == "Monterey" and org.name
        assert org.parent == ("" if district_id == COUNTY_OFFICE else COUNTY_OFFICE)
        assert org.plan_start == dt.date(2024, 8, 1) and org.plan_end == dt.date(2027, 7, 31)
        assert 1 <= len(doc.of(Goal)) <= 3
        assert len(doc.of(Priority)) == len(doc.of(Goal))


def test_every_record_validates_and_links_within_its_plan(plans):
    every_id: set[str] = set()
    for district_id, doc in plans.items():
        records = doc.all()
        ids = [r.id for r in records]
        assert len(ids) == len(set(ids)), district_id
        assert all(i.startswith(district_id + "-") and len(i) <= 32 for i in ids)
        assert not every_id & set(ids)
        every_id |= set(ids)
        for r in records:
            assert r.org_id == district_id
            assert type(r).model_validate(r.model_dump()) == r
            if r.parent_id and r.kind != "organisation":
                assert doc.get(r.parent_id) is not None, r.label()
        strategies = doc.of(Strategy)
        assert len(strategies) == len(doc.of(Goal)), district_id
        for s in strategies:
            assert s.causes and all(doc.get(c).kind == "cause" for c in s.causes)
            assert doc.get(s.goal).kind == "goal"


def test_shown_text_is_labelled_illustrative(plans):
    for district_id, doc in plans.items():
        assert doc.organisation.illustrative is True
        assert doc.of(Direction)[0].mission.startswith("Illustrative sample")
        # every kind of record with invented text is there, so the loop below checks it
        assert set(NARRATIVE) <= {r.kind for r in doc.all()}, district_id
        checked = set()
        for r in doc.all():
            fields = list(NARRATIVE.get(r.kind, ()))
            if r.kind == "measure" and not r.state_indicator:
                fields += ["indicator", "data_source"]  # strategy measures are invented
            for name in fields:
                value = getattr(r, name)
                if value:
                    checked.add((r.kind, name))
                    assert "illustrative" in value.lower() or (
                        "California School Dashboard 2024" in value), (r.label(), name, value)
        # only a status update that is not behind has no cause or adjustment
        unchecked = {(k, f) for k, fields in NARRATIVE.items() for f in fields} - checked
        assert unchecked <= {("status", "cause"), ("status", "adjustment")}, unchecked


def test_evidence_cites_the_real_numbers(plans):
    swot = plans[ALISAL].of(SwotEntry)
    assert any(s.evidence == "ELA: 56.4 points below standard, Yellow; up 4.0 points from 2023 "
               "(California School Dashboard 2024)" for s in swot)
    assert {s.quadrant for s in swot} == {"strength", "weakness", "opportunity", "threat"}


def test_goal_baselines_are_the_real_statuses(plans, outcomes):
    for district_id, doc in plans.items():
        rows = _rows(outcomes, district_id)
        measures = _goal_measures(doc)
        assert len(measures) == len(doc.of(Goal))
        for m in measures:
            assert m.state_indicator in data.INDICATORS and m.baseline_year == YEAR
            real = rows[(rows["indicator"] == m.state_indicator)
                        & (rows["student_group"] == m.student_group)]["status"]
            assert len(real) == 1
            assert m.baseline == pytest.approx(float(real.iloc[0]))
            assert m.data_source == "California School Dashboard 2024"
        assert len({m.state_indicator for m in measures}) == len(measures)


def test_targets_move_in_the_right_direction(plans):
    directions = set()
    for doc in plans.values():
        measures = doc.of(Measure)
        assert len(measures) == 2 * len(doc.of(Goal))  # a goal and a strategy measure each
        for m in measures:
            directions.add(m.higher_is_better)
            assert sorted(m.targets) == [1, 2, 3], m.label()
            path = [m.baseline, *(m.targets[y] for y in (1, 2, 3))]
            if m.state_indicator:
                assert m.higher_is_better is (m.state_indicator not in ("CHRO", "SUSP"))
            steps = [b - a for a, b in zip(path, path[1:], strict=False)]
            if m.higher_is_better:
                assert all(s > 0 for s in steps), (m.label(), path)
            else:
                assert all(s < 0 for s in steps), (m.label(), path)
                assert path[-1] >= 0
    assert directions == {True, False}  # both kinds of measure were checked


def _weakness(row) -> int:
    color, level = int(row["color"] or 0), int(row["status_level"] or 0)
    return color if 1 <= color <= 5 else level if 1 <= level <= 5 else 6


def test_goals_are_the_weakest_all_student_results(plans, outcomes):
    with_three = 0
    for district_id, doc in plans.items():
        rows = _rows(outcomes, district_id).fillna({"color": 0, "status_level": 0})
        primary = rows[rows["status"].notna() & rows["indicator"].isin(
            ["ELA", "MATH", "CHRO", "SUSP", "GRAD", "CCI", "SCIENCE"])
            & (rows["student_group"] == "ALL")]
        primary = pd.concat([primary, rows[rows["status"].notna() & (rows["indicator"] == "ELPI")
                                           & (rows["student_group"] == "EL")]])
        at_top = (primary["color"] == 5) | (primary["status_level"] == 5)
        no_room = (primary["indicator"].isin(["CHRO", "SUSP"]) & (primary["status"] < 1.0)) | (
            primary["indicator"].isin(["GRAD", "CCI", "ELPI"]) & (primary["status"] > 97.0))
        eligible = primary[~at_top & ~no_room]
        chosen = {m.state_indicator for m in _goal_measures(doc)}
        weakness = {r["indicator"]: _weakness(r) for _, r in eligible.iterrows()}
        if len(weakness) >= 3:  # enough all-student results: the goals are the weakest three
            with_three += 1
            assert len(chosen) == 3 and chosen <= set(weakness), district_id
            picked = [weakness[c] for c in chosen]
            others = [w for i, w in weakness.items() if i not in chosen]
            assert not others or max(picked) <= min(others), district_id
        else:  # too few: every one of them is a goal (student groups fill the rest)
            assert weakness and set(weakness) <= chosen, district_id
    assert with_three == len(plans) - 1  # all but the tiny district (see below)


def test_codes_are_in_the_catalogue(plans):
    practices = {p.code for p in catalogue.practices()}
    for doc in plans.values():
        coded = [s.practice for s in doc.of(Strategy)] + [c.practice for c in doc.of(Cause)]
        assert coded and set(coded) <= practices
        ratings = doc.of(Rating)
        assert {r.rater for r in ratings} == {"Rater A", "Rater B", "Rater C"}
        elements = {r.element for r in ratings}
        assert 3 <= len(elements) < len(catalogue.elements())
        assert all(catalogue.is_element_code(e) for e in elements)
        assert len(ratings) == 3 * len(elements)


def test_theories_of_action_have_all_three_parts(plans):
    for doc in plans.values():
        texts = [doc.of(Direction)[0].purpose] + [s.theory_of_action
                                                    for s in doc.of(Strategy)]
        for text in texts:
            if_, then, and_ = split_theory(text)
            assert if_.startswith("we ") and then and and_, text
            assert " then " not in if_ and " and " not in if_ + then, text


def test_findings_are_only_the_documented_ones(plans):
    for district_id, doc in plans.items():
        messages = [f.message for f in findings(doc)]
        assert set(messages) == DELIBERATE_FINDINGS, district_id
        assert len(messages) == 1
        (ownerless,) = [a for a in doc.of(Action) if not a.owner]
        (comment,) = doc.open_comments()
        assert comment.target == ownerless.id and comment.text.startswith(ILLUSTRATIVE)


def test_root_causes_and_plan_are_complete(plans):
    required_terms = {"theory of action", "goal performance measure", "distance from standard",
                      "chronic absenteeism", "Dashboard colors"}
    for doc in plans.values():
        assert required_terms <= {t.term for t in doc.of(GlossaryTerm)}
        assert doc.of(NeedsAssessment) and doc.of(Support)
        assert doc.of(Priority) and doc.of(Strategy)
        for p in doc.of(Priority):
            (symptom,) = [s for s in doc.of(Symptom) if s.priority == p.id]
            whys = sorted((w for w in doc.of(Why) if w.symptom == symptom.id),
                          key=lambda w: w.step)
            assert [w.step for w in whys] == [1, 2, 3, 4, 5]
            assert all(w.evidence for w in whys)
            causes = [c for c in doc.of(Cause) if c.symptom == symptom.id]
            assert len({c.category for c in causes}) >= 3
            assert all(c.evidence and c.actionable and c.practice for c in causes)
        for s in doc.of(Strategy):
            milestones = [m for m in doc.of(Milestone) if m.strategy == s.id]
            assert [m.plan_year for m in milestones] == [1, 2] and all(m.due for m in milestones)
            actions = [[a for a in doc.of(Action) if a.milestone == m.id] for m in milestones]
            assert [len(a) for a in actions] == [3, 2]
            for m, some in zip(milestones, actions, strict=True):
                for a in some:
                    assert a.outputs and a.start and a.due and a.start <= a.due <= m.due
                    assert a.funding_source and a.collaborators
                    # no money only where the plan says so
                    assert (a.budget == 0) == a.funding_source.startswith("No added cost")
        assert any(a.budget > 0 for a in doc.of(Action))


def test_first_quarters_have_a_mix_of_statuses(plans):
    for doc in plans.values():
        updates = doc.of(StatusUpdate)
        assert {u.status for u in updates} == {"on track", "behind", "complete"}
        for u in updates:
            action = doc.get(u.action)
            assert action.start <= u.date <= dt.date(2025, 1, 31)
            assert u.budget_used <= action.budget
            assert bool(u.cause) == (u.status == "behind")
            assert u.output_delivered == (u.status == "complete")


def test_plans_are_deterministic(outcomes, plans):
    again = sample_plan(ALISAL, outcomes)
    assert again == plans[ALISAL]
    assert [r.id for r in again.all()] == [r.id for r in plans[ALISAL].all()]
    assert sample_plan(BIG_SUR, outcomes) == plans[BIG_SUR]
    later = sample_plan(ALISAL, outcomes, start=dt.date(2025, 8, 1))
    assert later.organisation.plan_start == dt.date(2025, 8, 1)
    assert later != plans[ALISAL]


def test_the_level_of_support_is_not_invented(plans):
    """The at-a-glance computes the level of support by the state's rules
    (workbook.identification); a sample plan's organisation record leaves it empty rather
    than carry a label the state's rules did not give."""
    for doc in plans.values():
        assert doc.organisation.support_level == ""


def test_rich_district_has_a_full_plan(plans, outcomes):
    rows = _rows(outcomes, ALISAL)
    assert rows["not_reported"].mean() < 0.5  # most results reported
    doc = plans[ALISAL]
    goals, strategies = doc.of(Goal), doc.of(Strategy)
    assert len(goals) == 3 and len(strategies) == 3
    assert {s.goal for s in strategies} == {g.id for g in goals}
    goal_measures = _goal_measures(doc)
    assert len(goal_measures) == 3
    assert all(m.baseline is not None and m.state_indicator for m in goal_measures)
    strategy_measures = [m for m in doc.of(Measure) if m.parent in {s.id for s in strategies}]
    assert len(strategy_measures) == 3
    assert all(m.baseline is not None and len(m.targets) == 3 for m in strategy_measures)
    assert len(doc.of(Milestone)) == 6 and len(doc.of(Action)) == 15
    assert len(doc.of(Symptom)) == 3 and len(doc.of(Why)) == 15
    assert doc.of(StatusUpdate) and doc.of(Rating) and doc.of(SwotEntry)


def test_tiny_district_with_mostly_unreported_results(plans, outcomes):
    rows = _rows(outcomes, BIG_SUR)
    assert rows["not_reported"].mean() > 0.8
    assert rows["status"].notna().sum() <= 4  # actually sparse: almost nothing to choose from
    doc = plans[BIG_SUR]
    (measure,) = _goal_measures(doc)
    assert (measure.state_indicator, measure.student_group, measure.baseline) == (
        "CHRO", "ALL", 41.7)
    assert set(f.message for f in findings(doc)) == DELIBERATE_FINDINGS


def test_district_with_nothing_reported_still_gets_a_plan(outcomes):
    rows = _rows(outcomes, BIG_SUR).copy()
    rows["status"] = pd.NA
    rows["not_reported"] = True
    doc = sample_plan(BIG_SUR, rows)
    (goal,) = doc.of(Goal)
    (measure,) = _goal_measures(doc)
    assert measure.baseline is None and not measure.state_indicator
    assert "local" in measure.indicator
    messages = {f.message for f in findings(doc)}
    assert DELIBERATE_FINDINGS <= messages <= DELIBERATE_FINDINGS | NO_DATA_FINDINGS
    for r in doc.all():
        assert type(r).model_validate(r.model_dump()) == r


def test_unknown_district_is_a_clear_error(outcomes):
    with pytest.raises(WorkbookError, match="no district rows for '99999999999999' in 2024"):
        sample_plan("99999999999999", outcomes)


def test_a_sample_plan_survives_a_yaml_round_trip(plans, tmp_path):
    doc = plans[ALISAL]
    path = planfile.export_yaml(doc, tmp_path / "plan.yaml")
    back, _ = planfile.read_yaml(path)
    assert back.all() == doc.all()


# ------------------------------------------------------------------ choosing goals, by hand


def _frame(rows: list[tuple]) -> pd.DataFrame:
    cols = ["indicator", "student_group", "status", "color", "status_level", "change",
            "denominator"]
    f = pd.DataFrame(rows, columns=cols)
    return f.astype({"status": "Float64", "color": "Int64", "status_level": "Int64",
                     "change": "Float64", "denominator": "Float64"})


def test_choose_goals_takes_the_weakest_all_student_results_first():
    f = _frame([
        ("ELA", "ALL", -20.0, 3, 3, 1.0, 500),
        ("MATH", "ALL", -60.0, 1, 1, -5.0, 500),
        ("CHRO", "ALL", 25.0, 2, 2, 4.0, 600),  # same color and level as ELPI, worse change
        ("SUSP", "ALL", 0.0, 0, 5, 0.0, 600),  # at the floor: no room to move
        ("GRAD", "ALL", 98.0, 5, 5, 1.0, 80),  # Blue
        ("ELPI", "EL", 40.0, 2, 2, -3.0, 200),  # ELPI's "all" row is English learners
        ("ELA", "SBA", -20.0, 3, 3, 1.0, 500),  # test takers are not a student group
        ("SCIENCE", "ALL", pd.NA, pd.NA, pd.NA, pd.NA, 4),  # not reported
    ])
    chosen = choose_goals(f)
    assert [(c.indicator, c.student_group) for c in chosen] == [
        ("MATH", "ALL"), ("CHRO", "ALL"), ("ELPI", "EL")]
    assert {c.basis for c in chosen} == {"all students"}


def test_choose_goals_falls_back_to_student_groups():
    f = _frame([
        ("CHRO", "ALL", 30.0, 0, 1, pd.NA, 20),
        ("SUSP", "ALL", 0.0, 0, 5, 0.0, 20),
        ("ELA", "ALL", pd.NA, 0, 0, pd.NA, 7),
        ("ELA", "HI", -45.0, 0, 2, pd.NA, 12),
        ("MATH", "SED", -80.0, 0, 1, pd.NA, 12),
        ("CHRO", "SED", 40.0, 0, 1, pd.NA, 15),  # CHRO is already a goal
    ])
    chosen = choose_goals(f)
    assert [(c.indicator, c.student_group, c.basis) for c in chosen] == [
        ("CHRO", "ALL", "all students"), ("MATH", "SED", "student group"),
        ("ELA", "HI", "student group")]


def test_choose_goals_returns_nothing_when_nothing_is_reported():
    f = _frame([("ELA", "ALL", pd.NA, 0, 0, pd.NA, 3), ("SUSP", "ALL", 0.0, 0, 5, 0.0, 9)])
    assert choose_goals(f) == []


# --------------------------------------------------------------------------- issue 17: the tools


def test_samples_have_tool_a_elements_team_and_signatures(plans):
    from workbook.direction import signatures_table, team_table
    from workbook.direction.model import Signature, TeamMember
    from workbook.needs.model import needs_elements

    for district_id, doc in plans.items():
        (na,) = doc.of(NeedsAssessment)
        assert na.elements and set(na.elements) <= set(needs_elements()), district_id
        team = doc.of(TeamMember)
        assert len(team) >= 4 and all(m.name and m.position for m in team), district_id
        assert all("fictional" in m.name for m in team)  # never a real person's name
        sigs = doc.of(Signature)
        assert 1 <= len(sigs) <= len(team)
        org = doc.organisation
        assert org is not None and org.plan_start is not None
        assert all(s.signed <= org.plan_start and s.plan_role for s in sigs)
        assert {s.name for s in sigs} <= {m.name for m in team}
        assert len(team_table(doc)) == len(team) and len(signatures_table(doc)) == len(sigs)


def test_samples_have_tool_c_reflections_and_a_consensus_per_rated_practice(plans):
    from workbook.needs.model import Consensus, Reflection

    for district_id, doc in plans.items():
        refl = doc.of(Reflection)
        raters = {r.rater for r in doc.of(Rating)}
        assert {r.rater for r in refl} == raters, district_id
        assert {r.domain for r in refl} == {1, 2, 3, 4}
        rated = {r.element[:2] for r in doc.of(Rating)}
        agreed = doc.of(Consensus)
        assert {c.practice for c in agreed} == rated, district_id
        means = {p: [r.level for r in doc.of(Rating) if r.element.startswith(p)]
                 for p in rated}
        # typed near the ratings, not out of thin air: within one level of the mean
        assert all(abs(c.level - sum(means[c.practice]) / len(means[c.practice])) <= 1.5
                   for c in agreed)


def test_sample_goal_measures_name_the_indicator_their_baseline_comes_from(plans, outcomes):
    from workbook import plan as ap

    doc = plans[ALISAL]
    named = [m for m in _goal_measures(doc) if m.state_indicator]
    assert named
    blank = [m.model_copy(update={"baseline": None, "baseline_year": None}) for m in named]
    from workbook.report.sections import with_records

    filled = {m.id: m for m in ap.fill_baselines(with_records(doc, blank), outcomes, ALISAL,
                                                  YEAR)}
    for m in named:  # refilled from the state's file: the same value the sample carries
        assert filled[m.id].baseline == pytest.approx(m.baseline), m.indicator


def test_every_sample_plan_has_stage_5_and_6_work_to_show(plans):
    """Supports of each type California gives every district, dated; a plan-level
    adjustment with who was told; semester reviews of every year-1 milestone; year-1
    results with the explanation column; all invented text marked illustrative."""
    from workbook import progress
    from workbook.progress.model import Adjustment, MilestoneReview, Result

    level_1 = {"technical assistance", "professional development", "coaching"}
    assert level_1 <= set(progress.support_types("CA"))
    for district_id, doc in plans.items():
        supports = [s for s in doc.of(Support)]
        assert level_1 <= {s.support_type for s in supports}, district_id
        assert all(s.support_type in progress.support_types("CA") for s in supports)
        for s in supports:
            assert s.requested or s.needed or s.provided_on, (district_id, s.need)
            if s.effectiveness is not None:
                assert s.evidence.lower().startswith("illustrative"), (district_id, s.need)
        assert any(not s.provided for s in supports)  # one still asked for, not given
        whole = [a for a in doc.of(Adjustment) if a.target == ""]
        assert whole and all(a.told and a.told_on and a.told_on >= a.date for a in whole)
        for a in doc.of(Adjustment):
            for text in (a.change, a.reason, a.told):
                assert text.lower().startswith("illustrative"), text
        year1 = {m.id for m in doc.of(Milestone) if m.plan_year == 1}
        reviews = [r for r in doc.of(MilestoneReview)]
        assert {(r.milestone, r.semester) for r in reviews} == {
            (m, s) for m in year1 for s in (1, 2)}, district_id
        start = doc.organisation.plan_start
        for r in reviews:
            assert progress.semester_of(start, r.date) == (1, r.semester)
            assert r.notes.lower().startswith("illustrative")
        results = [r for r in doc.of(Result)]
        measured = [m for m in doc.of(Measure)
                    if m.baseline is not None and m.targets.get(1) is not None]
        assert {r.measure for r in results} == {m.id for m in measured}, district_id
        for r in results:
            assert r.source == "typed" and r.explanation.lower().startswith("illustrative")
        # and workbook 04 of the sample quarter shows them
        tables = progress.quarterly_tables(doc, start, 2, 1)
        assert len(tables["adjustments"]) >= 1 and len(tables["supports"]) >= 3
        grid = progress.year_tables(doc, start, 1)
        assert grid["reviews"]["semester"].tolist().count(1) == len(year1)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_tool_records_round_trip_through_the_store(plans, tmp_path, backend):
    """Team members, signatures, Tool A elements, reflections and consensus come back from
    SQLite and PostgreSQL as they were saved (and an old free-text element as Tool A's)."""
    from freshdb import fresh_database

    from workbook.direction.model import Signature, TeamMember
    from workbook.needs.model import Consensus, Reflection
    from workbook.store import Store

    doc = plans[ALISAL]
    kinds = (TeamMember, Signature, NeedsAssessment, Reflection, Consensus)
    with fresh_database(backend, tmp_path) as url:
        store = Store(url)
        try:
            store.save_all(doc.all(), user="loader")
            back = store.document(ALISAL)
            for model in kinds:
                want = sorted((r.content() for r in doc.of(model)), key=repr)
                got = sorted((r.content() for r in back.of(model)), key=repr)
                assert got == want and got, model.kind
            (na,) = back.of(NeedsAssessment)
            old = na.model_copy(update={"elements": ["staff data"]})  # skips the validator
            assert old.elements == ["staff data"]
            store.save(old, user="old version")
            assert store.get(na.id).elements == ["demographics.personnel", "personnel"]
        finally:
            store.engine.dispose()
