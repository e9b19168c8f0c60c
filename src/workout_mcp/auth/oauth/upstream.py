"""Supabase's OAuth 2.1 token endpoint and logout, called with this server's confidential client.

Supabase answers errors in two shapes (contract §2.5, §3.6): OAuth errors `{error, error_description}`
always with HTTP 400, and GoTrue errors `{code, error_code, msg}` (client authentication, refresh
tokens); the gateway (`workout_mcp.supabase`) parses both. They are translated here into RFC 6749
errors the MCP client understands; upstream outages become 503 `temporarily_unavailable`. Logs carry
statuses and error codes, never codes or tokens.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from urllib.parse import quote

from workout_mcp.auth.oauth.errors import OAuthError, Unavailable
from workout_mcp.supabase import SupabaseAuth, SupabaseError

log = logging.getLogger("workout_mcp.auth.oauth.upstream")

# GoTrue error codes that mean "this grant is dead" (contract §2.3, §2.5, §3.6).
_DEAD_GRANT_CODES = frozenset(
    {
        "refresh_token_not_found",
        "refresh_token_already_used",
        "session_expired",
        "session_not_found",
        "validation_failed",
        "flow_state_not_found",
        "flow_state_expired",
        "bad_code_verifier",
        "user_banned",
        "user_not_found",
        "oauth_authorization_not_found",
    }
)


@dataclass(frozen=True)
class UpstreamTokens:
    access_token: str
    refresh_token: str | None
    expires_in: int | None


class SupabaseOAuth:
    def __init__(self, auth: SupabaseAuth, *, client_id: str, client_secret: str, callback_url: str) -> None:
        self._auth = auth
        self._callback_url = callback_url
        # RFC 6749 §2.3.1: form-encode each part before joining.
        pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}".encode()
        self._basic = "Basic " + base64.b64encode(pair).decode()

    async def exchange_code(self, code: str, code_verifier: str) -> UpstreamTokens:
        return await self._token(
            "authorization_code",
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self._callback_url,
                "code_verifier": code_verifier,
            },
        )

    async def refresh(self, refresh_token: str) -> UpstreamTokens:
        # Exactly one attempt: a second try with the same (possibly already rotated) token would trip
        # Supabase's reuse detection and revoke the whole session.
        return await self._token(
            "refresh_token", {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    async def logout(self, access_token: str) -> bool:
        """Ends the Supabase session the access token belongs to (its refresh tokens die with it)."""
        try:
            await self._auth.logout(access_token)
        except SupabaseError as exc:
            log.warning("supabase logout failed: %s", exc.status or exc.reason)
            return False
        log.info("supabase logout: ok")
        return True

    async def _token(self, grant: str, form: dict[str, str]) -> UpstreamTokens:
        try:
            body = await self._auth.oauth_token(form, client_basic=self._basic, what=grant)
        except SupabaseError as exc:
            raise _translate(grant, exc) from None
        access = body.get("access_token")
        if not isinstance(access, str):
            log.warning("supabase token (%s): 200 without an access token", grant)
            raise Unavailable()
        log.info("supabase token (%s): 200", grant)
        refresh = body.get("refresh_token")
        expires = body.get("expires_in")
        return UpstreamTokens(
            access_token=access,
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
            expires_in=int(expires) if isinstance(expires, int | float) else None,
        )


def _translate(grant: str, exc: SupabaseError) -> OAuthError:
    status = exc.status
    oauth_error = exc.code if exc.shape == "oauth" else None
    gotrue_code = exc.code if exc.shape == "gotrue" else None
    log.info("supabase token (%s): %s %s", grant, status or exc.reason, exc.code or "-")
    if status is None or exc.unavailable or status in (409, 429) or gotrue_code == "over_request_rate_limit":
        return Unavailable()
    if (
        gotrue_code == "invalid_credentials"
        or status in (401, 403)
        or oauth_error == "unsupported_grant_type"
    ):
        # Supabase refused *this server's* client (OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET, its registered
        # authentication method, or the gateway's apikey). Re-registering the MCP client cannot fix that,
        # so no invalid_client here: a clean 503 server_error, and the operator is told what to change.
        if "authentication method" in exc.message:
            log.error(
                "supabase refused this server's OAuth client: it must be registered with "
                "token_endpoint_auth_method client_secret_basic (this server sends HTTP Basic), not "
                "client_secret_post; change it in Supabase (Authentication > OAuth Apps)"
            )
        else:
            log.error(
                "supabase refused this server's OAuth client credentials; check OAUTH_CLIENT_ID and "
                "OAUTH_CLIENT_SECRET, and that the client uses client_secret_basic"
            )
        return OAuthError("server_error", "the authorization server is misconfigured", status=503)
    if oauth_error == "invalid_request":
        return OAuthError("invalid_request", "the identity provider refused the request")
    if oauth_error is not None or gotrue_code in _DEAD_GRANT_CODES or status in (400, 404, 422):
        what = "authorization code" if grant == "authorization_code" else "refresh token"
        return OAuthError("invalid_grant", f"the {what} is invalid, expired or already used")
    return Unavailable()
