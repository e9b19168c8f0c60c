"""Slow request heads meet a deadline (issue 11 §4): real uvicorn on 127.0.0.1, raw sockets."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.standin.fixtures import bound_socket
from workout_mcp.http.header_deadline import (
    HeaderDeadlineProtocol,
    header_deadline_protocol,
    with_header_deadline,
)

PARSERS = pytest.mark.parametrize("parser", ["h11", "httptools"])

REQUEST = b"GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


async def ok(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


@contextmanager
def serving(http: Any) -> Iterator[int]:
    app = Starlette(routes=[Route("/ok", ok)])
    with bound_socket() as sock:
        config = uvicorn.Config(app, http=http, log_level="warning", lifespan="off", timeout_keep_alive=5)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        try:
            yield sock.getsockname()[1]
        finally:
            server.should_exit = True
            thread.join(10)


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        return sock.recv(1024) == b""
    except TimeoutError:
        return False


def _answer(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"ok"):
        chunk = sock.recv(1024)
        assert chunk, "connection closed before the answer"
        data += chunk
    return data


@PARSERS
def test_stock_uvicorn_waits_for_a_slow_head_forever(parser: str) -> None:
    """Why the protocol exists: without it a half-sent head holds the connection open."""
    with serving(parser) as port, _connect(port) as sock:
        sock.sendall(b"GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert not _closed_within(sock, 1.5)


@PARSERS
def test_a_head_that_does_not_arrive_in_time_closes_the_connection(parser: str) -> None:
    with serving(header_deadline_protocol(parser, 0.5)) as port, _connect(port) as sock:
        sock.sendall(b"GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1")
        started = time.monotonic()
        assert _closed_within(sock, 5)
        assert time.monotonic() - started < 4


@PARSERS
def test_a_connection_that_sends_nothing_is_closed(parser: str) -> None:
    with serving(header_deadline_protocol(parser, 0.5)) as port, _connect(port) as sock:
        assert _closed_within(sock, 5)


@PARSERS
def test_a_head_sent_in_pieces_within_the_deadline_is_answered(parser: str) -> None:
    with serving(header_deadline_protocol(parser, 2.0)) as port, _connect(port) as sock:
        sock.sendall(REQUEST[:10])
        time.sleep(0.3)
        sock.sendall(REQUEST[10:])
        assert _answer(sock).startswith(b"HTTP/1.1 200 ")


@PARSERS
def test_an_idle_keep_alive_connection_is_left_to_timeout_keep_alive(parser: str) -> None:
    """Between requests the deadline does not run: a keep-alive connection idles longer and still works."""
    with serving(header_deadline_protocol(parser, 0.5)) as port, _connect(port) as sock:
        sock.sendall(REQUEST)
        assert _answer(sock).startswith(b"HTTP/1.1 200 ")
        time.sleep(1.2)
        sock.sendall(REQUEST)
        assert _answer(sock).startswith(b"HTTP/1.1 200 ")
        sock.sendall(REQUEST[:12])  # the next head starts, then stalls
        assert _closed_within(sock, 5)


def test_the_default_deadline_is_a_few_seconds() -> None:
    assert 1 <= HeaderDeadlineProtocol.header_deadline <= 30


@pytest.mark.parametrize("seconds", [0.25, 3.0])
def test_with_header_deadline_keeps_the_protocol(seconds: float) -> None:
    protocol = with_header_deadline(seconds)
    assert issubclass(protocol, HeaderDeadlineProtocol) and protocol.header_deadline == seconds


def test_the_server_picks_the_deadline_protocol_of_its_parser() -> None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    assert header_deadline_protocol("h11") is HeaderDeadlineProtocol
    assert issubclass(header_deadline_protocol("httptools"), HttpToolsProtocol)
    assert header_deadline_protocol("httptools", 2.0).header_deadline == 2.0  # type: ignore[attr-defined]
