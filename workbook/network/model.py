"""The network view's inputs: the providers of support a region can send, and everything a
region's plans, results and identification hold, gathered once.

A providers file (``parameters/providers/<region>.yaml``) lists liaisons, coaches, programs
and lead agencies with the Four Domains practices and student groups each can help with,
how many districts each can take on, and the counties each serves. It is validated where it
enters: every problem is reported at once as ``file: providers[2].practices: ...``.

`load` is the one place that reads files and the store (like `workbook.run.context.load`
for a district); every function of `workbook.network.tables` is pure over a `Network`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workbook import paths
from workbook.data.groups import GROUP_NAMES
from workbook.errors import WorkbookError
from workbook.progress.model import SupportType
from workbook.records.base import PracticeCode, check_practice
from workbook.records.document import PlanDocument

ProviderKind = Literal["liaison", "coach", "program", "lead agency"]


class Provider(BaseModel):
    """One provider of support and what it can help with."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
    name: str = Field(min_length=1, max_length=200)
    kind: ProviderKind
    support_types: list[SupportType] = Field(min_length=1)
    practices: list[PracticeCode] = Field(min_length=1)
    student_groups: list[str] = Field(default_factory=lambda: ["ALL"])
    capacity: int = Field(ge=0, le=10_000)  # districts it can support at once
    counties: list[str] = Field(default_factory=list)  # empty: any county of the region
    contact: str = ""

    @field_validator("practices", mode="before")
    @classmethod
    def _practices(cls, v: Any) -> Any:
        return [check_practice(str(c)) for c in v] if isinstance(v, list) else v

    @field_validator("student_groups")
    @classmethod
    def _groups(cls, v: list[str]) -> list[str]:
        out = [g.strip().upper() for g in v]
        unknown = [g for g in out if g not in GROUP_NAMES]
        if unknown:
            raise ValueError(f"unknown student group code(s) {unknown}; codes: "
                             f"{', '.join(GROUP_NAMES)}")
        return out

    def serves(self, county: str) -> bool:
        """Whether the provider works in `county` (an empty list: every county)."""
        return not self.counties or county.strip().lower() in {
            c.strip().lower() for c in self.counties}


class ProvidersFile(BaseModel):
    """A region's providers, with where the list comes from."""

    model_config = ConfigDict(extra="forbid")
    region: str
    source: str = Field(min_length=1)
    illustrative: bool = False
    providers: list[Provider]

    @field_validator("providers")
    @classmethod
    def _unique(cls, v: list[Provider]) -> list[Provider]:
        ids = [p.id for p in v]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"provider ids used more than once: {twice}")
        return v


def providers_path(region: str, given: str = "") -> Path:
    """The providers file: `given`, else parameters/providers/<region>.yaml."""
    if given:
        return Path(given)
    return paths.root() / "parameters" / "providers" / f"{Path(region).stem}.yaml"


def load_providers(path: str | Path) -> ProvidersFile:
    """Read and validate a providers file; WorkbookError lists every problem, by key."""
    path = Path(path)
    if not path.is_file():
        raise WorkbookError(f"{path}: no providers file; write one like "
                            "parameters/providers/sample.yaml")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise WorkbookError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(raw, dict):
        raise WorkbookError(f"{path}: expected keys region, source, illustrative, providers; "
                            f"found {type(raw).__name__}")
    try:
        return ProvidersFile.model_validate(raw)
    except ValidationError as err:
        lines = []
        for e in err.errors():
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"])
            lines.append(f"{path}: {where.lstrip('.') or '(top)'}: {e['msg']}")
        raise WorkbookError("\n".join(lines)) from None


@dataclass
class Network:
    """A region's plans, results and identification, for the network tables.

    `docs` maps district id to its stored plan (an empty document when it has none);
    `names` and `counties` come from the outcome table; `identification` is California's
    computed identification (None elsewhere); `oregon` is the hook for Oregon's growth
    targets, triggers, partnership tier and continuum step (one row per district, see
    `workbook.network.tables.identification_table`), None until that is wired in.
    """

    title: str
    state: str
    year: int
    as_of: dt.date
    docs: Mapping[str, PlanDocument]
    names: Mapping[str, str]
    counties: Mapping[str, str]
    outcomes: pd.DataFrame
    providers: ProvidersFile | None = None
    identification: Any = None  # workbook.identification.tables.Identification | None
    oregon: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    #: the state's assistance lists (California; None elsewhere), for Appendix A by county
    lists: Any = None  # workbook.data.assistance.AssistanceLists | None
    #: the latest earlier year the outcomes hold for these districts (None: one year only)
    prior_year: int | None = None
    #: California's identification for `prior_year` (None when not computable)
    prior_identification: Any = None

    @property
    def district_ids(self) -> list[str]:
        return sorted(self.docs)

    @property
    def illustrative(self) -> bool:
        """Any sample plan or sample provider list in the region."""
        plans = any(d.organisation is not None and d.organisation.illustrative
                    for d in self.docs.values())
        return plans or bool(self.providers and self.providers.illustrative)


def _as_of(region: Any, given: str) -> dt.date:
    """`given` (YYYY-MM-DD), else the last day of the region manifest's quarter."""
    if given:
        return dt.date.fromisoformat(given)
    from workbook.progress.tables import quarter_bounds

    start = dt.date.fromisoformat(region.plan_start)
    return quarter_bounds(start, region.quarter, region.plan_year)[1]


def load(params: Any) -> Network:
    """Everything the network workbook shows, for a `RegionParams`: the region's districts
    (as its manifest selects them), their stored plans, the outcome table, California's
    identification and the providers file (None, with a note, when the region has none)."""
    from workbook.store import Store

    store = Store(params.database_url or None)
    return region_network(params.region, year=params.year, document=store.document,
                          as_of=params.as_of, providers=params.providers)


def region_network(region_name: str, *, year: int, document: Callable[[str], PlanDocument],
                   keep: Callable[[str], bool] | None = None, as_of: str = "",
                   providers: str = "") -> Network:
    """A region's `Network`: its districts as the manifest selects them (only those `keep`
    accepts: the liaison app keeps the districts the signed-in person supports), each
    district's plan from `document` (a store's, or a guarded store's), the outcomes, the
    state's identification this year and the latest earlier year the outcomes hold, and
    the providers file. The one place the network view reads files and the store."""
    from workbook.run import batch, context, regions

    region = regions.load(region_name)
    outcomes = context.region_outcomes(region_name)
    districts = [(d, n) for d, n in batch.district_ids(region, outcomes)
                 if keep is None or keep(d)]
    if not districts:
        raise WorkbookError(f"region {region_name!r} selects no districts in its data"
                            + (" that you support" if keep is not None else ""))
    docs = {d: document(d) for d, _name in districts}
    rows = outcomes[outcomes["org_level"] == "district"].drop_duplicates("district_id")
    counties = dict(zip(rows["district_id"].astype(str), rows["county"].fillna("").astype(str),
                        strict=True))
    notes: list[str] = []
    path = providers_path(region_name, providers)
    found = None
    if path.is_file() or providers:
        found = load_providers(path)
    else:
        notes.append(f"No providers file for this region ({path}), so no matching is "
                     "proposed; write one like parameters/providers/sample.yaml.")
    ids = [d for d, _ in districts]
    prior = prior_year(outcomes, ids, year)
    lists = context.region_lists(region_name) if region.state == "CA" else None
    return Network(title=region.title, state=region.state, year=year,
                   as_of=_as_of(region, as_of), docs=docs,
                   names={d: n for d, n in districts},
                   counties={d: counties.get(d, "") for d, _ in districts},
                   outcomes=outcomes, providers=found,
                   identification=context.region_identification(region_name, year),
                   oregon=oregon_hook(region, outcomes, ids, docs), notes=notes,
                   lists=lists if lists is not None and lists.years else None,
                   prior_year=prior,
                   prior_identification=(context.region_identification(region_name, prior)
                                         if prior is not None else None))


def prior_year(outcomes: pd.DataFrame, district_ids: list[str], year: int) -> int | None:
    """The latest year before `year` for which the outcomes hold district rows of any of
    `district_ids` (None: only one year is loaded, so there is no year over year)."""
    rows = outcomes[(outcomes["org_level"] == "district")
                    & outcomes["district_id"].isin(district_ids)]
    years = sorted({int(y) for y in rows["year"].dropna() if int(y) < year})
    return years[-1] if years else None


def oregon_hook(region: Any, outcomes: pd.DataFrame, district_ids: list[str],
                documents: Mapping[str, PlanDocument] | None = None) -> pd.DataFrame | None:
    """Oregon's identification per district (growth targets met / not met, triggers,
    partnership tier, continuum step) from `workbook.identification.oregon.network_rows`,
    over the plans the network read (`documents`: never another store, so the liaison app's
    guarded reads hold); None outside Oregon.

    The Oregon stage owns the rules; this is the one place the network view asks for them.
    """
    if getattr(region, "state", "") != "OR":
        return None
    from workbook.identification import oregon

    rows = getattr(oregon, "network_rows", None)
    if not callable(rows):
        return None
    return rows(region, outcomes, district_ids, documents=dict(documents or {}))
