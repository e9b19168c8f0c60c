"""The consent page acts only on the authorization it shows (issue 11 §1), over real HTTP.

The attack: an attacker starts an authorization for its own client E and keeps E's `authorization_id`;
the victim's browser is sent to our `/oauth/authorize` for a client C it knows (which plants C's flow
cookie), then to `/oauth/consent?authorization_id=<E's>`. Each variant below must end on an error page
in the victim's browser, never with a redirect that hands the victim's code to E.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from tests.oauth.browser import CLAUDE_CALLBACK, Pkce, authorize_url, register
from tests.oauth.conftest import PASSWORD, World

EVIL_CALLBACK = "https://evil.example/cb"


@pytest.fixture
async def victim() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as client:
        yield client


@pytest.fixture
async def attacker() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as client:
        yield client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def aid_of(consent_url: str) -> str:
    return parse_qs(urlsplit(consent_url).query)["authorization_id"][0]


async def start(browser: httpx.AsyncClient, world: World, client_id: str, pkce: Pkce, **params: str) -> str:
    """Our /oauth/authorize, then Supabase's: the consent-page URL Supabase sends the browser to."""
    ours = await browser.get(authorize_url(world, client_id, pkce, **params))
    assert ours.status_code == 302, ours.text
    upstream = await browser.get(ours.headers["location"])
    assert upstream.status_code == 302, upstream.text
    consent_url = upstream.headers["location"]
    assert consent_url.startswith(f"{world.url}/oauth/consent?")
    return consent_url


async def follow(browser: httpx.AsyncClient, world: World, response: httpx.Response) -> httpx.Response:
    """Follows redirects while they stay on our server or Supabase: where the browser ends up."""
    while response.is_redirect:
        location = urljoin(str(response.request.url), response.headers["location"])
        if not location.startswith((world.url, world.standin.url)):
            break
        response = await browser.get(location)
    return response


async def sign_in(browser: httpx.AsyncClient, world: World, consent_url: str) -> httpx.Response:
    """The person signs in on the page; returns the page they see next."""
    page = await browser.get(consent_url)
    assert page.status_code == 200 and 'id="sign-in"' in page.text
    signed_in = await browser.post(
        f"{world.url}/oauth/consent/password",
        data={
            "authorization_id": aid_of(consent_url),
            "csrf": csrf_of(page.text),
            "email": world.user.email,
            "password": PASSWORD,
        },
    )
    assert signed_in.status_code == 303
    return await follow(browser, world, signed_in)


async def approve(browser: httpx.AsyncClient, world: World, consent_url: str, page: httpx.Response) -> str:
    assert 'id="approve"' in page.text, page.text
    decided = await browser.post(
        f"{world.url}/oauth/consent/decision",
        data={"authorization_id": aid_of(consent_url), "csrf": csrf_of(page.text), "action": "approve"},
    )
    landed = await follow(browser, world, decided)
    assert landed.is_redirect
    return str(landed.headers["location"])


async def redeem(
    browser: httpx.AsyncClient, world: World, client: dict[str, Any], pkce: Pkce, code: str
) -> httpx.Response:
    """The MCP client exchanges its code at our token endpoint."""
    return await browser.post(
        f"{world.url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CLAUDE_CALLBACK,
            "code_verifier": pkce.verifier,
            "client_id": str(client["client_id"]),
        },
    )


async def attackers_authorization(attacker: httpx.AsyncClient, world: World, scope: str) -> str:
    """E registers, starts a flow and stops at Supabase's redirect: E's authorization id."""
    evil = await register(attacker, world, client_name="Evil Helper", redirect_uris=[EVIL_CALLBACK])
    consent_url = await start(
        attacker, world, str(evil["client_id"]), Pkce.new(), redirect_uri=EVIL_CALLBACK, scope=scope
    )
    return aid_of(consent_url)


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 403, (response.status_code, response.headers.get("location"))
    assert "location" not in response.headers
    assert "This sign-in was not started here" in response.text
    assert "evil.example" not in response.text and 'id="approve"' not in response.text


SCOPE = "openid email"


async def test_remembered_consent_of_another_client_does_not_approve_the_attackers_authorization(
    world: World, victim: httpx.AsyncClient, attacker: httpx.AsyncClient
) -> None:
    claude = await register(victim, world)
    first = await start(victim, world, str(claude["client_id"]), Pkce.new(), scope=SCOPE)
    landed = await approve(victim, world, first, await sign_in(victim, world, first))
    assert landed.startswith(CLAUDE_CALLBACK + "?")  # the victim approved C once: remembered

    evil_aid = await attackers_authorization(attacker, world, SCOPE)
    await start(victim, world, str(claude["client_id"]), Pkce.new(), scope=SCOPE)  # plants C's flow
    page = await victim.get(f"{world.url}/oauth/consent", params={"authorization_id": evil_aid})

    assert_refused(await follow(victim, world, page))


async def test_signing_in_again_on_the_attackers_authorization_is_refused(
    world: World, victim: httpx.AsyncClient, attacker: httpx.AsyncClient
) -> None:
    claude = await register(victim, world)
    first = await start(victim, world, str(claude["client_id"]), Pkce.new(), scope=SCOPE)
    await approve(victim, world, first, await sign_in(victim, world, first))
    victim.cookies.delete("wmcp-consent-session")  # the 15-minute consent session ran out

    evil_aid = await attackers_authorization(attacker, world, SCOPE)
    await start(victim, world, str(claude["client_id"]), Pkce.new(), scope=SCOPE)
    evil_page = f"{world.url}/oauth/consent?authorization_id={evil_aid}"
    signed_out = await victim.get(evil_page)
    assert signed_out.status_code == 200
    assert "Claude" not in signed_out.text  # the page does not name a client it cannot vouch for

    assert_refused(await sign_in(victim, world, evil_page))


async def test_without_an_earlier_approval_the_page_never_offers_the_attackers_authorization(
    world: World, victim: httpx.AsyncClient, attacker: httpx.AsyncClient
) -> None:
    claude = await register(victim, world)
    evil_aid = await attackers_authorization(attacker, world, SCOPE)
    await start(victim, world, str(claude["client_id"]), Pkce.new(), scope=SCOPE)
    evil_page = f"{world.url}/oauth/consent?authorization_id={evil_aid}"
    csrf = csrf_of((await victim.get(evil_page)).text)

    assert_refused(await sign_in(victim, world, evil_page))
    # A forged Allow (the CSRF token of the sign-in form is valid for this authorization id) too.
    forged = await victim.post(
        f"{world.url}/oauth/consent/decision",
        data={"authorization_id": evil_aid, "csrf": csrf, "action": "approve"},
    )
    assert_refused(forged)


async def test_a_returning_user_of_the_same_client_goes_straight_through_and_gets_tokens(
    world: World, victim: httpx.AsyncClient
) -> None:
    claude = await register(victim, world)
    first = await start(victim, world, str(claude["client_id"]), Pkce.new(), scope=SCOPE)
    await approve(victim, world, first, await sign_in(victim, world, first))

    pkce = Pkce.new()
    again = await start(victim, world, str(claude["client_id"]), pkce, scope=SCOPE)
    straight = await victim.get(again)
    assert straight.status_code == 303  # no page, no click
    landed = await follow(victim, world, straight)
    location = str(landed.headers["location"])
    assert location.startswith(CLAUDE_CALLBACK + "?")
    code = parse_qs(urlsplit(location).query)["code"][0]
    tokens = await redeem(victim, world, claude, pkce, code)
    assert tokens.status_code == 200 and tokens.json()["access_token"]


async def test_two_flows_in_two_tabs_of_one_browser_each_finish(
    world: World, victim: httpx.AsyncClient
) -> None:
    claude = await register(victim, world)
    other = await register(victim, world, client_name="Notebook", redirect_uris=["https://notes.example/cb"])
    first = await start(victim, world, str(claude["client_id"]), Pkce.new(), scope=SCOPE)
    second = await start(
        victim,
        world,
        str(other["client_id"]),
        Pkce.new(),
        scope=SCOPE,
        redirect_uri="https://notes.example/cb",
    )
    page = await sign_in(victim, world, first)
    assert 'Allow <span class="client">Claude</span>' in page.text  # named from the authorization's own state
    assert (await approve(victim, world, first, page)).startswith(CLAUDE_CALLBACK + "?")
    page2 = await follow(victim, world, await victim.get(second))
    assert 'Allow <span class="client">Notebook</span>' in page2.text
    assert "will return you to <strong>notes.example</strong>" in page2.text
    assert (await approve(victim, world, second, page2)).startswith("https://notes.example/cb?")


async def test_the_callback_refuses_a_flow_started_in_another_browser(
    world: World, victim: httpx.AsyncClient, attacker: httpx.AsyncClient
) -> None:
    """Even a redirect_url obtained outside our page leads nowhere in a browser that did not start it."""
    claude = await register(attacker, world)
    consent_url = await start(attacker, world, str(claude["client_id"]), Pkce.new(), scope=SCOPE)
    page = await sign_in(attacker, world, consent_url)
    assert 'id="approve"' in page.text
    pending = world.oauth.authorizations[aid_of(consent_url)]
    code = next(c for c, entry in world.oauth.codes.items() if entry.authorization is pending)
    callback = await victim.get(
        f"{world.url}/oauth/callback", params={"code": code, "state": str(pending.state)}
    )
    assert callback.status_code == 400 and "location" not in callback.headers
    assert "This sign-in was not started here" in callback.text
