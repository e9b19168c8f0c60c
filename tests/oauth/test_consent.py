"""The consent page over HTTP (no browser): our app in-process, the Supabase stand-in on loopback uvicorn."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.browser.harness import PASSWORD, ConsentRig, consent_rig
from workout_mcp.app import create_app
from workout_mcp.auth.consent import SESSION_TTL_SECONDS
from workout_mcp.auth.sealing import Sealer

EMAIL = "ada@example.com"


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[ConsentRig]:
    with consent_rig(tmp_path) as running:
        running.add_user(EMAIL)
        yield running
        await running.app.state.services.http.aclose()


@asynccontextmanager
async def browser(rig: ConsentRig, app: Any = None) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client that behaves like one browser: one cookie jar, redirects not followed."""
    statuses: list[int] = []

    async def record(response: httpx.Response) -> None:
        statuses.append(response.status_code)

    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app or rig.app),
        base_url=rig.app_url,
        event_hooks={"response": [record]},
    )
    client.statuses = statuses  # type: ignore[attr-defined]
    client.rig = rig  # type: ignore[attr-defined]
    try:
        yield client
    finally:
        await client.aclose()
        assert 307 not in statuses and 308 not in statuses


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def with_flow(client: httpx.AsyncClient, rig: ConsentRig, aid: str) -> None:
    """This browser started the flow of `aid` (what our /oauth/authorize would have recorded)."""
    name = rig.flow_cookie(rig.flow_nonces[aid])[0]
    nonces = rig.flows_in(client.cookies.get(name))
    if rig.flow_nonces[aid] not in nonces:
        client.cookies.set(*rig.flow_cookie(rig.flow_nonces[aid], *nonces))


async def open_page(client: httpx.AsyncClient, aid: str, *, started_here: bool = True) -> httpx.Response:
    rig: ConsentRig = client.rig  # type: ignore[attr-defined]
    if started_here and aid in rig.flow_nonces:
        with_flow(client, rig, aid)
    return await client.get("/oauth/consent", params={"authorization_id": aid})


async def sign_in(client: httpx.AsyncClient, aid: str, *, password: str = PASSWORD) -> httpx.Response:
    page = await open_page(client, aid)
    assert page.status_code == 200
    return await client.post(
        "/oauth/consent/password",
        data={"authorization_id": aid, "csrf": csrf_of(page.text), "email": EMAIL, "password": password},
    )


async def decide(client: httpx.AsyncClient, aid: str, action: str, page: httpx.Response) -> httpx.Response:
    return await client.post(
        "/oauth/consent/decision",
        data={"authorization_id": aid, "csrf": csrf_of(page.text), "action": action},
    )


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def set_cookie_headers(response: httpx.Response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


# --- rendering ------------------------------------------------------------------------------------------


async def test_signed_out_page_is_neutral_and_the_consent_page_names_the_client(rig: ConsentRig) -> None:
    # Before sign-in the authorization's own state is not readable, and the flow cookie cannot vouch
    # for which authorization this is (issue 11 §1), so the sign-in page names no client.
    aid = rig.start_authorization(client_name="Claude")
    async with browser(rig) as client:
        page = await open_page(client, aid)
        await sign_in(client, aid)
        consent = await open_page(client, aid)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Workout MCP" in page.text
    assert "An app wants to connect to your Workout MCP account" in page.text and "Claude" not in page.text
    assert 'Allow <span class="client">Claude</span>' in consent.text
    assert "will return you to <strong>127.0.0.1</strong>" in consent.text
    assert 'autocomplete="current-password"' in page.text
    assert '<label for="email">' in page.text and '<label for="password">' in page.text
    assert page.headers["cache-control"] == "no-store"


async def test_without_a_flow_cookie_the_wording_is_neutral(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        page = await open_page(client, aid)
    assert page.status_code == 200
    assert "An app wants to connect to your Workout MCP account" in page.text
    assert "will return you to" not in page.text


@pytest.mark.parametrize("aid", ["", "not valid!", "x" * 200])
async def test_missing_or_malformed_authorization_id_gets_a_400_page(rig: ConsentRig, aid: str) -> None:
    async with browser(rig) as client:
        page = await client.get("/oauth/consent", params={"authorization_id": aid} if aid else None)
    assert page.status_code == 400
    assert "This link is incomplete" in page.text


async def test_a_client_name_with_markup_is_rendered_escaped(rig: ConsentRig) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    aid = rig.start_authorization(client_name=evil)
    async with browser(rig) as client:
        signed_out = await open_page(client, aid)
        await sign_in(client, aid)
        consent = await open_page(client, aid)
    for page in (signed_out, consent):
        assert "<script>" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in consent.text


async def test_csp_forbids_scripts_and_framing_and_allows_only_needed_form_targets(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        page_without_flow = await open_page(client, aid)  # signed out: the client is not known yet
        await sign_in(client, aid)
        page = await open_page(client, aid)
    callback_origin = rig.callback_url.rsplit("/", 1)[0]
    csp = dict(d.strip().split(" ", 1) for d in page.headers["content-security-policy"].split(";"))
    assert csp["default-src"] == "'none'"
    assert csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["form-action"].split() == ["'self'", rig.app_url, callback_origin]
    assert "script-src" not in csp
    neutral_csp = page_without_flow.headers["content-security-policy"]
    assert "form-action 'self' " + rig.app_url + " https:;" in neutral_csp


async def test_stylesheet_is_served_from_self_with_a_long_cache(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        page = await open_page(client, aid)
        href = re.search(r'rel="stylesheet" href="([^"]+)"', page.text)
        assert href is not None
        css = await client.get(href.group(1))
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert "max-age=31536000" in css.headers["cache-control"]


# --- password sign-in, approve, deny ---------------------------------------------------------------------


async def test_password_sign_in_then_approve_lands_on_the_callback_with_a_303(rig: ConsentRig) -> None:
    aid = rig.start_authorization(state="client-state")
    async with browser(rig) as client:
        signed_in = await sign_in(client, aid)
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == f"/oauth/consent?authorization_id={aid}"
        consent = await open_page(client, aid)
        assert consent.status_code == 200
        assert 'Allow <span class="client">Claude</span> to use your workout log?' in consent.text
        assert f"as <strong>{EMAIL}</strong>" in consent.text
        assert "Stay connected until you disconnect it" not in consent.text  # scope came from Supabase
        approved = await decide(client, aid, "approve", consent)
    assert approved.status_code == 303
    location = approved.headers["location"]
    assert location.startswith(rig.callback_url + "?")
    assert rig.oauth.codes[query(location)["code"]].authorization.id == aid


async def test_session_cookie_is_sealed_httponly_lax_and_short_lived(rig: ConsentRig, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    aid = rig.start_authorization()
    async with browser(rig) as client:
        signed_in = await sign_in(client, aid)
        consent = await open_page(client, aid)
    cookies = set_cookie_headers(signed_in)
    session = cookies["wmcp-consent-session"]
    assert "HttpOnly" in session and "SameSite=lax" in session and "Path=/" in session
    assert "Secure" not in session  # plain-http loopback development
    max_age = int(re.search(r"Max-Age=(\d+)", session).group(1))  # type: ignore[union-attr]
    assert 0 < max_age <= SESSION_TTL_SECONDS
    # The Supabase access token is in no page, no cookie in clear, no log line.
    tokens = [t for t in rig.standin.state.sessions.values()]
    assert tokens
    for live in tokens:
        access = rig.standin.state.session_access_token(live)
        header_and_claims = access.rsplit(".", 1)[0]
        assert header_and_claims not in consent.text
        assert header_and_claims not in session
        assert header_and_claims not in caplog.text
    assert PASSWORD not in caplog.text


async def test_wrong_password_is_a_clear_message_and_no_session(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        response = await sign_in(client, aid, password="wrong password")
    assert response.status_code == 400
    assert "Wrong email or password." in response.text
    assert "Invalid login credentials" not in response.text  # upstream text is never echoed
    assert f'value="{EMAIL}"' in response.text  # the email stays filled in
    assert "wmcp-consent-session" not in set_cookie_headers(response)


async def test_unconfirmed_email_gets_its_own_message(rig: ConsentRig) -> None:
    rig.standin.state.user_by_email(EMAIL).confirmed = False  # type: ignore[union-attr]
    aid = rig.start_authorization()
    async with browser(rig) as client:
        response = await sign_in(client, aid)
    assert response.status_code == 400
    assert "not confirmed yet" in response.text


async def test_deny_sends_the_browser_to_the_mcp_client_with_access_denied_state_and_iss(
    rig: ConsentRig,
) -> None:
    aid = rig.start_authorization(state="mcp-state")
    async with browser(rig) as client:
        await sign_in(client, aid)
        consent = await open_page(client, aid)
        denied = await decide(client, aid, "deny", consent)
    assert denied.status_code == 303
    params = query(denied.headers["location"])
    assert denied.headers["location"].startswith(rig.callback_url + "?")
    assert params == {
        "error": "access_denied",
        "error_description": "The user denied the request",
        "state": "mcp-state",
        "iss": rig.app_url,
    }


async def test_a_flow_this_browser_did_not_start_is_refused_without_a_redirect(rig: ConsentRig) -> None:
    aid = rig.start_authorization(state="upstream-state")
    async with browser(rig) as client:
        await sign_in(client, aid)
        client.cookies.delete("wmcp-flow")
        page = await open_page(client, aid, started_here=False)
        client.cookies.set(*rig.flow_cookie("some-other-flow-nonce"))
        other = await open_page(client, aid, started_here=False)
    for response in (page, other):
        assert response.status_code == 403 and "location" not in response.headers
        assert "This sign-in was not started here" in response.text
        assert 'id="approve"' not in response.text


async def test_sign_out_forgets_the_session(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        await sign_in(client, aid)
        consent = await open_page(client, aid)
        out = await client.post(
            "/oauth/consent/signout", data={"authorization_id": aid, "csrf": csrf_of(consent.text)}
        )
        assert out.status_code == 303
        assert 'wmcp-consent-session=""' in out.headers.get_list("set-cookie")[0] or any(
            c.startswith('wmcp-consent-session=""') for c in out.headers.get_list("set-cookie")
        )
        again = await open_page(client, aid)
    assert "Sign in to continue" in again.text


# --- one-time code ----------------------------------------------------------------------------------------


async def test_emailed_code_signs_in(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        page = await open_page(client, aid)
        sent = await client.post(
            "/oauth/consent/otp", data={"authorization_id": aid, "csrf": csrf_of(page.text), "email": EMAIL}
        )
        assert sent.status_code == 200
        assert "Check your email" in sent.text
        code = rig.standin.state.last_otp(EMAIL)
        verified = await client.post(
            "/oauth/consent/verify",
            data={
                "authorization_id": aid,
                "csrf": csrf_of(sent.text),
                "email": EMAIL,
                "code": f"{code[:3]} {code[3:]}",
            },
        )
        assert verified.status_code == 303
        consent = await open_page(client, aid)
    assert 'Allow <span class="client">Claude</span> to use your workout log?' in consent.text


async def test_wrong_code_is_a_clear_message(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        page = await open_page(client, aid)
        sent = await client.post(
            "/oauth/consent/otp", data={"authorization_id": aid, "csrf": csrf_of(page.text), "email": EMAIL}
        )
        wrong = "000000" if rig.standin.state.last_otp(EMAIL) != "000000" else "111111"
        verified = await client.post(
            "/oauth/consent/verify",
            data={"authorization_id": aid, "csrf": csrf_of(sent.text), "email": EMAIL, "code": wrong},
        )
        malformed = await client.post(
            "/oauth/consent/verify",
            data={"authorization_id": aid, "csrf": csrf_of(sent.text), "email": EMAIL, "code": "12ab"},
        )
    assert verified.status_code == 400
    assert "That code is wrong or has expired" in verified.text
    assert "Token has expired or is invalid" not in verified.text
    assert malformed.status_code == 400
    assert "6 digits" in malformed.text


async def test_asking_a_code_for_an_unknown_email_does_not_reveal_accounts(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        page = await open_page(client, aid)
        sent = await client.post(
            "/oauth/consent/otp",
            data={"authorization_id": aid, "csrf": csrf_of(page.text), "email": "nobody@example.com"},
        )
    assert sent.status_code == 200
    assert "If an account exists for <strong>nobody@example.com</strong>" in sent.text
    assert rig.standin.state.user_by_email("nobody@example.com") is None  # never signs anyone up


# --- CSRF -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["missing", "garbage", "other-authorization", "other-key", "no-cookie"])
async def test_posts_without_a_valid_csrf_token_are_refused(rig: ConsentRig, variant: str) -> None:
    aid = rig.start_authorization()
    other = rig.start_authorization()
    async with browser(rig) as client:
        page = await open_page(client, aid)
        token = csrf_of(page.text)
        if variant == "missing":
            token = ""
        elif variant == "garbage":
            token = "A" * 80
        elif variant == "other-authorization":
            token = csrf_of((await open_page(client, other)).text)
        elif variant == "other-key":
            nonce = client.cookies["wmcp-consent-csrf"]
            digest = base64.urlsafe_b64encode(hashlib.sha256(nonce.encode()).digest()).rstrip(b"=").decode()
            token = Sealer(["x" * 43 + "abcdefghijklmnop"]).seal("consent-csrf", {"n": digest, "a": aid}, 600)
        elif variant == "no-cookie":
            client.cookies.delete("wmcp-consent-csrf")
        response = await client.post(
            "/oauth/consent/password",
            data={"authorization_id": aid, "csrf": token, "email": EMAIL, "password": PASSWORD},
        )
    assert response.status_code == 403
    assert "Your form expired" in response.text
    assert not rig.standin.state.sessions  # Supabase was never asked


async def test_a_csrf_token_from_another_browser_is_refused(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as attacker:
        token = csrf_of((await open_page(attacker, aid)).text)
    async with browser(rig) as victim:
        await open_page(victim, aid)  # the victim has its own CSRF cookie
        response = await victim.post(
            "/oauth/consent/password",
            data={"authorization_id": aid, "csrf": token, "email": EMAIL, "password": PASSWORD},
        )
    assert response.status_code == 403


async def test_decision_requires_csrf_too(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        await sign_in(client, aid)
        response = await client.post(
            "/oauth/consent/decision", data={"authorization_id": aid, "action": "approve"}
        )
    assert response.status_code == 403
    assert rig.oauth.authorizations[aid].status == "pending"


async def test_a_json_post_is_refused_without_a_500(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        response = await client.post("/oauth/consent/password", json={"authorization_id": aid})
    assert response.status_code == 400


# --- per-MCP-client consent when Supabase auto-approves -----------------------------------------------


async def approve_once(rig: ConsentRig, client: httpx.AsyncClient, **flow: Any) -> httpx.Response:
    aid = rig.start_authorization(**flow)
    if "wmcp-consent-session" not in client.cookies:
        await sign_in(client, aid)
    consent = await open_page(client, aid)
    return await decide(client, aid, "approve", consent)


async def test_supabase_auto_approval_does_not_let_another_mcp_client_skip_consent(rig: ConsentRig) -> None:
    async with browser(rig) as client:
        first = await approve_once(rig, client, client_id="client-a", client_name="Claude")
        assert first.status_code == 303
        # Supabase now auto-approves our upstream client; a different MCP client must still ask.
        aid = rig.start_authorization(client_id="client-b", client_name="Some Other App")
        page = await open_page(client, aid)
        assert page.status_code == 200
        assert "Some Other App" in page.text and 'id="approve"' in page.text
        assert rig.oauth.authorizations[aid].status == "approved"  # Supabase did auto-approve
        approved = await decide(client, aid, "approve", page)
        assert approved.status_code == 303
        assert rig.oauth.codes[query(approved.headers["location"])["code"]].authorization.id == aid
        # Both are remembered now: a third authorization for client-b goes straight through.
        aid3 = rig.start_authorization(client_id="client-b", client_name="Some Other App")
        straight = await open_page(client, aid3)
        assert straight.status_code == 303
        assert rig.oauth.codes[query(straight.headers["location"])["code"]].authorization.id == aid3


async def test_remembered_consent_is_per_browser(rig: ConsentRig) -> None:
    async with browser(rig) as client:
        await approve_once(rig, client, client_id="client-a")
    async with browser(rig) as other_browser:
        aid = rig.start_authorization(client_id="client-a")
        await sign_in(other_browser, aid)
        page = await open_page(other_browser, aid)
    assert page.status_code == 200 and 'id="approve"' in page.text


async def test_auto_approved_then_denied_sends_access_denied_to_the_client(rig: ConsentRig) -> None:
    async with browser(rig) as client:
        await approve_once(rig, client, client_id="client-a")
        aid = rig.start_authorization(client_id="client-b", state="b-state")
        page = await open_page(client, aid)
        denied = await decide(client, aid, "deny", page)
        assert denied.status_code == 303
        assert query(denied.headers["location"])["error"] == "access_denied"
        assert query(denied.headers["location"])["state"] == "b-state"
        # Denying did not remember client-b.
        aid2 = rig.start_authorization(client_id="client-b")
        again = await open_page(client, aid2)
    assert again.status_code == 200 and 'id="approve"' in again.text


async def test_reloading_an_auto_approved_page_still_asks(rig: ConsentRig) -> None:
    async with browser(rig) as client:
        await approve_once(rig, client, client_id="client-a")
        aid = rig.start_authorization(client_id="client-b")
        await open_page(client, aid)
        reloaded = await open_page(client, aid)  # Supabase now says "not pending"
        assert reloaded.status_code == 200 and 'id="approve"' in reloaded.text
        approved = await decide(client, aid, "approve", reloaded)
    assert approved.status_code == 303
    assert rig.oauth.codes[query(approved.headers["location"])["code"]].authorization.id == aid


# --- double submit -----------------------------------------------------------------------------------------


async def test_double_submit_gets_the_same_redirect(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        await sign_in(client, aid)
        consent = await open_page(client, aid)
        first = await decide(client, aid, "approve", consent)
        second = await decide(client, aid, "approve", consent)
        client.cookies.delete("wmcp-consent-done")  # as if the first response never reached the browser
        third = await decide(client, aid, "approve", consent)
    assert first.status_code == second.status_code == third.status_code == 303
    assert first.headers["location"] == second.headers["location"] == third.headers["location"]


async def test_concurrent_double_submit_gets_the_same_redirect(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        await sign_in(client, aid)
        consent = await open_page(client, aid)
        first, second = await asyncio.gather(
            decide(client, aid, "approve", consent), decide(client, aid, "approve", consent)
        )
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]


async def test_double_submit_on_another_machine_gets_a_clear_page(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        await sign_in(client, aid)
        consent = await open_page(client, aid)
        assert (await decide(client, aid, "approve", consent)).status_code == 303
    other_machine = create_app(rig.settings, store=rig.app.state.services.store)
    async with browser(rig, other_machine) as client2:
        for name in ("wmcp-consent-csrf", "wmcp-consent-session"):
            client2.cookies.set(name, client.cookies[name])
        second = await decide(client2, aid, "approve", consent)
    assert second.status_code == 409
    assert "already answered" in second.text


async def test_approve_then_deny_does_not_flip_the_answer(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        await sign_in(client, aid)
        consent = await open_page(client, aid)
        await decide(client, aid, "approve", consent)
        deny = await decide(client, aid, "deny", consent)
    assert deny.status_code == 409
    assert rig.oauth.authorizations[aid].status == "approved"


# --- expiry and upstream failures ------------------------------------------------------------------------


async def test_expired_authorization_is_a_clear_page(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        await sign_in(client, aid)
        rig.standin.state.clock.advance(601)
        page = await open_page(client, aid)
    assert page.status_code == 404
    assert "This request has expired" in page.text
    assert "oauth_authorization_not_found" not in page.text


async def test_unknown_authorization_is_a_clear_page(rig: ConsentRig) -> None:
    rig.start_authorization()
    async with browser(rig) as client:
        aid = rig.start_authorization()
        await sign_in(client, aid)
        page = await open_page(client, "A" * 32)
    assert page.status_code == 404
    assert "This request has expired" in page.text


async def test_a_revoked_supabase_session_asks_to_sign_in_again(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        await sign_in(client, aid)
        for session_id in list(rig.standin.state.sessions):
            rig.standin.state.end_session(session_id)
        page = await open_page(client, aid)
    assert page.status_code == 200
    assert "Your sign-in expired. Please sign in again." in page.text
    assert any(c.startswith('wmcp-consent-session=""') for c in page.headers.get_list("set-cookie"))


async def test_supabase_failing_is_a_503_page(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        await sign_in(client, aid)
        rig.faults.oauth_down = True
        page = await open_page(client, aid)
    rig.standin.state.faults.token_down = True
    async with browser(rig) as fresh:
        sign = await sign_in(fresh, aid)
    assert page.status_code == 503
    assert "Sign-in is unavailable right now" in page.text
    assert "unexpected_failure" not in page.text and "boom" not in page.text
    assert sign.status_code == 503


async def test_supabase_unreachable_is_a_503_page(tmp_path: Path) -> None:
    with consent_rig(tmp_path) as rig:
        aid = rig.start_authorization()
        unreachable = rig.settings.model_copy(update={"supabase_url": "http://127.0.0.1:9"})
        app = create_app(unreachable, store=rig.app.state.services.store)
        async with browser(rig, app) as client:
            response = await sign_in(client, aid)
    assert response.status_code == 503
    assert "Sign-in is unavailable right now" in response.text


async def test_supabase_timing_out_is_a_503_page(tmp_path: Path) -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    slow = httpx.AsyncClient(transport=httpx.MockTransport(hang))
    with consent_rig(tmp_path, http_client=slow) as rig:
        aid = rig.start_authorization()
        async with browser(rig) as client:
            response = await sign_in(client, aid)
    assert response.status_code == 503


# --- https: __Host- cookies ----------------------------------------------------------------------------


async def test_on_https_cookies_are_host_prefixed_and_secure(tmp_path: Path) -> None:
    with consent_rig(tmp_path, app_url="https://workout.example") as rig:
        rig.add_user(EMAIL)
        aid = rig.start_authorization()
        async with browser(rig) as client:
            name, value = rig.flow_cookie(rig.flow_nonces[aid])
            assert name == "__Host-wmcp-flow"
            client.cookies.set(name, value)
            page = await open_page(client, aid, started_here=False)
            signed_in = await sign_in(client, aid)
            consent = await open_page(client, aid, started_here=False)
            assert 'Allow <span class="client">Claude</span>' in consent.text  # __Host- flow cookie read
            approved = await decide(client, aid, "approve", consent)
    assert approved.status_code == 303
    for response in (page, signed_in, approved):
        for header in response.headers.get_list("set-cookie"):
            assert header.startswith("__Host-wmcp-"), header
            assert "Secure" in header and "HttpOnly" in header and "Path=/" in header
            assert "SameSite=lax" in header and "Domain" not in header
    names = {
        h.split("=", 1)[0] for r in (page, signed_in, approved) for h in r.headers.get_list("set-cookie")
    }
    assert names == {
        "__Host-wmcp-consent-csrf",
        "__Host-wmcp-consent-session",
        "__Host-wmcp-consents",
        "__Host-wmcp-consent-done",
        "__Host-wmcp-consent-pending",  # set while the question waits, cleared by the answer
    }
    remembered = set_cookie_headers(approved)["__Host-wmcp-consents"]
    assert int(re.search(r"Max-Age=(\d+)", remembered).group(1)) >= 30 * 24 * 3600  # type: ignore[union-attr]


async def test_supabase_quirk_2820_still_lets_the_person_approve(rig: ConsentRig) -> None:
    # Supabase answers 400 on GET authorizations/{id} when `offline_access` is asked (supabase/auth#2820).
    aid = rig.start_authorization(scope="openid email offline_access")
    async with browser(rig) as client:
        await sign_in(client, aid)
        page = await open_page(client, aid)
        assert page.status_code == 200 and 'id="approve"' in page.text
        assert "Stay connected until you disconnect it" in page.text  # scope from the sealed state
        approved = await decide(client, aid, "approve", page)
    assert approved.status_code == 303
    assert rig.oauth.codes[query(approved.headers["location"])["code"]].authorization.id == aid


async def test_reloading_after_the_answer_says_it_was_answered(rig: ConsentRig) -> None:
    aid = rig.start_authorization()
    async with browser(rig) as client:
        await sign_in(client, aid)
        consent = await open_page(client, aid)
        await decide(client, aid, "approve", consent)
        again = await open_page(client, aid)
    assert again.status_code == 409
    assert "already answered" in again.text
