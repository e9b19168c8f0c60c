"""End to end: the real app on uvicorn, tokens from the stand-in; who gets in, who gets which 401."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.auth.conftest import CLIENT_ID, OTHER_CLIENT_ID, AuthServer
from tests.standin.keys import SigningKey, forge_alg_none, forge_hs256_with_public_key, sign

CALL_TOOL = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "tools/call",
    "params": {"name": "list_workouts", "arguments": {}},
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}


def prm_url(server: AuthServer) -> str:
    return f"{server.url}/.well-known/oauth-protected-resource/mcp"


async def post_mcp(server: AuthServer, authorization: str | None) -> httpx.Response:
    headers = dict(MCP_HEADERS)
    if authorization is not None:
        headers["Authorization"] = authorization
    async with httpx.AsyncClient() as http:
        return await http.post(server.mcp_url, json=CALL_TOOL, headers=headers)


async def call_list_workouts(server: AuthServer, token: str) -> None:
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
        async with Client(streamable_http_client(server.mcp_url, http_client=http), mode="legacy") as client:
            result = await client.call_tool("list_workouts", {})
            assert not result.is_error, result


def assert_invalid_token(server: AuthServer, response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == (
        'Bearer error="invalid_token", error_description="The access token is invalid or expired", '
        f'resource_metadata="{prm_url(server)}"'
    )
    assert response.json() == {
        "error": "invalid_token",
        "error_description": "The access token is invalid or expired",
    }
    assert server.store.callers == []


async def test_es256_token_reaches_the_tool_as_its_user(server: AuthServer) -> None:
    assert server.standin.state.keys.signing.alg == "ES256"
    await call_list_workouts(server, server.token())
    assert server.store.callers == [server.user.id]


async def test_rs256_token_reaches_the_tool_as_its_user(server: AuthServer) -> None:
    server.standin.state.keys.rotate(SigningKey.rs256())
    other = server.standin.add_user("second@example.com")
    await call_list_workouts(server, server.token(other))
    assert server.store.callers == [other.id]


@pytest.mark.parametrize("authorization", [None, "Basic dXNlcjpwYXNz", "Bearer", "Token abc", "bearer"])
async def test_missing_credentials_get_401_with_resource_metadata_and_no_error(
    server: AuthServer, authorization: str | None
) -> None:
    response = await post_mcp(server, authorization)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == f'Bearer resource_metadata="{prm_url(server)}"'
    assert server.store.callers == []


async def test_get_mcp_without_token_is_401_before_405(server: AuthServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(server.mcp_url, headers={"Accept": "text/event-stream"})
        with_slash = await http.get(server.mcp_url + "/")
    assert response.status_code == 401
    assert with_slash.status_code == 401
    assert "error=" not in response.headers["www-authenticate"]


async def test_get_mcp_with_valid_token_is_405(server: AuthServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(server.mcp_url, headers={"Authorization": f"Bearer {server.token()}"})
    assert response.status_code == 405


async def test_public_paths_and_preflight_need_no_token(server: AuthServer) -> None:
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{server.url}/health")).status_code == 200
        assert (await http.get(f"{server.url}/")).status_code == 200
        assert (await http.get(prm_url(server))).status_code == 200
        assert (await http.get(f"{server.url}/.well-known/oauth-protected-resource")).status_code == 200
        preflight = await http.options(
            server.mcp_url,
            headers={
                "Origin": "https://claude.ai",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://claude.ai"


def _now(server: AuthServer) -> int:
    return server.standin.state.now()


def _claims(server: AuthServer, **overrides: object) -> dict[str, object]:
    return server.standin.state.claims(server.user, client_id=CLIENT_ID, **overrides)


BadToken = Callable[[AuthServer], str]
BAD_TOKENS: dict[str, BadToken] = {
    "garbage": lambda s: "garbage",
    "three garbage segments": lambda s: "a.b.c",
    "expired": lambda s: s.token(exp=_now(s) - 60, iat=_now(s) - 3660),
    "not yet valid (nbf)": lambda s: s.token(nbf=_now(s) + 300),
    "issued in the future (iat)": lambda s: s.token(iat=_now(s) + 300),
    "wrong issuer": lambda s: s.token(iss="https://attacker.supabase.co/auth/v1"),
    "issuer with trailing slash": lambda s: s.token(iss=s.standin.issuer + "/"),
    "issuer without /auth/v1": lambda s: s.token(iss=s.standin.url),
    "wrong audience": lambda s: s.token(aud="anon"),
    "audience list without authenticated": lambda s: s.token(aud=["https://other.example/mcp"]),
    "missing sub": lambda s: s.token(sub=None),
    "empty sub": lambda s: s.token(sub=""),
    "another client's client_id": lambda s: s.token(client_id=OTHER_CLIENT_ID),
    "no client_id (a first-party session token)": lambda s: s.standin.mint(s.user),
    "role anon": lambda s: s.token(role="anon"),
    "role service_role": lambda s: s.token(role="service_role"),
    "anonymous user": lambda s: s.token(s.standin.add_user("anon@example.com", is_anonymous=True)),
    "missing exp": lambda s: s.token(exp=None),
    "alg none": lambda s: forge_alg_none(_claims(s), s.standin.state.keys.signing.kid),
    "HS256 signed with the public key": lambda s: forge_hs256_with_public_key(
        _claims(s), s.standin.state.keys.signing
    ),
    "key not in the JWKS, published kid": lambda s: sign(
        _claims(s), SigningKey.es256(kid=s.standin.state.keys.signing.kid)
    ),
    "RS256 header on an ES256 key": lambda s: _swap_header_alg(s.token(), "RS256"),
    "tampered payload": lambda s: _tamper(s.token()),
    "unknown kid": lambda s: sign(_claims(s), SigningKey.es256()),
}


def _swap_header_alg(token: str, alg: str) -> str:
    import base64
    import json

    header_b64, payload, signature = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=="))
    header["alg"] = alg
    new_header = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    return f"{new_header}.{payload}.{signature}"


def _tamper(token: str) -> str:
    import base64
    import json

    header, payload_b64, signature = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=="))
    payload["sub"] = "00000000-0000-0000-0000-000000000000"
    new_payload = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{header}.{new_payload}.{signature}"


@pytest.mark.parametrize("case", list(BAD_TOKENS))
async def test_bad_token_gets_401_invalid_token_and_never_reaches_a_tool(
    server: AuthServer, case: str
) -> None:
    token = BAD_TOKENS[case](server)
    response = await post_mcp(server, f"Bearer {token}")
    assert_invalid_token(server, response)
    # the same request with a good token does reach the tool, so the 401 was about the token
    assert (await post_mcp(server, f"Bearer {server.token()}")).status_code == 200
    assert server.store.callers == [server.user.id]


async def test_rejection_reason_is_recorded_but_not_disclosed(server: AuthServer) -> None:
    response = await post_mcp(server, f"Bearer {server.token(client_id=OTHER_CLIENT_ID)}")
    assert_invalid_token(server, response)
    assert "client" not in response.text
    assert server.verifier.rejections["wrong_client"] == 1


async def test_clock_leeway_works_both_ways(server: AuthServer) -> None:
    leeway = server.settings.jwt_leeway_seconds
    now = _now(server)
    inside = [
        server.token(exp=now - leeway + 3),
        server.token(nbf=now + leeway - 3),
        server.token(iat=now + leeway - 3),
    ]
    outside = [
        server.token(exp=now - leeway - 1),
        server.token(nbf=now + leeway + 3),
        server.token(iat=now + leeway + 3),
    ]
    for token in inside:
        assert (await post_mcp(server, f"Bearer {token}")).status_code == 200
    for token in outside:
        assert (await post_mcp(server, f"Bearer {token}")).status_code == 401


async def test_anonymous_users_pass_only_when_allowed(standin) -> None:  # type: ignore[no-untyped-def]
    from tests.auth.conftest import run_auth_server

    with run_auth_server(standin, allow_anonymous_users=True) as server:
        anonymous = standin.add_user("guest@example.com", is_anonymous=True)
        assert (await post_mcp(server, f"Bearer {server.token(anonymous)}")).status_code == 200
        assert server.store.callers == [anonymous.id]


async def test_repeated_token_is_verified_once(server: AuthServer) -> None:
    token = server.token()
    for _ in range(5):
        assert (await post_mcp(server, f"Bearer {token}")).status_code == 200
    assert server.verifier.signature_checks == 1
    assert server.verifier.cache_hits == 4


async def test_cached_token_stops_working_at_its_exp(server: AuthServer) -> None:
    token = server.token(exp=_now(server) + 60)
    assert (await post_mcp(server, f"Bearer {token}")).status_code == 200
    server.standin.state.clock.advance(60 + server.settings.jwt_leeway_seconds)
    assert (await post_mcp(server, f"Bearer {token}")).status_code == 401
