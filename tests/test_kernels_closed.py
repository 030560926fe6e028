"""Every warm kernel a batch run starts is closed when the run ends: on the local thread
pool and on Dask, after success, after a failing notebook, after an exception from inside a
job and after Ctrl-C.

Kernels are found by an environment variable set for the test only: a kernel inherits its
starter's environment, so this finds the kernels this test started and no one else's, also
those left orphaned by a Dask worker process that has exited.
"""

from __future__ import annotations

import time
import uuid

import psutil
import pytest
import sqlalchemy as sa
import test_batch
from test_batch import DISTRICTS, _manifest

from workbook.run import batch, context
from workbook.samples import plans as sample_plans
from workbook.store import RECORDS, Store

pytestmark = pytest.mark.slow

TAG = "WORKBOOK_TEST_KERNELS"
store_url = test_batch.store_url  # the fixture: a database with the sample plans


def _kernels_with(tag: str) -> list[psutil.Process]:
    """Live kernel processes that inherited TAG=tag."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if ("ipykernel_launcher" in " ".join(proc.info["cmdline"] or ())
                    and proc.status() != psutil.STATUS_ZOMBIE
                    and proc.environ().get(TAG) == tag):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return found


@pytest.fixture()
def live_kernels(monkeypatch):
    """A function that lists the live kernels started since the test began. Any left at
    the end are killed, so a failing test does not leak processes."""
    tag = uuid.uuid4().hex
    monkeypatch.setenv(TAG, tag)
    yield lambda: _kernels_with(tag)
    for proc in _kernels_with(tag):
        proc.kill()


def _assert_all_closed(live_kernels, seen: list[int]) -> None:
    assert max(seen, default=0) > 0, "the run should have had kernels to close"
    left = live_kernels()
    assert not left, f"{len(left)} kernels still running: {[p.pid for p in left]}"


def _counting(live_kernels, seen: list[int], then=None):
    """A progress callback that counts the live kernels (so the test knows it can see them)
    and then calls `then`."""

    def progress(got):
        seen.append(len(live_kernels()))
        if then:
            then(got)

    return progress


@pytest.fixture(params=["local", "dask"])
def executor(request):
    """batch.run's arguments for each executor: threads, or Dask on an in-process cluster
    that outlives the run (so only the run itself can have closed the kernels)."""
    if request.param == "local":
        yield {}
        return
    import distributed
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        yield {"executor": "dask", "scheduler": cluster.scheduler_address}


def test_a_finished_run_leaves_no_kernel(tmp_path, store_url, live_kernels, executor):
    manifest = _manifest(tmp_path, notebooks=("04_quarterly_report",))
    seen: list[int] = []
    result = batch.run(str(manifest), workers=2, out_root=tmp_path, database_url=store_url,
                       progress=_counting(live_kernels, seen), **executor)
    assert [o.status for o in result.outcomes] == ["done"] * 3
    _assert_all_closed(live_kernels, seen)


def test_a_dask_run_on_worker_processes_leaves_no_kernel(tmp_path, store_url, live_kernels):
    manifest = _manifest(tmp_path, districts=DISTRICTS[:2], notebooks=("04_quarterly_report",))
    seen: list[int] = []
    result = batch.run(str(manifest), executor="dask", workers=2, out_root=tmp_path,
                       database_url=store_url, progress=_counting(live_kernels, seen))
    assert not result.failed
    _assert_all_closed(live_kernels, seen)


def test_a_failing_notebook_leaves_no_kernel(tmp_path, live_kernels, executor):
    broken = f"sqlite:///{tmp_path / 'broken.db'}"
    sample_plans.load_into(Store(broken), context.region_outcomes("sample"))
    with sa.create_engine(broken).begin() as conn:  # a goal the model cannot read
        conn.execute(RECORDS.update().where(RECORDS.c.org_id == DISTRICTS[1],
                                            RECORDS.c.kind == "goal")
                     .values(data={"title": None}))
    manifest = _manifest(tmp_path, notebooks=("03_strategy_and_measures",))
    seen: list[int] = []
    result = batch.run(str(manifest), workers=2, out_root=tmp_path / "out",
                       database_url=broken, progress=_counting(live_kernels, seen),
                       **executor)
    assert [o.district_id for o in result.failed] == [DISTRICTS[1]]
    _assert_all_closed(live_kernels, seen)


def test_an_exception_from_inside_a_job_leaves_no_kernel(tmp_path, store_url, live_kernels,
                                                         monkeypatch, executor):
    """The third district's job raises before its first notebook, while the other worker
    is running one: the executor stops, the run reports it as a failure (its summary still
    written), and every kernel is closed."""
    manifest = _manifest(tmp_path, notebooks=("04_quarterly_report",))
    run_job = batch.run_job
    seen: list[int] = []

    def broken(job, **kwargs):  # the third job starts when one of the first two has finished
        seen.append(len(live_kernels()))
        if job.district_id == DISTRICTS[2]:
            raise RuntimeError("broken for the test")
        return run_job(job, **kwargs)

    monkeypatch.setattr(batch, "run_job", broken)  # Dask runs in this process too
    result = batch.run(str(manifest), workers=2, resume=True, out_root=tmp_path,
                       database_url=store_url, **executor)
    assert [(o.notebook, o.error) for o in result.failed] == [
        (f"{executor.get('executor', 'local')} executor", "broken for the test")]
    assert (tmp_path / "test-region" / "run.json").is_file()
    _assert_all_closed(live_kernels, seen)


def test_ctrl_c_mid_run_leaves_no_kernel(tmp_path, store_url, live_kernels):
    """Ctrl-C after the first district: the notebook running on the other thread is
    interrupted, the district not started never starts, and every kernel is closed."""
    manifest = _manifest(tmp_path, notebooks=("04_quarterly_report",))
    seen: list[int] = []

    def interrupt(got):
        raise KeyboardInterrupt

    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        batch.run(str(manifest), workers=2, out_root=tmp_path, database_url=store_url,
                  progress=_counting(live_kernels, seen, then=interrupt))
    assert time.perf_counter() - start < 120
    _assert_all_closed(live_kernels, seen)
    done = list(tmp_path.rglob(".done/*.json"))
    assert 1 <= len(done) < 3, "the district not started should not have run"


def _start_a_kernel(run_id: str) -> None:
    from distributed import get_worker

    batch._kernels_of(run_id, get_worker().address).get()


def test_a_dask_worker_that_shuts_down_closes_its_kernels(live_kernels):
    """Teardown of the run's worker plugin, which Dask calls when a worker closes, also
    closes the kernels (here no run removes the plugin first)."""
    import distributed
    with (distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                   dashboard_address=None) as cluster,
          distributed.Client(cluster) as client):
        client.register_plugin(batch._kernel_closer("t"), name="workbook-kernels-t")
        client.submit(_start_a_kernel, "t").result()
        seen = [len(live_kernels())]
    _assert_all_closed(live_kernels, seen)
