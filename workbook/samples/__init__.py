"""Illustrative sample plans built from real district results, and the bundled state files."""

from typing import TYPE_CHECKING

from workbook.facade import exports

if TYPE_CHECKING:
    from workbook.samples.plans import *  # noqa: F403

__getattr__, __dir__ = exports(__name__, "plans")
