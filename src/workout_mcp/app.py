"""`create_app(settings)`: the whole HTTP server as one Starlette app, built from one settings object.

Middleware, outermost first (DESIGN.md): access log + request id -> CORS -> security headers ->
bearer auth -> per-user rate limit -> the SDK's auth context -> routes. The MCP endpoint is the SDK's
session manager behind `StatelessExchange` (no inner Starlette app, no redirect between `/mcp` and
`/mcp/`); the sign-in side is built on its first request (`LazyRoutes`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.provider import TokenVerifier
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from workout_mcp import __version__, metrics
from workout_mcp.auth.sealing import Sealer
from workout_mcp.config import Settings, is_loopback_host
from workout_mcp.http.access_log import AccessLogMiddleware
from workout_mcp.http.cors import AppCORSMiddleware
from workout_mcp.http.lazy_routes import LazyRoutes
from workout_mcp.http.security_headers import SecurityHeadersMiddleware
from workout_mcp.http.stateless_exchange import StatelessExchange
from workout_mcp.http.upstream_metrics import SupabaseMetricsTransport
from workout_mcp.store.base import WorkoutStore
from workout_mcp.store.selection import open_store
from workout_mcp.supabase import LazyTransport
from workout_mcp.surface.server import build_mcp_server

log = logging.getLogger("workout_mcp.app")

MCP_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "Accept",
    "Mcp-Protocol-Version",
    "Mcp-Session-Id",
    "Mcp-Method",
    "Mcp-Name",
    "Last-Event-ID",
]
MCP_EXPOSED_HEADERS = [
    "Mcp-Session-Id",
    "Mcp-Protocol-Version",
    "WWW-Authenticate",
    "Retry-After",
    "RateLimit",
    "RateLimit-Policy",
    "X-Request-Id",
]
HealthCheck = Callable[[], dict[str, Any]]


@dataclass
class Services:
    """What the routes and middleware share for the app's lifetime; kept on `app.state.services`."""

    settings: Settings
    http: httpx.AsyncClient
    store: WorkoutStore
    mcp: MCPServer
    sealer: Sealer | None = None
    token_verifier: TokenVerifier | None = None
    health_checks: dict[str, HealthCheck] = field(default_factory=dict)
    closers: list[Callable[[], Any]] = field(default_factory=list)


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """DNS-rebinding allowlist from BASE_URL (the SDK's default would reject every real hostname)."""
    public = urlsplit(settings.public_url)
    hosts = {public.netloc, f"{public.hostname}:*"}
    if is_loopback_host(settings.host):
        hosts |= {"127.0.0.1:*", "localhost:*", "[::1]:*"}
    origins = {f"{public.scheme}://{public.netloc}", *settings.allowed_origins}
    if is_loopback_host(settings.host):
        origins |= {"http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"}
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=sorted(hosts), allowed_origins=sorted(origins)
    )


class McpEndpoint:
    """POST goes to the SDK's request kernel (`StatelessExchange`); GET (an idle SSE stream would keep a Fly
    machine awake) and DELETE get 405."""

    def __init__(self, mcp: MCPServer) -> None:
        self.exchange = StatelessExchange(mcp.session_manager)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            response = JSONResponse(
                {"jsonrpc": "2.0", "id": None, "error": {"code": -32000, "message": "Method not allowed"}},
                status_code=405,
                headers={"Allow": "POST"},
            )
            await response(scope, receive, send)
            return
        await self.exchange(scope, receive, send)


def create_app(
    settings: Settings,
    *,
    http_client: httpx.AsyncClient | None = None,
    store: WorkoutStore | None = None,
) -> Starlette:
    """Build the HTTP app. Nothing here touches the network: start-up never waits on Supabase."""
    client = http_client or upstream_client(settings)
    workout_store = store or open_store(settings, client)
    mcp = build_mcp_server(settings, workout_store)
    mcp.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        transport_security=transport_security(settings),
        max_request_body_size=settings.max_body_bytes,
    )
    services = Services(settings=settings, http=client, store=workout_store, mcp=mcp)
    if settings.secret_key is not None:
        secrets = [settings.secret_key.get_secret_value()]
        if settings.secret_key_previous is not None:
            secrets.append(settings.secret_key_previous.get_secret_value())
        services.sealer = Sealer(secrets)
    kind = getattr(workout_store, "kind", None) or type(workout_store).__name__  # a DeferredStore's, unbuilt
    services.health_checks["store"] = lambda: {"status": "ok", "kind": kind}

    endpoint = McpEndpoint(mcp)
    # `/mcp` first: Starlette tries routes in order, and nearly every request is for it.
    routes: list[BaseRoute] = [
        Route("/mcp", endpoint),
        Route("/mcp/", endpoint),
        Route("/", index, methods=["GET"]),
        Route("/health", health, methods=["GET", "HEAD"]),
    ]
    middleware = [
        Middleware(
            AppCORSMiddleware,
            allow_origins=settings.allowed_origins,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=MCP_REQUEST_HEADERS,
            expose_headers=MCP_EXPOSED_HEADERS,
            max_age=600,
        ),
        Middleware(SecurityHeadersMiddleware, https=settings.public_url.startswith("https://")),
    ]
    if settings.auth_enabled:
        identity_routes, bearer_auth = identity(settings, services)
        routes += identity_routes
        middleware.append(bearer_auth)
    if settings.rate_limit_enabled:
        middleware.append(rate_limit_middleware(settings, services))
    middleware.append(Middleware(AuthContextMiddleware))
    route_paths = [path for route in routes for path in route_paths_of(route)]
    middleware.insert(0, Middleware(AccessLogMiddleware, route_paths=route_paths))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with mcp.session_manager.run():
            try:
                yield
            finally:
                for close in reversed(services.closers):
                    result = close()
                    if hasattr(result, "__await__"):
                        await result
                await workout_store.aclose()
                if http_client is None:
                    await client.aclose()

    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.services = services
    return app


def route_paths_of(route: BaseRoute) -> list[str]:
    if isinstance(route, LazyRoutes):
        return list(route.paths)
    return [route.path] if isinstance(route, Route) else []


def upstream_client(settings: Settings) -> httpx.AsyncClient:
    """The one client for every call to Supabase; timed and counted by endpoint when metrics are on."""
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=20)
    transport: httpx.AsyncBaseTransport = LazyTransport(limits=limits)
    if metrics.active() is not None and settings.supabase_url is not None:
        transport = SupabaseMetricsTransport(transport, origin=settings.supabase_url)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.upstream_timeout_seconds, connect=5.0),
        transport=transport,
        headers={"User-Agent": f"workout-mcp/{__version__}"},
    )


# The paths of the sign-in side (the facade's metadata and endpoints, the consent page, `/account`), built
# on their first request (`LazyRoutes` refuses to build anything else).
IDENTITY_PATHS = (
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration",
    "/oauth/register",
    "/oauth/authorize",
    "/oauth/callback",
    "/oauth/token",
    "/oauth/revoke",
    "/oauth/consent",
    "/oauth/consent/password",
    "/oauth/consent/otp",
    "/oauth/consent/verify",
    "/oauth/consent/decision",
    "/oauth/consent/signout",
    "/oauth/consent/style.css",
    "/account",
    "/account/password",
    "/account/signout",
    "/account/preview",
    "/account/import",
    "/account/export",
)


def identity(settings: Settings, services: Services) -> tuple[list[BaseRoute], Middleware]:
    """Resource-server metadata and the bearer check on `/mcp` now; the OAuth facade, the consent page
    and `/account` on the first request for one of their paths."""
    from workout_mcp.auth.metadata import protected_resource_routes, resource_metadata_url
    from workout_mcp.auth.middleware import BearerAuthMiddleware
    from workout_mcp.auth.verifier import SupabaseTokenVerifier

    sealer = services.sealer
    if sealer is None:  # config.problems() makes SECRET_KEY required whenever auth is on
        raise ValueError("SECRET_KEY is required when authentication is enabled")
    # The first JWKS fetch happens on the first token, so start-up never waits on Supabase.
    verifier = SupabaseTokenVerifier.from_settings(settings, services.http)
    services.token_verifier = verifier
    services.health_checks["jwks"] = verifier.health

    def sign_in_routes() -> list[BaseRoute]:
        from workout_mcp.auth.account import account_routes
        from workout_mcp.auth.consent import consent_routes
        from workout_mcp.auth.oauth import oauth_facade_routes

        return [
            *oauth_facade_routes(settings, sealer, services.http),
            *consent_routes(settings),
            *account_routes(settings),
        ]

    routes = [*protected_resource_routes(settings), LazyRoutes(IDENTITY_PATHS, sign_in_routes)]
    bearer = Middleware(
        BearerAuthMiddleware, verifier=verifier, resource_metadata_url=resource_metadata_url(settings)
    )
    return routes, bearer


def rate_limit_middleware(settings: Settings, services: Services) -> Middleware:
    from workout_mcp.ratelimit import RateLimitMiddleware, build_rate_limits

    limits = build_rate_limits(settings)
    services.health_checks["rate_limit"] = limits.health
    services.closers.append(limits.aclose)
    return Middleware(
        RateLimitMiddleware,
        limits=limits,
        count=settings.rate_limit_count,
        local_user=None if settings.auth_enabled else "local",
        trusted_proxies=settings.forwarded_allow_ips,
        max_body_bytes=settings.max_body_bytes,
    )


async def index(request: Request) -> Response:
    settings: Settings = request.app.state.services.settings
    return JSONResponse(
        {
            "name": "workout-mcp",
            "version": __version__,
            "description": "Your workout log inside Claude: a Model Context Protocol server.",
            "mcp_endpoint": settings.resource_url,
            "transport": "streamable-http",
            "authentication": "oauth2 (Supabase)" if settings.auth_enabled else "none (loopback only)",
            "protected_resource_metadata": f"{settings.public_url}/.well-known/oauth-protected-resource/mcp"
            if settings.auth_enabled
            else None,
        }
    )


async def health(request: Request) -> Response:
    """Fast and local: reports each component's own view of itself, never calls an upstream."""
    services: Services = request.app.state.services
    components = {name: check() for name, check in services.health_checks.items()}
    degraded = any(c.get("status") != "ok" for c in components.values())
    return JSONResponse(
        {"status": "degraded" if degraded else "ok", "version": __version__, "components": components},
        headers={"Cache-Control": "no-store"},
    )
