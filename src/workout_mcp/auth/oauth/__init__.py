"""Our stateless OAuth 2.1 facade in front of Supabase Auth's OAuth server (DESIGN.md decision 4).

`oauth_facade_routes(settings, sealer, http)` gives the routes: RFC 8414 metadata at
`/.well-known/oauth-authorization-server` (and `/.well-known/openid-configuration`),
`/oauth/register`, `/oauth/authorize`, `/oauth/callback`, `/oauth/token`, `/oauth/revoke`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from starlette.routing import BaseRoute, Route

from workout_mcp.auth.clients import ClientRegistry
from workout_mcp.auth.oauth.authorize import authorize_endpoint
from workout_mcp.auth.oauth.callback import callback_endpoint
from workout_mcp.auth.oauth.cimd import CimdResolver
from workout_mcp.auth.oauth.context import FacadeContext
from workout_mcp.auth.oauth.errors import answers_errors
from workout_mcp.auth.oauth.metadata import authorization_server_routes
from workout_mcp.auth.oauth.registration import register_endpoint
from workout_mcp.auth.oauth.revoke import revoke_endpoint
from workout_mcp.auth.oauth.token import token_endpoint
from workout_mcp.auth.oauth.upstream import SupabaseOAuth
from workout_mcp.auth.sealing import Sealer
from workout_mcp.config import Settings
from workout_mcp.supabase import SupabaseAuth, SupabaseGateway

__all__ = ["FacadeContext", "build_facade", "oauth_facade_routes"]


def build_facade(
    settings: Settings,
    sealer: Sealer,
    http: httpx.AsyncClient,
    *,
    clock: Callable[[], float] = time.time,
) -> FacadeContext:
    if (
        settings.supabase_url is None
        or settings.supabase_anon_key is None
        or settings.oauth_client_id is None
        or settings.oauth_client_secret is None
        or settings.secret_key is None
    ):
        raise ValueError(
            "the OAuth facade needs SUPABASE_URL, SUPABASE_ANON_KEY, OAUTH_CLIENT_ID/SECRET, SECRET_KEY"
        )
    secrets = [settings.secret_key.get_secret_value()]
    if settings.secret_key_previous is not None:
        secrets.append(settings.secret_key_previous.get_secret_value())
    issuer = settings.public_url
    return FacadeContext(
        issuer=issuer,
        resource=settings.resource_url,
        supabase_authorize_url=f"{settings.supabase_url}/auth/v1/oauth/authorize",
        upstream_client_id=settings.oauth_client_id,
        sealer=sealer,
        registry=ClientRegistry(sealer, secrets, clock=clock),
        cimd=CimdResolver(http, allow_private_networks=settings.cimd_allow_private_networks),
        upstream=SupabaseOAuth(
            SupabaseAuth(SupabaseGateway.from_settings(settings, http)),
            client_id=settings.oauth_client_id,
            client_secret=settings.oauth_client_secret.get_secret_value(),
            callback_url=f"{issuer}/oauth/callback",
        ),
        anon_key=settings.supabase_anon_key.get_secret_value(),
        clock=clock,
    )


def facade_routes(ctx: FacadeContext) -> list[BaseRoute]:
    return [
        Route("/oauth/register", answers_errors(register_endpoint(ctx)), methods=["POST"]),
        Route("/oauth/authorize", answers_errors(authorize_endpoint(ctx)), methods=["GET"]),
        Route("/oauth/callback", answers_errors(callback_endpoint(ctx)), methods=["GET"]),
        Route("/oauth/token", answers_errors(token_endpoint(ctx)), methods=["POST"]),
        Route("/oauth/revoke", answers_errors(revoke_endpoint(ctx)), methods=["POST"]),
    ]


def oauth_facade_routes(settings: Settings, sealer: Sealer, http: httpx.AsyncClient) -> list[BaseRoute]:
    """Metadata plus the `/oauth/*` endpoints; empty when auth is off (nothing to authorize)."""
    if not settings.auth_enabled:
        return []
    return authorization_server_routes(settings) + facade_routes(build_facade(settings, sealer, http))
