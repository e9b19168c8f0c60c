from __future__ import annotations

import pytest

from workout_mcp.config import SettingsError, load_settings


def test_http_with_supabase_requires_oauth_client_id() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(
            _env_file=None,
            mcp_transport="http",
            supabase_url="https://ref.supabase.co",
            supabase_anon_key="anon",
            oauth_client_secret="secret",
            secret_key="k3Q9vX2mN8pL5rT1wY7zA4bC6dE0fG2hJ9kM3nP5qS8",
        )
    assert "OAUTH_CLIENT_ID" in caught.value.problems
    assert (
        "secret" not in str(caught.value).replace("OAUTH_CLIENT_SECRET", "").replace("SECRET_KEY", "").lower()
    )


def test_auth_mode_none_is_refused_off_loopback() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, mcp_transport="http", auth_mode="none", host="0.0.0.0")
    assert "AUTH_MODE" in caught.value.problems
