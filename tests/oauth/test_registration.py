"""`POST /oauth/register` (RFC 7591): sealed client ids, derived secrets, strict metadata checks."""

from __future__ import annotations

import httpx
import pytest

from tests.oauth.browser import CLAUDE_CALLBACK, register
from tests.oauth.conftest import World


async def test_public_client_gets_a_sealed_id_and_no_secret(world: World, http: httpx.AsyncClient) -> None:
    answer = await register(http, world)
    assert "client_secret" not in answer
    assert answer["token_endpoint_auth_method"] == "none"
    assert answer["redirect_uris"] == [CLAUDE_CALLBACK]
    assert answer["client_name"] == "Claude"
    assert isinstance(answer["client_id"], str) and len(answer["client_id"]) < 400
    assert isinstance(answer["client_id_issued_at"], int)


async def test_confidential_client_gets_a_secret_that_never_expires(
    world: World, http: httpx.AsyncClient
) -> None:
    answer = await register(http, world, token_endpoint_auth_method="client_secret_post")
    assert isinstance(answer["client_secret"], str) and len(answer["client_secret"]) >= 43
    assert answer["client_secret_expires_at"] == 0


async def test_omitted_auth_method_defaults_to_client_secret_basic(
    world: World, http: httpx.AsyncClient
) -> None:
    response = await http.post(f"{world.url}/oauth/register", json={"redirect_uris": [CLAUDE_CALLBACK]})
    assert response.status_code == 201
    assert response.json()["token_endpoint_auth_method"] == "client_secret_basic"
    assert "client_secret" in response.json()
    assert response.headers["cache-control"] == "no-store"


async def test_two_registrations_get_two_different_client_ids(world: World, http: httpx.AsyncClient) -> None:
    first, second = await register(http, world), await register(http, world)
    assert first["client_id"] != second["client_id"]


@pytest.mark.parametrize(
    "uri",
    [
        "claude://claude.ai/mcp-auth-callback/sdk",
        "com.example.app:/oauth/callback",
        "http://127.0.0.1:33418/callback",
        "http://localhost/callback",
        "http://[::1]:8080/cb",
        "https://claude.com/api/mcp/auth_callback",
    ],
)
async def test_accepted_redirect_uris(world: World, http: httpx.AsyncClient, uri: str) -> None:
    response = await http.post(f"{world.url}/oauth/register", json={"redirect_uris": [uri]})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "uri",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "vbscript:msgbox",
        "http://evil.example/callback",
        "https://claude.ai/api/mcp/auth_callback#frag",
        "https://claude.ai@evil.example/cb",
        "https://user:pw@claude.ai/cb",
        "/relative/callback",
        "https:///nohost",
        "customscheme:/callback",
        "HTTPS://claude.ai/cb",
        "https://claude.ai/cb with space",
        "https://claude.ai/" + "a" * 600,
        "",
    ],
)
async def test_refused_redirect_uris(world: World, http: httpx.AsyncClient, uri: str) -> None:
    response = await http.post(f"{world.url}/oauth/register", json={"redirect_uris": [uri]})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_redirect_uri"


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ({}, "invalid_redirect_uri"),
        ({"redirect_uris": []}, "invalid_redirect_uri"),
        ({"redirect_uris": "https://claude.ai/cb"}, "invalid_client_metadata"),
        ({"redirect_uris": [f"https://claude.ai/cb{i}" for i in range(6)]}, "invalid_redirect_uri"),
        (
            {"redirect_uris": [CLAUDE_CALLBACK], "token_endpoint_auth_method": "private_key_jwt"},
            "invalid_client_metadata",
        ),
        (
            {"redirect_uris": [CLAUDE_CALLBACK], "grant_types": ["client_credentials"]},
            "invalid_client_metadata",
        ),
        ({"redirect_uris": [CLAUDE_CALLBACK], "grant_types": ["refresh_token"]}, "invalid_client_metadata"),
        ({"redirect_uris": [CLAUDE_CALLBACK], "response_types": ["token"]}, "invalid_client_metadata"),
        ({"redirect_uris": [CLAUDE_CALLBACK], "client_name": "x" * 101}, "invalid_client_metadata"),
        ({"redirect_uris": [CLAUDE_CALLBACK], "client_name": 42}, "invalid_client_metadata"),
    ],
)
async def test_refused_metadata(
    world: World, http: httpx.AsyncClient, metadata: dict[str, object], error: str
) -> None:
    response = await http.post(f"{world.url}/oauth/register", json=metadata)
    assert response.status_code == 400
    assert response.json()["error"] == error


async def test_malformed_and_oversized_bodies(world: World, http: httpx.AsyncClient) -> None:
    url = f"{world.url}/oauth/register"
    bad_json = await http.post(url, content=b"{not json", headers={"content-type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json()["error"] == "invalid_request"
    not_object = await http.post(url, json=["https://claude.ai/cb"])
    assert not_object.status_code == 400
    huge = await http.post(url, json={"redirect_uris": [CLAUDE_CALLBACK], "x": "y" * 100_000})
    assert huge.status_code == 413
    assert huge.json()["error"] == "invalid_request"
