"""A Jupyter kernel kept warm across notebook runs.

Plain papermill starts a kernel and re-imports pandas and altair for every notebook. A
WarmKernel starts once, imports workbook's modules once, and between notebooks only clears
the user namespace (`%reset -f`), so the modules, and the region data each worker cached,
stay loaded. Cells run through nbclient exactly as papermill runs them.
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

PRELUDE = """
import pandas, altair, vl_convert
import workbook.run.context, workbook.report.blocks, workbook.report.sections, workbook.run.params
import workbook.needs.tables, workbook.rootcause.tables
import workbook.plan.tables, workbook.progress.tables
vl_convert.vegalite_to_svg({"mark": "point", "data": {"values": [{}]}})  # start its engine
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


class WarmKernel:
    """One started kernel that runs many notebooks, one after another."""

    def __init__(self, kernel_name: str = "python3", cwd: str | Path | None = None,
                 env: dict[str, str] | None = None, timeout: int = 600):
        self.kernel_name, self.timeout = kernel_name, timeout
        # unix sockets: the kernel is on this machine, and nothing listens on a TCP port
        self._socket_dir = tempfile.mkdtemp(prefix="workbook-kernel-")
        self.km = KernelManager(kernel_name=kernel_name, transport="ipc",
                                ip=os.path.join(self._socket_dir, "k"))
        # no history database: a batch kernel's inputs are in the notebooks it writes
        self.km.start_kernel(cwd=str(cwd) if cwd else None, env={**os.environ, **(env or {})},
                             extra_arguments=["--HistoryManager.enabled=False"])
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)
        self._templates: dict[Path, nbformat.NotebookNode] = {}
        self._run(PRELUDE)

    def _run(self, code: str) -> None:
        msg_id = self.kc.execute(code, store_history=False, allow_stdin=False)
        while True:
            reply = self.kc.get_shell_msg(timeout=self.timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel setup failed: {reply['content'].get('evalue')}")

    def execute(self, path: str | Path, parameters: dict[str, Any]) -> nbformat.NotebookNode:
        """Run the notebook at `path` with papermill's parameter injection; returns it executed.

        A failing cell does not raise: the executed notebook, with the error in its outputs,
        is returned, so a caller can save it and report the error.
        """
        path = Path(path)
        if path not in self._templates:
            self._templates[path] = load_notebook_node(str(path))
        nb = parameterize_notebook(copy.deepcopy(self._templates[path]), parameters,
                                   kernel_name=self.kernel_name, language="python")
        self._run(RESET)
        client = NotebookClient(nb, km=self.km, timeout=self.timeout,
                                kernel_name=self.kernel_name, allow_errors=False)
        client.kc = self.kc
        try:
            client.execute()
        except CellExecutionError:
            pass  # the error is in the cell's outputs
        return nb

    def close(self) -> None:
        try:
            self.kc.stop_channels()
        finally:
            self.km.shutdown_kernel(now=True)
            shutil.rmtree(self._socket_dir, ignore_errors=True)

    def __enter__(self) -> WarmKernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def first_error(nb: nbformat.NotebookNode) -> str | None:
    """The first error in an executed notebook as 'Name: message' (the last line of its
    traceback, as Python prints it; a multi-line message is cut to its first line)."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                message = (out.get("evalue") or "").strip().splitlines()
                return f"{out.get('ename')}: {message[0] if message else ''}"
    return None
