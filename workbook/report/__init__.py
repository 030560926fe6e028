"""The report: what a notebook shows (tables, charts, notes), composite sections, the page."""
