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


# ---------------------------------------------------------------- the server's end (Voila)


class FakeSocket:
    """Stands in for one kernel's connection to Voila's request socket."""

    def __init__(self) -> None:
        self.got: list[str] = []
        self.closed = False

    def write_message(self, message: str) -> None:
        from tornado.websocket import WebSocketClosedError

        if self.closed:
            raise WebSocketClosedError()
        self.got.append(message)


@pytest.fixture()
def socket(monkeypatch):
    from voila.request_info_handler import RequestInfoSocketHandler

    # Voila's class is put back as it was after the test (no other test sees it mended)
    for name in ("open", "on_close", "send_updates"):
        monkeypatch.setattr(RequestInfoSocketHandler, name, vars(RequestInfoSocketHandler)[name])
    monkeypatch.setattr(RequestInfoSocketHandler, "_workbook_hardened", False, raising=False)
    request.harden_voila_request_socket()
    request.harden_voila_request_socket()  # twice is once
    monkeypatch.setattr(RequestInfoSocketHandler, "_waiters", {})
    monkeypatch.setattr(RequestInfoSocketHandler, "_cache", {})
    return RequestInfoSocketHandler


def test_a_kernel_that_connected_again_does_not_lose_another_kernels_request(socket):
    first, again, other = FakeSocket(), FakeSocket(), FakeSocket()
    socket.open(first, "A")
    socket.open(again, "A")  # kernel A's first connection dropped; it connected again
    socket.open(other, "B")
    socket.on_close(first)  # the old connection's close arrives late
    assert socket._waiters == {"A": again, "B": other}  # Voila's own deleted B's
    socket.send_updates({"kernel_id": "B", "payload": "district=2"})
    socket.send_updates({"kernel_id": "A", "payload": "district=1"})
    assert (other.got, again.got, first.got) == (["district=2"], ["district=1"], [])
    socket.on_close(again)
    socket.on_close(other)
    assert socket._waiters == {} and socket._cache == {}
    socket.on_close(FakeSocket())  # a close with nobody waiting (Voila's own raised)


def test_a_request_written_to_a_closed_socket_waits_for_the_kernel_to_connect_again(socket):
    gone, back = FakeSocket(), FakeSocket()
    socket.open(gone, "A")
    gone.closed = True  # closed, and the server has not heard yet
    socket.send_updates({"kernel_id": "A", "payload": "district=1"})  # Voila's own dropped it
    socket.on_close(gone)
    socket.open(back, "A")
    assert back.got == ["district=1"] and socket._cache == {}


def test_a_request_before_its_kernel_connects_is_given_once_it_does(socket):
    socket.send_updates({"kernel_id": "C", "payload": "district=3"})
    late = FakeSocket()
    socket.open(late, "C")
    assert late.got == ["district=3"] and socket._cache == {}  # delivered, not kept
