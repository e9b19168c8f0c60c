"""The Supabase Auth (GoTrue) endpoints this server calls, over the gateway.

Client-side API (`/auth/v1/token`, `/otp`, `/verify`), the consent API of its OAuth 2.1 server
(`/oauth/authorizations/{id}`), and its token endpoint with this server's confidential client
(`/oauth/token`, `/logout`). Each returns what it promises or raises `SupabaseError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from workout_mcp.supabase.errors import SupabaseError
from workout_mcp.supabase.gateway import SupabaseGateway

AUTH = "/auth/v1"


@dataclass(frozen=True)
class UserSession:
    """A signed-in user's Supabase session, from the password grant or an email code."""

    access_token: str
    refresh_token: str | None
    user_id: str
    email: str
    expires_in: int | None
    expires_at: float | None


class SupabaseAuth:
    def __init__(self, gateway: SupabaseGateway) -> None:
        self.gateway = gateway

    # --- sign-in (client-side API) --------------------------------------------------------------------

    async def password(self, email: str, password: str, *, captcha_token: str | None = None) -> UserSession:
        body: dict[str, Any] = {"email": email, "password": password}
        _with_captcha(body, captcha_token)
        return await self._grant("password", body)

    async def refresh(self, refresh_token: str) -> UserSession:
        # Never retried: a second try with a possibly rotated token trips reuse detection.
        return await self._grant("refresh_token", {"refresh_token": refresh_token})

    async def send_code(self, email: str, *, captcha_token: str | None = None) -> None:
        # create_user false: signing people in, not signing strangers up.
        body: dict[str, Any] = {"email": email, "create_user": False}
        _with_captcha(body, captcha_token)
        await self.gateway.request("POST", f"{AUTH}/otp", what="otp", json=body, expect_json=False)

    async def verify_code(self, email: str, code: str) -> UserSession:
        response = await self.gateway.request(
            "POST", f"{AUTH}/verify", what="verify", json={"type": "email", "email": email, "token": code}
        )
        return _session(response.body)

    async def _grant(self, grant_type: str, body: dict[str, Any]) -> UserSession:
        response = await self.gateway.request(
            "POST", f"{AUTH}/token", what=f"{grant_type} grant", params={"grant_type": grant_type}, json=body
        )
        return _session(response.body)

    # --- the OAuth server's consent API (with the user's token) ---------------------------------------

    async def authorization(self, authorization_id: str, token: str) -> dict[str, Any]:
        response = await self.gateway.request(
            "GET", _authorization_path(authorization_id), what="authorization details", bearer=token
        )
        if not isinstance(response.body, dict):
            raise SupabaseError(response.status, reason="unexpected body")
        return response.body

    async def decide(self, authorization_id: str, token: str, action: str) -> str:
        """Supabase's `redirect_url` for the approved or denied authorization."""
        response = await self.gateway.request(
            "POST",
            f"{_authorization_path(authorization_id)}/consent",
            what="consent",
            bearer=token,
            json={"action": action},
        )
        url = response.body.get("redirect_url") if isinstance(response.body, dict) else None
        if not isinstance(url, str):
            raise SupabaseError(response.status, reason="unexpected body")
        return url

    # --- the OAuth server's token endpoint (this server's confidential client) ------------------------

    async def oauth_token(self, form: dict[str, str], *, client_basic: str, what: str) -> dict[str, Any]:
        response = await self.gateway.request(
            "POST",
            f"{AUTH}/oauth/token",
            what=f"oauth token ({what})",
            data=form,
            headers={"Authorization": client_basic},
        )
        if not isinstance(response.body, dict):
            raise SupabaseError(response.status, reason="unexpected body")
        return response.body

    async def logout(self, access_token: str) -> None:
        """Ends the session the access token belongs to (its refresh tokens die with it)."""
        await self.gateway.request(
            "POST",
            f"{AUTH}/logout",
            what="logout",
            bearer=access_token,
            params={"scope": "local"},
            expect_json=False,
        )


def _with_captcha(body: dict[str, Any], captcha_token: str | None) -> None:
    if captcha_token:
        body["gotrue_meta_security"] = {"captcha_token": captcha_token}


def _authorization_path(authorization_id: str) -> str:
    return f"{AUTH}/oauth/authorizations/{quote(authorization_id, safe='')}"


def _session(data: Any) -> UserSession:
    try:
        user = data["user"]
        expires_in, expires_at = data.get("expires_in"), data.get("expires_at")
        refresh = data.get("refresh_token")
        return UserSession(
            access_token=_string(data["access_token"]),
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
            user_id=_string(user["id"]),
            email=str(user.get("email") or ""),
            expires_in=int(expires_in) if isinstance(expires_in, int | float) else None,
            expires_at=float(expires_at) if isinstance(expires_at, int | float) else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SupabaseError(200, reason="unexpected body") from exc


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("not a string")
    return value
