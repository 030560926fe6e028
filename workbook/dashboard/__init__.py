"""California School Dashboard levels and colors, recomputed from CDE's cut points."""

from typing import TYPE_CHECKING

from workbook.facade import exports

if TYPE_CHECKING:
    from workbook.dashboard.levels import *  # noqa: F403

__getattr__, __dir__ = exports(__name__, "levels")
