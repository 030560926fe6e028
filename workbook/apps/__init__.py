"""Click-through apps for liaisons and district teams, served by `workbook serve` (Voila).

Each app is one small module with an `app()` function its notebook in `notebooks/apps/`
calls; `common` holds the frame they share (district picker bound to the URL, the user's
name, messages, charts), `forms` the fields, parsing and conflict-safe saving, `page` the
few lines of CSS and JavaScript the page carries.
"""

#: The apps in navigation order: (notebook name in notebooks/apps, short title).
APPS: tuple[tuple[str, str], ...] = (
    ("needs", "Needs"), ("rating", "Self-reflection"), ("rootcause", "Root causes"),
    ("plan", "Plan"), ("coaching", "Coaching"), ("status", "Monthly status"))
