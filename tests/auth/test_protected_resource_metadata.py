"""RFC 9728 document: exact resource, our facade as the authorization server, no invented scopes."""

from __future__ import annotations

import httpx

from tests.auth.conftest import AuthServer
from workout_mcp.app import create_app
from workout_mcp.config import load_settings


async def test_prm_served_at_both_well_known_paths_with_exact_values(server: AuthServer) -> None:
    async with httpx.AsyncClient() as http:
        suffixed = await http.get(f"{server.url}/.well-known/oauth-protected-resource/mcp")
        root = await http.get(f"{server.url}/.well-known/oauth-protected-resource")
        foreign = await http.get(
            f"{server.url}/.well-known/oauth-protected-resource/mcp",
            headers={"Origin": "https://evil.example"},
        )
    assert suffixed.status_code == root.status_code == 200
    assert suffixed.content == root.content
    document = suffixed.json()
    assert document["resource"] == f"{server.url}/mcp"
    assert document["authorization_servers"] == [server.url]
    assert document["bearer_methods_supported"] == ["header"]
    assert "scopes_supported" not in document
    assert suffixed.headers["cache-control"] == "public, max-age=3600"
    assert suffixed.headers["access-control-allow-origin"] == "*"
    assert foreign.headers["access-control-allow-origin"] == "*"


async def test_prm_uses_base_url_exactly() -> None:
    settings = load_settings(
        _env_file=None,
        mcp_transport="http",
        base_url="https://workouts.example.com/",
        supabase_url="https://ref.supabase.co",
        supabase_anon_key="anon",
        oauth_client_id="client",
        oauth_client_secret="secret",
        secret_key="k3Q9vX2mN8pL5rT1wY7zA4bC6dE0fG2hJ9kM3nP5qS8",
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://workouts.example.com") as http:
        document = (await http.get("/.well-known/oauth-protected-resource/mcp")).json()
        challenge = (await http.post("/mcp")).headers["www-authenticate"]
    assert document["resource"] == "https://workouts.example.com/mcp"
    assert document["authorization_servers"] == ["https://workouts.example.com"]
    assert challenge == (
        'Bearer resource_metadata="https://workouts.example.com/.well-known/oauth-protected-resource/mcp"'
    )


async def test_auth_mode_none_installs_neither_metadata_nor_bearer_check() -> None:
    settings = load_settings(_env_file=None, mcp_transport="http", auth_mode="none", host="127.0.0.1")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        assert (await http.get("/.well-known/oauth-protected-resource/mcp")).status_code == 404
        response = await http.get("/mcp")
    assert response.status_code == 405
    assert "jwks" not in app.state.services.health_checks
