"""The stdio user's own Supabase session: sign in from the environment, refresh before expiry.

Supabase rotates refresh tokens on every refresh and revokes the whole session when an old one is
presented again (contract §2.3, §6.10), so this keeps only the newest refresh token, never retries a
refresh with a token it has already spent successfully, and lets one refresh run at a time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, NoReturn

import httpx

from workout_mcp.config import Settings
from workout_mcp.store.base import AuthExpired, UpstreamUnavailable
from workout_mcp.supabase import SupabaseAuth, SupabaseError, SupabaseGateway

logger = logging.getLogger(__name__)

REFRESH_MARGIN_SECONDS = 60.0
DEAD_REFRESH_CODES = frozenset(
    {"refresh_token_not_found", "refresh_token_already_used", "session_expired", "session_not_found"}
)


class SupabaseSession:
    """Holds one user's access token; `access_token` is a `TokenSource` for `SupabaseStore`."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        supabase_url: str,
        anon_key: str,
        *,
        email: str | None = None,
        password: str | None = None,
        refresh_token: str | None = None,
        clock: Callable[[], float] = time.time,
        refresh_margin: float = REFRESH_MARGIN_SECONDS,
        timeout: float = 10.0,
        on_refresh_token: Callable[[str], None] | None = None,
    ) -> None:
        if refresh_token is None and (email is None or password is None):
            raise ValueError("a Supabase session needs email and password, or a refresh token")
        self._auth = SupabaseAuth(SupabaseGateway(client, supabase_url, anon_key, timeout=timeout))
        self._email, self._password = email, password
        self._refresh_token = refresh_token
        self._clock = clock
        self._margin = refresh_margin
        self._on_refresh_token = on_refresh_token
        self._access: str | None = None
        self._deadline = 0.0
        self._lock = asyncio.Lock()
        self.user_id: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, client: httpx.AsyncClient) -> SupabaseSession:
        if settings.supabase_url is None or settings.supabase_anon_key is None:
            raise ValueError("SUPABASE_URL and SUPABASE_ANON_KEY are required for a Supabase session")
        password = settings.supabase_password.get_secret_value() if settings.supabase_password else None
        refresh = (
            settings.supabase_refresh_token.get_secret_value() if settings.supabase_refresh_token else None
        )
        return cls(
            client,
            settings.supabase_url,
            settings.supabase_anon_key.get_secret_value(),
            email=settings.supabase_email,
            password=password,
            refresh_token=refresh,
            timeout=settings.upstream_timeout_seconds,
        )

    @property
    def refresh_token(self) -> str | None:
        """The newest refresh token (the only one that may still be used)."""
        return self._refresh_token

    def _fresh(self) -> bool:
        return self._access is not None and self._clock() < self._deadline - self._margin

    async def access_token(self) -> str:
        """A valid access token, signing in or refreshing first when it is missing or about to expire."""
        if self._fresh():
            assert self._access is not None
            return self._access
        async with self._lock:
            if not self._fresh():  # another caller may have refreshed while this one waited
                await self._renew()
            assert self._access is not None
            return self._access

    def invalidate(self) -> None:
        """Forget the access token (e.g. PostgREST rejected it); the next call refreshes."""
        self._deadline = 0.0

    async def _renew(self) -> None:
        if self._refresh_token is not None:
            try:
                await self._grant("refresh_token", {"refresh_token": self._refresh_token})
                return
            except AuthExpired:
                if self._email is None or self._password is None:
                    raise
                logger.info("supabase refresh token no longer valid; signing in again with the password")
                self._refresh_token = None
        await self._grant("password", {"email": self._email, "password": self._password})

    async def _grant(self, grant_type: str, body: dict[str, Any]) -> None:
        try:
            if grant_type == "refresh_token":
                session = await self._auth.refresh(str(body["refresh_token"]))
            else:
                session = await self._auth.password(str(body["email"]), str(body["password"]))
        except SupabaseError as exc:
            self._refused(grant_type, exc)
        if session.refresh_token is None:
            logger.warning("supabase %s grant: unexpected response shape", grant_type)
            raise UpstreamUnavailable("Supabase Auth sent an unexpected answer; try again")
        now = self._clock()
        if session.expires_in is not None:
            self._deadline = now + float(session.expires_in)
        elif session.expires_at is not None:
            self._deadline = session.expires_at
        else:
            self._deadline = now + 3600.0
        self._access = session.access_token
        self._refresh_token = session.refresh_token  # rotation: the old one is spent, keep only the newest
        self.user_id = session.user_id
        if self._on_refresh_token is not None:
            self._on_refresh_token(session.refresh_token)

    def _refused(self, grant_type: str, exc: SupabaseError) -> NoReturn:
        if exc.timed_out:
            raise UpstreamUnavailable("Supabase Auth did not answer in time; try again shortly") from None
        if exc.status is None:
            raise UpstreamUnavailable("could not reach Supabase Auth; try again shortly") from None
        if exc.unavailable:
            if exc.status < 500:
                raise UpstreamUnavailable("Supabase Auth sent an unexpected answer; try again") from None
            raise UpstreamUnavailable("Supabase Auth is unavailable right now; try again shortly") from None
        logger.warning("supabase %s grant refused: status=%d code=%s", grant_type, exc.status, exc.code)
        if grant_type == "refresh_token":
            if exc.code in DEAD_REFRESH_CODES or exc.status in (400, 401, 403):
                # the session is gone for good: never present this token again
                self._refresh_token = None
            raise AuthExpired("the Supabase session ended; sign in again (update SUPABASE_REFRESH_TOKEN)")
        raise AuthExpired("Supabase sign-in failed; check SUPABASE_EMAIL and SUPABASE_PASSWORD")
