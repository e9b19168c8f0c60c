"""Serve an ASGI app with real uvicorn on 127.0.0.1 (a free port) for the length of a test."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from starlette.types import ASGIApp


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    port: int
    server: uvicorn.Server


@contextmanager
def serve(app: ASGIApp, *, port: int | None = None, startup_timeout: float = 15.0) -> Iterator[LiveServer]:
    """Run `app` under uvicorn (lifespan on) in a thread; stops it and waits on exit."""
    port = port or free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn exited during start-up")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise TimeoutError("uvicorn did not start in time")
        time.sleep(0.01)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", port=port, server=server)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the server's graceful shutdown), then SIGKILL if it is still there after 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextmanager
def server_process(
    env: dict[str, str], *, startup_timeout: float = 30.0
) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m workout_mcp.server` in http mode with `env` (which names PORT), once `/health` answers.

    Terminated and waited for on exit; its stdout is piped so a test can check nothing was printed.
    """
    port = env["PORT"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "workout_mcp.server"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        yield proc
    finally:
        stop_process(proc)
