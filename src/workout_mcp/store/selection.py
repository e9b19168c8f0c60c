"""Which store serves this process: Supabase when it is configured, otherwise the local SQLite log."""

from __future__ import annotations

import httpx
from mcp.server.auth.middleware.auth_context import get_access_token

from workout_mcp.config import Settings
from workout_mcp.store.base import LOCAL_USER_ID, AuthExpired, WorkoutStore


def request_user_id() -> str:
    """The verified caller over HTTP; the single local user over stdio or with AUTH_MODE=none."""
    token = get_access_token()
    return token.subject if token is not None and token.subject else LOCAL_USER_ID


async def request_access_token() -> str:
    """The caller's own Supabase access token, forwarded so Row Level Security decides."""
    token = get_access_token()
    if token is None:
        raise AuthExpired("this request carries no access token; sign in again")
    return token.token


def open_store(settings: Settings, client: httpx.AsyncClient) -> WorkoutStore:
    if not settings.uses_supabase:
        from workout_mcp.store.local import LocalStore

        return LocalStore(settings.workout_db_path, user_id=request_user_id)

    from workout_mcp.store.supabase import SupabaseStore

    if settings.supabase_url is None or settings.supabase_anon_key is None:
        raise ValueError("SUPABASE_URL and SUPABASE_ANON_KEY are required for the Supabase store")
    anon_key = settings.supabase_anon_key.get_secret_value()
    if settings.mcp_transport == "http":
        return SupabaseStore(
            client,
            settings.supabase_url,
            anon_key,
            token=request_access_token,
            timeout=settings.upstream_timeout_seconds,
        )
    from workout_mcp.store.session import SupabaseSession

    session = SupabaseSession.from_settings(settings, client)
    return SupabaseStore(
        client,
        settings.supabase_url,
        anon_key,
        token=session.access_token,
        timeout=settings.upstream_timeout_seconds,
        on_auth_rejected=session.invalidate,
    )
