"""Sliding window shared through Redis: one atomic Lua script per hit, one round trip, keys with TTLs.

The window is a sorted set of admitted hits scored by time in milliseconds. It is exact (the same
answers as the memory backend) and holds at most `limit` members per key, because only admitted hits
are stored: 100 members for a user, 30 for an IP. A sliding-window counter would be O(1) in space but
approximate, and it would admit more than the limit after a burst at a window edge. A sorted set (not
a list) keeps the window correct when machines' clocks or requests interleave out of order.

When Redis cannot answer within the deadline the fail mode applies. `open` falls back to this
machine's own exact memory window (still a limit, just per machine) and logs one warning per
interval; `closed` raises `LimiterUnavailable` (503: the server cannot decide, the user did nothing
wrong). After a failure Redis is skipped for `retry_interval` seconds, so an outage costs no timeouts
per request, and the next hit after that probes it again: recovery needs no restart.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from typing import Any, Literal

from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from workout_mcp.ratelimit.memory import MemorySlidingWindow
from workout_mcp.ratelimit.window import Clock, Decision, LimiterUnavailable, Policy

log = logging.getLogger("workout_mcp.ratelimit")

FailMode = Literal["open", "closed"]

# ARGV: now_ms ('' = Redis server time), window_ms, limit, unique member. Returns
# {allowed, remaining, ms until one unit frees}.
HIT_SCRIPT = """
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(ARGV[1])
end
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  count = count + 1
  local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
  return {1, limit - count, oldest + window - now}
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return {0, 0, oldest + window - now}
"""

DEFAULT_DEADLINE = 1.0
DEFAULT_RETRY_INTERVAL = 5.0
WARNING_INTERVAL = 60.0


def connect(url: str, *, timeout: float = 0.5) -> Redis:
    """A client that gives up quickly: short socket and connect timeouts, one retry for a stale pooled
    connection (Upstash closes idle ones), no backoff."""
    return Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 1),
        health_check_interval=30,
        max_connections=64,
    )


class RedisSlidingWindow:
    """One policy's windows in Redis under `prefix`; `clock=None` uses Redis server time (one clock
    for every machine); tests inject a clock in seconds."""

    def __init__(
        self,
        policy: Policy,
        redis: Redis,
        *,
        prefix: str = "wmcp:rl:",
        clock: Clock | None = None,
        fail_mode: FailMode = "open",
        fallback: MemorySlidingWindow | None = None,
        deadline: float = DEFAULT_DEADLINE,
        retry_interval: float = DEFAULT_RETRY_INTERVAL,
        monotonic: Clock = time.monotonic,
        owns_client: bool = False,
    ) -> None:
        self.policy = policy
        self.redis = redis
        self.clock = clock
        self.fail_mode = fail_mode
        self.fallback = fallback or MemorySlidingWindow(policy, clock=monotonic)
        self.deadline = deadline
        self.retry_interval = retry_interval
        self.monotonic = monotonic
        self.owns_client = owns_client
        self._prefix = f"{prefix}{policy.name}:"
        self._window_ms = str(policy.window * 1000)
        self._limit = str(policy.limit)
        self._script = redis.register_script(HIT_SCRIPT)
        self._members = itertools.count()
        self._member_prefix = os.urandom(6).hex() + ":"
        self._down_until = float("-inf")
        self._last_warning = float("-inf")
        self._last_error: str | None = None
        self._failures = 0

    async def hit(self, key: str) -> Decision:
        if self.monotonic() < self._down_until:
            return self._fail(key)
        now = "" if self.clock is None else str(int(self.clock() * 1000))
        member = f"{self._member_prefix}{next(self._members)}"
        try:
            async with asyncio.timeout(self.deadline):
                result = await self._script(
                    keys=[self._prefix + key], args=[now, self._window_ms, self._limit, member]
                )
        except (RedisError, OSError, TimeoutError) as exc:
            self._record_failure(exc)
            return self._fail(key)
        if self._last_error is not None:
            log.info("rate-limit Redis reachable again", extra={"policy": self.policy.name})
            self._last_error = None
        allowed, remaining, wait_ms = (int(v) for v in result)
        wait = max(wait_ms, 0) / 1000
        limit = self.policy.limit
        if allowed:
            return Decision(True, limit, remaining, wait, 0.0)
        return Decision(False, limit, 0, wait, wait)

    def _record_failure(self, exc: BaseException) -> None:
        now = self.monotonic()
        self._down_until = now + self.retry_interval
        self._failures += 1
        self._last_error = type(exc).__name__
        if now - self._last_warning >= WARNING_INTERVAL:
            self._last_warning = now
            log.warning(
                "rate-limit Redis unreachable; failing %s",
                self.fail_mode,
                extra={"policy": self.policy.name, "error": self._last_error, "failures": self._failures},
            )

    def _fail(self, key: str) -> Decision:
        if self.fail_mode == "closed":
            raise LimiterUnavailable(max(self._down_until - self.monotonic(), 1.0))
        return self.fallback.hit_now(key)

    def health(self) -> dict[str, Any]:
        ok = self._last_error is None
        report: dict[str, Any] = {
            "status": "ok" if ok else "degraded",
            "backend": "redis",
            "policy": self.policy.name,
            "fail_mode": self.fail_mode,
        }
        if not ok:
            report["error"] = self._last_error
            report["failures"] = self._failures
        return report

    async def aclose(self) -> None:
        if self.owns_client:
            await self.redis.aclose()
