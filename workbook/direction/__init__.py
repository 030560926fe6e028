"""Stage 1, set the direction: mission, vision, purpose, goals, measures, glossary."""

from typing import TYPE_CHECKING

from workbook.facade import exports

if TYPE_CHECKING:
    from workbook.direction.model import *  # noqa: F403
    from workbook.direction.tables import *  # noqa: F403

__getattr__, __dir__ = exports(__name__, "model", "tables")
