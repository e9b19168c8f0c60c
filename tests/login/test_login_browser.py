"""`workout-mcp login` end to end, as a person runs it: the command (a real process) registers with our
facade, opens "the browser" (BROWSER points at a script that hands the address to headless Chromium),
the person signs in and approves on the consent page, the loopback redirect brings the code home; then
`workout-mcp token` prints a token an API client uses as a plain bearer, and refreshes it when stale."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.browser.test_consent_browser import chromium, wait
from tests.oauth.conftest import PASSWORD, World, running_world
from workout_mcp.login.credentials import CredentialStore
from workout_mcp.login.flow import fresh_access_token

pytestmark = [pytest.mark.chromium, pytest.mark.slow]

COMMAND = shutil.which("workout-mcp", path=str(Path(sys.executable).parent)) or "workout-mcp"


@pytest.fixture
def world() -> Iterator[World]:
    with running_world() as running:
        yield running


@pytest.fixture
def driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with chromium(tmp_path, monkeypatch) as browser:
        yield browser


class Terminal:
    """The user's shell: config and home in temp dirs, BROWSER a script that records the address."""

    def __init__(self, tmp_path: Path) -> None:
        self.opened = tmp_path / "opened-url"
        browser = tmp_path / "browser"
        browser.write_text(
            f"#!{sys.executable}\nimport pathlib, sys\npathlib.Path({str(self.opened)!r}).write_text(sys.argv[1])\n"
        )
        browser.chmod(0o755)
        self.config = tmp_path / "config"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "MCP_", "AUTH_"))}
        self.env.update(
            {"XDG_CONFIG_HOME": str(self.config), "HOME": str(tmp_path / "home"), "BROWSER": str(browser)}
        )

    @property
    def credentials(self) -> Path:
        return self.config / "workout-mcp" / "credentials.json"

    def start_login(self, server: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [COMMAND, "login", server, "--timeout", "120"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def opened_url(self, login: subprocess.Popen[str]) -> str:
        deadline = time.monotonic() + 60
        while not self.opened.exists():
            if login.poll() is not None:
                raise AssertionError(f"login exited with {login.returncode}: {login.communicate()}")
            assert time.monotonic() < deadline, "login never opened the browser"
            time.sleep(0.05)
        return self.opened.read_text()

    def token(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [COMMAND, "token", *args], env=self.env, capture_output=True, text=True, timeout=60
        )


def sign_in_and_answer(driver: Any, url: str, email: str, answer: str) -> None:
    """Drive the consent page as a person would: whatever fields it shows for email and password, then
    the approve or deny button."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec

    driver.get(url)
    email_field = wait(driver, ec.element_to_be_clickable((By.CSS_SELECTOR, "input[type=email]")))
    email_field.send_keys(email)
    driver.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(PASSWORD + Keys.ENTER)
    wait(driver, ec.element_to_be_clickable((By.CSS_SELECTOR, f"button[value={answer}]"))).click()
    wait(driver, lambda d: d.current_url.startswith("http://127.0.0.1:") and "/callback" in d.current_url)


async def list_workouts_with(mcp_url: str, token: str) -> Any:
    """What an API client does with the token: a plain bearer header, no OAuth of its own."""
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(mcp_url, http_client=http), mode="legacy") as client,  # type: ignore[arg-type]
    ):
        return await client.call_tool("list_workouts", {})


async def test_login_then_token_gives_api_clients_a_working_bearer(
    world: World, driver: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    terminal = Terminal(tmp_path)
    login = terminal.start_login(world.url)
    url = terminal.opened_url(login)
    assert url.startswith(f"{world.url}/oauth/authorize?") and "code_challenge_method=S256" in url
    sign_in_and_answer(driver, url, world.user.email, "approve")
    assert driver.find_element(By.ID, "outcome").text == "Signed in"
    out, err = login.communicate(timeout=60)
    assert login.returncode == 0, err
    assert f"Signed in to {world.mcp_url}" in err

    saved = json.loads(terminal.credentials.read_text())["servers"][world.mcp_url]
    assert stat.S_IMODE(terminal.credentials.stat().st_mode) == 0o600
    assert stat.S_IMODE(terminal.credentials.parent.stat().st_mode) == 0o700
    refresh_token = saved["tokens"]["refresh_token"]
    assert refresh_token and refresh_token not in out + err

    printed = terminal.token()
    assert printed.returncode == 0, printed.stderr
    access_token = printed.stdout.strip()
    assert access_token == saved["tokens"]["access_token"]  # still fresh: no refresh
    result = await list_workouts_with(world.mcp_url, access_token)
    assert not result.is_error, result.content

    # A stale token is refreshed through our facade; the rotated refresh token is what is kept.
    saved["expires_at"] = time.time() - 1
    document = {"servers": {world.mcp_url: saved}}
    terminal.credentials.write_text(json.dumps(document))
    # (in-process, so that coverage sees the refresh path; `token` runs the same function)
    store = CredentialStore(terminal.credentials.parent)
    new_token = await fresh_access_token(world.url, store=store)
    assert new_token and new_token != access_token
    kept = json.loads(terminal.credentials.read_text())["servers"][world.mcp_url]
    assert kept["tokens"]["access_token"] == new_token
    assert kept["tokens"]["refresh_token"] not in (None, refresh_token)
    assert kept["expires_at"] > time.time() + 60
    assert stat.S_IMODE(terminal.credentials.stat().st_mode) == 0o600
    result = await list_workouts_with(world.mcp_url, new_token)
    assert not result.is_error, result.content


def test_denying_on_the_consent_page_fails_login_and_saves_nothing(
    world: World, driver: Any, tmp_path: Path
) -> None:
    terminal = Terminal(tmp_path)
    login = terminal.start_login(f"{world.url}/mcp")
    sign_in_and_answer(driver, terminal.opened_url(login), world.user.email, "deny")
    _, err = login.communicate(timeout=60)
    assert login.returncode == 1
    assert "access_denied" in err and "Traceback" not in err
    assert not terminal.credentials.exists()
    token = terminal.token(world.url)
    assert token.returncode == 1 and "workout-mcp login" in token.stderr
