"""The base of every record a district team or liaison types in.

Each record has a stable id, belongs to one organisation, and carries a version that the
store bumps on every save: saving a copy whose version is stale is a conflict, never a
silent overwrite.

Every value is bounded here, where records are made, so SQLite and PostgreSQL accept or
refuse the same things and reports never meet a value they cannot show: ids (the record's,
its organisation's and its parent's) fit the store's 32-character columns, numbers are
finite (and whole numbers within 2**53), dates fall within 1900-2100, and text holds no
control characters or unpaired surrogates (which PostgreSQL, Excel and UTF-8 refuse).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from workbook import catalogue
from workbook.errors import WorkbookError

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
PracticeCode = Annotated[str, StringConstraints(pattern=r"^[1-4][a-c]$")]
ElementCode = Annotated[str, StringConstraints(pattern=r"^[1-4][a-c][1-5]$")]


#: Ids fit the store's String(32) id, org_id and parent_id columns (migration 0001). New
#: ids are 12 hex characters (`new_id`); the sample plans use "<district id>-0001".
ID_MAX = 32
_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{ID_MAX}}}")
#: The store's updated_by column is String(200).
USER_MAX = 200
YEARS = (1900, 2100)
#: The largest version the store's Integer column holds.
VERSION_MAX = 2**31 - 1
#: Whole numbers beyond this lose digits in JSON readers and the apps' browsers.
INT_MAX = 2**53 - 1
#: C0 controls other than tab, newline and carriage return, and unpaired surrogates.
_BAD_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def check_id(value: str, what: str = "id") -> str:
    """`value` if it can be a stored id: 1-32 letters, digits, '-' or '_'."""
    if not _ID.fullmatch(value):
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise ValueError(f"{what} {shown!r} is not an id: ids are 1 to {ID_MAX} letters, "
                         "digits, '-' or '_'")
    return value


def check_text(value: str) -> str:
    """`value` if it holds no character the store, Excel or UTF-8 refuse."""
    bad = _BAD_CHAR.search(value)
    if bad:
        raise ValueError(f"contains the control character U+{ord(bad.group()):04X} at "
                         f"position {bad.start() + 1}; remove it")
    return value


def check_user(name: str) -> str:
    """The name a change is recorded under, stripped; raises WorkbookError when it
    is empty, longer than the store keeps, or holds control characters."""
    name = name.strip()
    if not name:
        raise WorkbookError("every save needs the name of the person making it (--user)")
    if len(name) > USER_MAX:
        raise WorkbookError(f"the user name is {len(name)} characters long; the store keeps "
                            f"at most {USER_MAX}")
    try:
        check_text(name)
    except ValueError as exc:
        raise WorkbookError(f"the user name {exc}") from None
    return name


def _check_values(value: Any) -> None:
    """Dates within YEARS, whole numbers within INT_MAX and clean text, anywhere in a
    field's value."""
    if isinstance(value, str):
        check_text(value)
    elif isinstance(value, int) and abs(value) > INT_MAX:
        raise ValueError(f"the number is too large (more than {INT_MAX})")
    elif isinstance(value, dt.date):  # datetimes too
        if not YEARS[0] <= value.year <= YEARS[1]:
            raise ValueError(f"{value.isoformat()} is not within {YEARS[0]}-{YEARS[1]}")
    elif isinstance(value, list | tuple | set):
        for item in value:
            _check_values(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_values(key)
            _check_values(item)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


#: Fields the store keeps about a record rather than in it.
META_FIELDS = frozenset({"id", "org_id", "version", "updated_by", "updated_at"})


class Record(BaseModel):
    """Fields every stored record shares. `kind` names the table-like collection."""

    # allow_inf_nan=False: every float field, and the floats in containers, is finite
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)
    kind: ClassVar[str] = "record"
    #: the field that links a record to its parent record, if any
    parent_field: ClassVar[str | None] = None

    id: str = Field(default_factory=new_id)
    org_id: str  # the district (or school) whose plan this belongs to
    version: int = Field(default=0, ge=0, le=VERSION_MAX)  # 0 = never saved
    updated_by: str = Field(default="", max_length=USER_MAX)
    updated_at: dt.datetime | None = None

    @field_validator("*")
    @classmethod
    def _bounded(cls, value: Any, info: ValidationInfo) -> Any:
        """Ids that fit the store, dates within YEARS, text without control characters."""
        name = info.field_name
        if name in ("id", "org_id") or (name == cls.parent_field and value):
            check_id(value, "org_id" if name == "org_id" else "id")
        _check_values(value)
        return value

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

    def named(self) -> str:
        """The label and the id ("goal 'Reading' (id 3f2a...)"), for lists of records."""
        label = self.label()
        return label if label.endswith(self.id) else f"{label} (id {self.id})"


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
