"""Test pieces shared by the rate-limit tests and the uvicorn processes they start."""

from __future__ import annotations

import json
import os
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from workout_mcp.ratelimit import RateLimitMiddleware, RateLimits


class FakeClock:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeUserMiddleware:
    """Stands in for bearer auth: `X-Test-User: <sub>` becomes the SDK's `AuthenticatedUser`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"x-test-user":
                    token = AccessToken(token="t", client_id="c", scopes=[], subject=value.decode())
                    scope["user"] = AuthenticatedUser(token)
        await self.app(scope, receive, send)


async def echo(request: Request) -> Response:
    """Answers with what it received, so a test can see the replayed body byte for byte."""
    body = await request.body()
    return JSONResponse({"received": body.decode("latin-1"), "length": len(body)})


def make_app(limits: RateLimits, **options: Any) -> Starlette:
    routes = [
        Route("/mcp", echo, methods=["POST", "GET"]),
        Route("/oauth/token", echo, methods=["POST", "GET"]),
    ]
    routes.append(Route("/other", echo, methods=["GET", "POST"]))
    middleware = [Middleware(FakeUserMiddleware), Middleware(RateLimitMiddleware, limits=limits, **options)]
    return Starlette(routes=routes, middleware=middleware)


def tool_call(request_id: int | str = 1, name: str = "recent_workouts") -> bytes:
    document = {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": {"name": name}}
    return json.dumps(document).encode()


def server_app() -> Starlette:
    """`uvicorn --factory tests.ratelimit.support:server_app`: Redis-backed, settings from the environment."""
    from workout_mcp.ratelimit import Policy
    from workout_mcp.ratelimit.redis_backend import RedisSlidingWindow, connect

    redis = connect(os.environ["REDIS_URL"])
    prefix = os.environ["RL_PREFIX"]
    limit = int(os.environ["RL_LIMIT"])
    limits = RateLimits(
        mcp=RedisSlidingWindow(Policy.per_hour(limit), redis, prefix=prefix),
        oauth=RedisSlidingWindow(Policy.per_minute(limit), redis, prefix=prefix),
        redis=redis,
    )
    return make_app(limits, count="all")
