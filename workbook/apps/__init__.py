"""Click-through apps for liaisons and district teams, served by `workbook serve` (Voila).

Each app is one small module with an `app()` function its notebook in `notebooks/apps/`
calls; `common` holds the frame they share (district picker bound to the URL, the user's
name, messages, charts), `forms` the fields, parsing and conflict-safe saving, `page` the
few lines of CSS and JavaScript the page carries. `workbooks` serves the four report
workbooks (notebooks/0*.ipynb) beside the apps, read-only, chosen by the page address.
"""

#: The apps in navigation order: (notebook name in notebooks/apps, short title).
APPS: tuple[tuple[str, str], ...] = (
    ("needs", "Needs"), ("rating", "Self-reflection"), ("rootcause", "Root causes"),
    ("plan", "Plan"), ("coaching", "Coaching"), ("status", "Monthly status"),
    ("monitor", "Supports and results"), ("network", "Network"))

#: Apps of a whole region, not of one district (no district workbook to link to): the
#: network view (its report is the batch's network.html).
REGION_APPS: frozenset[str] = frozenset({"network"})

#: The read-only workbook (notebooks/<name>.ipynb) each app links to, for the same district.
WORKBOOK_OF_APP: dict[str, str] = {
    "needs": "01_needs_assessment", "rating": "01_needs_assessment",
    "rootcause": "02_root_cause_analysis", "plan": "03_strategy_and_measures",
    "coaching": "03_strategy_and_measures", "status": "04_quarterly_report",
    "monitor": "06_annual_story"}  # stage 6: adjustments and results are the story's
