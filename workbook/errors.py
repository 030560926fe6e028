"""The one exception root of workbook, so callers can catch what we raise on purpose."""


class WorkbookError(Exception):
    """Root of every error workbook raises on purpose."""
