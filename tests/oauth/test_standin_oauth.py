"""The stand-in's OAuth 2.1 server keeps Supabase's quirks (contract §3, anchors §2)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.standin.fixtures import Standin, run_standin
from tests.standin.oauth import OAuthClient, oauth_server, sign_in, sign_in_and_approve

CALLBACK = "https://app.example/oauth/callback"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def sb() -> Iterator[Standin]:
    with run_standin() as running:
        oauth_server(running.state).site_url = "https://app.example"
        running.add_user("lifter@example.com", PASSWORD)
        yield running


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(
        b"="
    ).decode()


def _client(sb: Standin, **kw: object) -> OAuthClient:
    return oauth_server(sb.state).register_client([CALLBACK], **kw)  # type: ignore[arg-type]


async def _authorize(http: httpx.AsyncClient, sb: Standin, **params: str) -> httpx.Response:
    return await http.get(f"{sb.url}/auth/v1/oauth/authorize?{urlencode(params)}")


def _params(client: OAuthClient, challenge: str, **extra: str) -> dict[str, str]:
    return {
        "client_id": client.id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid email",
        "state": "st",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    } | extra


async def _code(
    http: httpx.AsyncClient, sb: Standin, client: OAuthClient, challenge: str, **extra: str
) -> str:
    response = await _authorize(http, sb, **_params(client, challenge, **extra))
    auth_id = parse_qs(urlsplit(response.headers["location"]).query)["authorization_id"][0]
    url = await sign_in_and_approve(
        http, sb.url, sb.anon_key, auth_id, email="lifter@example.com", password=PASSWORD
    )
    return parse_qs(urlsplit(url).query)["code"][0]


async def test_authorize_validates_client_before_redirecting(sb: Standin) -> None:
    client = _client(sb)
    _, challenge = _pkce()
    async with httpx.AsyncClient() as http:
        missing = await _authorize(http, sb, client_id=client.id)
        assert missing.status_code == 400 and missing.json()["error_code"] == "validation_failed"
        not_uuid = await _authorize(http, sb, client_id="https://x.example/c.json", redirect_uri=CALLBACK)
        assert not_uuid.json() == {
            "code": 400,
            "error_code": "oauth_client_not_found",
            "msg": "invalid client_id format",
        }
        wrong_uri = await _authorize(http, sb, **_params(client, challenge, redirect_uri=CALLBACK + "/"))
        assert wrong_uri.status_code == 400 and wrong_uri.json()["msg"] == "invalid redirect_uri"
        for extra, text in (
            ({"scope": "openid workouts"}, "unsupported scope: workouts"),
            ({"code_challenge": ""}, "PKCE flow requires"),
            ({"resource": "https://app.example/mcp?x=1"}, "query"),
        ):
            response = await _authorize(http, sb, **_params(client, challenge, **extra))
            assert response.status_code == 302
            assert response.headers["location"].startswith(CALLBACK + "?error=invalid_request")
            description = parse_qs(urlsplit(response.headers["location"]).query)["error_description"][0]
            assert text in description
        ok = await _authorize(http, sb, **_params(client, challenge))
        location = ok.headers["location"]
        assert location.startswith("https://app.example/oauth/consent?authorization_id=")
        assert len(parse_qs(urlsplit(location).query)["authorization_id"][0]) == 32


async def test_full_code_flow_single_use_codes_and_refresh_rotation_with_reuse_detection(sb: Standin) -> None:
    client = _client(sb)
    verifier, challenge = _pkce()
    async with httpx.AsyncClient() as http:
        code = await _code(http, sb, client, challenge)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        }
        ok = await http.post(
            f"{sb.url}/auth/v1/oauth/token", data=form, auth=(client.id, client.secret or "")
        )
        assert ok.status_code == 200, ok.text
        body = ok.json()
        assert body["token_type"] == "bearer" and "id_token" in body
        claims = sb.state.verify_access_token(body["access_token"])
        assert (
            claims["client_id"] == client.id
            and claims["scope"] == "openid email"
            and claims["aud"] == "authenticated"
        )
        again = await http.post(
            f"{sb.url}/auth/v1/oauth/token", data=form, auth=(client.id, client.secret or "")
        )
        assert again.json() == {"error": "invalid_grant", "error_description": "Invalid authorization code"}

        refresh = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
        rotated = await http.post(
            f"{sb.url}/auth/v1/oauth/token", data=refresh, auth=(client.id, client.secret or "")
        )
        assert rotated.status_code == 200 and rotated.json()["refresh_token"] != body["refresh_token"]
        twice = {"grant_type": "refresh_token", "refresh_token": rotated.json()["refresh_token"]}
        third = await http.post(
            f"{sb.url}/auth/v1/oauth/token", data=twice, auth=(client.id, client.secret or "")
        )
        assert third.status_code == 200
        reused = await http.post(
            f"{sb.url}/auth/v1/oauth/token", data=refresh, auth=(client.id, client.secret or "")
        )
        assert reused.json()["error_code"] == "refresh_token_already_used"
        # Reuse revoked the family: the newest token is dead too.
        newer = {"grant_type": "refresh_token", "refresh_token": third.json()["refresh_token"]}
        dead = await http.post(
            f"{sb.url}/auth/v1/oauth/token", data=newer, auth=(client.id, client.secret or "")
        )
        assert dead.status_code == 400


async def test_client_auth_errors_are_gotrue_shaped(sb: Standin) -> None:
    client = _client(sb)
    async with httpx.AsyncClient() as http:
        url = f"{sb.url}/auth/v1/oauth/token"
        post = await http.post(
            url, data={"grant_type": "refresh_token", "client_id": client.id, "client_secret": client.secret}
        )
        assert post.json()["error_code"] == "invalid_credentials"
        assert "registered for 'client_secret_basic' but 'client_secret_post'" in post.json()["msg"]
        nobody = await http.post(url, data={"grant_type": "refresh_token"})
        assert nobody.json()["msg"] == "Invalid client credentials: client_id is required"
        wrong = await http.post(url, data={"grant_type": "refresh_token"}, auth=(client.id, "nope"))
        assert wrong.status_code == 400 and wrong.json()["error_code"] == "invalid_credentials"


async def test_second_consent_is_auto_approved(sb: Standin) -> None:
    client = _client(sb)
    async with httpx.AsyncClient() as http:
        await _code(http, sb, client, _pkce()[1])
        response = await _authorize(http, sb, **_params(client, _pkce()[1]))
        auth_id = parse_qs(urlsplit(response.headers["location"]).query)["authorization_id"][0]
        token = await sign_in(http, sb.url, sb.anon_key, "lifter@example.com", PASSWORD)
        details = await http.get(
            f"{sb.url}/auth/v1/oauth/authorizations/{auth_id}", headers={"Authorization": f"Bearer {token}"}
        )
        assert set(details.json()) == {"redirect_url"} and "code=" in details.json()["redirect_url"]


async def test_quirk_2820_resource_offline_access_and_public_clients_break_the_details_call(
    sb: Standin,
) -> None:
    confidential, public = _client(sb), _client(sb, client_type="public")
    async with httpx.AsyncClient() as http:
        token = await sign_in(http, sb.url, sb.anon_key, "lifter@example.com", PASSWORD)
        for client, extra in (
            (confidential, {"resource": "https://app.example/mcp"}),
            (confidential, {"scope": "email offline_access"}),
            (public, {}),
        ):
            response = await _authorize(http, sb, **_params(client, _pkce()[1], **extra))
            auth_id = parse_qs(urlsplit(response.headers["location"]).query)["authorization_id"][0]
            details = await http.get(
                f"{sb.url}/auth/v1/oauth/authorizations/{auth_id}",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert details.status_code == 400


async def test_authorizations_expire_after_ten_minutes(sb: Standin) -> None:
    client = _client(sb)
    async with httpx.AsyncClient() as http:
        response = await _authorize(http, sb, **_params(client, _pkce()[1]))
        auth_id = parse_qs(urlsplit(response.headers["location"]).query)["authorization_id"][0]
        token = await sign_in(http, sb.url, sb.anon_key, "lifter@example.com", PASSWORD)
        sb.state.clock.advance(601)
        details = await http.get(
            f"{sb.url}/auth/v1/oauth/authorizations/{auth_id}", headers={"Authorization": f"Bearer {token}"}
        )
        assert details.status_code == 404 and details.json()["error_code"] == "oauth_authorization_not_found"


async def test_dynamic_registration_defaults_to_confidential_basic(sb: Standin) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{sb.url}/auth/v1/oauth/clients/register", json={"redirect_uris": [CALLBACK]}
        )
        assert response.status_code == 201
        body = response.json()
        assert (
            body["client_type"] == "confidential"
            and body["token_endpoint_auth_method"] == "client_secret_basic"
        )
        assert "client_secret" in body
        bad = await http.post(
            f"{sb.url}/auth/v1/oauth/clients/register", json={"redirect_uris": ["javascript:x"]}
        )
        assert bad.status_code == 400 and bad.json()["error_code"] == "validation_failed"
