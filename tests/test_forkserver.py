"""Kernels forked from the warm process: they run, stop, interrupt and end with their
client like any kernel, and a server that cannot be reached means a plain kernel."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import psutil
import pytest
from jupyter_client import KernelManager

from workbook.apps import capacity, forkserver

pytestmark = pytest.mark.slow


def _run(kc, code: str) -> str:
    out: list[str] = []
    kc.execute_interactive(code, timeout=60, output_hook=lambda m: out.append(
        m["content"].get("text", "")) if m["msg_type"] == "stream" else None)
    return "".join(out).strip()


@pytest.fixture
def manager():
    ksm = forkserver.kernel_spec_manager_class()()
    started: list[tuple[KernelManager, object]] = []

    def start(**env: str) -> tuple[KernelManager, object]:
        km = KernelManager(kernel_name="python3", kernel_spec_manager=ksm)
        km.start_kernel(env={**os.environ, **env})
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        started.append((km, kc))
        return km, kc

    yield start
    for km, kc in started:
        kc.stop_channels()
        if km.is_alive():
            km.shutdown_kernel(now=True)


def _server_pid() -> int:
    assert forkserver._server is not None
    return forkserver._server.proc.pid


def test_kernel_is_a_warm_fork_and_shuts_down(manager) -> None:
    km, kc = manager()
    pid = int(_run(kc, "import os; print(os.getpid())"))
    assert psutil.Process(pid).ppid() == _server_pid()  # forked, not a new Python
    # what the fork server imported is there before the kernel imports anything
    assert _run(kc, "import sys; print('pandas' in sys.modules and "
                    "'workbook.apps.common' in sys.modules)") == "True"
    assert _run(kc, "import os; print(os.getcwd())") == os.getcwd()
    km.shutdown_kernel(now=False)
    assert not km.is_alive()
    deadline = time.monotonic() + 10
    while psutil.pid_exists(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not psutil.pid_exists(pid)


def test_interrupt_reaches_the_kernel(manager) -> None:
    km, kc = manager()
    msg_id = kc.execute("import time; time.sleep(60)")
    time.sleep(1)
    start = time.monotonic()
    km.interrupt_kernel()
    while True:
        reply = kc.get_shell_msg(timeout=20)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    assert time.monotonic() - start < 10


def test_kernel_ends_when_its_client_is_killed(manager) -> None:
    km, kc = manager()
    pid = int(_run(kc, "import os; print(os.getpid())"))
    os.kill(km.provisioner.process.pid, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while psutil.pid_exists(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not psutil.pid_exists(pid)


def test_each_kernel_has_its_own_environment(manager) -> None:
    _, kc1 = manager(WORKBOOK_TEST_MARK="one")
    _, kc2 = manager(WORKBOOK_TEST_MARK="two")
    code = "import os; print(os.environ.get('WORKBOOK_TEST_MARK'))"
    assert (_run(kc1, code), _run(kc2, code)) == ("one", "two")
    # and their own random state, though forked from one process
    code = "import random; print(random.random())"
    assert _run(kc1, code) != _run(kc2, code)


def test_unreachable_fork_server_means_a_plain_kernel(tmp_path) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    km = KernelManager(kernel_name="python3")
    km.kernel_spec_manager.get_kernel_spec = lambda name: _forked_spec(spec, tmp_path)
    km.start_kernel(env={**os.environ, forkserver.SOCKET_ENV: str(tmp_path / "gone" / "s")})
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        assert _run(kc, "print(6 * 7)") == "42"
        pid = int(_run(kc, "import os; print(os.getpid())"))
        assert pid == km.provisioner.process.pid  # the client became the kernel (exec)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _forked_spec(spec, tmp_path):
    import copy

    out = copy.copy(spec)
    at = spec.argv.index("ipykernel_launcher")
    out.argv = [spec.argv[0], "-m", "workbook.apps.forkserver", *spec.argv[at + 1:]]
    return out


class _Manager:
    def __init__(self, kernels: int, pooled: int) -> None:
        self._ids = [str(i) for i in range(kernels)]
        self._pools = {"a.ipynb": [object()] * pooled}

    def list_kernel_ids(self) -> list[str]:
        return self._ids


def test_capacity_counts_pages_not_pooled_kernels() -> None:
    assert capacity.pages_served(_Manager(kernels=9, pooled=6)) == 3
    assert capacity.pages_served(_Manager(kernels=2, pooled=2)) == 0
    assert capacity.default_cap(24 << 30) == 24 * 1024 // capacity.KERNEL_BUDGET_MB
    assert capacity.default_cap(100 << 20) == capacity.MIN_KERNELS
    assert capacity.default_cap(10 << 40) == capacity.MAX_KERNELS
    page = capacity.busy_page(7)
    assert "http-equiv='refresh' content='7'" in page and "role='status'" in page


def test_served_pages_use_forked_kernels_and_the_cap(tmp_path) -> None:
    """A real `workbook serve`: a page's kernel is a fork of the warm process, and a page
    opened beyond --max-kernels gets the busy page (503, Retry-After) instead of a kernel."""
    import urllib.error
    import urllib.request

    from workbook.apps.serve import Background

    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Background(database_url=url, log_path=tmp_path / "serve.log",
                    args=("--pool-size", "0", "--max-kernels", "1")) as server:
        assert "at most 1 pages at once" in server.log()

        def get(app: str) -> tuple[int, str, dict]:
            try:
                with urllib.request.urlopen(f"{server.base}/voila/render/{app}.ipynb?token="
                                            f"{server.token}", timeout=300) as reply:
                    return reply.status, reply.read().decode(), dict(reply.headers)
            except urllib.error.HTTPError as err:
                return err.code, err.read().decode(), dict(err.headers)

        status, body, _ = get("needs")  # no websocket: its kernel stays until culled
        assert status == 200 and "Needs assessment explorer" in body
        forks = [p for p in psutil.Process(server.proc.pid).children()
                 if "--serve" in p.cmdline()]
        assert len(forks) == 1 and len(forks[0].children()) == 1  # the page's kernel
        # it talks over unix sockets, not loopback ports another kernel could take first:
        # every channel of its connection file is a socket file the kernel listens on
        stub = [p for p in psutil.Process(server.proc.pid).children() if "-f" in p.cmdline()]
        assert len(stub) == 1
        info = json.loads(Path(stub[0].cmdline()[stub[0].cmdline().index("-f") + 1])
                          .read_text())
        assert info["transport"] == "ipc"
        channels = {f"{info['ip']}-{info[name]}" for name in
                    ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")}
        listening = {c.laddr for c in forks[0].children()[0].net_connections(kind="unix")}
        assert channels <= listening, channels - listening
        status, body, headers = get("plan")
        assert status == 503
        assert headers["Retry-After"] == str(capacity.RETRY_SECONDS)
        assert "The apps are busy" in body and "http-equiv='refresh'" in body


def test_a_forked_kernel_answers_the_widget_control_comm(manager) -> None:
    """The page fetches every widget's state in one message through the
    "jupyter.widget.control" comm; a kernel that never registered it makes the page ask
    widget by widget (seconds for a big form). The fork server imported ipywidgets
    before any IPython existed, so the kernel must register it itself."""
    import uuid

    km, kc = manager()
    assert _run(kc, "import ipywidgets as w; x = w.HTML('hello'); print(x.model_id)")
    comm_id = str(uuid.uuid4())
    kc.shell_channel.send(kc.session.msg(
        "comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control",
                      "data": {}}, metadata={"version": "1.0.0"}))  # as the page sends it
    kc.shell_channel.send(kc.session.msg("comm_msg", {
        "comm_id": comm_id, "data": {"method": "request_states"}}))
    deadline = time.monotonic() + 30
    states = None
    while states is None and time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except Exception:
            continue
        content = msg["content"]
        if msg["msg_type"] == "comm_msg" and content.get("comm_id") == comm_id:
            states = content["data"].get("states")
    assert states, "no update_states reply on jupyter.widget.control"
    assert any(s["state"].get("value") == "hello" for s in states.values())
