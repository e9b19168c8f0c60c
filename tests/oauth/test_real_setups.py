"""Real Supabase set-ups that used to fail although every other test passed (issue 11 §2).

Each test drives our real app in front of the stand-in, switched into the set-up in question: the
self-hosted Kong gateway, CAPTCHA on, a custom token issuer, an upstream client registered for
`client_secret_post`, slow consent, long client state, a client metadata document that is down.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.oauth.browser import CLAUDE_CALLBACK, Pkce, authorize_url, register
from tests.oauth.cimd_server import serve_metadata_document
from tests.oauth.conftest import PASSWORD, SECRET_KEY, World
from tests.oauth.test_consent_binding import aid_of, approve, csrf_of, redeem, sign_in, start
from workout_mcp.auth.clients import client_ref
from workout_mcp.auth.flow import FLOW_COOKIE, FLOW_PURPOSE, AuthorizationState
from workout_mcp.auth.sealing import Sealer, SealError

SCOPE = "openid email"


async def code_and_pkce(
    browser: httpx.AsyncClient, world: World, scope: str = SCOPE
) -> tuple[dict[str, Any], Pkce, str]:
    client = await register(browser, world)
    pkce = Pkce.new()
    consent_url = await start(browser, world, str(client["client_id"]), pkce, scope=scope)
    landed = await approve(browser, world, consent_url, await sign_in(browser, world, consent_url))
    return client, pkce, parse_qs(urlsplit(landed).query)["code"][0]


async def initialize(world: World, token: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as mcp:
        return await mcp.post(
            world.mcp_url,
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "t", "version": "1"},
                },
            },
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"},
        )


# --- email codes -----------------------------------------------------------------------------------------


async def test_the_code_page_says_which_email_template_needs_the_code(
    world: World, http: httpx.AsyncClient
) -> None:
    client = await register(http, world)
    consent_url = await start(http, world, str(client["client_id"]), Pkce.new())
    page = await http.get(consent_url)
    sent = await http.post(
        f"{world.url}/oauth/consent/otp",
        data={"authorization_id": aid_of(consent_url), "csrf": csrf_of(page.text), "email": world.user.email},
    )
    assert sent.status_code == 200 and "Check your email" in sent.text
    assert "<code>{{ .Token }}</code>" in sent.text and "<em>Magic Link</em> email template" in sent.text


async def test_code_sign_in_can_be_switched_off(world_factory: Any) -> None:
    with world_factory(consent_email_code=False) as world:
        async with httpx.AsyncClient(timeout=10) as http:
            client = await register(http, world)
            consent_url = await start(http, world, str(client["client_id"]), Pkce.new())
            page = await http.get(consent_url)
            assert 'id="send-code"' not in page.text and 'id="sign-in"' in page.text
            sent = await http.post(
                f"{world.url}/oauth/consent/otp",
                data={
                    "authorization_id": aid_of(consent_url),
                    "csrf": csrf_of(page.text),
                    "email": world.user.email,
                },
            )
        assert sent.status_code == 404 and "Sign in with your password" in sent.text
        assert world.user.email not in world.standin.state.otp_codes  # no email was sent


# --- self-hosted Kong ------------------------------------------------------------------------------------


async def test_behind_self_hosted_kong_the_whole_flow_works(world: World, http: httpx.AsyncClient) -> None:
    world.standin.state.kong_gateway = True
    client = await register(http, world)
    ours = await http.get(authorize_url(world, str(client["client_id"]), Pkce.new()))
    upstream = await http.get(ours.headers["location"])
    assert upstream.status_code == 302, upstream.text  # not Kong's 401 "No API key found in request"
    client, pkce, code = await code_and_pkce(http, world)
    tokens = await redeem(http, world, client, pkce, code)
    assert tokens.status_code == 200, tokens.text
    assert (await initialize(world, tokens.json()["access_token"])).status_code == 200


# --- issuer --------------------------------------------------------------------------------------------


CLI_ISSUER = "http://127.0.0.1:54321/auth/v1"


async def test_tokens_of_a_project_with_another_issuer_are_accepted_with_supabase_jwt_issuer(
    world_factory: Any,
) -> None:
    with world_factory(supabase_jwt_issuer=CLI_ISSUER) as world:
        world.standin.state.issuer_override = CLI_ISSUER
        token = world.standin.mint(world.user, client_id=world.upstream.id)
        assert (await initialize(world, token)).status_code == 200
    with world_factory() as default:
        default.standin.state.issuer_override = CLI_ISSUER
        token = default.standin.mint(default.user, client_id=default.upstream.id)
        assert (await initialize(default, token)).status_code == 401


def test_supabase_jwt_issuer_must_be_a_url() -> None:
    from workout_mcp.config import SettingsError, load_settings

    with pytest.raises(SettingsError) as bad:
        load_settings(_env_file=None, supabase_jwt_issuer="not a url")
    assert "SUPABASE_JWT_ISSUER" in str(bad.value.problems)


# --- offline_access ----------------------------------------------------------------------------------------


async def test_offline_access_is_advertised_accepted_and_not_sent_upstream(
    world: World, http: httpx.AsyncClient
) -> None:
    metadata = (await http.get(f"{world.url}/.well-known/oauth-authorization-server")).json()
    assert "offline_access" in metadata["scopes_supported"]
    client = await register(http, world)
    pkce = Pkce.new()
    ours = await http.get(authorize_url(world, str(client["client_id"]), pkce, scope="openid offline_access"))
    upstream_scope = parse_qs(urlsplit(ours.headers["location"]).query)["scope"][0]
    assert upstream_scope == "openid"
    consent_url = await start(http, world, str(client["client_id"]), pkce, scope="openid offline_access")
    page = await sign_in(http, world, consent_url)
    assert "Stay connected until you disconnect it" in page.text
    landed = await approve(http, world, consent_url, page)
    tokens = await redeem(http, world, client, pkce, parse_qs(urlsplit(landed).query)["code"][0])
    assert tokens.status_code == 200
    assert tokens.json()["scope"].split() == ["openid", "offline_access"] and tokens.json()["refresh_token"]


# --- CAPTCHA ----------------------------------------------------------------------------------------------


async def test_captcha_protection_is_named_to_the_person_and_the_operator(
    world: World, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    world.standin.state.captcha_enabled = True
    client = await register(http, world)
    consent_url = await start(http, world, str(client["client_id"]), Pkce.new())
    page = await http.get(consent_url)
    form = {"authorization_id": aid_of(consent_url), "csrf": csrf_of(page.text), "email": world.user.email}
    password = await http.post(f"{world.url}/oauth/consent/password", data={**form, "password": PASSWORD})
    code = await http.post(f"{world.url}/oauth/consent/otp", data=form)
    for response in (password, code):
        assert response.status_code == 503
        assert "protected by a CAPTCHA" in response.text
        assert "Wrong email or password" not in response.text and "Check your email" not in response.text
    operator = [r for r in caplog.records if r.levelno >= logging.ERROR and "CAPTCHA" in r.getMessage()]
    assert len(operator) == 2


# --- code lifetime -------------------------------------------------------------------------------------------


async def test_our_code_dies_when_supabases_does_ten_minutes_after_the_authorize_request(
    world: World, http: httpx.AsyncClient
) -> None:
    client = await register(http, world)
    started = int(time.time()) - 540  # a slow consent: the callback comes 9 minutes after authorize
    state = AuthorizationState(
        client_ref=client_ref(str(client["client_id"])),
        client_name="Claude",
        redirect_uri=CLAUDE_CALLBACK,
        explicit_redirect=True,
        client_state="s",
        challenge="h" * 43,
        scope="email",
        flow="slow-flow",
        started_at=started,
    )
    sealer = Sealer([SECRET_KEY])
    http.cookies.set(FLOW_COOKIE, sealer.seal(FLOW_PURPOSE, ["slow-flow"], 600))
    blob = Sealer([SECRET_KEY], clock=lambda: float(started)).seal("upstream-state", state.to_wire(), 600)
    callback = await http.get(f"{world.url}/oauth/callback", params={"code": "sb-code", "state": blob})
    assert callback.status_code == 302
    code = parse_qs(urlsplit(callback.headers["location"]).query)["code"][0]
    Sealer([SECRET_KEY], clock=lambda: time.time() + 50).unseal("code", code)  # alive until then
    with pytest.raises(SealError):
        Sealer([SECRET_KEY], clock=lambda: time.time() + 70).unseal("code", code)  # dead with Supabase's


# --- client authentication ---------------------------------------------------------------------------------


async def test_an_upstream_client_registered_for_client_secret_post_is_a_clean_503_and_a_log_line(
    world: World, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    client, pkce, code = await code_and_pkce(http, world)
    world.upstream.auth_method = "client_secret_post"
    caplog.set_level(logging.INFO)
    refused = await redeem(http, world, client, pkce, code)
    assert refused.status_code == 503
    assert refused.json()["error"] == "server_error"
    assert any(r.levelno >= logging.ERROR and "client_secret_basic" in r.getMessage() for r in caplog.records)


# --- state length ----------------------------------------------------------------------------------------------


async def test_a_client_state_that_would_not_fit_supabases_column_is_refused_with_a_reason(
    world: World, http: httpx.AsyncClient
) -> None:
    long_uri = "https://app.example/" + "c" * 280
    client = await register(http, world, client_name="\U0001f4aa" * 50, redirect_uris=[long_uri])
    response = await http.get(
        authorize_url(world, str(client["client_id"]), Pkce.new(), redirect_uri=long_uri, state='"' * 1024)
    )
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(long_uri + "?")  # back to the client, not on to Supabase
    params = parse_qs(urlsplit(location).query)
    assert params["error"] == ["invalid_request"]
    assert "state is too long" in params["error_description"][0]
    assert "characters" in params["error_description"][0]


async def test_a_state_that_is_not_printable_ascii_is_refused(world: World, http: httpx.AsyncClient) -> None:
    client = await register(http, world)
    response = await http.get(authorize_url(world, str(client["client_id"]), Pkce.new(), state="é" * 700))
    params = parse_qs(urlsplit(response.headers["location"]).query)
    assert response.headers["location"].startswith(CLAUDE_CALLBACK + "?")
    assert params["error"] == ["invalid_request"] and "ASCII" in params["error_description"][0]


# --- client metadata documents ----------------------------------------------------------------------------------


async def test_a_client_metadata_document_that_is_down_is_called_temporary_with_a_retry(
    world_factory: Any,
) -> None:
    with serve_metadata_document(redirect_uris=[CLAUDE_CALLBACK]) as doc:
        with world_factory(cimd_allow_private_networks=True, http_client=doc.trusting_client()) as world:
            async with httpx.AsyncClient(timeout=10) as http:
                page = await http.get(authorize_url(world, f"{doc.base}/busy.json", Pkce.new()))
    assert page.status_code == 503 and "location" not in page.headers
    assert "temporary" in page.text and 'id="retry"' in page.text
    assert "not registered" not in page.text and "remove the connector" not in page.text
