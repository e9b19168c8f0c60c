"""Discovery documents and the OAuth endpoints a client calls from script are public to any origin.

The app-wide CORS middleware only admits ALLOWED_ORIGINS, which is right for `/mcp` but would turn away
a browser-based MCP client's preflight for `/.well-known/*` (one that sends `MCP-Protocol-Version` with
its metadata GET) or for registration and token requests. None of these use cookies, so `*` is safe;
this answers their preflights before the app-wide middleware sees them. (Authorization and consent are
browser navigations, which need no CORS.)
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

PUBLIC_PREFIX = "/.well-known/"
PUBLIC_PATHS = frozenset({"/oauth/token", "/oauth/register", "/oauth/revoke"})


class PublicDiscoveryPreflight:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "OPTIONS"
            or not (scope["path"].startswith(PUBLIC_PREFIX) or scope["path"] in PUBLIC_PATHS)
        ):
            await self.app(scope, receive, send)
            return
        requested = b""
        for name, value in scope["headers"]:
            if name == b"access-control-request-headers":
                requested = value
        headers = [
            (b"access-control-allow-origin", b"*"),
            (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
            (b"access-control-max-age", b"86400"),
            (b"content-length", b"0"),
        ]
        if requested:
            headers.append((b"access-control-allow-headers", requested[:512]))
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
