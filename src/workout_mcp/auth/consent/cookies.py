"""This browser's consent cookies: session, remembered consents, pending and given answers, flow binding.

All are sealed, HttpOnly, `SameSite=Lax`, `__Host-` on https. Nothing is stored server-side.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from workout_mcp.auth.flow import (
    AuthorizationState,
    NotThisBrowsersFlow,
    bound_state,
    browser_flows,
    cookie_name,
)
from workout_mcp.auth.sealing import Sealer, SealError
from workout_mcp.config import Settings
from workout_mcp.supabase import UserSession

log = logging.getLogger("workout_mcp.auth.consent")

SESSION_COOKIE = "wmcp-consent-session"
SESSION_PURPOSE = "consent-session"
SESSION_TTL_SECONDS = 900  # long enough to read the page; an authorization itself lives 10 minutes

CSRF_COOKIE = "wmcp-consent-csrf"
CSRF_TTL_SECONDS = 3600

REMEMBER_COOKIE = "wmcp-consents"
REMEMBER_PURPOSE = "consent-remembered"
REMEMBER_TTL_SECONDS = 180 * 24 * 3600
REMEMBER_MAX_ENTRIES = 20  # fingerprints of 22 characters keep the cookie far below 4 KB

PENDING_COOKIE = "wmcp-consent-pending"
PENDING_PURPOSE = "consent-pending"
DONE_COOKIE = "wmcp-consent-done"
DONE_PURPOSE = "consent-done"
ANSWER_TTL_SECONDS = 600  # Supabase's authorization TTL


@dataclass
class Browser:
    """What this request's cookies say, plus cookies to set or clear on the response."""

    flows: list[str]
    csrf_nonce: str
    session: dict[str, Any] | None
    set_cookies: list[tuple[str, str, int]] = field(default_factory=list)
    clear_cookies: list[str] = field(default_factory=list)
    # The authorization this page is about, once its sealed state was opened and bound to this browser.
    authorization: AuthorizationState | None = None


class Cookies:
    """Reads and writes this browser's cookies; the base of the consent page."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.secure = settings.public_url.startswith("https://")

    def _name(self, base: str) -> str:
        return cookie_name(base, secure=self.secure)

    def _browser(self, request: Request, sealer: Sealer) -> Browser:
        flows = browser_flows(request, sealer, secure=self.secure)
        nonce = request.cookies.get(self._name(CSRF_COOKIE), "")
        set_cookies: list[tuple[str, str, int]] = []
        if not re.fullmatch(r"[A-Za-z0-9_-]{32,64}", nonce):
            nonce = secrets.token_urlsafe(32)
            set_cookies.append((CSRF_COOKIE, nonce, CSRF_TTL_SECONDS))
        session = self._unseal_cookie(request, sealer, SESSION_COOKIE, SESSION_PURPOSE)
        return Browser(flows=flows, csrf_nonce=nonce, session=session, set_cookies=set_cookies)

    def _unseal_cookie(
        self, request: Request, sealer: Sealer, base: str, purpose: str
    ) -> dict[str, Any] | None:
        blob = request.cookies.get(self._name(base))
        if not blob:
            return None
        try:
            value = sealer.unseal(purpose, blob)
        except SealError:
            return None
        return value if isinstance(value, dict) else None

    def _start_session(self, browser: Browser, sealer: Sealer, session: UserSession) -> None:
        ttl = max(60, min(SESSION_TTL_SECONDS, (session.expires_in or SESSION_TTL_SECONDS) - 30))
        payload = {"t": session.access_token, "s": session.user_id, "m": session.email}
        browser.set_cookies.append((SESSION_COOKIE, sealer.seal(SESSION_PURPOSE, payload, ttl), ttl))

    def _remembered(self, request: Request, sealer: Sealer) -> list[str]:
        blob = request.cookies.get(self._name(REMEMBER_COOKIE))
        if not blob:
            return []
        try:
            value = sealer.unseal(REMEMBER_PURPOSE, blob)
        except SealError:
            return []
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def _remember(
        self, request: Request, sealer: Sealer, browser: Browser, user_id: str, state: AuthorizationState
    ) -> None:
        mark = fingerprint(user_id, state.client_ref)
        kept = [mark, *(m for m in self._remembered(request, sealer) if m != mark)][:REMEMBER_MAX_ENTRIES]
        sealed = sealer.seal(REMEMBER_PURPOSE, kept, REMEMBER_TTL_SECONDS)
        browser.set_cookies.append((REMEMBER_COOKIE, sealed, REMEMBER_TTL_SECONDS))

    def _is_remembered(
        self, request: Request, sealer: Sealer, state: AuthorizationState, user_id: str
    ) -> bool:
        return fingerprint(user_id, state.client_ref) in self._remembered(request, sealer)

    def _answer(
        self, request: Request, sealer: Sealer, base: str, purpose: str, authorization_id: str, user_id: str
    ) -> str | None:
        value = self._unseal_cookie(request, sealer, base, purpose)
        if value is None or value.get("a") != authorization_id or value.get("s") != user_id:
            return None
        url = value.get("u")
        return url if isinstance(url, str) else None

    def _done_answer(
        self, request: Request, sealer: Sealer, authorization_id: str, user_id: str
    ) -> str | None:
        """`action NUL url` of this browser's answer to this authorization, if it gave one."""
        value = self._unseal_cookie(request, sealer, DONE_COOKIE, DONE_PURPOSE)
        if value is None or (value.get("a"), value.get("s")) != (authorization_id, user_id):
            return None
        action, url = value.get("x"), value.get("u")
        return f"{action}\x00{url}" if isinstance(action, str) and isinstance(url, str) else None

    def _mark_done(
        self, browser: Browser, sealer: Sealer, authorization_id: str, user_id: str, action: str, url: str
    ) -> None:
        payload = {"a": authorization_id, "s": user_id, "x": action, "u": url}
        sealed = sealer.seal(DONE_PURPOSE, payload, ANSWER_TTL_SECONDS)
        browser.set_cookies.append((DONE_COOKIE, sealed, ANSWER_TTL_SECONDS))

    def _bind(self, browser: Browser, sealer: Sealer, redirect_url: str) -> AuthorizationState | None:
        """The authorization's own sealed state, when this browser started its flow; else None."""
        try:
            browser.authorization = bound_state(sealer, redirect_url, browser.flows)
        except NotThisBrowsersFlow as exc:
            log.warning("consent refused: %s", exc)
            return None
        return browser.authorization


def digest(value: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(value.encode()).digest()).rstrip(b"=").decode()


def fingerprint(user_id: str, client_id: str) -> str:
    # Client ids from our DCR are whole sealed registrations; a short hash keeps the cookie small.
    return digest(f"{user_id}\x00{client_id}")[:22]
