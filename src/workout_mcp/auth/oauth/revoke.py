"""`POST /oauth/revoke` (RFC 7009): end the Supabase session behind a token; always 200 for tokens.

Supabase's OAuth server has no revocation endpoint. A sealed refresh token is exchanged once more (to
obtain an access token for that session) and the session is then logged out, which kills its whole
refresh-token family; an access token is logged out directly. Unknown, foreign or already dead tokens
get the same 200 (RFC 7009 §2.2), so the answer tells nothing.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from workout_mcp import metrics
from workout_mcp.auth.clients import client_ref
from workout_mcp.auth.oauth.client_auth import authenticate_client
from workout_mcp.auth.oauth.context import REFRESH_PURPOSE, FacadeContext
from workout_mcp.auth.oauth.errors import NO_STORE, Endpoint, OAuthError
from workout_mcp.auth.oauth.params import form_params
from workout_mcp.auth.sealing import SealError

log = logging.getLogger("workout_mcp.auth.oauth.revoke")


def revoke_endpoint(ctx: FacadeContext) -> Endpoint:
    async def revoke(request: Request) -> Response:
        params = await form_params(request)
        token = params.get("token")
        if not token:
            raise OAuthError("invalid_request", "token is required")
        client = await authenticate_client(ctx, request, params)
        try:
            payload = ctx.sealer.unseal(REFRESH_PURPOSE, token)
        except SealError:
            payload = None
        if isinstance(payload, dict):
            if payload.get("c") == client_ref(client.client_id):
                try:
                    tokens = await ctx.upstream.refresh(str(payload["t"]))
                except OAuthError as exc:
                    log.info("revoke: refresh token already dead (%s)", exc.error)
                else:
                    await ctx.upstream.logout(tokens.access_token)
            else:
                log.warning("revoke: %r presented another client's refresh token", client.client_name)
        elif token.count(".") == 2 and len(token) < 8192:
            await ctx.upstream.logout(token)
        metrics.oauth_outcome("revoke", "revoked")
        log.info("revoke: done for %r", client.client_name)
        return Response(status_code=200, headers=NO_STORE)

    return revoke
