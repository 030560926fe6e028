"""Identification: who the state supports, computed by its own rules (California's
differentiated assistance and level 3 referral, with the rules as data under
parameters/states/), beside the state's published lists, and the year-over-year analysis
of the State Board item's Appendix A."""

from typing import TYPE_CHECKING

from workbook.facade import exports

if TYPE_CHECKING:
    from workbook.identification.model import *  # noqa: F403
    from workbook.identification.tables import *  # noqa: F403

__getattr__, __dir__ = exports(__name__, "model", "tables", "oregon")
