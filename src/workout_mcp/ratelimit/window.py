"""The limiter's contract: a policy, a decision, and the `SlidingWindowLimiter` protocol of both backends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # `limits` (and wrapt, deprecated, packaging) stays out of the server's start-up
    from limits import RateLimitItem

Clock = Callable[[], float]
"""Seconds as a float; only differences matter to the memory backend, Redis needs wall-clock time."""


@dataclass(frozen=True, slots=True)
class Policy:
    """`limit` hits in any sliding `window` seconds; `name` labels the RateLimit headers and Redis keys."""

    name: str
    limit: int
    window: int

    @classmethod
    def from_item(cls, name: str, item: RateLimitItem) -> Policy:
        return cls(name=name, limit=int(item.amount), window=int(item.get_expiry()))

    @classmethod
    def per_hour(cls, limit: int) -> Policy:
        return cls("hour", limit, 3600)

    @classmethod
    def per_minute(cls, limit: int) -> Policy:
        return cls("minute", limit, 60)


@dataclass(frozen=True, slots=True)
class Decision:
    """One hit's outcome. `reset_after`: seconds until one more unit frees; `retry_after`: 0 if allowed."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: float
    retry_after: float


class LimiterUnavailable(Exception):
    """The shared store cannot decide and the fail mode is `closed`; answered with 503, never 429."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("rate-limit store unavailable")
        self.retry_after = retry_after


class SlidingWindowLimiter(Protocol):
    policy: Policy

    async def hit(self, key: str) -> Decision: ...

    def health(self) -> dict[str, Any]: ...

    async def aclose(self) -> None: ...
