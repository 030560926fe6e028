"""Fuzz: damaged and generated files thrown at `plan import`, `plan import-status` and
`data check` through the command, in-process.

Whatever the file, there is no traceback, the exit code is 0 or 1, and a run that exits 1
leaves the store exactly as it was (a full dump of the records table before and after).
Plan files start from a real export (the sample plan) and are cut, byte-flipped, given random
keys and values (1e999, .nan, 2024-13-45, deep nesting, 30,000-character strings, random
unicode), or generated whole; their header is sometimes made to match again so that
damage inside records reaches validation and the store. Status sheets are generated
workbooks with random cells, sometimes byte-damaged; state data files are excerpts of the
bundled CDE and ODE files, damaged the same ways.

About 60 examples per target on SQLite, 20 on PostgreSQL; the whole file runs in well under
two minutes. For a longer hunt: FUZZ_N=1000 (examples per SQLite target) and
FUZZ_LOG=answers.txt (one line per run: exit code and the kind of answer).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from test_safe_import import ORG, cli, dump, load_sample, pg_schema_url, rehead
from typer.testing import Result

from workbook import data
from workbook.exchange.excel import STATUS_COLUMNS, STATUS_SHEET
from workbook.progress.model import STATUSES
from workbook.records.document import SECTION
from workbook.store import RECORDS

SAMPLE = data.SAMPLE_DIR
FUZZ = dict(deadline=None, database=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
    HealthCheck.large_base_example])
EXAMPLES = {"sqlite": int(os.environ.get("FUZZ_N", 60)), "postgres": 20}


# ------------------------------------------------------------------------ the store


class Target:
    """A store holding the sample plan, its YAML and Excel exports, and a way back to
    that state after an import that changed it."""

    def __init__(self, url: str, folder: Path):
        self.url, self.folder = url, folder
        load_sample(url)
        self.yaml = folder / "export.yaml"
        self.xlsx = folder / "export.xlsx"
        for out in (self.yaml, self.xlsx):
            result = cli("plan", "export", ORG, "-o", out, "--database", url)
            assert result.exit_code == 0, result.output
        self.text = self.yaml.read_text(encoding="utf-8")
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            self.rows = [r._asdict() for r in conn.execute(sa.select(RECORDS))]
        engine.dispose()
        self.dumped = dump(url)
        self.action_ids = [r["id"] for r in self.rows if r["kind"] == "action"]

    def reset(self) -> None:
        """The store as the sample left it (a run that exited 0 may have changed it)."""
        if dump(self.url) == self.dumped:
            return
        engine = sa.create_engine(self.url)
        with engine.begin() as conn:
            conn.execute(RECORDS.delete())
            conn.execute(RECORDS.insert(), self.rows)
        engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def target(request, tmp_path_factory) -> Iterator[Target]:
    folder = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    if request.param == "sqlite":
        yield Target(f"sqlite:///{folder / 'store.db'}", folder)
    else:
        for url in pg_schema_url():
            yield Target(url, folder)


def examples(target: Target) -> int:
    return EXAMPLES["postgres" if target.url.startswith("postgresql") else "sqlite"]


def check(result: Result, target: Target, before: list[tuple]) -> None:
    """No traceback, exit 0 or 1, and on 1 the store unchanged."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # with its traceback, for the report
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1), result.output
    _note(result)
    if result.exit_code == 1:
        assert dump(target.url) == before, result.output


def _note(result: Result) -> None:
    """Tell Hypothesis (and $FUZZ_LOG, when set) what kind of answer a run gave."""
    gist = f"exit {result.exit_code}: {_gist(result.output)}"
    event(gist)
    if os.environ.get("FUZZ_LOG"):
        with open(os.environ["FUZZ_LOG"], "a", encoding="utf-8") as fh:
            fh.write(f"{gist}\t{result.output[:200]!r}\n")


def _gist(output: str) -> str:
    """What kind of answer a run gave, for `--hypothesis-show-statistics`."""
    line = output.splitlines()[0] if output else ""
    line = re.sub(r"^\S*?:(\d+:)? ", "", line)  # the file and line
    return " ".join(re.sub(r"'[^']*'|\d+", "_", line).split()[:5])


# ------------------------------------------------------------------------ values


#: Values that have broken importers: numbers out of range, impossible dates, YAML
#: syntax in the wrong place, control characters, very long or very deep values.
NASTY = [
    ".inf", "-.inf", ".nan", "1.0e+999", "-1.0e+999", "1e999", "9" * 400, "1" + "0" * 5000,
    "-0", "0x1F", "0o17", "2024-13-45", "2024-02-30", "0001-01-01", "9999-12-31 23:59:59",
    "1800-01-01", "2024-01-01T25:00:00", "yes", "~", "null", "[]", "{}", "[a, b]",
    "{a: 1}", "&a [*a]", "*nope", "!!python/object:os.system x", "!!binary aGVsbG8=",
    "!!float nan", "!!int 99999999999999999999999", '"\\ud800"', '"\\x00"', '"\\x07 bell"',
    '"\\U0010ffff"', '"unterminated', "[" * 60 + "]" * 60, "x" * 30_000, "? [a]: b",
    "---", "...", "a: b: c", "- - -", "'", "!!set {a, b}", "!!omap [a: 1]", "<<: *x",
]
FIELDS = ["id", "version", "title", "due", "start", "budget", "targets", "baseline", "org_id",
          "records", "checksum", "end_of_plan", "workbook_plan", "exported_at", "goal",
          "strategy", "milestone", "parent", "practice", "level", "rank", "plan_year",
          "created", "updated_by", "updated_at", "causes", "collaborators", "<<"]
scalar = st.one_of(
    st.sampled_from(NASTY),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(repr),
    st.text(max_size=40).map(json.dumps),  # double-quoted, escapes and all
    st.text(max_size=30),  # raw: may break the YAML
)
key = st.one_of(st.sampled_from(FIELDS), st.text(min_size=1, max_size=12))


# ------------------------------------------------------------------------ plan files


@st.composite
def damaged_plan(draw, text: str) -> bytes:
    """The export with one to three kinds of damage, as bytes."""
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):
        op = draw(st.sampled_from(["value"] * 4 + ["insert"] * 3 + [
            "cut", "delete", "duplicate", "nest", "swap"]))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == "cut":
            lines = lines[:at]
        elif op == "value" and lines and ":" in lines[at]:
            head = lines[at].split(":", 1)[0]
            lines[at] = f"{head}: {draw(scalar)}\n"
        elif op == "insert":
            indent = draw(st.sampled_from(["", "  ", "- ", "    ", "  - "]))
            lines.insert(at, f"{indent}{draw(key)}: {draw(scalar)}\n")
        elif op == "delete":
            del lines[at:at + draw(st.integers(1, 20))]
        elif op == "duplicate":
            lines[at:at] = lines[at:at + draw(st.integers(1, 20))]
        elif op == "nest" and lines and ":" in lines[at]:
            depth = draw(st.sampled_from([49, 51, 1000, 100_000]))
            lines[at] = lines[at].split(":", 1)[0] + ": " + "[" * depth + "]" * depth + "\n"
        elif op == "swap" and len(lines) > 1:
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
    damaged = "".join(lines)
    if draw(st.integers(0, 2)):  # mostly: past the header, into the records
        damaged = _reheaded(damaged)
    raw = damaged.encode("utf-8", "surrogatepass")
    if raw and draw(st.integers(0, 3)) == 0:  # flip some bytes
        buf = bytearray(raw)
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(buf) - 1))
            buf[i] ^= draw(st.integers(1, 255))
        raw = bytes(buf)
    return raw


def _reheaded(text: str) -> str:
    """The header made to match the records again, when the file still parses."""
    try:
        return rehead(text)
    except Exception:  # a file too damaged to parse keeps its header
        return text


py_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(), st.text(max_size=40), st.dates(), st.datetimes(),
    st.sampled_from(["x" * 30_000, "2024-13-45", "a b", ORG, "3b", "1a1"]))


@st.composite
def generated_plan(draw) -> bytes:
    """A whole plan made up: some header keys, sections of records with random fields."""
    body: dict = {}
    if draw(st.booleans()):
        body["workbook_plan"] = draw(st.sampled_from([1, 2, 3, 99, "2", None]))
    body["org_id"] = draw(st.one_of(st.just(ORG), st.text(max_size=40), st.integers()))
    if draw(st.booleans()):
        body["exported_at"] = draw(st.one_of(st.datetimes(), st.text(max_size=30)))
    for section in draw(st.lists(st.sampled_from(sorted(SECTION.values())), max_size=4)):
        body[section] = draw(st.lists(st.dictionaries(st.sampled_from(FIELDS), py_scalar,
                                                      max_size=6), max_size=4))
    if draw(st.booleans()):
        body["records"] = draw(st.integers(-1, 10))
        body["end_of_plan"] = body["org_id"]
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=draw(st.booleans()))
    return text.encode("utf-8", "surrogatepass")


FLAGS = [[], ["--prune"], ["--dry-run"], ["--mine"], ["--theirs"], ["--prune", "--mine"],
         ["--dry-run", "--prune", "--theirs"]]


def test_plan_import_never_tracebacks_and_changes_nothing_when_it_fails(target):
    @settings(max_examples=examples(target), **FUZZ)
    @given(content=st.one_of(damaged_plan(target.text), generated_plan()),
           flags=st.sampled_from(FLAGS),
           user=st.one_of(st.just("fuzz"), st.text(max_size=300)))
    def run(content: bytes, flags: list[str], user: str) -> None:
        target.reset()
        path = target.folder / "plan.yaml"
        path.write_bytes(content)
        before = dump(target.url)
        result = cli("plan", "import", path, "--database", target.url, "--user", user or "u",
                     *flags)
        check(result, target, before)

    run()


# ------------------------------------------------------------------------ status sheets


def _cell(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)


@st.composite
def status_book(draw, action_ids: list[str]) -> bytes:
    """A workbook with an Action status sheet (mostly) and random cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = draw(st.sampled_from([STATUS_SHEET, STATUS_SHEET, "Sheet1"]))
    for _ in range(draw(st.integers(0, 2))):
        sheet.append([_cell(draw(st.text(max_size=10)))])
    header = list(STATUS_COLUMNS)
    if draw(st.integers(0, 4)) == 0:
        header.pop(draw(st.integers(0, len(header) - 1)))
    sheet.append(header)
    cell = st.one_of(
        st.none(), st.sampled_from([*action_ids, *STATUSES, "done", "yes", "no", "=1/0",
                                    "#DIV/0!", "1,200", "-5", "nan", "inf", "1e999"]),
        st.text(max_size=40).map(_cell), st.integers(-(10**20), 10**20),
        st.floats(allow_nan=False), st.dates(min_value=dt.date(1900, 3, 1)),
        st.datetimes(min_value=dt.datetime(1900, 3, 1)), st.booleans(),
        st.just("x" * 30_000))
    for _ in range(draw(st.integers(0, 6))):
        row = [draw(cell) for _ in header]
        if draw(st.booleans()) and action_ids:
            row[0] = draw(st.sampled_from(action_ids))
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    raw = out.getvalue()  # its length varies: openpyxl stamps the time of saving
    damage = draw(st.integers(0, 5))
    if damage == 0:
        raw = raw[:int(len(raw) * draw(st.floats(0, 1)))]
    elif damage == 1:
        buf = bytearray(raw)
        for _ in range(draw(st.integers(1, 8))):
            buf[int((len(buf) - 1) * draw(st.floats(0, 1)))] ^= draw(st.integers(1, 255))
        raw = bytes(buf)
    elif damage == 2:
        raw = draw(st.binary(max_size=200))
    return raw


def test_import_status_never_tracebacks_and_changes_nothing_when_it_fails(target):
    @settings(max_examples=examples(target), **FUZZ)
    @given(content=status_book(target.action_ids),
           district=st.sampled_from([ORG] * 6 + ["27661590000000", "x" * 40]))
    def run(content: bytes, district: str) -> None:
        target.reset()
        path = target.folder / "status.xlsx"
        path.write_bytes(content)
        before = dump(target.url)
        result = cli("plan", "import-status", district, path, "--database", target.url,
                     "--user", "fuzz")
        check(result, target, before)

    run()


# ------------------------------------------------------------------------ data check


def _excerpt(path: Path, lines: int = 25) -> bytes:
    with open(path, "rb") as fh:
        return b"".join(fh.readline() for _ in range(lines))


Sheets = list[tuple[str, list[list]]]


def _sheets(path: Path, rows: int = 30) -> Sheets:
    """The first rows of every sheet of a bundled workbook."""
    source = openpyxl.load_workbook(path, read_only=True)
    return [(ws.title, [list(r) for r in ws.iter_rows(max_row=rows, values_only=True)])
            for ws in source.worksheets]


def _workbook(sheets: Sheets) -> bytes:
    book = openpyxl.Workbook()
    assert book.active is not None
    book.remove(book.active)
    for title, rows in sheets:
        out = book.create_sheet(title)
        for row in rows:
            out.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


class Files(dict):
    """File name -> bytes (text files) or sheets (workbooks), shown by name in reports."""

    def __repr__(self) -> str:
        return f"Files({sorted(self)})"


@pytest.fixture(scope="module")
def state_files() -> Files:
    ca = SAMPLE / "ca_dashboard_2017_2018_monterey_santacruz"
    return Files({
        "graddownload2018.txt": _excerpt(ca / "graddownload2018.txt"),
        "LocalIndPerf2018.txt": _excerpt(ca / "LocalIndPerf2018.txt"),
        "dashboard_2024_monterey.csv": _excerpt(
            SAMPLE / "ca_dashboard_2024_monterey" / "dashboard_2024_monterey.csv"),
        "regularattenders_report_2122.xlsx": _sheets(
            SAMPLE / "or_ode" / "regularattenders_report_2122.xlsx"),
        "pagr_schools_ela_tot_raceethnicity_2122.xlsx": _sheets(
            SAMPLE / "or_ode" / "pagr_schools_ela_tot_raceethnicity_2122.xlsx"),
    })


NASTY_CELLS = ["1e999", "nan", "inf", "-inf", "9" * 400, "*", "--", "<5", "> 95.0%", "", '"',
               "2024-13-45", "x" * 10_000, "0601234", " 27659950000000 ", "-1"]
cell_text = st.one_of(st.sampled_from(NASTY_CELLS), st.text(max_size=20))
cell_value = st.one_of(
    st.none(), cell_text.map(_cell), st.integers(-(10**20), 10**20), st.floats(allow_nan=False),
    st.dates(min_value=dt.date(1900, 3, 1)), st.booleans())


@st.composite
def damaged_state_file(draw, files: Files) -> tuple[str, bytes]:
    """A state file excerpt with cells, rows or bytes damaged."""
    name = draw(st.sampled_from(sorted(files)))
    if name.endswith(".xlsx"):
        sheets = [(title, [list(r) for r in rows]) for title, rows in files[name]]
        for _ in range(draw(st.integers(1, 3))):
            title, rows = sheets[draw(st.integers(0, len(sheets) - 1))]
            if not rows:
                continue
            at = draw(st.integers(0, len(rows) - 1))
            op = draw(st.sampled_from(["cell", "cell", "cut", "insert", "duplicate"]))
            if op == "cell" and rows[at]:
                rows[at][draw(st.integers(0, len(rows[at]) - 1))] = draw(cell_value)
            elif op == "cut":
                del rows[at:]
            elif op == "insert":
                rows.insert(at, draw(st.lists(cell_value, max_size=12)))
            else:
                rows[at:at] = [list(r) for r in rows[at:at + draw(st.integers(1, 5))]]
        raw = _workbook(sheets)
    else:
        raw = files[name]
        sep = "\t" if name.endswith(".txt") else ","
        lines = raw.decode("latin-1").splitlines(keepends=True)
        for _ in range(draw(st.integers(1, 3))):
            if not lines:
                break
            at = draw(st.integers(0, len(lines) - 1))
            op = draw(st.sampled_from(["cell", "cell", "cut", "insert", "delete", "duplicate"]))
            if op == "cell":
                cells = lines[at].rstrip("\r\n").split(sep)
                cells[draw(st.integers(0, len(cells) - 1))] = draw(cell_text)
                lines[at] = sep.join(cells) + "\n"
            elif op == "cut":
                lines = lines[:at]
            elif op == "insert":
                lines.insert(at, sep.join(draw(st.lists(cell_text, max_size=30))) + "\n")
            elif op == "delete":
                del lines[at:at + draw(st.integers(1, 5))]
            else:
                lines[at:at] = lines[at:at + draw(st.integers(1, 5))]
        raw = "".join(lines).encode(draw(st.sampled_from(["utf-8", "latin-1"])), "replace")
    damage = draw(st.integers(0, 5))
    if damage == 0 and raw:
        raw = raw[:int(len(raw) * draw(st.floats(0, 1)))]
    elif damage == 1 and raw:
        buf = bytearray(raw)
        for _ in range(draw(st.integers(1, 8))):
            buf[int((len(buf) - 1) * draw(st.floats(0, 1)))] ^= draw(st.integers(1, 255))
        raw = bytes(buf)
    return name, raw


def test_data_check_never_tracebacks(state_files, tmp_path):
    @settings(max_examples=EXAMPLES["sqlite"], **FUZZ)
    @given(file=damaged_state_file(state_files))
    def run(file: tuple[str, bytes]) -> None:
        name, raw = file
        path = tmp_path / name
        path.write_bytes(raw)
        result = cli("data", "check", path)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert "Traceback" not in result.output
        assert result.exit_code in (0, 1), result.output
        _note(result)
        path.unlink()

    run()
