"""The credential file and the `token` command's decisions, without a browser."""

from __future__ import annotations

import os
import re
import stat
import time
from pathlib import Path

import pytest
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyUrl

from workout_mcp.login.credentials import CredentialStore, LoginError, ServerCredentials, mcp_url_of
from workout_mcp.login.flow import fresh_access_token


def entry(url: str, *, expires_at: float | None, access: str = "access-1") -> ServerCredentials:
    return ServerCredentials(
        mcp_url=url,
        token_endpoint="http://127.0.0.1:9/oauth/token",
        resource=url,
        client=OAuthClientInformationFull(
            client_id="c1", redirect_uris=[AnyUrl("http://127.0.0.1:1/callback")]
        ),
        tokens=OAuthToken(access_token=access, refresh_token="refresh-1", expires_in=3600),
        expires_at=expires_at,
        saved_at=0,
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://w.fly.dev", "https://w.fly.dev/mcp"),
        ("https://w.fly.dev/", "https://w.fly.dev/mcp"),
        ("https://w.fly.dev/mcp", "https://w.fly.dev/mcp"),
        ("http://127.0.0.1:8000/mcp/", "http://127.0.0.1:8000/mcp"),
    ],
)
def test_server_urls_name_the_mcp_endpoint(given: str, expected: str) -> None:
    assert mcp_url_of(given) == expected


@pytest.mark.parametrize("bad", ["w.fly.dev", "ftp://w.fly.dev", "https://", "https:///mcp"])
def test_a_server_that_is_not_a_url_is_refused_with_the_form_to_use(bad: str) -> None:
    with pytest.raises(LoginError, match="https://"):
        mcp_url_of(bad)


def test_the_file_is_private_even_under_a_permissive_umask(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path / "cfg")
    old = os.umask(0)
    try:
        store.put(entry("https://a.example/mcp", expires_at=None))
    finally:
        os.umask(old)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert [p.name for p in store.path.parent.iterdir()] == ["credentials.json"]


def test_without_a_url_the_server_logged_in_to_last_is_used(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path)
    store.put(entry("https://a.example/mcp", expires_at=None, access="a"))
    store.put(entry("https://b.example/mcp", expires_at=None, access="b"))
    assert store.get(None).tokens.access_token == "b"
    assert store.get("https://a.example").tokens.access_token == "a"


async def test_a_fresh_token_is_printed_without_asking_the_server(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path)
    now = time.time()
    store.put(entry("https://a.example/mcp", expires_at=now + 120))
    # The token endpoint (port 9, discard) would fail the call: a fresh token must not need it.
    assert await fresh_access_token("https://a.example", store=store, now=lambda: now) == "access-1"


async def test_a_stale_token_with_an_unreachable_server_says_so(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path)
    now = time.time()
    store.put(entry("https://a.example/mcp", expires_at=now + 30))  # inside the one-minute margin
    with pytest.raises(LoginError, match=re.escape("cannot reach http://127.0.0.1:9/oauth/token")):
        await fresh_access_token(None, store=store, now=lambda: now)


async def test_token_before_any_login_says_how_to_log_in(tmp_path: Path) -> None:
    with pytest.raises(LoginError, match="workout-mcp login"):
        await fresh_access_token(None, store=CredentialStore(tmp_path))
    with pytest.raises(LoginError, match=re.escape("not logged in to https://a.example/mcp")):
        await fresh_access_token("https://a.example", store=CredentialStore(tmp_path))


def test_a_damaged_file_is_reported_not_overwritten(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path)
    store.path.write_text("{not json")
    with pytest.raises(LoginError, match="delete it and log in again"):
        store.get(None)
    assert store.path.read_text() == "{not json"
