"""The records every stage shares: the base record, organisations and the plan document."""

from typing import TYPE_CHECKING

from workbook.facade import exports

if TYPE_CHECKING:
    from workbook.records.base import *  # noqa: F403
    from workbook.records.document import *  # noqa: F403
    from workbook.records.organisation import *  # noqa: F403

__getattr__, __dir__ = exports(__name__, "base", "organisation", "document")
