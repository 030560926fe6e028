"""Stage 3, root cause analysis: symptoms, 5 Whys, fishbone causes coded to practices."""

from typing import TYPE_CHECKING

from workbook.facade import exports

if TYPE_CHECKING:
    from workbook.rootcause.charts import *  # noqa: F403
    from workbook.rootcause.model import *  # noqa: F403
    from workbook.rootcause.tables import *  # noqa: F403

__getattr__, __dir__ = exports(__name__, "model", "tables", "charts")
