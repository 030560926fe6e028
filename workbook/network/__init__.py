"""The network view: every district's coded plan, implementation, outcomes, causes and
supports side by side, and responsive matching of providers to districts (seed 004, the
Strategic Performance Network)."""

from typing import TYPE_CHECKING

from workbook.facade import exports

if TYPE_CHECKING:
    from workbook.network.charts import *  # noqa: F403
    from workbook.network.model import *  # noqa: F403
    from workbook.network.tables import *  # noqa: F403

__getattr__, __dir__ = exports(__name__, "model", "tables", "charts")
