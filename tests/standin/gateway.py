"""The self-hosted Kong gateway in front of the stand-in, when `StandinState.kong_gateway` is on.

Modelled on supabase/supabase `docker/volumes/api/kong.yml` and Kong's `key-auth` plugin
(`kong/plugins/key-auth/handler.lua`):

- Open (no key): `/auth/v1/verify*`, `/auth/v1/callback*`, `/auth/v1/authorize*` (the social-login
  redirect, not `/auth/v1/oauth/authorize`), `/auth/v1/.well-known/jwks.json`, and everything outside
  `/auth/v1/` and `/rest/v1/` (e.g. the top-level `/.well-known/oauth-authorization-server`).
- Everything else under `/auth/v1/` and `/rest/v1/` needs the key in the `apikey` header or, failing
  that, the `apikey` query parameter (`key_in_header`, `key_in_query`; header names are
  case-insensitive). Kong's answers: no key -> 401 `{"message":"No API key found in request"}` with
  `WWW-Authenticate: Key realm="kong"`; the name twice -> 401 `{"message":"Duplicate API key found"}`;
  an unknown key -> 401 `{"message":"Invalid authentication credentials"}`.
- `OPTIONS` preflights are answered by the `cors` plugin before `key-auth` runs, so they pass here.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from tests.standin.state import StandinState

OPEN_PREFIXES = (
    "/auth/v1/verify",
    "/auth/v1/callback",
    "/auth/v1/authorize",
    "/auth/v1/.well-known/jwks.json",
)
KEY_AUTH_PREFIXES = ("/auth/v1/", "/rest/v1/")
REALM = 'Key realm="kong"'


def needs_key(path: str) -> bool:
    return path.startswith(KEY_AUTH_PREFIXES) and not path.startswith(OPEN_PREFIXES)


def key_auth_refusal(
    headers: list[tuple[bytes, bytes]], query_string: bytes, anon_key: str
) -> tuple[str, dict[str, str]] | None:
    """Kong's `do_authentication` for `key_names = ["apikey"]`: None, or (message, extra headers)."""
    in_header = [v.decode("latin-1") for k, v in headers if k.lower() == b"apikey"]
    in_query = [
        v for k, v in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True) if k == "apikey"
    ]
    found = in_header or in_query
    if len(found) > 1:
        return "Duplicate API key found", {}
    if not found or found[0] == "":
        return "No API key found in request", {"WWW-Authenticate": REALM}
    if found[0] != anon_key:
        return "Invalid authentication credentials", {}
    return None


class KongGateway:
    """Pure ASGI wrapper: checks `state.kong_gateway` per request, so a test can switch it any time."""

    def __init__(self, app: Any, state: StandinState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if (
            scope["type"] != "http"
            or not self.state.kong_gateway
            or scope["method"] == "OPTIONS"
            or not needs_key(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        refusal = key_auth_refusal(scope["headers"], scope.get("query_string", b""), self.state.anon_key)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        message, extra = refusal
        body = json.dumps({"message": message}).encode()
        headers = [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", b"%d" % len(body)),
        ]
        headers += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})
