"""Bearer authentication for `/mcp`: spec-exact RFC 6750 / RFC 9728 challenges, then the SDK's user.

No credentials: `401 Bearer resource_metadata="…"` (no `error=`, RFC 6750 §3.1). A token that fails:
`401 error="invalid_token"` with a generic description (the reason goes to the log, not the client).
A token without a required scope: `403 error="insufficient_scope"`. The check runs before routing, so
401 comes before 405 and before any body is read. On success `scope["user"]`/`scope["auth"]` are set
as the SDK's `BearerAuthBackend` sets them, for `AuthContextMiddleware` and `get_access_token()`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import TokenVerifier
from starlette.authentication import AuthCredentials
from starlette.types import ASGIApp, Receive, Scope, Send

PROTECTED_PATHS = ("/mcp", "/mcp/")
REJECTION_TEXT = "The access token is invalid or expired"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _challenge(params: Sequence[tuple[str, str]]) -> bytes:
    return ("Bearer " + ", ".join(f"{name}={_quoted(value)}" for name, value in params)).encode("latin-1")


def _response(
    status: int, challenge: bytes, error: str, description: str
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps({"error": error, "error_description": description}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", challenge),
        (b"cache-control", b"no-store"),
    ]
    return status, headers, body


class BearerAuthMiddleware:
    """Requires a verified bearer token on `protected_paths`; everything else (and OPTIONS) passes."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        verifier: TokenVerifier,
        resource_metadata_url: str,
        required_scopes: Sequence[str] = (),
        protected_paths: Collection[str] = PROTECTED_PATHS,
    ) -> None:
        # Supabase's OAuth server issues only OIDC scopes (openid email profile phone), so no scope is
        # required today; `required_scopes` is the hook for when a custom-claims hook adds real ones.
        self.app = app
        self.verifier = verifier
        self.required_scopes = frozenset(required_scopes)
        self.protected_paths = frozenset(protected_paths)
        scope_param = [("scope", " ".join(required_scopes))] if required_scopes else []
        metadata = ("resource_metadata", resource_metadata_url)
        self._no_token = _response(
            401,
            _challenge([metadata, *scope_param]),
            "unauthorized",
            "Authorization: Bearer <access token> is required",
        )
        self._invalid_token = _response(
            401,
            _challenge(
                [
                    ("error", "invalid_token"),
                    ("error_description", REJECTION_TEXT),
                    metadata,
                    *scope_param,
                ]
            ),
            "invalid_token",
            REJECTION_TEXT,
        )
        scope_description = f"Required scope: {' '.join(sorted(required_scopes))}"
        self._insufficient_scope = _response(
            403,
            _challenge(
                [
                    ("error", "insufficient_scope"),
                    *scope_param,
                    metadata,
                    ("error_description", scope_description),
                ]
            ),
            "insufficient_scope",
            scope_description,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] not in self.protected_paths
            or scope["method"] == "OPTIONS"
        ):
            await self.app(scope, receive, send)
            return
        credentials = [value for name, value in scope["headers"] if name == b"authorization"]
        if not credentials:
            await self._send(send, self._no_token)
            return
        if len(credentials) > 1:
            await self._send(send, self._invalid_token)
            return
        scheme, _, token = credentials[0].decode("latin-1").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            await self._send(send, self._no_token)
            return
        access_token = await self.verifier.verify_token(token)
        if access_token is None:
            await self._send(send, self._invalid_token)
            return
        if self.required_scopes and not self.required_scopes.issubset(access_token.scopes):
            await self._send(send, self._insufficient_scope)
            return
        scope["user"] = AuthenticatedUser(access_token)
        scope["auth"] = AuthCredentials(access_token.scopes)
        await self.app(scope, receive, send)

    @staticmethod
    async def _send(send: Send, response: tuple[int, list[tuple[bytes, bytes]], bytes]) -> None:
        status, headers, body = response
        # A copy: outer middleware (CORS) appends to the list it is handed.
        await send({"type": "http.response.start", "status": status, "headers": list(headers)})
        await send({"type": "http.response.body", "body": body})
