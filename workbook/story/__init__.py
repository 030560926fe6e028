"""Stage 6, tell the story: the annual report for families, staff and boards.

`story.sections` (what the notebook shows, section by section) is reached by its module name:
its section functions share names with the tables they show.
"""

from typing import TYPE_CHECKING

from workbook.facade import exports

if TYPE_CHECKING:
    from workbook.story.charts import *  # noqa: F403
    from workbook.story.readability import *  # noqa: F403
    from workbook.story.tables import *  # noqa: F403

__getattr__, __dir__ = exports(__name__, "tables", "charts", "readability", "sections")
