"""`login` against servers it cannot use: one that asks for no sign-in, one that is not there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live_server import free_port, serve
from workout_mcp.app import create_app
from workout_mcp.config import load_settings
from workout_mcp.login.credentials import CredentialStore, LoginError
from workout_mcp.login.flow import login
from workout_mcp.store.local import LocalStore


def never_open(url: str) -> None:
    raise AssertionError(f"no browser should open, got {url}")


async def test_a_server_without_sign_in_is_reported_and_nothing_saved(tmp_path: Path) -> None:
    port = free_port()
    settings = load_settings(
        _env_file=None, mcp_transport="http", host="127.0.0.1", port=port, auth_mode="none"
    )
    store = CredentialStore(tmp_path)
    with serve(create_app(settings, store=LocalStore(tmp_path / "w.db")), port=port) as live:
        with pytest.raises(LoginError, match="needs no token"):
            await login(live.url, store=store, open_url=never_open, wait_seconds=5)
    assert not store.path.exists()


async def test_a_server_that_is_not_there_is_reported(tmp_path: Path) -> None:
    with pytest.raises(LoginError, match="cannot reach"):
        await login(f"http://127.0.0.1:{free_port()}", store=CredentialStore(tmp_path), open_url=never_open)
