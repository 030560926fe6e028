"""The report: what a notebook shows (tables, charts, notes), composite sections, the page."""

from typing import TYPE_CHECKING

from workbook.facade import exports

if TYPE_CHECKING:
    from workbook.report.blocks import *  # noqa: F403
    from workbook.report.page import *  # noqa: F403
    from workbook.report.sections import *  # noqa: F403

__getattr__, __dir__ = exports(__name__, "blocks", "sections", "page")
