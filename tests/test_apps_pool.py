"""workbook.apps.pool: Voila's pools refilled after the rush, one kernel at a time.

Driven on a stand-in for Voila's kernel manager (the real one needs a server and kernels;
the browser benchmark, benchmarks/apps.py, measures the real thing): what matters here is
when a replacement is started, and that the pool never holds a sleeping one.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from voila.request_info_handler import RequestInfoSocketHandler

from workbook.apps import pool


class FakeVoilaManager:
    """Voila's manager as the policy sees it: `fill_if_needed` puts started kernels in
    `_pools` (each a task giving {"kernel_id", "task"}), `_kernels` with execution states.
    As with our apps' real notebooks, a kernel's notebook runs for `run_seconds`, then
    connects to Voila's request socket and waits there: its render task ends only when a
    page takes the kernel (`take`). With `waits=False`, a notebook that runs to its end."""

    def __init__(self, run_seconds: float = 0.2, waits: bool = True):
        self.waits = waits
        self.requests: dict[str, asyncio.Event] = {}
        self._pools: dict[str, list[asyncio.Task]] = {}
        self._kernels: dict[str, SimpleNamespace] = {}
        self.fills: list[tuple[float | None, str | None, float]] = []
        self.running = 0
        self.most_running = 0
        self.run_seconds = run_seconds

    def list_kernel_ids(self) -> list[str]:
        return list(self._kernels)

    def fill_if_needed(self, delay=None, notebook_name=None, **kwargs) -> None:
        loop = asyncio.get_event_loop()
        self.fills.append((delay, notebook_name, loop.time()))
        pool_ = self._pools.setdefault(notebook_name, [])
        for _ in range(2 - len(pool_)):
            pool_.append(loop.create_task(self._kernel(notebook_name)))

    async def _kernel(self, name: str) -> dict:
        kernel_id = f"{name}-{len(self._kernels)}"
        self._kernels[kernel_id] = SimpleNamespace(execution_state="busy")

        async def run() -> None:  # the notebook running in the pre-heated kernel
            self.running += 1
            self.most_running = max(self.most_running, self.running)
            await asyncio.sleep(self.run_seconds)
            self.running -= 1
            if self.waits:  # warm: waiting on the request socket until a page takes it
                request = self.requests[kernel_id] = asyncio.Event()
                RequestInfoSocketHandler._waiters[kernel_id] = object()
                try:
                    await request.wait()
                finally:
                    RequestInfoSocketHandler._waiters.pop(kernel_id, None)
            self._kernels[kernel_id].execution_state = "idle"

        return {"kernel_id": kernel_id, "task": asyncio.get_event_loop().create_task(run())}

    async def start_kernel(self, **kwargs) -> str:
        kernel_id = f"own-{len(self._kernels)}"
        self._kernels[kernel_id] = SimpleNamespace(execution_state="busy")
        return kernel_id


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(pool, "QUIET_SECONDS", 0.3)
    monkeypatch.setattr(pool, "MAX_WAIT_SECONDS", 3.0)
    monkeypatch.setattr(pool, "POLL_SECONDS", 0.02)


def manager(**kwargs) -> FakeVoilaManager:
    return pool.install(FakeVoilaManager(**kwargs))


def take(m: FakeVoilaManager, name: str) -> None:
    """What Voila does when a page takes a pre-heated kernel: pop it, send it the request,
    ask for a refill."""
    taken = m._pools[name].pop(0)
    if taken.done() and taken.result()["kernel_id"] in m.requests:
        m.requests[taken.result()["kernel_id"]].set()
    m.fill_if_needed(delay=None, notebook_name=name)


def test_the_start_up_fill_is_voilas_own(quick):
    async def go():
        m = manager()
        m.fill_if_needed(delay=0, notebook_name="needs.ipynb")
        assert m.fills[0][:2] == (0, "needs.ipynb")
        assert len(m._pools["needs.ipynb"]) == 2
        await asyncio.gather(*m._pools["needs.ipynb"])
    asyncio.run(go())


def test_a_refill_waits_for_quiet_and_never_sits_asleep_in_the_pool(quick):
    async def go():
        m = manager()
        m.fill_if_needed(delay=0, notebook_name="needs.ipynb")
        await asyncio.gather(*m._pools["needs.ipynb"])
        await asyncio.sleep(0.25)  # the start-up kernels have run their notebooks
        loop = asyncio.get_event_loop()
        taken = loop.time()
        take(m, "needs.ipynb")
        # straight after the take: nothing queued in the pool, one ready kernel left
        assert len(m._pools["needs.ipynb"]) == 1
        assert all(task.done() for task in m._pools["needs.ipynb"])
        await asyncio.sleep(0.15)
        take(m, "needs.ipynb")  # a second page: the quiet starts again from here
        second = loop.time()
        assert m._pools["needs.ipynb"] == []  # empty: the next page starts its own kernel
        while len(m.fills) < 2:
            await asyncio.sleep(0.01)
        delay, name, when = m.fills[1]
        assert (delay, name) == (0, "needs.ipynb")  # started at once when it is started
        assert when - second >= pool.QUIET_SECONDS - 0.01 and when - taken >= 0.4
        await m._refill_task
        assert len(m._pools["needs.ipynb"]) == 2 and len(m.fills) == 2
    asyncio.run(go())


def test_refills_run_one_at_a_time(quick):
    async def go():
        m = manager(run_seconds=0.3)
        for name in ("needs.ipynb", "plan.ipynb", "status.ipynb"):
            m.fill_if_needed(delay=0, notebook_name=name)
            await asyncio.gather(*m._pools[name])
        await asyncio.sleep(0.35)
        m.most_running = 0
        for name in ("needs.ipynb", "plan.ipynb", "status.ipynb"):
            take(m, name)
        await m._refill_task
        assert [f[1] for f in m.fills[3:]] == ["needs.ipynb", "plan.ipynb", "status.ipynb"]
        assert m.most_running == 1  # each waited for the one before to finish its notebook
        assert all(len(m._pools[n]) == 2 for n in m._pools)
    asyncio.run(go())


def test_a_busy_page_holds_refills_back_until_the_longest_wait(quick, monkeypatch):
    async def go():
        m = manager()
        m.fill_if_needed(delay=0, notebook_name="needs.ipynb")
        await asyncio.gather(*m._pools["needs.ipynb"])
        await asyncio.sleep(0.25)
        own = await m.start_kernel()  # a page with a kernel of its own, running its notebook
        loop = asyncio.get_event_loop()
        start = loop.time()
        take(m, "needs.ipynb")
        await asyncio.sleep(1.0)
        assert len(m.fills) == 1  # quiet long since, but the page's kernel is busy
        await m._refill_task  # ... until MAX_WAIT_SECONDS
        assert m.fills[1][2] - start >= pool.MAX_WAIT_SECONDS - 0.05
        assert m._kernels[own].execution_state == "busy"
    asyncio.run(go())


def test_a_stuck_notebook_holds_back_no_other_pool(quick, monkeypatch):
    monkeypatch.setattr(pool, "RUN_WAIT_SECONDS", 0.5)

    async def go():
        m = manager(run_seconds=0.1)
        for name in ("needs.ipynb", "plan.ipynb"):
            m.fill_if_needed(delay=0, notebook_name=name)
            await asyncio.gather(*m._pools[name])
        await asyncio.sleep(0.2)
        m.run_seconds = 30  # the next notebook never ends (within the test)
        take(m, "needs.ipynb")
        take(m, "plan.ipynb")
        started = asyncio.get_event_loop().time()
        await asyncio.wait_for(m._refill_task, 5)
        assert [f[1] for f in m.fills[2:]] == ["needs.ipynb", "plan.ipynb"]
        assert asyncio.get_event_loop().time() - started < 4
        assert m.running == 2  # both notebooks still running: nothing was cancelled
    asyncio.run(go())


def test_install_is_idempotent():
    m = manager()
    cls = type(m)
    assert pool.install(m) is m and type(m) is cls
    assert isinstance(m, pool.Refills) and isinstance(m, FakeVoilaManager)


@pytest.mark.parametrize("waits", [True, False])
def test_a_kernel_is_ready_once_its_notebook_waits_for_the_request(quick, waits):
    """An app's notebook never ends while it waits for its page (Voila's render task ends
    only after the request): the next refill starts when the last one is waiting, not after
    RUN_WAIT_SECONDS. A notebook that does not wait is ready when it ends."""
    async def go():
        m = manager(run_seconds=0.2, waits=waits)
        names = ("needs.ipynb", "plan.ipynb", "status.ipynb")
        for name in names:
            m.fill_if_needed(delay=0, notebook_name=name)
        await asyncio.sleep(0.3)
        m.most_running = 0
        loop = asyncio.get_event_loop()
        for name in names:
            take(m, name)
        started = loop.time()
        await asyncio.wait_for(m._refill_task, 10)  # RUN_WAIT_SECONDS is 120
        took = loop.time() - started
        assert took < pool.QUIET_SECONDS + 3 * 0.2 + 1.5
        assert m.most_running == 1 and m.running == 0
        starts = [f[2] for f in m.fills[3:]]
        assert [f[1] for f in m.fills[3:]] == list(names)
        assert all(b - a >= 0.19 for a, b in zip(starts, starts[1:], strict=False))
        if waits:
            ready = [task.result()["kernel_id"] for n in names for task in m._pools[n]]
            assert all(pool._waiting_for_request(k) for k in ready)
    asyncio.run(go())
