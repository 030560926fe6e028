"""Typed parameters of each workbook, validated before anything runs.

Plain papermill only warns about a parameter the notebook does not declare, so a typo
(`distrct_id=...`) would silently run the default district. Here unknown or misspelt
parameters are errors, both when workbook starts a run and inside the notebook's
validation cell (which reads the cell papermill injected).
"""

from __future__ import annotations

import ast
import difflib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbook.errors import WorkbookError

#: A language code as the catalogs under workbook/i18n/locale are named: "en", "es", "pt_BR".
LANGUAGE = r"^[a-z]{2,3}(_[A-Z]{2})?$"


class ParameterError(WorkbookError):
    """A workbook was given parameters it does not take, or values of the wrong kind."""


class WorkbookParams(BaseModel):
    """Parameters every workbook takes."""

    model_config = ConfigDict(extra="forbid")
    district_id: str = Field(pattern=r"^\d{4,14}$")
    region: str = "sample"
    year: int = Field(ge=2015, le=2100)
    audience: Literal["team", "stakeholder"] = "team"
    database_url: str = ""  # empty: WORKBOOK_DATABASE_URL or the embedded SQLite file
    data_dir: str = ""  # where data/*.csv are written; empty: nowhere
    language: str = Field(default="en", pattern=LANGUAGE)  # the report's language: en, es


class QuarterlyParams(WorkbookParams):
    quarter: int = Field(ge=1, le=4)
    plan_year: int = Field(default=1, ge=1, le=5)  # the plan year the quarter is in
    plan_start: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")  # first day of plan year 1


class StoryParams(WorkbookParams):
    """The annual story (06): the plan year it tells, and the reader's language."""

    plan_year: int = Field(default=1, ge=1, le=5)  # the plan year the story tells
    plan_start: str = Field(default="2024-08-01", pattern=r"^\d{4}-\d{2}-\d{2}$")
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}(_[A-Za-z]{2,4})?$")


class RegionParams(BaseModel):
    """Parameters of a region-level workbook (run once per region, not per district)."""

    model_config = ConfigDict(extra="forbid")
    region: str = "sample"
    year: int = Field(ge=2015, le=2100)
    audience: Literal["team", "stakeholder"] = "team"
    database_url: str = ""  # empty: WORKBOOK_DATABASE_URL or the embedded SQLite file
    data_dir: str = ""  # where data/*.csv are written; empty: nowhere
    as_of: str = Field(default="", pattern=r"^(\d{4}-\d{2}-\d{2})?$")  # empty: quarter end
    providers: str = ""  # providers file; empty: parameters/providers/<region>.yaml
    language: str = Field(default="en", pattern=LANGUAGE)  # the report's language: en, es


#: The district workbooks (run once per district) and their parameters, in the order of the
#: cycle. A notebook under notebooks/ is a district workbook by having an entry here; a run
#: runs those whose file exists (`notebooks.district_notebooks`).
NOTEBOOK_PARAMS: dict[str, type[WorkbookParams]] = {
    "01_needs_assessment": WorkbookParams,
    "02_root_cause_analysis": WorkbookParams,
    "03_strategy_and_measures": WorkbookParams,
    "04_quarterly_report": QuarterlyParams,
    "06_annual_story": StoryParams,
}

#: District workbooks that report on the district's plan: a stakeholder edition of a
#: district with no plan in the store leaves them out rather than publish empty reports
#: (the needs assessment and the annual story say where it stands and how to start).
PLAN_NOTEBOOKS: frozenset[str] = frozenset({
    "02_root_cause_analysis", "03_strategy_and_measures", "04_quarterly_report"})

#: Workbooks run once per region (the batch runs NOTEBOOK_PARAMS once per district).
REGION_NOTEBOOKS: dict[str, type[RegionParams]] = {
    "05_region_network": RegionParams,
}


def check(model: type[BaseModel], values: dict[str, Any], *, where: str = "") -> Any:
    """Validate parameter values; unknown names get a 'did you mean' hint."""
    known = set(model.model_fields)
    problems = []
    for name in values:
        if name not in known:
            guess = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean {guess[0]!r}?)" if guess else ""
            problems.append(f"unknown parameter {name!r}{hint}; this workbook takes "
                            f"{', '.join(sorted(known))}")
    try:
        params = model.model_validate({k: v for k, v in values.items() if k in known})
    except ValidationError as err:
        problems += [f"parameter {'.'.join(map(str, e['loc']))}: {e['msg']}"
                     for e in err.errors()]
        params = None
    if problems:
        prefix = f"{where}: " if where else ""
        raise ParameterError(prefix + "; ".join(problems))
    return params


def injected_names(history: list[str]) -> set[str]:
    """Names assigned in the cell papermill injected ('# Parameters' at the top)."""
    names: set[str] = set()
    for source in history:
        if source.lstrip().startswith("# Parameters"):
            for node in ast.parse(source).body:
                if isinstance(node, ast.Assign):
                    names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def from_namespace(model: type[BaseModel], namespace: dict[str, Any]) -> Any:
    """In a notebook's validation cell: validate the parameters cell and any injected ones."""
    values = {k: namespace[k] for k in model.model_fields if k in namespace}
    extra = injected_names(list(namespace.get("In", []))) - set(model.model_fields)
    values.update({k: namespace[k] for k in extra if k in namespace})
    params = check(model, values, where="notebook parameters")
    language = getattr(params, "language", None)
    if language is not None:  # every notebook's fixed text from here on is in it
        from workbook.i18n import set_language

        set_language(language)
    return params
