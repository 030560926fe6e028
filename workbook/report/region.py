"""What a region publishes, audited together: every district's report tables and the region's
landing page, as one reader would put them side by side.

Each stakeholder report passes `privacy.audit` on its own (`report.blocks`), but a reader of
the region sees more: all the districts' reports and the data files beside them, and the
landing page's totals. A count hidden in one district's report can then be worked out as
the region's total minus the other districts' counts. So the batch, before it writes the
landing page, reads back every table it published (the CSVs under each district's `data/`,
exactly as shown, with their key columns from `report.blocks.TABLES_FILE`), audits them all
at once, and

* withholds every report whose tables give away a cell hidden in another report of the
  region (`RegionAudit.withheld`, with the finding as the reason);
* publishes the region totals (`totals_frame`: all students with results, by indicator, for
  each district and the region) only after suppressing them against all those tables, with
  the relation "the region's total is the sum of its districts" (`region_family`) beside the
  student-group relations, and auditing the result; a totals table that still fails is not
  shown, and the page says why.

The method is `privacy.audit`'s (feasibility intervals over every additive relation, after
tau-ARGUS and sdcTable); the region relation is one more `Family`, over `org_id`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbook import privacy
from workbook.errors import WorkbookError
from workbook.report.blocks import DEFAULT_KEYS, TABLES_FILE

REGION_ID = "region"
"""The `org_id` of the region's own row in the totals (no district has it)."""

TOTALS = "region-totals"
TOTALS_KEYS = ["indicator", "year"]
_TEXT_COLUMNS = ("org_id", "district_id", "indicator", "student_group", "grade")


def region_family(district_ids: Iterable[str]) -> privacy.Family:
    """The region's total is the sum of its districts' counts (a reader can subtract)."""
    return privacy.Family(REGION_ID, tuple(sorted(set(district_ids))), "org_id")


def totals_frame(outcomes: pd.DataFrame, district_ids: Sequence[str], year: int) -> pd.DataFrame:
    """All students with results, by indicator: one row per district (its count as its report
    shows it, before suppression) and one for the region, their sum."""
    from workbook import needs

    by_district = needs.all_students_counts(outcomes, district_ids, year)
    if by_district.empty:
        return pd.DataFrame(columns=["org_id", "org_name", "year", "indicator",
                                     "student_group", "n"])
    by_district["org_id"] = by_district["org_id"].astype(str)
    region = (by_district.groupby(["year", "indicator"], sort=False, as_index=False)["n"]
              .sum(min_count=1)
              .assign(org_id=REGION_ID, org_name="Region", student_group="ALL"))
    out = pd.concat([by_district, region[by_district.columns]], ignore_index=True)
    out["n"] = out["n"].astype("Int64")
    return out


def read_published(folder: Path, district_id: str, notebook: str) -> list[privacy.Table]:
    """The tables with student counts a district's report published, read back from its
    CSVs as a reader sees them; each gets the district's `org_id` when it has none (the
    reader knows whose report it is). Raises WorkbookError naming a file it cannot read."""
    data = folder / "data" / notebook
    if not data.is_dir():
        return []
    try:
        meta = json.loads((data / TABLES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    if not isinstance(meta, dict):
        meta = {}
    tables = []
    for path in sorted(data.glob("*.csv")):
        try:
            with path.open(encoding="utf-8", newline="") as f:
                header = next(csv.reader(f), [])
            if "n" not in header:  # no student counts: nothing to audit
                continue
            frame = pd.read_csv(path, dtype={c: "string" for c in header
                                             if c in _TEXT_COLUMNS or c == "suppressed"},
                                keep_default_na=False, na_values=[""])
            frame["n"] = pd.to_numeric(frame["n"], errors="raise")
        except (OSError, ValueError, csv.Error, pd.errors.ParserError) as problem:
            said = (str(problem).strip().splitlines() or [""])[0]
            raise WorkbookError(f"{path}: cannot read this published data file "
                                f"({type(problem).__name__}: {said})") from problem
        entry = meta.get(path.stem)
        keys = (entry.get("key_cols") if isinstance(entry, dict) else None)
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            keys = [k for k in DEFAULT_KEYS if k in frame.columns]
        means = []  # a status that is a number is an n-weighted mean, as `prepare` reads it
        for col in privacy.Table.mean_cols:
            if col in frame.columns:
                numbers = pd.to_numeric(frame[col], errors="coerce")
                if numbers.notna().sum() == frame[col].notna().sum():
                    frame[col] = numbers
                    means.append(col)
        tables.append(of_district(privacy.Table(path.stem, frame, keys, mean_cols=means),
                                  district_id, notebook))
    return tables


def of_district(table: privacy.Table, district_id: str, notebook: str) -> privacy.Table:
    """A table of a district's report as the region's audit reads it: named
    district/notebook/table, with the district's `org_id` (added when the table has none: the
    reader knows whose report it is) among its key columns, so that the same group in two
    districts' reports is two cells, not one."""
    frame = table.frame
    if "org_id" not in frame.columns:
        frame = frame.assign(org_id=district_id)
    keys = [k for k in dict.fromkeys(["org_id", *table.key_cols]) if k in frame.columns]
    return privacy.Table(f"{district_id}/{notebook}/{table.name}", frame, keys,
                         n_col=table.n_col, mean_cols=table.mean_cols,
                         marker_col=table.marker_col)


@dataclass
class RegionAudit:
    """What the region may publish: the totals as shown (None: withheld, `totals_reason`
    says why) and the reports withheld, by (district, notebook), with the reason."""

    totals: pd.DataFrame | None
    totals_reason: str = ""
    withheld: dict[tuple[str, str], str] = field(default_factory=dict)


def audit_region(published: dict[tuple[str, str], list[privacy.Table]],
                 totals: pd.DataFrame, *, threshold: int, district_ids: Iterable[str],
                 max_rounds: int = 20) -> RegionAudit:
    """Audit every table the region's reports publish together, then suppress and audit the
    totals against them (see the module's docstring). `published` maps (district, notebook)
    to its tables, as `read_published` reads them."""
    family = region_family(district_ids)
    families = [*privacy.FAMILIES, family]
    kept = dict(published)
    withheld: dict[tuple[str, str], str] = {}
    owner = {t.name: key for key, tables in kept.items() for t in tables}
    for _ in range(max_rounds):
        findings = privacy.audit([t for tables in kept.values() for t in tables],
                                 families=families)
        if not findings:
            break
        for finding in findings:
            names = {finding.table, *re.findall(r"'([^']+)'", finding.reason)}
            for name in names & owner.keys():
                if owner[name] in kept:
                    withheld.setdefault(owner[name], f"withheld: {finding}")
                    kept.pop(owner[name])
    else:  # cannot happen: each round withholds at least one report
        return RegionAudit(None, "the region's reports could not be audited", withheld)
    earlier = [t for tables in kept.values() for t in tables]
    if totals.empty:
        return RegionAudit(totals, "", withheld)
    hide = privacy.hidden_in(totals, earlier, key_cols=TOTALS_KEYS, families=families)
    shown = privacy.suppress(totals, threshold=threshold, families=families,
                             key_cols=TOTALS_KEYS, also_hide=hide, earlier=earlier)
    findings = privacy.audit([*earlier, privacy.Table(TOTALS, shown, TOTALS_KEYS,
                                                      mean_cols=())], families=families)
    if findings:
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        return RegionAudit(None, f"refusing to publish table '{TOTALS}': {findings[0]}{more}",
                           withheld)
    return RegionAudit(shown, "", withheld)


def totals_html(shown: pd.DataFrame) -> str:
    """The totals as the landing page shows them: districts by indicator, the region last;
    a hidden count reads as its marker."""
    import html

    if shown.empty:
        return ""
    cells = shown.assign(text=[
        f"{int(n):,}" if not pd.isna(n) else str(m if isinstance(m, str) else "not reported")
        for n, m in zip(shown["n"], shown.get("suppressed", pd.Series([None] * len(shown))),
                        strict=True)])
    order = list(dict.fromkeys(cells["org_id"]))
    names = dict(zip(cells["org_id"], cells["org_name"], strict=True))
    grid = cells.pivot_table(index="org_id", columns="indicator", values="text",
                             aggfunc="first").reindex(order)
    indicators = list(dict.fromkeys(cells["indicator"]))
    from workbook.needs.tables import indicator_name

    head = "".join(f"<th>{html.escape(indicator_name(str(i), short=True))}</th>"
                   for i in indicators)
    body = "".join(
        f"<tr><td>{html.escape(str(names[org]))}</td>"
        + "".join(f"<td>{html.escape('' if pd.isna(grid.at[org, i]) else str(grid.at[org, i]))}"
                  f"</td>" for i in indicators) + "</tr>"
        for org in order)
    return (f"<h2>Students with results, all students</h2><p class='meta'>Each district's "
            f"count as its report shows it, and the region's total; counts that could give "
            f"away a small group are hidden. Data: <a href='data/{TOTALS}.csv'>"
            f"data/{TOTALS}.csv</a></p><table class='wb-table'><thead><tr><th>District</th>"
            f"{head}</tr></thead><tbody>{body}</tbody></table>")
