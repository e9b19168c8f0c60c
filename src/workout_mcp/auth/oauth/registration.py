"""`POST /oauth/register` (RFC 7591): validate, seal, answer 201; nothing is stored."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from workout_mcp import metrics
from workout_mcp.auth.clients import ClientMetadataError, validate_client_metadata
from workout_mcp.auth.oauth.context import FacadeContext
from workout_mcp.auth.oauth.errors import NO_STORE, Endpoint, OAuthError
from workout_mcp.auth.oauth.params import json_object, read_body

log = logging.getLogger("workout_mcp.auth.oauth.registration")


def register_endpoint(ctx: FacadeContext) -> Endpoint:
    async def register(request: Request) -> Response:
        body = json_object(await read_body(request))
        try:
            client, secret = ctx.registry.register(validate_client_metadata(body))
        except ClientMetadataError as exc:
            raise OAuthError(exc.error, exc.description) from None
        log.info(
            "registered client %r (%s, %d redirect URI(s))",
            client.client_name,
            client.auth_method,
            len(client.redirect_uris),
        )
        answer: dict[str, object] = {
            "client_id": client.client_id,
            "client_id_issued_at": client.issued_at,
            "client_name": client.client_name,
            "redirect_uris": list(client.redirect_uris),
            "token_endpoint_auth_method": client.auth_method,
            "grant_types": list(client.grant_types),
            "response_types": ["code"],
        }
        if secret is not None:
            answer["client_secret"] = secret
            answer["client_secret_expires_at"] = 0
        metrics.oauth_outcome("register", "registered")
        return JSONResponse(answer, status_code=201, headers=NO_STORE)

    return register
