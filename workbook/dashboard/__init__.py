"""California School Dashboard levels and colors, recomputed from CDE's cut points."""

from typing import TYPE_CHECKING

from workbook.facade import exports

if TYPE_CHECKING:
    from workbook.dashboard.compute import *  # noqa: F403
    from workbook.dashboard.rules import *  # noqa: F403

__getattr__, __dir__ = exports(__name__, "rules", "compute")
