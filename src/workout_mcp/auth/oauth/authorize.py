"""`GET /oauth/authorize`: check the MCP client's request, then hand the browser to Supabase.

Errors before the client and its redirect URI are known good render a page (redirecting there would
make us an open redirector); later ones go back to the client with `error`, `state` and `iss`. On
success the browser goes to Supabase with our own client id and callback, the client's PKCE challenge
and a sealed `state` whose flow nonce is added to this browser's flow cookie (`auth/flow.py`).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from workout_mcp import metrics
from workout_mcp.auth.clients import MAX_STATE_LENGTH, UnknownClient, client_ref
from workout_mcp.auth.flow import AuthorizationState, new_flow_nonce, start_flow
from workout_mcp.auth.oauth.cimd import ClientMetadataUnavailable
from workout_mcp.auth.oauth.context import FacadeContext, upstream_scope
from workout_mcp.auth.oauth.errors import (
    NO_STORE,
    PRODUCT_NAME,
    STYLE_URL,
    Endpoint,
    PageError,
    RedirectError,
    _templates,
    redirect,
)

log = logging.getLogger("workout_mcp.auth.oauth.authorize")

S256_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
MAX_UPSTREAM_STATE = 4096  # Supabase's oauth_authorizations.state column (migrations/20250804100000)
_SINGLE = (
    "client_id",
    "redirect_uri",
    "response_type",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
    "resource",
)


def _unknown_client() -> PageError:
    return PageError(
        "This app is not recognised",
        "The app that sent you here is not registered with this server (or its registration has expired).",
    )


def _temporarily_unavailable() -> Response:
    html = (
        _templates()
        .get_template("error.html")
        .render(
            title="Could not reach the app right now",
            message="We could not fetch this app's registration just now (it timed out or its server "
            "had a problem).",
            temporary=True,
            product=PRODUCT_NAME,
            style_url=STYLE_URL,
        )
    )
    return HTMLResponse(html, status_code=503, headers={**NO_STORE, "Retry-After": "5"})


def authorize_endpoint(ctx: FacadeContext) -> Endpoint:
    async def authorize(request: Request) -> Response:
        query = request.query_params
        client_id = query.get("client_id")
        if not client_id or len(query.getlist("client_id")) > 1:
            raise _unknown_client()
        try:
            client = await ctx.find_client(client_id)
        except ClientMetadataUnavailable as exc:
            log.warning("authorize: the client's metadata document is unavailable for now (%s)", exc)
            return _temporarily_unavailable()
        except UnknownClient as exc:
            log.info("authorize: unknown client (%s)", exc)
            raise _unknown_client() from None

        asked = query.getlist("redirect_uri")
        if len(asked) > 1:
            raise PageError("Invalid sign-in request", "The request names more than one redirect address.")
        if not asked and len(client.redirect_uris) == 1:
            redirect_uri: str | None = client.redirect_uris[0]
        else:
            redirect_uri = client.match_redirect_uri(asked[0]) if asked else None
        if redirect_uri is None:
            log.info("authorize: redirect URI not registered for client %r", client.client_name)
            raise PageError(
                "Invalid sign-in request",
                "The address this app asked to return to is not one it registered, so we stopped here.",
            )

        state = query.get("state")

        def fail(error: str, description: str) -> RedirectError:
            return RedirectError(redirect_uri, error, description, state=state, issuer=ctx.issuer)

        if state is not None and len(state) > MAX_STATE_LENGTH:
            state = None
            raise fail("invalid_request", f"state is limited to {MAX_STATE_LENGTH} characters")
        for name in _SINGLE:
            if len(query.getlist(name)) > 1:
                raise fail("invalid_request", f"parameter {name} is repeated")
        if query.get("response_type") != "code":
            raise fail("unsupported_response_type", "response_type must be code")
        challenge = query.get("code_challenge")
        if not challenge:
            raise fail("invalid_request", "code_challenge is required (PKCE)")
        if query.get("code_challenge_method") != "S256":
            raise fail("invalid_request", "code_challenge_method must be S256")
        if not S256_CHALLENGE.fullmatch(challenge):
            raise fail("invalid_request", "code_challenge must be a base64url SHA-256 digest")
        resource = query.get("resource")
        if resource is not None and not ctx.accepts_resource(resource):
            raise fail("invalid_target", f"resource must be {ctx.resource}")
        scope = upstream_scope(query.get("scope"))
        granted = (
            f"{scope} offline_access" if "offline_access" in (query.get("scope") or "").split() else scope
        )

        if state is not None and any(ord(ch) < 0x20 or ord(ch) > 0x7E for ch in state):
            raise fail("invalid_request", "state must be printable ASCII")
        nonce = new_flow_nonce()
        sealed_state = AuthorizationState(
            client_ref=client_ref(client.client_id),
            client_name=client.client_name,
            redirect_uri=redirect_uri,
            explicit_redirect=bool(asked),
            client_state=state,
            challenge=challenge,
            scope=granted,
            flow=nonce,
            started_at=int(ctx.clock()),
        ).seal(ctx.sealer)
        if len(sealed_state) > MAX_UPSTREAM_STATE:
            # Supabase stores `state` in a 4096-character column; a longer one fails its insert. The
            # client's own state is the only part a client controls beyond what it registered.
            raise fail(
                "invalid_request",
                f"state is too long for this server: keep it under {MAX_STATE_LENGTH} ASCII characters",
            )
        location = (
            ctx.supabase_authorize_url
            + "?"
            + urlencode(
                {
                    "client_id": ctx.upstream_client_id,
                    "redirect_uri": ctx.callback_url,
                    "response_type": "code",
                    "scope": scope,
                    "state": sealed_state,
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                    # Self-hosted Kong refuses /auth/v1/* without the (public) anon key; hosted ignores it.
                    "apikey": ctx.anon_key,
                }
            )
        )
        response = redirect(location)
        start_flow(request, response, ctx.sealer, nonce, secure=ctx.secure_cookies)
        metrics.oauth_outcome("authorize", "redirected")
        log.info(
            "authorize: client %r (%s) sent to Supabase, scope %r", client.client_name, client.kind, scope
        )
        return response

    return authorize
