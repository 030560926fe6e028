"""Stage 2, assess needs: outcome data by group, gaps, trends, Tool C ratings, SWOT, priorities."""

from typing import TYPE_CHECKING

from workbook.facade import exports

if TYPE_CHECKING:
    from workbook.needs.charts import *  # noqa: F403
    from workbook.needs.model import *  # noqa: F403
    from workbook.needs.priorities import *  # noqa: F403
    from workbook.needs.tables import *  # noqa: F403

__getattr__, __dir__ = exports(__name__, "model", "tables", "charts", "priorities")
