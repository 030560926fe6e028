"""A Jupyter kernel kept warm across notebook runs.

Plain papermill starts a kernel and re-imports pandas and altair for every notebook. A
WarmKernel starts once, imports workbook's modules once, and between notebooks only clears
the user namespace (`%reset -f`), so the modules, and the region data each worker cached,
stay loaded. Cells run through nbclient exactly as papermill runs them.

A batch run starts its kernels through `Kernels`, one per thread, and closes them all in its
`finally`, whichever thread started them: a kernel left running is a process that outlives
the run.

This is not a papermill engine (`papermill_engines.register`): papermill's engines run under
its NotebookExecutionManager, which adds timing metadata to every cell and an error banner
cell to a failed notebook, so the notebooks a run writes would change, and the engine would
still need this class to keep the kernel warm.
"""

from __future__ import annotations

import copy
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from workbook.errors import WorkbookError

log = logging.getLogger(__name__)

PRELUDE = """
import pandas, altair, vl_convert
import workbook.run.context, workbook.report.blocks, workbook.report.sections, workbook.run.params
import workbook.needs.tables, workbook.needs.charts, workbook.needs.priorities
import workbook.rootcause.tables, workbook.rootcause.charts
import workbook.plan.tables, workbook.plan.charts
import workbook.progress.tables, workbook.progress.quarterly, workbook.progress.charts
workbook.report.blocks.start_chart_engine()  # vl-convert, with its own fonts only
import workbook.run.speedups; workbook.run.speedups.install()
"""


# Clears what the last notebook defined and the input history (the validation cell reads
# the history to find papermill's injected parameters). IPython's `%reset -f` does the same
# but also runs full garbage collections, which cost about 0.4 s a notebook.
RESET = """
_ip = get_ipython()
for _name in [n for n in _ip.user_ns if not n.startswith("_") and n not in _ip.user_ns_hidden]:
    del _ip.user_ns[_name]
del _ip.history_manager.input_hist_parsed[1:]  # this list is `In`
del _ip.history_manager.input_hist_raw[1:]
_ip.user_ns["Out"].clear()
del _ip
globals().pop("_name", None)
"""


SOCKET_PREFIX = "workbook-kernel-"
"""Each kernel's folder of sockets and connection file in the temporary directory is
`workbook-kernel-<pid of the process that started it>-<random>`."""


def remove_stale_socket_dirs(folder: str | Path | None = None) -> list[Path]:
    """Remove the kernel folders that killed runs left in `folder` (default: the temporary
    directory): those whose owning process, named by the pid in the folder's name, is gone.
    A folder of a live process, or whose name carries no pid, is kept. Returns those removed."""
    root = Path(folder or tempfile.gettempdir())
    removed = []
    try:
        candidates = list(root.glob(f"{SOCKET_PREFIX}*"))
    except OSError:
        return []
    for path in candidates:
        pid_text = path.name[len(SOCKET_PREFIX):].split("-", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)) or not path.is_dir():
            continue
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or a name we cannot read: keep it
    return True


class WarmKernel:
    """One started kernel that runs many notebooks, one after another."""

    def __init__(self, kernel_name: str = "python3", cwd: str | Path | None = None,
                 env: dict[str, str] | None = None, timeout: int = 600):
        self.kernel_name, self.timeout = kernel_name, timeout
        self._in_use = threading.Lock()  # held while a notebook runs
        self._closing = threading.Lock()
        self._closed = False
        self._templates: dict[Path, nbformat.NotebookNode] = {}
        from workbook.run import speedups

        speedups.install_driver()  # this process makes the notebooks from the kernel's messages
        # unix sockets: the kernel is on this machine, and nothing listens on a TCP port. The
        # folder holds the sockets and the connection file, and is named after this process,
        # so a later run can remove it if this process is killed before it can
        self._socket_dir = tempfile.mkdtemp(prefix=f"{SOCKET_PREFIX}{os.getpid()}-")
        try:
            self.km = KernelManager(kernel_name=kernel_name, transport="ipc",
                                    ip=os.path.join(self._socket_dir, "k"),
                                    connection_file=os.path.join(self._socket_dir,
                                                                 "kernel.json"))
        except BaseException:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            raise
        self.kc = None
        try:
            # no history database: a batch kernel's inputs are in the notebooks it writes
            self.km.start_kernel(cwd=str(cwd) if cwd else None,
                                 env={**os.environ, **(env or {})},
                                 extra_arguments=["--HistoryManager.enabled=False"])
            self.kc = self.km.client()
            self.kc.start_channels()
            self.kc.wait_for_ready(timeout=120)
            self._run(PRELUDE)
        except BaseException:  # a kernel that failed to warm up is still a process
            self.close()
            raise

    def _run(self, code: str) -> None:
        kc = self.kc
        assert kc is not None  # only called once the client is started
        msg_id = kc.execute(code, store_history=False, allow_stdin=False)
        while True:
            reply = kc.get_shell_msg(timeout=self.timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel setup failed: {reply['content'].get('evalue')}")

    def execute(self, path: str | Path, parameters: dict[str, Any]) -> nbformat.NotebookNode:
        """Run the notebook at `path` with papermill's parameter injection; returns it executed.

        A failing cell does not raise: the executed notebook, with the error in its outputs,
        is returned, so a caller can save it and report the error.
        """
        with self._in_use:
            if self._closed:
                raise WorkbookError("the kernel was closed before this notebook could run "
                                    "(the run is stopping)")
            return self._execute(Path(path), parameters)

    def _execute(self, path: Path, parameters: dict[str, Any]) -> nbformat.NotebookNode:
        if path not in self._templates:
            self._templates[path] = load_notebook_node(str(path))
        nb = parameterize_notebook(copy.deepcopy(self._templates[path]), parameters,
                                   kernel_name=self.kernel_name, language="python")
        self._run(RESET)
        client = NotebookClient(nb, km=self.km, timeout=self.timeout,
                                kernel_name=self.kernel_name, allow_errors=False,
                                on_cell_start=self._stop_if_closed)
        client.kc = self.kc
        try:
            client.execute()
        except CellExecutionError:
            pass  # the error is in the cell's outputs
        return nb

    def _stop_if_closed(self, **_: Any) -> None:
        if self._closed:
            raise WorkbookError("the kernel was closed while this notebook ran (the run is "
                                "stopping)")

    def close(self, wait: float = 10.0) -> None:
        """Stop the kernel process; a second call does nothing. Safe from any thread: a
        notebook running on the kernel is interrupted and given `wait` seconds to return,
        because a thread reading from a killed kernel waits for ever."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
        idle = self._in_use.acquire(blocking=False)
        try:
            if not idle and self.km.has_kernel:
                # stop the notebook running on it: the interrupt ends the cell running now (an
                # idle kernel ignores it), and _stop_if_closed refuses to start the next one
                self.km.interrupt_kernel()
                idle = self._in_use.acquire(timeout=wait)
            if self.kc is not None:
                self.kc.stop_channels()
        finally:
            try:
                if self.km.has_kernel:
                    self.km.shutdown_kernel(now=True)
            finally:
                shutil.rmtree(self._socket_dir, ignore_errors=True)
                if idle:
                    self._in_use.release()

    def __enter__(self) -> WarmKernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Kernels:
    """The warm kernels of one run, one per thread that asks. They are kept in one list, not
    in thread-locals, so that `close()`, from any thread, closes every one of them."""

    def __init__(self, start: Callable[[], WarmKernel]):
        self._start = start
        self._lock = threading.Lock()
        self._by_thread: dict[int, WarmKernel] = {}
        self._closed = False

    def get(self) -> WarmKernel:
        """This thread's kernel, started on first use."""
        me = threading.get_ident()
        with self._lock:
            self._refuse_if_closed()
            kernel = self._by_thread.get(me)
        if kernel is None:
            kernel = self._start()
            with self._lock:
                closed = self._closed
                if not closed:
                    self._by_thread[me] = kernel
            if closed:  # close() ran while this one was starting
                kernel.close()
                self._refuse_if_closed()
        return kernel

    def _refuse_if_closed(self) -> None:
        if self._closed:
            raise WorkbookError("no kernel: the run is stopping")

    def close(self) -> None:
        """Close every kernel started so far and refuse to start more. Never raises: a
        kernel that fails to close is logged, and the others are still closed."""
        with self._lock:
            self._closed = True
            kernels = list(self._by_thread.values())
            self._by_thread.clear()
        for kernel in kernels:
            try:
                kernel.close()
            except Exception:
                log.warning("could not close a warm kernel", exc_info=True)


def first_error(nb: nbformat.NotebookNode) -> str | None:
    """The first error in an executed notebook as 'Name: message' (the last line of its
    traceback, as Python prints it; a multi-line message is cut to its first line)."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                message = (out.get("evalue") or "").strip().splitlines()
                return f"{out.get('ename')}: {message[0] if message else ''}"
    return None
