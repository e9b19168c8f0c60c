"""Client authentication at the token and revocation endpoints (RFC 6749 §2.3, OAuth 2.1 §2.4).

`client_secret_basic` (the Authorization header), `client_secret_post` (body) or `none` (body
`client_id` only). Confidential clients may use either secret method: both carry the same secret,
and Claude is known to use `client_secret_post` whatever it registered. Public clients must not send
a secret. Every failure is 401 invalid_client, which makes Claude register again.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from starlette.requests import Request

from workout_mcp.auth.clients import RegisteredClient, UnknownClient
from workout_mcp.auth.oauth.context import FacadeContext
from workout_mcp.auth.oauth.errors import InvalidClient, OAuthError


def _basic_credentials(header: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(header.split(" ", 1)[1].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, IndexError):
        raise InvalidClient("malformed Basic credentials", basic=True) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise InvalidClient("malformed Basic credentials", basic=True)
    return unquote(client_id), unquote(secret)


async def authenticate_client(
    ctx: FacadeContext, request: Request, params: dict[str, str]
) -> RegisteredClient:
    header = request.headers.get("authorization", "")
    basic = header[:6].lower() == "basic "
    if basic:
        client_id, secret = _basic_credentials(header)
        if "client_secret" in params:
            raise OAuthError("invalid_request", "use one client authentication method, not two")
        if params.get("client_id", client_id) != client_id:
            raise OAuthError("invalid_request", "client_id differs from the Basic credentials")
    else:
        client_id, secret = params.get("client_id", ""), params.get("client_secret", "")
    if not client_id:
        raise InvalidClient("client_id is required", basic=basic)
    try:
        client = await ctx.find_client(client_id)
    except UnknownClient:
        raise InvalidClient("unknown client", basic=basic) from None
    if client.confidential:
        if not secret or not ctx.registry.check_secret(client.client_id, secret):
            raise InvalidClient("client authentication failed", basic=basic)
    elif secret:
        raise InvalidClient("this client is public and must not send a secret", basic=basic)
    return client
