"""Run ASGI apps (the stand-in, the server under test) under real uvicorn on 127.0.0.1.

`serve_asgi(app)` is a context manager yielding the base URL; `run_standin(state)` yields a `Standin`;
the `standin` pytest fixture wraps `run_standin` (import it into a conftest to use it).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn

from tests.standin.app import build_standin_app, make_rest
from tests.standin.keys import SigningKey
from tests.standin.state import StandinState, User


@contextmanager
def serve_asgi(app: Any, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `app` in a background thread on a loopback port; yields `http://127.0.0.1:<port>`."""
    with bound_socket(host, port) as sock:
        with serve_on_socket(app, sock) as url:
            yield url


@contextmanager
def bound_socket(host: str = "127.0.0.1", port: int = 0) -> Iterator[socket.socket]:
    """A listening-ready socket bound before the app exists, so the app can be built knowing its port."""
    sock = socket.socket(
        socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )  # proto set: asyncio then sets TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    try:
        yield sock
    finally:
        sock.close()


@contextmanager
def serve_on_socket(app: Any, sock: socket.socket) -> Iterator[str]:
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@dataclass
class Standin:
    url: str
    state: StandinState

    @property
    def anon_key(self) -> str:
        return self.state.anon_key

    @property
    def issuer(self) -> str:
        return self.state.issuer

    def add_user(self, email: str, password: str = "correct horse battery staple", **kw: Any) -> User:
        return self.state.add_user(email, password, **kw)

    def mint(
        self, user: User, *, client_id: str | None = None, key: SigningKey | None = None, **overrides: Any
    ) -> str:
        """An access token with Supabase's exact claims; `overrides` replace claims (None removes one)."""
        return self.state.mint(user, client_id=client_id, key=key, **overrides)


@contextmanager
def run_standin(state: StandinState | None = None, *, dsn: str | None = None) -> Iterator[Standin]:
    """The stand-in on a free loopback port; with `dsn`, the PostgREST half runs over that database."""
    state = state or StandinState()
    with bound_socket() as sock:
        host, port = sock.getsockname()[:2]
        state.base_url = f"http://{host}:{port}"
        rest = None if dsn is None else make_rest(state, dsn)
        with serve_on_socket(build_standin_app(state, rest=rest), sock) as url:
            yield Standin(url=url, state=state)


@pytest.fixture
def standin() -> Iterator[Standin]:
    """The Supabase stand-in on a free loopback port: `.url`, `.state`, `.anon_key`, `.mint(user, ...)`."""
    with run_standin() as running:
        yield running
