"""What each layer of our stack costs per request, in isolation: the layer around a trivial ASGI app that
answers a 200 JSON body, called directly (no sockets), minus the trivial app alone.

    python -m bench.middleware_cost [--requests 20000]

A tight loop keeps caches warm, so these are lower bounds of the in-server cost; use them to rank the
layers, and `bench.inprocess` / `bench.run` for the whole-stack numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from bench.run import CLIENT_ID

BODY = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "bench_echo", "arguments": {"text": "x"}},
    }
).encode()


async def trivial(scope: Scope, receive: Receive, send: Send) -> None:
    await receive()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": b'{"ok":true}'})


def scope_for(token: str | None) -> dict[str, Any]:
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"content-type", b"application/json"),
        (b"accept", b"application/json, text/event-stream"),
        (b"mcp-protocol-version", b"2025-11-25"),
        (b"content-length", str(len(BODY)).encode()),
    ]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    return {
        "type": "http",
        "method": "POST",
        "path": "/mcp",
        "raw_path": b"/mcp",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "scheme": "http",
        "http_version": "1.1",
    }


async def per_request_us(
    app: ASGIApp, n: int, token: str | None, scope_hook: Callable[[dict[str, Any]], None]
) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(message: Any) -> None:
        return None

    started = time.process_time()
    for _ in range(n):
        scope = scope_for(token)
        scope_hook(scope)
        await app(scope, receive, send)
    return (time.process_time() - started) * 1e6 / n


async def measure(args: argparse.Namespace) -> None:
    from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
    from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
    from mcp.server.auth.provider import AccessToken
    from starlette.middleware.cors import CORSMiddleware

    from workout_mcp.app import MCP_EXPOSED_HEADERS, MCP_REQUEST_HEADERS
    from workout_mcp.auth.middleware import BearerAuthMiddleware
    from workout_mcp.config import load_settings
    from workout_mcp.http.access_log import AccessLogMiddleware
    from workout_mcp.http.cors import AppCORSMiddleware
    from workout_mcp.http.security_headers import SecurityHeadersMiddleware
    from workout_mcp.logs import configure_logging
    from workout_mcp.ratelimit import RateLimitMiddleware, build_rate_limits

    settings = load_settings(
        _env_file=None, mcp_transport="http", auth_mode="none", rate_limit_per_hour=10**9
    )
    configure_logging("INFO", stream=open(os.devnull, "a", buffering=1 << 16))  # noqa: SIM115
    access = AccessToken(token="t", client_id=CLIENT_ID, scopes=[], subject="user-1", expires_at=None)

    class CachedVerifier:
        async def verify_token(self, token: str) -> AccessToken | None:
            return access

    def with_user(scope: dict[str, Any]) -> None:
        scope["user"] = AuthenticatedUser(access)

    def nothing(scope: dict[str, Any]) -> None:
        return None

    layers: dict[str, tuple[ASGIApp, Callable[[dict[str, Any]], None], str | None]] = {
        "trivial app alone": (trivial, nothing, None),
        "AccessLogMiddleware (log line at INFO)": (AccessLogMiddleware(trivial), nothing, None),
        "CORSMiddleware (no Origin header)": (
            CORSMiddleware(
                trivial,
                allow_origins=settings.allowed_origins,
                allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
                allow_headers=MCP_REQUEST_HEADERS,
                expose_headers=MCP_EXPOSED_HEADERS,
                max_age=600,
            ),
            nothing,
            None,
        ),
        "AppCORSMiddleware (no Origin header)": (
            AppCORSMiddleware(
                trivial,
                allow_origins=settings.allowed_origins,
                allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
                allow_headers=MCP_REQUEST_HEADERS,
                expose_headers=MCP_EXPOSED_HEADERS,
                max_age=600,
            ),
            nothing,
            None,
        ),
        "SecurityHeadersMiddleware": (SecurityHeadersMiddleware(trivial, https=True), nothing, None),
        "BearerAuthMiddleware (verifier answers from cache)": (
            BearerAuthMiddleware(
                trivial, verifier=CachedVerifier(), resource_metadata_url="https://x/.well-known/x"
            ),
            nothing,
            "token",
        ),
        "RateLimitMiddleware (memory, legacy request: body parsed)": (
            RateLimitMiddleware(
                trivial, limits=build_rate_limits(settings), max_body_bytes=settings.max_body_bytes
            ),
            with_user,
            None,
        ),
        "AuthContextMiddleware (SDK)": (AuthContextMiddleware(trivial), with_user, None),
    }
    results: dict[str, list[float]] = {name: [] for name in layers}
    for _ in range(args.rounds):
        for name, (app, hook, token) in layers.items():
            results[name].append(await per_request_us(app, args.requests, token, hook))
    base = statistics.median(results["trivial app alone"])
    print("| layer | µs per request over the trivial app (median) |")
    print("|---|---:|")
    for name, values in results.items():
        if name != "trivial app alone":
            print(f"| {name} | {statistics.median(values) - base:.1f} |")
    print(f"| (trivial app alone: {base:.1f} µs) | |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
