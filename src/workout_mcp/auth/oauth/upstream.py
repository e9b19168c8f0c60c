"""Supabase's OAuth 2.1 token endpoint and logout, called with this server's confidential client.

Supabase answers errors in two shapes (contract §2.5, §3.6): OAuth errors `{error, error_description}`
always with HTTP 400, and GoTrue errors `{code, error_code, msg}` (client authentication, refresh
tokens). Both are translated here into RFC 6749 errors the MCP client understands; upstream outages
become 503 `temporarily_unavailable`. Logs carry statuses and error codes, never codes or tokens.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from workout_mcp.auth.oauth.errors import OAuthError, Unavailable

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
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        supabase_url: str,
        anon_key: str,
        client_id: str,
        client_secret: str,
        callback_url: str,
        timeout: float,
    ) -> None:
        self._http = http
        self._token_url = f"{supabase_url}/auth/v1/oauth/token"
        self._logout_url = f"{supabase_url}/auth/v1/logout?scope=local"
        self._anon_key = anon_key
        self._callback_url = callback_url
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
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
            response = await self._http.post(
                self._logout_url,
                headers={"apikey": self._anon_key, "Authorization": f"Bearer {access_token}"},
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            log.warning("supabase logout failed: %s", type(exc).__name__)
            return False
        log.info("supabase logout: %s", response.status_code)
        return response.status_code < 300

    async def _token(self, grant: str, form: dict[str, str]) -> UpstreamTokens:
        try:
            response = await self._http.post(
                self._token_url,
                data=form,
                headers={
                    "Authorization": self._basic,
                    "apikey": self._anon_key,
                    "Accept": "application/json",
                },
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            log.warning("supabase token (%s) unreachable: %s", grant, type(exc).__name__)
            raise Unavailable() from None
        body = _json(response)
        if response.status_code == 200 and isinstance(body.get("access_token"), str):
            log.info("supabase token (%s): 200", grant)
            refresh = body.get("refresh_token")
            expires = body.get("expires_in")
            return UpstreamTokens(
                access_token=body["access_token"],
                refresh_token=refresh if isinstance(refresh, str) and refresh else None,
                expires_in=int(expires) if isinstance(expires, int | float) else None,
            )
        raise _translate(grant, response.status_code, body)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _translate(grant: str, status: int, body: dict[str, Any]) -> OAuthError:
    oauth_error = body.get("error") if isinstance(body.get("error"), str) else None
    gotrue_code = body.get("error_code") or (body.get("code") if isinstance(body.get("code"), str) else None)
    log.info("supabase token (%s): %s %s", grant, status, oauth_error or gotrue_code or "-")
    if status >= 500 or status in (409, 429) or gotrue_code == "over_request_rate_limit":
        return Unavailable()
    if (
        gotrue_code == "invalid_credentials"
        or status in (401, 403)
        or oauth_error == "unsupported_grant_type"
    ):
        # Supabase refused *this server's* client (OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET, or the gateway's
        # apikey). Re-registering the MCP client cannot fix that, so no invalid_client here.
        log.error("supabase refused this server's OAuth client credentials; check OAUTH_CLIENT_ID/SECRET")
        return OAuthError("server_error", "the authorization server is misconfigured", status=500)
    if oauth_error == "invalid_request":
        return OAuthError("invalid_request", "the identity provider refused the request")
    if oauth_error is not None or gotrue_code in _DEAD_GRANT_CODES or status in (400, 404, 422):
        what = "authorization code" if grant == "authorization_code" else "refresh token"
        return OAuthError("invalid_grant", f"the {what} is invalid, expired or already used")
    return Unavailable()
