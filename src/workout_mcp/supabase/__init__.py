"""Every HTTP call to Supabase: Auth (GoTrue) endpoints and PostgREST, through one gateway.

One httpx-based client (`SupabaseGateway`), one error type (`SupabaseError`), one timeout and retry
policy, and one parser of the error bodies Supabase answers with (GoTrue's two shapes, OAuth errors,
PostgREST's). The layers above turn a `SupabaseError` into their own answer (an OAuth error, a consent
page, a store error); nothing here imports them.
"""

from __future__ import annotations

from workout_mcp.supabase.auth import SupabaseAuth, UserSession
from workout_mcp.supabase.errors import SupabaseError, parse_error
from workout_mcp.supabase.gateway import LazyTransport, SupabaseGateway, SupabaseResponse

__all__ = [
    "LazyTransport",
    "SupabaseAuth",
    "SupabaseError",
    "SupabaseGateway",
    "SupabaseResponse",
    "UserSession",
    "parse_error",
]
