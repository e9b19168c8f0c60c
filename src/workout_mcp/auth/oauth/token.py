"""`POST /oauth/token`: the authorization-code and refresh-token grants, exchanged at Supabase.

Our sealed code is checked first (client, redirect URI, and the PKCE verifier against the challenge it
carries), so a stolen code without its verifier never reaches Supabase; then Supabase itself checks
PKCE again and single use. Supabase's refresh token goes back sealed and bound to the client; each
rotation is passed through and never retried.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from workout_mcp import metrics
from workout_mcp.auth.clients import RegisteredClient, client_ref
from workout_mcp.auth.oauth.client_auth import authenticate_client
from workout_mcp.auth.oauth.context import CODE_PURPOSE, REFRESH_PURPOSE, REFRESH_TTL_SECONDS, FacadeContext
from workout_mcp.auth.oauth.errors import NO_STORE, Endpoint, OAuthError
from workout_mcp.auth.oauth.params import form_params
from workout_mcp.auth.oauth.upstream import UpstreamTokens
from workout_mcp.auth.sealing import SealError

log = logging.getLogger("workout_mcp.auth.oauth.token")

VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def _open(ctx: FacadeContext, purpose: str, blob: str, client: RegisteredClient, what: str) -> dict[str, Any]:
    try:
        payload = ctx.sealer.unseal(purpose, blob)
    except SealError:
        raise _invalid_grant(f"the {what} is invalid or expired") from None
    if not isinstance(payload, dict) or not hmac.compare_digest(
        str(payload.get("c")), client_ref(client.client_id)
    ):
        log.warning("token: a %s issued to another client was presented by %r", what, client.client_name)
        raise _invalid_grant(f"the {what} was not issued to this client")
    return payload


def token_endpoint(ctx: FacadeContext) -> Endpoint:
    def answer(tokens: UpstreamTokens, client: RegisteredClient, scope: str) -> Response:
        body: dict[str, Any] = {"access_token": tokens.access_token, "token_type": "Bearer"}
        if tokens.expires_in is not None:
            body["expires_in"] = tokens.expires_in
        if tokens.refresh_token is not None and "refresh_token" in client.grant_types:
            body["refresh_token"] = ctx.sealer.seal(
                REFRESH_PURPOSE,
                {"t": tokens.refresh_token, "c": client_ref(client.client_id), "k": scope},
                REFRESH_TTL_SECONDS,
            )
        body["scope"] = scope
        return JSONResponse(body, headers=NO_STORE)

    async def authorization_code(client: RegisteredClient, params: dict[str, str]) -> Response:
        code = params.get("code")
        if not code:
            raise OAuthError("invalid_request", "code is required")
        payload = _open(ctx, CODE_PURPOSE, code, client, "authorization code")
        redirect_uri = params.get("redirect_uri")
        if (payload.get("x", True) or redirect_uri is not None) and redirect_uri != payload.get("r"):
            raise _invalid_grant("redirect_uri does not match the authorization request")
        verifier = params.get("code_verifier")
        if not verifier:
            raise OAuthError("invalid_request", "code_verifier is required (PKCE)")
        if not VERIFIER.fullmatch(verifier) or not hmac.compare_digest(
            _s256(verifier), str(payload.get("h"))
        ):
            raise _invalid_grant("PKCE verification failed")
        tokens = await ctx.upstream.exchange_code(str(payload["u"]), verifier)
        metrics.oauth_outcome("token", "exchanged")
        log.info("token: authorization_code granted to %r", client.client_name)
        return answer(tokens, client, str(payload.get("k", "")))

    async def refresh_token(client: RegisteredClient, params: dict[str, str]) -> Response:
        presented = params.get("refresh_token")
        if not presented:
            raise OAuthError("invalid_request", "refresh_token is required")
        payload = _open(ctx, REFRESH_PURPOSE, presented, client, "refresh token")
        tokens = await ctx.upstream.refresh(str(payload["t"]))
        metrics.oauth_outcome("token", "refreshed")
        log.info("token: refresh_token granted to %r", client.client_name)
        return answer(tokens, client, str(payload.get("k", "")))

    async def token(request: Request) -> Response:
        params = await form_params(request)
        grant = params.get("grant_type")
        if not grant:
            raise OAuthError("invalid_request", "grant_type is required")
        if grant not in ("authorization_code", "refresh_token"):
            raise OAuthError(
                "unsupported_grant_type", "grant_type must be authorization_code or refresh_token"
            )
        client = await authenticate_client(ctx, request, params)
        if grant not in client.grant_types:
            raise OAuthError("unauthorized_client", f"this client did not register the {grant} grant")
        resource = params.get("resource")
        if resource is not None and not ctx.accepts_resource(resource):
            raise OAuthError("invalid_target", f"resource must be {ctx.resource}")
        if grant == "authorization_code":
            return await authorization_code(client, params)
        return await refresh_token(client, params)

    return token
