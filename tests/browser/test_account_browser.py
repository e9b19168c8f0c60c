"""The "your data" page (`/account`) in real headless Chromium, on the Supabase stand-in and real PostgreSQL.

Sign in, upload a Strong export, check the preview, confirm, read the report; upload the same file
again (nothing added); a malformed file and another app's file named as such with nothing saved; and
the full export downloaded. Screenshots go to `test-artifacts/`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.browser.harness import rig_settings
from tests.browser.test_consent_browser import ARTIFACTS, by_id, chromium, wait
from tests.standin.fixtures import bound_socket, serve_on_socket
from tests.standin.pg import supabase_db  # noqa: F401  (session fixture)
from tests.standin.rest import SupabaseStandin, serve_supabase
from workout_mcp.app import create_app

pytestmark = [pytest.mark.chromium, pytest.mark.slow, pytest.mark.postgres]

FIXTURES = Path(__file__).resolve().parents[1] / "imports" / "fixtures"
EMAIL = "lin@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def site(supabase_db: str) -> Iterator[tuple[str, SupabaseStandin]]:  # noqa: F811
    with ExitStack() as stack:
        supa = stack.enter_context(serve_supabase(supabase_db))
        supa.add_user(EMAIL, PASSWORD)
        sock = stack.enter_context(bound_socket())
        app_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        client = SimpleNamespace(id="workout-mcp-server", secret="server-secret")
        app = create_app(rig_settings(app_url, supa.url, supa.anon_key, client))  # type: ignore[arg-type]
        stack.enter_context(serve_on_socket(app, sock))
        yield app_url, supa


def press(driver: Any, name: str) -> None:
    """Click a button or link that loads another page, and wait until this page is gone: the next lookup
    must not find an element of the page being left (a form post is answered asynchronously)."""
    from selenium.webdriver.support.expected_conditions import staleness_of

    element = wait(driver, lambda d: d.find_element(*by_id(name)))
    element.click()
    wait(driver, staleness_of(element))


def upload(driver: Any, path: Path, **choices: str) -> None:
    from selenium.webdriver.support.ui import Select

    wait(driver, lambda d: d.find_element(*by_id("file"))).send_keys(str(path))
    for name, value in choices.items():
        Select(driver.find_element(*by_id(name))).select_by_value(value)
    press(driver, "preview")


def text_of(driver: Any, name: str) -> str:
    return str(wait(driver, lambda d: d.find_element(*by_id(name))).text)


def test_upload_preview_confirm_then_the_same_file_adds_nothing_and_bad_files_change_nothing(
    site: tuple[str, SupabaseStandin], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_url, _ = site
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with chromium(tmp_path, monkeypatch) as driver:
        driver.execute_cdp_cmd(
            "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        driver.get(f"{app_url}/account")
        driver.find_element(*by_id("email")).send_keys(EMAIL)
        driver.find_element(*by_id("password")).send_keys(PASSWORD)
        driver.find_element(*by_id("sign-in")).click()
        wait(driver, lambda d: d.find_elements(*by_id("upload-form")))
        cookies = {c["name"]: c for c in driver.get_cookies()}
        assert all(c["httpOnly"] for c in cookies.values())

        upload(driver, FIXTURES / "strong_comma.csv")
        assert text_of(driver, "workouts") == "3"
        assert text_of(driver, "sets") == "12"
        assert text_of(driver, "dates") == "2023-01-15 to 2023-01-19"
        assert text_of(driver, "unmatched") == "Zercher Squat (Barbell)"
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "account-preview.png"))
        press(driver, "confirm")
        assert "Added 3 workouts (12 sets); 0 were already in your log." in text_of(driver, "report")
        assert text_of(driver, "created") == "New exercises of your own: Zercher Squat (Barbell)"

        press(driver, "back")
        upload(driver, FIXTURES / "strong_comma.csv")
        press(driver, "confirm")
        assert "Added 0 workouts (0 sets); 3 were already in your log." in text_of(driver, "report")

        press(driver, "back")
        bad = tmp_path / "broken.csv"
        bad.write_bytes((FIXTURES / "strong_comma.csv").read_bytes().replace(b",102.5,", b",lots,"))
        upload(driver, bad)
        assert "line 5, column 'Weight': 'lots' is not a number" in text_of(driver, "error")
        assert "Nothing was imported" in text_of(driver, "error")

        upload(driver, FIXTURES / "hevy_kg.csv", source="strong")
        assert "looks like a hevy export, not strong" in text_of(driver, "error")
        driver.save_screenshot(str(ARTIFACTS / "account-wrong-app.png"))

        driver.find_element(*by_id("export-json")).click()
        deadline = time.monotonic() + 15
        while not list(downloads.glob("*.json")) and time.monotonic() < deadline:
            time.sleep(0.1)
        (exported,) = downloads.glob("*.json")
        doc = json.loads(exported.read_text())
    assert [w["title"] for w in doc["workouts"]] == ["Leg Day", "Push", 'Pull "heavy"']
    assert [e["name"] for e in doc["exercises"]] == ["Zercher Squat (Barbell)"]
