"""Kernels that start in a fraction of a second: forked from a warm process.

A kernel for an app page normally starts a new Python, which then spends 3-4 s of CPU
importing pandas, altair, ipywidgets and the app, and holds ~220 MB of its own. When
twenty people open the apps at once on a small server, those imports queue up on its
cores. Here the server keeps one *fork server*: a process that has imported all of that
once and waits. Each kernel is a `fork()` of it, so it starts with everything imported,
and shares the imported code's memory with its siblings (copy-on-write).

How a kernel starts, with three processes:

* Voila's kernel manager runs the kernel spec's command, which is this module's
  *client* (`python -m workbook.apps.forkserver -f CONNECTION_FILE`, a bare Python that
  imports nothing heavy). The manager watches, signals and kills that process as it would
  any kernel.
* The client connects to the fork server's Unix socket (in a folder only this user can
  open), passes its standard streams, environment, folder and arguments, and gets back
  the pid of the forked kernel. It then forwards every signal it gets (interrupt,
  terminate) to the kernel and exits when the kernel exits.
* The forked child becomes an ordinary IPython kernel (`ipykernel`'s own launcher) with
  the client's streams, environment and folder. It holds its end of the connection: if
  the client disappears (even by SIGKILL), the kernel sees the connection close and ends.

If the fork server cannot be reached, the client simply becomes a normal kernel (exec of
`ipykernel_launcher`): slower, never broken. The fork server ends when the server that
started it ends.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

#: Modules the fork server imports before it forks: what every app and workbook page
#: needs. A module that fails to import is skipped (its kernels import it themselves).
PRELOAD = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipywidgets", "IPython.display",
    "pandas", "altair", "sqlalchemy", "pydantic", "yaml",
    "workbook.apps.common", "workbook.apps.needs", "workbook.apps.rating",
    "workbook.apps.rootcause", "workbook.apps.plan", "workbook.apps.coaching",
    "workbook.apps.status",
)
#: Run in each forked kernel before its first cell (see `_become_kernel`).
REGISTER_WIDGETS = "import ipywidgets as _w; _w.register_comm_target(); del _w"
#: The environment variable that tells the client where the fork server listens.
SOCKET_ENV = "WORKBOOK_FORKSERVER"
#: How long a client waits for the fork server before starting a kernel the slow way. As
#: long as the server's own imports on a busy machine: a plain kernel would wait as long.
CONNECT_TIMEOUT = 60.0


# --------------------------------------------------------------------------- server side

def serve_forever(path: str, parent: int) -> None:
    """The fork server: preload, listen on `path`, fork a kernel per connection."""
    import gc
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a missing optional part: its kernels import it
            print(f"[workbook] fork server: not preloading {name}: {exc}",
                  file=sys.stderr, flush=True)
    _preload_data()
    gc.collect()
    gc.freeze()  # imported objects stay shared with the kernels (no GC writes to them)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped as they end
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(64)
    print(f"[workbook] fork server ready ({len(sys.modules)} modules preloaded)",
          file=sys.stderr, flush=True)
    while os.getppid() == parent:
        ready, _, _ = select.select([listener], [], [], 1.0)
        if not ready:
            continue
        try:
            conn, _ = listener.accept()
        except OSError:
            continue
        try:
            request, fds = _receive_request(conn)
        except (OSError, ValueError) as exc:
            print(f"[workbook] fork server: bad request: {exc}", file=sys.stderr, flush=True)
            conn.close()
            continue
        pid = os.fork()
        if pid == 0:  # the kernel
            listener.close()
            _become_kernel(conn, request, fds)  # never returns
        for fd in fds:
            os.close(fd)
        conn.close()  # only the kernel holds the connection now
    listener.close()


def _preload_data() -> None:
    """Read the packaged catalogues (Four Domains, Tool A, Tool B) and every region's
    outcome table and district list once, before forking, so no kernel spends time on
    them. Only data: no database connection and no chart engine (its threads would not
    survive a fork) is made here."""
    try:
        from workbook import catalogue
        from workbook.needs import model as needs_model

        catalogue.preload()
        needs_model.tool_a_categories()
    except Exception as exc:  # a broken catalogue: its kernels report it to their page
        print(f"[workbook] fork server: not preloading the catalogues: {exc}",
              file=sys.stderr, flush=True)
    try:
        from workbook.apps import common
        from workbook.run import regions

        for manifest in regions.manifests():
            common.district_choices(manifest.stem)
    except Exception as exc:  # a broken manifest: its kernels report it to their page
        print(f"[workbook] fork server: not preloading region data: {exc}",
              file=sys.stderr, flush=True)


def _receive_request(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    conn.settimeout(CONNECT_TIMEOUT)
    msg, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
    data = bytearray(msg)
    while not data.endswith(b"\n"):
        more = conn.recv(1 << 20)
        if not more:
            raise ValueError("the request ended early")
        data += more
    request = json.loads(data)
    if not isinstance(request, dict) or len(fds) != 3:
        raise ValueError("a request is a JSON object and three streams")
    conn.settimeout(None)
    return request, fds


def _become_kernel(conn: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: take the client's streams, environment and folder, then run
    ipykernel exactly as its launcher would."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the kernel's subprocesses need it
        os.setsid()  # its own group: signals to the server's group do not reach it
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in request["env"].items()})
        os.chdir(request["cwd"])
        conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
        threading.Thread(target=_end_with, args=(conn,), daemon=True,
                         name="workbook-client-watch").start()
        # the client is the kernel manager's process and the connection watches it, so no
        # parent poller (1 = "init", never polled); it also keeps ipykernel's console
        # banner out of the server's log
        # ipywidgets registers its comm targets when imported inside IPython; it was
        # imported here, in the fork server, before any IPython existed, so the kernel
        # registers them itself. Without "jupyter.widget.control" the page falls back to
        # asking for every widget's state one message at a time (seconds for a big form).
        sys.argv = ["ipykernel_launcher", *request["argv"], "--IPKernelApp.parent_handle=1",
                    f"--IPKernelApp.exec_lines={REGISTER_WIDGETS}"]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _end_with(conn: socket.socket) -> None:
    """End this kernel when its client goes (the manager killed it, or it died)."""
    try:
        while conn.recv(1024):
            pass
    except OSError:
        pass
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)
    os._exit(1)


# --------------------------------------------------------------------------- client side

def client(argv: list[str]) -> int:
    """The kernel spec's command: have the fork server start a kernel, then stand in for
    it (signals forwarded, exit when it exits)."""
    path = os.environ.get(SOCKET_ENV, "")
    conn = _connect(path) if path else None
    if conn is None:
        _exec_plain(argv)
    assert conn is not None
    try:
        request = {"argv": argv, "env": {k: v for k, v in os.environ.items()
                                         if k != SOCKET_ENV}, "cwd": os.getcwd()}
        socket.send_fds(conn, [json.dumps(request).encode() + b"\n"], [0, 1, 2])
        pid = _read_pid(conn)
    except (OSError, ValueError):
        conn.close()
        _exec_plain(argv)
    parent = os.getppid()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT,
                signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, lambda signum, _frame: _forward(pid, signum))
    while True:
        try:
            ready, _, _ = select.select([conn], [], [], 1.0)
            if ready and not conn.recv(1024):
                return 0  # the kernel ended
        except InterruptedError:
            continue
        except OSError:
            return 0
        if os.getppid() != parent:  # the server is gone: so is its kernel
            _forward(pid, signal.SIGTERM)
            return 0


def _connect(path: str) -> socket.socket | None:
    deadline = time.monotonic() + CONNECT_TIMEOUT
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline or not Path(path).parent.is_dir():
                return None
            time.sleep(0.1)  # the fork server is still importing


def _read_pid(conn: socket.socket) -> int:
    conn.settimeout(CONNECT_TIMEOUT)
    data = b""
    while not data.endswith(b"\n"):
        more = conn.recv(256)
        if not more:
            raise ValueError("the fork server closed the connection")
        data += more
    conn.settimeout(None)
    return int(json.loads(data)["pid"])


def _forward(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _exec_plain(argv: list[str]) -> None:
    os.environ.pop(SOCKET_ENV, None)
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])


# --------------------------------------------------------------------------- in the server

class ForkServer:
    """The fork server of this process, started on first use, stopped at exit."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="workbook-forkserver-"))
        os.chmod(self.folder, 0o700)
        self.path = str(self.folder / "kernels.sock")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workbook.apps.forkserver", "--serve", self.path,
             str(os.getpid())])
        atexit.register(self.stop)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


_server: ForkServer | None = None
_lock = threading.Lock()


def ensure_server() -> str:
    """The socket of this process's fork server, starting it (again) when needed."""
    global _server
    with _lock:
        if _server is None or not _server.alive():
            if _server is not None:
                _server.stop()
            _server = ForkServer()
        return _server.path


def kernel_spec_manager_class():
    """A KernelSpecManager whose Python kernel starts through the fork server."""
    from jupyter_client.kernelspec import KernelSpecManager

    class ForkingKernelSpecManager(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str):
            spec = super().get_kernel_spec(kernel_name)
            if spec.language == "python" and "ipykernel_launcher" in spec.argv:
                at = spec.argv.index("ipykernel_launcher")
                spec.argv = [sys.executable, "-m", "workbook.apps.forkserver",
                             *spec.argv[at + 1:]]
                spec.env = {**spec.env, SOCKET_ENV: ensure_server()}
            return spec

    return ForkingKernelSpecManager


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"] and len(argv) == 3:
        serve_forever(argv[1], int(argv[2]))
        return 0
    return client(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
