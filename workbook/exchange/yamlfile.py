"""A district's whole plan as YAML: human-editable, reviewable in git, safe to import.

Export writes every record by section with its id and version. Import validates the whole
file first (every problem as `file:line: message`, nothing written if any), then applies it
in one transaction where each record's version must still match the store's: a record
someone changed after the export is a conflict, not an overwrite.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from workbook.errors import WorkbookError
from workbook.files import write_text
from workbook.records.base import Record
from workbook.records.document import KINDS, SECTION, PlanDocument

FORMAT_VERSION = 1
_KIND_OF_SECTION = {v: k for k, v in SECTION.items()}
_HEAD = """\
# workbook improvement plan. Edit freely, keep `id` and `version` as they are:
# they tell the import which records you changed and protect against lost updates.
# A new record needs no id or version. Sections: {sections}
"""


class PlanFileError(WorkbookError):
    """A plan file failed validation; `problems` lists every `file:line: message`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _dump_record(r: Record) -> dict[str, Any]:
    data = r.model_dump(mode="json", exclude={"org_id", "updated_by", "updated_at"})
    return {k: v for k, v in data.items() if v not in (None, "", [], {})
            or k in ("id", "version")}


def to_yaml(doc: PlanDocument, *, exported_at: dt.datetime | None = None) -> str:
    """The plan as YAML text."""
    body: dict[str, Any] = {
        "workbook_plan": FORMAT_VERSION,
        "org_id": doc.org_id,
        "exported_at": (exported_at or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
    }
    for kind in KINDS:
        if doc.of_kind(kind):
            body[SECTION[kind]] = [_dump_record(r) for r in doc.of_kind(kind)]
    head = _HEAD.format(sections=", ".join(SECTION[k] for k in KINDS))
    return head + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)


def export_yaml(doc: PlanDocument, path: str | Path) -> Path:
    """Write the plan to `path` atomically."""
    return write_text(path, to_yaml(doc))


class _LineLoader(yaml.SafeLoader):
    """Remembers the line of every mapping and key, so errors can point at the file."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    lines = {"": node.start_mark.line + 1}
    for key_node, _ in node.value:
        lines[str(key_node.value)] = key_node.start_mark.line + 1
    return _Lined(mapping, lines)


class _Lined(dict):
    def __init__(self, data: dict, lines: dict[str, int]):
        super().__init__(data)
        self.lines = lines


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: str | Path) -> tuple[PlanDocument, dt.datetime | None]:
    """Parse and validate a plan file; raises PlanFileError listing every problem."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except FileNotFoundError:
        raise PlanFileError([f"{path}:: no such file"]) from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = "" if line is None else line + 1
        raise PlanFileError([f"{path}:{where}: not valid YAML: "
                             f"{getattr(exc, 'problem', exc)}"]) from None
    if not isinstance(raw, _Lined) or "org_id" not in raw:
        raise PlanFileError([f"{path}:1: not a workbook plan (no org_id at the top)"])
    problems: list[str] = []
    org_id = str(raw["org_id"])
    doc = PlanDocument(org_id)
    invalid: set[str] = set()  # ids of records already reported, so children stay quiet
    for section, items in raw.items():
        if section in ("workbook_plan", "org_id", "exported_at"):
            continue
        line = raw.lines.get(section)
        kind = _KIND_OF_SECTION.get(section)
        if kind is None:
            problems.append(f"{path}:{line}: unknown section {section!r}; expected one of "
                            f"{sorted(_KIND_OF_SECTION)}")
            continue
        if not isinstance(items, list):
            problems.append(f"{path}:{line}: {section} must be a list of records")
            continue
        for item in items:
            if not _read_record(path, kind, item, org_id, doc, problems) and isinstance(
                    item, dict) and "id" in item:
                invalid.add(str(item["id"]))
    ids = [r.id for r in doc.all()]
    seen: set[str] = set()
    for r in doc.all():
        if ids.count(r.id) > 1 and r.id not in seen:
            seen.add(r.id)
            problems.append(f"{path}:: id {r.id!r} is used by more than one record")
    for r in doc.all():
        pid = r.parent_id
        if pid and doc.get(pid) is None and pid not in invalid and r.kind != "organisation":
            problems.append(f"{path}:: {r.label()} refers to {r.parent_field} {pid!r}, "
                            "which is not in the file")
    if problems:
        raise PlanFileError(problems)
    exported = raw.get("exported_at")
    when = dt.datetime.fromisoformat(str(exported)) if exported else None
    return doc, when


def _read_record(path: Path, kind: str, item: Any, org_id: str, doc: PlanDocument,
                 problems: list[str]) -> bool:
    """Validate one entry into `doc`; False (and problems) when it is not valid."""
    if not isinstance(item, _Lined):
        problems.append(f"{path}:: each entry of {SECTION[kind]} must be a mapping")
        return False
    data = dict(item)
    data.setdefault("version", 0)
    try:
        doc.add(KINDS[kind].model_validate({**data, "org_id": org_id}))
        return True
    except ValidationError as err:
        for e in err.errors():
            field = str(e["loc"][0]) if e["loc"] else ""
            line = item.lines.get(field, item.lines[""])
            where = f"{SECTION[kind]}.{field}" if field else SECTION[kind]
            problems.append(f"{path}:{line}: {where}: {e['msg']}")
        return False
