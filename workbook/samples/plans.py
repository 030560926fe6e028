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
* invented: everything else. The organisation carries ``illustrative=True``, and every
  invented text a reader sees says so: it starts with :data:`ILLUSTRATIVE`, or (theories of
  action, which must start with "If we") ends with ``"(illustrative sample)"``.

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

import calendar
import datetime as dt
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from workbook import catalogue
from workbook.data.groups import group_name
from workbook.data.model import COLOR_NAMES, INDICATORS, PERCENT_INDICATORS
from workbook.direction.model import Direction, GlossaryTerm, Goal, Measure
from workbook.errors import WorkbookError
from workbook.needs.model import NEEDS_ELEMENTS, NeedsAssessment, Priority, Rating, SwotEntry
from workbook.plan.model import Action, Milestone, Strategy
from workbook.progress.model import Comment, StatusUpdate, Support
from workbook.records.document import PlanDocument
from workbook.records.organisation import Organisation
from workbook.rootcause.model import Cause, Symptom, Why

__all__ = [
    "DELIBERATE_FINDINGS", "GOAL_INDICATORS", "ILLUSTRATIVE", "MAX_GOALS", "NO_DATA_FINDINGS",
    "GoalChoice", "choose_goals", "district_rows", "sample_plan", "sample_plans",
]

ILLUSTRATIVE = "Illustrative sample: "
_TOA_MARK = " (illustrative sample)"
SOURCE = "California School Dashboard"
#: Indicators a sample goal can be about, in the order ties are broken.
GOAL_INDICATORS = ("ELA", "MATH", "CHRO", "SUSP", "GRAD", "CCI", "ELPI", "SCIENCE")
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
    primary, groups = [], []
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


@dataclass(frozen=True)
class _ActionText:
    title: str
    outputs: str
    budget: float  # for a district of about 2,500 students; scaled by enrolment
    funding: str
    owner: str
    collaborators: tuple[str, ...]


@dataclass(frozen=True)
class _Theme:
    """The invented part of one goal's plan, adapted from the guide's own examples."""

    goal: str
    why: str  # the goal's explanation, before the evidence
    priority: str
    symptom: str
    whys: tuple[tuple[str, str], ...]  # (answer, evidence), five of them
    root: tuple[str, str, int]  # the last why as a cause: (category, practice, impact)
    fishbone: tuple[tuple[str, str, str, str, int, bool], ...]
    # (category, cause, evidence, practice, impact, addressed by the strategy)
    strategy: str
    toa: tuple[str, str, str]  # if we ..., then ..., and ...
    practice: str
    measure: tuple[str, str, tuple[int, ...], tuple[int, int, int]]
    # (indicator, data source, baseline choices, target gains for years 1-3)
    milestones: tuple[str, str]
    actions: tuple[_ActionText, ...]  # three for milestone 1, two for milestone 2


def _academic(code: str) -> _Theme:
    subject = {"ELA": "English language arts", "MATH": "mathematics",
               "SCIENCE": "science"}[code]
    return _Theme(
        goal=f"Each student will meet or exceed grade-level standards in {subject}",
        why=(f"Strong {subject} skills open every later course, and {subject} is among the "
             "district's weakest Dashboard results, so the team set a goal for every student."),
        priority=f"{subject[0].upper() + subject[1:]} achievement",
        symptom=f"Low student performance in {subject}.",
        whys=(
            (f"Students aren't learning and applying {subject} concepts.",
             f"common unit assessments show fewer than half of students mastering the "
             f"grade-level {subject} standards taught this fall."),
            (f"Teachers lack instructional strategies to teach the {subject} standards in "
             "depth.", "walkthroughs found standards-aligned tasks in about one lesson in three."),
            ("Several teachers are new, and some classes are led by long-term substitutes.",
             f"the staffing roster shows many {subject} classes taught by first- or "
             "second-year teachers or by substitutes."),
            ("There is high teacher turnover in the district's schools.",
             "exit records show about one teacher in five leaving each year for three years."),
            ("School culture is not supportive of new staff, and the new-teacher induction "
             "program is not sufficient.",
             "exit surveys name lack of support in the first two years as the main reason "
             "for leaving."),
        ),
        root=("staff", "2a", 5),
        fishbone=(
            ("curriculum and instruction",
             f"Units in some grades are not yet aligned to the state {subject} standards.",
             "the curriculum review found gaps in three of the grade levels reviewed.",
             "3b", 4, True),
            ("systems and processes",
             "Teacher teams have no shared routine for studying student work to adjust "
             "instruction.", "only two teams keep notes from their data meetings.",
             "3a", 3, False),
            ("students", f"Students who fall behind in {subject} wait weeks for extra help.",
             "intervention lists are updated once a quarter.", "3a", 3, False),
            ("family and community",
             f"Families get little information about what their children learn in {subject}.",
             "family survey: most families could not name a current unit of study.",
             "4c", 2, False),
        ),
        strategy=f"Mentoring with standards-aligned units for {subject} teachers",
        toa=(f"we give every new {subject} teacher a trained mentor for two years, plus "
             "standards-aligned units with model lessons",
             f"new teachers will teach the grade-level {subject} standards with proven "
             "strategies every day",
             f"each student will meet or exceed grade-level standards in {subject}"),
        practice="2a",
        measure=(f"Percentage of observed {subject} lessons by first- and second-year teachers "
                 "that use standards-aligned tasks", "district walkthrough records",
                 (22, 26, 30), (24, 44, 59)),
        milestones=(f"Every new {subject} teacher is matched with a trained mentor, with "
                    "observation cycles running",
                    f"Standards-aligned {subject} units with model lessons are in use in "
                    "every grade"),
        actions=(
            _ActionText("Recruit and train mentor teachers",
                        "mentor roster; training agenda and sign-in sheets", 18000,
                        "Educator Effectiveness Block Grant", "Director of Human Resources",
                        ("Site principals", "Teachers' association")),
            _ActionText("Run monthly mentor observation cycles with new teachers",
                        "observation and feedback log for every new teacher", 9000,
                        "Title II, Part A", "Director of Curriculum",
                        ("Mentor teachers", "Site principals")),
            _ActionText(f"Walk through new teachers' {subject} lessons at mid-year",
                        "walkthrough summary shared with the leadership team", 2500,
                        "LCFF base", "Assistant Superintendent, Educational Services",
                        ("Site principals", "Instructional coaches")),
            _ActionText(f"Write standards-aligned {subject} units with model lessons",
                        "one unit per grade level, published for every teacher", 30000,
                        "LCFF supplemental and concentration", "Director of Curriculum",
                        ("Teacher leaders", "County office curriculum specialists")),
            _ActionText("Train grade-level teams to use the new units",
                        "training for every grade-level team; exit tickets", 15000,
                        "Title I, Part A", "Coordinator of Professional Learning",
                        ("Instructional coaches", "Site principals")),
        ),
    )


def _attendance(_code: str = "CHRO") -> _Theme:
    return _Theme(
        goal="Each student will attend school regularly",
        why=("Students who miss a tenth of the school year fall behind in reading and "
             "mathematics, and chronic absenteeism is among the district's weakest "
             "Dashboard results."),
        priority="Regular attendance",
        symptom="Many students are chronically absent.",
        whys=(
            ("Many students miss two or more days a month.",
             "attendance records show most absences are scattered single days, not long "
             "illnesses."),
            ("Families do not see missing a day or two as harmful to learning.",
             "family survey: three families in five said a few missed days do not matter."),
            ("Schools contact families only after absences add up.",
             "the first call home comes after the eighth absence on average."),
            ("No school runs an early-warning routine that flags students as absences begin.",
             "none of the schools reviews a weekly attendance report."),
            ("The district has not set expectations, or given schools tools, for tiered "
             "attendance support.",
             "the attendance policy describes only truancy letters and SARB referrals."),
        ),
        root=("systems and processes", "1c", 5),
        fishbone=(
            ("family and community",
             "Messages to families focus on compliance rather than on why daily attendance "
             "matters for learning.", "the three standard attendance letters are all legal "
             "notices.", "4a", 4, True),
            ("students", "Students with health needs have no plan for returning to class "
             "quickly.", "school nurses report no return-to-school plans on file.",
             "3c", 3, False),
            ("resources", "Bus routes leave some students in outlying areas without a ride.",
             "absence rates are highest on the two longest bus routes.", "3c", 3, False),
            ("leadership", "Principals do not review attendance data together each month.",
             "principals' meeting agendas for the last year show no attendance item.",
             "1b", 3, False),
        ),
        strategy="Tiered attendance support with early warning and family outreach",
        toa=("we set up tiered attendance support with weekly early-warning reports, home "
             "visits, plus positive outreach to families",
             "school teams will reach out to families as soon as absences begin",
             "each student will attend school regularly"),
        practice="1c",
        measure=("Percentage of students with three or more absences in a month whose family "
                 "is contacted within a week", "student information system contact log",
                 (15, 20, 25), (30, 55, 70)),
        milestones=("A weekly early-warning attendance report is reviewed by an attendance "
                    "team at every school",
                    "Home visits with family outreach reach every student with Tier 2 or "
                    "Tier 3 attendance needs"),
        actions=(
            _ActionText("Build the weekly early-warning attendance report",
                        "report in the student information system; guide for site teams",
                        6000, "LCFF supplemental and concentration",
                        "Director of Student Services",
                        ("Data and Assessment Coordinator", "Site attendance clerks")),
            _ActionText("Train site attendance teams in tiered responses",
                        "training for every school's attendance team; menu of responses",
                        8000, "Title I, Part A", "Director of Student Services",
                        ("Site principals", "School counselors")),
            _ActionText("Launch a positive attendance campaign with families",
                        "family messages in English and Spanish; recognition events", 5000,
                        "Title I, Part A (family engagement)", "Family Engagement Coordinator",
                        ("Community liaisons", "Parent advisory committee")),
            _ActionText("Start home visits for students with Tier 3 attendance needs",
                        "home-visit protocol; visit log", 20000,
                        "LCFF supplemental and concentration", "Director of Student Services",
                        ("Community liaisons", "School social workers")),
            _ActionText("Review attendance data at monthly principals' meetings",
                        "attendance item on every principals' meeting agenda", 0,
                        "No added cost (existing meetings)",
                        "Assistant Superintendent, Educational Services", ("Site principals",)),
        ),
    )


def _behaviour(_code: str = "SUSP") -> _Theme:
    return _Theme(
        goal="Each student will learn in a safe, supportive school and stay in class",
        why=("Every day out of school on suspension is lost learning, and the suspension "
             "rate is among the district's weakest Dashboard results."),
        priority="Positive school climate",
        symptom="Too many students are suspended.",
        whys=(
            ("Students are sent out of class for defiance and minor conflicts.",
             "discipline records show most suspensions are for disruption or defiance."),
            ("Teachers have few alternatives to removing a student from class.",
             "staff survey: two teachers in three asked for classroom-management support."),
            ("Behaviour expectations are not taught the same way in every classroom.",
             "walkthroughs found taught, posted expectations in under half of classrooms."),
            ("Schools have not adopted a shared tiered behaviour framework.",
             "one school has a trained PBIS team; the others have none."),
            ("The district has not set clear expectations for positive behaviour support, nor "
             "trained staff in restorative practices.",
             "no district-wide PBIS or restorative-practice training in the last three years."),
        ),
        root=("leadership", "2b", 5),
        fishbone=(
            ("staff", "Teachers have few classroom strategies for calming a conflict.",
             "most referrals come from a small number of classrooms.", "2b", 4, True),
            ("students", "Students have few structured ways to repair harm after a conflict.",
             "no school runs restorative circles or peer mediation.", "4c", 3, False),
            ("family and community", "Families hear from school mainly when something goes "
             "wrong.", "family survey: most positive contacts came from one school.",
             "4a", 3, False),
            ("leadership", "Discipline data are not reviewed by student group.",
             "the board's discipline report shows district totals only.", "1b", 3, False),
        ),
        strategy="Positive behaviour supports with restorative practices in every school",
        toa=("we train every school team in positive behaviour interventions with restorative "
             "practices",
             "staff will teach shared expectations, using restorative conversations instead "
             "of removal",
             "each student will learn in a safe, supportive school and stay in class"),
        practice="2b",
        measure=("Percentage of classrooms where behaviour expectations are posted, taught and "
                 "acknowledged", "PBIS walkthrough tool", (20, 30, 35), (25, 45, 60)),
        milestones=("A trained PBIS team with a restorative-practice lead at every school",
                    "Shared behaviour expectations are taught in every classroom"),
        actions=(
            _ActionText("Train school PBIS teams in Tier 1 supports",
                        "team training days; each school's expectations matrix", 16000,
                        "LCFF supplemental and concentration", "Director of Student Services",
                        ("Site principals", "County office PBIS coaches")),
            _ActionText("Train staff in restorative conversations",
                        "two-part training for all certificated staff; practice guides", 12000,
                        "Title IV, Part A", "Coordinator of Professional Learning",
                        ("School counselors", "Teachers' association")),
            _ActionText("Report discipline data by student group to principals monthly",
                        "monthly discipline report by student group", 3000, "LCFF base",
                        "Data and Assessment Coordinator", ("Site principals",)),
            _ActionText("Coach classrooms with the highest referral rates",
                        "coaching cycles for identified classrooms", 18000, "Title I, Part A",
                        "Director of Student Services",
                        ("Behaviour specialists", "Site principals")),
            _ActionText("Start restorative circles for students returning from removal",
                        "re-entry circle protocol; circle log", 6000,
                        "LCFF supplemental and concentration", "Counseling Coordinator",
                        ("School counselors", "Community partners")),
        ),
    )


def _graduation(_code: str = "GRAD") -> _Theme:
    return _Theme(
        goal="Each student will graduate from high school",
        why=("A diploma opens college, career and community options, and the graduation rate "
             "is among the district's weakest Dashboard results."),
        priority="On track to graduate",
        symptom="Too many students do not graduate with their class.",
        whys=(
            ("Students fall behind on credits in grades 9 and 10.",
             "transcript audit: many 10th graders are short of credits."),
            ("Students who fail a course are not caught up before the next semester.",
             "most failed first-semester courses were not recovered within the year."),
            ("Credit recovery is offered only in summer.",
             "the course catalogue lists no credit recovery during the school year."),
            ("Counselors cannot check every student's credits each semester.",
             "counselor caseloads average over 400 students."),
            ("The district has no early-warning system for being on track to graduate.",
             "no report flags students by credits, attendance and course grades."),
        ),
        root=("systems and processes", "3a", 5),
        fishbone=(
            ("students", "Ninth graders get little support through the move to high school.",
             "no ninth-grade transition program is in place.", "4c", 4, True),
            ("curriculum and instruction", "Failing grades are not followed by re-teaching or "
             "reassessment.", "the grading policy allows no reassessment.", "3a", 3, False),
            ("family and community", "Families do not see credit status until report cards "
             "arrive.", "the parent portal does not show credits earned.", "4a", 3, False),
            ("staff", "Ninth-grade teachers have not been trained to spot students at risk of "
             "failing.", "no professional learning on early warning in two years.",
             "2b", 3, False),
        ),
        strategy="Early warning with a graduation plan for every student",
        toa=("we set up an early-warning system with a graduation plan for every student from "
             "grade 9",
             "counselors with teachers will meet the family of each off-track student every "
             "semester to adjust the plan",
             "each student will graduate from high school"),
        practice="3a",
        measure=("Percentage of off-track students whose graduation plan was reviewed with "
                 "their family this semester", "counseling records", (20, 25, 30),
                 (25, 45, 60)),
        milestones=("An early-warning report flags every off-track student each grading period",
                    "Every off-track student has a graduation plan reviewed with their family "
                    "each semester"),
        actions=(
            _ActionText("Build the on-track-to-graduate early-warning report",
                        "report of credits, attendance and course grades by student", 7000,
                        "LCFF supplemental and concentration",
                        "Director of Secondary Education",
                        ("Data and Assessment Coordinator", "School counselors")),
            _ActionText("Train counselors to run graduation-plan conferences",
                        "conference protocol; counselor training series", 9000,
                        "Title I, Part A", "Counseling Coordinator",
                        ("School counselors", "Assistant principals")),
            _ActionText("Offer credit recovery during the school year",
                        "credit recovery sections at every high school", 25000,
                        "A-G Completion Improvement Grant", "Director of Secondary Education",
                        ("High school principals", "Online course provider")),
            _ActionText("Hold graduation-plan conferences with families of off-track students",
                        "conference for every off-track student; sign-in sheets", 12000,
                        "Title I, Part A", "Counseling Coordinator",
                        ("Family Engagement Coordinator", "Advisory teachers")),
            _ActionText("Start a ninth-grade transition program",
                        "summer bridge program; ninth-grade mentoring", 30000,
                        "LCFF supplemental and concentration",
                        "Director of Secondary Education",
                        ("Ninth-grade teachers", "Student leaders")),
        ),
    )


def _college_career(_code: str = "CCI") -> _Theme:
    return _Theme(
        goal="Each student will graduate prepared for college, career, and community "
             "engagement",
        why=("A diploma earned with a plan opens college, career and community options, and "
             "the College/Career Indicator is among the district's weakest Dashboard results."),
        priority="College and career readiness",
        symptom="Few graduates are prepared for college or career.",
        whys=(
            ("Few graduates complete the A-G sequence or a career technical pathway.",
             "transcript audit: most graduates not prepared missed one or two A-G courses."),
            ("Students do not start A-G or pathway courses early enough.",
             "ninth-grade schedules place few students in pathway introductory courses."),
            ("Course planning happens late, without students' families.",
             "four-year plans are written in grade 11, if at all."),
            ("Schools have no shared process for a four-year college-and-career plan.",
             "each high school uses a different planning form."),
            ("The district has not set the expectation that every student keeps a "
             "college-and-career plan from grade 9.",
             "board policy mentions planning only for students in special programs."),
        ),
        root=("leadership", "4c", 5),
        fishbone=(
            ("students", "Students have few chances to connect coursework with career "
             "interests.", "most sites offer one career pathway.", "4c", 4, True),
            ("curriculum and instruction", "Some A-G courses are offered in one section a "
             "year, so they clash with other courses.", "master schedule review.",
             "3c", 3, False),
            ("family and community", "Families receive little information about A-G "
             "requirements.", "family survey: most families of ninth graders had not heard "
             "of A-G.", "4a", 3, False),
            ("staff", "Counselors have not been trained in career pathway advising.",
             "no counselor professional learning on pathways in two years.", "2b", 2, False),
        ),
        strategy="College and career portfolios for every student",
        toa=("we develop guidelines for student learning portfolios with a four-year "
             "college-and-career plan",
             "schools will have every student build a portfolio with their teachers, "
             "reviewing it with families each year",
             "each student will graduate prepared for college, career, and community "
             "engagement"),
        practice="4c",
        measure=("Percentage of students in grades 9-12 with a current college-and-career "
                 "portfolio", "annual school performance report", (20, 26, 30), (24, 44, 64)),
        milestones=("Portfolio guidelines with a four-year plan template are adopted",
                    "Every student in grades 9-12 keeps a portfolio reviewed with their family"),
        actions=(
            _ActionText("Write portfolio guidelines with a four-year plan template",
                        "guidelines approved by the board; plan template", 8000,
                        "A-G Completion Improvement Grant", "Director of Secondary Education",
                        ("School counselors", "Career technical education teachers")),
            _ActionText("Train counselors in college-and-career advising",
                        "counselor training series; advising guide", 10000,
                        "A-G Completion Improvement Grant", "Counseling Coordinator",
                        ("School counselors", "Community college partners")),
            _ActionText("Pilot portfolios with the ninth grade",
                        "portfolio started for every ninth grader", 6000,
                        "LCFF supplemental and concentration", "Director of Secondary Education",
                        ("Ninth-grade teachers", "School counselors")),
            _ActionText("Hold portfolio conferences with families",
                        "conference for every student in grades 9-12; sign-in sheets", 12000,
                        "Title I, Part A", "Counseling Coordinator",
                        ("Family Engagement Coordinator", "Advisory teachers")),
            _ActionText("Add a second career pathway at each high school",
                        "pathway course sequence approved; first sections scheduled", 40000,
                        "Career Technical Education Incentive Grant",
                        "Director of Secondary Education",
                        ("Industry partners", "Community college partners")),
        ),
    )


def _english_learners(_code: str = "ELPI") -> _Theme:
    return _Theme(
        goal="Each English learner will make annual progress toward English proficiency",
        why=("English proficiency opens every subject to English learners, and their progress "
             "is among the district's weakest Dashboard results."),
        priority="English learner progress",
        symptom="English learners are not making enough progress toward proficiency.",
        whys=(
            ("English learners are not moving up ELPAC levels each year.",
             "ELPAC results show many students at the same level two years running."),
            ("Students get few structured chances to speak or write academic English.",
             "walkthroughs found structured student talk in about a quarter of lessons."),
            ("Designated ELD is shortened or skipped at some schools.",
             "master schedules show no protected ELD block at some sites."),
            ("Schools have no shared expectations for designated or integrated ELD.",
             "each school uses a different ELD program."),
            ("The district has not adopted ELD guidelines, nor trained teachers in "
             "integrated ELD.", "no integrated ELD training in the last three years."),
        ),
        root=("curriculum and instruction", "3b", 5),
        fishbone=(
            ("staff", "Content teachers have not been trained to build academic language in "
             "their lessons.", "professional learning records for the last two years.",
             "2b", 4, True),
            ("systems and processes", "Long-term English learners are not identified for "
             "targeted support.", "no report lists long-term English learners by school.",
             "3a", 3, False),
            ("family and community", "Families are not told about their child's ELPAC "
             "progress in their home language.", "ELPAC reports are sent home in English "
             "only.", "4c", 3, False),
            ("leadership", "Reclassification data are not reviewed by school leaders.",
             "principals' meeting agendas show no English learner item.", "1b", 2, False),
        ),
        strategy="Designated and integrated ELD in every classroom",
        toa=("we train every teacher of English learners to deliver daily designated ELD, "
             "with integrated ELD in content lessons",
             "teachers will plan lessons that build academic English in every subject",
             "each English learner will make annual progress toward English proficiency"),
        practice="3b",
        measure=("Percentage of observed lessons with a language objective and structured "
                 "student talk", "ELD walkthrough tool", (15, 20, 25), (20, 40, 55)),
        milestones=("A protected daily designated ELD block at every school",
                    "Integrated ELD strategies are observed in most content lessons"),
        actions=(
            _ActionText("Adopt district ELD guidelines",
                        "ELD guidelines approved; summary for families", 5000,
                        "Title III, Part A", "Director of English Learner Programs",
                        ("ELD teacher leaders", "English Learner Advisory Committee")),
            _ActionText("Protect a daily designated ELD block in every master schedule",
                        "master schedules with a daily ELD block", 0,
                        "No added cost (scheduling)",
                        "Assistant Superintendent, Educational Services", ("Site principals",)),
            _ActionText("Train teachers in designated ELD",
                        "training series for every teacher of English learners", 12000,
                        "Title III, Part A", "Coordinator of Professional Learning",
                        ("ELD teacher leaders", "County office EL specialists")),
            _ActionText("Train content teachers in integrated ELD",
                        "integrated ELD training for content teams; lesson examples", 15000,
                        "Educator Effectiveness Block Grant",
                        "Director of English Learner Programs",
                        ("Instructional coaches", "Site principals")),
            _ActionText("Share ELPAC progress with families in their home language",
                        "translated progress letters; family meetings", 4000,
                        "Title III, Part A", "Family Engagement Coordinator",
                        ("Community liaisons", "English Learner Advisory Committee")),
        ),
    )


_THEMES: dict[str, Callable[[str], _Theme]] = {
    "ELA": _academic, "MATH": _academic, "SCIENCE": _academic, "CHRO": _attendance,
    "SUSP": _behaviour, "GRAD": _graduation, "CCI": _college_career, "ELPI": _english_learners,
}

_GLOSSARY = (
    ("theory of action", "A strategy written as 'If we ..., then ..., and ...': the work we "
     "will do, how it changes the practice of the adults it reaches, and how that changes "
     "results for students."),
    ("goal performance measure", "How progress toward a goal is gauged: an indicator, a data "
     "source, baseline data and targets for at least two years."),
    ("strategy performance measure", "How a strategy's 'then' part is gauged: the change in "
     "adult practice the strategy should bring about."),
    ("milestone", "A large piece of work, usually one year's, that shows a strategy is being "
     "implemented; actions are the steps to a milestone."),
    ("root cause", "The deepest underlying cause of a problem that, if dissolved, would "
     "remove or greatly reduce the symptom; found with a 5 Whys chain or a fishbone diagram."),
    ("distance from standard", "How far, on average, students' scores on the state tests in "
     "English language arts, mathematics or science are above or below the lowest score for "
     "'Standard Met', in scale-score points. Negative means below the standard."),
    ("chronic absenteeism", "Students in kindergarten through grade 8 who were absent for 10 "
     "percent or more of the instructional days they were enrolled."),
    ("suspension rate", "The share of enrolled students who were suspended at least once "
     "during the school year."),
    ("English Learner Progress Indicator (ELPI)", "The share of English learners who moved up "
     "at least one ELPI level on the ELPAC, or stayed at the top level, from one year to the "
     "next."),
    ("College/Career Indicator (CCI)", "The share of graduates who are Prepared for college or "
     "career, by measures such as A-G completion, a career technical pathway, AP or IB exams, "
     "dual enrollment or test scores."),
    ("graduation rate", "The share of students in the graduation cohort who earned a regular "
     "high school diploma within four or five years."),
    ("Dashboard colors", "The California School Dashboard combines a result's status (this "
     "year) and change (from last year) into one of five performance levels, from lowest to "
     "highest: Red, Orange, Yellow, Green, Blue. Groups with fewer than 30 students get no "
     "color, and results for fewer than 11 students are not reported."),
    ("Four Domains", "The four domains of rapid school improvement (turnaround leadership, "
     "talent development, instructional transformation, culture shift) with twelve practices, "
     "coded 1a to 4c, used to code strategies and self-reflection ratings."),
    ("LCFF supplemental and concentration grants", "Local Control Funding Formula funds a "
     "district receives for its English learners, low-income students and foster youth."),
)

_LEVEL_EVIDENCE = {
    1: "no written process yet; practice depends on each school.",
    2: "a process exists on paper but is used unevenly across schools.",
    3: "the process is used at most schools and reviewed once a year.",
    4: "the process is used everywhere and adjusted from monitoring data.",
}

_BEHIND = (  # (why it is behind, the adjustment)
    ("the work started three weeks late while the owner covered a vacant position.",
     "a county office specialist will co-lead the action until the position is filled."),
    ("the data needed from the student information system was not ready.",
     "the data coordinator set a weekly check-in with the vendor."),
    ("schools asked to move the work after the start-of-year assessments.",
     "the remaining steps were rescheduled into the next month, with a make-up date."),
)


# -------------------------------------------------------------------------------- helpers


def _months(day: dt.date, n: int) -> dt.date:
    y, m = divmod(day.month - 1 + n, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


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


def _support_level(rows: pd.DataFrame) -> str:
    red = rows[rows["color"].fillna(0) == 1]
    if (red["student_group"] == "ALL").any():
        level = "intensive support"
    elif not red.empty:
        level = "targeted support"
    else:
        level = "general support"
    return f"{level} (illustrative: {len(red)} red result(s) on the Dashboard)"


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
    themes = [_THEMES[c.indicator](c.indicator) for c in choices]
    school_year = f"{year - 1}-{str(year)[2:]}"

    # Stage 1: direction ----------------------------------------------------------------
    parent = "" if is_coe else _county_office(outcomes, county, year)
    add(Organisation, level="district", name=name, parent=parent if parent != district_id
        else "", county=county, support_level=_support_level(rows),
        contacts=_ill("no real contacts; see the district's own LCAP for its actual plan."),
        leadership_team=["Superintendent", "Director of Curriculum",
                         "Director of Student Services", "Two principals", "Teacher leaders",
                         "Parent advisory committee representative"],
        plan_start=start, plan_end=_months(start, 36) - dt.timedelta(days=1),
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
    for term, definition in _GLOSSARY:
        add(GlossaryTerm, term=term, definition=definition)

    # Stage 2: needs ---------------------------------------------------------------------
    add(NeedsAssessment,
        elements=[e for e in NEEDS_ELEMENTS if e not in ("staff data", "fiscal and resource "
                                                                       "data")],
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
                evidence=_ill(_LEVEL_EVIDENCE[level]))

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
                          due=_months(start, 12 * k - 1) - dt.timedelta(days=1))
                      for k, title in enumerate(theme.milestones, 1)]
        windows = [  # (milestone, start, due) for the five actions
            (milestones[0], start, _months(start, 2) - dt.timedelta(days=1)),
            (milestones[0], _months(start, 1), _months(start, 4) + dt.timedelta(days=14)),
            (milestones[0], _months(start, 5) + dt.timedelta(days=5),
             _months(start, 8) - dt.timedelta(days=1)),
            (milestones[1], _months(start, 12), _months(start, 18) - dt.timedelta(days=1)),
            (milestones[1], _months(start, 17), _months(start, 22) - dt.timedelta(days=1)),
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
                      "measures and set monthly status reviews."), effectiveness=3)
    assert ownerless is not None
    add(Comment, target=ownerless.id, author="Improvement coach (illustrative)",
        text=_ill("Who is responsible for this action? Naming one person lets the team track "
                  "it at the monthly status review and ask for support in time."),
        created=dt.datetime.combine(_months(start, 2) + dt.timedelta(days=14),
                                    dt.time(15, 30), tzinfo=dt.UTC))
    return doc


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


def _root_causes(add, priority: Priority, choice: GoalChoice, theme: _Theme,
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
    quarters = [_months(start, 3) - dt.timedelta(days=1),
                _months(start, 6) - dt.timedelta(days=1)]
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
        cause, adjustment = rng.choice(_BEHIND) if status == "behind" else ("", "")
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
