"""RFC 8414 authorization-server metadata for our `/oauth` facade (also served as OIDC discovery).

Built once with the SDK's `OAuthMetadata` (so the document is what the SDK's client parses), then
serialised with the exact strings: `AnyHttpUrl` would otherwise turn `https://app` into `https://app/`,
and clients compare the issuer by exact string (RFC 8414 §3.3).
"""

from __future__ import annotations

import json
from typing import Any

from mcp.shared.auth import OAuthMetadata
from starlette.routing import BaseRoute, Route

from workout_mcp.auth.metadata import MetadataEndpoint
from workout_mcp.config import SUPABASE_SCOPES, Settings

AS_WELL_KNOWN = "/.well-known/oauth-authorization-server"
OIDC_WELL_KNOWN = "/.well-known/openid-configuration"


def authorization_server_metadata(settings: Settings) -> dict[str, Any]:
    base = settings.public_url
    exact = {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "registration_endpoint": f"{base}/oauth/register",
        "revocation_endpoint": f"{base}/oauth/revoke",
    }
    model = OAuthMetadata.model_validate(
        {
            **exact,
            # offline_access: several clients only use refresh tokens when it is listed (supabase/auth#2628).
            # Accepted from clients; Supabase is sent only what it accepts (`upstream_scope`).
            "scopes_supported": [*SUPABASE_SCOPES, "offline_access"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
            "revocation_endpoint_auth_methods_supported": [
                "none",
                "client_secret_post",
                "client_secret_basic",
            ],
            "code_challenge_methods_supported": ["S256"],
            "client_id_metadata_document_supported": True,
            "authorization_response_iss_parameter_supported": True,
        }
    )
    document = model.model_dump(mode="json", exclude_none=True)
    document.update(exact)
    document["jwks_uri"] = f"{settings.supabase_issuer}/.well-known/jwks.json"
    return document


def authorization_server_routes(settings: Settings) -> list[BaseRoute]:
    body = json.dumps(authorization_server_metadata(settings), separators=(",", ":")).encode()
    endpoint = MetadataEndpoint(body)
    methods = ["GET", "HEAD", "OPTIONS"]
    return [
        Route(AS_WELL_KNOWN, endpoint, methods=methods),
        Route(OIDC_WELL_KNOWN, endpoint, methods=methods),
    ]
