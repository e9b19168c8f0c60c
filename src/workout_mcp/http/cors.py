"""CORS for the whole app: Starlette's middleware, a shortcut for requests without `Origin`, and open
preflights for the public endpoints.

- Non-browser MCP clients (nearly every `/mcp` request) send no `Origin`; for those Starlette only adds
  `Vary: Origin`, after wrapping the request headers in `Headers` and the response headers in
  `MutableHeaders`. The shortcut appends the same header directly; every request with an `Origin`, and
  any response that already has a `Vary` header, takes Starlette's own path, so the answers are the same.
- ALLOWED_ORIGINS is right for `/mcp` but would turn away a browser-based MCP client's preflight for
  `/.well-known/*` (one that sends `MCP-Protocol-Version` with its metadata GET) or for registration and
  token requests. None of these use cookies, so their preflights are answered for any origin. (Authorization
  and consent are browser navigations, which need no CORS.)
"""

from __future__ import annotations

import functools

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

_VARY_ORIGIN = (b"vary", b"Origin")
PUBLIC_PREFIX = "/.well-known/"
PUBLIC_PATHS = frozenset({"/oauth/token", "/oauth/register", "/oauth/revoke"})


class AppCORSMiddleware(CORSMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            requested_headers = b""
            has_origin = False
            for name, value in scope["headers"]:
                if name == b"origin":
                    has_origin = True
                elif name == b"access-control-request-headers":
                    requested_headers = value
            if not has_origin:
                await self.app(scope, receive, functools.partial(_send_vary_origin, send))
                return
            path = scope["path"]
            if scope["method"] == "OPTIONS" and (path.startswith(PUBLIC_PREFIX) or path in PUBLIC_PATHS):
                await _public_preflight(send, requested_headers)
                return
        await super().__call__(scope, receive, send)


async def _public_preflight(send: Send, requested_headers: bytes) -> None:
    headers = [
        (b"access-control-allow-origin", b"*"),
        (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
        (b"access-control-max-age", b"86400"),
        (b"content-length", b"0"),
    ]
    if requested_headers:
        headers.append((b"access-control-allow-headers", requested_headers[:512]))
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def _send_vary_origin(send: Send, message: Message) -> None:
    if message["type"] == "http.response.start":
        headers = message.get("headers", ())
        if any(name == b"vary" for name, _ in headers):
            mutable = MutableHeaders(scope=message)
            mutable["Vary"] = ", ".join([*mutable.getlist("Vary"), "Origin"])
        else:
            message["headers"] = [*headers, _VARY_ORIGIN]
    await send(message)
