"""RFC 8414 metadata of our facade: exact issuer, our endpoints, only scopes Supabase accepts."""

from __future__ import annotations

import httpx
from mcp.shared.auth import OAuthMetadata

from tests.oauth.conftest import World


async def test_metadata_names_our_endpoints_with_the_exact_issuer(
    world: World, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{world.url}/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    doc = response.json()
    assert doc["issuer"] == world.url  # no trailing slash
    assert doc["authorization_endpoint"] == f"{world.url}/oauth/authorize"
    assert doc["token_endpoint"] == f"{world.url}/oauth/token"
    assert doc["registration_endpoint"] == f"{world.url}/oauth/register"
    assert doc["revocation_endpoint"] == f"{world.url}/oauth/revoke"
    assert doc["jwks_uri"] == f"{world.standin.url}/auth/v1/.well-known/jwks.json"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert set(doc["token_endpoint_auth_methods_supported"]) == {
        "none",
        "client_secret_post",
        "client_secret_basic",
    }
    assert doc["client_id_metadata_document_supported"] is True
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert set(doc["scopes_supported"]) <= {"openid", "email", "profile", "phone", "offline_access"}
    assert "public" in response.headers["cache-control"]
    assert response.headers["access-control-allow-origin"] == "*"
    OAuthMetadata.model_validate(doc)


async def test_openid_configuration_serves_the_same_document(world: World, http: httpx.AsyncClient) -> None:
    a = await http.get(f"{world.url}/.well-known/oauth-authorization-server")
    b = await http.get(f"{world.url}/.well-known/openid-configuration")
    assert b.status_code == 200 and a.content == b.content


async def test_issuer_keeps_a_path_free_base_url_exact_even_with_a_public_base_url(
    world_factory: object,
) -> None:
    from tests.oauth.conftest import running_world

    with running_world(base_url="https://workouts.example.com") as world:
        async with httpx.AsyncClient() as http:
            doc = (await http.get(f"{world.url}/.well-known/oauth-authorization-server")).json()
    assert doc["issuer"] == "https://workouts.example.com"
    assert doc["token_endpoint"] == "https://workouts.example.com/oauth/token"
