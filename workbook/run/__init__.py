"""Running the workbooks: region manifests, typed parameters, warm kernels, batch runs."""

from typing import TYPE_CHECKING

from workbook.facade import exports

if TYPE_CHECKING:
    from workbook.run.batch import *  # noqa: F403
    from workbook.run.context import *  # noqa: F403
    from workbook.run.kernels import *  # noqa: F403
    from workbook.run.notebooks import *  # noqa: F403
    from workbook.run.params import *  # noqa: F403
    from workbook.run.regions import *  # noqa: F403

__getattr__, __dir__ = exports(__name__, "regions", "params", "context", "notebooks", "kernels",
                               "batch")
