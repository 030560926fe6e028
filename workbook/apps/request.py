"""The page's request, as a pre-heated kernel receives it.

A pre-heated kernel runs its app's slow start before anyone asks for the page, then waits
for the request (its query string and user). Voila's own helper
(`voila.utils.wait_for_request`) gives up after a five-second connection timeout and
then carries on with no query at all, so on a loaded server an app could open on the
wrong district, or on none. Here the kernel keeps trying until the request arrives or
`REQUEST_WAIT_SECONDS` pass, and says in the server log when it gives up.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time

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
            async with websockets.connect(url, open_timeout=CONNECT_SECONDS,
                                          max_size=None) as ws:
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


def query_string() -> str:
    """The page's query string (after waiting for it in a pre-heated kernel)."""
    wait_for_request()
    return os.getenv("QUERY_STRING", "")
