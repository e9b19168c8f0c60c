"""One suite, both backends: the sliding window's answers, boundary and concurrency."""

from __future__ import annotations

import asyncio

from tests.ratelimit.conftest import LimiterFactory
from tests.ratelimit.support import FakeClock
from workout_mcp.ratelimit import Policy


async def test_hundred_hits_pass_and_the_101st_is_refused_with_exact_retry(
    make_limiter: LimiterFactory, clock: FakeClock
) -> None:
    limiter = make_limiter(Policy.per_hour(100))
    start = clock.now
    for i in range(100):
        decision = await limiter.hit("user:a")
        assert decision.allowed
        assert decision.remaining == 99 - i
        assert decision.limit == 100
        clock.advance(1)
    clock.now = start + 99.5
    refused = await limiter.hit("user:a")
    assert not refused.allowed
    assert refused.remaining == 0
    assert refused.retry_after == 3600 - 99.5
    assert refused.reset_after == refused.retry_after


async def test_a_second_key_is_unaffected(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(Policy.per_hour(3))
    for _ in range(3):
        assert (await limiter.hit("user:a")).allowed
    assert not (await limiter.hit("user:a")).allowed
    assert (await limiter.hit("user:b")).allowed


async def test_requests_pass_again_as_the_window_slides(
    make_limiter: LimiterFactory, clock: FakeClock
) -> None:
    limiter = make_limiter(Policy.per_hour(100))
    for _ in range(50):
        assert (await limiter.hit("user:a")).allowed
    clock.advance(1800)
    for _ in range(50):
        assert (await limiter.hit("user:a")).allowed
    refused = await limiter.hit("user:a")
    assert not refused.allowed
    assert refused.retry_after == 1800
    clock.advance(1799.999)
    assert not (await limiter.hit("user:a")).allowed
    clock.advance(0.001)
    for _ in range(50):
        assert (await limiter.hit("user:a")).allowed
    assert not (await limiter.hit("user:a")).allowed


async def test_refused_hits_do_not_extend_the_window(make_limiter: LimiterFactory, clock: FakeClock) -> None:
    limiter = make_limiter(Policy.per_minute(2))
    await limiter.hit("ip:1")
    await limiter.hit("ip:1")
    for _ in range(20):
        clock.advance(1)
        assert not (await limiter.hit("ip:1")).allowed
    clock.advance(40)
    assert (await limiter.hit("ip:1")).allowed


async def test_reset_after_counts_down_to_the_oldest_hit(
    make_limiter: LimiterFactory, clock: FakeClock
) -> None:
    limiter = make_limiter(Policy.per_minute(5))
    first = await limiter.hit("ip:1")
    assert first.reset_after == 60
    clock.advance(15)
    second = await limiter.hit("ip:1")
    assert second.remaining == 3
    assert second.reset_after == 45


async def test_concurrent_hits_at_the_boundary_admit_exactly_the_limit(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(Policy.per_hour(100))
    for _ in range(90):
        await limiter.hit("user:a")
    decisions = await asyncio.gather(*(limiter.hit("user:a") for _ in range(50)))
    assert sum(d.allowed for d in decisions) == 10
    assert sorted(d.remaining for d in decisions if d.allowed) == list(range(10))
