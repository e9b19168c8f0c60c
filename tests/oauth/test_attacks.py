"""Attacks on the facade: redirect tricks, forged/expired state, code and refresh-token theft, PKCE,
client authentication, CIMD SSRF and oversized input."""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.oauth.browser import CLAUDE_CALLBACK, Pkce, authorize_url, obtain_code, register, token
from tests.oauth.cimd_server import serve_metadata_document
from tests.oauth.conftest import SECRET_KEY, World
from workout_mcp.auth.clients import client_ref
from workout_mcp.auth.flow import FLOW_COOKIE, FLOW_PURPOSE, AuthorizationState
from workout_mcp.auth.sealing import Sealer


def _is_error_page(response: httpx.Response) -> bool:
    return (
        response.status_code == 400
        and "location" not in response.headers
        and response.headers["content-type"].startswith("text/html")
    )


async def _code_for(
    http: httpx.AsyncClient, world: World, **metadata: Any
) -> tuple[dict[str, Any], Pkce, str]:
    client = await register(http, world, **metadata)
    pkce = Pkce.new()
    run = await obtain_code(http, world, str(client["client_id"]), pkce)
    return client, pkce, run.params["code"]


def _code_form(client: dict[str, Any], pkce: Pkce, code: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CLAUDE_CALLBACK,
        "code_verifier": pkce.verifier,
        "client_id": str(client["client_id"]),
    } | extra


# --- redirect URIs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/callback",
        "https://claude.ai/api/mcp/auth_callback.evil.example",
        "https://claude.ai.evil.example/api/mcp/auth_callback",
        "https://claude.ai/api/mcp/auth_callbackx",
        "https://claude.ai/api/mcp/auth_callback/",
        "https://claude.ai/api/mcp/auth_callback/../../evil",
        "https://claude.ai/api/mcp/auth_callback?next=https://evil.example",
        "https://claude.ai@evil.example/api/mcp/auth_callback",
        "https://evil.example@claude.ai/api/mcp/auth_callback",
        "https://claude.ai:8443/api/mcp/auth_callback",
        "https://CLAUDE.ai/api/mcp/auth_callback",
        "http://claude.ai/api/mcp/auth_callback",
        "https://claude.ai/api/mcp/auth_callback#x",
    ],
)
async def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(
    world: World, http: httpx.AsyncClient, redirect_uri: str
) -> None:
    client = await register(http, world)
    response = await http.get(
        authorize_url(world, str(client["client_id"]), Pkce.new(), redirect_uri=redirect_uri)
    )
    assert _is_error_page(response)
    assert "evil" not in response.text


async def test_loopback_redirect_may_change_port_but_not_host_or_path(
    world: World, http: httpx.AsyncClient
) -> None:
    client = await register(http, world, redirect_uris=["http://127.0.0.1:33418/callback"])
    cid = str(client["client_id"])
    ok = await http.get(authorize_url(world, cid, Pkce.new(), redirect_uri="http://127.0.0.1:50123/callback"))
    assert ok.status_code == 302 and ok.headers["location"].startswith(world.standin.url)
    for bad in (
        "http://127.0.0.1:50123/other",
        "http://127.0.0.2:33418/callback",
        "https://127.0.0.1:33418/callback",
    ):
        assert _is_error_page(await http.get(authorize_url(world, cid, Pkce.new(), redirect_uri=bad)))


@pytest.mark.parametrize("client_id", ["", "not-a-sealed-id", "A" * 300, "https://evil.example/client.json"])
async def test_unknown_or_forged_client_gets_an_error_page(
    world: World, http: httpx.AsyncClient, client_id: str
) -> None:
    response = await http.get(authorize_url(world, client_id, Pkce.new()))
    assert _is_error_page(response)


async def test_client_id_sealed_under_another_key_is_unknown(world: World, http: httpx.AsyncClient) -> None:
    other = Sealer(["a-completely-different-secret-key-of-43-plus-characters-xyz"])
    forged = other.seal(
        "client", {"n": "Evil", "r": ["https://evil.example/cb"], "m": 0, "g": [0, 1], "t": 0}, 3600
    )
    response = await http.get(
        authorize_url(world, forged, Pkce.new(), redirect_uri="https://evil.example/cb")
    )
    assert _is_error_page(response)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"code_challenge": ""}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": ""}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"resource": "https://evil.example/mcp"}, "invalid_target"),
        ({"resource": "http://127.0.0.1:1/mcp?x=1"}, "invalid_target"),
    ],
)
async def test_bad_requests_from_a_known_client_redirect_with_error_state_and_iss(
    world: World, http: httpx.AsyncClient, params: dict[str, str], error: str
) -> None:
    client = await register(http, world)
    response = await http.get(authorize_url(world, str(client["client_id"]), Pkce.new(), **params))
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(CLAUDE_CALLBACK + "?")
    assert f"error={error}" in location and "state=claude-state-123" in location
    assert "iss=" + urlencode({"": world.url})[1:] in location


# --- the callback --------------------------------------------------------------------------------------


async def test_callback_with_forged_state_is_an_error_page_never_a_redirect(
    world: World, http: httpx.AsyncClient
) -> None:
    for query in (
        "code=abc&state=forged",
        "code=abc",
        "code=abc&state=forged&redirect_uri=https://evil.example",
        "error=access_denied&state=forged",
    ):
        assert _is_error_page(await http.get(f"{world.url}/oauth/callback?{query}"))


async def test_callback_with_expired_state_is_an_error_page(world: World, http: httpx.AsyncClient) -> None:
    client = await register(http, world)
    payload = AuthorizationState(
        client_ref=client_ref(str(client["client_id"])),
        client_name="Claude",
        redirect_uri=CLAUDE_CALLBACK,
        explicit_redirect=True,
        client_state="x",
        challenge="h" * 43,
        scope="email",
        flow="flow-nonce",
        started_at=int(time.time()),
    ).to_wire()
    http.cookies.set(FLOW_COOKIE, Sealer([SECRET_KEY]).seal(FLOW_PURPOSE, ["flow-nonce"], 60))
    expired = Sealer([SECRET_KEY]).seal("upstream-state", payload, -5)
    assert _is_error_page(await http.get(f"{world.url}/oauth/callback?code=abc&state={expired}"))
    # A valid state works, which shows the page above was about expiry alone.
    fresh = Sealer([SECRET_KEY]).seal("upstream-state", payload, 60)
    ok = await http.get(f"{world.url}/oauth/callback?code=abc&state={fresh}")
    assert ok.status_code == 302 and ok.headers["location"].startswith(CLAUDE_CALLBACK)


async def test_a_sealed_code_cannot_pass_for_a_state(world: World, http: httpx.AsyncClient) -> None:
    _, _, code = await _code_for(http, world)
    assert _is_error_page(await http.get(f"{world.url}/oauth/callback?code=abc&state={code}"))


# --- codes and PKCE --------------------------------------------------------------------------------------


async def test_code_used_twice_fails_the_second_time(world: World, http: httpx.AsyncClient) -> None:
    client, pkce, code = await _code_for(http, world)
    assert (await token(http, world, _code_form(client, pkce, code))).status_code == 200
    again = await token(http, world, _code_form(client, pkce, code))
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_client_a_code_redeemed_by_client_b_is_invalid_grant(
    world: World, http: httpx.AsyncClient
) -> None:
    client_a, pkce, code = await _code_for(http, world)
    client_b = await register(http, world)
    stolen = await token(http, world, _code_form(client_b, pkce, code))
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    # A can still redeem it: B's attempt never reached Supabase.
    assert (await token(http, world, _code_form(client_a, pkce, code))).status_code == 200


async def test_wrong_verifier_is_refused_before_supabase_sees_the_code(
    world: World, http: httpx.AsyncClient
) -> None:
    client, pkce, code = await _code_for(http, world)
    before = len(world.oauth.requests)
    wrong = await token(http, world, _code_form(client, pkce, code, code_verifier=Pkce.new().verifier))
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    missing = await token(
        http, world, {k: v for k, v in _code_form(client, pkce, code).items() if k != "code_verifier"}
    )
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    assert len(world.oauth.requests) == before


async def test_redirect_uri_must_match_at_the_token_endpoint(world: World, http: httpx.AsyncClient) -> None:
    client, pkce, code = await _code_for(http, world)
    bad = await token(
        http, world, _code_form(client, pkce, code, redirect_uri="https://claude.com/api/mcp/auth_callback")
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"


async def test_forged_or_expired_code_is_invalid_grant(world: World, http: httpx.AsyncClient) -> None:
    client = await register(http, world)
    pkce = Pkce.new()
    payload = {
        "u": "x",
        "c": client_ref(str(client["client_id"])),
        "r": CLAUDE_CALLBACK,
        "h": pkce.challenge,
        "k": "email",
    }
    expired = Sealer([SECRET_KEY]).seal("code", payload, -1)
    for code in ("forged", expired):
        response = await token(http, world, _code_form(client, pkce, code))
        assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


# --- refresh tokens ----------------------------------------------------------------------------------------


async def _tokens(http: httpx.AsyncClient, world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    client, pkce, code = await _code_for(http, world)
    response = await token(http, world, _code_form(client, pkce, code))
    assert response.status_code == 200
    return client, response.json()


async def test_a_refresh_token_of_client_a_used_by_client_b_is_invalid_grant(
    world: World, http: httpx.AsyncClient
) -> None:
    client_a, tokens = await _tokens(http, world)
    client_b = await register(http, world)
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    stolen = await token(http, world, form | {"client_id": str(client_b["client_id"])})
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    assert (await token(http, world, form | {"client_id": str(client_a["client_id"])})).status_code == 200


async def test_an_old_refresh_token_after_rotation_is_invalid_grant(
    world: World, http: httpx.AsyncClient
) -> None:
    client, tokens = await _tokens(http, world)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": str(client["client_id"]),
    }
    rotated = await token(http, world, form)
    assert rotated.status_code == 200
    # GoTrue answers the immediately previous refresh token with the current one
    # (`internal/tokens/service.go`); a token two rotations old is reuse.
    again = await token(http, world, form | {"refresh_token": rotated.json()["refresh_token"]})
    assert again.status_code == 200
    reused = await token(http, world, form)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


async def test_revocation_ends_the_supabase_session(world: World, http: httpx.AsyncClient) -> None:
    client, tokens = await _tokens(http, world)
    revoked = await http.post(
        f"{world.url}/oauth/revoke",
        data={"token": tokens["refresh_token"], "client_id": str(client["client_id"])},
    )
    assert revoked.status_code == 200
    form = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": str(client["client_id"]),
    }
    after = await token(http, world, form)
    assert after.status_code == 400 and after.json()["error"] == "invalid_grant"
    unknown = await http.post(
        f"{world.url}/oauth/revoke", data={"token": "nonsense", "client_id": str(client["client_id"])}
    )
    assert unknown.status_code == 200


async def test_supabase_down_is_503_temporarily_unavailable(world: World, http: httpx.AsyncClient) -> None:
    client, pkce, code = await _code_for(http, world)
    world.standin.state.faults.token_down = True
    response = await token(http, world, _code_form(client, pkce, code))
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable" and response.headers["retry-after"]


# --- client authentication ----------------------------------------------------------------------------------


async def test_client_authentication_failures_are_401_invalid_client(
    world: World, http: httpx.AsyncClient
) -> None:
    confidential = await register(http, world, token_endpoint_auth_method="client_secret_basic")
    public = await register(http, world)
    cid, secret = str(confidential["client_id"]), str(confidential["client_secret"])
    form = {"grant_type": "refresh_token", "refresh_token": "x"}
    cases = [
        (form | {"client_id": "unknown"}, None),
        (form | {"client_id": cid}, None),  # confidential client without its secret
        (form | {"client_id": cid, "client_secret": "wrong"}, None),
        (form, (cid, "wrong")),
        (
            form | {"client_id": str(public["client_id"]), "client_secret": secret},
            None,
        ),  # public client + secret
        (form, None),  # no client at all
    ]
    for data, auth in cases:
        response = await token(http, world, data, auth=auth)
        assert response.status_code == 401, (data, auth, response.text)
        assert response.json()["error"] == "invalid_client"
    basic = await token(http, world, form, auth=(cid, "wrong"))
    assert basic.headers["www-authenticate"].startswith("Basic")
    # The right secret, by either method, gets past client authentication (to the grant check).
    for data, auth in ((form, (cid, secret)), (form | {"client_id": cid, "client_secret": secret}, None)):
        response = await token(http, world, data, auth=auth)
        assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


# --- bodies --------------------------------------------------------------------------------------------------------


async def test_malformed_token_requests(world: World, http: httpx.AsyncClient) -> None:
    url = f"{world.url}/oauth/token"
    huge = await http.post(url, data={"grant_type": "refresh_token", "refresh_token": "x" * 20_000})
    assert huge.status_code == 413 and huge.json()["error"] == "invalid_request"

    async def endless() -> Any:
        for _ in range(64):
            yield b"x" * 1024

    chunked = await http.post(
        url, content=endless(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert chunked.status_code == 413  # no Content-Length: refused while streaming
    repeated = await http.post(
        url,
        content=b"grant_type=refresh_token&grant_type=authorization_code",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert repeated.status_code == 400 and repeated.json()["error"] == "invalid_request"
    bad_json = await http.post(url, content=b"{", headers={"content-type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json()["error"] == "invalid_request"
    not_strings = await http.post(url, json={"grant_type": ["refresh_token"]})
    assert not_strings.status_code == 400
    xml = await http.post(url, content=b"<x/>", headers={"content-type": "application/xml"})
    assert xml.status_code == 400
    no_grant = await http.post(url, data={"client_id": "x"})
    assert no_grant.json()["error"] == "invalid_request"
    wrong_grant = await http.post(url, data={"grant_type": "client_credentials"})
    assert wrong_grant.status_code == 400 and wrong_grant.json()["error"] == "unsupported_grant_type"
    assert wrong_grant.headers["cache-control"] == "no-store"


async def test_json_token_requests_work_too(world: World, http: httpx.AsyncClient) -> None:
    client, pkce, code = await _code_for(http, world)
    response = await http.post(f"{world.url}/oauth/token", json=_code_form(client, pkce, code))
    assert response.status_code == 200


# --- client-id metadata documents (SSRF) -----------------------------------------------------------------------------


async def test_cimd_pointing_at_loopback_is_refused_without_the_test_flag(world_factory: Any) -> None:
    with serve_metadata_document(redirect_uris=[CLAUDE_CALLBACK]) as doc:
        with world_factory(http_client=doc.trusting_client()) as world:
            async with httpx.AsyncClient() as http:
                page = await http.get(authorize_url(world, doc.url, Pkce.new()))
                assert _is_error_page(page)
                refused = await token(
                    http, world, {"grant_type": "refresh_token", "refresh_token": "x", "client_id": doc.url}
                )
                assert refused.status_code == 401
        assert doc.hits == 0  # never fetched


@pytest.mark.parametrize("path", ["/huge.json", "/moved.json", "/lying.json", "/missing.json"])
async def test_bad_metadata_documents_are_refused(world_factory: Any, path: str) -> None:
    with serve_metadata_document(redirect_uris=[CLAUDE_CALLBACK]) as doc:
        with world_factory(cimd_allow_private_networks=True, http_client=doc.trusting_client()) as world:
            async with httpx.AsyncClient() as http:
                page = await http.get(authorize_url(world, doc.base + path, Pkce.new()))
                assert _is_error_page(page)


async def test_a_good_metadata_document_is_fetched_once_and_cached(world_factory: Any) -> None:
    with serve_metadata_document(redirect_uris=[CLAUDE_CALLBACK]) as doc:
        with world_factory(cimd_allow_private_networks=True, http_client=doc.trusting_client()) as world:
            async with httpx.AsyncClient() as http:
                for _ in range(3):
                    response = await http.get(authorize_url(world, doc.url, Pkce.new()))
                    assert response.status_code == 302 and response.headers["location"].startswith(
                        world.standin.url
                    )
        assert doc.hits == 1


def test_basic_credentials_helper_is_form_encoded() -> None:
    # RFC 6749 §2.3.1: ids with ':' survive because each part is form-encoded before joining.
    raw = base64.b64encode(b"a%3Ab:c").decode()
    assert base64.b64decode(raw) == b"a%3Ab:c"
