"""What every facade endpoint shares: the exact public URLs, the sealer, clients, Supabase, the clock.

Sealed artefacts (all AES-GCM, purpose as associated data, so one can never pass for another):

| purpose          | carries                                                        | lifetime |
|------------------|----------------------------------------------------------------|----------|
| `client`         | a dynamic registration (name, redirect URIs, auth method)      | 10 years |
| `upstream-state` | client ref and name, redirect URI, its state, PKCE challenge,  | 10 min   |
|                  | scope, flow nonce, authorize time (`auth/flow.py`)             |          |
| `code`           | Supabase's code + the same binding                             | <= 5 min |
| `refresh`        | Supabase's refresh token + client ref + scope                  | 90 days  |
| `flow`           | nonces of the flows this browser started (`auth/flow.py`)      | 10 min   |
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from workout_mcp.auth.clients import ClientRegistry, RegisteredClient
from workout_mcp.auth.oauth.cimd import CimdResolver, looks_like_metadata_url
from workout_mcp.auth.oauth.upstream import SupabaseOAuth
from workout_mcp.auth.sealing import Sealer
from workout_mcp.config import SUPABASE_SCOPES

CODE_PURPOSE = "code"
CODE_TTL_SECONDS = 300
REFRESH_PURPOSE = "refresh"
REFRESH_TTL_SECONDS = 90 * 24 * 3600

DEFAULT_SCOPE = "email"  # Supabase's own DefaultScope


@dataclass
class FacadeContext:
    issuer: str  # == BASE_URL, exactly
    resource: str  # == BASE_URL/mcp
    supabase_authorize_url: str
    upstream_client_id: str
    sealer: Sealer
    registry: ClientRegistry
    cimd: CimdResolver
    upstream: SupabaseOAuth
    anon_key: str = ""  # public; sent on the browser redirect for self-hosted Kong
    clock: Callable[[], float] = time.time

    @property
    def callback_url(self) -> str:
        return f"{self.issuer}/oauth/callback"

    @property
    def secure_cookies(self) -> bool:
        return self.issuer.startswith("https://")

    def accepts_resource(self, resource: str) -> bool:
        # RFC 8707 wants exact; `/mcp/` is served by the same endpoint, so it names the same resource.
        return resource in (self.resource, f"{self.resource}/")

    async def find_client(self, client_id: str) -> RegisteredClient:
        """A sealed registration or a metadata document; raises `UnknownClient`."""
        if looks_like_metadata_url(client_id):
            return await self.cimd.client(client_id)
        return self.registry.open(client_id)


def upstream_scope(requested: str | None) -> str:
    """Only what Supabase accepts: `offline_access` is dropped (Supabase always issues a refresh token,
    and older deployments 400 on it), unknown scopes are ignored (RFC 6749 §3.3 lets us narrow)."""
    wanted = set((requested or "").split())
    kept = [s for s in SUPABASE_SCOPES if s in wanted]
    return " ".join(kept) if kept else DEFAULT_SCOPE
