"""Two real uvicorn processes sharing one Redis hold one combined limit per user."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from tests.ratelimit.conftest import REDIS_URL
from tests.ratelimit.support import tool_call

pytestmark = [pytest.mark.redis, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
LIMIT = 25


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def servers(redis_client: Redis, prefix: str) -> Iterator[list[str]]:
    env = {**os.environ, "REDIS_URL": REDIS_URL, "RL_PREFIX": prefix, "RL_LIMIT": str(LIMIT)}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")])
    processes: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for _ in range(2):
            port = free_port()
            command = [sys.executable, "-m", "uvicorn", "--factory", "tests.ratelimit.support:server_app"]
            command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env))
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 20
        for url in urls:
            while True:
                assert time.monotonic() < deadline, "uvicorn did not start"
                assert all(p.poll() is None for p in processes), "uvicorn exited"
                try:
                    if httpx.get(f"{url}/other", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


async def test_two_processes_enforce_one_combined_limit_per_user(servers: list[str]) -> None:
    users = ["alice", "bob", "carol"]
    per_user = 60

    async def call(client: httpx.AsyncClient, url: str, user: str, i: int) -> tuple[str, int]:
        headers = {"x-test-user": user, "content-type": "application/json"}
        response = await client.post(f"{url}/mcp", content=tool_call(i), headers=headers)
        return user, response.status_code

    limits = httpx.Limits(max_connections=40)
    async with httpx.AsyncClient(timeout=10, limits=limits) as client:
        calls = [call(client, servers[i % 2], user, i) for user in users for i in range(per_user)]
        results = await asyncio.wait_for(asyncio.gather(*calls), timeout=60)
    for user in users:
        statuses = [status for who, status in results if who == user]
        assert statuses.count(200) == LIMIT, user
        assert statuses.count(429) == per_user - LIMIT, user
