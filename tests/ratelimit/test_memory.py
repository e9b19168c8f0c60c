"""Memory backend: bounded in keys and bytes, idle keys evicted, active users never forgotten."""

from __future__ import annotations

import tracemalloc

from tests.ratelimit.support import FakeClock
from workout_mcp.ratelimit import MemorySlidingWindow, Policy


async def test_memory_stays_bounded_with_100000_distinct_keys() -> None:
    clock = FakeClock()
    limiter = MemorySlidingWindow(Policy.per_minute(30), clock=clock, max_keys=10_000)
    tracemalloc.start()
    try:
        for i in range(10_000):
            limiter.hit_now(f"ip:{i}")
        baseline, _ = tracemalloc.get_traced_memory()
        peak_keys = 0
        for i in range(10_000, 100_000):
            clock.advance(0.01)
            limiter.hit_now(f"ip:{i}")
            peak_keys = max(peak_keys, len(limiter))
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak_keys <= 10_000
    assert after - baseline < 512 * 1024
    clock.advance(61)
    for i in range(10):
        limiter.hit_now(f"late:{i}")
    assert len(limiter) < 10_000


async def test_idle_keys_are_evicted_as_later_hits_arrive() -> None:
    clock = FakeClock()
    limiter = MemorySlidingWindow(Policy.per_minute(5), clock=clock)
    for i in range(1000):
        limiter.hit_now(f"ip:{i}")
    clock.advance(60)
    for _ in range(600):
        limiter.hit_now("ip:busy")
    assert len(limiter) == 1


async def test_a_full_table_refuses_new_keys_and_keeps_active_windows() -> None:
    clock = FakeClock()
    limiter = MemorySlidingWindow(Policy.per_hour(2), clock=clock, max_keys=3)
    for key in ("user:a", "user:b", "user:c"):
        assert limiter.hit_now(key).allowed
        clock.advance(10)
    assert limiter.hit_now("user:a").allowed
    refused = limiter.hit_now("user:new")
    assert not refused.allowed
    assert refused.retry_after == 3600 + 10 - 30
    assert not limiter.hit_now("user:a").allowed
    assert limiter.health()["status"] == "degraded"
    assert limiter.health()["refused_new_keys"] == 1
    clock.advance(3600 + 10 - 30)
    assert limiter.hit_now("user:new").allowed
    assert len(limiter) <= 3


async def test_entries_per_key_never_exceed_the_limit() -> None:
    clock = FakeClock()
    limiter = MemorySlidingWindow(Policy.per_hour(100), clock=clock)
    for _ in range(10_000):
        limiter.hit_now("user:a")
        clock.advance(0.5)
    assert len(limiter._windows["user:a"].hits) <= 100


async def test_a_busy_window_holds_each_hit_in_about_eight_bytes() -> None:
    """The soak's never-refusing limit keeps every hit for the hour: a deque of float objects took ~36 bytes
    a hit (+1 MiB a minute at 500 calls/s); a packed array takes 8."""
    clock = FakeClock()
    limiter = MemorySlidingWindow(Policy.per_hour(1_000_000), clock=clock)
    limiter.hit_now("user:a")
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for _ in range(100_000):
            clock.advance(0.001)
            assert limiter.hit_now("user:a").allowed
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (after - before) / 100_000 < 10


async def test_expired_hits_are_dropped_in_bulk_and_the_count_stays_exact() -> None:
    clock = FakeClock()
    limiter = MemorySlidingWindow(Policy.per_minute(100), clock=clock)
    for i in range(1, 5001):
        clock.advance(1)
        decision = limiter.hit_now("user:a")
        in_window = min(i, 60)  # the hits of the last 60 s, this one included
        assert decision.allowed and decision.remaining == 100 - in_window
        assert decision.reset_after == 60 - (in_window - 1)
        assert len(limiter._windows["user:a"].hits) <= 100
