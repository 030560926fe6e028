"""A pre-heated kernel waits for its page's request even when the server is slow to answer."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time

import pytest

from workbook.apps import request
from workbook.apps.serve import free_port


def _serve_later(port: int, delay: float, payload: dict[str, str], seen: list[str]) -> None:
    import websockets

    async def handler(ws) -> None:
        seen.append(ws.request.path)
        await ws.send(json.dumps(payload))

    async def main() -> None:
        await asyncio.sleep(delay)  # the server is busy: nothing listens yet
        async with websockets.serve(handler, "127.0.0.1", port):
            await asyncio.sleep(3)

    asyncio.run(main())


@pytest.fixture()
def preheated(monkeypatch):
    port = free_port()
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("VOILA_APP_PORT", str(port))
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    monkeypatch.setenv("VOILA_KERNEL_ID", "k-123")
    monkeypatch.delenv("QUERY_STRING", raising=False)
    return port


def test_the_kernel_keeps_trying_until_the_request_arrives(preheated):
    # Voila's own helper gives up after one 5 s connection attempt and renders no district
    seen: list[str] = []
    server = threading.Thread(target=_serve_later, args=(
        preheated, 2.0, {"QUERY_STRING": "district=27661590000000"}, seen))
    server.start()
    start = time.monotonic()
    assert request.query_string() == "district=27661590000000"
    assert time.monotonic() - start >= 2.0
    assert seen == ["/voila/query/k-123"]
    assert os.environ["VOILA_PREHEAT"] == "False"  # it now serves a page
    server.join()


def test_a_kernel_that_never_hears_gives_up_and_says_so(preheated, monkeypatch, capfd):
    monkeypatch.setattr(request, "REQUEST_WAIT_SECONDS", 1.0)
    assert request.query_string() == ""
    assert "no request reached this kernel" in capfd.readouterr().err


def test_outside_a_preheated_kernel_the_environment_is_the_query(monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setenv("QUERY_STRING", "district=1")
    assert request.query_string() == "district=1"
