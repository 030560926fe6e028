"""Region batch runs for real: failure isolation, kill and resume, Dask, same as papermill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import sqlalchemy as sa

from workbook.direction.model import Goal
from workbook.errors import WorkbookError
from workbook.run import batch, context, notebooks, regions
from workbook.samples import plans as sample_plans
from workbook.store import RECORDS, Store

pytestmark = pytest.mark.slow

DISTRICTS = ["27659610000000", "27660760000000", "27751500000000"]  # Alisal, Lagunita, Big Sur
SAMPLE = "sample:ca_dashboard_2024_monterey/dashboard_2024_monterey.csv"


def _manifest(folder: Path, districts=DISTRICTS, notebooks=("03_strategy_and_measures",
                                                            "04_quarterly_report")) -> Path:
    path = folder / "test-region.yaml"
    path.write_text(
        "name: test-region\ntitle: Test region\nschool_year: '2024-25'\nyear: 2024\n"
        f"sources:\n  - {{format: ca_dashboard, path: '{SAMPLE}'}}\n"
        f"districts: {json.dumps(list(districts))}\n"
        f"notebooks: {json.dumps(list(notebooks))}\nquarter: 2\n")
    return path


@pytest.fixture(scope="module")
def store_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('batch') / 'plans.db'}"
    sample_plans.load_into(Store(url), context.region_outcomes("sample"))
    return url


def _outputs(folder: Path) -> dict[str, object]:
    """What a run produced, comparable across runs: HTML, CSVs and notebook outputs."""
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.suffix in (".html", ".csv") and "/" in rel:
            found[rel] = path.read_text()
        elif path.suffix == ".ipynb":
            nb = nbformat.read(str(path), as_version=4)
            found[rel] = [c.get("outputs") for c in nb.cells if c.cell_type == "code"][2:]
    return found


def test_manifest_errors_name_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntitle: t\nschool_year: '2024-25'\nyear: 2024\n"
                   "sources: []\ndistrcts: all\n")
    with pytest.raises(WorkbookError, match=r"bad.yaml: distrcts: Extra inputs"):
        regions.load(str(bad))
    with pytest.raises(WorkbookError, match="no region 'nowhere'"):
        regions.load("nowhere")


def test_sample_manifest_selects_monterey(store_url):
    region = regions.load("sample")
    jobs = batch.plan_jobs(region, Path("/nonexistent"), limit=None, database_url=store_url)
    assert len(jobs) == 25 and all(j.district_id.startswith("27") for j in jobs)
    assert jobs[0].notebooks == regions.ALL_NOTEBOOKS
    with pytest.raises(WorkbookError, match="--only names districts not in region"):
        batch.plan_jobs(region, Path("/nonexistent"), only=["99999999999999"],
                        database_url=store_url)


def test_failure_in_one_district_never_stops_the_others(tmp_path, store_url):
    broken = f"sqlite:///{tmp_path / 'broken.db'}"
    sample_plans.load_into(Store(broken), context.region_outcomes("sample"))
    engine = sa.create_engine(broken)
    with engine.begin() as conn:  # a record the model cannot read: the district must fail
        conn.execute(RECORDS.update().where(RECORDS.c.org_id == DISTRICTS[1],
                                            RECORDS.c.kind == "goal")
                     .values(data={"title": None}))
    run = subprocess.run([sys.executable, "-m", "workbook.cli", "run",
                          str(_manifest(tmp_path)), "--outputs", str(tmp_path / "out"),
                          "--database", broken, "--workers", "2"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 1
    assert f"{DISTRICTS[1]} 03_strategy_and_measures: ValidationError" in run.stderr
    record = json.loads((tmp_path / "out" / "test-region" / "run.json").read_text())
    assert record["districts"][DISTRICTS[1]]["status"] == "failed"
    for ok in (DISTRICTS[0], DISTRICTS[2]):
        assert record["districts"][ok]["status"] == "ok"
        assert (tmp_path / "out" / "test-region" / ok / "04_quarterly_report.html").is_file()
    folder = tmp_path / "out" / "test-region" / DISTRICTS[1]
    assert not (folder / "03_strategy_and_measures.html").exists()  # no empty report
    assert (folder / "03_strategy_and_measures.failed.ipynb").is_file()
    index = (tmp_path / "out" / "test-region" / "index.html").read_text()
    assert "failed" in index and "Big Sur" in index


def test_kill_mid_run_then_resume_equals_an_uninterrupted_run(tmp_path, store_url):
    manifest = _manifest(tmp_path)
    whole = batch.run(str(manifest), workers=1, out_root=tmp_path / "whole",
                      database_url=store_url)
    assert not whole.failed
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "workbook.cli", "run", str(manifest), "--outputs", str(out),
           "--database", store_url, "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and len(list(out.rglob(".done/*.json"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its kernel, at once
    proc.wait()
    done = len(list(out.rglob(".done/*.json")))
    assert 2 <= done < 6, "the kill should land mid-run"
    for html in out.rglob("*.html"):
        if not html.name.startswith("."):
            assert html.read_text().rstrip().endswith("</html>"), f"half-written {html}"
    for nb in out.rglob("*.ipynb"):
        if not nb.name.startswith("."):
            nbformat.read(str(nb), as_version=4)  # complete JSON
    resumed = batch.run(str(manifest), workers=1, resume=True, out_root=out,
                        database_url=store_url)
    statuses = [o.status for o in resumed.outcomes]
    assert statuses.count("skipped") == done and statuses.count("done") == 6 - done
    assert not list(out.rglob(".*.tmp-*")), "temporary files left behind"
    assert _outputs(out / "test-region") == _outputs(tmp_path / "whole" / "test-region")


def test_resume_redoes_what_changed(tmp_path, store_url):
    manifest = _manifest(tmp_path, districts=DISTRICTS[:1])
    batch.run(str(manifest), workers=1, out_root=tmp_path, database_url=store_url)
    again = batch.run(str(manifest), workers=1, resume=True, out_root=tmp_path,
                      database_url=store_url)
    assert {o.status for o in again.outcomes} == {"skipped"}
    store = Store(store_url)
    goal = store.document(DISTRICTS[0]).of(Goal)[0]
    store.save(goal.model_copy(update={"explanation": "changed for the test"}), user="t")
    third = batch.run(str(manifest), workers=1, resume=True, out_root=tmp_path,
                      database_url=store_url)
    assert {o.status for o in third.outcomes} == {"done"}  # the plan changed: both redone


def test_warm_kernel_gives_the_same_results_as_cold_papermill(tmp_path, store_url):
    manifest = _manifest(tmp_path, districts=DISTRICTS[:2],
                         notebooks=("01_needs_assessment", "03_strategy_and_measures"))
    batch.run(str(manifest), workers=1, out_root=tmp_path, database_url=store_url)
    jobs = batch.plan_jobs(regions.load(str(manifest)), tmp_path, database_url=store_url)
    for job in jobs:
        for name in job.notebooks:
            cold = notebooks.execute(name, job.parameters[name], tmp_path / "cold.ipynb")
            warm = Path(job.out_dir) / f"{name}.ipynb"
            assert _cell_outputs(cold) == _cell_outputs(warm), f"{job.district_id} {name}"


def _cell_outputs(path: Path) -> list:
    nb = nbformat.read(str(path), as_version=4)
    return [c.get("outputs") for c in nb.cells
            if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
            and "parameters" not in c.metadata.get("tags", [])]


def test_dask_executor_on_a_local_cluster(tmp_path, store_url):
    manifest = _manifest(tmp_path, districts=DISTRICTS[:2], notebooks=("04_quarterly_report",))
    result = batch.run(str(manifest), executor="dask", workers=2, out_root=tmp_path / "dask",
                       database_url=store_url)
    assert [o.status for o in result.outcomes] == ["done", "done"]
    local = batch.run(str(manifest), workers=1, out_root=tmp_path / "local",
                      database_url=store_url)
    assert not local.failed
    assert _outputs(tmp_path / "dask" / "test-region") == _outputs(
        tmp_path / "local" / "test-region")
