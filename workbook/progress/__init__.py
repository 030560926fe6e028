"""Stages 5 and 6, implement, monitor, adjust: status, quarterly tables, results, supports."""

from typing import TYPE_CHECKING

from workbook.facade import exports

if TYPE_CHECKING:
    from workbook.progress.charts import *  # noqa: F403
    from workbook.progress.model import *  # noqa: F403
    from workbook.progress.quarterly import *  # noqa: F403
    from workbook.progress.results import *  # noqa: F403
    from workbook.progress.tables import *  # noqa: F403
    from workbook.progress.year import *  # noqa: F403

__getattr__, __dir__ = exports(__name__, "model", "tables", "quarterly", "year", "results",
                               "charts")
