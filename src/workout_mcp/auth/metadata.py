"""RFC 9728 protected-resource metadata for `/mcp`, served as precomputed bytes.

`resource` is exactly `BASE_URL/mcp`; the authorization server is our own `/oauth` facade at
`BASE_URL`. No `scopes_supported`: Supabase's OAuth server issues only OIDC scopes, and clients copy
advertised scopes into the authorize request, so advertising none is the honest answer.
"""

from __future__ import annotations

import json

from mcp.shared.auth import ProtectedResourceMetadata
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from workout_mcp.config import Settings

WELL_KNOWN = "/.well-known/oauth-protected-resource"


def resource_metadata_url(settings: Settings) -> str:
    """RFC 9728 §3.1 path insertion: `https://h/mcp` -> `https://h/.well-known/oauth-protected-resource/mcp`."""
    return f"{settings.public_url}{WELL_KNOWN}/mcp"


def protected_resource_metadata(settings: Settings) -> ProtectedResourceMetadata:
    return ProtectedResourceMetadata(
        resource=settings.resource_url,  # strings, so the model keeps them exactly (no added "/")
        authorization_servers=[settings.public_url],
        bearer_methods_supported=["header"],
        resource_name="Workout MCP",
    )


def _serialise(metadata: ProtectedResourceMetadata) -> bytes:
    return json.dumps(metadata.model_dump(mode="json", exclude_none=True), separators=(",", ":")).encode()


class MetadataEndpoint:
    """GET/HEAD answer with the same bytes every time; cacheable for an hour, readable from any origin."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"public, max-age=3600"),
            (b"access-control-allow-origin", b"*"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "OPTIONS":
            headers = [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-allow-methods", b"GET, HEAD, OPTIONS"),
                (b"access-control-allow-headers", b"mcp-protocol-version, content-type"),
                (b"access-control-max-age", b"86400"),
                (b"content-length", b"0"),
            ]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": list(self.headers)})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else self.body})


def protected_resource_routes(settings: Settings) -> list[BaseRoute]:
    """The PRM document at the path-suffixed URI (for `/mcp`) and at the root well-known URI."""
    endpoint = MetadataEndpoint(_serialise(protected_resource_metadata(settings)))
    methods = ["GET", "HEAD", "OPTIONS"]
    return [
        Route(f"{WELL_KNOWN}/mcp", endpoint, methods=methods),
        Route(WELL_KNOWN, endpoint, methods=methods),
    ]
