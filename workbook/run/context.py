"""Everything one workbook run needs, loaded once: the district's data, plan and names.

The validation cell of every notebook calls `context.load(params)`, so all four workbooks
read the same region data (from the Parquet cache) and the same stored plan.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd

from workbook.data import cache
from workbook.direction.model import GlossaryTerm
from workbook.errors import WorkbookError
from workbook.records.document import PlanDocument
from workbook.run import regions
from workbook.run.params import WorkbookParams
from workbook.store import Store


@dataclass
class Context:
    params: WorkbookParams
    region: regions.Region
    outcomes: pd.DataFrame  # the whole region's tidy table (comparisons need neighbours)
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


@functools.cache
def region_outcomes(region_name: str) -> pd.DataFrame:
    """The region's tidy table from the cache (read once per process: a warm kernel keeps
    it across the notebooks and districts it runs)."""
    region = regions.load(region_name)
    folder = cache.cached(region.source_paths())
    return cache.read_all(folder)


@functools.cache
def _store(url: str) -> Store:
    return Store(url or None)


def load(params: WorkbookParams) -> Context:
    """Load the district's data and plan; a district the data does not know is an error."""
    region = regions.load(params.region)
    outcomes = region_outcomes(params.region)
    rows = outcomes[(outcomes["district_id"] == params.district_id)
                    & (outcomes["org_level"] == "district")]
    if rows.empty:
        known = sorted(outcomes.loc[outcomes["org_level"] == "district", "district_id"].unique())
        raise WorkbookError(f"district {params.district_id!r} is not in region "
                            f"{params.region!r}; districts: {', '.join(known[:30])}")
    doc = _store(params.database_url).document(params.district_id)
    name = str(rows["org_name"].iloc[0])
    return Context(params, region, outcomes, doc, name)
