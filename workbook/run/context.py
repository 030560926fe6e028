"""Everything one workbook run needs, loaded once: the district's data, plan and names.

The validation cell of every notebook calls `context.load(params)`, so all four workbooks
read the same region data (from the Parquet cache) and the same stored plan.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd

from workbook.data import cache
from workbook.data.assistance import AssistanceLists
from workbook.direction.model import GlossaryTerm
from workbook.errors import WorkbookError
from workbook.identification.tables import Identification
from workbook.records.document import PlanDocument
from workbook.run import regions
from workbook.run.params import WorkbookParams
from workbook.store import Store


@dataclass
class Context:
    params: WorkbookParams
    region: regions.Region
    # the rows the district is compared with: its county's LEAs and their schools, and the
    # state's rows (`district_outcomes`; the whole region when the district has no county)
    outcomes: pd.DataFrame
    doc: PlanDocument
    district_name: str

    @property
    def district(self) -> pd.DataFrame:
        """This district's rows, its schools included."""
        return self.outcomes[self.outcomes["district_id"] == self.params.district_id]

    @property
    def illustrative(self) -> bool:
        org = self.doc.organisation
        return bool(org and org.illustrative)

    @property
    def glossary(self) -> dict[str, str]:
        """The plan's own glossary terms."""
        return {t.term: t.definition for t in self.doc.of(GlossaryTerm)}

    @property
    def has_plan(self) -> bool:
        return len(self.doc.all()) > 1

    @property
    def identification(self) -> Identification | None:
        """The region's identification for the workbook's Dashboard year (see
        `region_identification`)."""
        return region_identification(self.params.region, self.params.year)

    @property
    def lists(self) -> AssistanceLists:
        """The region's state assistance lists (differentiated assistance, ESSA), decoded."""
        return region_lists(self.params.region)


#: A region's manifest, read once per process (like its data, `region_outcomes`).
_region = functools.lru_cache(maxsize=8)(regions.load)


@functools.cache
def region_outcomes(region_name: str) -> pd.DataFrame:
    """The region's tidy table from the cache (read once per process: a warm kernel keeps
    it across the notebooks and districts it runs)."""
    region = regions.load(region_name)
    folder = cache.cached(region.source_paths())
    return cache.read_all(folder)


@functools.cache
def region_lists(region_name: str) -> AssistanceLists:
    """The state's assistance lists among the region's sources, decoded, from the cache
    (read once per process, like `region_outcomes`)."""
    region = regions.load(region_name)
    return cache.read_lists(cache.cached_lists(region.source_paths()))


@functools.cache
def region_identification(region_name: str, year: int) -> Identification | None:
    """The state's identification of the region's LEAs for a Dashboard year, computed by
    the rules under parameters/states (None when the region is not Californian or the
    year has no rules file)."""
    from workbook.identification import model, tables

    region = regions.load(region_name)
    if region.state != "CA" or year not in model.years(region.state):
        return None
    return tables.identify_with_prior(region_outcomes(region_name), year,
                                      region_lists(region_name))


@functools.lru_cache(maxsize=2)
def district_outcomes(region_name: str, district_id: str) -> pd.DataFrame:
    """The region's rows a district's workbooks read: the district's own (its schools too),
    every LEA of its county with their schools (the county comparison) and the state's rows;
    in the same order and with the same index as in the region's table, so every result is
    what the whole table gives. Cut once per district: the district's workbooks run one
    after another on a warm kernel, and a statewide table is ~100,000 rows that each
    filter of every table would otherwise scan (`benchmarks/statewide.py`)."""
    from workbook.needs.tables import STATE_ID

    outcomes = region_outcomes(region_name)
    mine = (outcomes["district_id"] == district_id).fillna(False).to_numpy(bool)
    counties = outcomes.loc[mine, "county"].dropna().unique()
    if len(counties) != 1 or not str(counties[0]).strip():
        return outcomes  # no one county to compare with: the whole region
    keep = (mine | (outcomes["county"] == counties[0]).fillna(False).to_numpy(bool)
            | (outcomes["org_level"] == "state").fillna(False).to_numpy(bool)
            | (outcomes["org_id"] == STATE_ID).fillna(False).to_numpy(bool))
    return outcomes if keep.all() else outcomes[keep]


@functools.cache
def _store(url: str) -> Store:
    return Store(url or None)


def load(params: WorkbookParams) -> Context:
    """Load the district's data and plan; a district the data does not know is an error."""
    region = _region(params.region)
    outcomes = district_outcomes(params.region, params.district_id)
    rows = outcomes[(outcomes["district_id"] == params.district_id)
                    & (outcomes["org_level"] == "district")]
    if rows.empty:
        whole = region_outcomes(params.region)
        known = sorted(whole.loc[whole["org_level"] == "district", "district_id"].unique())
        raise WorkbookError(f"district {params.district_id!r} is not in region "
                            f"{params.region!r}; districts: {', '.join(known[:30])}")
    doc = _store(params.database_url).document(params.district_id)
    name = str(rows["org_name"].iloc[0])
    return Context(params, region, outcomes, doc, name)
