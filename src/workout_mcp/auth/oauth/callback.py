"""`GET /oauth/callback`: Supabase's redirect back to us, turned into the MCP client's redirect.

The destination comes only from the sealed `state` (never from the query), so this endpoint cannot be
used as an open redirector; a forged or expired `state` renders a page. Supabase's code is wrapped in
a sealed, 5-minute code bound to the client, its redirect URI and its PKCE challenge.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from workout_mcp import metrics
from workout_mcp.auth.flow import cookie_name
from workout_mcp.auth.oauth.context import CODE_PURPOSE, CODE_TTL_SECONDS, STATE_PURPOSE, FacadeContext
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
            flow = ctx.sealer.unseal(STATE_PURPOSE, blob)
            redirect_uri = str(flow["r"])
            client_state = flow.get("s")
        except SealError as exc:
            log.info("callback: state refused (%s)", exc)
            raise PageError(
                "This sign-in has expired",
                "The sign-in took too long or the link was altered. Start again from the app.",
            ) from None
        except (KeyError, TypeError):
            raise PageError("Invalid sign-in response", "The sign-in response is malformed.") from None

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
        sealed_code = ctx.sealer.seal(
            CODE_PURPOSE,
            {
                "u": code,
                "c": flow["c"],
                "r": redirect_uri,
                "x": flow.get("x", True),
                "h": flow["h"],
                "k": flow["k"],
            },
            CODE_TTL_SECONDS,
        )
        response = redirect(
            add_query(redirect_uri, {"code": sealed_code, "state": client_state, "iss": ctx.issuer})
        )
        secure = ctx.secure_cookies
        response.delete_cookie(
            cookie_name("wmcp-flow", secure=secure), path="/", secure=secure, httponly=True
        )
        metrics.oauth_outcome("callback", "authorized")
        log.info("callback: code issued")
        return response

    return callback
