"""Sliding-window rate limits: per user on `/mcp`, per client IP on `/oauth/*`; memory or Redis."""

from __future__ import annotations

from workout_mcp.ratelimit.build import RateLimits, build_limiter, build_rate_limits
from workout_mcp.ratelimit.memory import MemorySlidingWindow
from workout_mcp.ratelimit.middleware import RateLimitMiddleware
from workout_mcp.ratelimit.window import Decision, LimiterUnavailable, Policy, SlidingWindowLimiter

__all__ = [
    "Decision",
    "LimiterUnavailable",
    "MemorySlidingWindow",
    "Policy",
    "RateLimitMiddleware",
    "RateLimits",
    "SlidingWindowLimiter",
    "build_limiter",
    "build_rate_limits",
]
