"""Cost of the rate limiter: per hit for each backend, and per request behind the middleware.

    .venv/bin/python bench/ratelimit_cost.py [--redis redis://127.0.0.1:6379/0] [--n 20000]

Per-hit figures are medians of individually timed calls. Request figures drive the ASGI app in
process (no sockets), so they show the middleware's own cost, not uvicorn's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message

from workout_mcp.ratelimit import (
    MemorySlidingWindow,
    Policy,
    RateLimitMiddleware,
    RateLimits,
)
from workout_mcp.ratelimit.redis_backend import RedisSlidingWindow, connect

BIG = 10**9
TOOL_CALL = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "search_exercises", "arguments": {}},
    }
).encode()


async def median_us(n: int, call: Callable[[], Awaitable[Any]]) -> float:
    for _ in range(min(n, 500)):
        await call()
    samples = []
    for _ in range(n):
        start = time.perf_counter_ns()
        await call()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


async def ok(request: Request) -> Response:
    return JSONResponse({"ok": True})


class FakeUser:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
        from mcp.server.auth.provider import AccessToken

        scope["user"] = AuthenticatedUser(
            AccessToken(token="t", client_id="c", scopes=[], subject="bench-user")
        )
        await self.app(scope, receive, send)


def trivial_app(limits: RateLimits | None) -> Starlette:
    middleware = [Middleware(FakeUser)]
    if limits is not None:
        middleware.append(Middleware(RateLimitMiddleware, limits=limits))
    return Starlette(routes=[Route("/mcp", ok, methods=["POST"])], middleware=middleware)


async def asgi_request(app: ASGIApp, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/mcp",
        "raw_path": b"/mcp",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        return None

    await app(scope, receive, send)


def limits_for(kind: str, redis_url: str) -> RateLimits | None:
    if kind == "off":
        return None
    policy = Policy.per_hour(BIG)
    if kind == "memory":
        return RateLimits(mcp=MemorySlidingWindow(policy), oauth=MemorySlidingWindow(policy))
    redis = connect(redis_url)
    prefix = f"bench:{uuid.uuid4().hex}:"
    return RateLimits(
        mcp=RedisSlidingWindow(Policy("hour", BIG, 60), redis, prefix=prefix),
        oauth=RedisSlidingWindow(Policy("minute", BIG, 60), redis, prefix=prefix),
        redis=redis,
    )


async def bench_hits(n: int, redis_url: str) -> None:
    print(f"per hit, median of {n} (µs)")
    memory = MemorySlidingWindow(Policy.per_hour(100))
    print(f"  memory, one key at its limit          {await median_us(n, lambda: memory.hit('user:a')):8.2f}")
    keys = [f"user:{i}" for i in range(10_000)]
    many = MemorySlidingWindow(Policy.per_hour(100))
    cursor = iter(range(10**9))
    cost = await median_us(n, lambda: many.hit(keys[next(cursor) % 10_000]))
    print(f"  memory, 10,000 keys round robin        {cost:8.2f}")
    redis = connect(redis_url)
    prefix = f"bench:{uuid.uuid4().hex}:"
    limiter = RedisSlidingWindow(Policy("hour", 100, 60), redis, prefix=prefix)
    cost = await median_us(n // 4, lambda: limiter.hit("user:a"))
    print(f"  redis (loopback), one key at its limit {cost:8.2f}")
    wide = RedisSlidingWindow(Policy("hour", BIG, 5), redis, prefix=prefix)
    print(
        f"  redis (loopback), admitting            {await median_us(n // 4, lambda: wide.hit('user:b')):8.2f}"
    )
    await redis.delete(*[k async for k in redis.scan_iter(match=f"{prefix}*")])
    await redis.aclose()


async def bench_trivial(n: int, redis_url: str) -> None:
    print(f"\ntrivial Starlette endpoint, in-process ASGI, median of {n} requests (µs/request)")
    for kind in ("off", "memory", "redis"):
        limits = limits_for(kind, redis_url)
        app = trivial_app(limits)
        count = n if kind != "redis" else n // 4
        peek = await median_us(count, lambda app=app: asgi_request(app, TOOL_CALL, []))
        method = [(b"mcp-method", b"tools/call")]
        header = await median_us(count, lambda app=app, method=method: asgi_request(app, TOOL_CALL, method))
        rate = f"~{1e6 / peek:,.0f} req/s"
        print(f"  limiter {kind:<7} body peek {peek:8.2f}   Mcp-Method header {header:8.2f}   {rate}")
        if limits is not None:
            if limits.redis is not None:
                prefix = str(getattr(limits.mcp, "_prefix", "bench:")).rsplit(":", 2)[0]
                await limits.redis.delete(
                    *[k async for k in limits.redis.scan_iter(match=f"{prefix}:*")] or ["-"]
                )
            await limits.aclose()


async def bench_tools_call(n: int) -> None:
    from workout_mcp.app import create_app
    from workout_mcp.config import load_settings

    print(
        f"\nreal create_app (AUTH_MODE=none, SQLite), tools/call search_exercises, median of {n} (µs/request)"
    )
    headers = {
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
        "mcp-protocol-version": "2025-06-18",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for enabled in (False, True):
            settings = load_settings(
                mcp_transport="http",
                auth_mode="none",
                rate_limit_enabled=enabled,
                rate_limit_per_hour=BIG,
                workout_db_path=Path(tmp) / f"{enabled}.db",
            )
            app = create_app(settings)
            transport = httpx.ASGITransport(app=app)
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client,
            ):
                cost = await median_us(n, lambda: client.post("/mcp", content=TOOL_CALL, headers=headers))
            label = "on (memory)" if enabled else "off"
            print(f"  limiter {label:<12} {cost:9.1f}   ~{1e6 / cost:,.0f} req/s")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    await bench_hits(args.n, args.redis)
    await bench_trivial(args.n, args.redis)
    await bench_tools_call(max(args.n // 20, 200))


if __name__ == "__main__":
    asyncio.run(main())
