"""Organisations: state, region (ESD, county office), district, school, with parent links."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import Field

from workbook.records.base import Record, ShortText, Text


class Organisation(Record):
    """An organisation and Tool A's at-a-glance fields for its plan.

    `org_id` is the organisation's own id (CDS code, ODE institution id); `parent` the
    id of the organisation above it (a district's county office or ESD).
    """

    kind: ClassVar[str] = "organisation"
    parent_field: ClassVar[str | None] = "parent"
    level: Literal["state", "region", "district", "school"] = "district"
    name: ShortText
    parent: str = ""
    state: ShortText = "CA"
    county: ShortText = ""
    essa_status: ShortText = ""  # CSI / TSI / ATSI / none
    title_i: bool | None = None
    support_level: ShortText = ""  # e.g. "differentiated assistance", "primary partnership"
    contacts: Text = ""
    leadership_team: list[ShortText] = Field(default_factory=list)
    plan_start: dt.date | None = None
    plan_end: dt.date | None = None
    signatures: list[ShortText] = Field(default_factory=list)
    illustrative: bool = False  # sample content, not a real district's plan
