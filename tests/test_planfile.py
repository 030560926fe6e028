"""Plans round-trip through YAML; bad files are rejected with file:line and change nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from test_improvement import ORG, _plan

from workbook.direction.model import Goal
from workbook.exchange.yamlfile import PlanFileError, export_yaml, read_yaml
from workbook.plan.model import Action
from workbook.progress.model import StatusUpdate
from workbook.store import ImportConflicts, Store, apply_document


@pytest.fixture()
def store(tmp_path):
    return Store(f"sqlite:///{tmp_path / 'plans.db'}")


def _saved(store):
    doc = _plan()
    store.save_all(doc.all(), user="ana")
    return store.document(ORG)


def test_round_trip_is_lossless(store, tmp_path):
    doc = _saved(store)
    path = export_yaml(doc, tmp_path / "plan.yaml")
    back, exported_at = read_yaml(path)
    assert [r.model_dump(exclude={"updated_by", "updated_at"}) for r in back.all()] == [
        r.model_dump(exclude={"updated_by", "updated_at"}) for r in doc.all()]
    assert exported_at is not None
    changes = apply_document(store, back, user="bo", exported_at=exported_at)
    assert changes.counts() == {"added": 0, "updated": 0, "unchanged": len(doc.all()),
                                "deleted": 0, "kept": 0, "conflicts": 0}


def test_edit_in_yaml_then_import(store, tmp_path):
    doc = _saved(store)
    path = export_yaml(doc, tmp_path / "plan.yaml")
    data = yaml.safe_load(path.read_text())
    data["goals"][0]["title"] = "Every student reads by grade 3"
    data["glossary"] = [{"term": "DFS", "definition": "distance from standard"}]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    back, when = read_yaml(path)
    changes = apply_document(store, back, user="bo", exported_at=when)
    assert changes.counts() == {"added": 1, "updated": 1, "unchanged": len(doc.all()) - 1,
                                "deleted": 0, "kept": 0, "conflicts": 0}
    assert store.document(ORG).of(Goal)[0].title == "Every student reads by grade 3"


def test_bad_file_names_every_line_and_changes_nothing(store, tmp_path):
    doc = _saved(store)
    path = export_yaml(doc, tmp_path / "plan.yaml")
    lines = path.read_text().splitlines()
    i = next(n for n, line in enumerate(lines) if line.strip().startswith("baseline:"))
    lines[i] = lines[i].split(":")[0] + ": lots"
    j = next(n for n, line in enumerate(lines) if line.strip().startswith("practice:"))
    lines[j] = lines[j].split(":")[0] + ": 9z"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(PlanFileError) as err:
        read_yaml(path)
    got = err.value.problems
    assert len(got) == 2
    assert got[0].startswith(f"{path}:{j + 1}: strategies.practice: ")
    assert got[1].startswith(f"{path}:{i + 1}: measures.baseline: ")
    run = subprocess.run([sys.executable, "-m", "workbook.cli", "plan", "import", str(path),
                          "--database", store.url, "--user", "cy"], capture_output=True,
                         text=True)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stdout.splitlines() == got
    assert [r.version for r in store.list(ORG)] == [r.version for r in doc.all()]


def test_not_yaml_and_unknown_section(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("org_id: x\ngoals: [\n")
    with pytest.raises(PlanFileError, match=r"bad.yaml:\d+: not valid YAML"):
        read_yaml(bad)
    bad.write_text("org_id: x\ngoalz:\n  - title: t\n")
    with pytest.raises(PlanFileError, match=r"bad.yaml:2: unknown section 'goalz'"):
        read_yaml(bad)


def test_import_of_a_stale_file_is_a_conflict(store, tmp_path):
    doc = _saved(store)
    path = export_yaml(doc, tmp_path / "plan.yaml")
    goal = store.document(ORG).of(Goal)[0]
    store.save(goal.model_copy(update={"title": "changed in the app"}), user="liaison")
    data = yaml.safe_load(path.read_text())
    data["goals"][0]["title"] = "changed in the file"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    back, when = read_yaml(path)
    with pytest.raises(ImportConflicts, match="changed by liaison"):
        apply_document(store, back, user="bo", exported_at=when)
    assert store.document(ORG).of(Goal)[0].title == "changed in the app"


def test_cli_export_import(store, tmp_path):
    doc = _saved(store)
    out = tmp_path / "cli.yaml"
    run = subprocess.run([sys.executable, "-m", "workbook.cli", "plan", "export", ORG, "-o",
                          str(out), "--database", store.url], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert yaml.safe_load(out.read_text())["org_id"] == ORG
    run = subprocess.run([sys.executable, "-m", "workbook.cli", "plan", "import", str(out),
                          "--database", store.url, "--user", "cy"], capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr
    assert f"0 added, 0 updated, {len(doc.all())} unchanged, 0 deleted" in run.stderr.splitlines()


def test_cli_excel_export_then_status_import(store, tmp_path):
    import openpyxl

    doc = _saved(store)
    out = tmp_path / "plan.xlsx"
    cli = [sys.executable, "-m", "workbook.cli", "plan"]
    run = subprocess.run(cli + ["export", ORG, "-o", str(out), "--database", store.url],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    book = openpyxl.load_workbook(out)
    sheet = book["Action status"]
    header_row = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "Action id")
    headers = [c.value for c in sheet[header_row]]
    row = header_row + 1
    sheet.cell(row, headers.index("Status") + 1, "behind")
    sheet.cell(row, headers.index("Date") + 1, "2024-10-31")
    sheet.cell(row, headers.index("Budget used") + 1, "lots")
    book.save(out)
    bad = subprocess.run(cli + ["import-status", ORG, str(out), "--database", store.url,
                                "--user", "ana"], capture_output=True, text=True)
    assert bad.returncode == 1 and f"{out}:{row}: Budget used:" in bad.stdout
    assert store.document(ORG).of(StatusUpdate) == []  # nothing saved half-way
    sheet.cell(row, headers.index("Budget used") + 1, 1200)
    book.save(out)
    ok = subprocess.run(cli + ["import-status", ORG, str(out), "--database", store.url,
                               "--user", "ana"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    [update] = store.document(ORG).of(StatusUpdate)
    assert (update.status, update.budget_used, update.updated_by) == ("behind", 1200, "ana")
    assert update.action == doc.of(Action)[0].id
