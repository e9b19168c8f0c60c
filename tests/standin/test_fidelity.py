"""Where the stand-in used to differ from Supabase, it now does what Supabase's source does.

Each test cites the file it follows: supabase/auth (GoTrue v2.196) `internal/tokens/service.go`,
`internal/models/{oauth_authorization,refresh_token}.go`, `internal/api/oauthserver/{authorize,
handlers}.go`; PostgREST `src/library/PostgREST/Auth/Jwt.hs` and `src/library/PostgREST/Error.hs`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.standin.fixtures import Standin, run_standin
from tests.standin.oauth import OAuthClient, oauth_server, sign_in
from tests.standin.pg import supabase_db  # noqa: F401  (session fixture)
from tests.standin.rest import SupabaseStandin, serve_supabase, sqlstate_status

PASSWORD = "correct horse battery staple"
EMAIL = "lifter@example.com"
CALLBACK = "https://app.example/oauth/callback"


@pytest.fixture
def sb() -> Iterator[Standin]:
    with run_standin() as running:
        oauth_server(running.state).site_url = "https://app.example"
        oauth_server(running.state).quirk_2820 = False
        running.add_user(EMAIL, PASSWORD)
        yield running


@pytest.fixture
async def http(sb: Standin) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sb.url, timeout=10) as client:
        yield client


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Flow:
    """One client going through authorize -> consent -> token against the stand-in."""

    def __init__(self, sb: Standin, http: httpx.AsyncClient, client: OAuthClient | None = None) -> None:
        self.sb, self.http = sb, http
        self.client = client or oauth_server(sb.state).register_client([CALLBACK])
        self.verifier, self.challenge = _pkce()
        self.user_token = ""

    @property
    def auth(self) -> tuple[str, str]:
        return self.client.id, self.client.secret or ""

    async def authorize(self, scope: str = "openid email") -> str:
        params = {
            "client_id": self.client.id,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": scope,
            "state": "st",
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
        }
        response = await self.http.get(f"/auth/v1/oauth/authorize?{urlencode(params)}")
        assert response.status_code == 302, response.text
        return parse_qs(urlsplit(response.headers["location"]).query)["authorization_id"][0]

    async def details(self, authorization_id: str) -> httpx.Response:
        if not self.user_token:
            self.user_token = await sign_in(self.http, self.sb.url, self.sb.anon_key, EMAIL, PASSWORD)
        return await self.http.get(
            f"/auth/v1/oauth/authorizations/{authorization_id}",
            headers={"Authorization": f"Bearer {self.user_token}"},
        )

    async def decide(self, authorization_id: str, action: str = "approve") -> httpx.Response:
        if not self.user_token:
            self.user_token = await sign_in(self.http, self.sb.url, self.sb.anon_key, EMAIL, PASSWORD)
        return await self.http.post(
            f"/auth/v1/oauth/authorizations/{authorization_id}/consent",
            json={"action": action},
            headers={"Authorization": f"Bearer {self.user_token}"},
        )

    async def code(self, scope: str = "openid email") -> str:
        authorization_id = await self.authorize(scope)
        details = (await self.details(authorization_id)).json()
        url = details.get("redirect_url") or (await self.decide(authorization_id)).json()["redirect_url"]
        return parse_qs(urlsplit(url).query)["code"][0]

    async def exchange(self, code: str, verifier: str | None = None) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier or self.verifier,
        }
        return await self.http.post("/auth/v1/oauth/token", data=form, auth=self.auth)

    async def refresh(self, token: str) -> httpx.Response:
        form = {"grant_type": "refresh_token", "refresh_token": token}
        return await self.http.post("/auth/v1/oauth/token", data=form, auth=self.auth)


# --- refresh tokens: internal/tokens/service.go (RefreshTokenGrant), models/refresh_token.go -------------


async def test_the_previous_refresh_token_is_answered_with_the_current_one(
    sb: Standin, http: httpx.AsyncClient
) -> None:
    """service.go: a revoked token that is the parent of the active one gets the active one back."""
    flow = Flow(sb, http)
    first = (await flow.exchange(await flow.code())).json()["refresh_token"]
    second = (await flow.refresh(first)).json()["refresh_token"]
    replayed = await flow.refresh(first)  # the client lost the answer that carried `second`
    assert replayed.status_code == 200 and replayed.json()["refresh_token"] == second
    assert (await flow.refresh(first)).json()["refresh_token"] == second  # as often as it likes
    third = (await flow.refresh(second)).json()["refresh_token"]
    assert third not in (first, second)


async def test_an_older_refresh_token_is_refused_and_revokes_the_family(
    sb: Standin, http: httpx.AsyncClient
) -> None:
    """service.go: outside the reuse interval, `RevokeTokenFamily` then 400 refresh_token_already_used."""
    flow = Flow(sb, http)
    first = (await flow.exchange(await flow.code())).json()["refresh_token"]
    second = (await flow.refresh(first)).json()["refresh_token"]
    third = (await flow.refresh(second)).json()["refresh_token"]
    old = await flow.refresh(first)
    assert old.status_code == 400
    assert old.json() == {
        "code": 400,
        "error_code": "refresh_token_already_used",
        "msg": "Invalid Refresh Token: Already Used",
    }
    newest = await flow.refresh(third)
    assert newest.json()["error_code"] == "refresh_token_already_used", "the family went with it"


async def test_a_family_revoke_keeps_the_sessions_live_access_tokens(
    sb: Standin, http: httpx.AsyncClient
) -> None:
    """refresh_token.go `RevokeTokenFamily` revokes refresh tokens only; the session row stays."""
    flow = Flow(sb, http)
    tokens = (await flow.exchange(await flow.code())).json()
    second = (await flow.refresh(tokens["refresh_token"])).json()
    await flow.refresh(second["refresh_token"])
    assert (await flow.refresh(tokens["refresh_token"])).status_code == 400  # reuse: family revoked
    for access in (tokens["access_token"], second["access_token"]):
        user = await http.get(
            "/auth/v1/user", headers={"apikey": sb.anon_key, "Authorization": f"Bearer {access}"}
        )
        assert user.status_code == 200, user.text


# --- authorizations and codes: models/oauth_authorization.go, oauthserver/handlers.go -----------------


async def test_the_code_expires_ten_minutes_after_the_authorize_request_not_after_approval(
    sb: Standin, http: httpx.AsyncClient
) -> None:
    """oauth_authorization.go: `ExpiresAt = now + AuthorizationTTL` at authorize; `IsExpired` at exchange."""
    flow = Flow(sb, http)
    authorization_id = await flow.authorize()
    sb.state.clock.advance(9 * 60)  # a slow sign-in
    details = await flow.details(authorization_id)
    assert details.status_code == 200
    url = (await flow.decide(authorization_id)).json()["redirect_url"]
    code = parse_qs(urlsplit(url).query)["code"][0]
    sb.state.clock.advance(90)  # the code itself is 90 s old, the authorization 10.5 min
    expired = await flow.exchange(code)
    assert expired.json() == {"error": "invalid_grant", "error_description": "Authorization code has expired"}


async def test_a_state_longer_than_the_column_fails_with_server_error(
    sb: Standin, http: httpx.AsyncClient
) -> None:
    """migrations/20250804100000: `char_length(state) <= 4096`; the failed insert redirects server_error."""
    flow = Flow(sb, http)
    query = {
        "client_id": flow.client.id,
        "redirect_uri": CALLBACK,
        "code_challenge": flow.challenge,
        "code_challenge_method": "S256",
    }
    fits = await http.get(f"/auth/v1/oauth/authorize?{urlencode(query | {'state': 's' * 4096})}")
    assert fits.status_code == 302 and "authorization_id=" in fits.headers["location"]
    too_long = await http.get(f"/auth/v1/oauth/authorize?{urlencode(query | {'state': 's' * 4097})}")
    location = parse_qs(urlsplit(too_long.headers["location"]).query)
    assert location["error"] == ["server_error"]
    assert location["error_description"] == ["error creating authorization"]


async def test_an_expired_authorization_is_not_found(sb: Standin, http: httpx.AsyncClient) -> None:
    """authorize.go: `IsExpired` -> `MarkExpired`, then 404 oauth_authorization_not_found."""
    flow = Flow(sb, http)
    authorization_id = await flow.authorize()
    sb.state.clock.advance(601)
    gone = await flow.details(authorization_id)
    assert gone.status_code == 404 and gone.json()["error_code"] == "oauth_authorization_not_found"


async def test_a_failed_code_exchange_does_not_burn_the_code(sb: Standin, http: httpx.AsyncClient) -> None:
    """handlers.go: the authorization row is destroyed only inside the successful exchange."""
    flow = Flow(sb, http)
    code = await flow.code()
    wrong = await flow.exchange(code, verifier=secrets.token_urlsafe(48))
    assert wrong.json() == {
        "error": "invalid_grant",
        "error_description": "PKCE verification failed: code challenge does not match previously saved code verifier",
    }
    bad_uri = await http.post(
        "/auth/v1/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK + "/x",
            "code_verifier": flow.verifier,
        },
        auth=flow.auth,
    )
    assert bad_uri.json()["error_description"] == "Invalid redirect_uri"
    ok = await flow.exchange(code)
    assert ok.status_code == 200, ok.text
    again = await flow.exchange(code)
    assert again.json() == {"error": "invalid_grant", "error_description": "Invalid authorization code"}


async def test_another_clients_code_is_refused_and_stays_usable(sb: Standin, http: httpx.AsyncClient) -> None:
    """handlers.go: "Authorization code was not issued for this client"."""
    flow = Flow(sb, http)
    code = await flow.code()
    other = Flow(sb, http)
    stolen = await other.exchange(code, verifier=flow.verifier)
    assert stolen.json()["error_description"] == "Authorization code was not issued for this client"
    assert (await flow.exchange(code)).status_code == 200


async def test_registered_grant_types_are_enforced(sb: Standin, http: httpx.AsyncClient) -> None:
    """handlers.go `OAuthToken`: `IsGrantTypeAllowed` -> unsupported_grant_type."""
    registered = await http.post(
        "/auth/v1/oauth/clients/register",
        json={"redirect_uris": [CALLBACK], "grant_types": ["authorization_code"]},
    )
    assert registered.status_code == 201 and registered.json()["grant_types"] == ["authorization_code"]
    flow = Flow(sb, http, oauth_server(sb.state).clients[registered.json()["client_id"]])
    tokens = (await flow.exchange(await flow.code())).json()
    refused = await flow.refresh(tokens["refresh_token"])
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "unsupported_grant_type",
        "error_description": "Client is not allowed to use grant type: refresh_token",
    }


async def test_a_refresh_token_is_bound_to_its_client(sb: Standin, http: httpx.AsyncClient) -> None:
    """service.go: "Client does not match the session's OAuth client" (an OAuthError, HTTP 400)."""
    flow = Flow(sb, http)
    tokens = (await flow.exchange(await flow.code())).json()
    other = Flow(sb, http)
    refused = await other.refresh(tokens["refresh_token"])
    assert refused.json() == {
        "error": "invalid_client",
        "error_description": "Client does not match the session's OAuth client",
    }
    client_side = await http.post(
        "/auth/v1/token?grant_type=refresh_token",
        json={"refresh_token": tokens["refresh_token"]},
        headers={"apikey": sb.anon_key},
    )
    assert client_side.json()["error_description"] == "Client authentication required for OAuth session"
    assert (await flow.refresh(tokens["refresh_token"])).status_code == 200


# --- consent: oauthserver/authorize.go (OAuthServerGetAuthorization, OAuthServerConsent) --------------


async def test_a_consent_post_without_a_prior_get_is_not_found(sb: Standin, http: httpx.AsyncClient) -> None:
    """authorize.go `OAuthServerConsent`: `authorization.UserID == nil` -> 404."""
    flow = Flow(sb, http)
    authorization_id = await flow.authorize()
    blind = await flow.decide(authorization_id)
    assert blind.status_code == 404 and blind.json()["error_code"] == "oauth_authorization_not_found"
    assert (await flow.details(authorization_id)).status_code == 200
    assert (await flow.decide(authorization_id)).status_code == 200


async def test_consent_post_checks_the_body_before_the_authorization(
    sb: Standin, http: httpx.AsyncClient
) -> None:
    """authorize.go: JSON and `action` are validated before the authorization is looked up."""
    flow = Flow(sb, http)
    bogus = await flow.decide("no-such-authorization", action="maybe")
    assert bogus.status_code == 400 and bogus.json()["msg"] == "action must be 'approve' or 'deny'"


async def test_auto_approval_is_decided_on_the_first_get_when_the_consent_covers_the_scopes(
    sb: Standin, http: httpx.AsyncClient
) -> None:
    """authorize.go: on the GET that binds the user, `consentCoversScopes` -> approve -> {redirect_url}."""
    flow = Flow(sb, http)
    await flow.code("openid email profile")  # approved once: consent = {openid, email, profile}
    narrower = await flow.authorize("email")
    auto = await flow.details(narrower)
    assert set(auto.json()) == {"redirect_url"} and "code=" in auto.json()["redirect_url"]
    wider = await flow.authorize("openid email phone")
    shown = await flow.details(wider)
    assert shown.status_code == 200 and shown.json()["scope"] == "openid email phone"


async def test_a_second_get_never_auto_approves(sb: Standin, http: httpx.AsyncClient) -> None:
    """authorize.go: auto-approval is only considered while `auth.UserID == nil` (the first GET)."""
    flow = Flow(sb, http)
    pending = await flow.authorize("openid email")
    assert "authorization_id" in (await flow.details(pending)).json()  # no consent yet: details
    await flow.code("openid email")  # a consent now exists, from another authorization
    again = await flow.details(pending)
    assert again.status_code == 200 and "redirect_url" not in again.json()
    assert again.json()["authorization_id"] == pending


async def test_a_new_approval_replaces_the_stored_scopes(sb: Standin, http: httpx.AsyncClient) -> None:
    """oauth_consent.go `UpsertOAuthServerConsent`: the existing consent's scopes are overwritten."""
    flow = Flow(sb, http)
    await flow.code("openid email profile")
    await flow.code("email phone")  # shown (phone is new), approved: consent = {email, phone}
    profile = await flow.authorize("openid profile")
    assert "authorization_id" in (await flow.details(profile)).json()


# --- PostgREST: Auth/Jwt.hs, Error.hs ---------------------------------------------------------------


@pytest.fixture(scope="module")
def supa(supabase_db: str) -> Iterator[SupabaseStandin]:  # noqa: F811
    with serve_supabase(supabase_db) as running:
        yield running


@pytest.mark.postgres
def test_postgrest_does_not_check_iss(supa: SupabaseStandin) -> None:
    """Jwt.hs `checkForErrors` checks exp, nbf, iat and aud only."""
    user = supa.add_user()
    token = supa.mint(user, iss="https://somewhere-else.example/auth/v1")
    r = httpx.get(
        f"{supa.url}/rest/v1/workouts",
        headers={"apikey": supa.anon_key, "Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert r.status_code == 200 and r.json() == []


@pytest.mark.postgres
def test_postgrest_accepts_a_family_revoked_sessions_access_token(supa: SupabaseStandin) -> None:
    """PostgREST never looks at GoTrue sessions: the access token works until `exp`."""
    user = supa.add_user()
    session, access, _refresh = supa.state.start_session(user)
    supa.state.revoke_session(session.id)
    r = httpx.get(
        f"{supa.url}/rest/v1/workouts",
        headers={"apikey": supa.anon_key, "Authorization": f"Bearer {access}"},
        timeout=10,
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("state", "message", "authenticated", "status"),
    [
        ("08006", "connection failure", True, 503),  # '0':'8' pg connection err
        ("09000", "triggered action", True, 500),  # '0':'9'
        ("0L000", "invalid grantor", True, 403),  # '0':'L'
        ("0P000", "invalid role specification", True, 403),  # '0':'P'
        ("23503", "fk", True, 409),
        ("23505", "unique", True, 409),
        ("25006", "read only", True, 405),
        ("21000", "UPDATE requires a WHERE clause", True, 400),  # pg-safeupdate
        ("21000", "more than one row returned by a subquery", True, 500),
        ("22023", 'role "ghost" does not exist', True, 401),
        ("22023", "invalid parameter value", True, 400),
        ("25P02", "in failed transaction", True, 500),  # '2':'5'
        ("28000", "invalid authorization", True, 403),  # '2':'8'
        ("2D000", "invalid tx termination", True, 500),
        ("38000", "external routine", True, 500),
        ("39000", "external routine invocation", True, 500),
        ("3B000", "savepoint", True, 500),
        ("40001", "serialization failure", True, 500),  # '4':'0'
        ("53400", "config limit exceeded", True, 500),
        ("53100", "disk full", True, 503),  # '5':'3'
        ("54000", "too complex", True, 500),
        ("55000", "not in prerequisite state", True, 500),
        ("57P01", "admin shutdown", True, 503),
        ("57014", "query canceled", True, 500),  # '5':'7' (statement timeout)
        ("58000", "system error", True, 500),
        ("F0000", "config file", True, 500),
        ("HV000", "fdw", True, 500),
        ("P0001", "raise exception", True, 400),
        ("P0002", "no data found", True, 500),  # other 'P':'0'
        ("XX000", "internal", True, 500),
        ("42883", "function nope() does not exist", True, 404),
        ("42883", "function xmlagg(integer) does not exist", True, 406),
        ("42P01", "relation does not exist", True, 404),
        ("42P17", "infinite recursion", True, 500),
        ("42501", "permission denied", True, 403),
        ("42501", "permission denied", False, 401),
        ("PT418", "teapot", True, 418),
        ("PTabc", "not a status", True, 500),
        ("22P02", "invalid input syntax", True, 400),  # everything else
        ("23514", "check violation", True, 400),
    ],
)
def test_sqlstate_to_http_follows_postgrest_error_hs(
    state: str, message: str, authenticated: bool, status: int
) -> None:
    """Error.hs `mapSQLtoHTTP`, row for row."""
    assert sqlstate_status(state, message, authenticated=authenticated) == status
