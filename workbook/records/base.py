"""The base of every record a district team or liaison types in.

Each record has a stable id, belongs to one organisation, and carries a version that the
store bumps on every save: saving a copy whose version is stale is a conflict, never a
silent overwrite.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from workbook import catalogue
from workbook.errors import WorkbookError

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
PracticeCode = Annotated[str, StringConstraints(pattern=r"^[1-4][a-c]$")]
ElementCode = Annotated[str, StringConstraints(pattern=r"^[1-4][a-c][1-5]$")]


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


#: Fields the store keeps about a record rather than in it.
META_FIELDS = frozenset({"id", "org_id", "version", "updated_by", "updated_at"})


class Record(BaseModel):
    """Fields every stored record shares. `kind` names the table-like collection."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    kind: ClassVar[str] = "record"
    #: the field that links a record to its parent record, if any
    parent_field: ClassVar[str | None] = None

    id: str = Field(default_factory=new_id)
    org_id: str  # the district (or school) whose plan this belongs to
    version: int = 0  # 0 = never saved
    updated_by: str = ""
    updated_at: dt.datetime | None = None

    @property
    def parent_id(self) -> str | None:
        return getattr(self, self.parent_field) if self.parent_field else None

    @property
    def practice_code(self) -> str | None:
        return getattr(self, "practice", None) or None

    def content(self, **dump: Any) -> dict[str, Any]:
        """What the record says, without the store's bookkeeping (META_FIELDS)."""
        return self.model_dump(exclude=set(META_FIELDS), **dump)

    def label(self) -> str:
        """A short human name for messages ("strategy 'Tiered supports'")."""
        for name in ("title", "name", "text", "statement", "indicator", "element", "term"):
            value = getattr(self, name, None)
            if value:
                short = value if len(value) <= 60 else value[:57] + "..."
                return f"{self.kind} {short!r}"
        return f"{self.kind} {self.id}"


#: Any one kind of record, for functions typed by the kind they are given.
R = TypeVar("R", bound=Record)


def check_practice(code: str | None) -> str | None:
    """Validate a Four Domains practice code against the catalogue."""
    if code in (None, ""):
        return None
    try:
        catalogue.practice(code)
    except WorkbookError as exc:  # pydantic reports ValueErrors field by field
        raise ValueError(str(exc)) from None
    return code.strip().lower()
