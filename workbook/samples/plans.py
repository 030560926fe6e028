"""Illustrative sample plans, one per district, built from its real Dashboard results.

A new user learns the cycle faster from a filled-in plan than from an empty template, and
a plan about their own district's numbers reads truer than one about "Sample USD". So each
sample takes one district's real 2024 California School Dashboard results and writes, around
them, a complete but *invented* plan: direction, needs assessment, root causes, strategies,
milestones, actions, a first half-year of status updates, ratings and a coach's comment.

What is real and what is invented is kept apart:

* real: the organisation's name and county, every baseline of a goal measure (the published
  status, with ``state_indicator`` and ``baseline_year`` set), and every evidence text that
  cites the Dashboard (``"ELA: 45.2 points below standard, Orange (California School
  Dashboard 2024)"``), plus indicator names and the glossary's general definitions;
* invented: everything else; its texts are data, in ``themes.yaml`` beside this module (one
  theme per kind of goal, validated on first use). The organisation carries
  ``illustrative=True``, and every invented text a reader sees says so: it starts with
  :data:`ILLUSTRATIVE`, or (theories of action, which must start with "If we") ends with
  ``"(illustrative sample)"``. The glossary's definitions come from the one glossary of
  :mod:`workbook.catalogue`.

Why one module of ~600 lines: `sample_plan` writes a plan record by record in the order of
the cycle (direction, needs, root causes, strategies, milestones, actions, status), and a
reader checks a sample against Tool A by reading it top to bottom; its texts already live in
``themes.yaml`` and their checks in :mod:`workbook.samples.themes`.

How goals are chosen (:func:`choose_goals`): among the goal indicators (ELA, MATH, CHRO,
SUSP, GRAD, CCI, ELPI, SCIENCE) with a reported status, the weakest results for all
students (for ELPI: English learners) come first, weakest = lowest Dashboard color, then
lowest status level (for rows with no color, the status level stands in), then the worse
change. Results already at the top (Blue, status level 5) or with no room to move (a rate
below 1% for lower-is-better indicators, above 97% for higher-is-better rates) are skipped.
Up to three goals, one per indicator; when all-student results run out, the weakest reported
student-group results of other indicators fill the remaining places. A district with no
usable result at all still gets one goal, on attendance, measured from local records with
no baseline yet (see :data:`NO_DATA_FINDINGS`).

The same inputs always give the same plan: ids are ``"<district id>-<counter>"`` and the
little variety there is (which actions run behind, the raters' levels) comes from a random
generator seeded with the district id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass

import pandas as pd

from workbook import catalogue
from workbook.data.groups import group_name
from workbook.data.model import COLOR_NAMES, INDICATORS, PERCENT_INDICATORS
from workbook.direction.model import (
    Direction,
    GlossaryTerm,
    Goal,
    Measure,
    Signature,
    TeamMember,
)
from workbook.errors import WorkbookError
from workbook.needs.model import (
    Consensus,
    NeedsAssessment,
    Priority,
    Rating,
    Reflection,
    SwotEntry,
)
from workbook.plan.model import Action, Milestone, Strategy
from workbook.progress.model import (
    Adjustment,
    Comment,
    MilestoneReview,
    Result,
    StatusUpdate,
    Support,
)
from workbook.progress.tables import add_months
from workbook.records.document import PlanDocument
from workbook.records.organisation import Organisation
from workbook.rootcause.model import Cause, Symptom, Why
from workbook.samples.themes import GOAL_INDICATORS, Theme
from workbook.samples.themes import content as theme_content

__all__ = [
    "DELIBERATE_FINDINGS", "GOAL_INDICATORS", "ILLUSTRATIVE", "MAX_GOALS", "NO_DATA_FINDINGS",
    "GoalChoice", "choose_goals", "district_rows", "sample_plan", "sample_plans",
]

ILLUSTRATIVE = "Illustrative sample: "
_TOA_MARK = " (illustrative sample)"
SOURCE = "California School Dashboard"
MAX_GOALS = 3
#: Findings every sample plan has on purpose: the first strategy's last action has no owner,
#: so the coaching view (and the open coach comment on that action) has something to show.
DELIBERATE_FINDINGS = frozenset({"action has no person responsible"})
#: Findings a plan has when the district has no usable Dashboard result: its one goal is
#: measured from local records whose baseline and targets the team has yet to set.
NO_DATA_FINDINGS = frozenset({
    "measure has no baseline",
    "measure has 0 target(s); set targets for at least two years",
})
_DFS = {"ELA", "MATH", "SCIENCE"}
_TEST_TAKERS = {"SBA", "CAA", "CAST"}  # assessment populations, not student groups
_PRIMARY_GROUP = {"ELPI": "EL"}  # the "all students" row of ELPI is the English learners'


def _ill(text: str) -> str:
    return ILLUSTRATIVE + text


# --------------------------------------------------------------------------- choosing goals


@dataclass(frozen=True)
class GoalChoice:
    """One goal's indicator and student group, with the real result it starts from."""

    indicator: str
    student_group: str = "ALL"
    status: float | None = None  # None only for the no-data fallback goal
    color: int = 0
    status_level: int = 0
    change: float | None = None
    denominator: float | None = None
    basis: str = "all students"  # "all students", "student group" or "no data"

    @property
    def higher_is_better(self) -> bool:
        return INDICATORS[self.indicator][1]

    @property
    def weakness(self) -> int:
        """1 (Red) .. 5 (Blue); the status level where the state gave no color; 6 = unrated."""
        if 1 <= self.color <= 5:
            return self.color
        return self.status_level if 1 <= self.status_level <= 5 else 6

    def sort_key(self) -> tuple:
        level = self.status_level if 1 <= self.status_level <= 5 else 6
        worse = (self.change or 0.0) * (1 if self.higher_is_better else -1)
        return (self.weakness, level, worse, GOAL_INDICATORS.index(self.indicator),
                -(self.denominator or 0), self.student_group)

    def at_best(self) -> bool:
        """Already at the top, or too close to the end of the scale to set moving targets."""
        if self.color == 5 or self.status_level == 5 or self.status is None:
            return True
        if not self.higher_is_better:
            return self.status < 1.0
        return self.indicator in PERCENT_INDICATORS and self.status > 97.0


# pandas ships no types here, so pd.isna cannot narrow `value` to a number
def _num(value: object) -> float | None:
    return None if pd.isna(value) else float(value)  # type: ignore[arg-type]


def _int(value: object) -> int:
    return 0 if pd.isna(value) else int(value)  # type: ignore[call-overload]


def _choice(row: pd.Series, basis: str) -> GoalChoice:
    return GoalChoice(str(row["indicator"]), str(row["student_group"]), _num(row["status"]),
                      _int(row["color"]), _int(row["status_level"]), _num(row["change"]),
                      _num(row["denominator"]), basis)


def choose_goals(rows: pd.DataFrame, max_goals: int = MAX_GOALS) -> list[GoalChoice]:
    """The weakest usable results of one district, one per indicator, weakest first.

    `rows` is one district's tidy rows for one year. All-student results come first; the
    weakest reported student-group results of other indicators fill the remaining places.
    An empty list means the district has no usable result.
    """
    usable = rows[rows["indicator"].isin(GOAL_INDICATORS) & rows["status"].notna()
                  & ~rows["student_group"].isin(_TEST_TAKERS)]
    primary: list[GoalChoice] = []
    groups: list[GoalChoice] = []
    for _, row in usable.iterrows():
        code = str(row["indicator"])
        is_primary = row["student_group"] == _PRIMARY_GROUP.get(code, "ALL")
        choice = _choice(row, "all students" if is_primary else "student group")
        if not choice.at_best():
            (primary if is_primary else groups).append(choice)
    chosen: list[GoalChoice] = []
    for choice in sorted(primary, key=GoalChoice.sort_key) + sorted(groups,
                                                                      key=GoalChoice.sort_key):
        if len(chosen) >= max_goals:
            break
        if choice.indicator not in {c.indicator for c in chosen}:
            chosen.append(choice)
    return chosen


def district_rows(outcomes: pd.DataFrame, district_id: str, year: int = 2024) -> pd.DataFrame:
    """One district's own rows (not its schools') for one year; raises if there are none."""
    f = outcomes[(outcomes["org_id"] == district_id) & (outcomes["org_level"] == "district")
                 & (outcomes["year"] == year)]
    if f.empty:
        known = sorted(outcomes.loc[(outcomes["org_level"] == "district")
                                    & (outcomes["year"] == year), "org_id"].unique())
        raise WorkbookError(
            f"no district rows for {district_id!r} in {year}; districts in the data for "
            f"{year}: {', '.join(known[:30]) or 'none'}. Check the id (14-digit CDS code).")
    return f.reset_index(drop=True)


# ------------------------------------------------------------------------- citing results


def _result(code: str, status: float) -> str:
    if code in _DFS:
        if status == 0:
            return "at standard"
        return f"{abs(status):.1f} points {'below' if status < 0 else 'above'} standard"
    return {
        "CHRO": f"{status:.1f}% chronically absent",
        "SUSP": f"{status:.1f}% suspended at least one day",
        "GRAD": f"{status:.1f}% graduated",
        "CCI": f"{status:.1f}% prepared for college or career",
        "ELPI": f"{status:.1f}% of English learners making progress toward proficiency",
    }.get(code, f"{status:.1f}")


def _color_text(c: GoalChoice) -> str:
    if c.color in COLOR_NAMES:
        return COLOR_NAMES[c.color]
    if 1 <= c.status_level <= 5:
        return f"no color, status level {c.status_level} of 5"
    return "no color"


def _cite(c: GoalChoice, year: int) -> str:
    """Real evidence: "ELA: 45.2 points below standard, Orange (California School ...)"."""
    assert c.status is not None
    who = "" if c.student_group in ("ALL", _PRIMARY_GROUP.get(c.indicator)) else (
        f" ({group_name(c.student_group)})")
    change = ""
    if c.change is not None:
        unit = " points" if c.indicator in _DFS else " percentage points"
        if c.change == 0:
            change = f"; no change from {year - 1}"
        else:
            verb = "up" if c.change > 0 else "down"
            change = f"; {verb} {abs(c.change):.1f}{unit} from {year - 1}"
    return (f"{c.indicator}{who}: {_result(c.indicator, c.status)}, {_color_text(c)}{change} "
            f"({SOURCE} {year})")


def _targets(c: GoalChoice) -> dict[int, float]:
    """Targets for plan years 1-3 that move steadily in the right direction."""
    assert c.status is not None
    b = c.status
    if not c.higher_is_better:  # rates where lower is better: 10% of the rate a year
        values = [b * (1 - 0.1 * k) for k in (1, 2, 3)]
    elif c.indicator in _DFS:  # distance from standard: at least 3 points a year
        step = max(3.0, round(abs(b) * 0.1, 1)) if b < 0 else 3.0
        values = [b + step * k for k in (1, 2, 3)]
    else:  # higher-is-better rates: a tenth of the gap to 100%, at most 3 points a year
        step = max(0.1, round(min(3.0, (100 - b) * 0.1), 1))
        values = [b + step * k for k in (1, 2, 3)]
    out, last, sign = {}, b, 1 if c.higher_is_better else -1
    for year, v in zip((1, 2, 3), values, strict=True):
        v = round(v, 1)
        if (v - last) * sign < 0.1 - 1e-9:  # rounding must never stall a target
            v = round(last + 0.1 * sign, 1)
        out[year] = v
        last = v
    return out


# ---------------------------------------------------------------------------- the content


# --------------------------------------------------------------- the content, from themes.yaml


# -------------------------------------------------------------------------------- helpers


def _rng(district_id: str) -> random.Random:
    return random.Random(int(hashlib.sha256(district_id.encode()).hexdigest()[:16], 16))


class _Ids:
    """Deterministic record ids: "<district id>-0001", "-0002", ..."""

    def __init__(self, prefix: str):
        self.prefix, self.n = prefix, 0

    def __call__(self) -> str:
        self.n += 1
        return f"{self.prefix}-{self.n:04d}"


def _enrolment(rows: pd.DataFrame) -> float:
    """Students counted for attendance or suspension: a rough size for scaling budgets."""
    all_rows = rows[(rows["student_group"] == "ALL") & rows["indicator"].isin(["SUSP", "CHRO"])]
    size = pd.to_numeric(all_rows["denominator"], errors="coerce").max()
    return 250.0 if pd.isna(size) else float(size)


def _county_office(outcomes: pd.DataFrame, county: str, year: int) -> str:
    f = outcomes[(outcomes["org_level"] == "district") & (outcomes["year"] == year)
                 & (outcomes["county"] == county)
                 & outcomes["org_name"].str.contains("County Office", na=False)]
    return str(f["org_id"].iloc[0]) if not f.empty else ""


def _no_data_choice() -> GoalChoice:
    return GoalChoice("CHRO", "ALL", basis="no data")


# ------------------------------------------------------------------------------ the plans


def sample_plan(district_id: str, outcomes: pd.DataFrame, *, year: int = 2024,
                start: dt.date = dt.date(2024, 8, 1)) -> PlanDocument:
    """An illustrative three-year plan for one district, built on its real Dashboard results.

    `outcomes` is the tidy outcome table (``data.load_outcomes(...)``); `start` is the first
    day of plan year 1. Every record gets a deterministic id. See the module docstring for
    how goals are chosen and which findings the plan has on purpose.
    """
    rows = district_rows(outcomes, district_id, year)
    first = rows.iloc[0]
    name, county = str(first["org_name"]), str(first["county"] or "")
    ids, rng = _Ids(district_id), _rng(district_id)
    doc = PlanDocument(district_id)

    def add(record_type, **fields):
        return doc.add(record_type(id=ids(), org_id=district_id, **fields))

    scale = min(max(_enrolment(rows) / 2500, 0.1), 4.0)
    is_coe = "County Office" in name
    choices = choose_goals(rows) or [_no_data_choice()]
    content = theme_content()
    themes = [content.themes[c.indicator] for c in choices]
    school_year = f"{year - 1}-{str(year)[2:]}"

    # Stage 1: direction ----------------------------------------------------------------
    parent = "" if is_coe else _county_office(outcomes, county, year)
    add(Organisation, level="district", name=name, parent=parent if parent != district_id
        else "", county=county,
        contacts=_ill("no real contacts; see the district's own LCAP for its actual plan."),
        leadership_team=["Superintendent", "Director of Curriculum",
                         "Director of Student Services", "Two principals", "Teacher leaders",
                         "Parent advisory committee representative"],
        plan_start=start, plan_end=add_months(start, 36) - dt.timedelta(days=1),
        illustrative=True)
    focus = [t.priority.lower() for t in themes]
    focus_text = focus[0] if len(focus) == 1 else ", ".join(focus[:-1]) + " and " + focus[-1]
    whom = ("students in county programs and the districts of " + county + " County"
            if is_coe else "every student in its schools")
    add(Direction,
        mission=_ill(f"{name} educates and supports {whom}, working with families and the "
                     "community so that each student learns, belongs and thrives."),
        vision=_ill(f"Every {name} student graduates ready for college, career and community "
                    "life."),
        purpose=("If we implement a system of school improvement with key common elements, "
                 "then schools will have the responsive supports they need to effectively "
                 "implement their improvement plans, and student outcomes will improve, "
                 f"starting with {focus_text}" + _TOA_MARK + "."))
    goals = []
    for choice, theme in zip(choices, themes, strict=True):
        if choice.status is None:
            evidence = (f"{SOURCE} {year}: results not reported for this district (fewer than "
                        "11 students in most groups)")
            explanation = _ill(f"{theme.why} The {year} Dashboard reports too few students "
                               "for most results, so the team measures attendance from local "
                               "records and will set the baseline and targets from them.")
        else:
            evidence = _cite(choice, year)
            who = ("" if choice.basis == "all students" else
                   f" The measure follows {group_name(choice.student_group)}, the weakest "
                   "group with a reported result.")
            explanation = _ill(f"{theme.why}{who} Baseline: {evidence}.")
        goal = add(Goal, title=_ill(theme.goal), explanation=explanation)
        if choice.status is None:
            add(Measure, parent=goal.id, indicator="Chronic absenteeism rate, all students "
                "(local attendance records)", data_source="Local student information system",
                higher_is_better=False)
        else:
            add(Measure, parent=goal.id,
                indicator=f"{INDICATORS[choice.indicator][0]}, "
                          f"{group_name(choice.student_group)}",
                data_source=f"{SOURCE} {year}", state_indicator=choice.indicator,
                student_group=choice.student_group, baseline=choice.status,
                baseline_year=year, targets=_targets(choice),
                higher_is_better=choice.higher_is_better)
        goals.append((goal, choice, theme, evidence))
    for term, definition in content.glossary:
        add(GlossaryTerm, term=term, definition=definition)

    # Stage 2: needs ---------------------------------------------------------------------
    add(NeedsAssessment,
        elements=list(SAMPLE_ELEMENTS),
        element_other={"demographics": "foster youth and students experiencing homelessness"},
        process=_ill(f"In fall {start.year} the leadership team reviewed the {school_year} "
                     "Dashboard results by indicator and student group, rated the district on "
                     "Tool C, and ran a 5 Whys and a fishbone analysis for each priority."),
        participants=_ill("superintendent, Director of Curriculum, Director of Student "
                          "Services, two principals, teacher leaders, a classified staff "
                          "representative and two parents."),
        stakeholder_input=_ill("family and staff surveys in English and Spanish, a student "
                               "focus group at each school, and the parent advisory "
                               "committee's review of the draft priorities."))
    _swot(add, rows, goals, year)
    addressed: list[list[str]] = []  # per goal: ids of the causes its strategy addresses
    for rank, (_goal, choice, theme, evidence) in enumerate(goals, 1):
        priority = add(Priority, title=_ill(theme.priority), evidence=evidence, rank=rank)
        addressed.append(_root_causes(add, priority, choice, theme, year))
    elements = sorted({"1a3", "1b1", "1b3", "4a1"}
                      | {catalogue.elements(t.practice)[0].code for t in themes})
    for element in elements:
        base = rng.choice((1, 2, 2, 3))
        for rater in ("Rater A", "Rater B", "Rater C"):
            level = min(4, max(1, base + rng.choice((-1, 0, 0, 1))))
            add(Rating, rater=rater, element=element, level=level,
                evidence=_ill(content.level_evidence[level]))

    # Stage 3: plan ----------------------------------------------------------------------
    year1_actions: list[Action] = []
    ownerless: Action | None = None
    for (goal, _choice, theme, _evidence), causes in zip(goals, addressed, strict=True):
        strategy = add(Strategy, goal=goal.id, title=_ill(theme.strategy),
                       theory_of_action=f"If {theme.toa[0]}, then {theme.toa[1]}, and "
                                        f"{theme.toa[2]}{_TOA_MARK}.",
                       practice=theme.practice, causes=causes)
        indicator, source, baselines, gains = theme.measure
        baseline = rng.choice(baselines)
        add(Measure, parent=strategy.id, indicator=_ill(indicator), data_source=_ill(source),
            baseline=float(baseline), baseline_year=year,
            targets={k: float(min(baseline + g, 95)) for k, g in zip((1, 2, 3), gains,
                                                                       strict=True)})
        milestones = [add(Milestone, strategy=strategy.id, title=_ill(title), plan_year=k,
                          due=add_months(start, 12 * k - 1) - dt.timedelta(days=1))
                      for k, title in enumerate(theme.milestones, 1)]
        windows = [  # (milestone, start, due) for the five actions
            (milestones[0], start, add_months(start, 2) - dt.timedelta(days=1)),
            (milestones[0], add_months(start, 1), add_months(start, 4) + dt.timedelta(days=14)),
            (milestones[0], add_months(start, 5) + dt.timedelta(days=5),
             add_months(start, 8) - dt.timedelta(days=1)),
            (milestones[1], add_months(start, 12), add_months(start, 18) - dt.timedelta(days=1)),
            (milestones[1], add_months(start, 17), add_months(start, 22) - dt.timedelta(days=1)),
        ]
        for i, (text, (milestone, begin, due)) in enumerate(zip(theme.actions, windows,
                                                                strict=True)):
            owner = text.owner
            if ownerless is None and i == len(windows) - 1:
                owner = ""  # deliberate: see DELIBERATE_FINDINGS
            action = add(Action, milestone=milestone.id, title=_ill(text.title),
                         outputs=_ill(text.outputs), start=begin, due=due,
                         budget=round(text.budget * scale, -2), funding_source=text.funding,
                         owner=owner, collaborators=list(text.collaborators))
            if not owner:
                ownerless = action
            if i < 3:
                year1_actions.append(action)

    # Stages 4-6: implement and monitor ----------------------------------------------------
    _status_updates(add, year1_actions, start, rng)
    provider = ("California Collaborative for Educational Excellence" if is_coe
                else f"{county} County Office of Education")
    add(Support, need=_ill("coaching for the leadership team on writing strategy performance "
                           "measures that gauge the 'then' part of each strategy."),
        provided=True, provider=provider,
        how_used=_ill("two coaching sessions in the fall; the team rewrote its strategy "
                      "measures and set monthly status reviews."), effectiveness=3,
        # dated and typed, so the network view can ask whether the support worked; the
        # type and month vary by district (no random draw: later ids do not move)
        **_support_details(district_id, list(doc.of(Strategy)), start))
    assert ownerless is not None
    add(Comment, target=ownerless.id, author="Improvement coach (illustrative)",
        text=_ill("Who is responsible for this action? Naming one person lets the team track "
                  "it at the monthly status review and ask for support in time."),
        created=dt.datetime.combine(add_months(start, 2) + dt.timedelta(days=14),
                                    dt.time(15, 30), tzinfo=dt.UTC))
    _tool_a_people_and_tool_c(add, doc, start, rng)
    _monitoring(add, doc, start)
    return doc


def _support_details(district_id: str, strategies: list, start: dt.date) -> dict:
    """The sample support's type, practice, strategy, dates and evidence: coaching or
    technical assistance, given in the plan's third, fourth or fifth month, by district."""
    turn = sum(int(c) for c in district_id if c.isdigit())
    first = strategies[0] if strategies else None
    return {"support_type": ("coaching", "technical assistance")[turn % 2],
            "practice": first.practice if first is not None else None,
            "strategy": first.id if first is not None else "",
            "requested": add_months(start, 1), "provided_on": add_months(start, 2 + turn % 3),
            "evidence": _ill("the rewritten strategy measures name a number, a date and a "
                             "source.")}


#: Tool A needs-assessment elements the sample plans checked (codes in tool_a.yaml).
SAMPLE_ELEMENTS = ("demographics.student", "demographics.community",
                   "policies.school_improvement", "outcomes.assessments", "outcomes.graduation",
                   "accountability", "engagement.attendance", "engagement.behavior",
                   "opportunities.access", "practice", "climate", "performance_management")
#: The sample leadership team: clearly fictional names, real-sounding positions, and the
#: improvement plan role of those who sign (None: does not sign in the sample).
SAMPLE_TEAM = (
    ("Avery Example (fictional)", "Superintendent", "Plan lead"),
    ("Jordan Sample (fictional)", "Director of Curriculum", None),
    ("Riley Placeholder (fictional)", "Director of Student Services", None),
    ("Morgan Demo (fictional)", "Principal", None),
    ("Casey Specimen (fictional)", "Teacher leader", None),
    ("Taylor Example (fictional)", "Parent advisory committee representative",
     "Family and community voice"),
)
#: Each sample rater's strengths and weaknesses per Four Domains domain (Tool C).
_SAMPLE_REFLECTIONS = {
    1: ("Leaders meet monthly to review school data.",
        "Roles for turnaround are not written down; decisions wait for the superintendent."),
    2: ("New teachers have a mentor in their first year.",
        "Coaching stops after year one; hard-to-staff schools rely on substitutes."),
    3: ("Common benchmark assessments in ELA and math at every school.",
        "Intervention time is scheduled but the groups rarely change with the data."),
    4: ("Families say staff are welcoming.",
        "Students are not asked about their school experience until high school."),
}


def _tool_a_people_and_tool_c(add, doc: PlanDocument, start: dt.date, rng) -> None:
    """Tool A's leadership team and signatures, and Tool C's strengths and weaknesses per
    domain and the team's consensus levels, for one sample plan (added last, so the ids of
    the records before them do not move)."""
    for rank, (name, position, role) in enumerate(SAMPLE_TEAM, 1):
        add(TeamMember, name=name, position=position, rank=rank)
        if role is not None:
            add(Signature, name=name, position=position, plan_role=role,
                signed=start - dt.timedelta(days=21 - 4 * rank // 3))
    for rater in ("Rater A", "Rater B", "Rater C"):
        for domain, (strength, weakness) in _SAMPLE_REFLECTIONS.items():
            add(Reflection, rater=rater, domain=domain, strengths=_ill(strength),
                weaknesses=_ill(weakness))
    by_practice: dict[str, list[int]] = {}
    for r in doc.of(Rating):
        by_practice.setdefault(r.element[:2], []).append(r.level)
    for practice, levels in sorted(by_practice.items()):
        # what the team settled on after talking it through: near the mean, not computed
        agreed = round(sum(levels) / len(levels)) + rng.choice((-1, 0, 0, 0))
        add(Consensus, practice=practice, level=min(4, max(1, agreed)),
            note=_ill("agreed at the leadership team's self-reflection meeting."))


#: Sample supports of each type California offers every district (Level 1 of its system of
#: support, parameters/states/ca/supports.yaml). Differentiated assistance (Level 2) and
#: intensive intervention (Level 3) go only to LEAs the state identifies, so a sample plan
#: does not invent them. (type, need, provider, how used, months after the start when
#: needed / requested / provided (None: not yet), effectiveness, evidence)
_SAMPLE_SUPPORTS = (
    ("technical assistance", "help reading the Dashboard's student group results for the "
     "needs assessment", "County Office of Education", "the data team rebuilt its gap "
     "table and found two groups it had missed", 0, 0, 1, 4, "both groups now have a goal "
     "measure and a baseline in the plan"),
    ("professional development", "training for PLC leads on looking at student work",
     "County Office of Education", "six leads trained; they ran the first data cycles",
     1, 2, 3, 2, "half of the PLC agendas sampled in January used the protocol"),
    ("coaching", "a coach for the attendance team's home-visit routine",
     "County Office of Education", "", 4, 5, None, None, ""),
)


def _monitoring(add, doc: PlanDocument, start: dt.date) -> None:
    """Stages 5-6 for one sample plan: dated supports of each Level 1 type, semester
    milestone reviews, a plan-level adjustment and one to a milestone (with who was told),
    and plan year 1 results with Tool A's explanation column (typed, illustrative: the
    bundled files hold no 2024-25 results). Added last, so earlier ids do not move; no
    random draws, so the other samples' draws do not move either."""
    turn = sum(int(c) for c in doc.org_id if c.isdigit())
    strategies = list(doc.of(Strategy))
    priorities = list(doc.of(Priority))

    def month(n: int | None) -> dt.date | None:
        return None if n is None else add_months(start, n) + dt.timedelta(days=9)

    for k, (kind, need, provider, used, needed, asked, given, score, evidence) in enumerate(
            _SAMPLE_SUPPORTS):
        add(Support, need=_ill(need), support_type=kind, provider=provider,
            provided=given is not None, how_used=_ill(used) if used else "",
            effectiveness=score, evidence=_ill(evidence) if evidence else "",
            needed=month(needed), requested=month(asked), provided_on=month(given),
            priority=priorities[k % len(priorities)].id if priorities else "",
            strategy=strategies[k % len(strategies)].id if strategies else "")
    year1 = [m for m in doc.of(Milestone) if m.plan_year == 1]
    for k, m in enumerate(year1):
        add(MilestoneReview, milestone=m.id, date=add_months(start, 5) + dt.timedelta(days=k),
            semester=1, complete=False, reviewer="Leadership team",
            notes=_ill("on track for June; the second action started late, so its training "
                       "moves to January."))
        add(MilestoneReview, milestone=m.id, date=add_months(start, 10) + dt.timedelta(days=k),
            semester=2, complete=(turn + k) % 3 != 0, reviewer="Leadership team",
            notes=_ill("complete: every action done and its output filed." if (turn + k) % 3
                       else "not complete: one output is late; it carries into August."))
    add(Adjustment, target="", date=add_months(start, 5) + dt.timedelta(days=2),
        change=_ill("monthly status reviews move to the first Tuesday, with the coach present, "
                    "and every action now has one named owner."),
        reason=_ill("at the December review two actions were behind and one had no owner, "
                    "so no one had asked for help in time."),
        told=_ill("board of education (January study session), principals, school site "
                  "councils"), told_on=add_months(start, 5) + dt.timedelta(days=20))
    if year1:
        add(Adjustment, target=year1[0].id, date=add_months(start, 6) + dt.timedelta(days=3),
            change=_ill("the milestone's second training moves from November to January."),
            reason=_ill("a substitute shortage cancelled the November release days."),
            told=_ill("teachers and union representatives"),
            told_on=add_months(start, 6) + dt.timedelta(days=5))
    for k, measure in enumerate(doc.of(Measure)):
        assert isinstance(measure, Measure)
        target = measure.targets.get(1)
        if measure.baseline is None or target is None:
            continue
        share = (0.5, 1.0, 1.25)[(turn + k) % 3]  # part of the way, on target, beyond
        value = round(measure.baseline + share * (target - measure.baseline), 1)
        met = value >= target if measure.higher_is_better else value <= target
        add(Result, measure=measure.id, plan_year=1, value=value, source="typed",
            school_year=add_months(start, 12).year,
            explanation=_ill("on target: keep the strategy as planned." if met else
                             "short of the year 1 target: the late start of the PLC "
                             "training cost a semester; the team adds a second cycle in the "
                             "fall."))


def _swot(add, rows: pd.DataFrame, goals: list, year: int) -> None:
    chosen = {c.indicator for _, c, _, _ in goals}
    usable = rows[rows["indicator"].isin(GOAL_INDICATORS) & rows["status"].notna()]
    primary = [_choice(r, "all students") for _, r in usable.iterrows()
               if r["student_group"] == _PRIMARY_GROUP.get(str(r["indicator"]), "ALL")]
    strengths = sorted((c for c in primary if c.weakness in (4, 5)
                        and c.indicator not in chosen), key=GoalChoice.sort_key, reverse=True)
    for c in strengths[:2]:
        add(SwotEntry, quadrant="strength", evidence=_cite(c, year),
            text=_ill(f"{INDICATORS[c.indicator][0]} is a strength to build on."))
    if not strengths:
        add(SwotEntry, quadrant="strength",
            text=_ill("Staff know their students and families well."),
            evidence=_ill("staff survey: most staff plan to stay next year."))
    for _, c, _, evidence in goals:
        if c.status is None:
            add(SwotEntry, quadrant="weakness", evidence=evidence,
                text=_ill("Too few students for most Dashboard results, so local data "
                          "must carry the needs assessment."))
            continue
        who = "" if c.basis == "all students" else f" for {group_name(c.student_group)}"
        add(SwotEntry, quadrant="weakness", evidence=evidence,
            text=_ill(f"{INDICATORS[c.indicator][0]}{who} is one of the district's weakest "
                      "results."))
    red = [_choice(r, "student group") for _, r in usable.iterrows()
           if _int(r["color"]) == 1 and r["student_group"] not in _TEST_TAKERS
           and r["student_group"] != _PRIMARY_GROUP.get(str(r["indicator"]), "ALL")]
    if red:
        c = sorted(red, key=GoalChoice.sort_key)[0]
        add(SwotEntry, quadrant="weakness", evidence=_cite(c, year),
            text=_ill(f"{INDICATORS[c.indicator][0]} is Red for the "
                      f"{group_name(c.student_group)} student group."))
    add(SwotEntry, quadrant="opportunity",
        text=_ill("The county's improvement network offers coaching and peer districts "
                  "working on the same priorities."),
        evidence=_ill("invitation to the county continuous-improvement network."))
    declines = [c for c in primary if c.change is not None
                and c.change * (1 if c.higher_is_better else -1) < 0]
    if declines:
        c = min(declines, key=lambda c: (c.change or 0) * (1 if c.higher_is_better else -1))
        add(SwotEntry, quadrant="threat", evidence=_cite(c, year),
            text=_ill(f"{INDICATORS[c.indicator][0]} got worse from the year before."))
    add(SwotEntry, quadrant="threat",
        text=_ill("Teacher vacancies are hard to fill, especially in rural schools."),
        evidence=_ill("four positions were still open in October."))


def _root_causes(add, priority: Priority, choice: GoalChoice, theme: Theme,
                 year: int) -> list[str]:
    """Symptom, 5 Whys and fishbone for one priority; the ids of the prioritised causes."""
    if choice.status is None:
        seen = f"The {year} Dashboard did not report results for most groups."
    else:
        seen = (f"The {year} Dashboard shows {_result(choice.indicator, choice.status)} "
                f"for {group_name(choice.student_group)} ({_color_text(choice)}).")
    symptom = add(Symptom, priority=priority.id, statement=_ill(f"{theme.symptom} {seen}"))
    for step, (text, evidence) in enumerate(theme.whys, 1):
        add(Why, symptom=symptom.id, step=step, text=_ill(text), evidence=_ill(evidence))
    category, practice, impact = theme.root
    root = add(Cause, symptom=symptom.id, text=_ill(theme.whys[-1][0]), category=category,
        evidence=_ill(theme.whys[-1][1]), actionable=True, practice=practice, impact=impact,
        prioritised=True)
    prioritised = [root.id]
    for category, text, evidence, practice, impact, addressed in theme.fishbone:
        cause = add(Cause, symptom=symptom.id, text=_ill(text), category=category,
                    evidence=_ill(evidence), actionable=True, practice=practice,
                    impact=impact, prioritised=addressed)
        if addressed:
            prioritised.append(cause.id)
    return prioritised


def _status_updates(add, actions: list[Action], start: dt.date, rng: random.Random) -> None:
    """Quarterly statuses of the year-1 actions: some on track, some behind, some done.

    An action the generator marks late is behind at its first report after it was due (and
    at every report before), then complete; any other action is on track until its due
    date, then complete. At least one update is behind, so monitoring has work to show.
    """
    quarters = [add_months(start, 3) - dt.timedelta(days=1),
                add_months(start, 6) - dt.timedelta(days=1)]
    updates: list[list] = []  # [action, date, status]
    for action in actions:
        late, reported_late = rng.random() < 0.3, False
        for day in quarters:
            if action.start is None or action.start > day:
                continue
            if action.due is not None and action.due <= day:
                status = "behind" if late and not reported_late else "complete"
                reported_late = reported_late or status == "behind"
            else:
                status = "behind" if late else "on track"
            updates.append([action, day, status])
    statuses = [u[2] for u in updates]
    if "behind" not in statuses and "on track" in statuses:
        updates[statuses.index("on track")][2] = "behind"
    elif "on track" not in statuses and "behind" in statuses:
        updates[statuses.index("behind")][2] = "on track"
    for action, day, status in updates:
        cause, adjustment = rng.choice(theme_content().behind) if status == "behind" else ("", "")
        spent = {"complete": 1.0, "on track": 0.5, "behind": 0.2}[status]
        add(StatusUpdate, action=action.id, date=day, status=status,
            output_delivered=status == "complete", budget_used=round(action.budget * spent, -2),
            cause=_ill(cause) if cause else "",
            adjustment=_ill(adjustment) if adjustment else "")


def sample_plans(outcomes: pd.DataFrame, *, year: int = 2024,
                 start: dt.date = dt.date(2024, 8, 1)) -> list[PlanDocument]:
    """An illustrative plan for every district (and county office) in the data, by id."""
    ids = outcomes.loc[(outcomes["org_level"] == "district") & (outcomes["year"] == year),
                       "org_id"].dropna().unique()
    return [sample_plan(str(i), outcomes, year=year, start=start) for i in sorted(ids)]


def load_into(store, outcomes: pd.DataFrame, *, user: str = "workbook sample loader") -> int:
    """Save the illustrative plans of districts that have nothing stored yet; returns how many.

    A district that already has records keeps them: the loader never overwrites a team's work.
    """
    stored = set(store.orgs())
    count = 0
    for doc in sample_plans(outcomes):
        if doc.org_id not in stored:
            store.save_all(doc.all(), user=user)
            count += 1
    return count
