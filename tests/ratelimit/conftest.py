from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from tests.conftest import service_missing
from tests.ratelimit.support import FakeClock
from workout_mcp.ratelimit import MemorySlidingWindow, Policy, SlidingWindowLimiter
from workout_mcp.ratelimit.redis_backend import RedisSlidingWindow, connect

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
LimiterFactory = Callable[[Policy], SlidingWindowLimiter]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def prefix() -> str:
    return f"test:rl:{uuid.uuid4().hex}:"


@pytest.fixture
async def redis_client(prefix: str) -> AsyncIterator[Redis]:
    client = connect(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        service_missing(f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}")
    yield client
    keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def make_limiter(request: pytest.FixtureRequest, clock: FakeClock, prefix: str) -> LimiterFactory:
    if request.param == "memory":
        return lambda policy: MemorySlidingWindow(policy, clock=clock)
    redis: Redis = request.getfixturevalue("redis_client")
    return lambda policy: RedisSlidingWindow(policy, redis, prefix=prefix, clock=clock)
