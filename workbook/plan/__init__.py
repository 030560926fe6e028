"""Stage 4, create the plan: strategies, measures, milestones, actions, budget, coverage."""

from typing import TYPE_CHECKING

from workbook.facade import exports

if TYPE_CHECKING:
    from workbook.plan.charts import *  # noqa: F403
    from workbook.plan.model import *  # noqa: F403
    from workbook.plan.tables import *  # noqa: F403

__getattr__, __dir__ = exports(__name__, "model", "tables", "charts")
