"""The stand-in's Auth half behaves like GoTrue (contract §1, §2): bodies, headers, error shapes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import jwt
import pytest

from tests.standin import fixtures as standin_fixtures
from tests.standin.fixtures import Standin

standin = standin_fixtures.standin
PASSWORD = "correct horse battery staple"


@pytest.fixture
async def http(standin: Standin) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=f"{standin.url}/auth/v1", headers={"apikey": standin.anon_key}
    ) as client:
        yield client


async def password_login(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await http.post(
        "/token", params={"grant_type": "password"}, json={"email": email, "password": password}
    )


async def test_jwks_publishes_only_public_signature_keys_with_cache_control(
    standin: Standin, http: httpx.AsyncClient
) -> None:
    response = await httpx.AsyncClient().get(
        f"{standin.url}/auth/v1/.well-known/jwks.json"
    )  # no apikey needed
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=600"
    (key,) = response.json()["keys"]
    assert key["kty"] == "EC" and key["alg"] == "ES256" and key["crv"] == "P-256"
    assert key["use"] == "sig" and key["key_ops"] == ["verify"]
    assert "d" not in key
    assert standin.state.jwks_fetches == 1


async def test_openid_configuration_names_the_issuer(standin: Standin, http: httpx.AsyncClient) -> None:
    body = (await http.get("/.well-known/openid-configuration")).json()
    assert body["issuer"] == f"{standin.url}/auth/v1"
    assert body["jwks_uri"] == f"{standin.url}/auth/v1/.well-known/jwks.json"


async def test_password_grant_returns_gotrue_token_body(standin: Standin, http: httpx.AsyncClient) -> None:
    user = standin.add_user("a@example.com")
    response = await password_login(http, "A@example.com")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "expires_at", "refresh_token", "user"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["expires_at"] == standin.state.now() + 3600
    assert body["user"]["id"] == user.id and body["user"]["aud"] == "authenticated"
    header = jwt.get_unverified_header(body["access_token"])
    assert header == {"alg": "ES256", "kid": standin.state.keys.signing.kid, "typ": "JWT"}
    claims = standin.state.verify_access_token(body["access_token"])
    assert claims["aud"] == "authenticated" and claims["role"] == "authenticated"
    assert claims["sub"] == user.id and "client_id" not in claims


async def test_wrong_password_and_gateway_errors(standin: Standin, http: httpx.AsyncClient) -> None:
    standin.add_user("a@example.com")
    wrong = await password_login(http, "a@example.com", "nope")
    assert wrong.status_code == 400
    assert wrong.json() == {
        "code": 400,
        "error_code": "invalid_credentials",
        "msg": "Invalid login credentials",
    }
    assert wrong.headers["x-sb-error-code"] == "invalid_credentials"
    versioned = await http.post(
        "/token",
        params={"grant_type": "password"},
        json={"email": "a@example.com", "password": "nope"},
        headers={"X-Supabase-Api-Version": "2024-01-01"},
    )
    assert versioned.json() == {"code": "invalid_credentials", "message": "Invalid login credentials"}
    async with httpx.AsyncClient(base_url=f"{standin.url}/auth/v1") as bare:
        missing = await bare.post("/token?grant_type=password", json={})
        bad = await bare.post("/token?grant_type=password", json={}, headers={"apikey": "wrong"})
    assert missing.status_code == 401 and missing.json()["message"] == "No API key found in request"
    assert bad.status_code == 401 and bad.json()["message"] == "Invalid API key"


async def test_form_body_is_bad_json_and_authorization_code_is_unsupported(http: httpx.AsyncClient) -> None:
    form = await http.post("/token?grant_type=password", data={"email": "a@example.com", "password": "x"})
    assert form.status_code == 400 and form.json()["error_code"] == "bad_json"
    code = await http.post("/token?grant_type=authorization_code", json={})
    assert code.json() == {"code": 400, "error_code": "invalid_credentials", "msg": "unsupported_grant_type"}


async def test_refresh_rotates_and_reuse_revokes_the_family(
    standin: Standin, http: httpx.AsyncClient
) -> None:
    standin.add_user("a@example.com")
    first = (await password_login(http, "a@example.com")).json()["refresh_token"]
    refreshed = await http.post("/token?grant_type=refresh_token", json={"refresh_token": first})
    assert refreshed.status_code == 200
    second = refreshed.json()["refresh_token"]
    assert second != first
    assert refreshed.headers["sb-auth-user-id"] == refreshed.json()["user"]["id"]
    # GoTrue (`internal/tokens/service.go`): the parent of the active token is answered with the active
    # one; only a token older than that is reuse, which revokes the family.
    third = (await http.post("/token?grant_type=refresh_token", json={"refresh_token": second})).json()
    reuse = await http.post("/token?grant_type=refresh_token", json={"refresh_token": first})
    assert reuse.json()["error_code"] == "refresh_token_already_used"
    assert reuse.json()["msg"] == "Invalid Refresh Token: Already Used"
    after = await http.post("/token?grant_type=refresh_token", json={"refresh_token": third["refresh_token"]})
    assert after.json()["error_code"] == "refresh_token_already_used", "the whole family was revoked"
    unknown = await http.post("/token?grant_type=refresh_token", json={"refresh_token": "x" * 32})
    assert unknown.json()["error_code"] == "refresh_token_not_found"
    short = await http.post("/token?grant_type=refresh_token", json={"refresh_token": "short"})
    assert short.json()["error_code"] == "validation_failed"


async def test_refresh_reuse_within_the_interval_returns_the_active_token(
    standin: Standin, http: httpx.AsyncClient
) -> None:
    standin.state.refresh_reuse_interval = 10
    standin.add_user("a@example.com")
    first = (await password_login(http, "a@example.com")).json()["refresh_token"]
    second = (await http.post("/token?grant_type=refresh_token", json={"refresh_token": first})).json()
    third = (
        await http.post("/token?grant_type=refresh_token", json={"refresh_token": second["refresh_token"]})
    ).json()
    again = (await http.post("/token?grant_type=refresh_token", json={"refresh_token": first})).json()
    assert again["refresh_token"] not in (first, second["refresh_token"], third["refresh_token"])
    standin.state.clock.advance(11)
    late = await http.post("/token?grant_type=refresh_token", json={"refresh_token": second["refresh_token"]})
    assert late.json()["error_code"] == "refresh_token_already_used"


async def test_user_endpoint_and_its_errors(standin: Standin, http: httpx.AsyncClient) -> None:
    user = standin.add_user("a@example.com")
    token = standin.mint(user)
    ok = await http.get("/user", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json()["id"] == user.id
    none = await http.get("/user")
    assert none.status_code == 401 and none.json()["error_code"] == "no_authorization"
    bad = await http.get("/user", headers={"Authorization": "Bearer abc.def.ghi"})
    assert bad.status_code == 403 and bad.json()["error_code"] == "bad_jwt"
    standin.state.clock.advance(3601)
    expired = await http.get("/user", headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 403 and expired.json()["error_code"] == "bad_jwt"


async def test_email_otp_flow_records_the_code(standin: Standin, http: httpx.AsyncClient) -> None:
    user = standin.add_user("a@example.com")
    assert (await http.post("/otp", json={"email": "a@example.com", "create_user": False})).status_code == 200
    code = standin.state.last_otp("a@example.com")
    assert len(code) == 6 and code.isdigit()
    wrong = await http.post("/verify", json={"type": "email", "email": "a@example.com", "token": "000000x"})
    assert wrong.status_code == 403 and wrong.json()["error_code"] == "otp_expired"
    good = await http.post("/verify", json={"type": "email", "email": "a@example.com", "token": code})
    assert good.status_code == 200 and good.json()["user"]["id"] == user.id
    claims = standin.state.verify_access_token(good.json()["access_token"])
    assert claims["amr"][0]["method"] == "otp"
    replay = await http.post("/verify", json={"type": "email", "email": "a@example.com", "token": code})
    assert replay.status_code == 403
    no_signup = await http.post("/otp", json={"email": "new@example.com", "create_user": False})
    assert no_signup.status_code == 422 and no_signup.json()["error_code"] == "otp_disabled"


async def test_logout_ends_the_session(standin: Standin, http: httpx.AsyncClient) -> None:
    standin.add_user("a@example.com")
    body = (await password_login(http, "a@example.com")).json()
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    assert (await http.post("/logout", headers=auth)).status_code == 204
    gone = await http.get("/user", headers=auth)
    assert gone.status_code == 403 and gone.json()["error_code"] == "session_not_found"
    refresh = await http.post(
        "/token?grant_type=refresh_token", json={"refresh_token": body["refresh_token"]}
    )
    assert refresh.json()["error_code"] == "refresh_token_not_found"


async def test_jwks_down_fault_and_fetch_counter(standin: Standin) -> None:
    standin.state.faults.jwks_down = True
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{standin.url}/auth/v1/.well-known/jwks.json")
    assert response.status_code == 502
    assert standin.state.jwks_fetches == 1
