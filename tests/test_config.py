from __future__ import annotations

import pytest

from workout_mcp.config import Settings, SettingsError, is_loopback_host, load_settings

STRONG = "k3Yq9v2XbW7pLm4NcR8sTd1FgH6jZu0AeIoPy5QwEr-"


def load(**kw: object) -> Settings:
    return load_settings(_env_file=None, **kw)


def test_defaults_are_a_local_stdio_server() -> None:
    s = load()
    assert s.mcp_transport == "stdio"
    assert s.public_url == "http://127.0.0.1:8000"
    assert s.resource_url == "http://127.0.0.1:8000/mcp"
    assert not s.uses_supabase


def test_every_bad_variable_is_named_in_one_error() -> None:
    with pytest.raises(SettingsError) as info:
        load(mcp_transport="carrier-pigeon", port=70000, base_url="ftp://x", log_level="LOUD")
    assert set(info.value.problems) == {"MCP_TRANSPORT", "PORT", "BASE_URL", "LOG_LEVEL"}
    for name in info.value.problems:
        assert name in str(info.value)


def test_http_with_supabase_auth_requires_the_identity_settings() -> None:
    with pytest.raises(SettingsError) as info:
        load(mcp_transport="http", supabase_url="https://p.supabase.co", supabase_anon_key="anon")
    assert {"OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "SECRET_KEY"} <= set(info.value.problems)


def test_auth_mode_none_is_refused_off_loopback() -> None:
    with pytest.raises(SettingsError) as info:
        load(mcp_transport="http", auth_mode="none", host="0.0.0.0")
    assert set(info.value.problems) == {"AUTH_MODE"}
    assert load(mcp_transport="http", auth_mode="none", host="127.0.0.1").auth_enabled is False


def test_secret_values_never_appear_in_the_error() -> None:
    weak = "hunter2-very-secret-password"
    with pytest.raises(SettingsError) as info:
        load(
            mcp_transport="http",
            supabase_url="https://p.supabase.co",
            supabase_anon_key="anon-key-value-xyz",
            oauth_client_id="cid",
            oauth_client_secret="client-secret-value-xyz",
            secret_key=weak,
        )
    text = str(info.value)
    assert set(info.value.problems) == {"SECRET_KEY"}
    for secret in (weak, "anon-key-value-xyz", "client-secret-value-xyz"):
        assert secret not in text
    with pytest.raises(SettingsError) as info:
        load(port="8080-secret-ish", oauth_client_secret="client-secret-value-xyz")
    assert set(info.value.problems) == {"PORT"}
    assert "8080-secret-ish" not in str(info.value)


def test_a_strong_secret_and_full_identity_settings_load() -> None:
    s = load(
        mcp_transport="http",
        supabase_url="https://p.supabase.co/",
        supabase_anon_key="anon",
        oauth_client_id="cid",
        oauth_client_secret="sec",
        secret_key=STRONG,
    )
    assert s.supabase_issuer == "https://p.supabase.co/auth/v1"
    assert s.auth_enabled


def test_production_needs_https_base_url() -> None:
    with pytest.raises(SettingsError) as info:
        load(environment="production", base_url="http://workout.example")
    assert "BASE_URL" in info.value.problems


def test_supabase_url_and_key_come_together() -> None:
    with pytest.raises(SettingsError) as info:
        load(supabase_url="https://p.supabase.co")
    assert "SUPABASE_ANON_KEY" in info.value.problems


def test_origins_are_split_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://claude.ai, http://localhost:6274/")
    assert load().allowed_origins == ["https://claude.ai", "http://localhost:6274"]
    monkeypatch.setenv("ALLOWED_ORIGINS", "claude.ai")
    with pytest.raises(SettingsError) as info:
        load()
    assert "ALLOWED_ORIGINS" in info.value.problems


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCP_TRANSPORT", "http")
    monkeypatch.setenv("AUTH_MODE", "none")
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("RATE_LIMIT_FAIL_MODE", "fail-closed")
    s = load()
    assert (s.mcp_transport, s.port, s.rate_limit_fail_mode) == ("http", 9123, "closed")


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False), ("example.com", False)],
)
def test_loopback_detection(host: str, expected: bool) -> None:
    assert is_loopback_host(host) is expected
