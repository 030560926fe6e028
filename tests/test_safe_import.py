"""`plan import` loses nothing and explains everything: a partial file is refused, records
missing from a file are kept unless --prune, --dry-run changes nothing, conflicts stop the
import until --mine or --theirs decides, and every bad input is one line and exit 1.

Run through the command in-process (typer's CliRunner), on SQLite and on PostgreSQL; each
PostgreSQL test works in a schema of its own, so other tests sharing the server are not
disturbed. "Unchanged" is checked on a full dump of the records table.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
import yaml
from pgserver import SKIP_REASON, postgres_url, require
from typer.testing import CliRunner, Result

from workbook.cli import app
from workbook.direction.model import Goal
from workbook.exchange.yamlfile import checksum, read_plan
from workbook.needs.model import SwotEntry
from workbook.store import RECORDS, Store, apply_document

ORG = "27659950000000"
FIXTURE = Path(__file__).parent / "fixtures" / "sample_plans" / f"{ORG}.yaml"
#: How many records the sample plan holds, read from the file (it grows with the tools).
SAMPLE = len(read_plan(FIXTURE).doc.all())
XLSX = (Path(__file__).parents[1] / "workbook" / "samples" / "data" / "or_ode"
        / "regularattenders_report_2122.xlsx")


# ------------------------------------------------------------------------------ helpers


def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a fresh schema, dropped afterwards."""
    base = require(postgres_url(), SKIP_REASON)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        yield from pg_schema_url()


def load_sample(url: str) -> None:
    """The illustrative plan of ORG (SAMPLE records) into the store at `url`, saved a while
    ago: the store keeps whole seconds, so a record saved in the second of an export
    counts as saved after it."""
    store = Store(url)
    apply_document(store, read_plan(FIXTURE).doc, user="setup", exported_at=None)
    with store.engine.begin() as conn:
        conn.execute(RECORDS.update().values(updated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)))
    store.engine.dispose()


def cli(*args: object) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def dump(url: str) -> list[tuple]:
    """Every row of the records table, comparable."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(RECORDS).order_by(RECORDS.c.id)).all()
    finally:
        engine.dispose()
    return [tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict) else v for v in row)
            for row in rows]


def one_line(result: Result) -> str:
    """The one line a failed command printed (stdout and stderr together)."""
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


class _AsText(yaml.SafeLoader):
    """Dates and whole numbers as their text: rehead must read what the import refuses."""


_AsText.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)
_AsText.add_constructor("tag:yaml.org,2002:int", yaml.SafeLoader.construct_scalar)


def rehead(text: str) -> str:
    """The file with `records` and `checksum` made to match its records again (as a user
    who knows the format would), so a record's own problem is what the import reports."""
    raw = yaml.load(text, Loader=_AsText)
    ids = [(str(item["id"]), item.get("version", 0)) for key, items in raw.items()
           if isinstance(items, list) for item in items
           if isinstance(item, dict) and "id" in item]
    text = re.sub(r"(?m)^records: .*$", f"records: {len(ids)}", text)
    return re.sub(r"(?m)^checksum: .*$", f"checksum: {checksum(ids)}", text)


@pytest.fixture()
def exported(url, tmp_path) -> Path:
    """The sample plan stored at `url` and exported by `plan export`."""
    load_sample(url)
    path = tmp_path / "plan.yaml"
    result = cli("plan", "export", ORG, "-o", path, "--database", url)
    assert result.exit_code == 0, result.output
    return path


def imported(path: Path, url: str, *extra: object) -> Result:
    return cli("plan", "import", path, "--database", url, "--user", "cy", *extra)


# ------------------------------------------------------------------------- partial files


def test_the_export_says_what_it_holds(exported):
    text = exported.read_text(encoding="utf-8")
    assert re.search(r"(?m)^workbook_plan: 2$", text)
    assert re.search(rf"(?m)^org_id: '{ORG}'$", text)
    assert re.search(rf"(?m)^records: {SAMPLE}$", text)
    assert re.search(r"(?m)^checksum: sha256:[0-9a-f]{16}$", text)
    assert text.endswith(f"end_of_plan: '{ORG}'\n")
    plan = read_plan(exported)
    assert (plan.format, len(plan.doc.all()), plan.warnings) == (2, SAMPLE, [])


def test_a_cut_file_is_refused_and_changes_nothing(exported, url, tmp_path):
    """The issue's case: the first two thirds of the file used to delete 37 records."""
    lines = exported.read_text(encoding="utf-8").splitlines(keepends=True)
    record_starts = [i for i, line in enumerate(lines) if line.startswith("- id:")]
    inside = next(i for i, line in enumerate(lines) if i > len(lines) // 2
                  and line.startswith("  version:"))  # the record keeps only its id
    cuts = {"two thirds": len(lines) * 2 // 3,
            "at a record's start": record_starts[len(record_starts) // 2],
            "inside a record": inside,
            "only the last line lost": len(lines) - 1}
    before = dump(url)
    cut = tmp_path / "cut.yaml"
    for name, n in cuts.items():
        cut.write_text("".join(lines[:n]), encoding="utf-8")
        line = one_line(result := imported(cut, url))
        assert result.exit_code == 1, (name, result.output)
        assert re.match(rf"{re.escape(str(cut))}:{n}: the file ends before its last line "
                        rf"`end_of_plan: '{ORG}'`: it was cut short", line), (name, line)
    # cut at any character: the YAML may break too, but it is always one line and refused
    text = exported.read_text(encoding="utf-8")
    for at in range(100, len(text) - 1, len(text) // 7):
        cut.write_text(text[:at], encoding="utf-8")
        line = one_line(result := imported(cut, url))
        assert result.exit_code == 1 and line.startswith(f"{cut}:"), (at, line)
    assert dump(url) == before


def test_records_lost_from_the_middle_are_refused(exported, url):
    data = yaml.safe_load(exported.read_text(encoding="utf-8"))
    data["swot"] = data["swot"][1:]
    exported.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    before = dump(url)
    line = one_line(result := imported(exported, url))
    assert result.exit_code == 1
    assert re.match(rf"{re.escape(str(exported))}:\d+: records: the header says {SAMPLE} "
                    f"records were exported, the file holds {SAMPLE - 1} with an id", line), line
    assert dump(url) == before


def test_a_changed_id_or_version_fails_the_checksum(exported, url):
    text = exported.read_text(encoding="utf-8")
    exported.write_text(text.replace("version: 1\n", "version: 2\n", 1), encoding="utf-8")
    line = one_line(result := imported(exported, url))
    assert result.exit_code == 1 and re.match(
        rf"{re.escape(str(exported))}:\d+: checksum: the records' ids and versions do not "
        "match", line), line


def as_format_1(text: str) -> str:
    """An export as the previous version wrote it: no count, checksum or last line."""
    text = re.sub(r"(?m)^(records|checksum|end_of_plan): .*\n", "", text)
    return text.replace("workbook_plan: 2\n", "workbook_plan: 1\n")


def test_a_format_1_file_is_read_with_a_warning_and_keeps_what_it_lacks(exported, url,
                                                                        tmp_path):
    lines = as_format_1(exported.read_text(encoding="utf-8")).splitlines(keepends=True)
    part = tmp_path / "old.yaml"
    part.write_text("".join(lines[:len(lines) * 2 // 3]), encoding="utf-8")
    before = dump(url)
    result = imported(part, url)
    assert result.exit_code == 0, result.output
    assert f"{part}:6: warning: a format 1 plan file has no record count or checksum" in (
        result.stderr)
    kept = [line for line in result.stdout.splitlines() if ": kept " in line]
    assert len(kept) > 30 and all("not in the file (--prune deletes it)" in k for k in kept)
    assert [r[0] for r in dump(url)] == [r[0] for r in before]  # nothing deleted


# ---------------------------------------------------------------- kept, pruned, dry run


def _drop_first_swot(path: Path) -> str:
    """Remove a record on purpose, as the refusal message says to; returns its id."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    gone = data["swot"].pop(0)["id"]
    data["records"] -= 1
    del data["checksum"]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")
    return gone


def test_missing_records_are_kept_and_listed_and_prune_deletes_them(exported, url):
    gone = _drop_first_swot(exported)
    before = dump(url)
    result = imported(exported, url)
    assert result.exit_code == 0, result.output
    assert "warning: no checksum" in result.stderr
    [kept] = [line for line in result.stdout.splitlines() if "kept" in line]
    assert kept.startswith(f"{exported}: kept swot ") and f"(id {gone})" in kept
    assert f"0 added, 0 updated, {SAMPLE - 1} unchanged, 0 deleted, 1 kept" in result.stderr
    assert dump(url) == before

    result = imported(exported, url, "--prune", "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"{exported}: would delete swot " in result.stdout
    assert "1 deleted" in result.stderr and "dry run: nothing changed" in result.stderr
    assert dump(url) == before

    result = imported(exported, url, "--prune")
    assert result.exit_code == 0, result.output
    assert f"{exported}: deleted swot " in result.stdout
    after = dump(url)
    assert [r[0] for r in after] == [r[0] for r in before if r[0] != gone]


def test_prune_never_deletes_what_was_saved_after_the_export(exported, url):
    store = Store(url)
    late = store.save(Goal(org_id=ORG, title="Added in the app after the export"),
                      user="liaison")
    before = dump(url)
    result = imported(exported, url, "--prune")
    assert result.exit_code == 1
    assert (f"{exported}: conflict: goal 'Added in the app after the export' is not in the "
            "file and was saved by liaison") in result.stdout
    assert dump(url) == before
    assert imported(exported, url, "--prune", "--theirs").exit_code == 0
    assert store.get(late.id) is not None
    result = imported(exported, url, "--prune", "--mine")
    assert result.exit_code == 0, result.output
    assert "conflict, delete it (--mine): goal 'Added in the app" in result.stdout
    assert store.get(late.id) is None
    store.engine.dispose()


def test_dry_run_touches_nothing(exported, url):
    data = yaml.safe_load(exported.read_text(encoding="utf-8"))
    data["goals"][0]["title"] = "Edited in the file"
    data["glossary"].insert(0, {"term": "New term", "definition": "added in the file"})
    data["swot"].pop(0)
    data["records"] -= 1
    del data["checksum"]
    exported.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
    store = Store(url)
    other = store.document(ORG).of(Goal)[1]
    store.save(other.model_copy(update={"title": "Changed in the app"}), user="liaison")
    data["goals"][1]["title"] = "Changed in the file too"
    exported.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
    before = dump(url)
    result = imported(exported, url, "--dry-run", "--prune")
    assert result.exit_code == 1  # the real import would stop at the conflict
    out = result.stdout
    assert re.search(r":\d+: would add glossary 'New term'", out), out
    assert re.search(r":\d+: would update goal 'Edited in the file'", out), out
    assert ": would delete swot " in out
    assert re.search(r":\d+: conflict: goal 'Changed in the file too' was changed by liaison",
                     out), out
    assert (f"1 added, 1 updated, {SAMPLE - 3} unchanged, 1 deleted, 1 conflict"
            in result.stderr)
    result = imported(exported, url, "--dry-run", "--prune", "--mine")
    assert result.exit_code == 0
    assert "conflict, would overwrite it with the file's copy (--mine)" in result.stdout
    assert dump(url) == before
    store.engine.dispose()


@pytest.mark.parametrize("side", ["mine", "theirs"])
def test_conflicts_name_the_records_and_mine_or_theirs_decides(exported, url, side):
    store = Store(url)
    first, second = store.document(ORG).of(Goal)[:2]
    store.save(first.model_copy(update={"title": "Changed in the app"}), user="liaison")
    data = yaml.safe_load(exported.read_text(encoding="utf-8"))
    data["goals"][0]["title"] = "Changed in the file"
    data["goals"][1]["title"] = "Only the file changed this"
    exported.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
    before = dump(url)
    result = imported(exported, url)
    assert result.exit_code == 1
    [line] = result.stdout.splitlines()
    assert re.match(rf"{re.escape(str(exported))}:\d+: conflict: goal 'Changed in the file' "
                    r"was changed by liaison at .* \(version 2\) after the file's version 1$",
                    line), line
    assert "nothing was imported. Run again with --theirs" in result.stderr
    assert dump(url) == before
    result = imported(exported, url, f"--{side}")
    assert result.exit_code == 0, result.output
    titles = {g.id: g.title for g in store.document(ORG).of(Goal)}
    assert titles[second.id] == "Only the file changed this"
    assert titles[first.id] == ("Changed in the file" if side == "mine"
                                else "Changed in the app")
    store.engine.dispose()


def test_a_record_deleted_in_the_store_after_the_export_is_a_conflict(exported, url):
    store = Store(url)
    swot = store.document(ORG).of(SwotEntry)[0]
    store.delete(swot, user="liaison")
    before = dump(url)
    result = imported(exported, url)
    assert result.exit_code == 1
    assert "was deleted from the store after the file was exported" in result.stdout
    assert dump(url) == before
    assert imported(exported, url, "--theirs").exit_code == 0
    assert store.get(swot.id) is None
    result = imported(exported, url, "--mine")
    assert result.exit_code == 0, result.output
    assert store.get(swot.id) is not None
    store.engine.dispose()


def test_a_record_of_another_district_is_never_overwritten(exported, url):
    text = exported.read_text(encoding="utf-8").replace(f"'{ORG}'", "'27661590000000'")
    exported.write_text(text, encoding="utf-8")
    before = dump(url)
    for extra in ((), ("--mine",)):
        result = imported(exported, url, *extra)
        assert result.exit_code == 1
        assert f"is a record of '{ORG}' in the store, not of '27661590000000'" in result.stdout
    assert dump(url) == before


def test_a_district_no_loaded_data_knows_is_imported_with_a_warning(url, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("WORKBOOK_CACHE_DIR", str(tmp_path / "no-cache"))
    path = tmp_path / "new.yaml"
    path.write_text(f"workbook_plan: 2\norg_id: '99999999999999'\nrecords: 0\n"
                    f"checksum: {checksum([])}\n"
                    "goals:\n- title: A district of its own\nend_of_plan: '99999999999999'\n",
                    encoding="utf-8")
    result = imported(path, url)
    assert result.exit_code == 0, result.output
    assert (f"{path}: warning: district '99999999999999' is in none of the state data "
            "cached") in result.stderr
    result = imported(path, url)  # now the store holds it: no warning
    assert "warning" not in result.stderr


# ------------------------------------------------------------------------ bad input


def _replace(pattern: str, new: str, *, fix: bool = True) -> Callable[[str], str]:
    def change(text: str) -> str:
        changed, n = re.subn(pattern, new, text, count=1, flags=re.MULTILINE)
        assert n == 1, pattern
        return rehead(changed) if fix else changed
    return change


_FIRST_GOAL = r"^(goals:\n- id: \S+\n  version: \d+\n)  title: .*\n(    .*\n)*"
BAD: dict[str, tuple[Callable[[str], str] | bytes | None, str]] = {
    "not UTF-8": (lambda t: t.replace("title: ", "title: \udcff", 1), r":\d+: not UTF-8 text "
                  r"\(byte 0xff\)"),
    "an .xlsx renamed": (XLSX.read_bytes(), ": is an Excel workbook or a zip file"),
    "a folder": (None, ": is a folder, not a plan file"),
    "an empty file": (b"", r":1: not a workbook plan"),
    "a list": (b"- org_id: x\n", r":1: not a workbook plan"),
    "unquoted impossible date": (_replace(r"^  due: .*$", "  due: 2024-13-45"),
                                 r":\d+: (milestones|actions)\.due: .*month value is outside"),
    "a date in 1800": (_replace(r"^  due: .*$", "  due: '1800-01-01'"),
                       r":\d+: (milestones|actions)\.due: .*1800-01-01 is not within 1900-2100"),
    "malformed exported_at": (_replace(r"^exported_at: .*$", "exported_at: last tuesday"),
                              r":\d+: exported_at: 'last tuesday' is not a date and time"),
    "100,000-deep list": (_replace(_FIRST_GOAL, r"\1  title: " + "[" * 100_000 + "]" * 100_000
                                   + "\n", fix=False), r":\d+: not valid YAML: nested more "
                          "than 50 levels deep"),
    ".inf as a target": (_replace(r"^    '1': .*$", "    '1': .inf"),
                         r":\d+: measures\.targets: Input should be a finite number"),
    "NaN as a baseline": (_replace(r"^  baseline: .*$", "  baseline: .nan"),
                          r":\d+: measures\.baseline: Input should be a finite number"),
    "1e999 as a budget": (_replace(r"^  budget: .*$", "  budget: 1.0e+999"),
                          r":\d+: actions\.budget: Input should be a finite number"),
    "an id of 33 characters": (_replace(r"^- id: 27659950000000-0024$", "- id: " + "x" * 33),
                               r":\d+: swot\.id: .*is not an id: ids are 1 to 32 letters"),
    "an id with a space": (_replace(r"^- id: 27659950000000-0024$", "- id: a b"),
                           r":\d+: swot\.id: .*'a b' is not an id"),
    "a parent id of 40 characters": (_replace(r"^  strategy: .*$", "  strategy: " + "s" * 40),
                                     r":\d+: milestones\.strategy: .*is not an id"),
    "an org_id of 40 characters": (
        lambda t: t.replace(f"'{ORG}'", "'" + "9" * 40 + "'"),
        r":\d+: org_id '9{40}' is not an id"),
    "a control character": (_replace(r"^  title: .*$", r'  title: "bell \\x07"'),
                            r":\d+: goals\.title: .*control character U\+0007"),
    "a huge string": (_replace(r"^  title: .*$", "  title: " + "x" * 30_000),
                      r":\d+: goals\.title: String should have at most 500 characters"),
    "a 5000-digit number": (_replace(r"^  rank: .*$", "  rank: 1" + "0" * 5000),
                            r":\d+: (priorities|team_members)\.rank: .*exceeded maximum size"),
    "a version too big for the store": (_replace(r"^  version: 1$", "  version: 99999999999"),
                                        r":\d+: \w+\.version: Input should be less than"),
    "duplicate ids": (_replace(r"^(swot:\n)(- id: \S+\n(  .*\n)*)", r"\1\2\2"),
                      r":(\d+): id '27659950000000-\d+' is used by more than one record "
                      r"\(lines \d+, \d+\)"),
    "duplicate keys": (_replace(_FIRST_GOAL, r"\1  title: one\n  title: two\n", fix=False),
                       r":\d+: not valid YAML: duplicate key 'title' \(also on line \d+\)"),
    "format 99": (_replace(r"^workbook_plan: 2$", "workbook_plan: 99", fix=False),
                  r":\d+: workbook_plan: 99 is not a plan format this workbook reads \(1, 2\)"),
    "the district of another file at the end": (
        _replace(r"^end_of_plan: .*$", "end_of_plan: '27661590000000'", fix=False),
        r":\d+: end_of_plan: '27661590000000' is not the district of the header"),
    "an unknown section": (_replace(r"^swot:$", "swat:"),
                           r":\d+: unknown section 'swat'"),
    "an entry that is not a mapping": (_replace(r"^swot:$", "swot:\n- just words"),
                                       r":\d+: each entry of swot must be a mapping"),
}


@pytest.mark.parametrize("case", BAD)
def test_every_bad_input_is_one_line_and_exit_1(exported, url, tmp_path, case):
    make, expected = BAD[case]
    path = tmp_path / "bad.yaml"
    if make is None:
        path = tmp_path
    elif isinstance(make, bytes):
        path.write_bytes(make)
    else:
        text = make(exported.read_text(encoding="utf-8"))
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
    before = dump(url)
    line = one_line(result := imported(path, url))
    assert result.exit_code == 1
    assert line.startswith(f"{path}:"), line
    assert re.search(expected, line), line
    if "used by more than one record" in line:  # both lines named, the first one first
        first, second = map(int, re.findall(r"lines (\d+), (\d+)", line)[0])
        assert first < second
    assert dump(url) == before


def test_a_user_name_too_long_for_the_store(exported, url):
    before = dump(url)
    result = cli("plan", "import", exported, "--database", url, "--user", "u" * 201)
    assert result.exit_code == 1
    assert one_line(result) == (f"error: {exported}: the user name is 201 characters long; "
                                "the store keeps at most 200")
    assert dump(url) == before


# ------------------------------------------------------------------ the status sheet


def test_bad_status_sheets_are_one_line_and_exit_1(exported, url, tmp_path):
    renamed = tmp_path / "plan-as.xlsx"
    renamed.write_bytes(exported.read_bytes())
    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    cases = {tmp_path: "not an Excel workbook", tmp_path / "missing.xlsx": "no such file",
             renamed: "not an Excel workbook", other: "no 'Action status' sheet"}
    before = dump(url)
    for path, expected in cases.items():
        result = cli("plan", "import-status", ORG, path, "--database", url, "--user", "ana")
        assert result.exit_code == 1
        line = one_line(result)
        assert line.startswith(f"error: {path}: ") and expected in line, line
    book = tmp_path / "plan.xlsx"
    assert cli("plan", "export", ORG, "-o", book, "--database", url).exit_code == 0
    result = cli("plan", "import-status", ORG, book, "--database", url, "--user", "u" * 201)
    assert (result.exit_code, one_line(result)) == (
        1, "error: the user name is 201 characters long; the store keeps at most 200")
    result = cli("plan", "import-status", "27661590000000", book, "--database", url)
    assert result.exit_code == 1 and "no plan stored for '27661590000000'" in one_line(result)
    assert dump(url) == before
