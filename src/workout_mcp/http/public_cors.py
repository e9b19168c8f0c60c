"""Discovery documents are public: any origin may read them, preflight included.

The app-wide CORS middleware only admits ALLOWED_ORIGINS, which is right for `/mcp` but would turn away
a browser-based MCP client's preflight for `/.well-known/*` (one that sends `MCP-Protocol-Version`
with its metadata GET). This answers those preflights before the app-wide middleware sees them.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

PUBLIC_PREFIX = "/.well-known/"


class PublicDiscoveryPreflight:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "OPTIONS"
            or not scope["path"].startswith(PUBLIC_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        requested = b""
        for name, value in scope["headers"]:
            if name == b"access-control-request-headers":
                requested = value
        headers = [
            (b"access-control-allow-origin", b"*"),
            (b"access-control-allow-methods", b"GET, OPTIONS"),
            (b"access-control-max-age", b"86400"),
            (b"content-length", b"0"),
        ]
        if requested:
            headers.append((b"access-control-allow-headers", requested[:512]))
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
