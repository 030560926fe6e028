"""Illustrative sample plans for Oregon districts, built from their real ODE results.

The plan is written by `workbook.samples.plans.sample_plan` (the same cycle, the same
themes and the same rule of what is real and what is invented), from the district's ODE
rows read as the themes' indicators: chronic absence as chronic absenteeism, the four-year
cohort graduation rate as graduation, percent proficient in ELA as ELA. Everything the
reader sees is then put in Oregon's terms: the goal measures carry ODE's own indicators
(`CHRONIC_ABSENT`, `GRAD4`, `ELA_PROF`), baselines and data sources, with targets that are
longitudinal performance growth targets; evidence cites ODE, not the Dashboard; the
county office becomes the ESD; the glossary carries Oregon's terms
(parameters/states/or/glossary.yaml). Every plan stays marked illustrative.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from workbook import catalogue
from workbook.data.groups import group_name
from workbook.data.model import INDICATORS
from workbook.direction.model import GlossaryTerm, Measure
from workbook.records.document import PlanDocument
from workbook.records.organisation import Organisation
from workbook.samples import plans

#: ODE indicator -> the theme indicator whose texts its goal uses.
AS_THEME = {"CHRONIC_ABSENT": "CHRO", "GRAD4": "GRAD", "ELA_PROF": "ELA"}
SOURCES = {"CHRONIC_ABSENT": "ODE regular attenders report",
           "GRAD4": "ODE cohort graduation media file",
           "ELA_PROF": "ODE Smarter Balanced ELA, rolled up from school rows"}
_WORDS = [  # California words in the invented texts -> Oregon's
    (re.compile(r"California School Dashboard"), "ODE"),
    (re.compile(r"\bDashboard colors\b"), "ODE results"),
    (re.compile(r"\bDashboard\b"), "ODE"),
    (re.compile(r"\bLCAP\b"), "continuous improvement plan"),
    (re.compile(r"\b11 students\b"), "10 students"),
    (re.compile(r"\bELPAC\b"), "ELPA21"),
]


def glossary() -> tuple[tuple[str, str], ...]:
    """(term, definition): the one glossary's terms for Oregon (the general ones, then
    Oregon's own from parameters/states/or/glossary.yaml; none of California's)."""
    return tuple(catalogue.glossary("OR").items())


def _as_themes(rows: pd.DataFrame) -> pd.DataFrame:
    """The district's all-grades ODE rows relabelled with the themes' indicators."""
    f = rows[rows["indicator"].isin(list(AS_THEME)) & (rows["grade"].fillna("all") == "all")]
    return f.assign(indicator=f["indicator"].map(AS_THEME), color=0, status_level=0,
                    change=pd.NA)


def _cite(code: str, group: str, status: float, year: int) -> str:
    who = "" if group == "ALL" else f" ({group_name(group)})"
    what = {"CHRONIC_ABSENT": f"{status:.1f}% chronically absent",
            "GRAD4": f"{status:.1f}% four-year cohort graduation rate",
            "ELA_PROF": f"{status:.1f}% proficient in ELA (levels 3 and 4)"}[code]
    return f"{code}{who}: {what} (ODE {year - 1}-{str(year)[2:]})"


#: A county office, with the county's name before it when there is one ("Benton County
#: Office of Education", "the county office"): in Oregon, the ESD.
_OFFICE = re.compile(r"\b(?:(?!The\b|A\b)[A-Z][A-Za-z.'-]* )?[Cc]ounty [Oo]ffice"
                     r"(?: of Education)?\b")


def _retext(value: object, swaps: list[tuple[str, str]], esd: str) -> object:
    if isinstance(value, str):
        for old, new in swaps:
            value = value.replace(old, new)
        for pattern, new in _WORDS:
            value = pattern.sub(new, value)
        # "Benton County Office of Education" is the ESD, the county's name included
        return _OFFICE.sub(esd, value)
    if isinstance(value, list):
        return [_retext(v, swaps, esd) for v in value]
    return value


def sample_plan(district_id: str, outcomes: pd.DataFrame, *, year: int = 2022,
                start: dt.date = dt.date(2022, 8, 1), esd: str = "the ESD") -> PlanDocument:
    """An illustrative plan for one Oregon district on its real ODE results of `year`."""
    rows = plans.district_rows(outcomes, district_id, year)
    themed = _as_themes(rows)
    frame = pd.concat([outcomes[outcomes["org_id"] != district_id], themed], ignore_index=True)
    # the rows themselves (name, county) as plans.sample_plan reads them
    if themed.empty:
        frame = pd.concat([frame, rows.head(1).assign(indicator="CHRO", status=pd.NA)],
                          ignore_index=True)
    doc = plans.sample_plan(district_id, frame, year=year, start=start)
    back = {v: k for k, v in AS_THEME.items()}
    swaps = [(INDICATORS[theme][0], INDICATORS[code][0]) for code, theme in AS_THEME.items()]
    swaps += [("The county's", f"The {esd}'s"), ("the county", f"the {esd}")]
    cites = [(plans._cite(c, year), _cite(back[c.indicator], c.student_group, c.status, year))
             for c in plans.choose_goals(themed) if c.status is not None]
    swaps = cites + swaps  # whole citations first, then single words
    out = PlanDocument(district_id)
    for record in doc.all():
        if isinstance(record, GlossaryTerm):
            continue
        fields = {k: _retext(v, swaps, esd) for k, v in record.model_dump().items()
                  if k not in ("id", "org_id", "version")}
        if isinstance(record, Measure) and record.state_indicator in back:
            code = back[record.state_indicator]
            fields.update(state_indicator=code, data_source=f"{SOURCES[code]} {year}",
                          indicator=f"{INDICATORS[code][0]}, "
                                    f"{group_name(record.student_group)} (growth target)")
        if isinstance(record, Organisation):
            fields.update(state="OR", parent="")
        out.add(type(record).model_validate({**fields, "id": record.id,
                                             "org_id": record.org_id}))
    n = len(doc.all())
    for i, (term, definition) in enumerate(glossary(), start=1):
        out.add(GlossaryTerm(id=f"{district_id}-g{n + i:04d}", org_id=district_id, term=term,
                             definition=definition))
    return out


def sample_plans(outcomes: pd.DataFrame, district_ids: list[str], *, year: int = 2022,
                 start: dt.date = dt.date(2022, 8, 1),
                 esd: str = "the ESD") -> list[PlanDocument]:
    """An illustrative plan for each of these Oregon districts."""
    return [sample_plan(d, outcomes, year=year, start=start, esd=esd) for d in district_ids]




def load_into(store, outcomes: pd.DataFrame, district_ids: list[str], *, year: int = 2022,
              start: dt.date = dt.date(2022, 8, 1), esd: str = "the ESD",
              user: str = "workbook sample loader") -> int:
    """Save the illustrative plans of these districts where nothing is stored yet (a
    team's own work is never overwritten); returns how many were added."""
    stored = set(store.orgs())
    count = 0
    for d in district_ids:
        if d not in stored:
            store.save_all(sample_plan(d, outcomes, year=year, start=start, esd=esd).all(),
                           user=user)
            count += 1
    return count
