"""What Claude's OAuth broker sends, request by request (anchors.md §2b), replayed against our facade
and the stand-in, with Supabase's #2820 quirk on (it 400s on `resource`, `offline_access`, public
clients): our facade must strip what Supabase chokes on and still connect on the first try."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.oauth.browser import (
    CLAUDE_CALLBACK,
    CLAUDE_COM_CALLBACK,
    Pkce,
    authorize_url,
    obtain_code,
    register,
    token,
)
from tests.oauth.conftest import World


async def _claude_connects(
    http: httpx.AsyncClient, world: World, callback: str, *, confidential: bool
) -> None:
    # 1. POST /mcp without a token -> 401 with the PRM pointer.
    first = await http.post(
        world.mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
    )
    assert first.status_code == 401
    assert "resource_metadata=" in first.headers["www-authenticate"]
    # 2-3. PRM, then our AS metadata.
    prm = (await http.get(f"{world.url}/.well-known/oauth-protected-resource/mcp")).json()
    assert prm["resource"] == world.mcp_url and prm["authorization_servers"] == [world.url]
    meta = (await http.get(f"{world.url}/.well-known/oauth-authorization-server")).json()
    # 4. DCR, sometimes twice per attempt.
    extra = {"token_endpoint_auth_method": "client_secret_post"} if confidential else {}
    await register(http, world, redirect_uris=[callback], **extra)
    client = await register(http, world, redirect_uris=[callback], **extra)
    client_id = str(client["client_id"])
    # 5. Browser: authorize with resource, offline_access, S256 -> consent -> callback with code+state+iss.
    pkce = Pkce.new()
    run = await obtain_code(
        http, world, client_id, pkce, redirect_uri=callback, scope="openid email offline_access"
    )
    assert run.final_location is not None and run.final_location.startswith(callback + "?")
    params = run.params
    assert params["state"] == "claude-state-123" and params["iss"] == world.url
    # 6. Token (form-encoded, code_verifier, resource; secret in the body for confidential clients).
    form = {
        "grant_type": "authorization_code",
        "code": params["code"],
        "redirect_uri": callback,
        "code_verifier": pkce.verifier,
        "client_id": client_id,
        "resource": world.mcp_url,
    }
    if confidential:
        form["client_secret"] = str(client["client_secret"])
    tokens = await token(http, world, form)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["token_type"] == "Bearer" and body["refresh_token"] and "id_token" not in body
    assert tokens.headers["cache-control"] == "no-store" and tokens.headers["pragma"] == "no-cache"
    assert meta["token_endpoint"] == f"{world.url}/oauth/token"
    # 7. Authenticated initialize reaches the MCP server.
    init = await http.post(
        world.mcp_url,
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "claude-ai", "version": "0"},
            },
        },
        headers={
            "Authorization": f"Bearer {body['access_token']}",
            "Accept": "application/json, text/event-stream",
        },
    )
    assert init.status_code == 200, init.text
    # Refresh, as Claude does when the hour is up.
    refreshed = await token(
        http,
        world,
        {"grant_type": "refresh_token", "refresh_token": body["refresh_token"], "client_id": client_id}
        | ({"client_secret": str(client["client_secret"])} if confidential else {}),
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] != body["refresh_token"]


@pytest.mark.parametrize("callback", [CLAUDE_CALLBACK, CLAUDE_COM_CALLBACK])
@pytest.mark.parametrize("confidential", [False, True], ids=["public", "client_secret_post"])
async def test_claude_connects_on_the_first_try(
    world: World, http: httpx.AsyncClient, callback: str, confidential: bool
) -> None:
    await _claude_connects(http, world, callback, confidential=confidential)


async def test_supabase_gets_our_client_our_callback_and_only_scopes_it_accepts(
    world: World, http: httpx.AsyncClient
) -> None:
    client = await register(http, world)
    pkce = Pkce.new()
    url = authorize_url(
        world, str(client["client_id"]), pkce, scope="openid email offline_access workouts:read"
    )
    response = await http.get(url)
    assert response.status_code == 302
    upstream = urlsplit(response.headers["location"])
    assert (
        f"{upstream.scheme}://{upstream.netloc}{upstream.path}"
        == f"{world.standin.url}/auth/v1/oauth/authorize"
    )
    q = {k: v[0] for k, v in parse_qs(upstream.query).items()}
    assert q["client_id"] == world.upstream.id
    assert q["redirect_uri"] == f"{world.url}/oauth/callback"
    assert q["code_challenge"] == pkce.challenge and q["code_challenge_method"] == "S256"
    assert q["scope"] == "openid email"
    assert "resource" not in q
    assert q["state"] != "claude-state-123"
    # The consent page's context rides in a sealed HttpOnly cookie.
    cookie = response.headers["set-cookie"]
    assert (
        cookie.startswith("wmcp-flow=") and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    )


async def test_no_scope_at_all_asks_supabase_for_its_default(world: World, http: httpx.AsyncClient) -> None:
    client = await register(http, world)
    response = await http.get(authorize_url(world, str(client["client_id"]), Pkce.new()))
    q = parse_qs(urlsplit(response.headers["location"]).query)
    assert q["scope"] == ["email"]


async def test_trailing_slash_resource_is_the_same_resource(world: World, http: httpx.AsyncClient) -> None:
    client = await register(http, world)
    response = await http.get(
        authorize_url(world, str(client["client_id"]), Pkce.new(), resource=world.mcp_url + "/")
    )
    assert response.headers["location"].startswith(world.standin.url)


async def test_deny_sends_access_denied_back_to_the_client(world: World, http: httpx.AsyncClient) -> None:
    from tests.oauth.browser import authorize_in_browser

    client = await register(http, world)
    run = await authorize_in_browser(
        http, world, authorize_url(world, str(client["client_id"]), Pkce.new()), action="deny"
    )
    assert run.final_status == 302
    assert run.params["error"] == "access_denied"
    assert run.params["state"] == "claude-state-123" and run.params["iss"] == world.url
    assert "code" not in run.params


async def test_second_connection_of_the_same_user_is_auto_approved_upstream_and_still_works(
    world: World, http: httpx.AsyncClient
) -> None:
    for _ in range(2):
        client = await register(http, world)
        pkce = Pkce.new()
        run = await obtain_code(http, world, str(client["client_id"]), pkce)
        ok = await token(
            http,
            world,
            {
                "grant_type": "authorization_code",
                "code": run.params["code"],
                "redirect_uri": CLAUDE_CALLBACK,
                "code_verifier": pkce.verifier,
                "client_id": str(client["client_id"]),
            },
        )
        assert ok.status_code == 200
    # The second time Supabase auto-approved (no consent POST): only one consent call in total.
    consents = [r for r in world.oauth.requests if r[1].endswith("/consent")]
    assert len(consents) == 1
