"""`GET /oauth/callback`: Supabase's redirect back to us, turned into the MCP client's redirect.

The destination comes only from the sealed `state` (never from the query), so this endpoint cannot be
used as an open redirector; a forged or expired `state` renders a page. Supabase's code is wrapped in
a sealed code bound to the client, its redirect URI and its PKCE challenge, which lives at most 5
minutes and never past Supabase's own expiry (10 minutes after the authorize request). Only the browser
that started the flow (its flow cookie holds the state's nonce) gets a redirect.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from workout_mcp import metrics
from workout_mcp.auth.flow import (
    NOT_THIS_BROWSER_TEXT,
    NOT_THIS_BROWSER_TITLE,
    STATE_TTL_SECONDS,
    AuthorizationState,
    browser_flows,
    finish_flow,
    is_this_browsers,
)
from workout_mcp.auth.oauth.context import CODE_PURPOSE, CODE_TTL_SECONDS, FacadeContext
from workout_mcp.auth.oauth.errors import Endpoint, PageError, RedirectError, add_query, redirect
from workout_mcp.auth.sealing import SealError

log = logging.getLogger("workout_mcp.auth.oauth.callback")

# Errors Supabase may send back that mean the same thing to the MCP client; anything else (e.g. its
# invalid_request about a scope we sent) is our fault, so the client hears server_error.
_PASSED_THROUGH = {"access_denied", "temporarily_unavailable", "server_error"}


def callback_endpoint(ctx: FacadeContext) -> Endpoint:
    async def callback(request: Request) -> Response:
        query = request.query_params
        blob = query.get("state")
        if not blob or len(blob) > 8192:
            raise PageError(
                "Invalid sign-in response", "This page was opened without a valid sign-in response."
            )
        try:
            flow = AuthorizationState.open(ctx.sealer, blob)
        except SealError as exc:
            log.info("callback: state refused (%s)", exc)
            raise PageError(
                "This sign-in has expired",
                "The sign-in took too long or the link was altered. Start again from the app.",
            ) from None
        except ValueError:
            raise PageError("Invalid sign-in response", "The sign-in response is malformed.") from None
        secure = ctx.secure_cookies
        if not is_this_browsers(flow, browser_flows(request, ctx.sealer, secure=secure)):
            # Only the browser that started the flow may finish it (the consent page checks the same
            # before it follows Supabase's redirect): a code is never handed to a flow begun elsewhere.
            log.warning("callback: the flow was not started in this browser; refused")
            raise PageError(NOT_THIS_BROWSER_TITLE, NOT_THIS_BROWSER_TEXT)
        redirect_uri, client_state = flow.redirect_uri, flow.client_state

        error = query.get("error")
        if error is not None:
            passed = error if error in _PASSED_THROUGH else "server_error"
            description = "The user denied the request" if passed == "access_denied" else "sign-in failed"
            log.info("callback: Supabase answered %s", error)
            raise RedirectError(redirect_uri, passed, description, state=client_state, issuer=ctx.issuer)
        code = query.get("code")
        if not code or len(code) > 512:
            raise RedirectError(
                redirect_uri, "server_error", "no authorization code", state=client_state, issuer=ctx.issuer
            )
        # Supabase's code dies AuthorizationTTL after the authorize request, not after this callback.
        lifetime = min(CODE_TTL_SECONDS, flow.started_at + STATE_TTL_SECONDS - int(ctx.clock()))
        if lifetime <= 0:
            raise RedirectError(
                redirect_uri,
                "access_denied",
                "the authorization expired; start again",
                state=client_state,
                issuer=ctx.issuer,
            )
        sealed_code = ctx.sealer.seal(
            CODE_PURPOSE,
            {
                "u": code,
                "c": flow.client_ref,
                "r": redirect_uri,
                "x": flow.explicit_redirect,
                "h": flow.challenge,
                "k": flow.scope,
            },
            lifetime,
        )
        response = redirect(
            add_query(redirect_uri, {"code": sealed_code, "state": client_state, "iss": ctx.issuer})
        )
        finish_flow(request, response, ctx.sealer, flow.flow, secure=secure)
        metrics.oauth_outcome("callback", "authorized")
        log.info("callback: code issued")
        return response

    return callback
