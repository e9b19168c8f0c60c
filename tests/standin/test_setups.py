"""Stand-in options for real Supabase set-ups: the self-hosted Kong gateway, CAPTCHA, client auth methods.

Each test names the source it follows: supabase/supabase `docker/volumes/api/kong.yml` with Kong's
`kong/plugins/key-auth/handler.lua`; supabase/auth `internal/api/middleware.go` (`verifyCaptcha`,
`requireOAuthClientAuth`), `internal/api/oauthserver/auth.go` (`ExtractClientCredentials`) and
`client_auth.go` (`ValidateClientAuthMethod`).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.standin.fixtures import Standin, run_standin
from tests.standin.oauth import oauth_server
from tests.standin.state import StandinState

PASSWORD = "correct horse battery staple"
CALLBACK = "https://app.example/oauth/callback"


@pytest.fixture
def sb() -> Iterator[Standin]:
    with run_standin() as running:
        running.add_user("lifter@example.com", PASSWORD)
        yield running


@pytest.fixture
async def http(sb: Standin) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sb.url, timeout=10) as client:
        yield client


# --- Kong (kong.yml + key-auth) -----------------------------------------------------------------------


async def test_kong_is_off_by_default_and_the_oauth_endpoints_need_no_key(
    sb: Standin, http: httpx.AsyncClient
) -> None:
    assert StandinState().kong_gateway is False
    authorize = await http.get("/auth/v1/oauth/authorize")
    assert authorize.status_code == 400 and authorize.json()["error_code"] == "validation_failed"


@pytest.mark.parametrize(
    "path",
    [
        "/auth/v1/oauth/authorize?client_id=x&redirect_uri=y",
        "/auth/v1/oauth/authorizations/abc",
        "/auth/v1/.well-known/oauth-authorization-server",
        "/auth/v1/.well-known/openid-configuration",
        "/auth/v1/user",
    ],
)
async def test_kong_refuses_auth_routes_without_an_apikey(
    sb: Standin, http: httpx.AsyncClient, path: str
) -> None:
    sb.state.kong_gateway = True
    refused = await http.get(path)
    assert refused.status_code == 401
    assert refused.json() == {"message": "No API key found in request"}
    assert refused.headers["www-authenticate"] == 'Key realm="kong"'


async def test_kong_token_and_consent_posts_need_the_key_too(sb: Standin, http: httpx.AsyncClient) -> None:
    sb.state.kong_gateway = True
    token = await http.post("/auth/v1/oauth/token", data={"grant_type": "refresh_token"})
    assert token.status_code == 401 and token.json()["message"] == "No API key found in request"
    consent = await http.post("/auth/v1/oauth/authorizations/abc/consent", json={"action": "approve"})
    assert consent.status_code == 401


async def test_kong_accepts_the_key_as_header_or_query_and_refuses_a_wrong_or_doubled_key(
    sb: Standin, http: httpx.AsyncClient
) -> None:
    sb.state.kong_gateway = True
    by_query = await http.get("/auth/v1/oauth/authorize", params={"apikey": sb.anon_key})
    assert by_query.status_code == 400 and by_query.json()["msg"] == "client_id is required"
    by_header = await http.get("/auth/v1/oauth/authorize", headers={"ApiKey": sb.anon_key})
    assert by_header.status_code == 400 and by_header.json()["error_code"] == "validation_failed"
    wrong = await http.get("/auth/v1/oauth/authorize", params={"apikey": "nope"})
    assert wrong.status_code == 401 and wrong.json() == {"message": "Invalid authentication credentials"}
    doubled = await http.get(f"/auth/v1/oauth/authorize?apikey={sb.anon_key}&apikey={sb.anon_key}")
    assert doubled.status_code == 401 and doubled.json() == {"message": "Duplicate API key found"}


@pytest.mark.parametrize(
    "path", ["/auth/v1/.well-known/jwks.json", "/auth/v1/authorize?redirect_to=x", "/auth/v1/verify"]
)
async def test_kong_leaves_the_stock_open_routes_open(
    sb: Standin, http: httpx.AsyncClient, path: str
) -> None:
    sb.state.kong_gateway = True
    response = await http.request("POST" if path.endswith("verify") else "GET", path, json={})
    assert response.status_code != 401, response.text


async def test_kong_preflights_pass_to_cors(sb: Standin, http: httpx.AsyncClient) -> None:
    sb.state.kong_gateway = True
    preflight = await http.options("/auth/v1/oauth/token")
    assert preflight.status_code != 401


# --- CAPTCHA (verifyCaptcha) --------------------------------------------------------------------------


async def test_captcha_refuses_password_and_otp_without_a_token(sb: Standin, http: httpx.AsyncClient) -> None:
    sb.state.captcha_enabled = True
    key = {"apikey": sb.anon_key}
    body = {"email": "lifter@example.com", "password": PASSWORD}
    for path, payload in [
        ("/auth/v1/token?grant_type=password", body),
        ("/auth/v1/otp", {"email": body["email"]}),
    ]:
        refused = await http.post(path, json=payload, headers=key)
        assert refused.status_code == 400
        assert refused.json() == {
            "code": 400,
            "error_code": "captcha_failed",
            "msg": "captcha protection: request disallowed (no captcha_token found)",
        }
        assert refused.headers["x-sb-error-code"] == "captcha_failed"


async def test_captcha_accepts_a_valid_token_and_refuses_a_bad_one(
    sb: Standin, http: httpx.AsyncClient
) -> None:
    sb.state.captcha_enabled = True
    sb.state.captcha_tokens.add("10000000-aaaa-bbbb-cccc-000000000001")
    key = {"apikey": sb.anon_key}
    body = {"email": "lifter@example.com", "password": PASSWORD}
    bad = await http.post(
        "/auth/v1/token?grant_type=password",
        json=body | {"gotrue_meta_security": {"captcha_token": "forged"}},
        headers=key,
    )
    assert bad.status_code == 400 and bad.json()["msg"] == (
        "captcha protection: request disallowed (invalid-input-response)"
    )
    good = await http.post(
        "/auth/v1/token?grant_type=password",
        json=body | {"gotrue_meta_security": {"captcha_token": "10000000-aaaa-bbbb-cccc-000000000001"}},
        headers=key,
    )
    assert good.status_code == 200 and good.json()["token_type"] == "bearer"


async def test_captcha_never_guards_refresh_or_pkce_and_is_off_by_default(
    sb: Standin, http: httpx.AsyncClient
) -> None:
    key = {"apikey": sb.anon_key}
    body = {"email": "lifter@example.com", "password": PASSWORD}
    plain = await http.post("/auth/v1/token?grant_type=password", json=body, headers=key)
    assert plain.status_code == 200
    sb.state.captcha_enabled = True
    refreshed = await http.post(
        "/auth/v1/token?grant_type=refresh_token",
        json={"refresh_token": plain.json()["refresh_token"]},
        headers=key,
    )
    assert refreshed.status_code == 200
    api_version = await http.post(
        "/auth/v1/otp",
        json={"email": "lifter@example.com"},
        headers=key | {"X-Supabase-Api-Version": "2024-01-01"},
    )
    assert api_version.json() == {
        "code": "captcha_failed",
        "message": "captcha protection: request disallowed (no captcha_token found)",
    }


# --- client authentication methods (requireOAuthClientAuth) -------------------------------------------


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


async def test_a_client_secret_post_client_is_refused_basic_and_accepted_in_the_body(
    sb: Standin, http: httpx.AsyncClient
) -> None:
    client = oauth_server(sb.state).register_client([CALLBACK], auth_method="client_secret_post")
    assert client.secret is not None and len(client.secret) == 43  # RawURLEncoding of 32 bytes
    form = {"grant_type": "refresh_token", "refresh_token": "x" * 40}
    basic = await http.post("/auth/v1/oauth/token", data=form, headers=_basic(client.id, client.secret))
    assert basic.status_code == 400
    assert basic.json() == {
        "code": 400,
        "error_code": "invalid_credentials",
        "msg": "invalid authentication method: client is registered for 'client_secret_post' "
        "but 'client_secret_basic' was used",
    }
    post = await http.post(
        "/auth/v1/oauth/token", data=form | {"client_id": client.id, "client_secret": client.secret}
    )
    assert post.json()["error_code"] == "refresh_token_not_found", "authenticated, then the token is unknown"


async def test_a_basic_client_is_refused_post_and_none(sb: Standin, http: httpx.AsyncClient) -> None:
    client = oauth_server(sb.state).register_client([CALLBACK])
    assert client.auth_method == "client_secret_basic" and client.secret is not None
    form = {"grant_type": "refresh_token", "refresh_token": "x" * 40}
    post = await http.post(
        "/auth/v1/oauth/token", data=form | {"client_id": client.id, "client_secret": client.secret}
    )
    assert post.json()["msg"] == (
        "invalid authentication method: client is registered for 'client_secret_basic' "
        "but 'client_secret_post' was used"
    )
    none = await http.post("/auth/v1/oauth/token", data=form | {"client_id": client.id})
    assert "but 'none' was used" in none.json()["msg"]
    wrong = await http.post("/auth/v1/oauth/token", data=form, headers=_basic(client.id, "wrong"))
    assert wrong.json()["msg"] == "invalid client credentials"


async def test_basic_credentials_are_not_percent_decoded(sb: Standin, http: httpx.AsyncClient) -> None:
    client = oauth_server(sb.state).register_client([CALLBACK])
    assert client.secret is not None
    client.secret = "a+b/c="  # any secret an admin might set; GoTrue compares the raw Basic value
    form = {"grant_type": "refresh_token", "refresh_token": "x" * 40}
    encoded = await http.post("/auth/v1/oauth/token", data=form, headers=_basic(client.id, "a%2Bb%2Fc%3D"))
    assert encoded.json()["msg"] == "invalid client credentials"
    raw = await http.post("/auth/v1/oauth/token", data=form, headers=_basic(client.id, "a+b/c="))
    assert raw.json()["error_code"] == "refresh_token_not_found"


@pytest.mark.parametrize(
    ("headers", "data", "msg"),
    [
        ({}, {"grant_type": "refresh_token"}, "Invalid client credentials: client_id is required"),
        ({"Authorization": "Basic %%%"}, {}, "Invalid client credentials: invalid basic auth encoding"),
        (
            {"Authorization": "Basic " + base64.b64encode(b"nocolon").decode()},
            {},
            "Invalid client credentials: invalid basic auth format",
        ),
        ({}, {"client_id": "not-a-uuid"}, "Invalid client_id format"),
        ({}, {"client_id": "6f1c1a55-3d3f-4a51-9b6f-1d3c8e0b2a11"}, "Invalid client credentials"),
    ],
)
async def test_client_credential_errors_are_gotrue_shaped(
    sb: Standin, http: httpx.AsyncClient, headers: dict[str, str], data: dict[str, str], msg: str
) -> None:
    refused = await http.post("/auth/v1/oauth/token", data=data, headers=headers)
    assert refused.status_code == 400
    assert refused.json() == {"code": 400, "error_code": "invalid_credentials", "msg": msg}
