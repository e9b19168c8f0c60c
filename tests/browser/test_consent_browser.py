"""The consent page in real headless Chromium: stand-in, our app and the MCP client's callback on loopback.

The browser starts at Supabase's (the stand-in's) `/auth/v1/oauth/authorize`, is sent to our page, signs
in, answers, and must land on the client's callback. Screenshots go to `test-artifacts/`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.browser.harness import PASSWORD, ConsentRig, consent_rig
from tests.conftest import service_missing
from workout_mcp.auth.flow import AuthorizationState

pytestmark = [pytest.mark.chromium, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
EMAIL = "grace@example.com"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@contextmanager
def chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, page_load_strategy: str = "normal"
) -> Iterator[Any]:
    chromium = shutil.which("chromium")
    chromedriver = shutil.which("chromedriver")
    if chromium is None or chromedriver is None:
        service_missing("headless Chromium (apt-get install chromium chromium-driver) is not installed")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        service_missing("the selenium package is not installed")
    # Never let Selenium Manager go looking for drivers on the network: we hand it Debian's.
    monkeypatch.setenv("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.add_argument("--window-size=1280,900")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(options=options, service=Service(chromedriver))
    browser.set_page_load_timeout(20)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with chromium(tmp_path, monkeypatch) as browser:
        yield browser


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[ConsentRig]:
    with consent_rig(tmp_path, serve_app=True) as running:
        running.add_user(EMAIL)
        yield running


def wait(driver: Any, condition: Any, timeout: float = 15) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def by_id(name: str) -> tuple[str, str]:
    from selenium.webdriver.common.by import By

    return (By.ID, name)


def start_flow(driver: Any, rig: ConsentRig, *, client_name: str = "Claude") -> None:
    """Set the flow cookie our /oauth/authorize would have set, then follow Supabase's authorize URL."""
    driver.get(f"{rig.app_url}/health")
    url, nonce = rig.authorize_url(client_name=client_name, state="browser-state")
    name, value = rig.flow_cookie(nonce)
    driver.add_cookie({"name": name, "value": value, "path": "/", "httpOnly": True, "sameSite": "Lax"})
    driver.get(url)
    wait(driver, lambda d: d.current_url.startswith(f"{rig.app_url}/oauth/consent?"))


def client_state(rig: ConsentRig, hit: dict[str, str]) -> str | None:
    """The MCP client's own state inside the sealed state Supabase echoed to the (direct) callback."""
    return AuthorizationState.open(rig.sealer, hit["state"]).client_state


def sign_in(driver: Any, *, password: str = PASSWORD) -> None:
    driver.find_element(*by_id("email")).send_keys(EMAIL)
    driver.find_element(*by_id("password")).send_keys(password)
    driver.find_element(*by_id("sign-in")).click()


def consent_calls(rig: ConsentRig) -> int:
    return sum(1 for method, path, _ in rig.oauth.requests if method == "POST" and path.endswith("/consent"))


def csp_violations(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]


def test_sign_in_and_approve_lands_on_the_clients_callback_with_a_code(driver: Any, rig: ConsentRig) -> None:
    from selenium.webdriver.support import expected_conditions as ec

    start_flow(driver, rig)
    ARTIFACTS.mkdir(exist_ok=True)
    assert "Sign in to continue" in driver.find_element(*by_id("page-title")).text
    driver.save_screenshot(str(ARTIFACTS / "consent-signin.png"))
    sign_in(driver)
    approve = wait(driver, ec.element_to_be_clickable(by_id("approve")))
    assert "Allow Claude to use your workout log?" in driver.find_element(*by_id("page-title")).text
    driver.save_screenshot(str(ARTIFACTS / "consent.png"))
    driver.set_window_size(390, 844)
    driver.save_screenshot(str(ARTIFACTS / "consent-mobile.png"))
    driver.set_window_size(1280, 900)
    approve.click()
    wait(driver, lambda d: d.current_url.startswith(rig.callback_url))
    assert driver.find_element(*by_id("outcome")).text == "code"
    (hit,) = rig.callbacks.hits
    assert client_state(rig, hit) == "browser-state"
    assert hit["code"] in rig.oauth.codes
    assert csp_violations(driver) == []


def test_deny_lands_on_the_clients_callback_with_access_denied(driver: Any, rig: ConsentRig) -> None:
    from selenium.webdriver.support import expected_conditions as ec

    start_flow(driver, rig)
    sign_in(driver)
    wait(driver, ec.element_to_be_clickable(by_id("deny"))).click()
    wait(driver, lambda d: d.current_url.startswith(rig.callback_url))
    assert driver.find_element(*by_id("outcome")).text == "error"
    (hit,) = rig.callbacks.hits
    assert hit["error"] == "access_denied"
    assert hit["state"] == "browser-state"
    assert hit["iss"] == rig.app_url
    assert csp_violations(driver) == []


def test_wrong_password_shows_a_message_and_keeps_the_email(driver: Any, rig: ConsentRig) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    start_flow(driver, rig)
    sign_in(driver, password="not the password")
    alert = wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "[role=alert]")))
    assert alert.text == "Wrong email or password."
    assert driver.find_element(*by_id("email")).get_attribute("value") == EMAIL
    driver.save_screenshot(str(ARTIFACTS / "consent-wrong-password.png"))
    # And the right password still works from here.
    driver.find_element(*by_id("password")).send_keys(PASSWORD)
    driver.find_element(*by_id("sign-in")).click()
    wait(driver, ec.element_to_be_clickable(by_id("approve")))


def cdp_click(driver: Any, x: float, y: float) -> None:
    """A real mouse click through DevTools: unlike WebDriver commands it does not wait for a navigation."""
    for kind in ("mousePressed", "mouseReleased"):
        driver.execute_cdp_cmd(
            "Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}
        )


def centre(driver: Any, element: Any) -> tuple[float, float]:
    x, y = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]",
        element,
    )
    return float(x), float(y)


def test_double_submitted_approval_still_lands_on_the_callback(driver: Any, rig: ConsentRig) -> None:
    from selenium.webdriver.support import expected_conditions as ec

    start_flow(driver, rig)
    sign_in(driver)
    wait(driver, ec.element_to_be_clickable(by_id("approve")))
    first_tab, consent_url = driver.current_window_handle, driver.current_url
    # Chromium itself drops an identical re-submission of a form whose POST is still pending, so a
    # second POST for the same authorization really comes from a second tab (or back + submit again).
    driver.switch_to.new_window("tab")
    second_tab = driver.current_window_handle
    driver.get(consent_url)
    wait(driver, ec.element_to_be_clickable(by_id("approve")))
    driver.switch_to.window(first_tab)
    approve = centre(driver, driver.find_element(*by_id("approve")))
    cdp_click(driver, *approve)
    cdp_click(driver, *approve)  # a real double click
    wait(driver, lambda d: d.current_url.startswith(rig.callback_url))
    driver.switch_to.window(second_tab)
    driver.find_element(*by_id("approve")).click()
    wait(driver, lambda d: d.current_url.startswith(rig.callback_url))
    assert driver.find_element(*by_id("outcome")).text == "code"
    assert rig.seen_paths.count("POST /oauth/consent/decision") >= 2
    assert consent_calls(rig) == 1  # the later submit reused the first answer
    codes = {hit["code"] for hit in rig.callbacks.hits}
    assert len(rig.callbacks.hits) == 2 and len(codes) == 1 and codes <= set(rig.oauth.codes)


def test_otp_sign_in_in_the_browser(driver: Any, rig: ConsentRig) -> None:
    from selenium.webdriver.support import expected_conditions as ec

    start_flow(driver, rig)
    driver.find_element(*by_id("code-email")).send_keys(EMAIL)
    driver.find_element(*by_id("send-code")).click()
    code_box = wait(driver, ec.element_to_be_clickable(by_id("code")))
    driver.save_screenshot(str(ARTIFACTS / "consent-otp.png"))
    code_box.send_keys(rig.standin.state.last_otp(EMAIL))
    driver.find_element(*by_id("verify")).click()
    wait(driver, ec.element_to_be_clickable(by_id("approve"))).click()
    wait(driver, lambda d: d.current_url.startswith(rig.callback_url))
    assert driver.find_element(*by_id("outcome")).text == "code"


def test_the_whole_flow_through_our_authorize_and_callback(driver: Any, tmp_path: Path) -> None:
    """Our /oauth/authorize sets the flow cookie, Supabase sends the browser to the consent page, and
    the approval travels 303 -> our /oauth/callback -> 302 to the MCP client's callback."""
    import base64
    import hashlib
    import secrets
    from urllib.parse import urlencode

    import httpx
    from selenium.webdriver.support import expected_conditions as ec

    with consent_rig(tmp_path / "facade", serve_app=True, via_facade=True) as rig:
        rig.add_user(EMAIL)
        registered = httpx.post(
            f"{rig.app_url}/oauth/register",
            json={
                "client_name": "Claude",
                "redirect_uris": [rig.callback_url],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
            },
        )
        assert registered.status_code == 201, registered.text
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        query = {
            "response_type": "code",
            "client_id": registered.json()["client_id"],
            "redirect_uri": rig.callback_url,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": "claude-state",
            "scope": "openid email offline_access",
            "resource": f"{rig.app_url}/mcp",
        }
        driver.get(f"{rig.app_url}/oauth/authorize?{urlencode(query)}")
        wait(driver, lambda d: d.current_url.startswith(f"{rig.app_url}/oauth/consent?"))
        sign_in(driver)
        approve = wait(driver, ec.element_to_be_clickable(by_id("approve")))
        assert "Allow Claude to use your workout log?" in driver.find_element(*by_id("page-title")).text
        approve.click()
        wait(driver, lambda d: d.current_url.startswith(rig.callback_url))
        assert driver.find_element(*by_id("outcome")).text == "code"
        (hit,) = rig.callbacks.hits
        assert hit["state"] == "claude-state"
        assert hit["iss"] == rig.app_url
        assert hit["code"]
        assert csp_violations(driver) == []
