"""Reading back the monthly "Action status" sheet of the Tool A workbook: every row checked
(action id, status, date, yes/no, budget), every problem named with its sheet row and column,
and all rows imported or none."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import ValidationError

from workbook.errors import WorkbookError
from workbook.exchange.excel import STATUS_COLUMNS, STATUS_SHEET
from workbook.plan.model import Action
from workbook.progress.model import STATUSES, StatusUpdate
from workbook.records.document import PlanDocument


class ActionStatusError(WorkbookError):
    """The Action status sheet has problems; `problems` lists every `file:row: column: ...`."""

    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s) in the {STATUS_SHEET!r} sheet; "
                         "nothing was imported:\n" + "\n".join(problems))


class _Bad(ValueError):
    """A cell value that cannot be used."""


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _blank(value: Any) -> bool:
    return _text(value) == ""


def _status(value: Any) -> str:
    text = _text(value).lower()
    if not text:
        raise _Bad("missing: choose one of " + ", ".join(STATUSES))
    if text not in STATUSES:
        raise _Bad(f"{value!r} is not a status; choose one of " + ", ".join(STATUSES))
    return text


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if _blank(value):
        raise _Bad("missing: give the date of this status")
    try:
        return dt.date.fromisoformat(_text(value))
    except ValueError:
        raise _Bad(f"{value!r} is not a date (use a date cell or YYYY-MM-DD)") from None


def _yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("", *_NO):
        return False
    if text in _YES:
        return True
    raise _Bad(f"{value!r} is not yes or no")


def _budget(value: Any) -> float:
    if isinstance(value, bool):
        raise _Bad(f"{value!r} is not a number")
    if isinstance(value, int | float):
        amount = float(value)
    elif _blank(value):
        return 0.0
    else:
        try:
            amount = float(_text(value).replace(",", ""))
        except ValueError:
            raise _Bad(f"{value!r} is not a number") from None
    if amount < 0:
        raise _Bad(f"{value!r} is negative; give the amount used so far")
    return amount


_PARSERS = {"Status": ("status", _status), "Date": ("date", _date),
            "Output delivered": ("output_delivered", _yes_no),
            "Budget used": ("budget_used", _budget), "Cause": ("cause", _text),
            "Adjustment": ("adjustment", _text)}


def _open_sheet(path: Path) -> Worksheet:
    if path.is_dir():
        raise WorkbookError(f"{path}: is a folder, not an Excel workbook (.xlsx)")
    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except FileNotFoundError:
        raise WorkbookError(f"{path}: no such file") from None
    except (InvalidFileException, BadZipFile, OSError) as exc:
        raise WorkbookError(f"{path}: not an Excel workbook (.xlsx): {_one_line(exc)}") from None
    except Exception as exc:  # openpyxl raises many types for a damaged file (zlib, XML, ...)
        raise WorkbookError(f"{path}: a damaged Excel workbook ({type(exc).__name__}: "
                            f"{_one_line(exc)}); save it again from Excel, or export the "
                            "plan again") from None
    if STATUS_SHEET not in wb.sheetnames:
        raise WorkbookError(f"{path}: no {STATUS_SHEET!r} sheet; export the plan with "
                            "workbook.exchange.excel.export_plan and fill that sheet in")
    return wb[STATUS_SHEET]


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."


def _find_header(ws: Worksheet, path: Path) -> tuple[int, dict[str, int]]:
    """The header row and header -> column index; raises if a column is missing."""
    for row in ws.iter_rows(min_row=1, max_row=12):
        names = {_text(c.value).lower(): c.column for c in row if not _blank(c.value)}
        if "action id" in names:
            missing = [h for h in STATUS_COLUMNS if h.lower() not in names]
            if missing:
                raise ActionStatusError(path, [f"{path}:{row[0].row}: {h}: column is missing"
                                               for h in missing])
            return row[0].row, {h: names[h.lower()] for h in STATUS_COLUMNS}
    raise WorkbookError(f"{path}: the {STATUS_SHEET!r} sheet has no header row with "
                        "'Action id' in its first 12 rows")


def _read_row(values: dict[str, Any], where: str, doc: PlanDocument, action_ids: set[str],
              problems: list[str]) -> StatusUpdate | None:
    """One filled-in row as a StatusUpdate, or None with its problems appended."""
    before = len(problems)
    action_id = _text(values["Action id"])
    if not action_id:
        problems.append(f"{where}: Action id: missing; every filled-in row needs its action id")
    elif action_id not in action_ids:
        problems.append(f"{where}: Action id: {action_id!r} is not an action of this plan")
    data: dict[str, Any] = {"action": action_id, "org_id": doc.org_id}
    for header, (name, parse) in _PARSERS.items():
        try:
            data[name] = parse(values[header])
        except _Bad as exc:
            problems.append(f"{where}: {header}: {exc}")
    if len(problems) > before:
        return None
    try:
        return StatusUpdate(**data)
    except ValidationError as exc:
        for err in exc.errors():
            column = _FIELD_COLUMN.get(str(err["loc"][0]) if err["loc"] else "", "row")
            problems.append(f"{where}: {column}: {err['msg'].removeprefix('Value error, ')}")
        return None


def import_action_status(path: str | Path, doc: PlanDocument) -> list[StatusUpdate]:
    """Read the filled-in Action status sheet into new StatusUpdate records.

    Every row is checked before anything is returned; rows left blank (nothing filled in
    after the owner and due date) are skipped. Any problem raises ActionStatusError (a
    WorkbookError) listing each one as `file:row: column: message`, with Excel row numbers.
    """
    path = Path(path)
    ws = _open_sheet(path)
    head, columns = _find_header(ws, path)
    action_ids = {a.id for a in doc.of(Action)}
    problems: list[str] = []
    updates: list[StatusUpdate] = []
    for number, row in enumerate(ws.iter_rows(min_row=head + 1, values_only=True), head + 1):
        values = {h: row[c - 1] if c <= len(row) else None for h, c in columns.items()}
        if all(_blank(values[h]) for h in _FILL_IN):
            continue
        update = _read_row(values, f"{path}:{number}", doc, action_ids, problems)
        if update is not None:
            updates.append(update)
    if problems:
        raise ActionStatusError(path, problems)
    return updates


_FILL_IN = ("Status", "Date", "Output delivered", "Budget used", "Cause", "Adjustment")


_FIELD_COLUMN = {"action": "Action id", "status": "Status", "date": "Date",
                 "output_delivered": "Output delivered", "budget_used": "Budget used",
                 "cause": "Cause", "adjustment": "Adjustment"}


_YES = ("yes", "y", "true", "1")


_NO = ("no", "n", "false", "0")
