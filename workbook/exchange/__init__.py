"""Plans in and out of the store: YAML files, the Tool A Excel workbook, the status sheet."""

from typing import TYPE_CHECKING

from workbook.facade import exports

if TYPE_CHECKING:
    from workbook.exchange.excel import *  # noqa: F403
    from workbook.exchange.yamlfile import *  # noqa: F403

__getattr__, __dir__ = exports(__name__, "yamlfile", "excel")
