"""Issue 11 §1 in real headless Chromium: an attacker's authorization id opened in the victim's browser.

The attacker (plain httpx, its own cookies) registers client E and stops at Supabase's redirect, keeping
E's `authorization_id`; the victim's Chromium is sent through our `/oauth/authorize` for client C, then
to the consent page for E's id. Both clients return to the recording callback, told apart by their
`state`: E's must never arrive there.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.browser.harness import ConsentRig, consent_rig
from tests.browser.test_consent_browser import EMAIL, by_id, chromium, sign_in, wait

pytestmark = [pytest.mark.chromium, pytest.mark.slow]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[ConsentRig]:
    with consent_rig(tmp_path, serve_app=True, via_facade=True) as running:
        running.add_user(EMAIL)
        yield running


@pytest.fixture
def driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with chromium(tmp_path, monkeypatch) as browser:
        yield browser


def register(rig: ConsentRig, name: str) -> str:
    response = httpx.post(
        f"{rig.app_url}/oauth/register",
        json={
            "client_name": name,
            "redirect_uris": [rig.callback_url],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["client_id"])


def authorize_url(rig: ConsentRig, client_id: str, state: str, scope: str = "openid email") -> str:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": rig.callback_url,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": state,
        "scope": scope,
        "resource": f"{rig.app_url}/mcp",
    }
    return f"{rig.app_url}/oauth/authorize?{urlencode(query)}"


def attackers_authorization_id(rig: ConsentRig) -> str:
    evil = register(rig, "Evil Helper")
    with httpx.Client(timeout=10) as attacker:
        ours = attacker.get(authorize_url(rig, evil, "evil-state"))
        upstream = attacker.get(ours.headers["location"])
    consent_url = upstream.headers["location"]
    assert consent_url.startswith(f"{rig.app_url}/oauth/consent?")
    return parse_qs(urlsplit(consent_url).query)["authorization_id"][0]


def assert_refused(driver: Any, rig: ConsentRig) -> None:
    wait(driver, lambda d: d.find_elements(*by_id("page-title")) or d.find_elements(*by_id("outcome")))
    assert [hit for hit in rig.callbacks.hits if hit.get("state") == "evil-state"] == []
    assert driver.find_element(*by_id("page-title")).text == "This sign-in was not started here"
    assert driver.current_url.startswith(f"{rig.app_url}/oauth/consent")


def test_a_remembered_client_does_not_carry_the_attackers_authorization_in_chromium(
    driver: Any, rig: ConsentRig
) -> None:
    from selenium.webdriver.support import expected_conditions as ec

    claude = register(rig, "Claude")
    driver.get(authorize_url(rig, claude, "claude-state"))
    sign_in(driver)
    wait(driver, ec.element_to_be_clickable(by_id("approve"))).click()
    wait(driver, lambda d: d.current_url.startswith(rig.callback_url))  # C approved once: remembered

    evil_aid = attackers_authorization_id(rig)
    # The popup plants C's flow; a scope Supabase has no consent for keeps that flow from finishing.
    driver.get(authorize_url(rig, claude, "claude-state-2", scope="openid email profile"))
    wait(driver, lambda d: d.current_url.startswith((rig.callback_url, f"{rig.app_url}/oauth/consent?")))
    driver.get(f"{rig.app_url}/oauth/consent?authorization_id={evil_aid}")
    assert_refused(driver, rig)


def test_signing_in_on_the_attackers_authorization_is_refused_in_chromium(
    driver: Any, rig: ConsentRig
) -> None:
    claude = register(rig, "Claude")
    evil_aid = attackers_authorization_id(rig)
    driver.get(authorize_url(rig, claude, "claude-state"))  # plants C's flow, stops at sign-in
    wait(driver, lambda d: d.current_url.startswith(f"{rig.app_url}/oauth/consent?"))
    driver.get(f"{rig.app_url}/oauth/consent?authorization_id={evil_aid}")
    assert "Claude" not in driver.find_element("tag name", "main").text
    sign_in(driver)
    assert_refused(driver, rig)
