"""The page's request, as a pre-heated kernel receives it.

A pre-heated kernel runs its app's slow start before anyone asks for the page, then waits
for the request (its query string and user). Voila's own helper
(`voila.utils.wait_for_request`) gives up after a five-second connection timeout and
then carries on with no query at all, so on a loaded server an app could open on the
wrong district, or on none. Here the kernel keeps trying until the request arrives or
`REQUEST_WAIT_SECONDS` pass, and says in the server log when it gives up. The server's
end of the hand-over is mended too (`harden_voila_request_socket`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import threading
import time
from typing import Any

_log = logging.getLogger(__name__)

#: How long a pre-heated kernel waits for its page's request before it gives up.
REQUEST_WAIT_SECONDS = 120.0
#: Each connection attempt's own timeout.
CONNECT_SECONDS = 15.0


def _query_url() -> str:
    protocol = os.getenv("VOILA_WS_PROTOCOL", "ws")
    ip = os.getenv("VOILA_APP_IP", "127.0.0.1")
    port = os.getenv("VOILA_APP_PORT", "8866")
    base = os.getenv("VOILA_WS_BASE_URL", os.getenv("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{ip}:{port}{base}voila/query/{os.getenv('VOILA_KERNEL_ID', '')}"


async def _receive(url: str, deadline: float) -> str | None:
    import websockets

    while time.monotonic() < deadline:
        try:
            # no keep-alive pings: on loopback a server busy for longer than the ping
            # timeout would have the connection dropped, and the request with it
            async with websockets.connect(url, open_timeout=CONNECT_SECONDS,
                                          ping_interval=None, max_size=None) as ws:
                message = await ws.recv()
                return message if isinstance(message, str) else message.decode()
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException):
            await asyncio.sleep(0.5)
    return None


def wait_for_request() -> None:
    """In a pre-heated kernel, wait for the page's request and put it in the environment
    (as Voila does: QUERY_STRING, the request URL, the user's headers)."""
    if os.getenv("VOILA_PREHEAT", "False") != "True":
        return
    url = _query_url()
    got: list[str | None] = [None]

    def receive() -> None:  # its own thread: the kernel's thread already runs a loop
        got[0] = asyncio.run(_receive(url, time.monotonic() + REQUEST_WAIT_SECONDS))

    thread = threading.Thread(target=receive, name="workbook-request", daemon=True)
    thread.start()
    thread.join()
    message = got[0]
    if message is None:
        print(f"[workbook] no request reached this kernel in {REQUEST_WAIT_SECONDS:.0f} s "
              f"({url})", file=sys.__stderr__, flush=True)
        return
    for key, value in json.loads(message).items():
        os.environ[key] = value
    # the kernel now serves a page: it is no longer waiting in the pool
    os.environ["VOILA_PREHEAT"] = "False"


def harden_voila_request_socket() -> None:
    """Mend Voila's side of the hand-over (`voila.request_info_handler`), in the server.

    Voila keeps one socket per waiting kernel (`_waiters`) and a cache for a request that
    comes before its kernel has connected. Two faults lose a request, and the page then
    never draws (it waits for a kernel that waits for its request):

    - a socket closing that is no longer its kernel's waiter (the kernel connected again,
      `_receive` above) deletes *another* kernel's waiter: Voila's loop looks for itself,
      does not find itself, and deletes whichever key it saw last (with no waiters at all
      it raises instead);
    - a request written to a socket that has just closed is logged and dropped, where a
      kernel connecting again would have found it in the cache.

    Here a socket that closes removes only itself, a request that cannot be written is
    cached, and a request is taken out of the cache when it is delivered."""
    from voila.request_info_handler import RequestInfoSocketHandler as Socket

    if getattr(Socket, "_workbook_hardened", False):
        return

    def open(self: Any, kernel_id: str) -> None:  # noqa: A001 (tornado's name)
        Socket._waiters[kernel_id] = self
        payload = Socket._cache.pop(kernel_id, None)
        if payload is not None:
            self.write_message(payload)

    def on_close(self: Any) -> None:
        for kernel_id, waiter in list(Socket._waiters.items()):
            if waiter is self:
                del Socket._waiters[kernel_id]

    def send_updates(cls: Any, msg: dict) -> None:
        kernel_id, payload = msg["kernel_id"], msg["payload"]
        waiter = Socket._waiters.get(kernel_id)
        if waiter is not None:
            try:
                waiter.write_message(payload)
                return
            except Exception:  # closed meanwhile: the kernel connects again and finds it
                _log.warning("the request for kernel %s will wait for it to connect again",
                             kernel_id)
        Socket._cache[kernel_id] = payload

    Socket.open = open
    Socket.on_close = on_close
    Socket.send_updates = classmethod(send_updates)
    Socket._workbook_hardened = True


def query_string() -> str:
    """The page's query string (after waiting for it in a pre-heated kernel)."""
    wait_for_request()
    return os.getenv("QUERY_STRING", "")
