"""How long the disclosure audit takes: every stakeholder table of the needs assessment for
all 25 districts of the sample region, in one run.

Run: .venv/bin/python benchmarks/disclosure.py

Setup, not timed: the sample region's tidy table and, per district, the frames notebook 01
shows with student counts (color grid, snapshot, flagged groups, one gap chart per
indicator, trend, suggested priorities). Timed, each by the wall clock:

1. publishing: `report.blocks.prepare` for every table in the notebook's order, each
   suppressed (`privacy.suppress`, with the district's earlier tables) and audited together
   with them, as the stakeholder report does;
2. the audit alone: `privacy.audit` over each district's published tables at once (the
   target: well under a second per district);
3. the region: `report.region.audit_region`, as `workbook run` does before it writes the
   landing page: every district's tables audited together, then the region totals (each
   district's all-students count and the region's sum) suppressed against them and audited.

Prints the seconds measured in this one run, per district and per table, and the number of
findings (it must be 0).
"""

from __future__ import annotations

import time

from workbook import data, privacy
from workbook.report import blocks as show
from workbook.report import region
from workbook.report.sections import needs_tables


def main() -> None:
    outcomes = data.load_outcomes(data.sample_sources())
    rows = outcomes[(outcomes["org_level"] == "district") & (outcomes["year"] == 2024)]
    districts = sorted(rows["org_id"].unique())
    frames = {d: needs_tables(outcomes, d) for d in districts}

    published: dict[str, list[privacy.Table]] = {}
    start = time.perf_counter()
    for district in districts:
        tables: list[privacy.Table] = []
        for name, frame, values, keys in frames[district]:
            shown = show.prepare(frame, value_cols=values, key_cols=keys,
                                 audience="stakeholder", state="CA", name=name, earlier=tables)
            tables.append(privacy.Table(name, shown, [k for k in keys if k in frame.columns]))
        published[district] = tables
    publishing = time.perf_counter() - start

    seconds: dict[str, float] = {}
    findings = 0
    for district in districts:
        fresh = [privacy.Table(t.name, t.frame, t.key_cols) for t in published[district]]
        start = time.perf_counter()  # fresh tables: nothing read during publishing is reused
        findings += len(privacy.audit(fresh))
        seconds[district] = time.perf_counter() - start
    audit_total = sum(seconds.values())
    tables = sum(len(t) for t in published.values())
    hidden = sum(int(t.frame["n"].isna().sum()) for ts in published.values() for t in ts)
    slowest = max(seconds, key=seconds.__getitem__)

    totals = region.totals_frame(outcomes, districts, 2024)
    fresh_all = {(d, "01_needs_assessment"): [region.of_district(t, d, "01_needs_assessment")
                                              for t in published[d]] for d in districts}
    start = time.perf_counter()
    checked = region.audit_region(fresh_all, totals, threshold=privacy.threshold_for("CA"),
                                  district_ids=districts)
    region_seconds = time.perf_counter() - start
    shown = checked.totals
    region_hidden = -1 if shown is None else int(shown["n"].isna().sum())
    findings += len(checked.withheld) + (shown is None)

    print(f"districts                                  {len(districts):10d}")
    print(f"tables with student counts                 {tables:10d}")
    print(f"hidden cells (all tables)                  {hidden:10d}")
    print(f"publishing: suppress + audit, all tables   {publishing:10.3f} s")
    print(f"  per table                                {1000 * publishing / tables:10.1f} ms")
    print(f"audit alone, all districts                 {audit_total:10.3f} s")
    print(f"  per table                                {1000 * audit_total / tables:10.1f} ms")
    print(f"  per district, mean                       "
          f"{1000 * audit_total / len(districts):10.1f} ms")
    print(f"  per district, slowest ({slowest})  {1000 * seconds[slowest]:10.1f} ms"
          "   (target: well under 1 s)")
    print(f"region: all tables + totals, audit         {region_seconds:10.3f} s")
    print(f"  totals rows, hidden                      {len(totals):6d} {region_hidden:3d}")
    print(f"findings (and reports withheld)            {findings:10d}   (must be 0)")


if __name__ == "__main__":
    main()
