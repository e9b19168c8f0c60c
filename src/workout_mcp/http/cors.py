"""Starlette's CORS middleware with a shortcut for requests that carry no `Origin`.

Non-browser MCP clients (nearly every `/mcp` request) send no `Origin`; for those Starlette only adds
`Vary: Origin`, after wrapping the request headers in `Headers` and the response headers in
`MutableHeaders`. The shortcut appends the same header directly; every request with an `Origin`, and
any response that already has a `Vary` header, takes Starlette's own path, so the answers are the same.
"""

from __future__ import annotations

import functools

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

_VARY_ORIGIN = (b"vary", b"Origin")


class CORSWithoutOriginShortcut(CORSMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, _ in scope["headers"]:
                if name == b"origin":
                    break
            else:
                await self.app(scope, receive, functools.partial(_send_vary_origin, send))
                return
        await super().__call__(scope, receive, send)


async def _send_vary_origin(send: Send, message: Message) -> None:
    if message["type"] == "http.response.start":
        headers = message.get("headers", ())
        if any(name == b"vary" for name, _ in headers):
            mutable = MutableHeaders(scope=message)
            mutable["Vary"] = ", ".join([*mutable.getlist("Vary"), "Origin"])
        else:
            message["headers"] = [*headers, _VARY_ORIGIN]
    await send(message)
