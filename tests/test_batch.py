"""Region batch runs for real: failure isolation, kill and resume, Dask, same as papermill."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest
import sqlalchemy as sa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from workbook.direction.model import Goal
from workbook.errors import WorkbookError
from workbook.run import batch, context, kernels, notebooks, regions
from workbook.run.params import NOTEBOOK_PARAMS
from workbook.samples import plans as sample_plans
from workbook.store import RECORDS, Store

pytestmark = pytest.mark.slow

DISTRICTS = ["27659610000000", "27660760000000", "27751500000000"]  # Alisal, Lagunita, Big Sur
SAMPLE = "sample:ca_dashboard_2024_monterey/dashboard_2024_monterey.csv"


def _manifest(folder: Path, districts=DISTRICTS, notebooks=("03_strategy_and_measures",
                                                            "04_quarterly_report"),
              extra: str = "") -> Path:
    path = folder / "test-region.yaml"
    path.write_text(
        "name: test-region\ntitle: Test region\nschool_year: '2024-25'\nyear: 2024\n"
        f"sources:\n  - {{format: ca_dashboard, path: '{SAMPLE}'}}\n"
        f"districts: {json.dumps(list(districts))}\n"
        f"notebooks: {json.dumps(list(notebooks))}\nquarter: 2\n{extra}")
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
    # every district workbook found under notebooks/, in order, in English and Spanish
    found = notebooks.district_notebooks()
    assert found == [n for n in NOTEBOOK_PARAMS if notebooks.path_of(n).is_file()]
    assert jobs[0].notebooks == [k for n in found for k in (n, f"{n}.es")]
    assert region.region_notebooks == ["05_region_network"]
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


def test_a_new_release_or_a_mended_rule_redoes_the_reports(tmp_path, store_url, monkeypatch):
    """The done-marker's fingerprint covers what makes a report besides its notebook, data
    and plan: the package, the states' rules and providers, the region's manifest."""
    home = tmp_path / "home"
    rules = home / "parameters" / "states" / "ca"
    rules.mkdir(parents=True)
    (rules / "rules.yaml").write_text("cut: 10\n")
    manifest = _manifest(tmp_path, districts=DISTRICTS[:1])
    region = regions.load(str(manifest))
    with monkeypatch.context() as home_here:
        home_here.setenv("WORKBOOK_HOME", str(home))
        first = batch.software_fingerprint(region)
        assert batch.software_fingerprint(region) == first  # the same files: the same print
        (rules / "rules.yaml").write_text("cut: 11\n")
        mended = batch.software_fingerprint(region)
        assert mended != first
        (home / "parameters" / "providers").mkdir()
        (home / "parameters" / "providers" / "r.yaml").write_text("providers: []\n")
        assert batch.software_fingerprint(region) not in (first, mended)
        (home / "parameters" / "providers" / "r.yaml").unlink()
        assert batch.software_fingerprint(region) == mended
        manifest.write_text(manifest.read_text() + "\n# a comment is a change too\n")
        assert batch.software_fingerprint(region) != mended

    # a run, then the same run with a package of other contents: every report is redone
    batch.run(str(manifest), workers=1, out_root=tmp_path / "out", database_url=store_url)
    monkeypatch.setattr(batch, "_package_fingerprint", lambda: "a later release")
    again = batch.run(str(manifest), workers=1, resume=True, out_root=tmp_path / "out",
                      database_url=store_url)
    assert {o.status for o in again.outcomes} == {"done"}
    third = batch.run(str(manifest), workers=1, resume=True, out_root=tmp_path / "out",
                      database_url=store_url)
    assert {o.status for o in third.outcomes} == {"skipped"}


def test_the_package_fingerprint_reads_code_not_sample_data(tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    (pkg / "samples" / "data").mkdir(parents=True)
    (pkg / "__pycache__").mkdir()
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "samples" / "data" / "big.csv").write_text("1\n")
    (pkg / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")

    def fp() -> str:
        digest = hashlib.sha256()
        batch._files_digest(pkg, digest, batch._NOT_SOFTWARE)
        return digest.hexdigest()

    first = fp()
    (pkg / "samples" / "data" / "big.csv").write_text("2\n")
    (pkg / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\1")
    assert fp() == first
    (pkg / "a.py").write_text("x = 2\n")
    second = fp()
    assert second != first
    (pkg / "samples" / "rules.yaml").write_text("a: 1\n")  # samples outside data/ count
    assert fp() != second


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


# ---------------------------------------------------------------------------- markers
def _job(tmp_path: Path, notebook: str = "04_quarterly_report") -> batch.Job:
    return batch.Job("r", DISTRICTS[0], "d", [notebook], str(tmp_path), {notebook: {}},
                     {notebook: "fp"})


def _finished(tmp_path: Path, notebook: str = "04_quarterly_report") -> batch.Job:
    """A job whose outputs look finished: notebook, report, one data file, a true marker."""
    job = _job(tmp_path, notebook)
    (tmp_path / f"{notebook}.ipynb").write_text("{}")
    (tmp_path / f"{notebook}.html").write_text("<html><body>report</body></html>\n")
    (tmp_path / "data" / notebook).mkdir(parents=True)
    (tmp_path / "data" / notebook / "table.csv").write_text("a,b\n1,2\n")
    marker = tmp_path / ".done" / f"{notebook}.json"
    marker.parent.mkdir()
    marker.write_text(json.dumps({"fingerprint": "fp",
                                  "files": batch._written(tmp_path, notebook)}))
    return job


@pytest.mark.parametrize("text", [
    "[1,2]", "{", "", "null", '"done"', "{}", '{"fingerprint": 7, "files": {}}',
    '{"fingerprint": "fp"}', '{"fingerprint": "fp", "files": [1, 2]}',
    '{"fingerprint": "fp", "files": {"04_quarterly_report.ipynb": 5}}',
    '{"fingerprint": "fp", "files": {"04_quarterly_report.ipynb": {"sha256": "x", '
    '"size": "2"}, "04_quarterly_report.html": {"sha256": null, "size": true}}}',
    '{"fingerprint": "fp", "files": {"../../../etc/passwd": {"sha256": "x", "size": 1}, '
    '"04_quarterly_report.ipynb": {}, "04_quarterly_report.html": {}}}',
    "[" * 100_000 + "]" * 100_000, "\xff{}",
])
def test_a_malformed_marker_means_redo(tmp_path, text):
    job = _finished(tmp_path)
    assert batch.stale_reason(job, "04_quarterly_report") == ""
    (tmp_path / ".done" / "04_quarterly_report.json").write_text(text, encoding="latin-1")
    assert batch.stale_reason(job, "04_quarterly_report") != ""
    assert not batch.is_current(job, "04_quarterly_report")


def test_the_marker_vouches_for_every_file_it_lists(tmp_path):
    nb = "04_quarterly_report"
    for damage, expect in [
        (lambda d: (d / "data" / nb / "table.csv").unlink(), "table.csv missing"),
        (lambda d: (d / "data" / nb / "table.csv").write_text("a,b\n1,3\n"), "table.csv changed"),
        (lambda d: (d / f"{nb}.html").write_text("<html><body>rep"), "size"),
        (lambda d: (d / f"{nb}.ipynb").unlink(), ".ipynb missing"),
    ]:
        folder = tmp_path / expect.replace(" ", "_").replace(".", "")
        folder.mkdir()
        job = _finished(folder)
        damage(folder)
        assert expect in batch.stale_reason(job, nb)
    # a report cut short but recorded so (an old marker, a copy gone wrong): incomplete
    folder = tmp_path / "cut"
    folder.mkdir()
    job = _finished(folder)
    (folder / f"{nb}.html").write_text("<html><body>rep")
    marker = folder / ".done" / f"{nb}.json"
    marker.write_text(json.dumps({"fingerprint": "fp", "files": batch._written(folder, nb)}))
    assert batch.stale_reason(job, nb) == f"{nb}.html incomplete"
    job.fingerprints[nb] = "other"
    assert batch.stale_reason(job, nb).startswith("inputs changed")


def test_resume_redoes_every_damaged_output_and_keeps_the_rest(tmp_path, store_url):
    manifest = _manifest(tmp_path)
    first = batch.run(str(manifest), workers=1, out_root=tmp_path / "out",
                      database_url=store_url)
    assert not first.failed
    folder = tmp_path / "out" / "test-region"
    before = _outputs(folder)
    d0, d1, d2 = (folder / d for d in DISTRICTS)
    s03, q04 = "03_strategy_and_measures", "04_quarterly_report"
    (d0 / ".done" / f"{s03}.json").write_text("[1,2]")  # aborted the whole run before
    (d0 / ".done" / f"{q04}.json").write_text("{not json")
    deleted = sorted((d1 / "data" / s03).glob("*.csv"))[0]
    deleted.unlink()
    page = d1 / f"{q04}.html"
    page.write_text(page.read_text()[:-200])  # a truncated report
    (d2 / ".done" / f"{s03}.json").write_text('{"fingerprint": "x", "files": 3}')
    again = batch.run(str(manifest), workers=1, resume=True, out_root=tmp_path / "out",
                      database_url=store_url)
    status = {(o.district_id, o.notebook): o.status for o in again.outcomes}
    assert status == {(DISTRICTS[0], s03): "done", (DISTRICTS[0], q04): "done",
                      (DISTRICTS[1], s03): "done", (DISTRICTS[1], q04): "done",
                      (DISTRICTS[2], s03): "done", (DISTRICTS[2], q04): "skipped"}
    assert deleted.is_file()
    assert page.read_text().rstrip().endswith("</html>")
    assert _outputs(folder) == before
    record = json.loads((folder / "run.json").read_text())
    assert {d["status"] for d in record["districts"].values()} == {"ok"}
    third = batch.run(str(manifest), workers=1, resume=True, out_root=tmp_path / "out",
                      database_url=store_url)
    assert {o.status for o in third.outcomes} == {"skipped"}


# ---------------------------------------------------------------------------- full disks
def _disk_full_for(monkeypatch, *suffixes: str) -> None:
    """The batch's writes of files ending with any of `suffixes` fail: no space left."""
    real = batch.write_text

    def write_text(target, text):
        if str(target).endswith(suffixes):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
        return real(target, text)

    monkeypatch.setattr(batch, "write_text", write_text)


def test_summary_and_index_list_every_failure_when_the_disk_fills(tmp_path, store_url,
                                                                  monkeypatch):
    from typer.testing import CliRunner

    from workbook import cli

    own_tmp = tmp_path / "tmp"
    own_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(own_tmp))  # the kernels' socket folders
    manifest = _manifest(tmp_path, notebooks=("04_quarterly_report",))
    _disk_full_for(monkeypatch, f"{DISTRICTS[1]}/04_quarterly_report.html", "run.json")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.app, ["run", str(manifest), "--outputs", str(out),
                                          "--database", store_url, "--workers", "1"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line.strip() for line in result.output.splitlines()
             if "No space left on device" in line]
    assert lines == [f"{DISTRICTS[1]} 04_quarterly_report: No space left on device: "
                     f"{out / 'test-region' / DISTRICTS[1] / '04_quarterly_report.html'}",
                     f"test-region run.json: No space left on device: "
                     f"{out / 'test-region' / 'run.json'}"]
    assert not (out / "test-region" / "run.json").exists()
    index = (out / "test-region" / "index.html").read_text()
    assert index.rstrip().endswith("</html>")
    for failed in (f"{DISTRICTS[1]} 04_quarterly_report", "test-region run.json"):
        assert f"<li>{failed}: No space left on device" in index
    for ok in (DISTRICTS[0], DISTRICTS[2]):
        assert f'href="{ok}/04_quarterly_report.html"' in index
    assert f'href="{DISTRICTS[1]}/04_quarterly_report.html"' not in index
    assert not list(own_tmp.glob("workbook-kernel-*")), "socket folders left behind"


def test_the_summary_lists_the_failures_when_the_index_cannot_be_written(
        tmp_path, store_url, monkeypatch):
    manifest = _manifest(tmp_path, districts=DISTRICTS[:2], notebooks=("04_quarterly_report",))
    _disk_full_for(monkeypatch, f"{DISTRICTS[0]}/04_quarterly_report.ipynb", "index.html")
    result = batch.run(str(manifest), workers=1, out_root=tmp_path, database_url=store_url)
    assert [(o.district_id, o.notebook) for o in result.failed] == [
        (DISTRICTS[0], "04_quarterly_report"), ("test-region", "index.html")]
    record = json.loads((tmp_path / "test-region" / "run.json").read_text())
    assert record["districts"][DISTRICTS[0]]["status"] == "failed"
    assert record["districts"][DISTRICTS[1]]["status"] == "ok"
    assert [f["error"].split(":")[0] for f in record["failures"]] == ["No space left on device"]
    assert not (tmp_path / "test-region" / "index.html").exists()


# ---------------------------------------------------------------------------- socket folders
def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_stale_socket_folders_of_dead_processes_are_removed(tmp_path):
    dead = tmp_path / f"workbook-kernel-{_dead_pid()}-abc"
    mine = tmp_path / f"workbook-kernel-{os.getpid()}-def"
    unnamed = tmp_path / "workbook-kernel-xyz"
    for folder in (dead, mine, unnamed):
        folder.mkdir()
        (folder / "kernel.json").write_text("{}")
    assert kernels.remove_stale_socket_dirs(tmp_path) == [dead]
    assert not dead.exists() and mine.is_dir() and unnamed.is_dir()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_run_leaves_no_socket_folder_or_kernel(tmp_path, store_url, sig):
    own_tmp = tmp_path / "tmp"
    own_tmp.mkdir()
    stale = own_tmp / f"workbook-kernel-{_dead_pid()}-old"  # from a run killed outright
    stale.mkdir()
    (stale / "k-1").write_text("")
    cmd = [sys.executable, "-m", "workbook.cli", "run", str(_manifest(tmp_path)), "--outputs",
           str(tmp_path / "out"), "--database", store_url, "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(own_tmp)},
                            start_new_session=True)
    deadline = time.time() + 300
    folders: list[Path] = []
    while time.time() < deadline and proc.poll() is None:
        folders = list(own_tmp.glob(f"workbook-kernel-{proc.pid}-*"))
        if len(folders) == 2 and all((f / "kernel.json").is_file() for f in folders):
            break
        time.sleep(0.05)
    assert len(folders) == 2, "the run should have started its two kernels"
    assert not stale.exists(), "the run should remove a dead run's socket folder"
    time.sleep(1.0)  # into the notebooks
    children = psutil.Process(proc.pid).children(recursive=True)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C in a terminal: the whole foreground group
    else:
        proc.send_signal(sig)  # a service manager stopping the run
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in err, err
    assert not list(own_tmp.glob("workbook-kernel-*")), "socket folders left behind"
    psutil.wait_procs(children, timeout=10)
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]


def test_a_full_region_run_writes_the_network_view_and_links_it(tmp_path, store_url, capfd):
    """After its districts, a whole-region run writes network.html (and its CSVs), audits its
    tables with the districts' and links it from the landing page; a run of some districts
    (--only/--limit) does not, as the view needs every district."""
    manifest = _manifest(tmp_path, ["27661590000000", "27751500000000"],
                         ["01_needs_assessment", batch.NETWORK])
    result = batch.run(str(manifest), workers=1, out_root=tmp_path / "out",
                       database_url=store_url)
    folder = tmp_path / "out" / "test-region"
    network = [o for o in result.outcomes if o.notebook == batch.NETWORK]
    assert [o.status for o in network] == ["done"], network
    # every kernel of the run, the network view's too, is on unix sockets: ipykernel warns
    # on its standard error (the run's console) about any kernel on plain TCP
    assert "over TCP" not in capfd.readouterr().err
    assert (folder / "network.ipynb").is_file()
    assert not (folder / "network.failed.ipynb").exists()
    page = (folder / "network.html").read_text(encoding="utf-8")
    assert "Salinas Union High" in page and "Big Sur" in page
    assert any((folder / "data" / batch.NETWORK).glob("*.csv"))
    assert "href='network.html'" in (folder / "index.html").read_text(encoding="utf-8")
    again = batch.run(str(manifest), workers=1, out_root=tmp_path / "some", limit=1,
                      database_url=store_url)
    assert batch.NETWORK not in {o.notebook for o in again.outcomes}
    assert not (tmp_path / "some" / "test-region" / "network.html").exists()


def test_a_network_view_that_fails_keeps_its_notebook_beside_and_publishes_nothing(
        tmp_path, store_url):
    region = regions.load(str(_manifest(tmp_path, ["27661590000000"], [batch.NETWORK])))
    folder = tmp_path / "out"
    ok = batch.run_network(region, folder, store_url)
    assert ok.status == "done", ok
    assert (folder / "network.ipynb").is_file() and (folder / "network.html").is_file()
    # a store nobody can open: the notebook stops in its first cells
    bad = batch.run_network(region, folder, "nosuchdatabase://nobody@nowhere/x")
    assert bad.status == "failed" and bad.error, bad
    assert "\n" not in bad.error
    assert not (folder / "network.html").exists()  # nothing half-published
    assert not (folder / "network.ipynb").exists()
    failed = nbformat.read(str(folder / "network.failed.ipynb"), as_version=4)
    assert kernels.first_error(failed)
    assert not list((folder / "data" / batch.NETWORK).glob("*.csv"))
    again = batch.run_network(region, folder, store_url)  # mended: the failed copy goes
    assert again.status == "done"
    assert not (folder / "network.failed.ipynb").exists()


# ------------------------------------------------------------ languages, notebooks, no plan
def test_district_notebooks_are_the_files_with_typed_parameters(tmp_path, monkeypatch):
    for name in ("01_needs_assessment", "06_annual_story", "07_not_declared"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    monkeypatch.setattr(notebooks, "NOTEBOOK_DIR", tmp_path)
    assert notebooks.district_notebooks() == ["01_needs_assessment", "06_annual_story"]
    assert notebooks.undeclared() == ["07_not_declared"]
    region = regions.load(str(_manifest(tmp_path, notebooks=["01_needs_assessment"])))
    default = regions.Region.model_validate({**region.model_dump(exclude={"notebooks"}),
                                             "base": tmp_path})
    assert default.district_notebooks == ["01_needs_assessment", "06_annual_story"]


def test_every_numbered_notebook_has_typed_parameters():
    assert notebooks.undeclared() == []
    assert "06_annual_story" in NOTEBOOK_PARAMS  # run by default once its file is there


def test_language_codes_are_checked(tmp_path, store_url):
    bad = _manifest(tmp_path, extra="languages: [en, Spanish]\n")
    with pytest.raises(WorkbookError, match=r"languages: Value error, not a language code: "
                                            r"'Spanish'"):
        regions.load(str(bad))
    run = subprocess.run([sys.executable, "-m", "workbook.cli", "run", str(_manifest(tmp_path)),
                          "--outputs", str(tmp_path / "out"), "--database", store_url,
                          "--language", "en,es-MX"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("error: --language 'en,es-MX': not a")
    region = regions.load(str(_manifest(tmp_path, extra="languages: [es]\n")))
    assert region.languages == ["en", "es"]  # English is always written, first


def test_the_language_parameter_sets_the_notebooks_language():
    from workbook import i18n
    from workbook.run import params

    values = {"district_id": DISTRICTS[0], "year": 2024, "language": "es"}
    with i18n.using("en"):
        assert params.from_namespace(params.WorkbookParams, values).language == "es"
        assert i18n.language() == "es"
        params.from_namespace(params.WorkbookParams, {**values, "language": "en"})
        assert i18n.language() == "en"  # a warm kernel's next notebook is English again
    with pytest.raises(params.ParameterError, match="parameter language: String should match"):
        params.from_namespace(params.WorkbookParams, {**values, "language": "Spanish"})


def _without_plan(store_url: str, folder: Path, district: str) -> str:
    """A copy of the sample store in which `district` has no plan (its organisation only)."""
    url = f"sqlite:///{folder / 'noplan.db'}"
    Path(url.removeprefix("sqlite:///")).write_bytes(
        Path(store_url.removeprefix("sqlite:///")).read_bytes())
    with sa.create_engine(url).begin() as conn:
        conn.execute(RECORDS.delete().where(RECORDS.c.org_id == district,
                                            RECORDS.c.kind != "organisation"))
    return url


def test_stakeholders_get_no_empty_reports_and_every_report_in_each_language(tmp_path,
                                                                           store_url):
    """A district with no plan: for stakeholders only the workbooks that have something to
    say (the plan workbooks are left out, the index says "no plan yet"); for the team every
    workbook. Each report also in Spanish, with its own marker, resumed on its own."""
    planned, bare = DISTRICTS[0], DISTRICTS[2]
    url = _without_plan(store_url, tmp_path, bare)
    nbs = ["01_needs_assessment", "03_strategy_and_measures"]
    manifest = _manifest(tmp_path, [planned, bare], nbs, extra="languages: [en, es]\n")
    team = regions.load(str(manifest)).model_copy(update={"audience": "team"})
    jobs = {j.district_id: j for j in batch.plan_jobs(team, tmp_path, database_url=url)}
    assert jobs[bare].notebooks == jobs[planned].notebooks == [
        "01_needs_assessment", "01_needs_assessment.es", "03_strategy_and_measures",
        "03_strategy_and_measures.es"]
    assert (jobs[planned].has_plan, jobs[bare].has_plan) == (True, False)

    out = tmp_path / "out"
    result = batch.run(str(manifest), workers=2, out_root=out, database_url=url)
    assert not result.failed
    ran = {(o.district_id, o.notebook) for o in result.outcomes if o.status == "done"}
    assert ran == {(planned, nb) for nb in ("01_needs_assessment", "01_needs_assessment.es",
                                            "03_strategy_and_measures",
                                            "03_strategy_and_measures.es")} | {
        (bare, "01_needs_assessment"), (bare, "01_needs_assessment.es")}
    folder = out / "test-region"
    assert not list((folder / bare).glob("03_*"))  # no empty plan report, in any language
    spanish = (folder / planned / "03_strategy_and_measures.es.html").read_text()
    assert '<html lang="es"' in spanish
    assert '<html lang="en"' in (folder / planned / "03_strategy_and_measures.html").read_text()
    executed = nbformat.read(folder / planned / "03_strategy_and_measures.es.ipynb", 4)
    injected = next(c.source for c in executed.cells
                    if "injected-parameters" in c.metadata.get("tags", []))
    assert 'language = "es"' in injected
    assert (folder / planned / "data" / "03_strategy_and_measures.es").is_dir()
    assert (folder / planned / ".done" / "03_strategy_and_measures.es.json").is_file()
    index = (folder / "index.html").read_text()
    assert (f'href="{planned}/03_strategy_and_measures.es.html" hreflang="es" lang="es"'
            in index)
    row = {d: re.search(rf"<tr><td>[^<]*</td><td>{d}</td>.*?</tr>", index).group(0)
           for d in (planned, bare)}
    assert "no plan yet" in row[bare] and "no plan yet" not in row[planned]
    assert "strategy and measures" not in row[bare]

    # resume: the Spanish edition is redone on its own
    (folder / planned / "01_needs_assessment.es.html").unlink()
    again = batch.run(str(manifest), workers=1, out_root=out, database_url=url, resume=True)
    assert {(o.district_id, o.notebook) for o in again.outcomes if o.status == "done"} == {
        (planned, "01_needs_assessment.es")}
    assert (folder / planned / "01_needs_assessment.es.html").is_file()


# ------------------------------------------------------------ the warm kernel's speed-ups
_CHARTS = """
import json, sys
import altair as alt, pandas as pd
from workbook.report import blocks
from workbook.report.charts import chart_data, empty_chart
if sys.argv[1] == "fast":
    from workbook.run import speedups
    assert len(speedups.install()) == 5
frame = pd.DataFrame({"group": ["All", "English learners", None], "gap": [0.0, -12.5, None],
                      "shown": [True, False, True], "n": pd.array([120, 11, None], "Int64")})
base = alt.Chart(chart_data(frame)).encode(
    y=alt.Y("group:N", sort=None, title="Student group"), x="gap:Q",
    color=alt.condition("datum.gap < 0", alt.value("#b00"), alt.value("#06c")),
    tooltip=["group:N", alt.Tooltip("gap:Q", format=".1f"), "n:Q"])
charts = [alt.layer(base.mark_bar(), base.mark_text(dx=4).encode(text="gap:Q"))
          .properties(width=300, title="A long title " * 8),
          base.mark_point().facet(row="shown:N"), empty_chart("Nothing", "No data yet.")]
# layers with parameters (the slow path kept), and layered charts side by side
pick = alt.selection_point(name="pick", fields=["group"])
charts += [alt.layer(base.mark_bar().add_params(pick), base.mark_text().encode(text="gap:Q")),
           alt.hconcat(charts[0], alt.layer(base.mark_rule(), base.mark_point()))]
specs = [c.to_dict(validate=False) for c in charts]
drawings = [blocks.svg(c) for c in charts] + [blocks.svg(charts[0])]  # the last one kept
print(json.dumps({"specs": specs, "drawings": drawings}, sort_keys=True))
"""


def test_the_warm_kernels_speedups_change_nothing_drawn():
    """Charts built and drawn with the warm kernel's speed-ups (`run.speedups`) are the same,
    spec and SVG, byte for byte, as without them (each way in a process of its own)."""
    out = {how: subprocess.run([sys.executable, "-c", _CHARTS, how], capture_output=True,
                               text=True, timeout=300, check=True).stdout
           for how in ("plain", "fast")}
    drawn = json.loads(out["fast"])
    assert len(drawn["drawings"]) == 6 and all("<svg" in d for d in drawn["drawings"])
    assert out["fast"] == out["plain"]


_OUTPUT_TYPES = ("display_data", "execute_result", "stream", "error", "bogus")
_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=6)


@settings(max_examples=300, deadline=None)
@example(kind="display_data", fields={"metadata": {}}, mime={"text/html": "<b>x</b>"})
@example(kind="stream", fields={"name": "stdout", "text": "x"}, mime={})
@given(kind=st.sampled_from(_OUTPUT_TYPES),
       fields=st.dictionaries(
           st.sampled_from(["data", "metadata", "name", "text", "execution_count", "ename",
                            "evalue", "traceback", "transient", "extra"]), _json, max_size=4),
       mime=st.dictionaries(st.sampled_from(["text/html", "text/plain", "image/svg+xml",
                                             "application/json", "bad"]), _json, max_size=3))
def test_the_drivers_output_check_decides_as_nbformat_does(kind, fields, mime):
    """The process that drives the kernels checks each output with a compiled schema
    (`speedups.install_driver`): any output, well formed or not, is accepted or refused
    exactly as nbformat's own check does, with nbformat's own error."""
    from nbformat import ValidationError
    from nbformat.v4 import nbbase

    from workbook.run import speedups

    assert speedups.install_driver() == [speedups.DRIVER]
    fast = nbbase.validate
    plain = fast._workbook_plain
    node = nbformat.NotebookNode({"output_type": kind, **fields})
    if mime:
        node["data"] = mime
    verdicts = []
    for check in (plain, fast):
        try:
            check(node, kind)
            verdicts.append("ok")
        except ValidationError as err:
            verdicts.append(f"refused: {err.message}")
        except Exception as err:  # a kind the schema does not know: nbformat's own error
            verdicts.append(f"{type(err).__name__}: {str(err)[:200]}")
    assert verdicts[0] == verdicts[1]


def test_kernel_messages_are_packed_with_orjson_on_both_ends():
    """jupyter_client packs messages with orjson when it is installed (a dependency: about a
    twentieth of a statewide run's CPU time); the warm kernel and its client both use it."""
    with kernels.WarmKernel() as kernel:
        assert kernel.kc.session.packer == "orjson"
        msg_id = kernel.kc.execute("print(get_ipython().kernel.session.packer)")
        seen = ""
        while True:
            msg = kernel.kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                seen += msg["content"]["text"]
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        assert seen.strip() == "orjson"
