"""Redis backend: TTLs, fail modes when Redis is gone or silent, no hang, recovery when it returns."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from redis.asyncio import Redis

from tests.ratelimit.conftest import REDIS_URL
from tests.ratelimit.support import FakeClock
from workout_mcp.ratelimit import LimiterUnavailable, Policy
from workout_mcp.ratelimit.redis_backend import RedisSlidingWindow, connect

pytestmark = pytest.mark.redis


class TcpProxy:
    """A loopback TCP proxy to Redis that a test can cut (dropping every connection) and restore."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.close()
        await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self.writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_keys_expire_with_the_window(redis_client: Redis, prefix: str, clock: FakeClock) -> None:
    limiter = RedisSlidingWindow(Policy.per_minute(5), redis_client, prefix=prefix, clock=clock)
    await limiter.hit("ip:1")
    ttl = await redis_client.pttl(f"{prefix}minute:ip:1")
    assert 0 < ttl <= 60_000
    assert await redis_client.zcard(f"{prefix}minute:ip:1") == 1


async def test_server_time_is_used_when_no_clock_is_injected(redis_client: Redis, prefix: str) -> None:
    limiter = RedisSlidingWindow(Policy.per_hour(2), redis_client, prefix=prefix)
    assert (await limiter.hit("user:a")).allowed
    assert (await limiter.hit("user:a")).allowed
    refused = await limiter.hit("user:a")
    assert not refused.allowed
    assert 3599 <= refused.retry_after <= 3600


async def test_unreachable_redis_fails_open_to_the_local_window_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    redis = connect(f"redis://127.0.0.1:{free_port()}/0")
    limiter = RedisSlidingWindow(Policy.per_hour(3), redis, owns_client=True)
    caplog.set_level(logging.WARNING, logger="workout_mcp.ratelimit")
    started = time.monotonic()
    decisions = [await limiter.hit("user:a") for _ in range(50)]
    assert time.monotonic() - started < 2
    assert [d.allowed for d in decisions[:4]] == [True, True, True, False]
    assert limiter.health()["status"] == "degraded"
    assert limiter.health()["error"] == "ConnectionError"
    assert len([r for r in caplog.records if "unreachable" in r.message]) == 1
    await limiter.aclose()


async def test_unreachable_redis_fails_closed_when_configured() -> None:
    redis = connect(f"redis://127.0.0.1:{free_port()}/0")
    limiter = RedisSlidingWindow(Policy.per_hour(3), redis, fail_mode="closed", owns_client=True)
    with pytest.raises(LimiterUnavailable) as caught:
        await limiter.hit("user:a")
    assert caught.value.retry_after >= 1
    with pytest.raises(LimiterUnavailable):
        await limiter.hit("user:a")
    await limiter.aclose()


async def test_a_silent_redis_cannot_hang_a_request() -> None:
    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await asyncio.sleep(30)

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    redis = connect(f"redis://127.0.0.1:{port}/0", timeout=5)
    limiter = RedisSlidingWindow(Policy.per_hour(3), redis, deadline=0.3, owns_client=True)
    try:
        started = time.monotonic()
        assert (await limiter.hit("user:a")).allowed
        assert time.monotonic() - started < 1.5
        assert limiter.health()["error"] == "TimeoutError"
    finally:
        await limiter.aclose()
        server.close()


async def test_redis_stopped_mid_run_then_recovers(
    redis_client: Redis, prefix: str, clock: FakeClock
) -> None:
    upstream = int(REDIS_URL.rsplit(":", 1)[1].split("/")[0])
    proxy = TcpProxy(upstream)
    await proxy.start()
    monotonic = FakeClock(0.0)
    redis = connect(f"redis://127.0.0.1:{proxy.port}/0")
    limiter = RedisSlidingWindow(
        Policy.per_hour(5), redis, prefix=prefix, clock=clock, monotonic=monotonic, owns_client=True
    )
    try:
        for _ in range(3):
            assert (await limiter.hit("user:a")).allowed
        await proxy.stop()
        started = time.monotonic()
        during = [await limiter.hit("user:a") for _ in range(20)]
        assert time.monotonic() - started < 3
        assert all(d.allowed for d in during[:5])
        assert limiter.health()["status"] == "degraded"

        await proxy.start()
        monotonic.advance(limiter.retry_interval)
        recovered = await limiter.hit("user:a")
        assert recovered.allowed
        assert recovered.remaining == 1
        assert limiter.health()["status"] == "ok"
    finally:
        await limiter.aclose()
        if proxy.server is not None:
            proxy.server.close()
