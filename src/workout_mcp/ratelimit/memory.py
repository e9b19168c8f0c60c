"""Exact sliding window in process memory: the admitted hit times of each key, bounded in keys and entries.

A key's times sit in a packed `array('d')` (8 bytes each; a deque of floats took ~32) read from a `head`
index: expired times are skipped by moving `head`, and dropped in one slice once they are as many as the
live ones, or when the array would outgrow the limit (so a key never holds more than `limit` times).

Every operation runs without an `await`, so on one event loop a hit is atomic and concurrent requests at
the boundary admit exactly the limit. Keys live in a dict kept in least-recently-hit order (pop and
re-insert on each hit), so idle keys sit at the front and are evicted a few at a time on later hits:
O(1) amortised, no background task. At `max_keys`, a new key is refused rather than an active key
forgotten: forgetting would hand that user a fresh budget.
"""

from __future__ import annotations

import logging
import time
from array import array
from typing import Any

from workout_mcp.ratelimit.window import Clock, Decision, Policy

log = logging.getLogger("workout_mcp.ratelimit")

EVICT_PER_HIT = 2
FULL_WARNING_INTERVAL = 60.0


class _Window:
    __slots__ = ("head", "hits")

    def __init__(self) -> None:
        self.hits = array("d")
        self.head = 0  # hits[:head] have expired


class MemorySlidingWindow:
    """One policy's windows for every key. Memory: at most `max_keys` keys times `policy.limit` floats."""

    def __init__(self, policy: Policy, *, clock: Clock = time.monotonic, max_keys: int = 50_000) -> None:
        self.policy = policy
        self.clock = clock
        self.max_keys = max_keys
        self._windows: dict[str, _Window] = {}
        self._refused_new_keys = 0
        self._last_full_warning = float("-inf")

    def __len__(self) -> int:
        return len(self._windows)

    async def hit(self, key: str) -> Decision:
        return self.hit_now(key)

    def hit_now(self, key: str) -> Decision:
        now = self.clock()
        limit, window = self.policy.limit, self.policy.window
        horizon = now - window
        windows = self._windows
        self._evict_idle(horizon)
        state = windows.pop(key, None)
        if state is None:
            if len(windows) >= self.max_keys:
                return self._refuse_new_key(now)
            state = _Window()
        windows[key] = state
        hits, head = state.hits, state.head
        stored = len(hits)
        while head < stored and hits[head] <= horizon:
            head += 1
        if head and (head >= stored - head or stored >= limit):
            del hits[:head]
            stored -= head
            head = 0
        state.head = head
        live = stored - head
        if live < limit:
            hits.append(now)
            return Decision(True, limit, limit - live - 1, hits[head] + window - now, 0.0)
        wait = hits[head] + window - now
        return Decision(False, limit, 0, wait, wait)

    def _evict_idle(self, horizon: float) -> None:
        windows = self._windows
        for _ in range(EVICT_PER_HIT):
            if not windows:
                return
            oldest = next(iter(windows))
            hits = windows[oldest].hits
            if hits and hits[-1] > horizon:
                return
            del windows[oldest]

    def _refuse_new_key(self, now: float) -> Decision:
        self._refused_new_keys += 1
        if now - self._last_full_warning >= FULL_WARNING_INTERVAL:
            self._last_full_warning = now
            log.warning(
                "rate-limit table full; refusing new keys",
                extra={"policy": self.policy.name, "max_keys": self.max_keys},
            )
        oldest = self._windows[next(iter(self._windows))].hits
        wait = max(oldest[-1] + self.policy.window - now, 1.0) if oldest else 1.0
        return Decision(False, self.policy.limit, 0, wait, wait)

    def health(self) -> dict[str, Any]:
        full = len(self._windows) >= self.max_keys
        return {
            "status": "degraded" if full else "ok",
            "backend": "memory",
            "policy": self.policy.name,
            "tracked_keys": len(self._windows),
            "max_keys": self.max_keys,
            "refused_new_keys": self._refused_new_keys,
        }

    async def aclose(self) -> None:
        self._windows.clear()
