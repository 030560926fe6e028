"""A district's whole plan as YAML: human-editable, reviewable in git, safe to import.

Export writes every record by section with its id and version, between a header that says
what was exported (the district, how many records, a checksum of their ids and versions)
and a last line, `end_of_plan`, that names the district again. Import refuses a file that
lost records or its last line (a cut download, half a copy-paste): a partial file cannot
pass for a whole one. The checksum covers ids and versions, not what the records say,
because the file is there to be edited.

Everything else is checked before anything is written, every problem as `file:line:
message`: the file itself (UTF-8, not a folder or a workbook), the YAML (no duplicate keys,
at most MAX_DEPTH levels deep), the header (a format this code reads, the district id,
the export time), every record (the bounds of `records.base`), ids used twice, links to
records not in the file. Format 1 files, which have no count, checksum or last line, are
still read, with a warning that a partial one cannot be told from a whole one.

Applying the file is `store.apply_document`'s: a record someone changed after the export
is a conflict, not an overwrite, and records missing from the file are kept unless the
import is asked to prune them; `outcome` words what it did, record by record.

It is one module over ~400 lines because the loader, the header check and the record
check share the line bookkeeping (`_Lined`, `_LinedList`), which splitting would expose.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from workbook.errors import WorkbookError
from workbook.files import write_text
from workbook.records.base import YEARS, Record, check_id
from workbook.records.document import KINDS, SECTION, PlanDocument

if TYPE_CHECKING:
    from workbook.store import Changes

FORMAT_VERSION = 2
#: Formats read: 1 (no count, checksum or last line) and 2.
READS = (1, 2)
#: Plans nest four levels; anything past this is not a plan (and would exhaust the stack).
MAX_DEPTH = 50
#: A 130-record plan is some 60 KB.
MAX_BYTES = 50 * 2**20
#: Problems listed before "... and N more".
MAX_PROBLEMS = 100
END = "end_of_plan"
_HEADER = ("workbook_plan", "org_id", "exported_at", "records", "checksum")
_KIND_OF_SECTION = {v: k for k, v in SECTION.items()}
_HEAD = """\
# workbook improvement plan. Edit freely, keep `id` and `version` as they are:
# they tell the import which records you changed and protect against lost updates.
# A new record needs no id or version. Sections: {sections}
# `records` and `checksum` say what was exported (how many records, a digest of their ids
# and versions) and `{end}` is the last line: the import refuses a file that lost any.
"""


class PlanFileError(WorkbookError):
    """A plan file failed validation; `problems` lists every `file:line: message`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def checksum(pairs: Iterable[tuple[str, object]]) -> str:
    """A digest of records' (id, version) pairs in any order: "sha256:" and 16 hex digits."""
    text = "\n".join(sorted(f"{i}:{v}" for i, v in pairs))
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _dump_record(r: Record) -> dict[str, Any]:
    data = r.model_dump(mode="json", exclude={"org_id", "updated_by", "updated_at"})
    return {k: v for k, v in data.items() if v not in (None, "", [], {})
            or k in ("id", "version")}


def to_yaml(doc: PlanDocument, *, exported_at: dt.datetime | None = None) -> str:
    """The plan as YAML text."""
    records = doc.all()
    body: dict[str, Any] = {
        "workbook_plan": FORMAT_VERSION,
        "org_id": doc.org_id,
        "exported_at": (exported_at or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "records": len(records),
        "checksum": checksum((r.id, r.version) for r in records),
    }
    for kind in KINDS:
        if doc.of_kind(kind):
            body[SECTION[kind]] = [_dump_record(r) for r in doc.of_kind(kind)]
    body[END] = doc.org_id
    head = _HEAD.format(sections=", ".join(SECTION[k] for k in KINDS), end=END)
    return head + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)


def export_yaml(doc: PlanDocument, path: str | Path) -> Path:
    """Write the plan to `path` atomically."""
    return write_text(path, to_yaml(doc))


# -------------------------------------------------------------------------- the loader


class _Lined(dict):
    """A mapping that knows the line of itself ("") and of each key."""

    def __init__(self, data: dict, lines: dict[str, int]):
        super().__init__(data)
        self.lines = lines


class _LinedList(list):
    """A list that knows the line of each item."""

    def __init__(self, data: list, lines: list[int]):
        super().__init__(data)
        self.lines = lines


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers lines, refuses duplicate keys and deep nesting, and keeps
    a malformed date or an over-long integer as its text, so that the record's validation
    names the field instead of the loader stopping."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep; a plan needs four",
                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _short(value: object, width: int = 40) -> str:
    text = repr(value.isoformat() if isinstance(value, dt.date) else value)
    return text if len(text) <= width else text[:width - 3] + "..."


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Lined:
    lines = {"": node.start_mark.line + 1}
    first: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        line = key_node.start_mark.line + 1
        key = loader.construct_object(key_node, deep=True)
        try:
            if key in first:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {_short(key)} (also on line {first[key]}); "
                    "keep one", key_node.start_mark)
            first[key] = line
        except TypeError:  # unhashable: construct_mapping below says so
            pass
        lines[str(key)] = line
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    return _Lined(mapping, lines)


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _LinedList:
    return _LinedList(loader.construct_sequence(node, deep=True),
                      [item.start_mark.line + 1 for item in node.value])


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):  # 2024-13-45: the record's check names the field
        return loader.construct_scalar(node)


def _construct_int(loader: _LineLoader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:  # more digits than Python converts
        return loader.construct_scalar(node)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
                            _construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _load(path: Path) -> tuple[Any, int]:
    """The file's YAML and its number of lines; PlanFileError (one line) when unreadable."""
    if path.is_dir():
        raise PlanFileError([f"{path}: is a folder, not a plan file; give the .yaml file "
                             "that `workbook plan export` wrote"])
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise PlanFileError([f"{path}: {size / 2**20:.0f} MB is too big for a plan file "
                                 f"(at most {MAX_BYTES // 2**20} MB); is it the right file?"])
        data = path.read_bytes()
    except FileNotFoundError:
        raise PlanFileError([f"{path}: no such file"]) from None
    except OSError as exc:
        raise PlanFileError([f"{path}: cannot be read: {exc.strerror or exc}"]) from None
    if data.startswith(b"PK\x03\x04"):
        raise PlanFileError([f"{path}: is an Excel workbook or a zip file, not a plan YAML "
                             "file; `plan import` reads the .yaml `plan export` writes (the "
                             "Excel Action status sheet goes in with `plan import-status`)"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise PlanFileError([f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                             "save the file as UTF-8"]) from None
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    try:
        return yaml.load(text, Loader=_LineLoader), lines
    except yaml.reader.ReaderError as exc:
        line = text[:exc.position].count("\n") + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or
                                                                        "\0")
        raise PlanFileError([f"{path}:{line}: not valid YAML: the character U+{char:04X} is "
                             "not allowed in YAML; remove it"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = "" if mark is None else mark.line + 1
        what = _one_line(exc.problem or exc.context or type(exc).__name__)
        if "<stream end>" in what or "end of stream" in what:
            what += " (the file ends too soon: was it cut short?)"
        raise PlanFileError([f"{path}:{where}: not valid YAML: {what}"]) from None
    except yaml.YAMLError as exc:
        raise PlanFileError([f"{path}: not valid YAML: {_one_line(exc)}"]) from None


# -------------------------------------------------------------------------- reading


@dataclass
class PlanFile:
    """A plan file read and checked: the document and what its header said."""

    path: Path
    doc: PlanDocument
    exported_at: dt.datetime | None
    format: int
    lines: dict[str, int] = field(default_factory=dict)  # record id -> line of its entry
    warnings: list[str] = field(default_factory=list)  # `file:line: warning: ...`

    def where(self, record: Record | None) -> str:
        """`file:line` of a record's entry (just `file` for a record not in the file)."""
        line = self.lines.get(record.id) if record else None
        return f"{self.path}:{line}" if line else str(self.path)


def read_yaml(path: str | Path) -> tuple[PlanDocument, dt.datetime | None]:
    """Parse and validate a plan file; raises PlanFileError listing every problem."""
    plan = read_plan(path)
    return plan.doc, plan.exported_at


def read_plan(path: str | Path) -> PlanFile:
    """Parse and check a plan file, header and records; raises PlanFileError listing
    every problem (`file:line: message`), or only the header's when the header shows the
    file is not whole (its records would be noise)."""
    path = Path(path)
    raw, nlines = _load(path)
    if not isinstance(raw, _Lined) or "org_id" not in raw:
        raise PlanFileError([f"{path}:1: not a workbook plan (no org_id at the top); give "
                             "the .yaml file that `workbook plan export` wrote"])
    plan = _header(path, raw, nlines)
    problems: list[str] = []
    doc = plan.doc
    invalid: set[str] = set()  # ids of records already reported, so children stay quiet
    for section, items in raw.items():
        if section in _HEADER or section == END:
            continue
        line = raw.lines.get(str(section))
        kind = _KIND_OF_SECTION.get(section) if isinstance(section, str) else None
        if kind is None:
            problems.append(f"{path}:{line}: unknown section {_short(section)}; expected one "
                            f"of {sorted(_KIND_OF_SECTION)}")
            continue
        if not isinstance(items, _LinedList):
            problems.append(f"{path}:{line}: {section} must be a list of records")
            continue
        for item, item_line in zip(items, items.lines, strict=True):
            record = _read_record(path, kind, item, item_line, doc, problems)
            if record is not None:
                plan.lines.setdefault(record.id, item_line)
            elif isinstance(item, dict) and "id" in item:
                invalid.add(str(item["id"]))
    if plan.format == 1:
        problems += _duplicates(path, raw)
    ids = {r.id for r in doc.all()}
    for r in doc.all():
        pid = r.parent_id
        if pid and pid not in ids and pid not in invalid and r.kind != "organisation":
            problems.append(f"{plan.where(r)}: {r.label()} refers to {r.parent_field} "
                            f"{pid!r}, which is not in the file")
    if problems:
        raise PlanFileError(_capped(path, problems))
    return plan


def _capped(path: Path, problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return problems[:MAX_PROBLEMS] + [f"{path}: ... and {len(problems) - MAX_PROBLEMS} more "
                                      "problems"]


def _entries(raw: _Lined) -> list[tuple[_Lined, int]]:
    """Every mapping in a list under a top-level key, with its line: the records, also
    those of a section whose name was mistyped (reported on its own)."""
    out = []
    for items in raw.values():
        if isinstance(items, _LinedList):
            out += [(item, line) for item, line in zip(items, items.lines, strict=True)
                    if isinstance(item, _Lined)]
    return out


def _duplicates(path: Path, raw: _Lined) -> list[str]:
    """One problem per id used by more than one entry, naming every line."""
    lines: dict[str, list[int]] = {}
    for item, line in _entries(raw):
        if "id" in item:
            lines.setdefault(str(item["id"]), []).append(item.lines.get("id", line))
    return [f"{path}:{at[0]}: id {_short(i)} is used by more than one record (lines "
            f"{', '.join(map(str, at))})" for i, at in lines.items() if len(at) > 1]


def _header(path: Path, raw: _Lined, nlines: int) -> PlanFile:
    """The header checked; PlanFileError when it is wrong or shows the file is not whole."""

    def at(key: str) -> str:
        return f"{path}:{raw.lines.get(key, 1)}"

    version = raw.get("workbook_plan", 1)
    if isinstance(version, bool) or version not in READS:
        raise PlanFileError([f"{at('workbook_plan')}: workbook_plan: {_short(version)} is "
                             "not a plan format this workbook reads "
                             f"({', '.join(map(str, READS))}); export the plan again with "
                             "this version of workbook, or upgrade it"])
    problems: list[str] = []
    org = raw["org_id"]
    org_id = str(org) if isinstance(org, str | int) and not isinstance(org, bool) else ""
    try:
        check_id(org_id, "org_id")
    except ValueError as exc:
        problems.append(f"{at('org_id')}: {exc}; give the district id in quotes, e.g. "
                        "org_id: '27661590000000'")
    exported_at = None
    if raw.get("exported_at") is not None:
        exported_at = _when(raw["exported_at"])
        if exported_at is None:
            problems.append(f"{at('exported_at')}: exported_at: {_short(raw['exported_at'])} "
                            "is not a date and time within "
                            f"{YEARS[0]}-{YEARS[1]} like 2025-01-31T17:00:00+00:00; put back "
                            "what the export wrote")
    warnings = []
    if version == 1:
        warnings.append(f"{path}:{raw.lines.get('workbook_plan', 1)}: warning: a format 1 "
                        "plan file has no record count or checksum, so a partial file "
                        "cannot be told from a whole one; records missing from it are kept. "
                        "Export again for a file that can be checked")
    else:
        problems += _whole(path, raw, nlines, org_id, warnings)
    if problems:
        raise PlanFileError(problems)
    return PlanFile(path, PlanDocument(org_id), exported_at, int(version), warnings=warnings)


def _whole(path: Path, raw: _Lined, nlines: int, org_id: str, warnings: list[str]) -> list[str]:
    """Problems showing a format 2 file is not the whole of what was exported."""
    keys = list(raw)
    twice = _duplicates(path, raw)
    if twice:
        return twice  # reported once, here, rather than as a wrong count
    if END not in raw:
        return [f"{path}:{nlines}: the file ends before its last line `{END}: '{org_id}'`: "
                "it was cut short (a partial download or copy?); nothing was imported. "
                "Export the plan again"]
    after = keys[keys.index(END) + 1:]
    if after:  # a script that loads, edits and dumps the file appends new sections
        warnings.append(f"{path}:{raw.lines.get(str(after[0]))}: warning: "
                        f"{', '.join(map(_short, after))} come(s) after `{END}`, where a cut "
                        f"file would not be noticed; move {END} back to the end")
    if str(raw[END]) != org_id:
        return [f"{path}:{raw.lines[END]}: {END}: {_short(raw[END])} is not the district of "
                f"the header (org_id {org_id!r}, line {raw.lines.get('org_id')}): parts of "
                "two plan files?"]
    count = raw.get("records")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        return [f"{path}:{raw.lines.get('records', 1)}: records: {_short(count)}: the header "
                "needs the number of records exported (format 2)"]
    exported = [(str(item["id"]), item.get("version", 0)) for item, _ in _entries(raw)
                if "id" in item]
    if len(exported) != count:
        return [f"{path}:{raw.lines['records']}: records: the header says {count} records "
                f"were exported, the file holds {len(exported)} with an id: records were cut "
                "or removed (a new record needs no id), so nothing was imported. Export "
                f"again; to drop records on purpose set records: {len(exported)}, delete the "
                "checksum line and import with --prune"]
    if "checksum" not in raw:
        warnings.append(f"{path}:{raw.lines['records']}: warning: no checksum; the records' "
                        "ids and versions were not checked against the export")
    elif str(raw["checksum"]) != checksum(exported):
        return [f"{path}:{raw.lines['checksum']}: checksum: the records' ids and versions do "
                "not match the export's: keep every `id` and `version` as exported. Export "
                "again; to import anyway, delete the checksum line"]
    return []


def _when(value: object) -> dt.datetime | None:
    """The export time, in UTC when no zone is given; None when it is not one."""
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        when = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            when = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if not YEARS[0] <= when.year <= YEARS[1]:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _read_record(path: Path, kind: str, item: Any, line: int, doc: PlanDocument,
                 problems: list[str]) -> Record | None:
    """Validate one entry into `doc`; None (and problems) when it is not valid."""
    section = SECTION[kind]
    if not isinstance(item, _Lined):
        problems.append(f"{path}:{line}: each entry of {section} must be a mapping of "
                        f"field: value, not {_short(item)}")
        return None
    data = {str(k): v for k, v in item.items()}
    data.setdefault("version", 0)
    try:
        return doc.add(KINDS[kind].model_validate({**data, "org_id": doc.org_id}))
    except ValidationError as err:
        for e in err.errors():
            name = str(e["loc"][0]) if e["loc"] else ""
            where = f"{section}.{name}" if name else section
            problems.append(f"{path}:{item.lines.get(name, line)}: {where}: "
                            f"{_one_line(e['msg'].removeprefix('Value error, '))}")
        return None


# -------------------------------------------------------------------------- the outcome


def outcome(plan: PlanFile, changes: Changes, *, dry_run: bool,
            only_blocking: bool = False) -> tuple[list[str], str]:
    """What an import did (or would do) as lines naming records, `file:line: ...` (what
    was added and updated only in a dry run; what was deleted, kept and in conflict
    always), and a summary line of counts."""
    would = "" if changes.applied else "would "
    lines = []
    if dry_run and not only_blocking:
        for verb, records in (("add", changes.added), ("update", changes.updated)):
            lines += [f"{plan.where(r)}: would {verb} {r.named()}" for r in records]
    if not only_blocking:
        lines += [f"{plan.path}: {'would delete' if would else 'deleted'} {r.named()}: not "
                  "in the file (--prune)" for r in changes.deleted]
        lines += [f"{plan.path}: {'would keep' if would else 'kept'} {r.named()}: in the "
                  "store, not in the file (--prune deletes it)" for r in changes.kept]
    for c in changes.blocking if only_blocking else changes.conflicts:
        if changes.resolve == "mine" and not c.elsewhere:
            what = ("add back the file's copy" if c.theirs is None else "delete it"
                    if c.mine is None else "overwrite it with the file's copy")
            what = f"conflict, {would}{what} (--mine)"
        elif changes.resolve == "theirs":
            what = "leave it deleted" if c.theirs is None else "keep the store's copy"
            what = f"conflict, {would}{what} (--theirs)"
        else:
            what = "conflict"
        lines.append(f"{plan.where(c.mine or c.theirs)}: {what}: {c}")
    counts = ", ".join(f"{v} {'conflict' if (k, v) == ('conflicts', 1) else k}"
                       for k, v in changes.counts().items() if v or k not in ("kept", "conflicts"))
    if changes.resolve and changes.conflicts:
        counts += f" ({'the file' if changes.resolve == 'mine' else 'the store'} won)"
    return lines, counts + (" (dry run: nothing changed)" if dry_run else "")


# -------------------------------------------------------------------------- the district


def district_warning(plan: PlanFile, stored: Iterable[str]) -> str | None:
    """A warning line when the plan's district is in no cached state data and has no plan
    in the store (a typo'd id?). Only a warning: a store may hold plans for districts
    outside the loaded regions (a new district, a school, another state)."""
    org_id = plan.doc.org_id
    if org_id in set(stored):
        return None
    from workbook.data import cache

    root = cache.default_root()
    known: set[str] = set()
    for manifest in sorted(root.glob("*/manifest.json")) if root.is_dir() else []:
        try:
            known.update(json.loads(manifest.read_text(encoding="utf-8")).get("districts", []))
        except (OSError, ValueError, AttributeError):
            continue  # a cache being written, or not ours: it knows no districts
    if org_id in known:
        return None
    return (f"{plan.path}: warning: district {org_id!r} is in none of the state data cached "
            f"under {root} ({len(known)} districts) and has no plan in the store yet; "
            "imported anyway. Check the id if that is not what you meant")
